import { firstRun, go, setLanguage, shot, watchErrors } from './support/app';
import { expect, test } from './support/devhost';

const TOTAL = 5050;

for (const language of ['en', 'zh-CN'] as const) {
  test(`board at scale (${language}): ${TOTAL} open deals, virtualised columns, no silent cap, filters, rich cards, won in a menu`, async ({
    page,
    host,
  }) => {
    test.setTimeout(300_000);
    const errors = watchErrors(page);
    await page.setViewportSize({ width: 1280, height: 720 });
    await firstRun(page, host.pageUrl);
    if (language === 'zh-CN') await setLanguage(page, 'zh-CN');
    // Seeded through the page's own bridge: 5,050 open deals, 50 of them Li's, closing next March.
    // Li is this device's member (owners are members), named in its profile.
    await page.evaluate(`(async () => {
      const ok = (r) => { if (!r.ok) throw new Error(r.error.code); return r.value; };
      const li = ok(await window.crm.invoke('members.list', {})).selfId;
      ok(await window.crm.invoke('members.update', { memberId: li, displayName: 'Li Wei' }));
      const acme = ok(await window.crm.invoke('accounts.create', { name: 'Acme GmbH' }));
      const pipelines = ok(await window.crm.invoke('pipelines.list', {}));
      const pipelineId = pipelines.items[0].id;
      const stages = ['lead', 'qualified', 'proposal', 'negotiation'];
      for (let i = 0; i < ${TOTAL}; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, ${TOTAL} - i) }, (_, k) => {
          const n = i + k;
          const lis = n % 101 === 0;
          return window.crm.invoke('deals.create', {
            name: lis ? 'Li deal ' + n : 'Deal ' + n,
            pipelineId,
            stageId: stages[n % 4],
            position: n,
            amountMinor: (1 + (n % 40)) * 100000,
            accountId: acme.id,
            ...(lis ? { ownerId: li, expectedCloseDate: '2027-03-15' } : {}),
          }).then(ok);
        }));
      }
    })()`);
    await go(page, 'board');
    const board = page.getByTestId('board');
    // More than the board loads: it says so and how to narrow it, instead of stopping silently.
    await expect(page.getByTestId('board-capped')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('board-capped')).toContainText(/5,?050/);
    // Virtualised: a few dozen cards in the DOM, not thousands.
    await expect(board.locator('.deal-card').first()).toBeVisible();
    expect(await board.locator('.deal-card').count()).toBeLessThan(200);
    await expect(board.locator('[data-stage="lead"] .cards')).toHaveAttribute('data-count', '1250');
    // Each capped column says how many of its deals it shows (the 5,000 are shared among the stages).
    await expect(page.getByTestId('count-lead')).toContainText(/1,?250\D+1,?263/);
    await expect(page.getByTestId('count-negotiation')).toContainText(/1,?250\D+1,?262/);
    const card = board.locator('.deal-card').first();
    await expect(card).toContainText('Acme GmbH');
    await expect(card.getByTestId('card-age')).toBeVisible();
    await shot(page, `board-${language}-5k`);

    // Filter: owner (Li's own records, from the member-based owner scope) and close month; the cap
    // notice goes away.
    await page.getByTestId('board-filters').getByTestId('owner-scope').selectOption('mine');
    await page.getByTestId('board-month').fill('2027-03');
    await page.getByTestId('board-apply').click();
    await expect(page.getByTestId('board-capped')).toBeHidden();
    // 50 deals over four columns (each column counts its own; only the visible cards are rendered).
    const counted = async () =>
      (
        await board
          .locator('.cards')
          .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))))
      ).reduce((a, b) => a + b, 0);
    await expect.poll(counted).toBe(50);
    const li = board.getByRole('group', { name: 'Li deal 0', exact: true });
    // The card names its owner by the member's name.
    await expect(li).toContainText('Li Wei');
    await expect(li).toContainText('2027');
    // Amount range narrows the loaded deals further (Li deals 0 and 4040 are 1,000.00).
    await page.getByTestId('board-max').fill('1000');
    await page.getByTestId('board-apply').click();
    await expect(board.locator('.deal-card')).toHaveCount(2);
    await shot(page, `board-${language}-filtered`);

    // Won is in the card's menu.
    await li.locator('[data-card-menu]').click();
    await li.locator('[data-won]').click();
    await page.getByTestId('close-confirm').click();
    await expect(board.locator('.deal-card')).toHaveCount(1);
    await expect(li).toBeHidden();
    expect(errors).toEqual([]);
  });
}
