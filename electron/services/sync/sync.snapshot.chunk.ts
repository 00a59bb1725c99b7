import { parseHlc } from '../../../shared/domain/hlc';
import {
  decodeChunkRows,
  openChunk,
  SnapshotError,
  type SnapshotManifestBody,
} from '../../../shared/sync/snapshot';
import type { Change } from '../crm/change.pipeline';
import type { PageStores } from './sync.page';

/**
 * One sealed snapshot chunk to open and apply where pages are applied (a database worker in the app,
 * inline otherwise). Plain data, so it crosses to a worker as it is.
 */
export interface SnapshotChunkJob {
  /** The manifest body main verified against the membership log: names the digest and binds the place. */
  readonly manifest: SnapshotManifestBody;
  readonly index: number;
  /** The chunk as downloaded (main checked every chunk's digest before applying any). */
  readonly sealed: Uint8Array;
  /** A copy of the manifest epoch's key (its own buffer: it is transferred); applying zeroes it. */
  readonly key: Uint8Array;
  /** The clock ids of the devices the verified membership log knows. */
  readonly clocks: readonly string[];
  /** When the rows are recorded (ms, main's clock); also the drift reference of their stamps. */
  readonly at: number;
}

/**
 * Opens one snapshot chunk (digest and place checked again: the function is safe on its own),
 * decodes its rows, refuses the chunk (`SnapshotError('bad_rows')`) when a row's stamp names a clock
 * the verified log does not know, and applies the rows through the one writer in one transaction;
 * invalid ones are quarantined as remote ops are (under the snapshot's id). Returns how many were
 * quarantined. The key copy and the plaintext are zeroed whatever happens.
 */
export function applySnapshotChunk(
  stores: Pick<PageStores, 'pipeline' | 'repo'>,
  job: SnapshotChunkJob,
): number {
  let plain: Uint8Array | null = null;
  try {
    plain = openChunk(job.sealed, job.key, job.manifest, job.index);
    const clocks = new Set(job.clocks);
    const changes: Change[] = decodeChunkRows(plain).map(([opId, entity, recordId, hlc, fields]) => {
      const deviceId = parseHlc(hlc)?.deviceId ?? '';
      if (!clocks.has(deviceId)) throw new SnapshotError('bad_rows');
      return { opId, entity, recordId, hlc, fields, deviceId };
    });
    return applyRows(stores, job, changes);
  } finally {
    job.key.fill(0);
    plain?.fill(0);
  }
}

function applyRows(
  { pipeline, repo }: Pick<PageStores, 'pipeline' | 'repo'>,
  job: SnapshotChunkJob,
  changes: readonly Change[],
): number {
  const { snapshotId, seq, createdAt } = job.manifest;
  return pipeline.transaction(() => {
    const result = pipeline.applyRemote(changes, { referenceMs: job.at });
    for (const r of result.rejected) {
      repo.addQuarantine(
        {
          opId: r.change.opId,
          entity: r.change.entity,
          recordId: r.change.recordId,
          hlc: r.change.hlc,
          deviceId: r.change.deviceId,
          deltaId: snapshotId,
          seq,
          reason: `invalid:${r.reason}`,
          receivedAt: createdAt,
        },
        job.at,
      );
    }
    return result.rejected.length;
  });
}
