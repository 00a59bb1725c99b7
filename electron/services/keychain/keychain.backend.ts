import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * Which keychain backend this process talks to, as a stable id: `macos-keychain`,
 * `windows-credential-manager`, or on Linux the program that owns `org.freedesktop.secrets` on the
 * session bus (`secret-service:gnome-keyring`, `secret-service:kwallet`, `secret-service:keepassxc`,
 * …), prefixed with `flatpak:` inside a Flatpak sandbox. The vault records it next to its keychain
 * wrap, so "the entry is gone" can be told apart from "this is another keyring" (a desktop switch
 * from GNOME to KDE, the app moved into a Flatpak). Null when it cannot be told (no owner yet, no
 * `dbus-send`): then nothing is claimed.
 */
export async function detectKeychainBackend(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | null> {
  if (platform === 'darwin') return 'macos-keychain';
  if (platform === 'win32') return 'windows-credential-manager';
  const flatpak = env.FLATPAK_ID !== undefined || existsSync('/.flatpak-info') ? 'flatpak:' : '';
  const owner = await secretServiceOwner();
  return owner ? `${flatpak}secret-service:${owner}` : null;
}

function secretServiceOwner(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      'dbus-send',
      [
        '--session',
        '--print-reply=literal',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.GetConnectionUnixProcessID',
        'string:org.freedesktop.secrets',
      ],
      { timeout: 2_000 },
      (error, stdout) => {
        const pid = /uint32\s+(\d+)/.exec(error ? '' : stdout)?.[1];
        if (!pid) return resolve(null);
        try {
          resolve(backendName(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()));
        } catch {
          resolve('unknown');
        }
      },
    );
  });
}

/** The program name as a backend id (`/proc/PID/comm` is cut to 15 characters). */
export function backendName(comm: string): string {
  if (/gnome-keyring/.test(comm)) return 'gnome-keyring';
  if (/kwallet|ksecretd/i.test(comm)) return 'kwallet';
  if (/keepassxc/i.test(comm)) return 'keepassxc';
  return comm.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40) || 'unknown';
}
