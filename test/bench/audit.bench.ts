import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  buildRow,
  deriveAuditKeys,
  genesisHash,
  signCheckpoint,
  verifyChain,
} from '../../electron/services/audit/audit.chain';
import { auditMigrations } from '../../electron/services/audit/audit.migrations';
import { AuditRepository } from '../../electron/services/audit/audit.repository';
import { openEncryptedDatabase } from '../../electron/services/db/database';
import { migrate } from '../../electron/services/db/migrate';
import { median, result, type BenchSuite } from './bench.types';

/**
 * The security log's check at every unlock: a full verification (hash, MAC, links, checkpoints) of
 * a log of N events in the real encrypted store, against reading the same rows without checking.
 */
export const auditBench: BenchSuite = {
  name: 'audit',
  run({ dir, quick }) {
    const n = quick ? 2_000 : 20_000;
    const db = openEncryptedDatabase(path.join(dir, 'audit.db'), randomBytes(32));
    migrate(db, [auditMigrations]);
    const repo = new AuditRepository(db);
    const keys = deriveAuditKeys(randomBytes(32));
    let head = genesisHash('bench');
    db.transaction(() => {
      for (let seq = 1; seq <= n; seq++) {
        const row = buildRow(keys, head, {
          seq,
          time: Date.now(),
          type: seq % 3 === 0 ? 'vault.lock' : 'data.export',
          actor: { kind: 'this-device' },
          outcome: 'ok',
          details:
            seq % 3 === 0 ? { lockReason: 'timeout' } : { exportKind: 'csv', entity: 'contact', count: seq },
        });
        repo.append(row);
        head = row.hash;
        if (seq % 16 === 0)
          repo.addCheckpoint({ seq, head, signature: signCheckpoint(keys, 'bench', seq, head) }, 0);
      }
    })();
    const verify: number[] = [];
    const read: number[] = [];
    for (let round = 0; round < 3; round++) {
      let t = performance.now();
      const report = verifyChain({
        vaultId: 'bench',
        rows: repo.rows(),
        checkpoints: repo.checkpoints(),
        keys,
        anchor: null,
        keyFromSeq: 1,
      });
      verify.push(performance.now() - t);
      if (report.firstBreak) throw new Error('the bench log does not verify');
      t = performance.now();
      let count = 0;
      for (const _row of repo.rows()) count += 1;
      read.push(performance.now() - t);
      if (count !== n) throw new Error('rows missing');
    }
    db.close();
    return Promise.resolve([result(`audit.verify ${n} events`, median(verify), 'ms', median(read))]);
  },
};
