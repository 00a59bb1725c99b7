import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { joinOptionValues } from '../shared/cli/args';
import { readUint32be, uint32be } from '../shared/sync/encoding';
import { checkEpochKey, FIRST_EPOCH, openPreviousKey, unescrowEpochKey } from '../shared/sync/epoch';
import { openDelta } from '../shared/sync/envelope';
import { generateEscrowKeyPair, parseEscrowPrivateKeyFile } from '../electron/services/vault/vault.escrow';
import { verifyMembershipLog, type MembershipEntry } from '../shared/sync/membership';

/**
 * The organisation's escrow of workspace keys (issue 12, item 4).
 *
 *     npx tsx tools/escrow.ts keygen --secret FILE
 *         writes a new escrow private key file (mode 0600; the same format `tools/escrow-recover.ts`
 *         reads, so one key pair recovers both vaults and workspace keys) and prints the public key
 *         to put in IT policy as `escrowKey`
 *     npx tsx tools/escrow.ts recover --secret FILE (--server-db SYNC_SQLITE | --database URL) --workspace ID --out FILE
 *         verifies the workspace's signed membership log from the server's SQLite file or
 *         PostgreSQL database (read only), opens the
 *         escrow copy of each rotation's key, walks back to the epochs before the first escrowed
 *         one, checks every key against its commitment, writes the keys to FILE (mode 0600, binary:
 *         epoch uint32 BE | 32-byte key, per epoch) and prints per epoch how many deltas it opens
 *
 * Keys stay bytes: nothing secret is printed, and buffers are zeroed when written.
 */

