import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { encodeGb18030, encodeUtf16leBom, encodeWindows1252 } from './fixtures/legacy.encode';
import { expectNoEnglish, firstRun, go, scratchDir, setLanguage, shot, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

interface Person {
  name: string;
  emails: string[];
  phones: string[];
  title: string | null;
  accountId: string | null;
  address: { street?: string; city?: string; region?: string; postalCode?: string; country?: string } | null;
  notes: string;
}

/** The generated fixtures live in the test's scratch folder (written by this test, never committed). */
function fixture(name: string, bytes: Buffer): string {
  const file = path.join(scratchDir('fixtures'), name);
  writeFileSync(file, bytes);
  return file;
}

async function contacts(page: Page): Promise<(Person & { company: string | null })[]> {
  return page.evaluate(async () => {
    const list = await window.crm.invoke('contacts.list', { limit: 200 });
    if (!list.ok) throw new Error(list.error.code);
    const out = [];
    for (const c of list.value.items) {
      let company: string | null = null;
      if (c.accountId) {
        const a = await window.crm.invoke('accounts.get', { id: c.accountId });
        company = a.ok ? a.value.name : null;
      }
      out.push({ ...c, company });
    }
    return out;
  });
}

/** Uploads, checks the detected encoding and the guessed mapping, runs the import, returns the result text. */
async function importFile(
  page: Page,
  file: string,
  encoding: string,
  mapping: Record<number, string>,
  shotName: string,
) {
  await go(page, 'import');
  // The wizard keeps its last step while the screen stays open.
  if (await page.getByTestId('import-again').isVisible()) await page.getByTestId('import-again').click();
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('import-encoding')).toHaveValue(encoding);
  for (const [column, target] of Object.entries(mapping)) {
    await expect(page.getByTestId(`import-map-${column}`)).toHaveValue(target);
  }
  await expect(page.getByTestId('import-replaced')).toHaveCount(0);
  if (shotName.includes('-zh-')) await expectNoEnglish(page, `import mapping (${shotName})`);
  await shot(page, shotName);
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 60_000 });
  return page.getByTestId('import-result').innerText();
}

test('imports a GB18030 file with Chinese headers (zh-CN UI), with the right characters and mapping', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const csv = [
    '姓名,公司,手机,邮箱,职位,地址,城市,备注',
    '张伟,北京星辰科技有限公司,138 0013 8000,zhang.wei@example.cn,采购经理,朝阳区建国路88号,北京,展会认识',
    '李娜,上海明珠贸易,139-1234-5678,li.na@example.cn,总经理,浦东新区世纪大道100号,上海,"需要报价, 下周跟进"',
    '王芳,北京星辰科技有限公司,+86 186 0000 1111,wang.fang@example.cn,工程师,,北京,',
  ].join('\r\n');
  const file = fixture('gb18030-chinese-headers.csv', encodeGb18030(csv));
  await firstRun(page, host.pageUrl);
  await setLanguage(page, 'zh-CN');
  const report = await importFile(
    page,
    file,
    'gb18030',
    { 0: 'name', 1: 'accountName', 2: 'phone', 3: 'email', 4: 'title', 5: 'street', 6: 'city', 7: 'notes' },
    'import-gb18030-zh-light',
  );
  expect(report).toContain('3');
  await shot(page, 'import-gb18030-result-zh-light');
  const people = await contacts(page);
  const zw = people.find((p) => p.name === '张伟');
  expect(zw).toMatchObject({
    emails: ['zhang.wei@example.cn'],
    phones: ['138 0013 8000'],
    title: '采购经理',
    company: '北京星辰科技有限公司',
    address: { street: '朝阳区建国路88号', city: '北京' },
    notes: '展会认识',
  });
  expect(people.find((p) => p.name === '李娜')?.notes).toBe('需要报价, 下周跟进');
  expect(people.map((p) => p.name).sort()).toEqual(['张伟', '李娜', '王芳'].sort());
  expect(errors).toEqual([]);
});

