import Database from 'better-sqlite3';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../../shared/domain/ids';
import { requireCluster, usePostgresCluster } from '../server/backends';
import {
  Cluster,
  startServerAt,
  stopChild,
  waitFor,
  type HostProcess,
  type ServerProcess,
} from './support/processes';
import { HostileMember } from './support/hostile.member';

/**
 * Issue 11 acceptance, black box: a real sync server (SQLite, then PostgreSQL) and three real dev
 * hosts (owner, admin, member) plus a hand-rolled hostile member with a valid invite. Authority comes
 * from the signed membership log: a member cannot revoke anyone (FORBIDDEN, nobody wipes), an admin's
 * revocation wipes exactly its target, and ops in another device's name are refused and reported.
 */

const WIPE_TIMEOUT_MS = 20_000;

async function deviceIdOf(host: HostProcess): Promise<string> {
  const self = (await host.call('devices.list')).find((d) => d.isThisDevice);
  if (!self) throw new Error(`${host.name} does not list itself`);
  return self.deviceId;
}

async function unlocked(host: HostProcess): Promise<boolean> {
  return (await host.call('vault.status')).state === 'unlocked';
}

usePostgresCluster();

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`issue 11: roles and signed revocation in the shipped composition (${backend})`, () => {
    const cluster = new Cluster();
    let server: ServerProcess;
    let owner: HostProcess;
    let admin: HostProcess;
    let member: HostProcess;
    const hostile = new HostileMember();
    const ids = new Map<string, string>();

    beforeAll(async () => {
      if (backend === 'sqlite') server = await cluster.startServer();
      else {
        const url = await requireCluster().createDatabase(`fv_trust_${process.pid}`);
        server = await startServerAt(mkdtempSync(path.join(cluster.root, 'pg-server-')), 0, [
          '--database',
          url,
        ]);
      }
      [owner, admin, member] = await Promise.all([
        cluster.startHost('owner'),
        cluster.startHost('admin'),
        cluster.startHost('member'),
      ]);
      for (const h of [owner, admin, member]) await h.call('vault.setup');
      await owner.call('workspace.create', {
        serverUrl: server.url,
        name: 'Trust team',
        deviceName: 'Owner laptop',
      });
      const adminInvite = await owner.call('invites.create', { ttlHours: 1, role: 'admin' });
      await admin.call('invites.accept', { code: adminInvite.code, deviceName: 'Admin laptop' });
      await admin.call('sync.now');
      const memberInvite = await admin.call('invites.create', { ttlHours: 1, role: 'member' });
      await member.call('invites.accept', { code: memberInvite.code, deviceName: 'Member laptop' });
      await hostile.join((await owner.call('invites.create', { ttlHours: 1, role: 'member' })).code);
      for (const h of [owner, admin, member]) {
        await h.call('contacts.create', { name: `Kept by ${h.name}` });
        await h.call('sync.now');
        ids.set(h.name, await deviceIdOf(h));
      }
      for (const h of [owner, admin, member]) await h.call('sync.now');
    }, 120_000);

    afterAll(async () => {
      await cluster.stop();
      if (backend === 'postgres') await stopChild(server.child);
    }, 30_000);

    it('lists members with names, roles and who invited whom, as the verified log says', async () => {
      const list = await member.call('devices.list');
      const byName = new Map(list.map((d) => [d.name, d]));
      expect(byName.get('Owner laptop')).toMatchObject({ role: 'owner', invitedBy: null, status: 'active' });
      expect(byName.get('Admin laptop')).toMatchObject({ role: 'admin', invitedByName: 'Owner laptop' });
      expect(byName.get('Member laptop')).toMatchObject({
        role: 'member',
        invitedByName: 'Admin laptop',
        isThisDevice: true,
      });
      expect(byName.get('Hostile laptop')).toMatchObject({ role: 'member', invitedByName: 'Owner laptop' });
    });

    it('a member revoking the owner or another member is refused (FORBIDDEN) and nobody wipes', async () => {
      const refused = await member.attempt('devices.revoke', { deviceId: ids.get('owner')! });
      expect(refused).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      // The hostile member signs the entries anyway and sends them straight to the server.
      expect(await hostile.revoke(ids.get('owner')!)).toBe('FORBIDDEN');
      expect(await hostile.revoke(ids.get('member')!)).toBe('FORBIDDEN');
      expect(await hostile.revoke(ids.get('admin')!)).toBe('FORBIDDEN');
      for (const h of [owner, admin, member]) {
        const status = await h.call('sync.now');
        expect(status.state, h.name).toBe('idle');
        expect(await unlocked(h), h.name).toBe(true);
        const names = (await h.call('contacts.list', {})).items.map((c) => c.name);
        expect(names, h.name).toEqual(
          expect.arrayContaining(['Kept by owner', 'Kept by admin', 'Kept by member']),
        );
        expect(
          (await h.call('devices.list')).every((d) => d.status === 'active'),
          h.name,
        ).toBe(true);
      }
    });

    it('ops in another device name are refused on every device and reported', async () => {
      const forged = uuidv7();
      hostile.impersonate(await hostile.clockIdOf(ids.get('owner')!));
      await hostile.push({
        entity: 'contact',
        recordId: forged,
        fields: { name: 'Forged in the owner name' },
      });
      for (const h of [owner, admin, member]) {
        const status = await h.call('sync.now');
        expect(status.impersonatedOps, h.name).toBeGreaterThanOrEqual(1);
        expect((await h.attempt('contacts.get', { id: forged })).ok, h.name).toBe(false);
      }
    });

    it("an admin's revocation wipes exactly its target", async () => {
      const revoked = await admin.call('devices.revoke', { deviceId: ids.get('member')! });
      expect(revoked).toMatchObject({ status: 'revoked', revokedByName: 'Admin laptop' });
      await member.attempt('sync.now');
      const wiped = await waitFor(async () => {
        await member.attempt('sync.now');
        return (await member.call('vault.status')).state === 'not_set_up';
      }, WIPE_TIMEOUT_MS);
      expect(wiped, member.stderrTail()).toBe(true);
      for (const h of [owner, admin]) {
        await h.call('sync.now');
        expect(await unlocked(h), h.name).toBe(true);
        expect((await h.call('contacts.list', {})).items.length, h.name).toBeGreaterThanOrEqual(3);
        const gone = (await h.call('devices.list')).find((d) => d.deviceId === ids.get('member'));
        expect(gone, h.name).toMatchObject({ status: 'revoked', revokedByName: 'Admin laptop' });
      }
    });
  });
}