function writeSecretFile(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

/** The epoch keys the escrow secret recovers from a verified log, by epoch. */
export function recoverEpochKeys(
  entries: readonly MembershipEntry[],
  workspaceId: string,
  escrowSecretKey: Uint8Array,
): Map<number, Uint8Array> {
  const state = verifyMembershipLog(entries, { workspaceId, genesisHash: null });
  const rotations = new Map<number, Extract<MembershipEntry['body'], { kind: 'rotate' }>>();
  for (const e of entries) if (e.body.kind === 'rotate') rotations.set(e.body.epoch, e.body);
  const keys = new Map<number, Uint8Array>();
  // Newest first: an escrowed key opens every older one through the chain, escrowed or not.
  for (let epoch = state.epoch; epoch > FIRST_EPOCH; epoch--) {
    const body = rotations.get(epoch)!;
    const place = { workspaceId, epoch };
    let key = keys.get(epoch) ?? null;
    if (!key && body.escrow) {
      key = unescrowEpochKey(body.escrow, place, escrowSecretKey);
      if (key && !checkEpochKey(key, place, body.commitment))
        throw new Error(`epoch ${epoch}: commitment mismatch`);
      if (key) keys.set(epoch, key);
    }
    if (!key) continue;
    const previous = openPreviousKey(body.previous, key, place);
    if (!previous) throw new Error(`epoch ${epoch}: the previous key does not open`);
    const committed = rotations.get(epoch - 1)?.commitment;
    if (committed && !checkEpochKey(previous, { workspaceId, epoch: epoch - 1 }, committed))
      throw new Error(`epoch ${epoch - 1}: commitment mismatch`);
    keys.set(epoch - 1, previous);
  }
  return keys;
}

/** What recovery reads from the server's storage: the signed log and the stored deltas. */
interface StoreRows {
  readonly entries: MembershipEntry[];
  readonly deltas: { deviceId: string; deltaId: string; envelope: Uint8Array; sign: Uint8Array }[];
}

const ENTRIES_SQL = 'SELECT entry FROM membership WHERE workspace_id = $1 ORDER BY seq';
const DELTAS_SQL = `SELECT d.device_id, d.delta_id, d.envelope, v.sign_public_key AS sign FROM deltas d
  JOIN devices v ON v.device_id = d.device_id WHERE d.workspace_id = $1 ORDER BY d.seq`;

interface DeltaRow {
  device_id: string;
  delta_id: string;
  envelope: Buffer;
  sign: Buffer;
}

function toRows(entries: { entry: string }[], deltas: DeltaRow[]): StoreRows {
  return {
    entries: entries.map((r) => JSON.parse(r.entry) as MembershipEntry),
    deltas: deltas.map((r) => ({
      deviceId: r.device_id,
      deltaId: r.delta_id,
      envelope: new Uint8Array(r.envelope),
      sign: new Uint8Array(r.sign),
    })),
  };
}

/** The rows of one workspace from the server's SQLite file (read only) or PostgreSQL database. */
async function readStore(
  source: { sqlite?: string; postgres?: string },
  workspaceId: string,
): Promise<StoreRows> {
  if (source.postgres) {
    const client = new pg.Client({ connectionString: source.postgres });
    await client.connect();
    try {
      const entries = await client.query<{ entry: string }>(ENTRIES_SQL, [workspaceId]);
      const deltas = await client.query<DeltaRow>(DELTAS_SQL, [workspaceId]);
      return toRows(entries.rows, deltas.rows);
    } finally {
      await client.end();
    }
  }
  if (!source.sqlite) throw new Error('name the server storage: --server-db FILE or --database URL');
  const db = new Database(source.sqlite, { readonly: true, fileMustExist: true });
  try {
    const sqlite = (sql: string) => sql.replace('$1', '?');
    return toRows(
      db.prepare<[string], { entry: string }>(sqlite(ENTRIES_SQL)).all(workspaceId),
      db.prepare<[string], DeltaRow>(sqlite(DELTAS_SQL)).all(workspaceId),
    );
  } finally {
    db.close();
  }
}

/** Per epoch, how many of the workspace's deltas open with the recovered keys. */
function countOpened(
  rows: StoreRows,
  workspaceId: string,
  keys: Map<number, Uint8Array>,
): Record<number, number> {
  const opened: Record<number, number> = {};
  for (const r of rows.deltas) {
    try {
      const place = { workspaceId, deviceId: r.deviceId, deltaId: r.deltaId };
      const d = openDelta(r.envelope, place, (id) => keys.get(id), r.sign);
      d.plaintext.fill(0);
      const epoch = readUint32be(r.envelope, 1);
      opened[epoch] = (opened[epoch] ?? 0) + 1;
    } catch {
      // Not openable with what the escrow holds.
    }
  }
  return opened;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const options = {
    secret: { type: 'string' },
    'server-db': { type: 'string' },
    database: { type: 'string' },
    workspace: { type: 'string' },
    out: { type: 'string' },
  } as const;
  // Workspace ids are base64url: one in 64 starts with '-'.
  const { values } = parseArgs({ args: joinOptionValues(rest, options), options, strict: true });
  if (command === 'keygen' && values.secret) {
    const pair = generateEscrowKeyPair();
    writeSecretFile(values.secret, new TextEncoder().encode(pair.privateKeyFile));
    process.stdout.write(JSON.stringify({ escrowKey: pair.publicKey }) + '\n');
    return;
  }
  const source = { sqlite: values['server-db'], postgres: values.database };
  if (
    command === 'recover' &&
    values.secret &&
    (source.sqlite ?? source.postgres) &&
    values.workspace &&
    values.out
  ) {
    const rows = await readStore(source, values.workspace);
    const secret = parseEscrowPrivateKeyFile(readFileSync(values.secret, 'utf8'));
    try {
      const keys = recoverEpochKeys(rows.entries, values.workspace, secret);
      const epochs = [...keys.keys()].sort((x, y) => x - y);
      const out = new Uint8Array(epochs.length * 36);
      epochs.forEach((e, i) => {
        out.set(uint32be(e), i * 36);
        out.set(keys.get(e)!, i * 36 + 4);
      });
      writeSecretFile(values.out, out);
      out.fill(0);
      const opened = countOpened(rows, values.workspace, keys);
      for (const k of keys.values()) k.fill(0);
      process.stdout.write(JSON.stringify({ workspaceId: values.workspace, epochs, opened }) + '\n');
    } finally {
      secret.fill(0);
    }
    return;
  }
  process.stderr.write(
    'usage: tsx tools/escrow.ts keygen --secret FILE\n' +
      '       tsx tools/escrow.ts recover --secret FILE (--server-db SYNC_SQLITE | --database POSTGRES_URL) --workspace ID --out FILE\n',
  );
  process.exit(2);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error: unknown) => {
    process.stderr.write(`escrow: ${error instanceof Error ? error.message : 'failed'}\n`);
    process.exit(1);
  });
}
