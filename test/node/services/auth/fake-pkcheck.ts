import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A stand-in `pkcheck` that exits with the code in `<dir>/exit` and records its arguments. */
export function fakePkcheck(): {
  bin: string;
  setExit(code: number): void;
  lastArgs(): string[];
  dispose(): void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'fv-pkcheck-'));
  const bin = path.join(dir, 'pkcheck');
  writeFileSync(bin, `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/args"\nexit "$(cat "${dir}/exit")"\n`);
  chmodSync(bin, 0o755);
  writeFileSync(path.join(dir, 'exit'), '0');
  return {
    bin,
    setExit: (code) => writeFileSync(path.join(dir, 'exit'), String(code)),
    lastArgs: () => readFileSync(path.join(dir, 'args'), 'utf8').trim().split('\n'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
