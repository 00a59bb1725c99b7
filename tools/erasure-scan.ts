import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { ed25519 } from '@noble/curves/ed25519.js';
import { openEncryptedDatabase, type Db } from '../electron/services/db/database';
import { KEYCHAIN_SERVICE, KeytarKeychain } from '../electron/services/keychain/keychain.keytar';
import { zeroKeySet } from '../electron/services/vault/vault.keyset';
import { VaultKeystore } from '../electron/services/vault/vault.keystore';
import { VaultLayout } from '../electron/services/vault/vault.layout';
import { openDelta } from '../shared/sync/envelope';
import { openChunk, parseManifest } from '../shared/sync/snapshot';
import { copyDatabase, deviceKeys } from './epoch-attack';

/**
 * Does erased data survive anywhere? (issue 12 item 3's black box.)
 *
 *     npx tsx tools/erasure-scan.ts --device DATA_DIR --server-db SYNC_SQLITE --needle TEXT [--needle TEXT]
 *       [--vault DATA_DIR] [--keychain-service S]
 *
 * Takes every workspace key (every epoch) the `--device` vault holds, opens every delta of the
 * server's SQLite copy and every chunk of its committed snapshot with each key, and counts, per
 * needle (case-insensitive), the plaintexts that contain it; also searches the server file's raw
 * bytes. With `--vault`, also opens that device's vault with its keychain key and searches every
 * value of every table (search index included), and opens its own sealed envelopes with its keys. Prints one JSON line of counts; never a key, a
 * needle or any plaintext.
 */

export interface ScanReport {
  readonly keys: number;
  readonly deltas: number;
  readonly deltasOpened: number;
  readonly chunks: number;
  readonly chunksOpened: number;
  /** Per needle, in order: plaintexts (deltas and chunks) of the server that contain it. */
  readonly serverMatches: number[];
  /** Per needle: occurrences in the server database's raw bytes (file, WAL). */
  readonly rawMatches: number[];
  /** Per needle: values in the `--vault` device's tables that contain it (null without `--vault`). */
  readonly vaultMatches: number[] | null;
  readonly vaultValues: number | null;
  /** Own sealed envelopes the `--vault` device keeps (own deltas, outbox) that its keys opened. */
  readonly vaultSealedOpened: number | null;
}

const lower = (text: string) => text.toLowerCase();

function count(haystack: string, needles: readonly string[], into: number[]): void {
  const h = lower(haystack);
  needles.forEach((n, i) => {
    if (h.includes(lower(n))) into[i]! += 1;
  });
}

/** Every value of every table of a device's vault, opened with the key its OS keychain holds. */
async function scanVault(
  dataDir: string,
  service: string,
  needles: readonly string[],
): Promise<{ matches: number[]; values: number; sealed: number }> {
  const manifest = JSON.parse(readFileSync(path.join(dataDir, 'vault', 'manifest.json'), 'utf8')) as {
    vaultId: string;
  };
  const keystore = new VaultKeystore(new KeytarKeychain(service), new VaultLayout(dataDir));
  const set = await keystore.load(manifest.vaultId);
  keystore.forget();
  const copy = copyDatabase(path.join(dataDir, 'vault', 'vault.db'));
  const matches = needles.map(() => 0);
  let values = 0;
  let sealed: number;
  try {
    const db = openEncryptedDatabase(copy.file, set.keys[0]!.key);
    try {
      const tables = db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all();
      for (const { name } of tables) {
        const quoted = `"${name.replace(/"/g, '""')}"`;
        for (const r of db.prepare<[], Record<string, unknown>>(`SELECT * FROM ${quoted}`).all()) {
          for (const v of Object.values(r)) {
            values++;
            if (typeof v === 'string') count(v, needles, matches);
            else if (Buffer.isBuffer(v)) count(v.toString('latin1'), needles, matches);
          }
        }
      }
      sealed = openOwnEnvelopes(db, needles, matches);
    } finally {
      db.close();
    }
  } finally {
    zeroKeySet(set);
    copy.dispose();
  }
  return { matches, values, sealed };
}

/**
 * The sealed envelopes a vault keeps of its own deltas (and its outbox), opened with the workspace
 * keys the same vault holds: what whoever holds the vault can read of them.
 */
function openOwnEnvelopes(db: Db, needles: readonly string[], matches: number[]): number {
  const ws = db
    .prepare<[], { workspace_id: string; device_id: string }>(
      'SELECT workspace_id, device_id FROM sync_workspace WHERE id = 1',
    )
    .get();
  if (!ws) return 0;
  const sign = db
    .prepare<[], { secret: Buffer; public: Buffer | null }>(
      "SELECT secret, public FROM sync_keys WHERE kind = 'sign'",
    )
    .get();
  if (!sign) return 0;
  const signPublic = sign.public
    ? new Uint8Array(sign.public)
    : ed25519.getPublicKey(new Uint8Array(sign.secret));
  const keys = db
    .prepare<[], { secret: Buffer }>("SELECT secret FROM sync_keys WHERE kind = 'workspace'")
    .all()
    .map((r) => new Uint8Array(r.secret));
  const envelopes = [
    ...db
      .prepare<[], { id: string; envelope: Buffer }>('SELECT delta_id AS id, envelope FROM sync_own_deltas')
      .all(),
    ...db
      .prepare<[], { id: string; envelope: Buffer }>('SELECT delta_id AS id, envelope FROM sync_outbox')
      .all(),
  ];
  let opened = 0;
  for (const e of envelopes) {
    if (e.envelope.length === 0) continue;
    const place = { workspaceId: ws.workspace_id, deviceId: ws.device_id, deltaId: e.id };
    for (const key of keys) {
      try {
        const r = openDelta(new Uint8Array(e.envelope), place, () => key, signPublic);
        count(Buffer.from(r.plaintext).toString('utf8'), needles, matches);
        r.plaintext.fill(0);
        opened++;
        break;
      } catch {
        // Not this key.
      }
    }
  }
  for (const k of keys) k.fill(0);
  return opened;
}

