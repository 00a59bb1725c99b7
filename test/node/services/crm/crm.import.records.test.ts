import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_ID } from '../../../../shared/domain/crm.seed';
import { createCrmFixture } from './support/crm.fixture';

describe('importing accounts, deals and activities', () => {
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
    const c = await f.ok('contacts.create', { name: 'Ann Lee', emails: ['ann@acme.example'] });
    const d = await f.ok('deals.create', {
      name: 'Acme pilot',
      pipelineId: DEFAULT_PIPELINE_ID,
      stageId: 'lead',
    });
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
});
