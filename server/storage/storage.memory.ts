import {
  bytesEqual,
  type AcceptOutcome,
  type AppendFailure,
  type AppendOutcome,
  type DeviceRecord,
  type InviteRecord,
  type NewDelta,
  type StoredDelta,
  type SyncStorage,
} from './storage';

/**
 * In-process storage with the same semantics as the durable ones: the baseline of the benchmarks and
 * a fast backend for tests. Not durable and not shared across instances: never use it to serve.
 */
export class MemorySyncStorage implements SyncStorage {
  readonly kind = 'memory' as const;
  private readonly workspaces = new Map<string, { log: StoredDelta[]; byId: Map<string, StoredDelta> }>();
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly invites = new Map<string, InviteRecord>();
  private readonly nonces = new Map<string, number>();
  private readonly rates = new Map<string, { start: number; count: number }>();

  createWorkspace(
    workspaceId: string,
    device: DeviceRecord,
  ): Promise<'created' | 'exists' | 'device_exists'> {
    if (this.workspaces.has(workspaceId)) return Promise.resolve('exists');
    if (this.devices.has(device.deviceId)) return Promise.resolve('device_exists');
    this.workspaces.set(workspaceId, { log: [], byId: new Map() });
    this.devices.set(device.deviceId, { ...device, workspaceId });
    return Promise.resolve('created');
  }

  getDevice(deviceId: string): Promise<DeviceRecord | null> {
    return Promise.resolve(this.devices.get(deviceId) ?? null);
  }

  listDevices(workspaceId: string): Promise<DeviceRecord[]> {
    return Promise.resolve(
      [...this.devices.values()]
        .filter((d) => d.workspaceId === workspaceId)
        .sort((a, b) => a.createdAt - b.createdAt || (a.deviceId < b.deviceId ? -1 : 1)),
    );
  }

  revokeDevice(workspaceId: string, deviceId: string, now: number): Promise<DeviceRecord | null> {
    const d = this.devices.get(deviceId);
    if (!d || d.workspaceId !== workspaceId) return Promise.resolve(null);
    if (d.status === 'revoked') return Promise.resolve(d);
    const revoked: DeviceRecord = { ...d, status: 'revoked', revokedAt: now };
    this.devices.set(deviceId, revoked);
    for (const [id, invite] of this.invites) {
      if (invite.createdBy === deviceId && invite.workspaceId === workspaceId && invite.usedBy === null) {
        this.invites.set(id, { ...invite, expiresAt: Math.min(invite.expiresAt, now) });
      }
    }
    return Promise.resolve(revoked);
  }

  createInvite(invite: InviteRecord): Promise<'created' | 'exists'> {
    if (this.invites.has(invite.inviteId)) return Promise.resolve('exists');
    this.invites.set(invite.inviteId, { ...invite, usedAt: null, usedBy: null });
    return Promise.resolve('created');
  }

  getInvite(inviteId: string): Promise<InviteRecord | null> {
    return Promise.resolve(this.invites.get(inviteId) ?? null);
  }

  acceptInvite(inviteId: string, device: DeviceRecord, now: number): Promise<AcceptOutcome> {
    const invite = this.invites.get(inviteId);
    if (!invite) return Promise.resolve({ kind: 'unknown' });
    if (invite.usedBy !== null) {
      const existing = this.devices.get(device.deviceId);
      if (
        invite.usedBy === device.deviceId &&
        existing &&
        bytesEqual(existing.signPublicKey, device.signPublicKey) &&
        bytesEqual(existing.boxPublicKey, device.boxPublicKey)
      ) {
        return Promise.resolve({ kind: 'accepted', invite, device: existing });
      }
      return Promise.resolve({ kind: 'used' });
    }
    if (invite.expiresAt <= now) return Promise.resolve({ kind: 'expired' });
    if (this.devices.has(device.deviceId)) return Promise.resolve({ kind: 'device_exists' });
    const registered: DeviceRecord = {
      ...device,
      workspaceId: invite.workspaceId,
      invitedBy: invite.createdBy,
    };
    const used: InviteRecord = { ...invite, usedAt: now, usedBy: device.deviceId };
    this.devices.set(device.deviceId, registered);
    this.invites.set(inviteId, used);
    return Promise.resolve({ kind: 'accepted', invite: used, device: registered });
  }

  appendDeltas(
    workspaceId: string,
    deviceId: string,
    deltas: readonly NewDelta[],
    receivedAt: number,
  ): Promise<AppendOutcome[] | AppendFailure> {
    const ws = this.workspaces.get(workspaceId);
    if (!ws) return Promise.resolve({ kind: 'conflict', deltaId: deltas[0]?.deltaId ?? '' });
    const staged = new Map<string, StoredDelta>();
    const out: AppendOutcome[] = [];
    let seq = ws.log.length;
    for (const d of deltas) {
      const old = ws.byId.get(d.deltaId) ?? staged.get(d.deltaId);
      if (old) {
        if (old.deviceId !== deviceId || !bytesEqual(old.envelope, d.envelope)) {
          return Promise.resolve({ kind: 'conflict', deltaId: d.deltaId });
        }
        out.push({ deltaId: d.deltaId, seq: old.seq, receivedAt: old.receivedAt, duplicate: true });
        continue;
      }
      seq += 1;
      staged.set(d.deltaId, { seq, deltaId: d.deltaId, deviceId, receivedAt, envelope: d.envelope.slice() });
      out.push({ deltaId: d.deltaId, seq, receivedAt, duplicate: false });
    }
    for (const d of staged.values()) {
      ws.log.push(d);
      ws.byId.set(d.deltaId, d);
    }
    return Promise.resolve(out);
  }

  pullDeltas(workspaceId: string, after: number, limit: number, maxBytes: number): Promise<StoredDelta[]> {
    const ws = this.workspaces.get(workspaceId);
    const out: StoredDelta[] = [];
    if (!ws) return Promise.resolve(out);
    let bytes = 0;
    for (let i = after; i < ws.log.length && out.length < limit; i++) {
      const d = ws.log[i]!;
      if (out.length > 0 && bytes + d.envelope.length > maxBytes) break;
      bytes += d.envelope.length;
      out.push(d);
    }
    return Promise.resolve(out);
  }

  latestSeq(workspaceId: string): Promise<number> {
    return Promise.resolve(this.workspaces.get(workspaceId)?.log.length ?? 0);
  }

  consumeNonce(deviceId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const key = `${deviceId}\n${nonce}`;
    if (this.nonces.has(key)) return Promise.resolve(false);
    this.nonces.set(key, expiresAt);
    return Promise.resolve(true);
  }

  hit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }> {
    const w = this.rates.get(key);
    const next =
      !w || w.start + windowMs <= now ? { start: now, count: 1 } : { start: w.start, count: w.count + 1 };
    this.rates.set(key, next);
    return Promise.resolve({ count: next.count, resetAt: next.start + windowMs });
  }

  purgeNonces(now: number): Promise<number> {
    for (const [key, w] of this.rates) if (w.start < now - 3_600_000) this.rates.delete(key);
    let n = 0;
    for (const [key, expiresAt] of this.nonces) {
      if (expiresAt < now) {
        this.nonces.delete(key);
        n++;
      }
    }
    return Promise.resolve(n);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
