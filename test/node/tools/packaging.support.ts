import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listPackage, statFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { Arch, Platform, archFromString, build } from 'electron-builder';

/** The fuse sentinel @electron/fuses looks for (node_modules/@electron/fuses/dist/constants.js). */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ENABLED = '1'.charCodeAt(0);
const DISABLED = '0'.charCodeAt(0);

/** What every release must carry: the fuses electron-builder.yml sets, stated here independently. */
export const REQUIRED_FUSES: Readonly<Record<number, boolean>> = {
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

/**
 * An unpacked "Electron" that electron-builder can package: an executable holding a fuse wire in
 * Electron 45's stock state (RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on; cookie
 * encryption, asar integrity and asar-only off), plus the files of a real distribution.
 */
export function writeStandInElectron(dir: string, version: string): void {
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const stock = [ENABLED, DISABLED, ENABLED, ENABLED, DISABLED, DISABLED, DISABLED, ENABLED];
  const binary = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "stand-in for Electron"\n# '),
    Buffer.from(FUSE_SENTINEL),
    Buffer.from([1, stock.length, ...stock]),
    Buffer.from('\n'),
  ]);
  writeFileSync(path.join(dir, 'electron'), binary, { mode: 0o755 });
  writeFileSync(path.join(dir, 'version'), version);
  writeFileSync(path.join(dir, 'LICENSE'), 'MIT (stand-in)\n');
  writeFileSync(path.join(dir, 'LICENSES.chromium.html'), '<!doctype html><title>stand-in</title>\n');
}

/** Packages the Linux `dir` target with `configFile` against the stand-in; returns the app dir. */
export async function packageLinuxDir(opts: {
  projectDir: string;
  configFile: string;
  electronDist: string;
  electronVersion: string;
  outputDir: string;
}): Promise<string> {
  const arch = archFromString(process.arch);
  await build({
    projectDir: opts.projectDir,
    targets: Platform.LINUX.createTarget('dir', arch),
    publish: 'never',
    config: {
      extends: opts.configFile,
      electronDist: opts.electronDist,
      electronVersion: opts.electronVersion,
      directories: { output: opts.outputDir },
    },
  });
  const suffix = arch === Arch.x64 ? '' : `-${Arch[arch]}`;
  return path.join(opts.outputDir, `linux${suffix}-unpacked`);
}

/** What a packaged app must and must not hold; `policySchema` is the source file when it exists. */
export interface BundleRules {
  executable: string;
  policySchema: string | null;
}

function isDirectory(archive: string, entry: string): boolean {
  return 'files' in statFile(archive, entry.replace(/^\//, ''), false);
}

/** Every way `appOutDir` breaks the packaging rules, one line each; empty when it holds. */
export async function bundleProblems(appOutDir: string, rules: BundleRules): Promise<string[]> {
  const problems: string[] = [];
  const resources = path.join(appOutDir, 'resources');
  const archive = path.join(resources, 'app.asar');
  if (!existsSync(archive)) return [`no app.asar in ${resources}`];
  const entries = listPackage(archive, { isPack: false }).map((entry) => entry.replaceAll('\\', '/'));
  const files = entries.filter((entry) => !isDirectory(archive, entry));

  for (const needed of [
    '/package.json',
    '/out/main/main.js',
    '/out/preload/preload.cjs',
    '/out/renderer/index.html',
  ]) {
    if (!files.includes(needed)) problems.push(`missing ${needed}`);
  }
  for (const file of files) {
    if (file.startsWith('/out/devhost/') || file.startsWith('/electron/devhost/')) {
      problems.push(`dev host in bundle: ${file}`);
    }
    if (file.startsWith('/test/') || /\.(test|spec)\.[cm]?[jt]sx?$/.test(file)) {
      problems.push(`test code in bundle: ${file}`);
    }
    if (file.endsWith('.map')) problems.push(`source map in bundle: ${file}`);
    if (file.startsWith('/server/')) problems.push(`sync server in bundle: ${file}`);
    if (file.endsWith('.node')) {
      const unpackedCopy = path.join(`${archive}.unpacked`, file);
      if (statFile(archive, file.slice(1), false).unpacked !== true || !existsSync(unpackedCopy)) {
        problems.push(`native module packed inside app.asar: ${file}`);
      }
    }
  }
  const natives = files.filter((file) => file.endsWith('.node')).map((file) => path.posix.basename(file));
  for (const native of ['keytar.node', `linux-${process.arch}.node`]) {
    if (!natives.includes(native)) problems.push(`native module missing: ${native}`);
  }

  const shippedSchema = path.join(resources, 'policy/policy.schema.json');
  if (rules.policySchema !== null) {
    if (!existsSync(shippedSchema))
      problems.push('policy schema missing: resources/policy/policy.schema.json');
    else if (!readFileSync(shippedSchema).equals(readFileSync(rules.policySchema))) {
      problems.push('policy schema differs from build/policy/policy.schema.json');
    }
  }

  const wire = await getCurrentFuseWire(path.join(appOutDir, rules.executable));
  for (const [index, enabled] of Object.entries(REQUIRED_FUSES)) {
    const fuse = Number(index);
    const actual: unknown = Reflect.get(wire, fuse);
    if (actual !== (enabled ? ENABLED : DISABLED)) {
      problems.push(`fuse ${FuseV1Options[fuse]} is not ${enabled ? 'enabled' : 'disabled'}`);
    }
  }
  return problems;
}
