import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleProblems, packageLinuxDir, writeStandInElectron } from './packaging.support';

const repo = path.resolve(import.meta.dirname, '../../..');
const electronPackage = JSON.parse(
  readFileSync(path.join(repo, 'node_modules/electron/package.json'), 'utf8'),
) as { version: string };
const electronVersion = electronPackage.version;
const schemaSource = path.join(repo, 'build/policy/policy.schema.json');
const rules = { executable: 'fieldvault', policySchema: existsSync(schemaSource) ? schemaSource : null };

/**
 * electron-builder.yml with the two mistakes the rules exist for: the dev host's bridge and test
 * code let into `files`, and the fuses (and the hook that checks them) dropped.
 */
function wrongConfig(yml: string): string {
  const lines = yml.split('\n');
  const out: string[] = [];
  let inFuses = false;
  for (const line of lines) {
    if (inFuses && /^\s/.test(line)) continue;
    inFuses = line === 'electronFuses:';
    if (inFuses || line.startsWith('afterPack:')) continue;
    if (line === "  - '!out/devhost/**'") out.push('  - out/devhost/**');
    else if (line === "  - '!test/**'") out.push('  - test/node/tools/**');
    else out.push(line);
  }
  return out.join('\n');
}

describe('packaging (electron-builder, Linux dir target, stand-in Electron)', () => {
  let tmp: string;
  let electronDist: string;

  beforeAll(() => {
    if (!existsSync(path.join(repo, 'out/main/main.js')) || !existsSync(path.join(repo, 'out/devhost'))) {
      throw new Error('out/ is not built: run `npm run build` first (npm test does)');
    }
    tmp = mkdtempSync(path.join(tmpdir(), 'fv-packaging-'));
    electronDist = path.join(tmp, 'electron-dist');
    writeStandInElectron(electronDist, electronVersion);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('ships the app only: no dev host, tests, maps or server; natives unpacked; fuses flipped', async () => {
    const appOutDir = await packageLinuxDir({
      projectDir: repo,
      configFile: path.join(repo, 'electron-builder.yml'),
      electronDist,
      electronVersion,
      outputDir: path.join(tmp, 'good'),
    });
    expect(await bundleProblems(appOutDir, rules)).toEqual([]);
    // The polkit action travels with every Linux package (deb/rpm also install it system-wide).
    expect(readFileSync(path.join(appOutDir, 'polkit/com.fieldvault.desktop.policy'), 'utf8')).toContain(
      '<action id="com.fieldvault.desktop.unlock">',
    );
    if (rules.policySchema === null) {
      expect(existsSync(path.join(appOutDir, 'resources/policy/policy.schema.json'))).toBe(false);
    }
  }, 90_000);

  it('reports a bundle that lets in the dev host and test code and lacks the fuses', async () => {
    const configFile = path.join(tmp, 'electron-builder.wrong.yml');
    const yml = readFileSync(path.join(repo, 'electron-builder.yml'), 'utf8');
    writeFileSync(configFile, wrongConfig(yml));
    expect(readFileSync(configFile, 'utf8')).not.toBe(yml);

    const appOutDir = await packageLinuxDir({
      projectDir: repo,
      configFile,
      electronDist,
      electronVersion,
      outputDir: path.join(tmp, 'wrong'),
    });
    const problems = await bundleProblems(appOutDir, rules);
    expect(problems).toContain('dev host in bundle: /out/devhost/bridge.js');
    expect(problems).toContain('test code in bundle: /test/node/tools/packaging.support.ts');
    expect(problems).toContain('fuse RunAsNode is not disabled');
    expect(problems).toContain('fuse OnlyLoadAppFromAsar is not enabled');
  }, 90_000);
});
