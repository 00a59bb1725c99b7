import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signCompaction, type CompactionBody } from '../../../shared/sync/compaction';
import { randomId } from '../../../shared/sync/device-keys';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { signManifest } from '../../../shared/sync/snapshot';
import { useSqliteServer } from './harness';
import { errorCode, TestDevice, type HttpResult } from './sync-client';

/**
 * Issue 12 item 3 over real HTTP: the server deletes deltas only on a compaction statement signed by
 * the calling owner or admin device, naming the committed snapshot and no seq past it. Every other
 * statement (unsigned, wrongly signed, another device's, a member's, over-reaching, another
 * snapshot or workspace) is refused with a stable code and deletes nothing; a pull from inside the
 * compacted range is told LOG_COMPACTED instead of silently skipping what was deleted.
 */

const fixture = useSqliteServer('api-compaction');

const status = (r: HttpResult) => [r.status, errorCode(r)];
const stored = async (ws: string) =>
  (await fixture.storage.pullDeltas(ws, 0, 1000, 1 << 24)).map((d) => d.seq);

async function push(device: TestDevice, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await device.call('POST', syncPath(syncRoutes.push, { workspaceId: device.workspaceId }), {
      deltas: [device.seal(`delta ${i}`)],
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
  }
}

/** Uploads and commits a one-chunk snapshot covering `seq`, made by `maker`. */
async function snapshot(maker: TestDevice, seq: number): Promise<string> {
  const snapshotId = randomId();
  const chunk = randomBytes(64);
  const ws = maker.workspaceId;
  const put = await maker.call(
    'POST',
    syncPath(syncRoutes.putSnapshotChunk, { workspaceId: ws, snapshotId }),
    {
      index: 0,
      chunk: chunk.toString('base64url'),
    },
  );
  expect(put.status, JSON.stringify(put.json)).toBe(200);
  const manifest = signManifest(
    {
      v: 1,
      workspaceId: ws,
      snapshotId,
      deviceId: maker.deviceId,
      epoch: 1,
      seq,
      chunks: [createHash('sha256').update(chunk).digest('base64url')],
      rows: 0,
      heads: [],
      createdAt: 1,
    },
    maker.keys.signSecretKey,
  );
  const commit = await maker.call('POST', syncPath(syncRoutes.commitSnapshot, { workspaceId: ws }), {
    manifest,
  });
  expect(commit.status, JSON.stringify(commit.json)).toBe(200);
  return snapshotId;
}

const compact = (device: TestDevice, statement: unknown) =>
  device.call('POST', syncPath(syncRoutes.compactLog, { workspaceId: device.workspaceId }), { statement });

describe('compaction over HTTP', () => {
  it('refuses every statement but an owner or admin one for the committed snapshot, deleting nothing until then', async () => {
    const owner = new TestDevice(fixture.server.url);
    await owner.createWorkspace();
    const member = new TestDevice(fixture.server.url);
    expect((await member.accept(await owner.invite())).status).toBe(200);
    const admin = new TestDevice(fixture.server.url);
    expect((await admin.accept(await owner.invite(60_000, Date.now(), 'admin'))).status).toBe(200);
    await push(owner, 4);
    const ws = owner.workspaceId;
    const older = await snapshot(owner, 2);
    const snapshotId = await snapshot(owner, 3);
    const body = (by: TestDevice, over: Partial<CompactionBody> = {}): CompactionBody => ({
      v: 1,
      workspaceId: ws,
      snapshotId,
      deviceId: by.deviceId,
      seq: 3,
      createdAt: Date.now(),
      ...over,
    });
    const all = [1, 2, 3, 4];
    expect(await stored(ws)).toEqual(all);

    // Unsigned, and a signature that is not one: the route's schema refuses them.
    expect(status(await compact(admin, { json: JSON.stringify(body(admin)) }))).toEqual([400, 'VALIDATION']);
    expect(status(await compact(admin, { json: JSON.stringify(body(admin)), signature: 'x' }))).toEqual([
      400,
      'VALIDATION',
    ]);
    const refusals: [TestDevice, unknown][] = [
      // Wrongly signed: the admin's statement signed with the member's key.
      [admin, signCompaction(body(admin), member.keys.signSecretKey)],
      // A valid statement of the admin, replayed by the member.
      [member, signCompaction(body(admin), admin.keys.signSecretKey)],
      // The member's own, properly signed: members do not compact.
      [member, signCompaction(body(member), member.keys.signSecretKey)],
      // Over-reaching: past the seq the committed snapshot covers.
      [admin, signCompaction(body(admin, { seq: 4 }), admin.keys.signSecretKey)],
      // A snapshot that is no longer (or never was) the committed one.
      [admin, signCompaction(body(admin, { snapshotId: older, seq: 2 }), admin.keys.signSecretKey)],
      [admin, signCompaction(body(admin, { snapshotId: randomId() }), admin.keys.signSecretKey)],
      // Another workspace's statement.
      [admin, signCompaction(body(admin, { workspaceId: randomId() }), admin.keys.signSecretKey)],
      // Not a statement at all.
      [
        admin,
        { json: '{"v":1}', signature: signCompaction(body(admin), admin.keys.signSecretKey).signature },
      ],
    ];
    for (const [device, statement] of refusals) {
      expect(status(await compact(device, statement))).toEqual([400, 'COMPACTION_REFUSED']);
      expect(await stored(ws)).toEqual(all);
    }
    // Every device can still pull the whole log.
    expect(
      (await member.call('GET', syncPath(syncRoutes.pull, { workspaceId: ws }, { after: 0 }))).status,
    ).toBe(200);

    const ok = await compact(admin, signCompaction(body(admin), admin.keys.signSecretKey));
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(ok.json).toEqual({ compactedSeq: 3, deleted: 3 });
    expect(await stored(ws)).toEqual([4]);
    // A cursor inside the compacted range is told to bootstrap; one at its end continues.
    const pull = (after: number) =>
      member.call('GET', syncPath(syncRoutes.pull, { workspaceId: ws }, { after }));
    expect(status(await pull(0))).toEqual([410, 'LOG_COMPACTED']);
    expect(status(await pull(2))).toEqual([410, 'LOG_COMPACTED']);
    const tail = await pull(3);
    expect(tail.status).toBe(200);
    expect((tail.json as { deltas: { seq: number }[] }).deltas.map((d) => d.seq)).toEqual([4]);
    // Compacting the same range again deletes nothing more; the owner may compact too.
    const again = await compact(owner, signCompaction(body(owner), owner.keys.signSecretKey));
    expect(again.json).toEqual({ compactedSeq: 3, deleted: 0 });
  });
});
