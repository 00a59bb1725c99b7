import { CUSTOM_VALUES_FIELD } from '../../../shared/domain/custom-fields';
import { AppError } from '../../../shared/errors';
import { signCompaction } from '../../../shared/sync/compaction';
import { randomId } from '../../../shared/sync/device-keys';
import { fromBase64Url, toBase64Url } from '../../../shared/sync/encoding';
import {
  checkChunk,
  chunkDigest,
  encodeChunkRows,
  sealChunk,
  signManifest,
  SNAPSHOT_CHUNK_BYTES,
  parseManifest,
  SnapshotError,
  verifyManifest,
  type SnapshotManifestBody,
  type SnapshotRow,
} from '../../../shared/sync/snapshot';
import { isActiveManager } from '../../../shared/sync/membership';
import type { SyncStatus } from '../../../shared/sync/sync.contract';
import type { ChangePipeline } from '../crm/change.pipeline';
import type { Logger } from '../log/logger';
import type { SyncInbox } from './sync.inbox';
import type { SyncMembership } from './sync.membership';
import type { SyncSession } from './sync.session';

/** How long a failed snapshot renewal waits before a cycle tries again. */
const RENEW_RETRY_MS = 15 * 60_000;

/** What `sync.snapshot` answers. */
export interface SnapshotMade {
  readonly snapshotId: string;
  readonly seq: number;
  readonly epoch: number;
  readonly chunks: number;
  readonly rows: number;
}

/**
 * Compacts op-log rows (sorted by record, then HLC) into the rows a snapshot needs: a field written
 * again later in the same record is dropped from the older row, rows left without fields go. Custom
 * field values merge per field inside their JSON, so every row's `custom` entry is kept.
 */
export function* compactRows(
  rows: IterableIterator<[string, string, string, string, string]>,
): Generator<SnapshotRow> {
  let group: [string, string, string, string, string][] = [];
  function* flush(): Generator<SnapshotRow> {
    if (group.length === 1) yield group[0]!;
    else if (group.length > 1) {
      const parsed = group.map((r) => JSON.parse(r[4]) as Record<string, unknown>);
      const owner = new Map<string, number>();
      parsed.forEach((fields, i) => {
        for (const f of Object.keys(fields)) {
          if (f === CUSTOM_VALUES_FIELD) continue;
          const before = owner.get(f);
          if (before !== undefined) delete parsed[before]![f];
          owner.set(f, i);
        }
      });
      for (let i = 0; i < group.length; i++) {
        const fields = parsed[i]!;
        if (Object.keys(fields).length === 0) continue;
        const [opId, entity, recordId, hlc] = group[i]!;
        yield [opId, entity, recordId, hlc, JSON.stringify(fields)];
      }
    }
    group = [];
  }
  for (const r of rows) {
    if (group.length > 0 && group[0]![2] !== r[2]) yield* flush();
    group.push(r);
  }
  yield* flush();
}

/**
 * Encrypted snapshots (issue 12 item 2) on the device side. `create` (owners and admins, after a
 * full cycle so the state is exactly the log up to the cursor) compacts the op log into chunks,
 * seals each under the current epoch key bound to its place, uploads them and commits the signed
 * manifest. `bootstrap` (a vault whose cursor is 0) downloads the committed snapshot, checks the
 * manifest's signature against the verified membership log (an owner or admin made it, for this
 * workspace), checks every chunk against the digest the manifest names before anything is applied,
 * then has each chunk opened and applied where pages are applied (sync.snapshot.chunk.ts) through
 * the CRM's one writer with the validation remote ops get, takes over
 * the authors' chains at the snapshot's seq and moves the cursor there: the inbox pulls only the
 * tail. Any failure is a typed `SNAPSHOT_REJECTED` and leaves the cursor (and every local edit).
 */
export class SyncSnapshots {
  /** The membership log seq at which the committed snapshot's maker was last found authorised. */
  private makerCheckedAt = -1;
  /** No renewal before this time (ms): the last attempt failed. */
  private renewRetryAt = 0;

  constructor(
    private readonly session: SyncSession,
    private readonly membership: SyncMembership,
    private readonly inbox: SyncInbox,
    private readonly pipeline: () => ChangePipeline,
    private readonly options: {
      readonly logger: Logger;
      readonly now: () => number;
      readonly onProgress: (progress: NonNullable<SyncStatus['progress']>) => void;
    },
  ) {}

