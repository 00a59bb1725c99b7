import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEncryptedDatabase } from '../../../../electron/services/db/database';
import { insertBatched, ROWS_PER_INSERT } from '../../../../electron/services/db/insert.batched';
import { tempDir } from '../../support/tmp';

describe('batched multi-row inserts', () => {
  it('writes every row once, in order, for counts below, at and above a batch', () => {
    const db = openEncryptedDatabase(path.join(tempDir('fv-batch-'), 'b.db'), randomBytes(32));
    try {
      db.exec('CREATE TABLE t (n INTEGER NOT NULL, label TEXT NOT NULL) STRICT');
      const prepared = new Set<string>();
      const statement = (sql: string) => {
        prepared.add(sql);
        return db.prepare(sql);
      };
      for (const count of [0, 1, ROWS_PER_INSERT - 1, ROWS_PER_INSERT, 2 * ROWS_PER_INSERT + 7]) {
        db.exec('DELETE FROM t');
        prepared.clear();
        const rows = Array.from({ length: count }, (_, i) => [i, `row ${i}`]);
        insertBatched(statement, 'INSERT INTO t (n, label) VALUES ', '(?, ?)', rows);
        expect(db.prepare('SELECT n, label FROM t ORDER BY rowid').raw().all()).toEqual(rows);
        // One statement for whole batches, one for the rest, none when there is nothing to do.
        expect(prepared.size).toBe(
          (count >= ROWS_PER_INSERT ? 1 : 0) + (count % ROWS_PER_INSERT > 0 ? 1 : 0),
        );
      }
    } finally {
      db.close();
    }
  });
});
