import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { firstRun, go, setLanguage, watchErrors } from './support/app';
import { expect, startHost, stopHost, test } from './support/devhost';

/** Replaces the policy file the way configuration management does: write beside it, then rename. */
function writePolicy(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text, { mode: 0o644 });
  renameSync(`${file}.tmp`, file);
}

test('a policy file locks the settings it manages, in both languages, and follows edits to the file', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const root = mkdtempSync(path.join(tmpdir(), 'fv-e2e-policy-'));
  const policyFile = path.join(root, 'policy.json');
  writePolicy(policyFile, JSON.stringify({ lockTimeoutMinutes: 5, enrolmentCode: 'E2E-ENROL-SECRET' }));
  const host = await startHost(path.join(root, 'data'), 20_000, ['--policy', policyFile]);
  try {
    const errors = watchErrors(page);
    await firstRun(page, host.pageUrl);
    await go(page, 'settings');

    const timeout = page.getByTestId('lock-timeout');
    const note = page.getByTestId('managed-lockTimeoutMinutes');
    await expect(timeout).toBeDisabled();
    await expect(timeout).toHaveValue('5');
    await expect(note).toHaveText('Managed by your organization');
    await expect(timeout).toHaveAttribute('aria-describedby', (await note.getAttribute('id')) ?? 'missing');

    // Main refuses the change even from a renderer that ignores the disabled field.
    const refused = await page.evaluate(() =>
      window.crm.invoke('settings.update', { lockTimeoutMinutes: 60 }),
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const view = await page.evaluate(() => window.crm.invoke('policy.get'));
    expect(view).toMatchObject({
      ok: true,
      value: { values: { lockTimeoutMinutes: 5, enrolmentCode: 'set' } },
    });
    expect(JSON.stringify(view)).not.toContain('E2E-ENROL-SECRET');

    await setLanguage(page, 'zh-CN');
    await expect(note).toHaveText('由您的组织管理');
    await expect(timeout).toBeDisabled();

    // IT stops managing the timeout: the field unlocks without a reload and shows the user's own value.
    writePolicy(policyFile, JSON.stringify({ exportRights: 'none' }));
    await expect(timeout).toBeEnabled({ timeout: 10_000 });
    await expect(note).toHaveCount(0);
    await expect(timeout).toHaveValue('15');

    // A broken policy is not ignored: the strictest timeout applies, locked, and the screen says why.
    writePolicy(policyFile, '{ "lockTimeoutMinutes": 5,');
    await expect(page.getByTestId('policy-invalid')).toBeVisible({ timeout: 10_000 });
    await expect(page.getByTestId('policy-invalid')).toContainText('无法读取您的组织在此电脑上设置的策略');
    await expect(timeout).toBeDisabled();
    await expect(timeout).toHaveValue('1');
    await setLanguage(page, 'en');
    await expect(page.getByTestId('policy-invalid')).toContainText(
      "Your organization's policy on this computer",
    );
    await expect(note).toHaveText('Managed by your organization');
    expect(errors).toEqual([]);
  } finally {
    await stopHost(host);
    rmSync(root, { recursive: true, force: true });
  }
});

test('a managed sync server and enrolment code: the set-up form shows them as managed, main refuses any other server', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const root = mkdtempSync(path.join(tmpdir(), 'fv-e2e-policy-srv-'));
  const policyFile = path.join(root, 'policy.json');
  writePolicy(
    policyFile,
    JSON.stringify({
      serverUrl: 'https://sync.example.com',
      enrolmentCode: 'E2E-ENROL-SECRET',
      exportRights: 'none',
    }),
  );
  const host = await startHost(path.join(root, 'data'), 20_000, ['--policy', policyFile]);
  try {
    const errors = watchErrors(page);
    await firstRun(page, host.pageUrl);
    await go(page, 'sync');
    const url = page.getByTestId('sync-server-url');
    await expect(url).toBeDisabled();
    await expect(url).toHaveValue('https://sync.example.com');
    await expect(page.getByTestId('managed-serverUrl')).toHaveText('Managed by your organization');
    await expect(page.getByTestId('managed-enrolmentCode')).toBeVisible();
    await expect(page.getByTestId('sync-enrolment-code')).toHaveCount(0);
    // A renderer that composes another server is refused by main before any request leaves.
    const refused = await page.evaluate(() =>
      window.crm.invoke('workspace.create', { serverUrl: 'http://127.0.0.1:9', name: 'T' }),
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'POLICY_FORBIDDEN' } });
    const exported = await page.evaluate(() => window.crm.invoke('export.csv', { entity: 'contact' }));
    expect(exported).toMatchObject({ ok: false, error: { code: 'POLICY_FORBIDDEN' } });
    await setLanguage(page, 'zh-CN');
    await go(page, 'sync');
    await expect(page.getByTestId('managed-serverUrl')).toHaveText('由您的组织管理');
    expect(errors).toEqual([]);
  } finally {
    await stopHost(host);
    rmSync(root, { recursive: true, force: true });
  }
});
