import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { toBase64Url, uint32be } from '../shared/sync/encoding';
import {
  checkEpochKey,
  FIRST_EPOCH,
  generateEscrowKeyPair,
  openPreviousKey,
  unescrowEpochKey,
} from '../shared/sync/epoch';
import { openDelta } from '../shared/sync/envelope';
import { verifyMembershipLog, type MembershipEntry } from '../shared/sync/membership';

/**
 * The organisation's escrow of workspace keys (issue 12, item 4).
 *
 *     npx tsx tools/escrow.ts keygen --secret FILE
 *         writes a new X25519 secret key (32 bytes, mode 0600) and prints the public key to put in
 *         IT policy as `escrowKey`
 *     npx tsx tools/escrow.ts recover --secret FILE --server-db SYNC_SQLITE --workspace ID --out FILE
 *         verifies the workspace's signed membership log from the server's SQLite file, opens the
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

/** Per epoch, how many of the workspace's deltas in the server's store open with the recovered key. */
function countOpened(
  db: Database.Database,
  workspaceId: string,
  keys: Map<number, Uint8Array>,
): Record<number, number> {
  const rows = db
    .prepare<[string], { device_id: string; delta_id: string; envelope: Buffer; sign: Buffer }>(
      `SELECT d.device_id, d.delta_id, d.envelope, v.sign_public_key AS sign FROM deltas d
       JOIN devices v ON v.device_id = d.device_id WHERE d.workspace_id = ?`,
    )
    .all(workspaceId);
  const opened: Record<number, number> = {};
  for (const r of rows) {
    try {
      const place = { workspaceId, deviceId: r.device_id, deltaId: r.delta_id };
      const d = openDelta(new Uint8Array(r.envelope), place, (id) => keys.get(id), new Uint8Array(r.sign));
      d.plaintext.fill(0);
      const epoch = r.envelope.readUInt32BE(1);
      opened[epoch] = (opened[epoch] ?? 0) + 1;
    } catch {
      // Not openable with what the escrow holds.
    }
  }
  return opened;
}

function main(): void {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      secret: { type: 'string' },
      'server-db': { type: 'string' },
      workspace: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (command === 'keygen' && values.secret) {
    const pair = generateEscrowKeyPair();
    writeSecretFile(values.secret, pair.secretKey);
    pair.secretKey.fill(0);
    process.stdout.write(JSON.stringify({ escrowKey: toBase64Url(pair.publicKey) }) + '\n');
    return;
  }
  if (command === 'recover' && values.secret && values['server-db'] && values.workspace && values.out) {
    const secret = new Uint8Array(readFileSync(values.secret));
    const db = new Database(values['server-db'], { readonly: true });
    try {
      const entries = db
        .prepare<[string], { entry: string }>(
          'SELECT entry FROM membership WHERE workspace_id = ? ORDER BY seq',
        )
        .all(values.workspace)
        .map((r) => JSON.parse(r.entry) as MembershipEntry);
      const keys = recoverEpochKeys(entries, values.workspace, secret);
      const epochs = [...keys.keys()].sort((x, y) => x - y);
      const out = new Uint8Array(epochs.length * 36);
      epochs.forEach((e, i) => {
        out.set(uint32be(e), i * 36);
        out.set(keys.get(e)!, i * 36 + 4);
      });
      writeSecretFile(values.out, out);
      out.fill(0);
      const opened = countOpened(db, values.workspace, keys);
      for (const k of keys.values()) k.fill(0);
      process.stdout.write(JSON.stringify({ workspaceId: values.workspace, epochs, opened }) + '\n');
    } finally {
      db.close();
      secret.fill(0);
    }
    return;
  }
  process.stderr.write(
    'usage: tsx tools/escrow.ts keygen --secret FILE\n' +
      '       tsx tools/escrow.ts recover --secret FILE --server-db SYNC_SQLITE --workspace ID --out FILE\n',
  );
  process.exit(2);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`escrow: ${error instanceof Error ? error.message : 'failed'}\n`);
    process.exit(1);
  }
}
