import { describe, expect, it } from 'vitest';
import { emailKey, nameKey, phoneKey } from '../../../../electron/services/crm/duplicates.keys';
import { createCrmFixture } from './support/crm.fixture';

describe('duplicate keys', () => {
  it('compare names CJK-aware, width- and case-insensitively, Latin names in any order', () => {
    expect(nameKey('张 伟')).toBe(nameKey('张伟'));
    expect(nameKey('张　伟')).toBe(nameKey('张伟'));
    expect(nameKey('ＪＯＳＥ Müller')).toBe(nameKey('jose müller'));
    expect(nameKey('Smith, John')).toBe(nameKey('John Smith'));
    expect(nameKey('张伟')).not.toBe(nameKey('张卫'));
    expect(nameKey('Acme GmbH', 'account')).toBe(nameKey('ACME', 'account'));
    expect(nameKey('北京星辰科技有限公司', 'account')).toBe(nameKey('北京星辰科技', 'account'));
  });

  it('compare phones by digits, full-width digits included, and e-mails case-insensitively', () => {
    expect(phoneKey('１３８ ００１３ ８０００')).toBe(phoneKey('138-0013-8000'));
    expect(phoneKey('12')).toBe('');
    expect(emailKey(' ZW@Example.CN ')).toBe('zw@example.cn');
  });
});

describe('duplicates.find', () => {
  it('finds live contacts by normalised name, e-mail or phone, not deleted ones or the record itself', async () => {
    const f = await createCrmFixture();
    const zw = await f.ok('contacts.create', {
      name: '张伟',
      emails: ['zw@example.cn'],
      phones: ['+86 138 0013 8000'],
    });
    const gone = await f.ok('contacts.create', { name: 'Gone Person', emails: ['gone@example.com'] });
    await f.ok('contacts.delete', { id: gone.id });
    expect((await f.ok('duplicates.find', { entity: 'contact', name: '张 伟' })).matches).toEqual([
      { id: zw.id, name: '张伟', by: ['name'] },
    ]);
    const byAll = await f.ok('duplicates.find', {
      entity: 'contact',
      name: '張偉',
      emails: ['ZW@example.cn'],
      phones: ['１３８００１３８０００'],
    });
    expect(byAll.matches).toEqual([{ id: zw.id, name: '张伟', by: ['email', 'phone'] }]);
    expect((await f.ok('duplicates.find', { entity: 'contact', name: 'Gone Person' })).matches).toEqual([]);
    expect(
      (await f.ok('duplicates.find', { entity: 'contact', name: '张伟', excludeId: zw.id })).matches,
    ).toEqual([]);
  });

  it('flags an imported row with the name of an existing contact as a possible duplicate and still imports it', async () => {
    const f = await createCrmFixture();
    const zw = await f.ok('contacts.create', { name: '张伟' });
    const csv = '姓名,邮箱\r\n张 伟,other@example.cn\r\n李娜,li@example.cn\r\n李 娜,li2@example.cn\r\n';
    const preview = await f.ok('import.preview', { csv });
    expect(preview.possibleDuplicates).toEqual([
      { row: 1, of: 'existing', id: zw.id, name: '张伟' },
      { row: 3, of: 'file' },
    ]);
    expect(preview.valid).toBe(3);
    expect((await f.ok('import.commit', { csv })).created).toBe(3);
  });
});