  /** Makes and uploads a snapshot of everything up to the cursor; the caller has just synced. */
  async create(): Promise<SnapshotMade> {
    // A role granted or taken a moment ago counts: joiners verify the maker against the newest log.
    await this.membership.refresh();
    const self = this.membership.self();
    if (!isActiveManager(self))
      throw new AppError('FORBIDDEN', 'Only owners and admins make workspace snapshots');
    const { ws, keys } = this.session.require();
    const { keyId: epoch, key } = this.session.latestWorkspaceKey();
    const snapshotId = randomId();
    const seq = ws.cursor;
    // Plaintext chunks first (one pass over the op log, no await while its statement is open).
    const plain: Uint8Array[] = [];
    let batch: SnapshotRow[] = [];
    let size = 0;
    let rows = 0;
    for (const r of compactRows(this.pipeline().settledByRecord())) {
      batch.push(r);
      rows++;
      size += r[0].length + r[1].length + r[2].length + r[3].length + r[4].length + 16;
      if (size >= SNAPSHOT_CHUNK_BYTES) {
        plain.push(encodeChunkRows(batch));
        batch = [];
        size = 0;
      }
    }
    if (batch.length > 0 || plain.length === 0) plain.push(encodeChunkRows(batch));
    const count = plain.length;
    const digests: string[] = [];
    for (let index = 0; index < count; index++) {
      const sealed = sealChunk(plain[index]!, key, {
        workspaceId: ws.workspaceId,
        epoch,
        snapshotId,
        index,
        count,
        seq,
      });
      plain[index] = new Uint8Array(0);
      digests.push(chunkDigest(sealed));
      const text = toBase64Url(sealed);
      await this.session.api((api, workspaceId) =>
        api.putSnapshotChunk(workspaceId, snapshotId, index, text),
      );
      this.options.onProgress({ phase: 'snapshot', done: index + 1, total: count });
    }
    const heads = this.inbox.chain.repo
      .heads()
      .filter((h) => h.digest.length === 32)
      .map((h) => ({ deviceId: h.deviceId, dseq: h.dseq, digest: toBase64Url(h.digest) }));
    const body: SnapshotManifestBody = {
      v: 1,
      workspaceId: ws.workspaceId,
      snapshotId,
      deviceId: ws.deviceId,
      epoch,
      seq,
      chunks: digests,
      rows,
      heads,
      createdAt: this.options.now(),
    };
    const manifest = signManifest(body, keys.sign);
    await this.session.api((api, workspaceId) => api.commitSnapshot(workspaceId, manifest));
    this.options.logger.log('info', 'sync.snapshotMade', { snapshotId, seq, chunks: count, rows });
    return { snapshotId, seq, epoch, chunks: count, rows };
  }

  /**
   * Asks the server to delete the deltas the snapshot `made` supersedes (issue 12 item 3), by a
   * statement this owner or admin device signs: the server deletes nothing on any other.
   */
  async compact(made: {
    snapshotId: string;
    seq: number;
  }): Promise<{ compactedSeq: number; deleted: number }> {
    const { ws, keys } = this.session.require();
    if (made.seq === 0) return { compactedSeq: 0, deleted: 0 };
    const statement = signCompaction(
      {
        v: 1,
        workspaceId: ws.workspaceId,
        snapshotId: made.snapshotId,
        deviceId: ws.deviceId,
        seq: made.seq,
        createdAt: this.options.now(),
      },
      keys.sign,
    );
    const done = await this.session.api((api, workspaceId) => api.compactLog(workspaceId, statement));
    this.inbox.chain.repo.dropOwnEnvelopesThrough(done.compactedSeq);
    this.options.logger.log('info', 'sync.logCompacted', { seq: done.compactedSeq, deleted: done.deleted });
    return done;
  }

