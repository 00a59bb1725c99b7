import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../../..');
const workflow = readFileSync(path.join(repo, '.github/workflows/release.yml'), 'utf8');

/** Every secret the pipeline expects, each named in the workflow's header comment. */
const SECRETS = [
  'APPLE_ID',
  'APPLE_APP_SPECIFIC_PASSWORD',
  'APPLE_TEAM_ID',
  'CSC_LINK',
  'CSC_KEY_PASSWORD',
  'WIN_CSC_LINK',
  'WIN_CSC_KEY_PASSWORD',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_SIGNING_ENDPOINT',
  'AZURE_SIGNING_ACCOUNT',
  'AZURE_SIGNING_CERT_PROFILE',
  'AZURE_SIGNING_PUBLISHER',
  'RELEASE_SIGNING_KEY',
];

/** The workflow's jobs by id, each as its own lines (line-based: keys at two spaces under `jobs:`). */
function jobs(text: string): Map<string, string> {
  const result = new Map<string, string>();
  const lines = text.split('\n');
  const start = lines.indexOf('jobs:');
  expect(start).toBeGreaterThan(0);
  let current: string | null = null;
  for (const line of lines.slice(start + 1)) {
    const id = /^ {2}([a-z][\w-]*):\s*$/.exec(line)?.[1];
    if (id) {
      current = id;
      result.set(id, '');
    } else if (current && (line.startsWith('    ') || line.trim() === '')) {
      result.set(current, `${result.get(current) ?? ''}${line}\n`);
    } else if (/^\S/.test(line)) {
      current = null;
    }
  }
  return result;
}

function job(id: string): string {
  const body = jobs(workflow).get(id);
  if (body === undefined) throw new Error(`no job ${id} in release.yml`);
  return body;
}

