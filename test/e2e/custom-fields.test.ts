import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createRecord,
  expectAccessible,
  expectNoEnglish,
  firstRun,
  go,
  scratchDir,
  setLanguage,
  shot,
  watchErrors,
} from './support/app';
import { expect, test } from './support/devhost';

const cases = [
  {
    language: 'en' as const,
    field: 'Region',
    options: ['North', 'South'],
    pick: 'South',
    extra: 'Other',
    hobby: 'Hobby',
    people: ['Ann Lee', 'Bo Chen'],
    filterLabel: 'Filter by field',
  },
  {
    language: 'zh-CN' as const,
    field: '区域',
    options: ['华北', '华南'],
    pick: '华南',
    extra: '其他',
    hobby: '爱好',
    people: ['张伟', '王芳'],
    filterLabel: '按字段筛选',
  },
];

for (const c of cases) {
  test(`custom fields (${c.language}): define a choice and a text field in Settings, set them on a contact, filter the list and show the column`, async ({
    page,
    host,
  }) => {
    test.setTimeout(120_000);
    const errors = watchErrors(page);
    await firstRun(page, host.pageUrl);
    if (c.language === 'zh-CN') await setLanguage(page, 'zh-CN');

    // Settings: a choice field with two options, a text field; rename and archive round it off.
    await go(page, 'settings');
    const section = page.getByTestId('custom-fields');
    await section.getByTestId('cf-new-label').fill(c.field);
    await section.getByTestId('cf-new-kind').selectOption('select');
    await section.getByTestId('cf-new-options').fill(c.options.join('\n'));
    await section.getByTestId('cf-new-save').click();
    await expect(section.locator(`[data-testid="cf-row"][data-label="${c.field}"]`)).toBeVisible();
    await section.getByTestId('cf-new-label').fill(`${c.hobby}?`);
    await section.getByTestId('cf-new-kind').selectOption('text');
    await section.getByTestId('cf-new-save').click();
    const hobbyRow = section.locator(`[data-testid="cf-row"][data-label="${c.hobby}?"]`);
    await expect(hobbyRow).toBeVisible();
    await hobbyRow.getByTestId('cf-rename').fill(c.hobby);
    await hobbyRow.getByTestId('cf-rename').blur();
    await expect(section.locator(`[data-testid="cf-row"][data-label="${c.hobby}"]`)).toBeVisible();
    // Reorder: the text field moves above the choice field (one position write).
    await section
      .locator(`[data-testid="cf-row"][data-label="${c.hobby}"]`)
      .getByRole('button', { name: new RegExp(c.language === 'en' ? 'up' : '上移') })
      .click();
    await expect(section.getByTestId('cf-row').first()).toHaveAttribute('data-label', c.hobby);
    // Options are editable: a third one is added.
    const choice = section.locator(`[data-testid="cf-row"][data-label="${c.field}"]`);
    await choice
      .getByRole('textbox', { name: c.language === 'en' ? 'Add choice' : '添加选项' })
      .fill(c.extra);
    await choice.getByRole('button', { name: c.language === 'en' ? 'Add choice' : '添加选项' }).click();
    await expect(choice.locator('li')).toHaveCount(3);
    // A third field, archived: it leaves forms and filters.
    await section.getByTestId('cf-new-label').fill('Legacy');
    await section.getByTestId('cf-new-kind').selectOption('checkbox');
    await section.getByTestId('cf-new-save').click();
    const legacy = section.locator('[data-testid="cf-row"][data-label="Legacy"]');
    await legacy.getByTestId('cf-archive').click();
    await expect(legacy).toHaveClass(/archived/);
    await section.scrollIntoViewIfNeeded();
    await shot(page, `custom-fields-${c.language}-settings`);
    await expectAccessible(page, `custom fields settings ${c.language}`);

    // Two contacts; the first gets the second option and a hobby on its page.
    await createRecord(page, 'contact', c.people[1]!);
    await createRecord(page, 'contact', c.people[0]!);
    const panel = page.getByTestId('custom-fields-panel');
    await expect(panel).toBeVisible();
    await expect(panel.locator('[data-custom="Legacy"]')).toHaveCount(0);
    await panel.locator(`select[data-custom="${c.field}"]`).selectOption({ label: c.pick });
    const hobby = panel.locator(`input[data-custom="${c.hobby}"]`);
    await hobby.fill('茶道 tea');
    await hobby.press('Enter');
    await expect
      .poll(async () =>
        page.evaluate(async () => {
          const list = await window.crm.invoke('contacts.list', { limit: 10 });
          if (!list.ok) throw new Error(list.error.code);
          return list.value.items.map((x) => Object.keys(x.custom).length);
        }),
      )
      .toContain(2);
    await shot(page, `custom-fields-${c.language}-record`);
    if (c.language === 'zh-CN') await expectNoEnglish(page, 'record with custom fields');

    // The list: filter by the choice (any of), then show it as a column.
    await go(page, 'contact');
    await expect(page.getByTestId('list-count')).toContainText('2');
    const tools = page.getByTestId('cf-tools');
    await tools.getByRole('combobox', { name: c.filterLabel, exact: true }).selectOption({ label: c.field });
    await tools.getByLabel(c.pick).check();
    await tools.getByTestId('cf-filter-add').click();
    await expect(tools.getByTestId('cf-chip')).toContainText(c.pick);
    const rows = page.getByTestId('list').locator('.row-link');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveText(c.people[0]!);
    await tools.locator('summary').click();
    await tools.locator(`[data-testid="cf-column"][data-label="${c.field}"]`).check();
    await expect(page.getByRole('columnheader', { name: c.field })).toBeVisible();
    await expect(page.getByTestId('list').getByRole('cell', { name: c.pick })).toBeVisible();
    await shot(page, `custom-fields-${c.language}-list-filtered`);
    await expectAccessible(page, `custom fields list ${c.language}`);
    if (c.language === 'zh-CN') await expectNoEnglish(page, 'list filtered by a custom field');

    // Removing the condition brings both back; a text filter finds the hobby.
    await tools.getByTestId('cf-chip').getByRole('button').click();
    await expect(rows).toHaveCount(2);
    await tools.getByRole('combobox', { name: c.filterLabel, exact: true }).selectOption({ label: c.hobby });
    await tools.getByTestId('cf-filter-value').fill('TEA');
    await tools.getByTestId('cf-filter-add').click();
    await expect(rows).toHaveCount(1);
    expect(errors).toEqual([]);
  });
}

