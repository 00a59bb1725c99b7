import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../../shared/domain/crm.seed';
import { parseHlc } from '../../../../shared/domain/hlc';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

type Row = Record<string, unknown>;

/** What sync would deliver: A's custom field definitions applied on B (same ids, same options). */
function copyDefinitions(from: CrmFixture, to: CrmFixture): void {
  const rows = from.db
    .prepare<[], { op_id: string; record_id: string; hlc: string; fields: string }>(
      "SELECT op_id, record_id, hlc, fields FROM crm_oplog WHERE entity = 'customField' ORDER BY hlc",
    )
    .all();
  const result = to.services.parts.crm().writer.apply(
    rows.map((r) => ({
      opId: r.op_id,
      entity: 'customField',
      recordId: r.record_id,
      hlc: r.hlc,
      deviceId: parseHlc(r.hlc)!.deviceId,
      fields: r.fields,
    })),
    'remote',
  );
  expect(result.rejected).toEqual([]);
}

async function byName(f: CrmFixture, channel: 'accounts.list' | 'contacts.list' | 'deals.list') {
  const items = (await f.ok(channel, { limit: 200 })).items as Row[];
  return Object.fromEntries(items.map((r) => [String(r.name), r.custom]));
}

async function defineAll(f: CrmFixture) {
  const def = async (input: Record<string, unknown>) => (await f.ok('customFields.create', input)).id;
  return {
    hobby: await def({ entity: 'contact', kind: 'text', label: 'Hobby' }),
    // Same label as the contact export's address column: exported as "Region (custom)".
    region: await def({
      entity: 'contact',
      kind: 'select',
      label: 'Region',
      options: [
        { id: 'n', label: '华北', archived: false },
        { id: 's', label: '华南', archived: false },
      ],
    }),
    score: await def({ entity: 'contact', kind: 'number', label: 'Score' }),
    since: await def({ entity: 'contact', kind: 'date', label: '客户自' }),
    vip: await def({ entity: 'contact', kind: 'checkbox', label: 'VIP' }),
    lines: await def({
      entity: 'account',
      kind: 'multiSelect',
      label: 'Product lines',
      options: [
        { id: 'a', label: 'Pumps', archived: false },
        { id: 'b', label: 'Valves; seals', archived: false },
        { id: 'c', label: 'Service', archived: false },
      ],
    }),
    budget: await def({ entity: 'deal', kind: 'money', label: 'Budget', currency: 'JPY' }),
    margin: await def({ entity: 'deal', kind: 'number', label: 'Margin %' }),
  };
}

