import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layer rules are enforced by lint, so a forbidden import must fail `npm run lint`. Each case
 * writes a snippet as a short-lived file in the named layer (type-aware rules need a real file that
 * a tsconfig includes) and lints it with the project's real ESLint config.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIdsFor(filePath: string, code: string): Promise<string[]> {
  const probe = path.join(
    path.dirname(filePath),
    `__lint_probe_${randomBytes(4).toString('hex')}__${path.extname(filePath)}`,
  );
  mkdirSync(path.dirname(probe), { recursive: true });
  writeFileSync(probe, code);
  try {
    const [result] = await eslint.lintFiles([probe]);
    return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
  } finally {
    rmSync(probe, { force: true });
  }
}

const forbidden: [string, string, string, string][] = [
  ['shared', 'shared/probe.ts', "import fs from 'node:fs';\nexport const x = fs;", 'no-restricted-imports'],
  ['shared', 'shared/probe.ts', "import fs from 'fs';\nexport const x = fs;", 'no-restricted-imports'],
  [
    'shared',
    'shared/probe.ts',
    "import { app } from 'electron';\nexport const x = app;",
    'no-restricted-imports',
  ],
  [
    'shared',
    'shared/probe.ts',
    "import { createLogger } from '../electron/services/log/logger';\nexport const x = createLogger;",
    'layers/boundaries',
  ],
  [
    'renderer',
    'renderer/src/probe.ts',
    "import { IpcRouter } from '../../electron/services/ipc/router';\nexport const x = IpcRouter;",
    'layers/boundaries',
  ],
  [
    'renderer',
    'renderer/src/probe.ts',
    "import path from 'node:path';\nexport const x = path;",
    'no-restricted-imports',
  ],
  [
    'renderer',
    'renderer/src/probe.ts',
    "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;",
    'no-restricted-imports',
  ],
  [
    'server',
    'server/probe.ts',
    "import { createLogger } from '../electron/services/log/logger';\nexport const x = createLogger;",
    'layers/boundaries',
  ],
  [
    'services',
    'electron/services/probe.ts',
    "import { app } from 'electron';\nexport const x = app;",
    'no-restricted-imports',
  ],
];

describe('layer rules', () => {
  it.each(forbidden)('%s: %s rejects the forbidden import (%#)', async (_layer, file, code, rule) => {
    expect(await ruleIdsFor(file, code)).toContain(rule);
  });

  it('allows the imports each layer is meant to make', async () => {
    expect(
      await ruleIdsFor(
        'server/probe.ts',
        "import { ERROR_CODES } from '../shared/errors';\nexport const x = ERROR_CODES;",
      ),
    ).toEqual([]);
    expect(
      await ruleIdsFor(
        'renderer/src/probe.ts',
        "import { ERROR_CODES } from '../../shared/errors';\nexport const x = ERROR_CODES;",
      ),
    ).toEqual([]);
    expect(
      await ruleIdsFor('electron/main/probe.ts', "import { app } from 'electron';\nexport const x = app;"),
    ).toEqual([]);
  });

  it('makes a floating promise a lint error', async () => {
    const ids = await ruleIdsFor('electron/services/probe.ts', 'async function f() {}\nf();\nexport {};');
    expect(ids).toContain('@typescript-eslint/no-floating-promises');
  });
});
