import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors';
import { verifyInviteAcceptance } from '../shared/sync/invite';
import { genesisState } from '../shared/sync/membership';
import { ENROLMENT_HEADER, type DeviceInfo, type DeviceRegistration } from '../shared/sync/protocol';
import {
  authenticateDevice,
  decodePublicKey,
  readSignedHeaders,
  verifyRegisteredDevice,
  verifyUnregisteredRequest,
} from './auth';
import { fromBase64Url, toBase64Url } from './base64url';
import { MembershipGate, sameRegistration } from './membership';
import type { ServerLogger } from './log';
import type { DeltaNotifier } from './notifier';
import type { DeltaRouteName } from './deltas';
import type { SnapshotRouteName } from './snapshots';
import { HttpError, type SyncHandlers } from './routes';
import type { DeviceRecord, InviteRecord, SyncStorage } from './storage/storage';

/** What the handlers work with; `createSyncServer` supplies it. */
export interface HandlerDeps {
  readonly storage: SyncStorage;
  readonly limits: {
    readonly maxEnvelopeBytes: number;
    readonly maxPageSize: number;
    readonly maxPageBytes: number;
    readonly maxWaitMs: number;
    readonly maxInviteTtlMs: number;
    readonly pollIntervalMs: number;
  };
  readonly clock: () => number;
  readonly log: ServerLogger;
  readonly notifier: DeltaNotifier;
  /** Checks the enrolment header; null when anyone may create a workspace. */
  readonly enrolment: ((presented: unknown) => boolean) | null;
  /** The exact body bytes of a request (signatures cover them). */
  readonly rawBody: (request: FastifyRequest) => Uint8Array | undefined;
}

function deviceInfo(d: DeviceRecord): DeviceInfo {
  return {
    deviceId: d.deviceId,
    workspaceId: d.workspaceId,
    signPublicKey: toBase64Url(d.signPublicKey),
    boxPublicKey: toBase64Url(d.boxPublicKey),
    status: d.status,
    createdAt: d.createdAt,
    revokedAt: d.revokedAt,
    invitedBy: d.invitedBy,
    role: d.role,
  };
}

function newDevice(reg: DeviceRegistration, workspaceId: string, now: number): DeviceRecord {
  return {
    deviceId: reg.deviceId,
    workspaceId,
    signPublicKey: decodePublicKey(reg.signPublicKey),
    boxPublicKey: decodePublicKey(reg.boxPublicKey),
    status: 'active',
    createdAt: now,
    revokedAt: null,
    invitedBy: null,
    role: 'member',
  };
}

