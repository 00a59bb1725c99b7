import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditMigrations } from '../../../../electron/services/audit/audit.migrations';
import { AuditRepository } from '../../../../electron/services/audit/audit.repository';
import {
  buildRow,
  deriveAuditKeys,
  genesisHash,
  signCheckpoint,
  verifyChain,
} from '../../../../electron/services/audit/audit.chain';
import { openEncryptedDatabase } from '../../../../electron/services/db/database';
import { migrate, schemaVersions } from '../../../../electron/services/db/migrate';
import { tempDir } from '../../support/tmp';

describe('audit migrations', () => {
  it('v1 creates the event, checkpoint and cursor tables the repository reads and writes', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
    try {
      migrate(db, [{ domain: 'audit', migrations: auditMigrations.migrations.slice(0, 1) }]);
      expect(schemaVersions(db).audit).toBe(1);
      const tables = db
        .prepare<[], { name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'audit_%'",
        )
        .all()
        .map((r) => r.name)
        .sort();
      expect(tables).toEqual(['audit_checkpoints', 'audit_events', 'audit_state']);
      const repo = new AuditRepository(db);
      expect(repo.state('membership_seq')).toBeNull();
      repo.setState('membership_seq', 4);
      repo.setState('membership_seq', 7);
      expect(repo.state('membership_seq')).toBe(7);
      const keys = deriveAuditKeys(randomBytes(32));
      const row = buildRow(keys, genesisHash('v1'), {
        seq: 1,
        time: 5,
        type: 'vault.setup',
        actor: { kind: 'this-device' },
        outcome: 'ok',
        details: {},
      });
      repo.append(row);
      repo.addCheckpoint({ seq: 1, head: row.hash, signature: signCheckpoint(keys, 'v1', 1, row.hash) }, 6);
      const report = verifyChain({
        vaultId: 'v1',
        rows: repo.rows(),
        checkpoints: repo.checkpoints(),
        keys,
        anchor: { seq: 1, head: row.hash },
        keyFromSeq: 1,
      });
      expect(report).toMatchObject({ events: 1, checkpoints: 1, signedThrough: 1, firstBreak: null });
      // The same log under another vault id does not verify: the genesis binds it.
      expect(
        verifyChain({ vaultId: 'v2', rows: repo.rows(), checkpoints: [], keys, anchor: null, keyFromSeq: 1 })
          .firstBreak,
      ).toEqual({ seq: 1, kind: 'unlinked' });
    } finally {
      db.close();
    }
  });
});
