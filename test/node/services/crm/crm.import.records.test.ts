import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../../shared/domain/crm.seed';
import { createCrmFixture, type CrmFixture } from './support/crm.fixture';

/** The contact and the deal the activity and task files link to, by e-mail and by name. */
async function annAndPilot(f: CrmFixture) {
  const c = await f.ok('contacts.create', { name: 'Ann Lee', emails: ['ann@acme.example'] });
  const d = await f.ok('deals.create', {
    name: 'Acme pilot',
    pipelineId: DEFAULT_PIPELINE_ID,
    stageId: 'lead',
  });
  return { c, d };
}

describe('importing accounts, deals, activities and tasks', () => {
  it('imports accounts and flags one with the name of an existing account', async () => {
    const f = await createCrmFixture();
    const acme = await f.ok('accounts.create', { name: 'Acme GmbH' });
    const csv =
      'Account Name,Website,Industry,Billing City\r\nACME,acme.example,Tools,Berlin\r\n星辰科技,xc.example,软件,北京\r\n';
    const preview = await f.ok('import.preview', { csv, entity: 'account' });
    expect(preview.mapping).toEqual({
      'Account Name': 'name',
      Website: 'domain',
      Industry: 'industry',
      'Billing City': 'city',
    });
    expect(preview.possibleDuplicates).toEqual([{ row: 1, of: 'existing', id: acme.id, name: 'Acme GmbH' }]);
    expect(await f.ok('import.commit', { csv, entity: 'account' })).toMatchObject({ created: 2 });
    const xc = (await f.ok('accounts.list', {})).items.find((a) => a.name === '星辰科技');
    expect(xc).toMatchObject({ domain: 'xc.example', industry: '软件', address: { city: '北京' } });
  });

  it('imports activities linked to a contact by e-mail, a deal by name and an account by name', async () => {
    const f = await createCrmFixture();
    const { c, d } = await annAndPilot(f);
    const csv = [
      '类型,日期,主题,联系人,商机,公司,时长,结果',
      '拜访,2026年3月5日 14:30,现场拜访,ann@acme.example,Acme pilot,Acme GmbH,45,要报价',
      'Call,not a date,Follow-up,,,,,',
    ].join('\r\n');
    const preview = await f.ok('import.preview', { csv, entity: 'activity', locale: 'zh-CN' });
    expect(preview.errors).toEqual([{ row: 2, column: '日期', code: 'invalid_date' }]);
    const res = await f.ok('import.commit', {
      csv,
      entity: 'activity',
      locale: 'zh-CN',
      onRowError: 'skipRows',
    });
    expect(res).toMatchObject({ created: 1, skippedRows: 1, accountsCreated: 1 });
    const act = (await f.ok('activities.list', {})).items[0]!;
    expect(act).toMatchObject({
      kind: 'visit',
      occurredAt: new Date(2026, 2, 5, 14, 30).getTime(),
      subject: '现场拜访',
      contactId: c.id,
      dealId: d.id,
      durationMinutes: 45,
      outcome: '要报价',
    });
  });

  it('keeps a deal row and drops only its bad amount when asked, and rejects an unknown stage otherwise', async () => {
    const f = await createCrmFixture();
    const csv =
      'Deal Name,Amount,Stage\r\nGood,"1,234.50",Qualified\r\nBad amount,lots,Lead\r\nNo stage,5,Nowhere\r\n';
    const strict = await f.call('import.commit', { csv, entity: 'deal' });
    expect(strict).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect((await f.ok('deals.list', {})).items).toHaveLength(0);
    const res = await f.ok('import.commit', {
      csv,
      entity: 'deal',
      onRowError: 'dropInvalidValues',
      currency: 'USD',
    });
    expect(res).toMatchObject({ created: 2, skippedRows: 1, droppedValues: 1 });
    const deals = (await f.ok('deals.list', {})).items;
    expect(deals.find((x) => x.name === 'Good')).toMatchObject({
      amountMinor: 123450,
      currency: 'USD',
      stageId: 'qualified',
    });
    expect(deals.find((x) => x.name === 'Bad amount')).toMatchObject({ amountMinor: 0, stageId: 'lead' });
  });

  it('imports a Salesforce task export and a zh-CN task sheet, refusing what it cannot read', async () => {
    const f = await createCrmFixture();
    const { c, d } = await annAndPilot(f);
    const salesforce = [
      'Subject,Due Date,Priority,Status,Assigned To,Name,Opportunity,Account Name',
      'Send quote,03/05/2026,High,Not Started,anna,ann@acme.example,Acme pilot,Acme GmbH',
      'Call back,03/06/2026 9:30 AM,Normal,Completed,,Ann Lee,,',
      'Bad priority,03/07/2026,Whenever,Not Started,,,,',
      ',03/08/2026,Low,Completed,,,,',
    ].join('\r\n');
    const preview = await f.ok('import.preview', { csv: salesforce, entity: 'task', locale: 'en-US' });
    expect(preview.mapping).toEqual({
      Subject: 'name',
      'Due Date': 'dueAt',
      Priority: 'priority',
      Status: 'done',
      'Assigned To': 'assigneeId',
      Name: 'contactName',
      Opportunity: 'dealName',
      'Account Name': 'accountName',
    });
    expect(preview.errors).toEqual([
      { row: 3, column: 'Priority', code: 'invalid_value' },
      { row: 4, column: 'name', code: 'required' },
    ]);
    expect(preview.sample.map((r) => r.name)).toEqual(['Send quote', 'Call back']);
    // Nothing is written while a row has errors, unless the user says what to do with them.
    expect(await f.call('import.commit', { csv: salesforce, entity: 'task' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect((await f.ok('tasks.list', {})).items).toEqual([]);
    const res = await f.ok('import.commit', {
      csv: salesforce,
      entity: 'task',
      locale: 'en-US',
      onRowError: 'dropInvalidValues',
    });
    expect(res).toMatchObject({ created: 3, skippedRows: 1, droppedValues: 1, accountsCreated: 1 });
    const tasks = new Map((await f.ok('tasks.list', {})).items.map((t) => [t.title, t]));
    expect(tasks.get('Send quote')).toMatchObject({
      dueAt: new Date(2026, 2, 5).getTime(),
      priority: 'high',
      done: false,
      assigneeId: 'anna',
      contactId: c.id,
      dealId: d.id,
    });
    expect(tasks.get('Send quote')?.accountId).toEqual(expect.any(String));
    expect(tasks.get('Call back')).toMatchObject({
      dueAt: new Date(2026, 2, 6, 9, 30).getTime(),
      priority: 'normal',
      done: true,
      contactId: c.id,
    });
    expect(tasks.get('Bad priority')).toMatchObject({ priority: 'normal' });

    const zh = [
      '任务,截止日期,优先级,状态,负责人',
      '寄样品,2026年3月9日,紧急,未完成,anna',
      '回访,下周,低,已完成,',
    ].join('\r\n');
    const zhPreview = await f.ok('import.preview', { csv: zh, entity: 'task', locale: 'zh-CN' });
    expect(Object.values(zhPreview.mapping)).toEqual(['name', 'dueAt', 'priority', 'done', 'assigneeId']);
    expect(zhPreview.errors).toEqual([{ row: 2, column: '截止日期', code: 'invalid_date' }]);
    await f.ok('import.commit', { csv: zh, entity: 'task', locale: 'zh-CN', onRowError: 'skipRows' });
    const sample = (await f.ok('tasks.list', {})).items.find((t) => t.title === '寄样品');
    expect(sample).toMatchObject({ dueAt: new Date(2026, 2, 9).getTime(), priority: 'high', done: false });
    expect((await f.ok('tasks.list', {})).items.some((t) => t.title === '回访')).toBe(false);

    // A file without a title column still previews (so the mapping step opens) but cannot be imported.
    const untitled = 'Due Date,Priority\r\n03/05/2026,High\r\n';
    expect((await f.ok('import.preview', { csv: untitled, entity: 'task' })).hasName).toBe(false);
    expect(await f.call('import.commit', { csv: untitled, entity: 'task' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: 'No column is mapped to a title' },
    });
  });
});
