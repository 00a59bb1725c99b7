import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainPreviousKey, epochCommitment, wrapEpochKey } from '../../../shared/sync/epoch';
import type { MembershipBody, MemberDevice } from '../../../shared/sync/membership';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { useSqliteServer } from './harness';
import { errorCode, TestDevice, type HttpResult } from './sync-client';

/**
 * Issue 12 over real HTTP: the server verifies `rotate` entries like every client (a forged or
 * malformed rotation is refused with a stable code), commits the epoch with the entry, and from then
 * on refuses pushes under the retired epoch (EPOCH_RETIRED) and under epochs nobody made.
 */

const fixture = useSqliteServer('api-epochs');

type RotateBody = Extract<MembershipBody, { kind: 'rotate' }>;

function rotation(
  device: TestDevice,
  epoch: number,
  to: readonly MemberDevice[],
): { body: RotateBody; key: Uint8Array } {
  const key = new Uint8Array(randomBytes(32));
  const place = { workspaceId: device.workspaceId, epoch };
  return {
    key,
    body: {
      kind: 'rotate',
      epoch,
      commitment: epochCommitment(key, place),
      previous: chainPreviousKey(device.workspaceKey!.key, key, place),
      wraps: to.map((d) => wrapEpochKey(key, place, d)),
    },
  };
}

const status = (r: HttpResult) => [r.status, errorCode(r)];

describe('rotate entries and epochs over HTTP', () => {
  it('refuses forged, incomplete and skipping rotations; commits a valid one; then refuses the retired epoch', async () => {
    const owner = new TestDevice(fixture.server.url);
    await owner.createWorkspace();
    const member = new TestDevice(fixture.server.url);
    expect((await member.accept(await owner.invite())).status).toBe(200);
    const gone = new TestDevice(fixture.server.url);
    expect((await gone.accept(await owner.invite())).status).toBe(200);
    expect((await owner.revoke(gone.deviceId)).status).toBe(200);
    const state = await owner.refresh();
    const active = [...state.members.values()].filter((m) => m.status === 'active').map((m) => m.device);
    const revoked = state.members.get(gone.deviceId)!.device;

    await member.refresh();
    expect(status(await member.appendMembership(rotation(owner, 2, active).body))).toEqual([
      403,
      'FORBIDDEN',
    ]);
    expect(status(await owner.appendMembership(rotation(owner, 2, [...active, revoked]).body))).toEqual([
      400,
      'VALIDATION',
    ]);
    expect(status(await owner.appendMembership(rotation(owner, 2, active.slice(1)).body))).toEqual([
      400,
      'VALIDATION',
    ]);
    expect(status(await owner.appendMembership(rotation(owner, 3, active).body))).toEqual([
      400,
      'VALIDATION',
    ]);

    const before = owner.seal('sealed under epoch 1, before the rotation');
    const ok = rotation(owner, 2, active);
    const pushBefore = await owner.call(
      'POST',
      syncPath(syncRoutes.push, { workspaceId: owner.workspaceId }),
      {
        deltas: [before],
      },
    );
    expect(pushBefore.status).toBe(200);
    expect((await owner.appendMembership(ok.body)).status).toBe(200);
    // The same body signed again at the new head names an epoch that is no longer next.
    expect(status(await owner.appendMembership(ok.body))).toEqual([400, 'VALIDATION']);

    const push = (body: unknown) =>
      member.call('POST', syncPath(syncRoutes.push, { workspaceId: member.workspaceId }), body);
    expect(status(await push({ deltas: [member.seal('old epoch')] }))).toEqual([409, 'EPOCH_RETIRED']);
    // The delta that landed before the rotation, pushed again after a lost answer: a duplicate.
    const again = await owner.call('POST', syncPath(syncRoutes.push, { workspaceId: owner.workspaceId }), {
      deltas: [before],
    });
    expect(again.status).toBe(200);
    member.workspaceKey = { keyId: 3, key: new Uint8Array(randomBytes(32)) };
    expect(status(await push({ deltas: [member.seal('future epoch')] }))).toEqual([400, 'VALIDATION']);
    member.workspaceKey = { keyId: 2, key: ok.key };
    expect((await push({ deltas: [member.seal('new epoch')] })).status).toBe(200);
    // The revoked device gets nothing from the server either way.
    expect(
      (await gone.call('GET', syncPath(syncRoutes.pull, { workspaceId: gone.workspaceId }, { after: 0 })))
        .status,
    ).toBe(403);
  });
});