/** A proxy in front of the real server that answers 403 DEVICE_REVOKED to everything once told to lie. */
async function lyingProxy(
  target: string,
): Promise<{ url: string; lie: (on: boolean) => void; close: () => Promise<void> }> {
  let lying = false;
  const upstream = new URL(target);
  const proxy: Server = createServer((req, res) => {
    if (lying) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'DEVICE_REVOKED', message: 'this device was revoked' } }));
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lie: (on) => (lying = on),
    close: () => new Promise((resolve) => proxy.close(() => resolve())),
  };
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`issue 11: a server or proxy answering 403 DEVICE_REVOKED to an unrevoked device wipes nothing (${backend})`, () => {
    const cluster = new Cluster();
    afterAll(() => cluster.stop(), 30_000);

    it('locks sync out, keeps every record and pending edit, and recovers when the server answers again', async () => {
      const server =
        backend === 'sqlite'
          ? await cluster.startServer()
          : await startServerAt(mkdtempSync(path.join(cluster.root, 'pg-server-')), 0, [
              '--database',
              await requireCluster().createDatabase(`fv_proxy_${process.pid}`),
            ]);
      const proxy = await lyingProxy(server.url);
      try {
        const rep = await cluster.startHost('rep');
        await rep.call('vault.setup');
        await rep.call('workspace.create', {
          serverUrl: proxy.url,
          name: 'Proxied team',
          deviceName: 'Rep laptop',
        });
        await rep.call('contacts.create', { name: 'Synced before the lie' });
        expect((await rep.call('sync.now')).state).toBe('idle');

        proxy.lie(true);
        await rep.call('contacts.create', { name: 'Written while locked out' });
        const status = await rep.call('sync.now');
        expect(status.state).toBe('locked_out');
        expect(status.error?.code).toBe('SYNC_LOCKED_OUT');
        expect(status.pending).toBeGreaterThan(0);
        expect(await unlocked(rep)).toBe(true);
        const names = (await rep.call('contacts.list', {})).items.map((c) => c.name);
        expect(names).toEqual(expect.arrayContaining(['Synced before the lie', 'Written while locked out']));

        proxy.lie(false);
        const back = await rep.call('sync.now');
        expect(back.state).toBe('idle');
        expect(back.pending).toBe(0);
      } finally {
        await proxy.close();
        if (backend === 'postgres') await stopChild(server.child);
      }
    });
  });
}

describe('issue 11: a server that stores an unauthorised revocation makes nobody wipe', () => {
  const cluster = new Cluster();
  afterAll(() => cluster.stop(), 30_000);

  it('clients refuse the entry the chain does not authorise (MEMBERSHIP_INVALID) and keep everything', async () => {
    const server = await cluster.startServer();
    const owner = await cluster.startHost('forged-owner');
    await owner.call('vault.setup');
    await owner.call('workspace.create', {
      serverUrl: server.url,
      name: 'Forged',
      deviceName: 'Owner laptop',
    });
    const hostile = new HostileMember();
    await hostile.join((await owner.call('invites.create', { ttlHours: 1, role: 'member' })).code);
    await owner.call('contacts.create', { name: 'Still here' });
    await owner.call('sync.now');
    const ownerId = await deviceIdOf(owner);
    // The server (or whoever holds its database) appends a revocation of the owner signed by a member.
    const forged = await hostile.forgeRevocation(ownerId);
    const db = new Database(path.join(server.dataDir, 'sync.sqlite'));
    try {
      db.prepare('INSERT INTO membership (workspace_id, seq, entry) VALUES (?, ?, ?)').run(
        hostile.workspace,
        forged.seq,
        JSON.stringify(forged),
      );
      db.prepare("UPDATE devices SET status = 'revoked' WHERE device_id = ?").run(ownerId);
    } finally {
      db.close();
    }
    const status = await owner.call('sync.now');
    expect(status.state).not.toBe('idle');
    expect(status.error?.code).toMatch(/MEMBERSHIP_INVALID|SYNC_LOCKED_OUT/);
    expect(await unlocked(owner)).toBe(true);
    expect((await owner.call('contacts.list', {})).items.map((c) => c.name)).toContain('Still here');
    const self = (await owner.call('devices.list')).find((d) => d.isThisDevice);
    expect(self).toMatchObject({ status: 'active', role: 'owner' });
  });
});
