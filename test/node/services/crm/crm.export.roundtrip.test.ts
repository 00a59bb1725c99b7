import Papa from 'papaparse';
import { describe, expect, it, vi } from 'vitest';
import type { LoggedMember } from '../../../../shared/people/members';
import { DEFAULT_PIPELINE_ID } from '../../../../shared/domain/crm.seed';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

type Row = Record<string, unknown>;

async function all(
  f: CrmFixture,
  channel: 'accounts.list' | 'contacts.list' | 'deals.list' | 'activities.list' | 'tasks.list',
) {
  return (await f.ok(channel, { limit: 200 })).items as Row[];
}

/** Everything a user entered, with links as names (ids, stamps and positions differ between stores). */
async function snapshot(f: CrmFixture) {
  const accounts = await all(f, 'accounts.list');
  const contacts = await all(f, 'contacts.list');
  const deals = await all(f, 'deals.list');
  const activities = await all(f, 'activities.list');
  const tasks = await all(f, 'tasks.list');
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
    tasks: tasks
      .sort((x, y) => String(x.title).localeCompare(String(y.title)))
      .map((t) => {
        const { accountId, contactId, dealId, dueAt, ...rest } = strip(t);
        return {
          ...rest,
          dueAt: dueAt === null ? null : Math.floor(Number(dueAt) / 1000),
          account: name(accounts, accountId),
          contact: name(contacts, contactId),
          deal: name(deals, dealId),
        };
      }),
  };
}

/**
 * Puts the vault in a workspace whose members are `others` and itself (as owner), named as given:
 * the membership log is the sync engine's, so the spy stands in for a verified log.
 */
