import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchResult, BenchSuite } from './bench.types';
import { crmBench } from './crm.bench';
import { ipcBench } from './ipc.bench';
import { rendererBench } from './renderer.bench';
import { syncClientBench } from './sync-client.bench';
import { syncBench } from './sync.bench';
import { vaultBench } from './vault.bench';

/**
 * `npm run bench [-- --json FILE] [--quick] [--only NAME]`: runs every suite, prints a table, and
 * optionally writes `[{name, value, unit, baseline?, ratio?}]` as JSON. Targets are reported, not
 * asserted: speed lives here, never in timed tests.
 */
const suites: BenchSuite[] = [ipcBench, vaultBench, crmBench, syncBench, syncClientBench, rendererBench];

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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
    strict: true,
  });
  const rows: BenchResult[] = [];
  for (const suite of suites) {
    if (values.only && !suite.name.startsWith(values.only)) continue;
    const dir = mkdtempSync(path.join(tmpdir(), `fv-bench-${suite.name}-`));
    try {
      process.stderr.write(`bench: ${suite.name}…\n`);
      rows.push(
        ...(await suite.run({ dir, quick: values.quick, log: (m) => process.stderr.write(`  ${m}\n`) })),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  printTable(rows);
  if (values.json) {
    writeFileSync(values.json, JSON.stringify(rows, null, 2) + '\n');
    process.stderr.write(`bench: wrote ${values.json}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
