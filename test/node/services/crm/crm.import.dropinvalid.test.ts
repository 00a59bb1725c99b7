import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emailSchema } from '../../../../shared/domain/crm.schemas';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

const SAMPLE = '/work/shared/samples/contacts-hubspot-style.csv';

function count(f: CrmFixture, sql: string): number {
  return (f.db.prepare(sql).get() as { n: number }).n;
}

describe("CSV import with onRowError: 'dropInvalidValues'", () => {
  it('keeps the sample’s rows with a bad e-mail or phone, drops only those values and reports them as warnings', async () => {
    const f = await createCrmFixture();
    const csv = readFileSync(SAMPLE, 'utf8');
    const strict = await f.ok('import.preview', { csv });
    expect(strict.warnings).toBeUndefined();
    const preview = await f.ok('import.preview', { csv, onRowError: 'dropInvalidValues' });
    const warnings = preview.warnings ?? [];
    expect(warnings.some((w) => w.code === 'invalid_email' && w.column === 'Email')).toBe(true);
    // Value errors became warnings; what is left are rows that cannot be kept at all.
    expect(preview.errors.some((e) => e.code === 'invalid_email' || e.code === 'invalid_phone')).toBe(false);
    const errorRows = new Set(preview.errors.map((e) => e.row)).size;
    expect(preview.valid + preview.duplicates.length + errorRows).toBe(1000);
    expect(preview.valid).toBeGreaterThan(strict.valid);
    expect(count(f, 'SELECT count(*) AS n FROM crm_contacts')).toBe(0);

    const res = await f.ok('import.commit', { csv, onRowError: 'dropInvalidValues', importId: 'drop1' });
    expect(res.created).toBe(preview.valid);
    expect(res.skippedRows).toBe(errorRows);
    expect(res.droppedValues).toBe(warnings.length);
    expect(count(f, 'SELECT count(*) AS n FROM crm_contacts')).toBe(preview.valid);
    // Row 1 (Thomas Davis, "not-an-email") is kept without the e-mail and with its phone.
    const thomas = f.db
      .prepare<[], { emails: string; phones: string }>(
        "SELECT emails, phones FROM crm_contacts WHERE name = 'Thomas Davis' AND phones LIKE '%3806 8155%'",
      )
      .get();
    expect(thomas && JSON.parse(thomas.emails)).toEqual([]);
    // No invalid address reached the table, and every kept contact has its ops and index row.
    const emails = f.db
      .prepare<[], { e: string }>('SELECT value AS e FROM crm_contacts, json_each(crm_contacts.emails)')
      .all();
    expect(emails.every((r) => emailSchema.safeParse(r.e).success)).toBe(true);
    expect(count(f, "SELECT count(*) AS n FROM crm_oplog WHERE entity = 'contact'")).toBe(res.created);
    expect(count(f, "SELECT count(*) AS n FROM crm_search_docs WHERE entity = 'contact'")).toBe(res.created);
  });

  it('drops a too-long owner, title or company but leaves out a row whose name is unusable', async () => {
    const f = await createCrmFixture();
    const long = 'x'.repeat(300);
    const csv = [
      'Name,Owner,Title,Company,Email',
      `Ann Owner,${long},Buyer,Acme,ann@example.com`,
      `Ben Title,rep1,${long},Acme,ben@example.com`,
      `Cy Company,rep1,CEO,${long},cy@example.com`,
      `${long},rep1,CEO,Acme,long@example.com`,
      `,rep1,CEO,Acme,noname@example.com`,
    ].join('\n');
    const preview = await f.ok('import.preview', { csv, onRowError: 'dropInvalidValues' });
    expect(preview.valid).toBe(3);
    expect(preview.warnings).toEqual([
      { row: 1, column: 'Owner', code: 'too_long' },
      { row: 2, column: 'title', code: 'too_long' },
      { row: 3, column: 'accountName', code: 'too_long' },
    ]);
    expect(preview.errors.map((e) => e.row).sort()).toEqual([4, 5]);
    expect(await f.call('import.commit', { csv })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    const res = await f.ok('import.commit', { csv, onRowError: 'dropInvalidValues' });
    expect(res).toMatchObject({ created: 3, skippedRows: 2, droppedValues: 3, accountsCreated: 1 });
    const rows = f.db
      .prepare<
        [],
        { name: string; owner_id: string | null; title: string | null; account_id: string | null }
      >('SELECT name, owner_id, title, account_id FROM crm_contacts ORDER BY name')
      .all();
    expect(rows.map((r) => [r.name, r.owner_id, r.title, r.account_id !== null])).toEqual([
      ['Ann Owner', null, 'Buyer', true],
      ['Ben Title', 'rep1', null, true],
      ['Cy Company', 'rep1', 'CEO', false],
    ]);
  });
});
