import { firstRun, go, setLanguage, shot, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

for (const language of ['en', 'zh-CN'] as const) {
  test(`people (${language}): name and team in Settings, "My team" on the deals list, bulk reassign with a count, owner shown by member name`, async ({
    page,
    host,
  }) => {
    test.setTimeout(180_000);
    const errors = watchErrors(page);
    await firstRun(page, host.pageUrl);
    if (language === 'zh-CN') await setLanguage(page, 'zh-CN');

    // A solo vault is a workspace of one: this device, as owner, may name itself and set its team.
    await go(page, 'settings');
    const members = page.getByTestId('members-settings');
    await expect(members.locator('tbody tr')).toHaveCount(1);
    await members.getByTestId('member-edit').click();
    await members.getByTestId('member-name').fill('Ana Silva');
    await members.getByTestId('member-team-input').fill('North');
    await members.getByTestId('member-save').click();
    await expect(members.getByTestId('member-team')).toHaveText('North');
    await expect(members.locator('tr[data-member="Ana Silva"]')).toBeVisible();

    // Deals owned before members existed: free text, one of them Ana's name in other letter case.
    await page.evaluate(async () => {
      const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T => {
        if (!r.ok) throw new Error(r.error.code);
        return r.value;
      };
      const pipelines = ok(await window.crm.invoke('pipelines.list', {}));
      const pipelineId = pipelines.items[0]!.id;
      for (const [name, ownerId] of [
        ['Typed Ana', 'ANA SILVA'],
        ['Sam one', 'Sam'],
        ['Sam two', 'Sam'],
        ['Nobody', null],
      ] as const)
        ok(await window.crm.invoke('deals.create', { name, pipelineId, stageId: 'lead', ownerId }));
    });
    await go(page, 'deal');
    await expect(page.getByTestId('list-count')).toContainText('4');
    const apply = page.locator('form.filters button[type="submit"]');
    await page.getByTestId('owner-scope').selectOption('team');
    await apply.click();
    await expect(page.getByTestId('list-count')).toContainText('1');
    await expect(page.locator('[role="row"]', { hasText: 'Typed Ana' })).toBeVisible();

    // Everyone again; select Sam's two deals and reassign them to Ana.
    await page.getByTestId('owner-scope').selectOption('');
    await apply.click();
    await expect(page.getByTestId('list-count')).toContainText('4');
    for (const name of ['Sam one', 'Sam two'])
      await page.locator('[role="row"]', { hasText: name }).locator('[data-select]').check();
    await page.getByTestId('reassign').click();
    const dialog = page.getByTestId('reassign-dialog');
    await dialog.getByTestId('reassign-picker').fill('ana');
    await dialog.locator('[role="option"]', { hasText: 'Ana Silva' }).click();
    await expect(dialog.getByTestId('reassign-summary')).toContainText('2');
    await expect(dialog.getByTestId('reassign-summary')).toContainText('Ana Silva');
    await shot(page, `people-reassign-${language}`);
    await dialog.getByTestId('reassign-confirm').click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('undo-toast')).toContainText('2');

    // "My team" now holds all three.
    await page.getByTestId('owner-scope').selectOption('team');
    await apply.click();
    await expect(page.getByTestId('list-count')).toContainText('3');
    await expect(page.locator('[role="row"]', { hasText: 'Sam one' })).toBeVisible();
    await shot(page, `people-my-team-${language}`);

    // Stored as the member id, through the writer: the record page names the member.
    await page.locator('[role="row"]', { hasText: 'Sam two' }).locator('.row-link').click();
    await expect(page.locator('[data-field="ownerId"]')).toHaveText('Ana Silva');
    // Its history names the members: the reassign went from the typed "Sam" to Ana, written by Ana.
    const reassigned = page.locator('[data-change="ownerId"]', { hasText: 'Ana Silva' });
    await expect(reassigned.locator('del')).toHaveText('Sam');
    await expect(reassigned.locator('ins')).toHaveText('Ana Silva');
    await expect(page.getByTestId('history-row').filter({ has: reassigned })).toContainText(
      language === 'zh-CN' ? '由 Ana Silva' : 'by Ana Silva',
    );
    // A task on it, assigned with the same member picker (the registry's member-typed assignee).
    await page.getByTestId('task-new-title').fill('Call Sam back');
    await page.getByTestId('task-new-assignee').fill('ana');
    await page.locator('[role="option"]', { hasText: 'Ana Silva' }).click();
    await expect(page.getByTestId('task-new-assignee-value')).toHaveText('Ana Silva');
    await page.getByTestId('task-create').click();
    const task = page.getByTestId('record-tasks').locator('li', { hasText: 'Call Sam back' });
    await expect(task.getByTestId('task-assignee-name')).toHaveText('Ana Silva');
    const assigned = await page.evaluate(async () => {
      const me = await window.crm.invoke('members.list', {});
      if (!me.ok) throw new Error(me.error.code);
      const r = await window.crm.invoke('tasks.list', { filter: { assigneeIn: [me.value.selfId] } });
      if (!r.ok) throw new Error(r.error.code);
      return r.value.items.map((t) => t.title);
    });
    expect(assigned).toEqual(['Call Sam back']);
    const stored = await page.evaluate(async () => {
      const r = await window.crm.invoke('deals.list', { filter: { ownerIn: ['sam'] } });
      if (!r.ok) throw new Error(r.error.code);
      return r.value.total;
    });
    expect(stored).toBe(0);
    // A free-text owner reads as the member it names (case-insensitively), still stored as typed.
    await go(page, 'deal');
    await page.locator('[role="row"]', { hasText: 'Typed Ana' }).locator('.row-link').click();
    await expect(page.locator('[data-field="ownerId"]')).toHaveText('Ana Silva');

    // The record page's owner field: Escape closes its picker, a pick writes the member, and
    // "Clear owner" empties it.
    await go(page, 'deal');
    await page.getByTestId('owner-scope').selectOption('');
    await apply.click();
    await page.locator('[role="row"]', { hasText: 'Nobody' }).locator('.row-link').click();
    const ownerCell = page.locator('.inline-field', {
      has: page.locator('[data-edit="ownerId"], [data-testid="owner-picker"]'),
    });
    await expect(page.locator('[data-field="ownerId"]')).toHaveText('—');
    await page.locator('[data-edit="ownerId"]').click();
    await expect(page.getByTestId('owner-picker')).toBeFocused();
    // The first Escape closes the open list, the next one the editor.
    await expect(page.getByTestId('owner-picker')).toHaveAttribute('aria-expanded', 'true');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('owner-picker')).toHaveAttribute('aria-expanded', 'false');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('owner-picker')).toBeHidden();
    await page.locator('[data-edit="ownerId"]').click();
    await page.getByTestId('owner-picker').fill('ana');
    await page.locator('[role="option"]', { hasText: 'Ana Silva' }).click();
    await expect(page.locator('[data-field="ownerId"]')).toHaveText('Ana Silva');
    await page.locator('[data-edit="ownerId"]').click();
    await ownerCell
      .getByRole('button', { name: language === 'zh-CN' ? '清除负责人' : 'Clear owner' })
      .click();
    await expect(page.locator('[data-field="ownerId"]')).toHaveText('—');
    expect(errors).toEqual([]);
  });
}
