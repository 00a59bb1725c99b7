import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VaultKeystore } from '../../../../electron/services/vault/vault.keystore';
import { VaultLayout } from '../../../../electron/services/vault/vault.layout';
import { realKeychain, repoRoot, testKeychainService } from '../../support/vault';
import { tempDir } from '../../support/tmp';

/** Every form a key could take in memory: raw bytes, hex in both cases, base64 and base64url (unpadded, and the
 * 40-character prefix that survives inside a longer base64 string when the key starts on a 3-byte boundary). */
function needles(key: Uint8Array): { name: string; bytes: Buffer }[] {
  const raw = Buffer.from(key);
  const hex = raw.toString('hex');
  const b64 = raw.toString('base64').replace(/=+$/, '');
  const b64url = raw.toString('base64url');
  const forms: [string, string][] = [
    ['hex', hex],
    ['HEX', hex.toUpperCase()],
    ['base64', b64.slice(0, 40)],
    ['base64url', b64url.slice(0, 40)],
  ];
  return [
    { name: 'raw', bytes: raw },
    ...forms.flatMap(([name, text]) => [
      { name, bytes: Buffer.from(text, 'latin1') },
      { name: `${name} (UTF-16)`, bytes: Buffer.from(text, 'utf16le') },
    ]),
  ];
}

/** Reads every readable mapping of `pid` through /proc/<pid>/mem and reports which needles occur. */
function scan(pid: number, keys: readonly Uint8Array[]): string[] {
  const all = keys.flatMap((key, i) => needles(key).map((n) => ({ ...n, name: `key ${i}: ${n.name}` })));
  const found = new Set<string>();
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n');
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  const chunk = Buffer.alloc(8 << 20);
  const overlap = 256;
  try {
    for (const line of maps) {
      const [range, perms] = line.split(/\s+/);
      if (!range || !perms?.startsWith('r') || /\[(vvar|vsyscall|vvar_vclock)\]/.test(line)) continue;
      const [start, end] = range.split('-').map((h) => BigInt(`0x${h}`)) as [bigint, bigint];
      for (let at = start; at < end;) {
        const want = Number(end - at < BigInt(chunk.length) ? end - at : BigInt(chunk.length));
        let got: number;
        try {
          got = readSync(fd, chunk, 0, want, at);
        } catch {
          break; // a mapping that cannot be read (device memory, guard pages)
        }
        if (got <= 0) break;
        const view = chunk.subarray(0, got);
        for (const n of all) if (!found.has(n.name) && view.includes(n.bytes)) found.add(n.name);
        if (got < want) break;
        at += BigInt(Math.max(1, got - overlap));
        if (got <= overlap) break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return [...found].sort();
}

// Reading another process's memory needs Linux's /proc/<pid>/mem; CI and this project's tests run on Linux.
describe.skipIf(process.platform !== 'linux')('key hygiene: process memory after lock', () => {
  it('finds the vault key while unlocked (the scan can see) and in no encoding after lock', async () => {
    const dataDir = tempDir('fv-memscan-');
    const service = testKeychainService();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'test/node/services/vault/memory-child.ts'), dataDir, service],
      { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout });
    const next = (want: string) =>
      new Promise<void>((resolve, reject) => {
        const onLine = (line: string) => {
          if (line !== want) return;
          lines.off('line', onLine);
          resolve();
        };
        lines.on('line', onLine);
        child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
      });
    try {
      await next('UNLOCKED');
      // The parent reads the key set from the keychain itself, so the child never prints a key.
      const set = await new VaultKeystore(realKeychain(service), new VaultLayout(dataDir)).load(
        readVaultId(dataDir),
      );
      // Every vault key (current, and the retired one a backup still needs). The recovery wrapping key
      // and the keychain's unlock key are not vault keys: noble-ciphers copies a 32-byte key into a
      // small JS-heap array before cleaning it, which V8 may move first, so they can survive; the
      // README says so ("What is wiped from memory").
      const keys = set.keys.map((k) => k.key);
      expect(keys).toHaveLength(2);
      expect(scan(child.pid!, [keys[0]!])).toContain('key 0: raw');
      child.stdin.write('lock\n');
      await next('LOCKED');
      expect(scan(child.pid!, keys)).toEqual([]);
    } finally {
      child.stdin.end();
      child.kill('SIGTERM');
      await realKeychain(service)
        .delete(readVaultId(dataDir))
        .catch(() => false);
    }
  }, 180_000);
});

function readVaultId(dataDir: string): string {
  const manifest = JSON.parse(readFileSync(path.join(dataDir, 'vault/manifest.json'), 'utf8')) as {
    vaultId: string;
  };
  return manifest.vaultId;
}
