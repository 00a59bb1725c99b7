import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../../shared/domain/crm.seed';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

type Row = Record<string, unknown>;

async function all(
  f: CrmFixture,
  channel: 'accounts.list' | 'contacts.list' | 'deals.list' | 'activities.list',
) {
  return (await f.ok(channel, { limit: 200 })).items as Row[];
}

/** Everything a user entered, with links as names (ids, stamps and positions differ between stores). */
async function snapshot(f: CrmFixture) {
  const accounts = await all(f, 'accounts.list');
  const contacts = await all(f, 'contacts.list');
  const deals = await all(f, 'deals.list');
  const activities = await all(f, 'activities.list');
  const name = (rows: Row[], id: unknown) => rows.find((r) => r.id === id)?.name ?? null;
  const strip = ({
    id: _i,
    createdAt: _c,
    updatedAt: _u,
    createdBy: _cb,
    updatedBy: _ub,
    deletedAt: _d,
    ...rest
  }: Row) => rest;
  const byName = (a: Row, b: Row) => String(a.name ?? a.subject).localeCompare(String(b.name ?? b.subject));
  return {
    accounts: accounts.map(strip).sort(byName),
    contacts: contacts
      .map((c) => {
        const { accountId, consent, ...rest } = strip(c);
        const optIn = (consent as { marketingOptIn: boolean }).marketingOptIn;
        return { ...rest, account: name(accounts, accountId), optIn };
      })
      .sort(byName),
    deals: deals
      .map((d) => {
        const { accountId, contactIds, position: _p, ...rest } = strip(d);
        return {
          ...rest,
          account: name(accounts, accountId),
          contacts: (contactIds as string[]).map((id) => name(contacts, id)),
        };
      })
      .sort(byName),
    activities: activities
      .map((a) => {
        const { accountId, contactId, dealId, occurredAt, attendeeIds: _a, ...rest } = strip(a);
        return {
          ...rest,
          // The export writes local time to the second.
          occurredAt: Math.floor(Number(occurredAt) / 1000),
          account: name(accounts, accountId),
          contact: name(contacts, contactId),
          deal: name(deals, dealId),
        };
      })
      .sort(byName),
  };
}

async function seed(f: CrmFixture) {
  const acme = await f.ok('accounts.create', {
    name: 'Acme GmbH',
    domain: 'acme.example',
    industry: 'Machinery',
    phone: '+49 30 1234567',
    address: { street: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'Germany' },
    tags: ['key', 'dach'],
  });
  const xc = await f.ok('accounts.create', { name: '北京星辰科技有限公司', phone: '+86 10 8888 8888' });
  const zw = await f.ok('contacts.create', {
    name: '张伟',
    familyName: '张',
    givenName: '伟',
    title: '采购经理',
    accountId: xc.id,
    emails: ['zhang.wei@example.cn', 'zw@home.example'],
    phones: ['+86 138 0013 8000', '010-8888 0000'],
    address: { street: '朝阳区建国路88号', city: '北京', country: '中国' },
    tags: ['vip'],
    notes: '=SUM(A1) is not a formula here\nsecond line, with "quotes"',
    consent: { marketingOptIn: true, recordedAt: 1_700_000_000_000, source: 'fair' },
  });
  const jm = await f.ok('contacts.create', {
    name: 'José Müller',
    accountId: acme.id,
    emails: ['jose@acme.example'],
    phones: ['+49 170 5555555'],
    ownerId: 'anna',
  });
  const deal = await f.ok('deals.create', {
    name: 'Acme line 2',
    accountId: acme.id,
    contactIds: [jm.id],
    amountMinor: 123_456_78,
    currency: 'EUR',
    pipelineId: DEFAULT_PIPELINE_ID,
    stageId: 'proposal',
    expectedCloseDate: '2027-03-31',
    probability: 60,
    ownerId: 'anna',
  });
  await f.ok('deals.create', {
    name: '星辰 扩容',
    accountId: xc.id,
    contactIds: [zw.id],
    amountMinor: -500,
    currency: 'CNY',
    pipelineId: DEFAULT_PIPELINE_ID,
    stageId: 'lead',
    status: 'won',
  });
  await f.ok('activities.create', {
    kind: 'visit',
    occurredAt: new Date(2026, 11, 3, 14, 30, 15).getTime(),
    durationMinutes: 45,
    subject: 'Site visit',
    outcome: 'Wants a quote',
    body: 'Met the plant manager; +1 more visit',
    accountId: acme.id,
    contactId: jm.id,
    dealId: deal.id,
  });
  await f.ok('activities.create', {
    kind: 'call',
    occurredAt: new Date(2026, 11, 4, 9, 0, 0).getTime(),
    subject: '电话回访',
    contactId: zw.id,
  });
}

describe('CSV export that round-trips', () => {
  it('re-importing an export into an empty vault recreates the same records', async () => {
    const a = await createCrmFixture();
    await seed(a);
    const files = {
      account: (await a.ok('export.csv', { entity: 'account' })).content,
      contact: (await a.ok('export.csv', { entity: 'contact' })).content,
      deal: (await a.ok('export.csv', { entity: 'deal' })).content,
      activity: (await a.ok('export.csv', { entity: 'activity' })).content,
    };
    // Names, not ids; one column per e-mail and phone; readable dates; guarded formulas.
    const contactsCsv = Papa.parse<Record<string, string>>(files.contact.replace(/^\ufeff/, ''), {
      header: true,
    });
    expect(contactsCsv.meta.fields).toEqual(
      expect.arrayContaining(['Name', 'Company', 'Email 1', 'Email 2', 'Phone 1', 'Phone 2']),
    );
    const zwRow = contactsCsv.data.find((r) => r.Name === '张伟')!;
    expect(zwRow.Company).toBe('北京星辰科技有限公司');
    expect(zwRow['Phone 1']).toBe("'+86 138 0013 8000");
    expect(zwRow.Created).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(files.contact).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(files.deal).toContain('"Proposal"');

    const b = await createCrmFixture();
    for (const entity of ['account', 'contact', 'deal', 'activity'] as const) {
      const preview = await b.ok('import.preview', { csv: files[entity], entity, locale: 'de-DE' });
      // Every header of the export maps back (the stamps are the only ignored columns).
      const ignored = Object.entries(preview.mapping)
        .filter(([, t]) => t === 'ignore')
        .map(([h]) => h);
      expect(ignored.sort()).toEqual(['Created', 'Updated']);
      expect(preview.errors).toEqual([]);
      const res = await b.ok('import.commit', {
        csv: files[entity],
        entity,
        locale: 'de-DE',
        dedupeBy: 'email',
      });
      expect(res.created).toBe(preview.rows);
    }
    const before = await snapshot(a);
    const after = await snapshot(b);
    expect(after).toEqual(before);
  });

  it('exports the list filter or the selected rows only', async () => {
    const f = await createCrmFixture();
    await seed(f);
    const vip = await f.ok('export.csv', { entity: 'contact', filter: { tag: 'vip' } });
    expect(vip.count).toBe(1);
    expect(vip.content).toContain('张伟');
    const contacts = (await f.ok('contacts.list', {})).items;
    const jose = contacts.find((c) => c.name === 'José Müller')!;
    const picked = await f.ok('export.csv', { entity: 'contact', ids: [jose.id] });
    expect(picked.count).toBe(1);
    expect(picked.content).not.toContain('张伟');
    expect(await f.call('export.csv', { entity: 'contact', filter: { nonsense: 1 } })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
  });
});
