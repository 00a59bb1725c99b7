import { afterEach, describe, expect, it } from 'vitest';
import { columnNames } from '../../../../electron/services/crm/import.file';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

let fixture: CrmFixture | null = null;
afterEach(async () => {
  await fixture?.services.dispose();
  fixture = null;
});

describe('import columns that share a header', () => {
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
});
