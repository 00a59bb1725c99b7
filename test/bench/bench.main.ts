import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { auditBench } from './audit.bench';
import type { BenchResult, BenchSuite } from './bench.types';
import { crmBench } from './crm.bench';
import { ipcBench } from './ipc.bench';
import { probeBench } from './probe.bench';
import { rendererBench } from './renderer.bench';
import { reportsBench } from './reports.bench';
import { serverAuthBench } from './server-auth.bench';
import { syncClientBench } from './sync-client.bench';
import { syncBench } from './sync.bench';
import { syncOpsBench } from './sync-ops.bench';
import { syncEpochsBench } from './sync-epochs.bench';
import { syncSnapshotBench } from './sync-snapshot.bench';
import { vaultBench } from './vault.bench';
import { workerBench } from './worker.bench';

/**
 * `npm run bench [-- --json FILE] [--quick] [--only NAME] [--scale 1m]`: runs every suite, prints a table, and
 * optionally writes `[{name, value, unit, baseline?, ratio?}]` as JSON. Targets are reported, not
 * asserted: speed lives here, never in timed tests. Each suite runs in a process of its own, so no
 * suite is measured in a heap the previous ones filled (the full run measured the CRM import ~25%
 * slower than the same suite alone). A suite that fails leaves its rows out, the others still run,
 * and the run exits 1 naming it.
 */
const suites: BenchSuite[] = [
  ipcBench,
  vaultBench,
  crmBench,
  syncBench,
  syncOpsBench,
  syncClientBench,
  syncEpochsBench,
  syncSnapshotBench,
  serverAuthBench,
  rendererBench,
  reportsBench,
  auditBench,
  workerBench,
  probeBench,
];

function format(n: number | undefined, digits = 2): string {
  if (n === undefined || Number.isNaN(n)) return '';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}

function printTable(rows: BenchResult[]): void {
  const header = ['benchmark', 'value', 'unit', 'baseline', 'ratio', 'target'];
  const body = rows.map((r) => [
    r.name,
    format(r.value),
    r.unit,
    format(r.baseline),
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
    r.target ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(line(header) + '\n' + widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const row of body) process.stdout.write(line(row) + '\n');
}

/** Runs one suite in this process. */
async function runSuite(suite: BenchSuite, quick: boolean, scale?: '1m'): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), `fv-bench-${suite.name}-`));
  try {
    return await suite.run({ dir, quick, scale, log: (m) => process.stderr.write(`  ${m}\n`) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one suite in a child process (this script with `--suite`), returning its rows. */
function runSuiteInChild(suite: BenchSuite, quick: boolean, scale?: '1m'): BenchResult[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'fv-bench-rows-'));
  const out = path.join(dir, 'rows.json');
  try {
    const child = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1]!,
        '--suite',
        suite.name,
        '--json',
        out,
        ...(quick ? ['--quick'] : []),
        ...(scale ? ['--scale', scale] : []),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (child.status !== 0) throw new Error(`suite ${suite.name} failed (${child.status ?? child.signal})`);
    return JSON.parse(readFileSync(out, 'utf8')) as BenchResult[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      // `1m`: suites that support it measure at a million records (crm: 1M contacts).
      scale: { type: 'string' },
      // Internal: run exactly this suite here (the parent's child processes).
      suite: { type: 'string' },
    },
    strict: true,
  });
  if (values.scale !== undefined && values.scale !== '1m') throw new Error('--scale takes only 1m');
  const scale = values.scale === '1m' ? '1m' : undefined;
  const rows: BenchResult[] = [];
  if (values.suite) {
    const suite = suites.find((s) => s.name === values.suite);
    if (!suite) throw new Error(`no suite named ${values.suite}`);
    rows.push(...(await runSuite(suite, values.quick, scale)));
    if (values.json) writeFileSync(values.json, JSON.stringify(rows));
    return;
  }
  // A suite that fails is reported and the run goes on: one broken suite (a registry it cannot
  // reach, say) must not cost the measurements of all the others.
  const failed: string[] = [];
  for (const suite of suites) {
    if (values.only && !suite.name.startsWith(values.only)) continue;
    process.stderr.write(`bench: ${suite.name}…\n`);
    try {
      rows.push(...runSuiteInChild(suite, values.quick, scale));
    } catch (error) {
      failed.push(suite.name);
      process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  printTable(rows);
  if (values.json) {
    writeFileSync(values.json, JSON.stringify(rows, null, 2) + '\n');
    process.stderr.write(`bench: wrote ${values.json}\n`);
  }
  if (failed.length > 0) {
    process.stderr.write(`bench: ${failed.length} suite(s) failed: ${failed.join(', ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