/** The handler of every route in the table but the log routes (deltas.ts) and the snapshot routes (snapshots.ts). */
export function createSyncHandlers(
  deps: HandlerDeps,
): Omit<SyncHandlers, SnapshotRouteName | DeltaRouteName> {
  const { storage, limits, clock, log, enrolment, rawBody } = deps;
  const gate = new MembershipGate(storage);
  // Nonces and rate windows are purged on a timer by createSyncServer, never per request.
  function auth(request: FastifyRequest, workspaceId: string): Promise<DeviceRecord> {
    return authenticateDevice({ request, rawBody: rawBody(request), storage, workspaceId, now: clock() });
  }

  /**
   * For requests by a device that is not registered yet: the key comes from the body (proof of
   * possession). The signature is checked now; the nonce is stored only by `proven()`, once the route
   * has checked what makes the request legitimate (the invite proof), so anyone signing with a key
   * made up on the spot adds no row to storage.
   */
  function authSelf(request: FastifyRequest, reg: DeviceRegistration): { proven(): Promise<void> } {
    const headers = readSignedHeaders(request);
    if (headers.deviceId !== reg.deviceId) throw new AppError('SYNC_UNAUTHORIZED', 'device id mismatch');
    const pending = verifyUnregisteredRequest({
      request,
      rawBody: rawBody(request),
      headers,
      signPublicKey: decodePublicKey(reg.signPublicKey),
      storage,
      now: clock(),
    });
    return { proven: () => pending.consumeNonce() };
  }

  /**
   * The invite a self-signed request presents, once the request's signature and the invite proof
   * (knowledge of the invite secret) both verified; only then is its nonce stored.
   */
  async function provenInvite(
    request: FastifyRequest,
    inviteId: string,
    b: { readonly device: DeviceRegistration; readonly proof: string },
  ): Promise<InviteRecord> {
    const self = authSelf(request, b.device);
    const invite = await storage.getInvite(inviteId);
    if (!invite) throw new AppError('NOT_FOUND', 'unknown invite');
    if (!verifyInviteAcceptance(invite.authPublicKey, { inviteId, ...b.device }, b.proof))
      throw new AppError('SYNC_UNAUTHORIZED', 'invite proof does not verify');
    await self.proven();
    return invite;
  }

  return {
    // For load balancers: 200 only when the storage answers.
    async health({ reply }) {
      try {
        await storage.latestSeq('health-probe-0000');
      } catch {
        log.log('error', 'health_storage_unreachable', { storage: storage.kind });
        return reply.status(503).send({ error: { code: 'INTERNAL', message: 'storage unavailable' } });
      }
      return { status: 'ok', storage: storage.kind, time: clock() };
    },

    async createWorkspace({ request, body }) {
      const b = body();
      if (enrolment && !enrolment(request.headers[ENROLMENT_HEADER])) {
        log.log('warn', 'workspace_enrolment_refused', { workspaceId: b.workspaceId });
        throw new AppError('ENROLMENT_REQUIRED', 'creating a workspace needs the enrolment code');
      }
      const self = authSelf(request, b.device);
      const genesis = b.genesis;
      gate.check(() => genesisState(genesis, { workspaceId: b.workspaceId, genesisHash: null }));
      if (genesis.body.kind !== 'genesis' || !sameRegistration(genesis.body.device, b.device))
        throw new AppError('VALIDATION', 'the genesis entry must describe the creating device');
      await self.proven();
      const device = newDevice(b.device, b.workspaceId, clock());
      const outcome = await storage.appendMembership(
        b.workspaceId,
        { seq: 0, json: JSON.stringify(genesis) },
        { kind: 'genesis', device },
        clock(),
      );
      if (outcome.kind === 'exists') throw new AppError('CONFLICT', 'workspace id already exists');
      if (outcome.kind !== 'appended') throw new AppError('CONFLICT', 'device id already registered');
      log.log('info', 'workspace_created', { workspaceId: b.workspaceId, deviceId: device.deviceId });
      return { workspaceId: b.workspaceId, device: deviceInfo(outcome.device ?? device) };
    },

    async createInvite({ request, params: { workspaceId }, body }) {
      const device = await auth(request, workspaceId);
      const b = body();
      const now = clock();
      if (b.expiresAt <= now || b.expiresAt - now > limits.maxInviteTtlMs) {
        throw new AppError('VALIDATION', 'invite expiry out of range');
      }
      const entry = b.entry;
      if (
        entry.body.kind !== 'invite' ||
        entry.body.inviteId !== b.inviteId ||
        entry.body.authPublicKey !== b.authPublicKey
      )
        throw new AppError('VALIDATION', 'the invite entry must describe this invite');
      await gate.admit(workspaceId, device, entry);
      const outcome = await gate.append(
        workspaceId,
        entry,
        {
          kind: 'invite',
          invite: {
            inviteId: b.inviteId,
            workspaceId,
            createdBy: device.deviceId,
            wrappedKey: fromBase64Url(b.wrappedKey),
            authPublicKey: decodePublicKey(b.authPublicKey),
            createdAt: now,
            expiresAt: b.expiresAt,
            usedAt: null,
            usedBy: null,
          },
        },
        now,
      );
      if (outcome.kind === 'exists') throw new AppError('CONFLICT', 'invite id already exists');
      log.log('info', 'invite_created', { workspaceId, deviceId: device.deviceId, inviteId: b.inviteId });
      return { inviteId: b.inviteId, workspaceId, expiresAt: b.expiresAt };
    },

    async acceptInvite({ request, params: { inviteId }, body }) {
      const b = body();
      const invite = await provenInvite(request, inviteId, b);
      const now = clock();
      const entry = b.entry;
      if (
        entry.body.kind !== 'join' ||
        entry.body.inviteId !== inviteId ||
        !sameRegistration(entry.body.device, b.device)
      )
        throw new AppError('VALIDATION', 'the join entry must describe this device and invite');
      const next = await gate.admit(invite.workspaceId, null, entry);
      const role = next.members.get(b.device.deviceId)?.role ?? 'viewer';
      const device = { ...newDevice(b.device, invite.workspaceId, now), role };
      const outcome = await gate.append(invite.workspaceId, entry, { kind: 'join', inviteId, device }, now);
      switch (outcome.kind) {
        case 'unknown':
        case 'exists':
          throw new AppError('NOT_FOUND', 'unknown invite');
        case 'expired':
          throw new HttpError(410, 'NOT_FOUND', 'invite expired');
        case 'used':
        case 'stale':
          throw new AppError('CONFLICT', 'invite already used');
        case 'device_exists':
          throw new AppError('CONFLICT', 'device id already registered');
        case 'appended':
          log.log('info', 'invite_accepted', {
            workspaceId: invite.workspaceId,
            inviteId,
            deviceId: b.device.deviceId,
          });
          return {
            workspaceId: invite.workspaceId,
            wrappedKey: toBase64Url(invite.wrappedKey),
            device: deviceInfo(outcome.device ?? device),
          };
      }
    },

    async me({ request, params: { workspaceId } }) {
      const device = await auth(request, workspaceId);
      return { device: deviceInfo(device), latestSeq: await storage.latestSeq(workspaceId) };
    },

    async listDevices({ request, params: { workspaceId } }) {
      await auth(request, workspaceId);
      return { devices: (await storage.listDevices(workspaceId)).map(deviceInfo) };
    },

    async previewInvite({ request, params: { inviteId }, body }) {
      const b = body();
      const invite = await provenInvite(request, inviteId, b);
      if (invite.usedBy !== null && invite.usedBy !== b.device.deviceId)
        throw new AppError('CONFLICT', 'invite already used');
      if (invite.expiresAt <= clock()) throw new HttpError(410, 'NOT_FOUND', 'invite expired');
      return { workspaceId: invite.workspaceId, entries: await gate.entries(invite.workspaceId, 0) };
    },

    // Revoked devices may read the log: it is how they verify their own revocation before wiping.
    async membership({ request, params: { workspaceId }, query }) {
      const headers = readSignedHeaders(request);
      const device = await storage.getDevice(headers.deviceId);
      if (!device) throw new AppError('SYNC_UNAUTHORIZED', 'unknown device');
      await verifyRegisteredDevice({
        request,
        rawBody: rawBody(request),
        headers,
        device,
        storage,
        now: clock(),
        afterSignature: () => {
          if (device.workspaceId !== workspaceId)
            throw new AppError('SYNC_UNAUTHORIZED', 'device does not belong to this workspace');
        },
      });
      return { workspaceId, entries: await gate.entries(workspaceId, query().from) };
    },

    async appendMembership({ request, params: { workspaceId }, body }) {
      const caller = await auth(request, workspaceId);
      const entry = body().entry;
      const statement = entry.body;
      if (statement.kind === 'rotate') {
        await gate.admit(workspaceId, caller, entry);
        const outcome = await gate.append(
          workspaceId,
          entry,
          { kind: 'rotate', epoch: statement.epoch },
          clock(),
        );
        if (outcome.kind !== 'appended')
          throw new AppError('CONFLICT', 'the membership log moved on: fetch it and sign again');
        log.log('info', 'key_rotated', { workspaceId, epoch: statement.epoch, by: caller.deviceId });
        return { seq: entry.seq, device: deviceInfo(caller) };
      }
      const effect =
        statement.kind === 'role'
          ? ({ kind: 'role', deviceId: statement.deviceId, role: statement.role } as const)
          : statement.kind === 'revoke'
            ? ({ kind: 'revoke', deviceId: statement.deviceId } as const)
            : null;
      if (!effect)
        throw new AppError(
          'VALIDATION',
          'only role changes, revocations and key rotations are appended here',
        );
      await gate.admit(workspaceId, caller, entry);
      const outcome = await gate.append(workspaceId, entry, effect, clock());
      if (outcome.kind !== 'appended' || !outcome.device)
        throw new AppError('CONFLICT', 'the membership log moved on: fetch it and sign again');
      log.log('info', effect.kind === 'revoke' ? 'device_revoked' : 'role_changed', {
        workspaceId,
        deviceId: effect.deviceId,
        by: caller.deviceId,
      });
      return { seq: entry.seq, device: deviceInfo(outcome.device) };
    },
  };
}
