import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import {
  createRecord,
  expectAccessible,
  expectNoEnglish,
  firstRun,
  go,
  setLanguage,
  shot,
  watchErrors,
} from './support/app';
import { expect, test } from './support/devhost';

const pad = (n: number) => String(n).padStart(2, '0');
const ymd = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** Two different days of the current ISO week (Monday..Sunday), today first. */
function twoDaysThisWeek(): [Date, Date] {
  const today = new Date();
  const other = new Date(today);
  // Sunday is the week's last day: the second visit goes the day before instead of next week.
  other.setDate(today.getDate() + (today.getDay() === 0 ? -1 : 1));
  return [today, other];
}

async function openAgenda(page: Page) {
  await page.locator('[data-nav="agenda"]').click();
  await expect(page.locator('[data-screen="agenda"]')).toBeVisible();
}

/** Picks a record in a RecordPicker by typing part of its name. */
async function pick(page: Page, testId: string, query: string, name: string) {
  const input = page.getByTestId(testId);
  await input.fill(query);
  await page.locator(`[data-option="${name}"]`).click();
}

async function planVisit(
  page: Page,
  v: { subject: string; day: Date; time: string; minutes: string; account: string; attendee: string },
) {
  await page.getByTestId('plan-open').click();
  const form = page.getByTestId('plan-activity');
  await form.getByTestId('activity-kind').selectOption('visit');
  await form.getByTestId('activity-subject').fill(v.subject);
  await form.getByTestId('activity-date').fill(ymd(v.day));
  await form.getByTestId('activity-time').fill(v.time);
  await form.getByTestId('activity-duration').fill(v.minutes);
  await pick(page, 'pick-account', v.account.slice(0, 2), v.account);
  await expect(form.getByTestId('picked-account')).toHaveText(v.account);
  await pick(page, 'pick-attendee', v.attendee.slice(0, 2), v.attendee);
  await expect(form.locator(`[data-attendee="${v.attendee}"]`)).toBeVisible();
  await form.getByTestId('activity-save').click();
  await expect(page.locator('[data-kind="visit"]', { hasText: v.subject })).toBeVisible();
  await page.getByTestId('plan-open').click();
}

/** Settings: a choice field on deals with the given options. */
async function defineDealChoice(page: Page, field: string, options: readonly string[]) {
  await go(page, 'settings');
  const section = page.getByTestId('custom-fields');
  await section.getByTestId('cf-entity').selectOption('deal');
  await section.getByTestId('cf-new-label').fill(field);
  await section.getByTestId('cf-new-kind').selectOption('select');
  await section.getByTestId('cf-new-options').fill(options.join('\n'));
  await section.getByTestId('cf-new-save').click();
  await expect(section.locator(`[data-testid="cf-row"][data-label="${field}"]`)).toBeVisible();
}

const cases = [
  {
    language: 'en' as const,
    account: 'Acme GmbH',
    contact: 'Ann Lee',
    visits: ['Plant tour', 'Pilot review'],
    outcome: 'Pilot agreed, 20 units',
    task: 'Send the pilot offer',
    // 00:05 is always within today (a later time could pass midnight while the test runs).
    dueShown: '12:05',
    deal: 'Acme pilot',
    proposal: 'Proposal',
    won: 'Won',
    open: 'Open',
    byThisComputer: 'by This computer',
    created: 'Created',
    wonReason: 'Best service offer',
    lostReason: 'No budget',
    createCommand: 'new deal for Acme',
    createLabel: 'New deal for Acme GmbH',
    createdDeal: 'Acme GmbH: new deal',
    note: 'Called about the second line',
    duplicate: 'lee, ann',
    role: 'Decision maker',
    createAnyway: 'Create anyway',
    segment: { field: 'Segment', options: ['Retail', 'Industry'] },
    filterLabel: 'Filter by field',
  },
  {
    language: 'zh-CN' as const,
    account: '华东机械',
    contact: '张伟',
    visits: ['参观工厂', '试点评审'],
    outcome: '同意试点，20 台',
    task: '发送试点报价',
    dueShown: '00:05',
    deal: '华东试点',
    proposal: '方案',
    won: '赢单',
    open: '进行中',
    byThisComputer: '由 本机',
    created: '创建',
    wonReason: '服务最好',
    lostReason: '没有预算',
    createCommand: '新建商机 给 华东',
    createLabel: '为 华东机械 新建商机',
    createdDeal: '华东机械：新商机',
    note: '电话沟通第二条产线',
    duplicate: '张 伟',
    role: '决策人',
    createAnyway: '仍然创建',
    segment: { field: '行业', options: ['零售', '工业'] },
    filterLabel: '按字段筛选',
  },
];