export async function scan(options: {
  readonly deviceDir: string;
  readonly serverDb: string;
  readonly needles: readonly string[];
  readonly vaultDir?: string;
  readonly keychainService?: string;
}): Promise<ScanReport> {
  const service = options.keychainService ?? KEYCHAIN_SERVICE;
  const { needles } = options;
  const keys = await deviceKeys(options.deviceDir, service);
  const copy = copyDatabase(options.serverDb);
  const serverMatches = needles.map(() => 0);
  const rawMatches = needles.map(() => 0);
  let deltasOpened = 0;
  let chunksOpened = 0;
  let deltas: number;
  let chunks: number;
  try {
    for (const suffix of ['', '-wal']) {
      try {
        count(readFileSync(copy.file + suffix).toString('latin1'), needles, rawMatches);
      } catch {
        // No WAL file.
      }
    }
    const db = new Database(copy.file, { readonly: true });
    try {
      const rows = db
        .prepare<
          [],
          { workspace_id: string; device_id: string; delta_id: string; envelope: Buffer; sign: Buffer }
        >(
          `SELECT d.workspace_id, d.device_id, d.delta_id, d.envelope, v.sign_public_key AS sign
           FROM deltas d JOIN devices v ON v.device_id = d.device_id ORDER BY d.workspace_id, d.seq`,
        )
        .all();
      deltas = rows.length;
      for (const r of rows) {
        const place = { workspaceId: r.workspace_id, deviceId: r.device_id, deltaId: r.delta_id };
        for (const key of keys) {
          try {
            const opened = openDelta(new Uint8Array(r.envelope), place, () => key, new Uint8Array(r.sign));
            count(Buffer.from(opened.plaintext).toString('utf8'), needles, serverMatches);
            opened.plaintext.fill(0);
            deltasOpened++;
            break;
          } catch {
            // Not this key.
          }
        }
      }
      const snapshots = db
        .prepare<[], { workspace_id: string; snapshot_id: string; manifest: string; signature: string }>(
          'SELECT workspace_id, snapshot_id, manifest, signature FROM snapshots',
        )
        .all();
      chunks = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM snapshot_chunks').get()!.n;
      for (const s of snapshots) {
        const manifest = parseManifest({ json: s.manifest, signature: s.signature });
        const stored = db
          .prepare<[string, string], { idx: number; chunk: Buffer }>(
            'SELECT idx, chunk FROM snapshot_chunks WHERE workspace_id = ? AND snapshot_id = ? ORDER BY idx',
          )
          .all(s.workspace_id, s.snapshot_id);
        for (const c of stored) {
          for (const key of keys) {
            try {
              const plain = openChunk(new Uint8Array(c.chunk), key, manifest, c.idx);
              count(Buffer.from(plain).toString('utf8'), needles, serverMatches);
              plain.fill(0);
              chunksOpened++;
              break;
            } catch {
              // Not this key.
            }
          }
        }
      }
    } finally {
      db.close();
    }
  } finally {
    copy.dispose();
    for (const k of keys) k.fill(0);
  }
  const vault = options.vaultDir ? await scanVault(options.vaultDir, service, needles) : null;
  return {
    keys: keys.length,
    deltas,
    deltasOpened,
    chunks,
    chunksOpened,
    serverMatches,
    rawMatches,
    vaultMatches: vault?.matches ?? null,
    vaultValues: vault?.values ?? null,
    vaultSealedOpened: vault?.sealed ?? null,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      device: { type: 'string' },
      'server-db': { type: 'string' },
      needle: { type: 'string', multiple: true },
      vault: { type: 'string' },
      'keychain-service': { type: 'string' },
    },
    strict: true,
  });
  if (!values.device || !values['server-db'] || !values.needle?.length) {
    process.stderr.write(
      'usage: tsx tools/erasure-scan.ts --device DATA_DIR --server-db SYNC_SQLITE --needle TEXT [--vault DATA_DIR]\n',
    );
    process.exit(2);
  }
  const report = await scan({
    deviceDir: values.device,
    serverDb: values['server-db'],
    needles: values.needle,
    ...(values.vault ? { vaultDir: values.vault } : {}),
    ...(values['keychain-service'] ? { keychainService: values['keychain-service'] } : {}),
  });
  process.stdout.write(JSON.stringify(report) + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error: unknown) => {
    process.stderr.write(`erasure-scan: ${error instanceof Error ? error.message : 'failed'}\n`);
    process.exit(1);
  });
}