async function inWorkspace(f: CrmFixture, others: readonly string[], names: Record<string, string>) {
  const selfId = f.services.parts.crm().deviceId;
  const logged: LoggedMember[] = [
    { clockId: selfId, deviceName: 'This laptop', role: 'owner', status: 'active', isSelf: true },
    ...others.map((clockId) => ({
      clockId,
      deviceName: `${clockId} device`,
      role: 'member' as const,
      status: 'active' as const,
      isSelf: false,
    })),
  ];
  vi.spyOn(f.services.parts.syncEngine(), 'loggedMembers').mockReturnValue(logged);
  for (const [memberId, displayName] of Object.entries(names))
    await f.ok('members.update', { memberId: memberId === 'self' ? selfId : memberId, displayName });
  return selfId;
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
  await f.ok('tasks.create', {
    title: 'Send the quote',
    dueAt: new Date(2026, 11, 5, 17, 0, 0).getTime(),
    priority: 'high',
    assigneeId: 'anna',
    accountId: acme.id,
    contactId: jm.id,
    dealId: deal.id,
  });
  const done = await f.ok('tasks.create', { title: '回访张伟', priority: 'low', contactId: zw.id });
  await f.ok('tasks.update', { id: done.id, patch: { done: true } });
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
      task: (await a.ok('export.csv', { entity: 'task' })).content,
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
    for (const entity of ['account', 'contact', 'deal', 'activity', 'task'] as const) {
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
    expect(before.tasks).toMatchObject([
      { title: 'Send the quote', priority: 'high', done: false, assigneeId: 'anna', deal: 'Acme line 2' },
      { title: '回访张伟', priority: 'low', done: true, dueAt: null, contact: '张伟' },
    ]);
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

  it('names owners by member display name and maps them back to the members (issue 14 item 7)', async () => {
    const a = await createCrmFixture();
    const ana = await inWorkspace(a, ['sam-clock'], { self: 'Ana Silva', 'sam-clock': 'Sam Lee' });
    const acme = await a.ok('accounts.create', { name: 'Acme GmbH', ownerId: 'sam-clock' });
    await a.ok('contacts.create', { name: 'José Müller', accountId: acme.id, ownerId: ana });
    await a.ok('deals.create', {
      name: 'Acme line 2',
      accountId: acme.id,
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId: 'lead',
      ownerId: 'sam-clock',
    });
    const files = {
      account: (await a.ok('export.csv', { entity: 'account' })).content,
      contact: (await a.ok('export.csv', { entity: 'contact' })).content,
      deal: (await a.ok('export.csv', { entity: 'deal' })).content,
    };
    const owners = (csv: string) =>
      Papa.parse<Record<string, string>>(csv.replace(/^\ufeff/, ''), {
        header: true,
        skipEmptyLines: true,
      }).data.map((r) => r.Owner);
    expect(owners(files.account)).toEqual(['Sam Lee']);
    expect(owners(files.contact)).toEqual(['Ana Silva']);
    expect(owners(files.deal)).toEqual(['Sam Lee']);
    for (const csv of Object.values(files)) expect(csv).not.toContain('sam-clock');

    // Another device of the same workspace: the same members, its own self.
    const b = await createCrmFixture();
    await inWorkspace(b, [ana, 'sam-clock'], { [ana]: 'Ana Silva', 'sam-clock': 'Sam Lee' });
    for (const entity of ['account', 'contact', 'deal'] as const) {
      const preview = await b.ok('import.preview', { csv: files[entity], entity });
      expect(preview.errors).toEqual([]);
      await b.ok('import.commit', { csv: files[entity], entity, dedupeBy: 'none' });
    }
    const ownerOf = async (channel: 'accounts.list' | 'contacts.list' | 'deals.list') =>
      (await b.ok(channel, {})).items.map((r) => r.ownerId);
    expect(await ownerOf('accounts.list')).toEqual(['sam-clock']);
    expect(await ownerOf('contacts.list')).toEqual([ana]);
    expect(await ownerOf('deals.list')).toEqual(['sam-clock']);
    // Re-exported from the second device, the file is the same as the first device's.
    const again = (await b.ok('export.csv', { entity: 'deal' })).content;
    expect(owners(again)).toEqual(['Sam Lee']);

    // A name or id typed in any case maps to the member; one no member has is a bad reference.
    const typed = ['Name,Owner', 'Lower,  sam lee ', 'By id,sam-clock', 'Nobody,Kim Unknown'].join('\n');
    const strict = await b.ok('import.preview', { csv: typed, entity: 'account' });
    expect(strict.errors).toEqual([{ row: 3, column: 'Owner', code: 'invalid_value' }]);
    const res = await b.ok('import.commit', {
      csv: typed,
      entity: 'account',
      onRowError: 'dropInvalidValues',
      dedupeBy: 'none',
    });
    expect(res).toMatchObject({ created: 3, droppedValues: 1 });
    const byName = new Map((await b.ok('accounts.list', {})).items.map((r) => [r.name, r.ownerId]));
    expect([byName.get('Lower'), byName.get('By id'), byName.get('Nobody')]).toEqual([
      'sam-clock',
      'sam-clock',
      null,
    ]);
    const contactCsv = ['Name,Owner', 'Kai,ANA SILVA', 'Lee,Kim Unknown'].join('\n');
    const contacts = await b.ok('import.commit', {
      csv: contactCsv,
      onRowError: 'dropInvalidValues',
      dedupeBy: 'none',
    });
    expect(contacts).toMatchObject({ created: 2, droppedValues: 1 });
    const people = new Map((await b.ok('contacts.list', {})).items.map((r) => [r.name, r.ownerId]));
    expect([people.get('Kai'), people.get('Lee')]).toEqual([ana, null]);
    await a.services.dispose();
    await b.services.dispose();
  });

  it('never guesses between two members of the same name: the export writes ids, the import refuses the name', async () => {
    const a = await createCrmFixture();
    await inWorkspace(a, ['kim-1', 'kim-2', 'sam-clock'], {
      self: 'Ana Silva',
      'kim-1': 'Kim Park',
      'kim-2': ' kim park',
      'sam-clock': 'Sam Lee',
    });
    for (const [name, ownerId] of [
      ['First', 'kim-1'],
      ['Second', 'kim-2'],
      ['Third', 'sam-clock'],
    ] as const)
      await a.ok('accounts.create', { name, ownerId });
    const csv = (await a.ok('export.csv', { entity: 'account' })).content;
    const rows = Papa.parse<Record<string, string>>(csv.replace(/^\ufeff/, ''), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(new Map(rows.map((r) => [r.Name, r.Owner]))).toEqual(
      new Map([
        ['First', 'kim-1'],
        ['Second', 'kim-2'],
        ['Third', 'Sam Lee'],
      ]),
    );
    const before = (await a.ok('accounts.list', {})).items.length;
    await a.ok('import.commit', { csv, entity: 'account', dedupeBy: 'none' });
    const owners = (await a.ok('accounts.list', {})).items.map((r) => `${r.name}:${r.ownerId}`).sort();
    expect(owners).toEqual([
      'First:kim-1',
      'First:kim-1',
      'Second:kim-2',
      'Second:kim-2',
      'Third:sam-clock',
      'Third:sam-clock',
    ]);
    expect(before).toBe(3);

    // Typed by the shared name, the cell is an error of its own kind; nothing is assigned to either Kim.
    const typed = ['Name,Owner', 'Typed,Kim Park'].join('\n');
    const preview = await a.ok('import.preview', { csv: typed, entity: 'account' });
    expect(preview.errors).toEqual([{ row: 1, column: 'Owner', code: 'ambiguous_member' }]);
    const contacts = await a.ok('import.preview', { csv: typed });
    expect(contacts.errors).toEqual([{ row: 1, column: 'Owner', code: 'ambiguous_member' }]);
    const dropped = await a.ok('import.commit', {
      csv: typed,
      entity: 'account',
      onRowError: 'dropInvalidValues',
      dedupeBy: 'none',
    });
    expect(dropped).toMatchObject({ created: 1, droppedValues: 1 });
    const typedRow = (await a.ok('accounts.list', {})).items.find((r) => r.name === 'Typed');
    expect(typedRow?.ownerId).toBeNull();
    await a.services.dispose();
  });
});
