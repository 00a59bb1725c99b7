import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../../..');
const realElectron = path.join(repo, 'node_modules/electron');
const VERSION = '45.4.1';
const EXE = process.platform === 'win32' ? 'electron.exe' : 'electron';

/**
 * A project in a temp dir: the script under test, and node_modules/electron with the real
 * package.json, install.js and checksums.json but no binary (what `npm ci` leaves behind).
 * @electron/get is the real one, linked in, so the installer really tries to download.
 */
function fakeProject(root: string): { electronDir: string } {
  mkdirSync(path.join(root, 'tools'));
  copyFileSync(path.join(repo, 'tools/ensure-electron.mjs'), path.join(root, 'tools/ensure-electron.mjs'));
  const electronDir = path.join(root, 'node_modules/electron');
  mkdirSync(electronDir, { recursive: true });
  for (const file of ['package.json', 'install.js', 'checksums.json']) {
    copyFileSync(path.join(realElectron, file), path.join(electronDir, file));
  }
  mkdirSync(path.join(root, 'node_modules/@electron'));
  symlinkSync(
    path.join(repo, 'node_modules/@electron/get'),
    path.join(root, 'node_modules/@electron/get'),
    'junction',
  );
  return { electronDir };
}

/** A loopback port with nothing listening: downloads from it fail the way they fail offline. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/** The environment without anything that steers Electron's download or install. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(npm_config_electron|npm_package_config_electron|electron_|npm_config_platform|npm_config_arch)/i.test(
        key,
      )
    ) {
      continue;
    }
    env[key] = value;
  }
  return { ...env, ...extra };
}

function run(root: string, env: Record<string, string>, args: string[] = []) {
  return spawnSync(process.execPath, [path.join(root, 'tools/ensure-electron.mjs'), ...args], {
    cwd: root,
    env: cleanEnv(env),
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('tools/ensure-electron.mjs', () => {
  let root: string;
  let cache: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'fv-ensure-electron-'));
    cache = path.join(root, 'electron-cache');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('uses an installed binary and hands it to the command as ELECTRON_EXEC_PATH', () => {
    const { electronDir } = fakeProject(root);
    mkdirSync(path.join(electronDir, 'dist'));
    writeFileSync(path.join(electronDir, 'dist', EXE), 'stand-in');
    writeFileSync(path.join(electronDir, 'dist/version'), VERSION);
    writeFileSync(path.join(electronDir, 'path.txt'), EXE);

    const bare = run(root, { electron_config_cache: cache });
    expect(bare.stderr).toBe('');
    expect(bare.status).toBe(0);
    expect(bare.stdout.trim()).toBe(path.join(electronDir, 'dist', EXE));

    const wrapped = run(root, { electron_config_cache: cache }, [
      process.execPath,
      '-e',
      'process.stdout.write(process.env.ELECTRON_EXEC_PATH ?? "unset")',
    ]);
    expect(wrapped.status).toBe(0);
    expect(wrapped.stdout).toBe(path.join(electronDir, 'dist', EXE));
  });

  it('uses ELECTRON_OVERRIDE_DIST_PATH without downloading when the binary is missing', async () => {
    fakeProject(root);
    const override = path.join(root, 'local-electron');
    mkdirSync(override);
    writeFileSync(path.join(override, EXE), 'stand-in');
    const port = await closedPort();

    const result = run(root, {
      ELECTRON_OVERRIDE_DIST_PATH: override,
      ELECTRON_MIRROR: `http://127.0.0.1:${port}/`,
      electron_config_cache: cache,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(path.join(override, EXE));
  });

  it('refuses an override directory without the binary, naming what is missing', () => {
    fakeProject(root);
    const override = path.join(root, 'empty');
    mkdirSync(override);
    const result = run(root, { ELECTRON_OVERRIDE_DIST_PATH: override, electron_config_cache: cache });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`ELECTRON_OVERRIDE_DIST_PATH=${override} has no ${EXE}.`);
    expect(result.stderr).toContain('`npm run -s host -- --data DIR`');
  });

  it('exits 1 with what is missing and what to run when the download fails', async () => {
    fakeProject(root);
    const port = await closedPort();
    const result = run(root, { ELECTRON_MIRROR: `http://127.0.0.1:${port}/`, electron_config_cache: cache }, [
      process.execPath,
      '-e',
      'process.stdout.write("must not run")',
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain('must not run');
    const missing = path.join('node_modules/electron', 'dist', EXE);
    expect(result.stderr).toContain(
      `ensure-electron: Electron ${VERSION}'s binary is missing (${missing}) and could not be downloaded:`,
    );
    // The installer's own first error line follows (its wording is @electron/get's, e.g. "fetch failed").
    expect(result.stderr).toMatch(/could not be downloaded:\n {2}\S.+\n/);
    expect(result.stderr).toContain('`npx install-electron`, then `npm start` again');
    expect(result.stderr).toContain('`ELECTRON_OVERRIDE_DIST_PATH=/path/to/that/directory npm start`');
    expect(result.stderr).toContain('`npm run -s host -- --data DIR`');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