for (const c of cases) {
  test(`a rep's day (${c.language}): plan two visits, log an outcome, ICS, complete/reopen/delete+undo a task, deal contacts and won -> reopened -> lost, palette create and hits, quick log asks for a record, a duplicate warned of and merged, a custom field filtered by`, async ({
    page,
    host,
  }) => {
    test.setTimeout(180_000);
    const errors = watchErrors(page);
    await page.setViewportSize({ width: 1280, height: 720 });
    await firstRun(page, host.pageUrl);
    if (c.language === 'zh-CN') await setLanguage(page, 'zh-CN');
    await createRecord(page, 'account', c.account);
    await createRecord(page, 'contact', c.contact);

    // Plan two visits this week from the agenda: start, duration, account and attendee (searched).
    const [first, second] = twoDaysThisWeek();
    await openAgenda(page);
    await planVisit(page, {
      subject: c.visits[0]!,
      day: first,
      time: '10:00',
      minutes: '90',
      account: c.account,
      attendee: c.contact,
    });
    await planVisit(page, {
      subject: c.visits[1]!,
      day: second,
      time: '14:30',
      minutes: '45',
      account: c.account,
      attendee: c.contact,
    });
    const agenda = page.getByTestId('agenda');
    await expect(agenda.locator('[data-kind="visit"]')).toHaveCount(2);
    await shot(page, `day-${c.language}-agenda-week`);

    // Log the first one with its outcome.
    const visit = agenda.locator('[data-kind="visit"]', { hasText: c.visits[0]! });
    await expect(visit.getByTestId('activity-attendees')).toContainText(c.contact);
    await visit.getByTestId('log-outcome').click();
    await visit.getByTestId('outcome-input').fill(c.outcome);
    await visit.getByTestId('outcome-save').click();
    await expect(visit.getByTestId('activity-outcome')).toContainText(c.outcome);

    // The day view shows only today's visit.
    await page.locator('[data-view="day"]').click();
    await expect(agenda.locator('[data-kind="visit"]')).toHaveCount(1);
    await expect(agenda).toContainText(c.visits[0]!);
    await shot(page, `day-${c.language}-agenda-day`);
    await expectAccessible(page, `agenda ${c.language}`);
    if (c.language === 'zh-CN') await expectNoEnglish(page, 'agenda (day)');
    await page.locator('[data-view="week"]').click();

    // The week exports as one calendar file with both visits and the outcome.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('agenda-ics').click(),
    ]);
    const ics = readFileSync(await download.path(), 'utf8');
    expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(ics.match(/BEGIN:VEVENT\r\n/g)).toHaveLength(2);
    expect(ics.replace(/\r\n /g, '')).toContain(c.outcome.replace(/,/g, '\\,'));

    // A task due today at a chosen time, from the account's page.
    await go(page, 'account');
    await page.getByRole('button', { name: c.account }).click();
    await expect(page.getByTestId('timeline')).toContainText(c.visits[0]!);
    await page.getByTestId('task-new-title').fill(c.task);
    await page.getByTestId('due-date').last().fill(ymd(new Date()));
    await page.getByTestId('due-time').last().fill('00:05');
    await page.getByTestId('task-create').click();
    const recordTask = page.getByTestId('record-tasks').locator('li', { hasText: c.task });
    await expect(recordTask).toBeVisible();
    await shot(page, `day-${c.language}-account`);

    // Home: due today with its count; complete it there.
    await go(page, 'home');
    const today = page.getByTestId('h-today');
    await expect(today.locator('li', { hasText: c.task })).toBeVisible();
    await expect(page.getByTestId('h-today-count')).toHaveText('1');
    await expect(today).toContainText(c.dueShown);
    await shot(page, `day-${c.language}-home`);
    await today.locator('li', { hasText: c.task }).getByTestId('task-done').click();
    await expect(page.getByTestId('h-today-count')).toHaveText('0');

    // Reopen it from the account page, where done tasks stay listed.
    await go(page, 'account');
    await page.getByRole('button', { name: c.account }).click();
    await expect(recordTask.getByTestId('task-done')).toBeChecked();
    await recordTask.getByTestId('task-done').click();
    await expect(recordTask.getByTestId('task-done')).not.toBeChecked();
    await go(page, 'home');
    await expect(page.getByTestId('h-today-count')).toHaveText('1');

    // Delete from Home, then undo: the task is back.
    await today.locator('li', { hasText: c.task }).getByTestId('task-delete').click();
    await expect(page.getByTestId('h-today-count')).toHaveText('0');
    await expect(page.getByTestId('undo-toast')).toBeVisible();
    await shot(page, `day-${c.language}-undo`);
    await page.getByTestId('undo').click();
    await expect(page.getByTestId('undo-toast')).toBeHidden();
    await expect(today.locator('li', { hasText: c.task })).toBeVisible();
    await expect(page.getByTestId('h-today-count')).toHaveText('1');
    if (c.language === 'zh-CN') await expectNoEnglish(page, 'home');

    // A deal: link the contact with a role, move it to won, reopen it, lose it with a listed reason.
    await createRecord(page, 'deal', c.deal);
    await page.locator('[data-edit="accountId"]').click();
    await pick(page, 'account-picker', c.account.slice(0, 2), c.account);
    await expect(page.locator('[data-field="accountId"]')).toHaveText(c.account);
    await pick(page, 'deal-add-contact', c.contact.slice(0, 2), c.contact);
    const linked = page.getByTestId('deal-contacts').locator(`[data-contact="${c.contact}"]`);
    await expect(linked).toBeVisible();
    await linked.getByTestId('contact-role').selectOption('decisionMaker');
    await expect(linked.getByTestId('contact-role')).toHaveValue('decisionMaker');
    await page.getByTestId('deal-stage-select').selectOption('proposal');
    await expect(page.getByTestId('deal-stage')).toContainText(c.proposal);
    await page.getByTestId('deal-won').click();
    await page.getByTestId('deal-reason').fill(c.wonReason);
    await page.getByTestId('deal-close-confirm').click();
    await expect(page.getByTestId('deal-status')).toContainText(c.won);
    await expect(page.getByTestId('deal-status')).toContainText(c.wonReason);
    await shot(page, `day-${c.language}-deal-won`);
    await page.getByTestId('deal-reopen').click();
    await expect(page.getByTestId('deal-status')).toContainText(c.open);
    await page.getByTestId('deal-lost').click();
    await page.locator(`[data-reason="${c.lostReason}"]`).click();
    await page.getByTestId('deal-close-confirm').click();
    await expect(page.getByTestId('deal-status')).toContainText(c.lostReason);
    // History: status open -> won, who and when.
    const history = page.getByTestId('timeline').locator('[data-change="status"]');
    await expect(history.first()).toBeVisible();
    await expect(page.getByTestId('timeline')).toContainText(`${c.open} → ${c.won}`);
    // A vault in no workspace names its own edits after this computer, never by its raw device id;
    // the creation lists the deal's values without a change from the registry's defaults.
    await expect(page.getByTestId('history-row').first()).toContainText(c.byThisComputer);
    const creation = page.getByTestId('history-row').last();
    await expect(creation).toContainText(c.created);
    await expect(creation.locator('del')).toHaveCount(0);
    // Linked records and stages read by name in the history, not as ids.
    await expect(page.getByTestId('timeline').locator('[data-change="accountId"]')).toContainText(c.account);
    await expect(page.getByTestId('timeline').locator('[data-change="stageId"]').first()).toContainText(
      c.proposal,
    );
    await expect(page.getByTestId('timeline').locator('[data-change="contactIds"]').first()).toContainText(
      c.contact,
    );
    await expect(page.getByTestId('timeline').locator('[data-change="contactRoles"]').first()).toContainText(
      `${c.contact}: ${c.role}`,
    );
    await shot(page, `day-${c.language}-deal-history`);
    await expectAccessible(page, `deal ${c.language}`);
    if (c.language === 'zh-CN') await expectNoEnglish(page, 'deal');

    // Palette: a create command, and an activity hit that opens the record it belongs to.
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette-input').fill(c.createCommand);
    await page.getByRole('option', { name: c.createLabel }).click();
    await expect(page.getByTestId('record-title')).toHaveText(c.createdDeal);
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette-input').fill(c.visits[1]!);
    await page.getByRole('option', { name: c.visits[1]! }).click();
    await expect(page.getByTestId('record-title')).toHaveText(c.account);

    // Quick log away from a record asks which record it is about, and the entry shows there.
    await go(page, 'home');
    await page.keyboard.press('Alt+l');
    await page.keyboard.press('n');
    await page.getByTestId('quicklog-text').fill(c.note);
    await pick(page, 'quicklog-pick', c.account.slice(0, 2), c.account);
    await page.getByTestId('quicklog-text').press('Enter');
    await expect(page.getByTestId('quicklog')).toBeHidden();
    await go(page, 'account');
    await page.getByRole('button', { name: c.account }).click();
    await expect(page.getByTestId('timeline')).toContainText(c.note);

    // A second contact of the same person ("lee, ann" / "张 伟"): the create form warns while typing
    // and again at save; created anyway, its page offers the merge, which keeps the deal's link.
    await go(page, 'contact');
    await page.getByTestId('new-name').fill(c.duplicate);
    await expect(page.getByTestId('new-duplicates')).toContainText(c.contact);
    await shot(page, `day-${c.language}-duplicate-warning`);
    // "Open existing" goes to the record that is already there; back in the list, create anyway.
    await page.getByTestId('new-open-existing').first().click();
    await expect(page.getByTestId('record-title')).toHaveText(c.contact);
    await go(page, 'contact');
    await page.getByTestId('new-name').fill(c.duplicate);
    await page.getByTestId('new-create').click();
    await expect(page.getByTestId('new-create')).toHaveText(c.createAnyway);
    await expect(page.getByTestId('new-duplicates')).toHaveAttribute('role', 'alert');
    await page.getByTestId('new-create').click();
    await expect(page.getByTestId('record-title')).toHaveText(c.duplicate);
    const panel = page.getByTestId('duplicates-panel');
    await expect(panel).toContainText(c.contact);
    await panel.getByTestId('merge-open').click();
    await expect(page.getByTestId('merge-dialog')).toBeVisible();
    await shot(page, `day-${c.language}-merge`);
    await page.getByTestId('merge-confirm').click();
    await expect(page.getByTestId('merge-dialog')).toBeHidden();
    await expect(panel).toBeHidden();
    const after = await page.evaluate(async (deal) => {
      const contacts = await window.crm.invoke('contacts.list', { limit: 50 });
      const deals = await window.crm.invoke('deals.list', { limit: 50 });
      if (!contacts.ok || !deals.ok) throw new Error('list failed');
      return {
        contacts: contacts.value.items.map((x) => ({ id: x.id, name: x.name })),
        dealContacts: deals.value.items.find((d) => d.name === deal)?.contactIds ?? [],
      };
    }, c.deal);
    expect(after.contacts).toHaveLength(1);
    expect(after.dealContacts).toEqual([after.contacts[0]?.id]);
    if (c.language === 'zh-CN') await expectNoEnglish(page, 'merged contact');

    // A custom field on deals, defined in Settings, set on the deal and filtered by on the deals list.
    await defineDealChoice(page, c.segment.field, c.segment.options);
    await go(page, 'deal');
    await page.getByTestId('list').getByRole('button', { name: c.deal, exact: true }).click();
    await expect(page.getByTestId('record-title')).toHaveText(c.deal);
    await page
      .getByTestId('custom-fields-panel')
      .locator(`select[data-custom="${c.segment.field}"]`)
      .selectOption({ label: c.segment.options[1]! });
    await expect
      .poll(() =>
        page.evaluate(async (deal) => {
          const deals = await window.crm.invoke('deals.list', { limit: 50 });
          if (!deals.ok) throw new Error(deals.error.code);
          return Object.keys(deals.value.items.find((d) => d.name === deal)?.custom ?? {}).length;
        }, c.deal),
      )
      .toBe(1);
    await go(page, 'deal');
    const dealRows = page.getByTestId('list').locator('.row-link');
    await expect(dealRows).toHaveCount(2);
    const tools = page.getByTestId('cf-tools');
    await tools
      .getByRole('combobox', { name: c.filterLabel, exact: true })
      .selectOption({ label: c.segment.field });
    await tools.getByLabel(c.segment.options[1]!).check();
    await tools.getByTestId('cf-filter-add').click();
    await expect(dealRows).toHaveCount(1);
    await expect(dealRows.first()).toHaveText(c.deal);
    await shot(page, `day-${c.language}-deals-by-custom-field`);
    if (c.language === 'zh-CN') await expectNoEnglish(page, 'deals filtered by a custom field');
    expect(errors).toEqual([]);
  });
}