  /**
   * Bootstraps an empty cursor from the committed snapshot, if there is one. Returns the seq the
   * cursor moved to (0: no snapshot). Throws `SnapshotError` for anything it refuses.
   *
   * `compacted`: the server said the deltas after this vault's cursor were compacted away (a device
   * that was offline): the snapshot is applied over the local state through the same writer (ops
   * apply idempotently by op id and merge by HLC, so pending local edits stay pending and are pushed
   * afterwards), and the cursor moves to the snapshot's seq.
   */
  async bootstrap(options: { compacted?: boolean } = {}): Promise<number> {
    const { ws } = this.session.require();
    if (ws.cursor !== 0 && !options.compacted) return ws.cursor;
    const latest = await this.session.api((api, workspaceId) => api.latestSnapshot(workspaceId));
    if (!latest.manifest) {
      if (options.compacted) throw new SnapshotError('truncated');
      return 0;
    }
    let manifest: SnapshotManifestBody;
    try {
      manifest = await this.verified(latest.manifest, ws.workspaceId);
    } catch (error) {
      // Its maker was revoked or demoted since (an admin device replaces it at its next cycle):
      // while the server's log is whole, the deltas are replayed instead, each one verified.
      if (options.compacted || !(error instanceof SnapshotError) || error.reason !== 'not_authorised')
        throw error;
      this.options.logger.log('warn', 'sync.snapshotSkipped', { reason: error.reason });
      return 0;
    }
    // After a compaction only a snapshot past the cursor can cover what was deleted.
    if (options.compacted && manifest.seq <= ws.cursor) throw new SnapshotError('truncated');
    if (manifest.seq === 0) return 0;
    await this.membership.ensureKeys([manifest.epoch]);
    const key = this.session.require().keys.workspace.get(manifest.epoch);
    if (!key) throw new SnapshotError('unknown_key');
    const count = manifest.chunks.length;
    const total = count * 2;
    // Every chunk is fetched and checked against the signed manifest before anything is applied.
    const sealed: Uint8Array[] = [];
    for (let index = 0; index < count; index++) {
      let answer: { index: number; chunk: string };
      try {
        answer = await this.session.api((api, workspaceId) =>
          api.snapshotChunk(workspaceId, manifest.snapshotId, index),
        );
      } catch (error) {
        if (error instanceof AppError && (error.code === 'NOT_FOUND' || error.code === 'VALIDATION'))
          throw new SnapshotError('truncated');
        throw error;
      }
      const bytes = fromBase64Url(answer.chunk);
      // The signed manifest names each chunk's digest: exactly the chunks its maker sealed. Opening
      // (which also authenticates the place) happens where the rows are applied.
      checkChunk(bytes, manifest, index);
      sealed.push(bytes);
      this.options.onProgress({ phase: 'snapshot', done: index + 1, total });
    }
    // Every op must carry the clock id of a device the verified log knows.
    const clocks = [...(this.membership.state()?.members.values() ?? [])].map((m) => m.device.clockId);
    for (let index = 0; index < count; index++) {
      const chunk = sealed[index]!;
      sealed[index] = new Uint8Array(0);
      await this.inbox.applySnapshotChunk({
        manifest,
        index,
        sealed: chunk,
        key: key.slice(),
        clocks,
        at: this.options.now(),
      });
      this.options.onProgress({ phase: 'snapshot', done: count + index + 1, total });
    }
    const pipeline = this.pipeline();
    pipeline.transaction(() => {
      for (const h of manifest.heads)
        this.inbox.chain.repo.seedHead(h.deviceId, h.dseq, fromBase64Url(h.digest));
      this.session.repo.setCursor(manifest.seq);
      // After a compaction the server holds none of the deltas the snapshot covers: their sealed
      // copies kept here for re-pushing go too (they may hold what an erasure removed).
      if (options.compacted) this.inbox.chain.repo.dropOwnEnvelopesThrough(manifest.seq);
    });
    this.session.refresh();
    this.options.logger.log('info', 'sync.snapshotApplied', {
      snapshotId: manifest.snapshotId,
      seq: manifest.seq,
      chunks: count,
    });
    return manifest.seq;
  }

  /**
   * Replaces the committed snapshot when the verified log no longer lets its maker sign one (it was
   * revoked, left or was demoted): joiners would refuse it, and once the log is compacted they could
   * not start at all. Runs on an active owner or admin device, after its cycle's push; reads only
   * the manifest, once per change of the membership log. Returns the snapshot made, or null.
   */
  async renewIfOrphaned(): Promise<SnapshotMade | null> {
    const state = this.membership.state();
    const self = this.membership.self();
    if (!state || state.seq === this.makerCheckedAt || this.options.now() < this.renewRetryAt) return null;
    if (!isActiveManager(self)) return null;
    try {
      const latest = await this.session.api((api, workspaceId) => api.latestSnapshot(workspaceId));
      let made: SnapshotMade | null = null;
      if (latest.manifest && !this.signerKey(makerOf(latest.manifest))) {
        made = await this.create();
        this.options.logger.log('info', 'sync.snapshotRenewed', { snapshotId: made.snapshotId });
      }
      this.makerCheckedAt = state.seq;
      return made;
    } catch (error) {
      // A server that keeps refusing (or keeps serving an orphaned manifest) costs one whole
      // snapshot per back-off, not one per cycle.
      this.renewRetryAt = this.options.now() + RENEW_RETRY_MS;
      throw error;
    }
  }

  /** The signing key of an active owner or admin in the verified log, or null for anyone else. */
  private signerKey(deviceId: string | null): Uint8Array | null {
    const m = deviceId === null ? undefined : this.membership.state()?.members.get(deviceId);
    return m && isActiveManager(m) ? fromBase64Url(m.device.signPublicKey) : null;
  }

  /** The manifest once the verified log says an active owner or admin of this workspace signed it. */
  private async verified(
    signed: { json: string; signature: string },
    workspaceId: string,
  ): Promise<SnapshotManifestBody> {
    const id = makerOf(signed);
    if (id) await this.membership.ensure([id]);
    return verifyManifest(signed, workspaceId, (deviceId) => this.signerKey(deviceId));
  }
}

/** The device a manifest names as its maker (unverified), or null when it does not parse. */
function makerOf(signed: { json: string; signature: string }): string | null {
  try {
    return parseManifest(signed).deviceId;
  } catch {
    return null;
  }
}
