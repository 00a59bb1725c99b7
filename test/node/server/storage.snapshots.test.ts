import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceRecord, SyncStorage } from '../../../server/storage/storage';
import { randomId } from '../../../shared/sync/device-keys';
import { deviceRecord, postgresBackend, sqliteBackend, usePostgresCluster, type Backend } from './backends';

const device = (workspaceId: string): DeviceRecord =>
  deviceRecord(workspaceId, { createdAt: 1_000, role: 'owner' });

const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('base64url');

describe.each([sqliteBackend, postgresBackend])(
  'storage snapshots (schema v5): $name',
  (backend: Backend) => {
    if (backend.name === 'postgres') usePostgresCluster();
    const open: SyncStorage[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    it('commits only complete, matching chunks within the log at the current epoch, and keeps the latest', async () => {
      const { storage } = await backend.open();
      open.push(storage);
      const ws = randomId();
      const owner = device(ws);
      await storage.appendMembership(ws, { seq: 0, json: '{"g":1}' }, { kind: 'genesis', device: owner }, 1);
      for (let i = 0; i < 3; i++)
        await storage.appendDeltas(
          ws,
          owner.deviceId,
          [{ deltaId: randomId(), envelope: new Uint8Array(randomBytes(100)), epoch: 1 }],
          2,
        );
      const chunks = [new Uint8Array(randomBytes(300)), new Uint8Array(randomBytes(200))];
      const first = randomId();
      const commit = (snapshotId: string, seq: number, digests: string[], epoch = 1) =>
        storage.commitSnapshot({
          workspaceId: ws,
          snapshotId,
          deviceId: owner.deviceId,
          epoch,
          seq,
          manifest: '{}',
          signature: 's',
          createdAt: 3,
          digests,
        });
      expect(await storage.putSnapshotChunk(ws, first, 0, chunks[0]!)).toBe(true);
      // Chunk 1 missing, then altered.
      expect(await commit(first, 2, chunks.map(digest))).toEqual({ kind: 'chunks', index: 1 });
      await storage.putSnapshotChunk(ws, first, 1, new Uint8Array(randomBytes(200)));
      expect(await commit(first, 2, chunks.map(digest))).toEqual({ kind: 'chunks', index: 1 });
      await storage.putSnapshotChunk(ws, first, 1, chunks[1]!);
      expect(await commit(first, 4, chunks.map(digest))).toEqual({ kind: 'beyond_log', latestSeq: 3 });
      expect(await commit(first, 2, chunks.map(digest), 2)).toEqual({ kind: 'epoch', epoch: 1 });
      expect(await storage.latestSnapshot(ws)).toBeNull();
      expect(await commit(first, 2, chunks.map(digest))).toEqual({ kind: 'committed' });
      expect((await storage.latestSnapshot(ws))?.seq).toBe(2);
      expect(Buffer.from((await storage.snapshotChunk(ws, first, 1))!)).toEqual(Buffer.from(chunks[1]!));
      // A committed snapshot's chunks cannot be replaced; an unknown snapshot serves nothing.
      expect(await storage.putSnapshotChunk(ws, first, 0, chunks[1]!)).toBe(false);
      expect(await storage.snapshotChunk(ws, randomId(), 0)).toBeNull();

      // A later snapshot replaces it (and its chunks go); an older one is refused.
      const second = randomId();
      await storage.putSnapshotChunk(ws, second, 0, chunks[0]!);
      expect(await commit(second, 3, [digest(chunks[0]!)])).toEqual({ kind: 'committed' });
      expect((await storage.latestSnapshot(ws))?.snapshotId).toBe(second);
      expect(await storage.snapshotChunk(ws, first, 0)).toBeNull();
      const third = randomId();
      await storage.putSnapshotChunk(ws, third, 0, chunks[0]!);
      expect(await commit(third, 1, [digest(chunks[0]!)])).toEqual({ kind: 'older', seq: 3 });
    });

    it('compacts (schema v7) only up to the committed snapshot, and records how far', async () => {
      const { storage } = await backend.open();
      open.push(storage);
      const ws = randomId();
      const owner = device(ws);
      await storage.appendMembership(ws, { seq: 0, json: '{"g":1}' }, { kind: 'genesis', device: owner }, 1);
      for (let i = 0; i < 4; i++)
        await storage.appendDeltas(
          ws,
          owner.deviceId,
          [{ deltaId: randomId(), envelope: new Uint8Array(randomBytes(100)), epoch: 1 }],
          2,
        );
      const seqs = async () => (await storage.pullDeltas(ws, 0, 100, 1 << 24)).map((d) => d.seq);
      const snapshotId = randomId();
      expect(await storage.compactLog(ws, snapshotId, 2)).toEqual({ kind: 'not_committed_snapshot' });
      const chunk = new Uint8Array(randomBytes(50));
      await storage.putSnapshotChunk(ws, snapshotId, 0, chunk);
      expect(
        await storage.commitSnapshot({
          workspaceId: ws,
          snapshotId,
          deviceId: owner.deviceId,
          epoch: 1,
          seq: 3,
          manifest: '{}',
          signature: 's',
          createdAt: 3,
          digests: [digest(chunk)],
        }),
      ).toEqual({ kind: 'committed' });
      expect(await storage.compactLog(ws, randomId(), 2)).toEqual({ kind: 'not_committed_snapshot' });
      expect(await storage.compactLog(ws, snapshotId, 4)).toEqual({
        kind: 'beyond_snapshot',
        snapshotSeq: 3,
      });
      expect(await storage.compactLog(randomId(), snapshotId, 1)).toEqual({ kind: 'unknown_workspace' });
      expect(await seqs()).toEqual([1, 2, 3, 4]);
      expect(await storage.compactedSeq(ws)).toBe(0);
      expect(await storage.compactLog(ws, snapshotId, 2)).toEqual({
        kind: 'compacted',
        deleted: 2,
        compactedSeq: 2,
      });
      expect(await storage.compactLog(ws, snapshotId, 3)).toEqual({
        kind: 'compacted',
        deleted: 1,
        compactedSeq: 3,
      });
      expect(await storage.compactLog(ws, snapshotId, 1)).toEqual({
        kind: 'compacted',
        deleted: 0,
        compactedSeq: 3,
      });
      expect(await seqs()).toEqual([4]);
      expect(await storage.compactedSeq(ws)).toBe(3);
      // The log goes on numbering after the compacted range.
      await storage.appendDeltas(
        ws,
        owner.deviceId,
        [{ deltaId: randomId(), envelope: new Uint8Array(randomBytes(100)), epoch: 1 }],
        4,
      );
      expect(await seqs()).toEqual([4, 5]);
    });
  },
);
