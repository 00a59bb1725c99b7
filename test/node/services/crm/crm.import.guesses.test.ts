import { describe, expect, it } from 'vitest';
import { guessTarget } from '../../../../electron/services/crm/import.guesses';
import type { ImportEntity } from '../../../../shared/ipc/channels/import.schemas';

const cases: [ImportEntity, Record<string, string>][] = [
  [
    'contact',
    {
      姓名: 'name',
      公司: 'accountName',
      手机: 'phone',
      邮箱: 'email',
      电话: 'phone',
      职位: 'title',
      地址: 'street',
      备注: 'notes',
      'First Name': 'givenName',
      'Mailing Street': 'street',
      'Mailing State/Province': 'region',
      'Mailing Zip/Postal Code': 'postalCode',
      'Mailing Country': 'country',
      'Account Name': 'accountName',
      'Email Opt Out': 'ignore',
      'Phone Number': 'phone',
      'Company Name': 'accountName',
      'Person - Name': 'name',
      'Person - Email - Work': 'email',
      'Person - Phone - Mobile': 'phone',
      'Person - Organization': 'accountName',
      'Email 4': 'email',
      'Phone 7': 'phone',
    },
  ],
  [
    'account',
    {
      'Account Name': 'name',
      Website: 'domain',
      'Billing City': 'city',
      'Account Owner': 'ownerId',
      公司名称: 'name',
    },
  ],
  [
    'deal',
    {
      'Opportunity Name': 'name',
      'Deal Name': 'name',
      'Deal - Title': 'name',
      'Deal - Value': 'amount',
      'Deal - Organization': 'accountName',
      'Associated Company': 'accountName',
      'Close Date': 'closeDate',
      'Deal Stage': 'stage',
      'Probability (%)': 'probability',
      'Deal owner': 'ownerId',
      金额: 'amount',
    },
  ],
  [
    'activity',
    { Type: 'kind', Date: 'occurredAt', Subject: 'subject', Contact: 'contactName', 备注: 'body' },
  ],
];

describe('import header guesses', () => {
  it.each(cases)('map %s exports of common CRMs and zh-CN spreadsheets', (entity, expected) => {
    const got = Object.fromEntries(Object.keys(expected).map((h) => [h, guessTarget(h, entity)]));
    expect(got).toEqual(expected);
  });
});
