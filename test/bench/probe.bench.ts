import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { type Browser, type Page } from '@playwright/test';
import { CHROMIUM_PATH, launchChromium } from '../support/chromium';
import { OpLogRepository } from '../../electron/services/crm/oplog.repository';
import { percentile, result, type BenchContext, type BenchResult, type BenchSuite } from './bench.types';
import { contactsCsv, rng } from './crm.data';
import { engine, openVault, seedOps, startServerProcess } from './sync-client.bench';

const repoRoot = path.resolve(import.meta.dirname, '../..');
/** The page waits this long after each app.info reply before the next call, like a renderer polling status. */
const PROBE_GAP_MS = 5;

interface Host {
  readonly pageUrl: string;
  readonly child: ChildProcess;
  /** The end of its stderr, for an error message (logs carry codes and counts, never customer fields). */
  readonly stderr: string[];
}

/**
 * The shipped dev host (`electron/devhost/host.main.ts`: the app's composition root, the OS keychain,
 * no OS user check) in its own process, as `npm run host` runs it. Its stderr is read all along: a pipe
 * nobody drains would block the host's synchronous log writes, a stall the probe would then measure.
 */
function startHost(dataDir: string): Promise<Host> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'electron/devhost/host.main.ts', '--data', dataDir, '--port', '0', '--no-os-auth'],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 50) stderr.shift();
  });
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dev host not ready within 60 s: ${stderr.join('').slice(-1000)}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dev host exited (${code}): ${stderr.join('').slice(-1000)}`));
    });
    lines.on('line', (line) => {
      let ready: { event?: string; pageUrl?: string };
      try {
        ready = JSON.parse(line) as { event?: string; pageUrl?: string };
      } catch {
        return;
      }
      if (ready.event !== 'ready' || !ready.pageUrl) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ pageUrl: ready.pageUrl, child, stderr });
    });
  });
}

async function stopHost(host: Host): Promise<void> {
  if (host.child.exitCode !== null || host.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => host.child.once('exit', () => resolve()));
  host.child.kill('SIGTERM');
  const timer = setTimeout(() => host.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** What the page saw while `work` ran: app.info round trips and the gaps between animation frames. */
interface Probe {
  readonly rtt: number[];
  readonly gaps: number[];
  readonly workMs: number;
  /** When the longest frame gap ended and the slowest round trip started, in ms from the work's start. */
  readonly worstGapAt: number;
  readonly worstRttAt: number;
  readonly out: unknown;
}

/**
 * Runs `work` (page source of a promise) in the page while the page itself calls app.info in a loop
 * (each round trip from send to reply) and counts requestAnimationFrame callbacks. In-page code is
 * source text: the bench runs under tsx, whose helpers do not exist in the page.
 */
async function probeWhile(page: Page, work: string): Promise<Probe> {
  const value: unknown = await page.evaluate(`(async () => {
    const rtt = [];
    const gaps = [];
    let stop = false;
    let last = performance.now();
    let t0 = last;
    let worstGapAt = 0;
    let worstRttAt = 0;
    let maxGap = 0;
    let maxRtt = 0;
    const gap = (t) => {
      if (t - last > maxGap) [maxGap, worstGapAt] = [t - last, t - t0];
      gaps.push(t - last);
    };
    const frame = (t) => {
      gap(t);
      last = t;
      if (!stop) requestAnimationFrame(frame);
    };
    await new Promise((r) => requestAnimationFrame((t) => { last = t; r(); }));
    requestAnimationFrame(frame);
    const probing = (async () => {
      while (!stop) {
        const t = performance.now();
        const reply = await window.crm.invoke('app.info');
        if (!reply.ok) throw new Error('app.info failed: ' + reply.error.code);
        const ms = performance.now() - t;
        if (ms > maxRtt) [maxRtt, worstRttAt] = [ms, t - t0];
        rtt.push(ms);
        await new Promise((r) => setTimeout(r, ${PROBE_GAP_MS}));
      }
    })();
    t0 = performance.now();
    const out = await (${work});
    const workMs = performance.now() - t0;
    stop = true;
    // A stall at the very end is a gap too, though no frame closed it.
    gap(performance.now());
    await probing;
    return { rtt, gaps, workMs, worstGapAt, worstRttAt, out };
  })()`);
  if (typeof value !== 'object' || value === null) throw new Error('the probe returned nothing');
  const { rtt, gaps, workMs, worstGapAt, worstRttAt, out } = value as Record<string, unknown>;
  const numbers = (v: unknown): number[] => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new Error('probe: not numbers');
    return v;
  };
  const [ms, gapAt, rttAt] = numbers([workMs, worstGapAt, worstRttAt]);
  return { rtt: numbers(rtt), gaps: numbers(gaps), workMs: ms!, worstGapAt: gapAt!, worstRttAt: rttAt!, out };
}

const IDLE = (ms: number) => `new Promise((r) => setTimeout(r, ${ms}))`;

/** A channel's value in the page, or a thrown error naming the channel and code. */
const call = (channel: string, input = 'undefined') =>
  `window.crm.invoke(${JSON.stringify(channel)}, ${input}).then((r) => {
    if (!r.ok) throw new Error(${JSON.stringify(channel)} + ' failed: ' + r.error.code);
    return r.value;
  })`;

/** A first run through the page's own bridge (vault created, recovery code confirmed), then the contacts list. */
async function openApp(browser: Browser, host: Host): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(host.pageUrl);
  await page.getByTestId('create-vault').waitFor();
  await page.evaluate(`(async () => {
    await ${call('vault.setup')};
    await ${call('vault.confirmRecoveryCode')};
  })()`);
  await page.reload();
  await page.getByRole('navigation').waitFor();
  // The screen that repaints as contacts land: the import's rows and the bootstrap's.
  await page.locator('[data-nav="contact"]').click();
  await page.getByTestId('list-scroll').waitFor();
  return page;
}

/** Probes made, how many took 20 ms or more and what they add up to (main busy), frames painted. */
function summary(p: Probe): string {
  const slow = p.rtt.filter((ms) => ms >= 20);
  const busy = slow.reduce((sum, ms) => sum + ms, 0);
  return (
    `${p.rtt.length} probes (${slow.length} >= 20 ms, ${Math.round(busy)} ms in them; slowest sent at ` +
    `${Math.round(p.worstRttAt)} ms), ${p.gaps.length} frames (longest gap ended at ${Math.round(p.worstGapAt)} ms)`
  );
}

/** The rows of one phase against the same page's idle probe. */
function rowsOf(label: string, during: Probe, idle: Probe): BenchResult[] {
  const longest = (p: Probe) => Math.max(...p.gaps);
  const fps = (p: Probe) => (p.gaps.length - 1) / ((p.workMs || 1) / 1000);
  return [
    result(
      `probe: app.info round trip from Chromium p99 during ${label}`,
      percentile(during.rtt, 99),
      'ms',
      percentile(idle.rtt, 99),
      '< 20 ms',
    ),
    result(
      `probe: app.info round trip from Chromium max during ${label}`,
      Math.max(...during.rtt),
      'ms',
      Math.max(...idle.rtt),
    ),
    result(`probe: longest gap between painted frames during ${label}`, longest(during), 'ms', longest(idle)),
    result(`probe: frames painted per second during ${label}`, fps(during), 'frames/s', fps(idle)),
  ];
}

/** A 100k-row contact import through `window.crm` on a fresh vault, probed from the same page. */
async function importPhase(ctx: BenchContext, browser: Browser, rows: number): Promise<BenchResult[]> {
  const host = await startHost(path.join(ctx.dir, 'import-host'));
  try {
    const page = await openApp(browser, host);
    const csv = contactsCsv(rows, rng(7));
    // Handed over before any clock starts, as a file the import screen has already read.
    await page.evaluate((text) => Reflect.set(globalThis, '__probeCsv', text), csv);
    const idle = await probeWhile(page, IDLE(ctx.quick ? 1_000 : 3_000));
    const during = await probeWhile(
      page,
      call('import.commit', `{ csv: window.__probeCsv, dedupeBy: 'emailOrPhone', onRowError: 'skipRows' }`),
    );
    const created = (during.out as { created?: unknown } | null)?.created;
    if (typeof created !== 'number' || created < rows * 0.9)
      throw new Error('probe: the import did not commit');
    ctx.log(
      `import: ${created} contacts in ${Math.round(during.workMs)} ms; ${summary(during)}, ` +
        `idle: ${summary(idle)}`,
    );
    await page.close();
    return rowsOf(`a ${rows / 1000}k-row import`, during, idle);
  } finally {
    await stopHost(host);
  }
}

/**
 * A log of `ops` field ops on a real sync server, pushed by a seeding device (its op log written
 * directly, pushed by the sync engine at many ops per delta); returns an invite code for a new device.
 */
async function seedLog(ctx: BenchContext, url: string, ops: number): Promise<{ code: string; rows: number }> {
  const db = openVault(ctx.dir, 'seeder');
  const t = performance.now();
  const total = seedOps(db, ops);
  const rows = new OpLogRepository(db).pending(Number.MAX_SAFE_INTEGER).length;
  const seeder = engine(db);
  await seeder.createWorkspace(url, 'probe', { managed: false });
  const pushed = await seeder.syncNow();
  if (pushed.pending !== 0) throw new Error('probe: the seeding device left ops pending');
  const invite = await seeder.createInvite(1, 'member');
  seeder.stop();
  db.close();
  ctx.log(`seeded ${total} ops (${rows} contacts) on the server in ${Math.round(performance.now() - t)} ms`);
  return { code: invite.code, rows };
}

/** A new device (a fresh dev host) joins by invite and bootstraps the whole log, probed from its page. */
async function bootstrapPhase(ctx: BenchContext, browser: Browser, ops: number): Promise<BenchResult[]> {
  const server = await startServerProcess(path.join(ctx.dir, 'server'));
  try {
    const { code, rows } = await seedLog(ctx, server.url, ops);
    const host = await startHost(path.join(ctx.dir, 'bootstrap-host'));
    try {
      const page = await openApp(browser, host);
      const idle = await probeWhile(page, IDLE(ctx.quick ? 1_000 : 3_000));
      // The join starts the bootstrap in the background; sync.now queues behind it, so it answers
      // once the whole log is pulled and applied.
      const during = await probeWhile(
        page,
        `(async () => {
          await ${call('invites.accept', JSON.stringify({ code, deviceName: 'probe' }))};
          const status = await ${call('sync.now')};
          const list = await ${call('contacts.list', '{ limit: 1 }')};
          return { state: status.state, contacts: list.total };
        })()`,
      );
      const out = during.out as { state?: unknown; contacts?: unknown } | null;
      if (out?.state !== 'idle' || out.contacts !== rows)
        throw new Error(
          `probe: bootstrap incomplete (${String(out?.state)}, ${String(out?.contacts)} of ${rows})`,
        );
      ctx.log(
        `bootstrap: ${ops} ops (${rows} contacts) in ${Math.round(during.workMs)} ms; ${summary(during)}, ` +
          `idle: ${summary(idle)}`,
      );
      await page.close();
      return rowsOf(`a ${ops.toLocaleString('en')}-op bootstrap of a new device`, during, idle);
    } finally {
      await stopHost(host);
    }
  } finally {
    server.child.kill('SIGTERM');
  }
}

/**
 * Issue 17, acceptance line 2: a Playwright page against the shipped dev host calls app.info in a loop
 * and counts animation frames while the same page imports 100k contacts, and while a new device
 * bootstraps a 1M-op log from a real sync server. Baselines: the same probe with nothing running.
 */
export const probeBench: BenchSuite = {
  name: 'probe',
  async run(ctx) {
    const built =
      existsSync(path.join(repoRoot, 'out/renderer/index.html')) &&
      existsSync(path.join(repoRoot, 'out/devhost/bridge.js'));
    if (!built || !existsSync(CHROMIUM_PATH)) {
      ctx.log('probe: skipped (build the renderer with npm run build; Chromium needed)');
      return [];
    }
    mkdirSync(ctx.dir, { recursive: true, mode: 0o700 });
    const browser = await launchChromium();
    try {
      const rows = await importPhase(ctx, browser, ctx.quick ? 10_000 : 100_000);
      rows.push(...(await bootstrapPhase(ctx, browser, ctx.quick ? 100_000 : 1_000_000)));
      return rows;
    } finally {
      await browser.close();
    }
  },
};