test('the import wizard maps columns to custom fields: by name, and by choosing one', async ({
  page,
  host,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  const ids = await page.evaluate(async () => {
    const hobby = await window.crm.invoke('customFields.create', {
      entity: 'contact',
      kind: 'text',
      label: 'Hobby',
    });
    const tier = await window.crm.invoke('customFields.create', {
      entity: 'contact',
      kind: 'select',
      label: 'Tier',
      options: [
        { id: 'gold', label: 'Gold', archived: false },
        { id: 'silver', label: 'Silver', archived: false },
      ],
    });
    if (!hobby.ok || !tier.ok) throw new Error('create failed');
    return { hobby: hobby.value.id, tier: tier.value.id };
  });
  const dir = scratchDir('e2e-cf');
  const file = path.join(dir, 'contacts.csv');
  writeFileSync(file, 'Name,Hobby,Level\r\nAnn Lee,sailing,gold\r\nBo Chen,chess,Silver\r\n');
  await go(page, 'import');
  await page.getByTestId('import-file').setInputFiles(file);
  const hobbyMap = page.getByTestId('import-map-1');
  await expect(hobbyMap).toHaveValue(`cf:${ids.hobby}`);
  const levelMap = page.getByTestId('import-map-2');
  await expect(levelMap).toHaveValue('ignore');
  await levelMap.selectOption({ label: 'Tier' });
  await expect(levelMap).toHaveValue(`cf:${ids.tier}`);
  await shot(page, 'custom-fields-en-import-mapping');
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 30_000 });
  const got = await page.evaluate(async () => {
    const list = await window.crm.invoke('contacts.list', { sort: { field: 'name', dir: 'asc' } });
    if (!list.ok) throw new Error(list.error.code);
    return list.value.items.map((c) => c.custom);
  });
  expect(got).toEqual([
    { [ids.hobby]: 'sailing', [ids.tier]: 'gold' },
    { [ids.hobby]: 'chess', [ids.tier]: 'silver' },
  ]);
  expect(errors).toEqual([]);
});

test('a money field takes a real currency code in any case and refuses a made-up one', async ({
  page,
  host,
}) => {
  const errors = watchErrors(page);
  await firstRun(page, host.pageUrl);
  await go(page, 'settings');
  const section = page.getByTestId('custom-fields');
  await section.getByTestId('cf-new-label').fill('Budget');
  await section.getByTestId('cf-new-kind').selectOption('money');
  await section.getByTestId('cf-new-currency').fill('xyz');
  await section.getByTestId('cf-new-save').click();
  await expect(section.getByRole('alert')).toHaveText(
    'Enter a three-letter currency code, such as EUR, USD or CNY.',
  );
  await expect(section.getByTestId('cf-row')).toHaveCount(0);
  await section.getByTestId('cf-new-currency').fill('jpy');
  await section.getByTestId('cf-new-save').click();
  const row = section.locator('[data-testid="cf-row"][data-label="Budget"]');
  await expect(row).toContainText('JPY');
  await expect(section.getByRole('alert')).toHaveCount(0);
  expect(errors).toEqual([]);
});
