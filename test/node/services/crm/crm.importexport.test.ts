import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { neutraliseCell } from '../../../../electron/services/crm/export.csv';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

const SAMPLE = '/work/shared/samples/contacts-hubspot-style.csv';

function count(f: CrmFixture, table: string): number {
  return (f.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('CSV import', () => {
  it('previews the messy HubSpot-style sample (BOM, CRLF, quoted newlines, formulas) without writing', async () => {
    const f = await createCrmFixture();
    const csv = readFileSync(SAMPLE, 'utf8');
    const ops = count(f, 'crm_oplog');
    const preview = await f.ok('import.preview', { csv });
    expect(preview.headers[0]).toBe('Record ID');
    expect(preview.mapping).toMatchObject({
      'First Name': 'givenName',
      'Last Name': 'familyName',
      Email: 'email',
      'Phone Number': 'phone',
      'Company Name': 'accountName',
      'Job Title': 'title',
      'Record ID': 'ignore',
    });
    expect(preview.rows).toBe(1000);
    expect(preview.errors.some((e) => e.code === 'invalid_email' && e.column === 'Email')).toBe(true);
    expect(preview.duplicates.length).toBeGreaterThan(0);
    expect(preview.valid + preview.duplicates.length + new Set(preview.errors.map((e) => e.row)).size).toBe(
      1000,
    );
    expect(count(f, 'crm_contacts')).toBe(0);
    expect(count(f, 'crm_oplog')).toBe(ops);
    // A Chinese name in the family-name column stays whole.
    expect(preview.sample.some((s) => /^[\u4e00-\u9fff]{2,4}$/.test(s.name))).toBe(true);
  });

  it('imports the sample when rows with errors are skipped, with progress events and de-duplication', async () => {
    const f = await createCrmFixture();
    const csv = readFileSync(SAMPLE, 'utf8');
    const preview = await f.ok('import.preview', { csv });
    expect(await f.call('import.commit', { csv })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(count(f, 'crm_contacts')).toBe(0);
    const res = await f.ok('import.commit', { csv, onRowError: 'skipRows', importId: 'imp1' });
    expect(res.created).toBe(preview.valid);
    expect(res.skippedDuplicates).toBe(preview.duplicates.length);
    expect(count(f, 'crm_contacts')).toBe(preview.valid);
    const progress = f.events.filter((e) => e.event === 'import.progressed');
    expect(progress.at(-1)!.payload).toEqual({ importId: 'imp1', done: res.created, total: res.created });
    // The formula-looking notes are stored as text, never evaluated.
    const notes = f.db
      .prepare("SELECT count(*) AS n FROM crm_contacts WHERE notes LIKE '@mention%'")
      .get() as {
      n: number;
    };
    expect(notes.n).toBeGreaterThan(0);
    // Importing again finds every row a duplicate of an existing contact.
    const again = await f.ok('import.preview', { csv });
    expect(again.valid).toBe(0);
    expect(again.duplicates.every((d) => d.of === 'existing')).toBe(true);
  });

  it('honours an explicit column mapping and de-duplicates by phone digits', async () => {
    const f = await createCrmFixture();
    const csv = 'Who,Tel,Mail\n"Wang, Fang",+86 190 1111 2222,\nFang W,8619011112222,\n';
    const preview = await f.ok('import.preview', {
      csv,
      mapping: { Who: 'name', Tel: 'phone', Mail: 'email' },
      dedupeBy: 'phone',
    });
    expect(preview.valid).toBe(1);
    expect(preview.duplicates).toEqual([{ row: 2, of: 'file' }]);
    // No column gives a name: the preview still answers (the mapping step must open) and says so;
    // the commit refuses the file.
    expect(await f.ok('import.preview', { csv: 'A,B\n1,2\n' })).toMatchObject({ hasName: false, rows: 1 });
    expect(await f.call('import.commit', { csv: 'A,B\n1,2\n' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
  });

  it('finds duplicates of live contacts by any of their addresses or phone digits, not of deleted ones', async () => {
    const f = await createCrmFixture();
    const live = await f.ok('contacts.create', {
      name: 'Kept',
      emails: ['First@Example.com', 'second@example.com'],
      phones: ['+49 (30) 555-0101'],
    });
    const gone = await f.ok('contacts.create', { name: 'Gone', emails: ['gone@example.com'] });
    await f.ok('contacts.delete', { id: gone.id });
    const csv =
      'Name,Email,Phone\nA,SECOND@example.com,\nB,,4930 5550101\nC,gone@example.com,\nD,first@example.com,\n';
    const preview = await f.ok('import.preview', { csv });
    expect(preview.duplicates).toEqual([
      { row: 1, of: 'existing' },
      { row: 2, of: 'existing' },
      { row: 4, of: 'existing' },
    ]);
    expect(preview.valid).toBe(1);
    // Only the kind asked for counts.
    expect((await f.ok('import.preview', { csv, dedupeBy: 'phone' })).duplicates).toEqual([
      { row: 2, of: 'existing' },
    ]);
    expect((await f.ok('import.preview', { csv, dedupeBy: 'none' })).valid).toBe(4);
    // A changed address frees the old one.
    await f.ok('contacts.update', { id: live.id, patch: { emails: ['new@example.com'] } });
    expect((await f.ok('import.preview', { csv, dedupeBy: 'email' })).duplicates).toEqual([]);
  });

  it('commits all rows or none: a failure half-way leaves no contacts, accounts, ops or index rows', async () => {
    const f = await createCrmFixture();
    const tables = ['crm_contacts', 'crm_accounts', 'crm_oplog', 'crm_search_docs'];
    const csv =
      'Name,Company,Email\nA One,Acme,a@one.example\nB Two,Beta,b@two.example\nC Three,Gamma,c@three.example\n';
    // A failure after the first rows were written (a trigger stands in for a full disk; a stored one,
    // not TEMP, because the import writes on the database worker's own connection).
    f.db.exec(
      "CREATE TRIGGER fail_third BEFORE INSERT ON crm_contacts WHEN new.name = 'C Three' BEGIN SELECT RAISE(ABORT, 'boom'); END",
    );
    const before = tables.map((t) => count(f, t));
    expect(await f.call('import.commit', { csv })).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(tables.map((t) => count(f, t))).toEqual(before);
    expect((await f.ok('search.query', { q: 'one' })).hits).toEqual([]);
    // A row error found before writing rejects the file as a whole, too.
    f.db.exec('DROP TRIGGER fail_third');
    const bad = `Name,Owner\nA One,rep1\nB Two,${'x'.repeat(150)}\n`;
    expect(await f.call('import.commit', { csv: bad })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(tables.map((t) => count(f, t))).toEqual(before);
    expect(await f.ok('import.commit', { csv })).toMatchObject({ created: 3, accountsCreated: 3 });
  });
});

describe('export', () => {
  it('neutralises formula injection in CSV cells', async () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', 'ok', ' =x'].map(neutraliseCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
      "'\tx",
      "'\rx",
      'ok',
      ' =x',
    ]);
    const f = await createCrmFixture();
    await f.ok('contacts.create', { name: '=HYPERLINK("http://evil.example","x")', notes: '@cmd|calc' });
    const out = await f.ok('export.csv', { entity: 'contact' });
    expect(out.count).toBe(1);
    const parsed = Papa.parse<Record<string, string>>(out.content.replace(/^\ufeff/, ''), {
      header: true,
      skipEmptyLines: true,
    });
    expect(parsed.data[0]!.Name).toBe('\'=HYPERLINK("http://evil.example","x")');
    expect(parsed.data[0]!.Notes).toBe("'@cmd|calc");
    for (const row of parsed.data)
      for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('exports vCard 4.0 that a parser reads back to the same contacts', async () => {
    const f = await createCrmFixture();
    const acc = await f.ok('accounts.create', { name: 'Globex, Inc.' });
    const people = [
      await f.ok('contacts.create', {
        name: '张伟',
        familyName: '张',
        givenName: '伟',
        emails: ['zhang.wei@example.cn', 'zw@home.example'],
        phones: ['+86 190 3806 8155'],
        title: '采购经理',
        accountId: acc.id,
        address: { street: '1 Road; Unit 2', city: '上海', country: 'China' },
        tags: ['vip', 'a,b'],
        notes: 'Met at trade fair,\nwants a demo; \\ backslash. ' + 'long '.repeat(40),
      }),
      await f.ok('contacts.create', { name: 'María José García' }),
    ];
    const out = await f.ok('export.vcard', {});
    expect(out.count).toBe(2);
    for (const line of out.content.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const cards = ICAL.parse(out.content) as unknown[];
    const components = (Array.isArray(cards[0]) ? cards : [cards]).map(
      (jcard) => new ICAL.Component(jcard as unknown[]),
    );
    expect(components).toHaveLength(2);
    const byUid = new Map(components.map((c) => [String(c.getFirstPropertyValue('uid')), c]));
    const zw = byUid.get(`urn:uuid:${people[0]!.id}`)!;
    expect(zw.getFirstPropertyValue('version')).toBe('4.0');
    expect(zw.getFirstPropertyValue('fn')).toBe('张伟');
    expect(zw.getFirstPropertyValue('n')).toEqual(['张', '伟', '', '', '']);
    expect(zw.getAllProperties('email').map((p) => p.getFirstValue())).toEqual(people[0]!.emails);
    expect(zw.getFirstPropertyValue('tel')).toBe('+86 190 3806 8155');
    expect(zw.getFirstPropertyValue('title')).toBe('采购经理');
    expect(zw.getFirstPropertyValue('org')).toBe('Globex, Inc.');
    expect(zw.getFirstPropertyValue('note')).toBe(people[0]!.notes);
    expect(zw.getFirstProperty('categories')!.getValues()).toEqual(['vip', 'a,b']);
    expect(zw.getFirstPropertyValue('adr')).toEqual(['', '', '1 Road; Unit 2', '上海', '', '', 'China']);
    expect(byUid.get(`urn:uuid:${people[1]!.id}`)!.getFirstPropertyValue('fn')).toBe('María José García');
  });
});
