import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openEncryptedDatabase } from '../electron/services/db/database';
import { KEYCHAIN_SERVICE, KeytarKeychain } from '../electron/services/keychain/keychain.keytar';
import { zeroKeySet } from '../electron/services/vault/vault.keyset';
import { VaultKeystore } from '../electron/services/vault/vault.keystore';
import { VaultLayout } from '../electron/services/vault/vault.layout';
import { openDelta } from '../shared/sync/envelope';

/**
 * What a revoked laptop and a copy of the sync server's database can read (issue 12's black box).
 *
 *     npx tsx tools/epoch-attack.ts --device DATA_DIR --server-db SYNC_SQLITE [--keychain-service S]
 *
 * Plays the attacker who kept a revoked device and its OS user's keychain: takes the vault key from
 * the keychain, opens the device's vault, takes every workspace key it holds (every epoch), then
 * tries every one of them on every delta of the server's SQLite file (copied first, with its WAL),
 * whatever key id the envelope claims. Prints one JSON line: how many keys it had, how many deltas
 * there were, and the server sequence numbers of those that opened. Never prints a key or a delta.
 */

interface Report {
  readonly keys: number;
  readonly deltas: number;
  readonly opened: number[];
}

/** Copies a SQLite file with its WAL and shared-memory files into a fresh directory. */
export function copyDatabase(file: string): { file: string; dispose: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fv-attack-'));
  const target = path.join(dir, path.basename(file));
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(file + suffix)) copyFileSync(file + suffix, target + suffix);
  }
  return { file: target, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every workspace key the device's vault holds, read with the vault key from the OS keychain. */
export async function deviceKeys(dataDir: string, service: string): Promise<Uint8Array[]> {
  const manifest = JSON.parse(readFileSync(path.join(dataDir, 'vault', 'manifest.json'), 'utf8')) as {
    vaultId: string;
  };
  // The vault's own key store: the keychain's unlock key opens the wrapped key set next to the vault.
  const keystore = new VaultKeystore(new KeytarKeychain(service), new VaultLayout(dataDir));
  const set = await keystore.load(manifest.vaultId);
  keystore.forget();
  const copy = copyDatabase(path.join(dataDir, 'vault', 'vault.db'));
  try {
    const db = openEncryptedDatabase(copy.file, set.keys[0]!.key);
    try {
      return db
        .prepare<[], { secret: Buffer }>("SELECT secret FROM sync_keys WHERE kind = 'workspace'")
        .all()
        .map((r) => new Uint8Array(r.secret));
    } finally {
      db.close();
    }
  } finally {
    zeroKeySet(set);
    copy.dispose();
  }
}

/** Tries every key on every delta of the server's store. */
export async function attack(options: {
  readonly deviceDir: string;
  readonly serverDb: string;
  readonly keychainService?: string;
}): Promise<Report> {
  const keys = await deviceKeys(options.deviceDir, options.keychainService ?? KEYCHAIN_SERVICE);
  const copy = copyDatabase(options.serverDb);
  const db = new Database(copy.file, { readonly: true });
  try {
    const rows = db
      .prepare<
        [],
        {
          seq: number;
          workspace_id: string;
          device_id: string;
          delta_id: string;
          envelope: Buffer;
          sign: Buffer;
        }
      >(
        `SELECT d.seq, d.workspace_id, d.device_id, d.delta_id, d.envelope, v.sign_public_key AS sign
         FROM deltas d JOIN devices v ON v.device_id = d.device_id ORDER BY d.workspace_id, d.seq`,
      )
      .all();
    const opened: number[] = [];
    for (const r of rows) {
      const place = { workspaceId: r.workspace_id, deviceId: r.device_id, deltaId: r.delta_id };
      for (const key of keys) {
        try {
          // Whatever key id the header names, try this key (the attacker has nothing to lose).
          const result = openDelta(new Uint8Array(r.envelope), place, () => key, new Uint8Array(r.sign));
          result.plaintext.fill(0);
          opened.push(r.seq);
          break;
        } catch {
          // Not this key.
        }
      }
    }
    return { keys: keys.length, deltas: rows.length, opened };
  } finally {
    db.close();
    copy.dispose();
    for (const k of keys) k.fill(0);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      device: { type: 'string' },
      'server-db': { type: 'string' },
      'keychain-service': { type: 'string' },
    },
    strict: true,
  });
  if (!values.device || !values['server-db']) {
    process.stderr.write('usage: tsx tools/epoch-attack.ts --device DATA_DIR --server-db SYNC_SQLITE\n');
    process.exit(2);
  }
  const report = await attack({
    deviceDir: values.device,
    serverDb: values['server-db'],
    ...(values['keychain-service'] ? { keychainService: values['keychain-service'] } : {}),
  });
  process.stdout.write(JSON.stringify(report) + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error: unknown) => {
    process.stderr.write(`epoch-attack: ${error instanceof Error ? error.message : 'failed'}\n`);
    process.exit(1);
  });
}
