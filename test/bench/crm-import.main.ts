import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchImport } from './crm-import.bench';

/**
 * `npx tsx test/bench/crm-import.main.ts [N]`: only the CSV import part of the crm bench (100k
 * contacts by default), for profiling it (`node --cpu-prof --import tsx ...`) without the search setup.
 */
const n = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(path.join(tmpdir(), 'fv-bench-crm-import-'));
try {
  const rows = await benchImport({ dir, quick: false, log: (m) => process.stderr.write(`  ${m}\n`) }, n);
  for (const r of rows)
    process.stdout.write(
      `${r.name}: ${r.value.toFixed(0)} ${r.unit} (baseline ${r.baseline?.toFixed(0) ?? '-'})\n`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
