import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { accountDef, contactDef } from '../../../../electron/services/crm/crm.entities';
import { crmMigrations } from '../../../../electron/services/crm/crm.migrations';
import { CrmService } from '../../../../electron/services/crm/crm.service';
import { openEncryptedDatabase, type Db } from '../../../../electron/services/db/database';
import { migrate } from '../../../../electron/services/db/migrate';
import { tempDir } from '../../support/tmp';

/*
 * Totals of unfiltered lists are kept incrementally (counts.repository.ts): after every kind of write,
 * on this connection or another one, committed or rolled back, they equal a fresh count(*).
 */

function vault(): { file: string; key: Uint8Array; db: Db; svc: CrmService } {
  const file = path.join(tempDir('fv-counts-'), 'v.db');
  const key = randomBytes(32);
  const db = openEncryptedDatabase(file, Uint8Array.from(key));
  migrate(db, [crmMigrations]);
  return { file, key, db, svc: new CrmService(db, Date.now) };
}

function counted(db: Db, table: string, live: boolean): number {
  return (
    db
      .prepare<[], { n: number }>(
        `SELECT count(*) AS n FROM ${table}${live ? ' WHERE deleted_at IS NULL' : ''}`,
      )
      .get()?.n ?? -1
  );
}

function totals(svc: CrmService): { live: number; all: number } {
  return {
    live: svc.list(contactDef, { limit: 5 }).total,
    all: svc.list(contactDef, { limit: 5, includeDeleted: true }).total,
  };
}

describe('kept list totals', () => {
  it('follow creates, bulk creates, updates, deletes and rollbacks on this connection', () => {
    const { db, svc } = vault();
    const expectExact = () =>
      expect(totals(svc)).toEqual({
        live: counted(db, 'crm_contacts', true),
        all: counted(db, 'crm_contacts', false),
      });
    expect(totals(svc)).toEqual({ live: 0, all: 0 });
    const ids = ['Ann', 'Bob', 'Cem'].map((name) => svc.create(contactDef, { name }).id);
    expect(totals(svc)).toEqual({ live: 3, all: 3 });
    ids.push(...svc.createMany(contactDef, [{ name: '张伟' }, { name: 'Dora' }]));
    expect(totals(svc)).toEqual({ live: 5, all: 5 });
    svc.update(contactDef, ids[0]!, { title: 'Buyer' });
    svc.delete(contactDef, ids[1]!);
    expect(totals(svc)).toEqual({ live: 4, all: 5 });
    expectExact();
    // A transaction that fails leaves the totals as they were.
    expect(() =>
      svc.tx(() => {
        svc.create(contactDef, { name: 'Gone' });
        svc.delete(contactDef, ids[2]!);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(totals(svc)).toEqual({ live: 4, all: 5 });
    // A savepoint rolled back inside a committed transaction: only its own part is undone.
    svc.tx(() => {
      svc.create(contactDef, { name: 'Kept' });
      try {
        svc.tx(() => {
          svc.create(contactDef, { name: 'Undone' });
          throw new Error('inner');
        });
      } catch {
        // expected
      }
    });
    expect(totals(svc)).toEqual({ live: 5, all: 6 });
    expectExact();
    // The totals came from the kept counts, not from a count(*).
    expect(
      db.prepare("SELECT live, total FROM temp.crm_row_counts WHERE tbl = 'crm_contacts'").get(),
    ).toEqual({
      live: 5,
      total: 6,
    });
    // Other entities keep their own totals; a filtered list still counts its filter.
    svc.create(accountDef, { name: 'Acme' });
    expect(svc.list(accountDef, { limit: 5 }).total).toBe(1);
    expect(svc.list(contactDef, { limit: 5, filter: { accountId: null } }).total).toBe(5);
    db.close();
  });

  it('are recounted after another connection commits (the database worker)', () => {
    const { file, key, db, svc } = vault();
    svc.create(contactDef, { name: 'Ann' });
    expect(totals(svc)).toEqual({ live: 1, all: 1 });
    const other = openEncryptedDatabase(file, Uint8Array.from(key));
    const worker = new CrmService(other, Date.now);
    worker.createMany(contactDef, [{ name: 'Bob' }, { name: 'Cem' }]);
    const gone = worker.create(contactDef, { name: 'Dora' }).id;
    worker.delete(contactDef, gone);
    expect(totals(svc)).toEqual({ live: 3, all: 4 });
    // And keep following this connection's writes afterwards.
    svc.create(contactDef, { name: 'Eve' });
    expect(totals(svc)).toEqual({ live: 4, all: 5 });
    other.close();
    db.close();
  });
});
