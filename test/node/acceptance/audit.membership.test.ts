import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/audit/audit.schemas';
import { Cluster, formWorkspace, waitFor, type HostProcess } from './support/processes';

/**
 * Issue 13 acceptance, audit of membership: a real sync server and two dev hosts. A role change A
 * signs reaches B's security log through sync, with A's device as the actor; B's join reaches A's.
 */

const cluster = new Cluster();
afterAll(() => cluster.stop());

async function events(host: HostProcess, type: AuditEvent['type']): Promise<AuditEvent[]> {
  return (await host.call('audit.list', { types: [type] })).events;
}

describe("other devices' membership changes in the security log", () => {
  it('records a role change and a join signed elsewhere, with the signing member as actor', async () => {
    const server = await cluster.startServer();
    const a = await cluster.startHost('a');
    const b = await cluster.startHost('b');
    await formWorkspace(server.url, a, [b]);
    const devices = await a.call('devices.list');
    const joined = devices.find((d) => d.invitedBy !== null)!;
    const creator = devices.find((d) => d.invitedBy === null)!;

    await a.call('devices.setRole', { deviceId: joined.deviceId, role: 'viewer' });
    await a.call('sync.now');
    // B reads the members (the Sync screen does): the verified log now holds A's signed change.
    await b.call('devices.list');
    const seen = await waitFor(async () => (await events(b, 'device.roleChanged')).length > 0, 15_000);
    expect(seen).toBe(true);
    expect((await events(b, 'device.roleChanged'))[0]).toMatchObject({
      actor: { kind: 'member', deviceId: creator.deviceId },
      outcome: 'ok',
      details: { deviceId: joined.deviceId, role: 'viewer' },
    });
    // A's own change is recorded once, as this device's.
    expect((await events(a, 'device.roleChanged')).map((e) => e.actor)).toEqual([{ kind: 'this-device' }]);
    await a.call('devices.list');
    const joins = await events(a, 'device.joined');
    expect(joins.map((e) => e.actor)).toContainEqual({ kind: 'member', deviceId: joined.deviceId });
    expect(joins.map((e) => e.actor)).toContainEqual({ kind: 'this-device' });
    for (const host of [a, b]) expect(await host.call('audit.verify')).toMatchObject({ status: 'intact' });
  });
});
