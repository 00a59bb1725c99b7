import type { Page } from '@playwright/test';

/** Chromium reports a task as long from 50 ms (the Long Tasks API); shorter ones are not seen. */
export interface LongTasks {
  /** The longest task in ms, 0 when none reached 50 ms. */
  readonly max: number;
  readonly count: number;
}

/**
 * Runs `act` with a `longtask` PerformanceObserver in the page, then lets the page settle for
 * `settleMs` (debounced searches and refreshes land inside the window) and returns what it saw.
 * In-page code is source text for the same reason as in renderer.bench.ts (tsx helpers, no DOM types).
 */
export async function longTasksDuring(
  page: Page,
  act: () => Promise<void>,
  settleMs = 400,
): Promise<LongTasks> {
  await page.evaluate(`(() => {
    window.__benchLongTasks = [];
    window.__benchObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__benchLongTasks.push(e.duration);
    });
    window.__benchObserver.observe({ type: 'longtask' });
  })()`);
  await act();
  await page.waitForTimeout(settleMs);
  const seen: unknown = await page.evaluate(`(() => {
    window.__benchObserver.takeRecords().forEach((e) => window.__benchLongTasks.push(e.duration));
    window.__benchObserver.disconnect();
    return window.__benchLongTasks;
  })()`);
  if (!Array.isArray(seen) || !seen.every((v) => typeof v === 'number')) throw new Error('no long-task list');
  return { max: seen.length > 0 ? Math.max(...seen) : 0, count: seen.length };
}

/**
 * Throws unless the observer sees a task the page is made to run for 80 ms: a bench row of 0 then
 * means no long task, not a browser without the Long Tasks API.
 */
export async function checkLongTaskProbe(page: Page): Promise<void> {
  const probe = await longTasksDuring(
    page,
    // From a timer: a script the bench evaluates through CDP is not a task of the page's event loop.
    () =>
      page.evaluate(
        `setTimeout(() => { const end = performance.now() + 80; while (performance.now() < end); }, 0)`,
      ),
    100,
  );
  if (probe.max < 80) throw new Error('the long-task observer missed an 80 ms task');
}

/** The longest of several windows, and every long task counted. */
function worst(list: readonly LongTasks[]): LongTasks {
  return {
    max: Math.max(0, ...list.map((l) => l.max)),
    count: list.reduce((n, l) => n + l.count, 0),
  };
}

/** Words typed into the palette: names the seeded contacts have (CJK and Latin) and a miss. */
const TYPED = ['Müller 12', '张伟', 'Anna García', 'zzqx'];

/** Types `text` one key at a time (real key events through the browser), `delayMs` apart, as a person would. */
async function typeSlowly(page: Page, text: string, delayMs = 60): Promise<void> {
  await page.keyboard.type(text, { delay: delayMs });
}

/**
 * Baseline for typing: an input with no handlers of its own, added to the same page, so the
 * window holds the same key events and whatever the page runs anyway, without the palette's search.
 */
async function plainInput(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const input = document.createElement('input');
    input.id = 'bench-plain-input';
    Object.assign(input.style, { position: 'fixed', top: '0', left: '0', zIndex: '100' });
    document.body.append(input);
    input.focus();
  })()`);
}

/**
 * Long tasks while typing words into the search palette (each key runs the search over the vault's
 * contacts as the user types), then the same words into a plain input: `[palette, baseline]`.
 */
export async function paletteLongTasks(page: Page, words: number): Promise<[LongTasks, LongTasks]> {
  await checkLongTaskProbe(page);
  const typing: LongTasks[] = [];
  const base: LongTasks[] = [];
  for (const word of TYPED.slice(0, words)) {
    await page.getByTestId('open-palette').click();
    await page.getByTestId('palette-input').focus();
    typing.push(await longTasksDuring(page, () => typeSlowly(page, word)));
    const typed = await page.getByTestId('palette-input').inputValue();
    if (typed !== word) throw new Error(`the palette holds "${typed}", not what was typed`);
    await page.keyboard.press('Escape');
    await page.getByTestId('palette').waitFor({ state: 'detached' });
    await plainInput(page);
    base.push(await longTasksDuring(page, () => typeSlowly(page, word)));
    await page.evaluate(`document.getElementById('bench-plain-input').remove()`);
  }
  return [worst(typing), worst(base)];
}

/**
 * One board card moved a column on with real key events (focus, then Ctrl+Right through the
 * browser's input pipeline, so the key handler runs as a task the observer sees), until painted there.
 */
export async function boardMoveByKeys(page: Page): Promise<void> {
  const picked: unknown = await page.evaluate(`(() => {
    const columns = [...document.querySelectorAll('[data-stage]')];
    const from = columns.findIndex((c, i) => i < columns.length - 1 && c.querySelector('.deal-card'));
    const card = columns[from].querySelector('.deal-card');
    card.focus();
    return [from, card.getAttribute('data-deal')];
  })()`);
  if (!Array.isArray(picked) || typeof picked[0] !== 'number' || typeof picked[1] !== 'string')
    throw new Error('no card to move');
  await page.keyboard.press('Control+ArrowRight');
  await page.waitForFunction(
    `document.querySelectorAll('[data-stage]')[${picked[0] + 1}].querySelector('[data-deal="${picked[1]}"]')`,
  );
}