test('imports a Windows-1252 semicolon file and a UTF-16LE tab-separated "Unicode text" file', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const western = [
    'Name;Company;E-mail;Phone;Notes',
    'José Müller;Café Größe GmbH;jose@example.de;+49 30 1234567;Prix: 12 € – «spécial»',
    'François Lefèvre;Société Générale;francois@example.fr;+33 1 23 45 67 89;Ça va',
    'Zoë Ångström;Øresund AB;zoe@example.se;+46 8 123 456;',
  ].join('\r\n');
  const unicode = [
    'First Name\tLast Name\tE-mail Address\tMobile Phone\tJob Title',
    'Ünal\tYılmaz\tunal@example.com.tr\t+90 212 555 0101\tSatış Müdürü',
    '静\t陈\tchen.jing@example.cn\t+86 135 0000 2222\t销售总监',
  ].join('\r\n');
  await firstRun(page, host.pageUrl);
  const r1 = await importFile(
    page,
    fixture('windows-1252.csv', encodeWindows1252(western)),
    'windows-1252',
    { 0: 'name', 1: 'accountName', 2: 'email', 3: 'phone', 4: 'notes' },
    'import-windows1252-en-light',
  );
  expect(r1).toMatch(/^3 /);
  const r2 = await importFile(
    page,
    fixture('unicode-text.txt', encodeUtf16leBom(unicode)),
    'utf-16le',
    { 0: 'givenName', 1: 'familyName', 2: 'email', 3: 'phone', 4: 'title' },
    'import-utf16-en-light',
  );
  expect(r2).toMatch(/^2 /);
  const people = await contacts(page);
  expect(people.find((p) => p.name === 'José Müller')).toMatchObject({
    company: 'Café Größe GmbH',
    phones: ['+49 30 1234567'],
    notes: 'Prix: 12 € – «spécial»',
  });
  expect(people.some((p) => p.name === 'Zoë Ångström' && p.company === 'Øresund AB')).toBe(true);
  expect(people.find((p) => p.name === 'Ünal Yılmaz')).toMatchObject({ title: 'Satış Müdürü' });
  // A Chinese given and family name in separate columns join family name first, without a space.
  expect(people.find((p) => p.name === '陈静')).toMatchObject({
    emails: ['chen.jing@example.cn'],
    title: '销售总监',
  });
  expect(errors).toEqual([]);
});

test('imports a Salesforce contact export with its Mailing* columns guessed', async ({ page, host }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const header =
    '"Salutation","First Name","Last Name","Title","Account Name","Mailing Street","Mailing City","Mailing State/Province","Mailing Zip/Postal Code","Mailing Country","Phone","Mobile","Email","Contact Owner","Email Opt Out"';
  const rows = [
    '"Ms.","Rose","Gonzalez","SVP, Procurement","Edge Communications","313 Constitution Place\nAustin, TX 78767\nUSA","Austin","TX","78767","USA","(512) 757-6000","(512) 757-9340","rose@edge.example","Jane Admin","0"',
    '"Mr.","Sean","Forbes","CFO","Edge Communications","312 Constitution Place","Austin","TX","78767","USA","(512) 757-6000","","sean@edge.example","Jane Admin","1"',
  ];
  const file = fixture('salesforce-contacts.csv', Buffer.from([header, ...rows].join('\r\n'), 'utf8'));
  await firstRun(page, host.pageUrl);
  await importFile(
    page,
    file,
    'utf-8',
    {
      0: 'ignore',
      1: 'givenName',
      2: 'familyName',
      3: 'title',
      4: 'accountName',
      5: 'street',
      6: 'city',
      7: 'region',
      8: 'postalCode',
      9: 'country',
      10: 'phone',
      11: 'phone',
      12: 'email',
      13: 'ownerId',
      14: 'ignore',
    },
    'import-salesforce-en-light',
  );
  const people = await contacts(page);
  expect(people.find((p) => p.name === 'Rose Gonzalez')).toMatchObject({
    title: 'SVP, Procurement',
    company: 'Edge Communications',
    phones: ['(512) 757-6000', '(512) 757-9340'],
    emails: ['rose@edge.example'],
    address: {
      street: '313 Constitution Place\nAustin, TX 78767\nUSA',
      city: 'Austin',
      region: 'TX',
      postalCode: '78767',
      country: 'USA',
    },
  });
  expect(people).toHaveLength(2);
  expect(errors).toEqual([]);
});