describe('custom fields in CSV export and import', () => {
  it('exports one column per custom field and re-importing the export recreates the same values', async () => {
    const a = await createCrmFixture();
    const b = await createCrmFixture();
    try {
      const id = await defineAll(a);
      await f_contacts(a, id);
      await a.ok('accounts.create', { name: 'Acme', custom: { [id.lines]: ['a', 'c'] } });
      await a.ok('accounts.create', { name: 'Bare' });
      await a.ok('deals.create', {
        name: 'Big',
        pipelineId: DEFAULT_PIPELINE_ID,
        stageId: 'lead',
        custom: { [id.budget]: 1_500_000, [id.margin]: -12.5 },
      });
      const contacts = await a.ok('export.csv', { entity: 'contact' });
      const header = Papa.parse<string[]>(contacts.content.slice(1)).data[0]!;
      expect(header).toEqual(
        expect.arrayContaining(['Hobby', 'Region', 'Region (custom)', 'Score', '客户自', 'VIP']),
      );
      // A formula-looking text survives: guarded on export, unguarded on import.
      expect(contacts.content).toContain('"\'=SUM(A1)"');

      // The list's custom filter narrows the export like the list (checked by the list's schema).
      const vips = await a.ok('export.csv', {
        entity: 'contact',
        filter: { custom: [{ op: 'checked', field: id.vip, value: true }] },
      });
      expect(vips.count).toBe(1);
      expect(vips.content).toContain('张伟');

      copyDefinitions(a, b);
      for (const entity of ['account', 'contact', 'deal'] as const) {
        const file = await a.ok('export.csv', { entity });
        const preview = await b.ok('import.preview', { csv: file.content, entity });
        expect(Object.values(preview.customMapping ?? {}).length).toBeGreaterThan(0);
        expect(preview.errors).toEqual([]);
        await b.ok('import.commit', { csv: file.content, entity });
      }
      expect(await byName(b, 'contacts.list')).toEqual(await byName(a, 'contacts.list'));
      expect(await byName(b, 'accounts.list')).toEqual(await byName(a, 'accounts.list'));
      expect(await byName(b, 'deals.list')).toEqual(await byName(a, 'deals.list'));
      // The built-in address region is still the built-in field.
      const ann = (await b.ok('contacts.list', { limit: 200 })).items.find((c) => c.name === 'Ann Lee');
      expect(ann?.address?.region).toBe('Bavaria');
    } finally {
      await a.services.dispose();
      await b.services.dispose();
    }
  });

  it('maps by label in either language, reads the file locale, and applies the row error policy to custom cells', async () => {
    const f = await createCrmFixture();
    try {
      const id = await defineAll(f);
      const csv =
        '姓名,Region (custom),Score,客户自,VIP,Hobby\r\n' +
        '张伟,华南,"1.234,5",31.12.2023,是,茶\r\n' +
        '王芳,西北,2,01.01.2024,nein,\r\n' +
        '李娜,华北,x,,,\r\n';
      const preview = await f.ok('import.preview', { csv, locale: 'de-DE' });
      expect(preview.customMapping).toEqual({
        'Region (custom)': `cf:${id.region}`,
        Score: `cf:${id.score}`,
        客户自: `cf:${id.since}`,
        VIP: `cf:${id.vip}`,
        Hobby: `cf:${id.hobby}`,
      });
      expect(preview.errors).toEqual([
        { row: 2, column: 'Region (custom)', code: 'invalid_value' },
        { row: 3, column: 'Score', code: 'invalid_value' },
      ]);
      expect(preview.valid).toBe(1);
      const refused = await f.call('import.commit', { csv, locale: 'de-DE' });
      expect(refused.ok ? null : refused.error.code).toBe('VALIDATION');
      expect((await f.ok('contacts.list', {})).total).toBe(0);
      const dropped = await f.ok('import.commit', { csv, locale: 'de-DE', onRowError: 'dropInvalidValues' });
      expect(dropped).toMatchObject({ created: 3, droppedValues: 2 });
      const got = await byName(f, 'contacts.list');
      expect(got['张伟']).toEqual({
        [id.region]: 's',
        [id.score]: 1234.5,
        [id.since]: '2023-12-31',
        [id.vip]: true,
        [id.hobby]: '茶',
      });
      expect(got['王芳']).toEqual({ [id.score]: 2, [id.since]: '2024-01-01', [id.vip]: false });
      expect(got['李娜']).toEqual({ [id.region]: 'n' });
      // An explicit mapping wins over the label; ignore leaves a column out.
      const custom = await f.ok('import.preview', {
        csv,
        customMapping: { Hobby: 'ignore', Score: `cf:${id.hobby}` },
      });
      expect(custom.customMapping?.Score).toBe(`cf:${id.hobby}`);
      expect(custom.customMapping?.Hobby).toBeUndefined();
    } finally {
      await f.services.dispose();
    }
  });
});

async function f_contacts(f: CrmFixture, id: Awaited<ReturnType<typeof defineAll>>) {
  await f.ok('contacts.create', {
    name: 'Ann Lee',
    address: { region: 'Bavaria' },
    custom: { [id.hobby]: 'Sailing, "tall" ships', [id.region]: 's', [id.score]: 9.75, [id.vip]: false },
  });
  await f.ok('contacts.create', {
    name: '张伟',
    custom: { [id.hobby]: '=SUM(A1)', [id.since]: '2020-02-29', [id.vip]: true, [id.score]: -3 },
  });
  await f.ok('contacts.create', { name: 'Bo' });
}
