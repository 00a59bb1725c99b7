#!/usr/bin/env node
// @ts-check
/**
 * Makes sure Electron's binary is there before electron-vite needs it, then runs the given command.
 *
 *   node tools/ensure-electron.mjs [command args...]
 *
 * Electron 45 has no install script: `npm ci` leaves node_modules/electron without its binary, and
 * electron-vite reads node_modules/electron/path.txt directly ("Electron uninstall"). So this script
 *  1. with ELECTRON_OVERRIDE_DIST_PATH set, uses the Electron distribution in that directory (offline
 *     machines) and downloads nothing;
 *  2. otherwise uses node_modules/electron/dist when it holds this package's version, or runs
 *     Electron's own installer (node_modules/electron/install.js, what `npx install-electron` runs);
 *  3. hands the binary to the command through ELECTRON_EXEC_PATH, which electron-vite honours.
 * When none of that yields a binary it exits with status 1 and says what is missing and what to run.
 * Without a command it only ensures the binary and prints its path.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Exit status when no Electron binary can be had; the message on stderr says why. */
const EXIT_MISSING = 1;

/** @param {string} text */
function say(text) {
  process.stderr.write(`${text}\n`);
}

/** The executable's path inside an Electron distribution, as Electron's install.js computes it. */
function platformPath() {
  const platform =
    process.env.ELECTRON_INSTALL_PLATFORM || process.env.npm_config_platform || process.platform;
  if (platform === 'darwin' || platform === 'mas') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

/** @param {string} file */
function isFile(file) {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** @param {string} file */
function readOr(file, fallback = '') {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** The electron package next to this script's project (resolved the way Node resolves it). */
function electronPackage() {
  const require = createRequire(import.meta.url);
  let pkgJson;
  try {
    pkgJson = require.resolve('electron/package.json');
  } catch {
    return null;
  }
  const dir = path.dirname(pkgJson);
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8'));
  return { dir, version: String(version) };
}

/**
 * The binary in node_modules/electron/dist when it is the package's version and path.txt names it.
 * @param {{dir: string, version: string}} pkg
 */
function installedBinary(pkg) {
  const rel = readOr(path.join(pkg.dir, 'path.txt'));
  if (rel !== platformPath()) return null;
  if (readOr(path.join(pkg.dir, 'dist', 'version')).replace(/^v/, '') !== pkg.version) return null;
  const bin = path.join(pkg.dir, 'dist', rel);
  return isFile(bin) ? bin : null;
}

/** @param {string} version */
function nextSteps(version) {
  const target = `${process.env.ELECTRON_INSTALL_PLATFORM || process.env.npm_config_platform || process.platform}-${process.env.ELECTRON_INSTALL_ARCH || process.env.npm_config_arch || process.arch}`;
  return [
    'What to run instead:',
    `  - with network access: \`npx install-electron\`, then \`npm start\` again;`,
    `  - offline: unpack an Electron ${version} build for ${target} (the directory that holds ${platformPath()}) and run`,
    '    `ELECTRON_OVERRIDE_DIST_PATH=/path/to/that/directory npm start`;',
    '  - without Electron: the same app in a browser, `npm run -s host -- --data DIR`',
    '    (on Linux without a desktop, inside a keyring session: README, "Set up on a fresh machine").',
  ].join('\n');
}

/**
 * Runs Electron's installer and reports the first line of its error when it fails.
 * @param {{dir: string, version: string}} pkg
 */
function runInstaller(pkg) {
  const installer = path.join(pkg.dir, 'install.js');
  if (!existsSync(installer)) return `${installer} does not exist`;
  say(`ensure-electron: downloading Electron ${pkg.version} (node_modules/electron/install.js)...`);
  const result = spawnSync(process.execPath, [installer], {
    cwd: pkg.dir,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status === 0) return null;
  const stderr = result.stderr ?? '';
  const firstError =
    stderr
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.length > 0 && !line.startsWith('at ')) ?? `exit status ${String(result.status)}`;
  return firstError;
}

/** @returns {string} the Electron executable, or exits with EXIT_MISSING and a message. */
function ensureElectron() {
  const pkg = electronPackage();
  if (pkg === null) {
    say('ensure-electron: the `electron` package is not installed (node_modules/electron is missing).');
    say('What to run instead: `npm ci`, then `npm start` again.');
    process.exit(EXIT_MISSING);
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const bin = path.join(path.resolve(override), platformPath());
    if (isFile(bin)) return bin;
    say(`ensure-electron: ELECTRON_OVERRIDE_DIST_PATH=${override} has no ${platformPath()}.`);
    say(nextSteps(pkg.version));
    process.exit(EXIT_MISSING);
  }
  const present = installedBinary(pkg);
  if (present) return present;
  const failure = runInstaller(pkg);
  const installed = installedBinary(pkg);
  if (installed) return installed;
  const missing = path.join(path.relative(process.cwd(), pkg.dir) || '.', 'dist', platformPath());
  say(
    `ensure-electron: Electron ${pkg.version}'s binary is missing (${missing}) and could not be downloaded:`,
  );
  say(`  ${failure ?? 'the installer finished but left no binary'}`);
  say(nextSteps(pkg.version));
  process.exit(EXIT_MISSING);
}

const bin = ensureElectron();
const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stdout.write(`${bin}\n`);
} else {
  // electron-vite reads ELECTRON_EXEC_PATH before path.txt, so the override reaches it too.
  const child = spawn(command, args, {
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_EXEC_PATH: bin },
    shell: process.platform === 'win32',
  });
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('error', (err) => {
    say(`ensure-electron: cannot run ${command}: ${err.message}`);
    process.exit(EXIT_MISSING);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
