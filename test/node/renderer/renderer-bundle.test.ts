import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Nothing of the dev host may reach the packaged app. `npm test` builds before the node tests; run
 * `npm run build` first when running this file alone.
 */
const out = path.resolve('out');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('production bundles', () => {
  it('exist (run `npm run build` first)', () => {
    for (const dir of ['renderer', 'preload', 'main']) expect(existsSync(path.join(out, dir))).toBe(true);
  });

  it('carry no trace of the dev host bridge or its protocol', () => {
    const files = ['renderer', 'preload', 'main'].flatMap((dir) => filesUnder(path.join(out, dir)));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const marker of ['__devhost', 'FieldVaultDevHostBridge', 'jsonrpc', 'bridge.js']) {
        expect(text.includes(marker), `${path.relative(out, file)} contains ${marker}`).toBe(false);
      }
    }
  });

  it('emit the sandboxed preload as CommonJS', () => {
    const preload = readFileSync(path.join(out, 'preload', 'preload.cjs'), 'utf8');
    expect(preload).toMatch(/require\(["']electron["']\)/);
    expect(preload).not.toMatch(/^\s*import\s/m);
  });
});
