import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crmMigrations } from '../../../../electron/services/crm/crm.migrations';
import { openEncryptedDatabase } from '../../../../electron/services/db/database';
import { migrate, schemaVersions } from '../../../../electron/services/db/migrate';
import { SyncChain } from '../../../../electron/services/sync/sync.chain';
import { syncMigrations } from '../../../../electron/services/sync/sync.migrations';
import { tempDir } from '../../support/tmp';

describe('sync migration v3: delta chains', () => {
  it('adds own deltas, seen chains and the integrity row; the chain starts at dseq 1', () => {
    const db = openEncryptedDatabase(path.join(tempDir(), 'v.db'), randomBytes(32));
    try {
      migrate(db, [crmMigrations, { domain: 'sync', migrations: syncMigrations.migrations.slice(0, 3) }]);
      expect(schemaVersions(db).sync).toBe(3);
      const chain = new SyncChain(db);
      expect(chain.nextLink('dev')).toEqual({ dseq: 1, prev: null });
      expect(chain.report('dev', 0)).toEqual({
        state: 'ok',
        devices: [],
        forks: 0,
        reordered: 0,
        detectedAt: null,
      });
      const digest = Buffer.alloc(32, 7);
      chain.repo.addOwn([{ dseq: 1, deltaId: 'd1', digest, envelope: Buffer.alloc(512) }]);
      expect(chain.nextLink('dev')).toEqual({ dseq: 2, prev: new Uint8Array(digest) });
      // A vault restored from a backup continues after the own deltas it sees on the server.
      chain.observe('dev', { dseq: 5, prev: new Uint8Array(32) }, new Uint8Array(32).fill(9));
      expect(chain.nextLink('dev')).toEqual({ dseq: 6, prev: new Uint8Array(32).fill(9) });
      chain.repo.setOwnAcked('d1', 3);
      expect(chain.report('dev', 3)).toMatchObject({
        state: 'gap',
        devices: [{ deviceId: 'dev', missing: 4 }],
      });
      chain.repo.markOwnDelivered('d1');
      expect(chain.repo.ownUndelivered(0, 10)).toEqual([]);
      chain.repo.setRollback(42);
      expect(chain.report('dev', 3)).toMatchObject({ state: 'rollback', detectedAt: 42 });
      chain.repo.clearFindings();
      chain.repo.clearSeen();
      expect(chain.report('dev', 3).state).toBe('ok');
      // Migrating again is a no-op.
      migrate(db, [crmMigrations, syncMigrations]);
      expect(chain.repo.ownHead()?.dseq).toBe(1);
    } finally {
      db.close();
    }
  });
});
