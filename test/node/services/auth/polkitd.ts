import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const POLKITD = '/usr/lib/polkit-1/polkitd';

/** Why a private polkitd cannot run here, or null when it can. */
export function polkitUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0)
    return 'needs root to bind-mount the action directory in a private mount namespace';
  for (const bin of [
    POLKITD,
    '/usr/bin/dbus-daemon',
    '/usr/bin/pkcheck',
    '/usr/bin/unshare',
    '/usr/bin/setpriv',
  ])
    if (!existsSync(bin)) return `${bin} is missing (Debian packages polkitd, dbus, util-linux)`;
  if (spawnSync('unshare', ['-m', 'true']).status !== 0) return 'unshare -m is not permitted here';
  return null;
}

export interface PrivatePolkit {
  /** Environment that points pkcheck at the private system bus. */
  readonly env: NodeJS.ProcessEnv;
  /** An admin rule for the FieldVault action: grant, refuse, or none (the shipped `auth_self` default). */
  setRule(rule: 'yes' | 'no' | null): void;
  /** A process of an unprivileged user (root is always authorised), whose pid is the subject checked. */
  readonly subjectPid: number;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * A real polkitd on a private system bus: dbus-daemon with a system-bus config on a socket in a temp
 * dir, and polkitd in a private mount namespace where `/usr/share/polkit-1/actions` holds only the
 * shipped `build/linux/com.fieldvault.desktop.policy` and the rules directories are the test's own.
 */
export async function startPrivatePolkit(repoRoot: string): Promise<PrivatePolkit> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fv-polkitd-'));
  for (const sub of ['actions', 'rules', 'empty']) mkdirSync(path.join(dir, sub), { mode: 0o755 });
  chmodSync(dir, 0o755);
  copyFileSync(
    path.join(repoRoot, 'build/linux/com.fieldvault.desktop.policy'),
    path.join(dir, 'actions/com.fieldvault.desktop.policy'),
  );
  const socket = path.join(dir, 'system_bus_socket');
  writeFileSync(
    path.join(dir, 'bus.conf'),
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/>
  </policy>
</busconfig>
`,
  );
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${socket}` };
  const bus = spawn('dbus-daemon', ['--nofork', `--config-file=${path.join(dir, 'bus.conf')}`], {
    stdio: 'ignore',
  });
  await waitFor(() => existsSync(socket), 'the private system bus socket');
  const script = [
    `mount --bind ${dir}/actions /usr/share/polkit-1/actions`,
    `mount --bind ${dir}/rules /etc/polkit-1/rules.d`,
    `mount --bind ${dir}/empty /usr/share/polkit-1/rules.d`,
    `exec ${POLKITD} --no-debug`,
  ].join(' && ');
  const polkitd = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
    env,
    stdio: 'ignore',
  });
  await waitFor(
    () =>
      spawnSync(
        'dbus-send',
        [
          '--system',
          '--print-reply',
          '--dest=org.freedesktop.PolicyKit1',
          '/org/freedesktop/PolicyKit1/Authority',
          'org.freedesktop.DBus.Properties.Get',
          'string:org.freedesktop.PolicyKit1.Authority',
          'string:BackendName',
        ],
        { env, stdio: 'ignore' },
      ).status === 0,
    'polkitd on the private bus',
  );
  const subject = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sleep', '600'], {
    stdio: 'ignore',
  });
  // Until setpriv has dropped to the unprivileged user, the subject is root, whom polkit always authorises.
  await waitFor(
    () => subject.pid !== undefined && /^Uid:\s+65534\b/m.test(readProc(`/proc/${subject.pid}/status`)),
    'the unprivileged subject',
  );
  return {
    env,
    subjectPid: subject.pid!,
    setRule(rule) {
      const file = path.join(dir, 'rules/50-fieldvault-test.rules');
      if (rule === null) {
        rmSync(file, { force: true });
        return;
      }
      const result = rule === 'yes' ? 'YES' : 'NO';
      writeFileSync(
        file,
        `polkit.addRule(function (action, subject) {\n  if (action.id == "com.fieldvault.desktop.unlock") return polkit.Result.${result};\n});\n`,
        { mode: 0o644 },
      );
    },
    async stop() {
      for (const child of [subject, polkitd, bus]) child.kill('SIGTERM');
      await Promise.all([waitExit(subject), waitExit(polkitd), waitExit(bus)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it is true; fails after a generous deadline (never a timing assertion). */
export async function waitFor(
  probe: () => boolean | Promise<boolean>,
  what: string,
  deadlineMs = 30_000,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