describe('.github/workflows/release.yml', () => {
  it('builds, tests, packages, signs, hashes and describes each OS on its own runner', () => {
    const perOs = [
      {
        id: 'linux',
        runner: /runs-on: ubuntu-/,
        packageCmd: 'npx electron-builder --linux',
        kinds: ['AppImage', 'deb', 'rpm'],
      },
      {
        id: 'mac',
        runner: /runs-on: macos-/,
        packageCmd: 'npx electron-builder --mac',
        kinds: ['dmg', 'zip'],
      },
      { id: 'windows', runner: /runs-on: windows-/, packageCmd: 'args=(--win', kinds: ['exe', 'msi'] },
    ];
    for (const os of perOs) {
      const body = job(os.id);
      expect(body, os.id).toMatch(os.runner);
      if (os.id === 'linux') {
        // .ci/run is npm ci followed by the whole `npm test`, which includes the build.
        expect(body).toContain('run: bash .ci/run');
      } else {
        expect(body, os.id).toContain('run: npm ci');
        expect(body, os.id).toContain('run: npm run build');
        expect(body, os.id).toContain('npx vitest run');
      }
      expect(body, os.id).toContain(os.packageCmd);
      expect(body, os.id).toContain('--publish never');
      expect(body, os.id).toContain('npx --yes "$CYCLONEDX_NPM" --omit dev');
      expect(body, os.id).toContain(
        `node build/release-artifacts.mjs --sbom sbom.cdx.json --label ${os.id} dist`,
      );
      expect(body, os.id).toContain('uses: actions/upload-artifact@');
      for (const kind of os.kinds) expect(body, `${os.id} uploads .${kind}`).toContain(`dist/*.${kind}`);
      for (const extra of ['dist/*.sha256', 'dist/*.cdx.json']) expect(body, os.id).toContain(extra);
    }
    expect(workflow).toMatch(/CYCLONEDX_NPM: '@cyclonedx\/cyclonedx-npm@\d+\.\d+\.\d+'/);
    expect(readFileSync(path.join(repo, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });

  it('names and documents every signing secret and refuses to package without them', () => {
    const header = workflow.slice(0, workflow.indexOf('\nname:'));
    for (const secret of SECRETS) {
      expect(header, `${secret} documented`).toMatch(new RegExp(`#.*\\b${secret}\\b`));
      expect(workflow, `${secret} used`).toContain(`\${{ secrets.${secret} }}`);
    }
    // Secrets only ever reach a step through its env, never inline in a command line.
    for (const line of workflow.split('\n').filter((l) => l.includes('secrets.'))) {
      expect(line).toMatch(/^\s+[A-Z_]+: \$\{\{ secrets\.[A-Z_]+ \}\}$/);
    }
    expect(job('mac')).toContain('CSC_LINK: ${{ secrets.CSC_LINK }}');
    expect(job('mac')).toContain('-c.forceCodeSigning=true');
    expect(job('mac')).toContain('::error::missing secret for $name');
    expect(job('windows')).toContain('-c.win.azureSignOptions.endpoint=$AZURE_SIGNING_ENDPOINT');
    expect(job('windows')).toContain('::error::no Authenticode secrets');
    expect(job('windows')).toContain('-c.forceCodeSigning=true');
  });

  it('publishes after all three: verified checksums and an update manifest signed with the release key', () => {
    const body = job('publish');
    expect(body).toContain('needs: [linux, mac, windows]');
    expect(body).toContain('sha256sum --check --strict SHA256SUMS-*.txt');
    expect(body).toContain('FIELDVAULT_RELEASE_KEY: ${{ secrets.RELEASE_SIGNING_KEY }}');
    expect(body).toContain('npx tsx tools/release-sign.ts sign');
    expect(body).toContain('contents: write');
    expect(workflow.slice(0, workflow.indexOf('\njobs:'))).toMatch(/^permissions:\n {2}contents: read$/m);
  });
});

describe('build/release-artifacts.mjs', () => {
  it('writes a sha256sum line and an SBOM copy per installer, and SHA256SUMS-<label>.txt', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fv-release-artifacts-'));
    try {
      writeFileSync(path.join(dir, 'FieldVault-0.1.0.AppImage'), 'appimage bytes');
      writeFileSync(path.join(dir, 'fieldvault_0.1.0_amd64.deb'), 'deb bytes');
      writeFileSync(path.join(dir, 'builder-debug.yml'), 'not an installer');
      const sbom = path.join(dir, 'sbom.json');
      writeFileSync(sbom, '{"bomFormat":"CycloneDX"}');
      const run = spawnSync(
        process.execPath,
        [path.join(repo, 'build/release-artifacts.mjs'), '--sbom', sbom, '--label', 'linux', dir],
        { encoding: 'utf8' },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const sha = (text: string) => createHash('sha256').update(text).digest('hex');
      const appimageLine = `${sha('appimage bytes')}  FieldVault-0.1.0.AppImage\n`;
      const debLine = `${sha('deb bytes')}  fieldvault_0.1.0_amd64.deb\n`;
      expect(readFileSync(path.join(dir, 'FieldVault-0.1.0.AppImage.sha256'), 'utf8')).toBe(appimageLine);
      expect(readFileSync(path.join(dir, 'fieldvault_0.1.0_amd64.deb.cdx.json'), 'utf8')).toBe(
        '{"bomFormat":"CycloneDX"}',
      );
      expect(readFileSync(path.join(dir, 'SHA256SUMS-linux.txt'), 'utf8')).toBe(appimageLine + debLine);

      const empty = mkdtempSync(path.join(tmpdir(), 'fv-release-empty-'));
      const none = spawnSync(
        process.execPath,
        [path.join(repo, 'build/release-artifacts.mjs'), '--sbom', sbom, '--label', 'x', empty],
        { encoding: 'utf8' },
      );
      rmSync(empty, { recursive: true, force: true });
      expect(none.status).toBe(1);
      expect(none.stderr).toContain('release-artifacts: no installer in');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
