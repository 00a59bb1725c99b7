import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { changePipeline } from '../../../../electron/services/crm/change.pipeline';
import { contactDef } from '../../../../electron/services/crm/crm.entities';
import {
  applySnapshotChunk,
  type SnapshotChunkJob,
} from '../../../../electron/services/sync/sync.snapshot.chunk';
import { SyncRepository } from '../../../../electron/services/sync/sync.repository';
import { formatHlc } from '../../../../shared/domain/hlc';
import { randomId } from '../../../../shared/sync/device-keys';
import {
  chunkDigest,
  encodeChunkRows,
  sealChunk,
  SnapshotError,
  type SnapshotManifestBody,
  type SnapshotRow,
} from '../../../../shared/sync/snapshot';
import { tempDir } from '../../support/tmp';
import { openReplica } from './support/replica';

const CLOCK = 'clockAAAAAAA';
const WALL = 1_800_000_000_000;

function job(rows: SnapshotRow[], key: Uint8Array, clocks: string[]): SnapshotChunkJob {
  const body: Omit<SnapshotManifestBody, 'chunks'> = {
    v: 1,
    workspaceId: randomId(),
    snapshotId: randomId(),
    deviceId: randomId(),
    epoch: 1,
    seq: 7,
    rows: rows.length,
    heads: [],
    createdAt: WALL,
  };
  const sealed = sealChunk(encodeChunkRows(rows), key, { ...body, index: 0, count: 1 });
  return {
    manifest: { ...body, chunks: [chunkDigest(sealed)] },
    index: 0,
    sealed,
    key: key.slice(),
    clocks,
    at: WALL,
  };
}

function row(n: number, clock: string, fields: Record<string, unknown>): SnapshotRow {
  const id = `0190a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`;
  return [
    randomId(),
    'contact',
    id,
    formatHlc({ wall: WALL + n, counter: 0, deviceId: clock }),
    JSON.stringify(fields),
  ];
}

describe('one snapshot chunk opened and applied where pages are applied', () => {
  it('applies valid rows through the one writer, quarantines invalid ones and zeroes its key copy', () => {
    const r = openReplica(tempDir('fv-chunk-'), 'device', () => WALL);
    try {
      const key = new Uint8Array(randomBytes(32));
      const j = job([row(1, CLOCK, { name: 'Ada' }), row(2, CLOCK, { name: 42 })], key, [CLOCK]);
      const stores = { pipeline: changePipeline(r.crm), repo: new SyncRepository(r.db) };
      expect(applySnapshotChunk(stores, j)).toBe(1);
      expect(j.key.every((b) => b === 0)).toBe(true);
      expect(r.crm.records.get(contactDef, '0190a0b0-0000-7000-8000-000000000001')?.name).toBe('Ada');
      expect(r.crm.records.get(contactDef, '0190a0b0-0000-7000-8000-000000000002')).toBeNull();
      expect(stores.repo.quarantined().map((q) => q.reason)).toEqual(['invalid:bad_value']);
    } finally {
      r.close();
    }
  });

  it('refuses the whole chunk when a stamp names a clock the verified log does not know, and a wrong key', () => {
    const r = openReplica(tempDir('fv-chunk-'), 'device', () => WALL);
    try {
      const key = new Uint8Array(randomBytes(32));
      const stores = { pipeline: changePipeline(r.crm), repo: new SyncRepository(r.db) };
      const reasonOf = (j: SnapshotChunkJob): string => {
        try {
          applySnapshotChunk(stores, j);
          return 'applied';
        } catch (error) {
          return error instanceof SnapshotError ? error.reason : 'other';
        }
      };
      const foreign = job([row(1, CLOCK, { name: 'Ada' }), row(2, 'clockZZZZZZZ', { name: 'Bo' })], key, [
        CLOCK,
      ]);
      expect(reasonOf(foreign)).toBe('bad_rows');
      expect(foreign.key.every((b) => b === 0)).toBe(true);
      const wrongKey = {
        ...job([row(3, CLOCK, { name: 'Cy' })], key, [CLOCK]),
        key: new Uint8Array(32).fill(9),
      };
      expect(reasonOf(wrongKey)).toBe('auth_failed');
      expect(wrongKey.key.every((b) => b === 0)).toBe(true);
      expect(r.db.prepare('SELECT count(*) AS n FROM crm_contacts').get()).toEqual({ n: 0 });
    } finally {
      r.close();
    }
  });
});
