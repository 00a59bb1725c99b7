import { afterEach, describe, expect, it } from 'vitest';
import { columnNames } from '../../../../electron/services/crm/import.file';
import { MAX_IMPORT_ROWS } from '../../../../shared/ipc/channels/import.schemas';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

let fixture: CrmFixture | null = null;
afterEach(async () => {
  await fixture?.services.dispose();
  fixture = null;
});

describe('import files: repeated headers and the row limit', () => {
  it('names a repeated header by its occurrence, never clashing with a header the file has', () => {
    expect(columnNames([' Name', 'Phone', 'Phone ', 'Phone'])).toEqual([
      'Name',
      'Phone',
      'Phone (2)',
      'Phone (3)',
    ]);
    expect(columnNames(['Phone', 'Phone (2)', 'Phone'])).toEqual(['Phone', 'Phone (2)', 'Phone (3)']);
    expect(columnNames(['__proto__', '__proto__'])).toEqual(['__proto__', '__proto__ (2)']);
  });

  it('maps two "Phone" columns apart: both are guessed, and ignoring the second keeps the first', async () => {
    fixture = await createCrmFixture();
    const f = fixture;
    const csv = 'Name,Phone,Phone\nAnn Lee,+49 30 111111,+49 30 222222\n';
    const base = { csv, entity: 'contact', dedupeBy: 'email' } as const;
    const preview = await f.ok('import.preview', base);
    expect(preview.mapping).toEqual({ Name: 'name', Phone: 'phone', 'Phone (2)': 'phone' });
    const mapping = { ...preview.mapping, 'Phone (2)': 'ignore' as const };
    const again = await f.ok('import.preview', { ...base, mapping });
    expect(again.mapping).toEqual(mapping);
    await f.ok('import.commit', { ...base, mapping, importId: 'imp_cols', source: 'csv-import' });
    const contacts = (await f.ok('contacts.list', { limit: 5 })).items;
    expect(contacts.map((c) => c.phones)).toEqual([['+49 30 111111']]);
  });

  it('refuses a file past the row limit with its own code, in preview and commit, importing nothing', async () => {
    fixture = await createCrmFixture();
    const f = fixture;
    const base = { entity: 'contact', dedupeBy: 'email' } as const;
    // One data row past the limit (a preview at the limit itself analyses 200,000 rows: too slow here).
    const csv = `Name\n${'a\n'.repeat(MAX_IMPORT_ROWS + 1)}`;
    for (const r of [
      await f.call('import.preview', { ...base, csv }),
      await f.call('import.commit', { ...base, csv, importId: 'imp_big', source: 'csv-import' }),
    ])
      expect(r.ok ? null : r.error.code).toBe('IMPORT_TOO_MANY_ROWS');
    expect((await f.ok('contacts.list', { limit: 1 })).items).toEqual([]);
  });
});
