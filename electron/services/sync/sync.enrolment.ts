import { randomBytes } from '@noble/hashes/utils.js';
import { AppError } from '../../../shared/errors';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { fromBase64Url, toBase64Url } from '../../../shared/sync/encoding';
import { generateWorkspaceKey } from '../../../shared/sync/envelope';
import {
  createInviteSecret,
  deriveInviteAuthKey,
  deriveInviteWrapKey,
  formatInviteCode,
  parseInviteCode,
  signInviteAcceptance,
  unwrapWorkspaceKey,
  wrapWorkspaceKey,
} from '../../../shared/sync/invite';
import {
  entryHash,
  genesisEntry,
  joinEntry,
  MembershipError,
  verifyMembershipLog,
  type MembershipEntry,
  type Role,
} from '../../../shared/sync/membership';
import { HEAD_MOVED, isHeadMoved, onFreshHead } from './membership.head';
import type { SyncMembership } from './sync.membership';
import type { SyncSession } from './sync.session';

/**
 * The server origin main will talk to, rebuilt by main from what it was given: scheme, host and
 * port only, so no path, query or credentials the renderer composed ever reach a request. Threat
 * model 5: TLS to the server; plain HTTP only to loopback.
 */
export function serverOrigin(serverUrl: string): string {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new AppError('SERVER_URL_REFUSED', 'The server URL is not valid');
  }
  if (
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    (url.pathname !== '/' && url.pathname !== '')
  ) {
    throw new AppError(
      'SERVER_URL_REFUSED',
      'The server address must be an origin only: scheme, host and port',
    );
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return url.origin;
  throw new AppError(
    'SERVER_URL_REFUSED',
    'The server URL must use https (plain http only on this computer)',
  );
}

/**
 * Asks the person at this computer (through main's own UI, never the renderer's) whether to send
 * this device's identity to `origin`. False stops the enrolment with nothing sent.
 */
export interface ServerConfirmation {
  confirm(origin: string, purpose: 'create' | 'join'): Promise<boolean>;
}

/** A device's id at the server: the CRM device id plus a random suffix (server ids are 16-64 characters). */
function newSyncDeviceId(crmDeviceId: string): string {
  return `${crmDeviceId}-${toBase64Url(randomBytes(6))}`;
}

function membershipFailure(error: unknown): unknown {
  if (!(error instanceof MembershipError)) return error;
  if (error.fault === 'unknown_invite')
    return new AppError('NOT_FOUND', 'This invite is unknown or already used');
  return new AppError('MEMBERSHIP_INVALID', `the workspace's member list does not verify (${error.fault})`);
}

/** Creating a workspace, inviting a device and joining one: the first contact of a vault with a server. */
export class SyncEnrolment {
  constructor(
    private readonly session: SyncSession,
    private readonly membership: SyncMembership,
    private readonly crmDeviceId: string,
    private readonly now: () => number,
    private readonly confirmation: ServerConfirmation,
  ) {}

  /** Fresh device keys, a server device id, and the device as the membership log will record it. */
  private newIdentity(deviceName: string | undefined) {
    const device = generateDeviceKeys();
    const deviceId = newSyncDeviceId(this.crmDeviceId);
    const registration = {
      deviceId,
      signPublicKey: toBase64Url(device.signPublicKey),
      boxPublicKey: toBase64Url(device.boxPublicKey),
    };
    const name = deviceName ?? `FieldVault ${this.crmDeviceId.slice(0, 6)}`;
    return { device, deviceId, registration, member: { ...registration, clockId: this.crmDeviceId, name } };
  }

  private async confirmed(origin: string, purpose: 'create' | 'join', managed: boolean): Promise<void> {
    if (managed) return;
    if (!(await this.confirmation.confirm(origin, purpose)))
      throw new AppError('AUTH_CANCELLED', 'The server address was not confirmed; nothing was sent');
  }

  /** `managed`: the origin comes from IT policy, so main does not ask again. */
  async createWorkspace(
    serverUrl: string,
    name: string,
    options: { deviceName?: string; enrolmentCode?: string; managed: boolean },
  ): Promise<{ workspaceId: string; deviceId: string }> {
    this.session.requireUnconfigured();
    const origin = serverOrigin(serverUrl);
    await this.confirmed(origin, 'create', options.managed);
    const { device, deviceId, registration, member } = this.newIdentity(options.deviceName);
    const wsKey = generateWorkspaceKey(1);
    const workspaceId = randomId();
    try {
      const genesis = genesisEntry(workspaceId, member, device.signSecretKey, this.now());
      await this.session.call(
        origin,
        (api) => api.createWorkspace(workspaceId, registration, genesis, options.enrolmentCode),
        { joining: { deviceId, signSecretKey: device.signSecretKey } },
      );
      this.session.db.transaction(() => {
        this.session.saveWorkspace({ workspaceId, deviceId, serverUrl: origin, name }, device, wsKey);
        this.membership.start({ workspaceId, genesisHash: entryHash(genesis) }, [genesis]);
      })();
    } finally {
      device.signSecretKey.fill(0);
      device.boxSecretKey.fill(0);
      wsKey.key.fill(0);
    }
    return { workspaceId, deviceId };
  }

  async createInvite(
    ttlHours: number,
    role: Role,
  ): Promise<{ code: string; inviteId: string; expiresAt: string }> {
    const { ws } = this.session.require();
    const inviteId = randomId();
    const secret = createInviteSecret();
    const wrapKey = deriveInviteWrapKey(secret, inviteId, ws.workspaceId);
    const auth = deriveInviteAuthKey(secret, inviteId);
    try {
      const wrapped = wrapWorkspaceKey(this.session.latestWorkspaceKey(), wrapKey, inviteId, ws.workspaceId);
      const expiresAt = this.now() + ttlHours * 3600_000;
      const authPublicKey = toBase64Url(auth.publicKey);
      return await onFreshHead(async () => {
        const state = await this.membership.refresh();
        const entry = this.membership.sign(state, { kind: 'invite', inviteId, authPublicKey, role });
        let res;
        try {
          res = await this.session.api((api, workspaceId) =>
            api.createInvite(workspaceId, {
              inviteId,
              wrappedKey: toBase64Url(wrapped),
              authPublicKey,
              expiresAt,
              entry,
            }),
          );
        } catch (error) {
          if (isHeadMoved(error)) return HEAD_MOVED;
          throw error;
        }
        await this.membership.refresh();
        const code = formatInviteCode({
          serverUrl: ws.serverUrl,
          inviteId,
          secret,
          genesisHash: state.genesisHash,
        });
        return { code, inviteId, expiresAt: new Date(res.expiresAt).toISOString() };
      });
    } finally {
      wrapKey.fill(0);
      auth.secretKey.fill(0);
      secret.fill(0);
    }
  }

  async acceptInvite(
    codeText: string,
    options: { deviceName?: string; managed: boolean },
  ): Promise<{ workspaceId: string; deviceId: string }> {
    this.session.requireUnconfigured();
    const code = parseInviteCode(codeText);
    const origin = serverOrigin(code.serverUrl);
    await this.confirmed(origin, 'join', options.managed);
    const { device, deviceId, registration, member } = this.newIdentity(options.deviceName);
    const auth = deriveInviteAuthKey(code.secret, code.inviteId);
    const joining = { joining: { deviceId, signSecretKey: device.signSecretKey } };
    try {
      const proof = signInviteAcceptance(auth.secretKey, { inviteId: code.inviteId, ...registration });
      const { preview, entries, res } = await onFreshHead(async () => {
        const preview = await this.session.call(
          origin,
          (api) => api.previewInvite(code.inviteId, { device: registration, proof }),
          joining,
        );
        let entries: MembershipEntry[];
        try {
          const state = verifyMembershipLog(preview.entries, {
            workspaceId: preview.workspaceId,
            genesisHash: code.genesisHash,
          });
          const entry = joinEntry(
            state,
            { device: member, signSecretKey: device.signSecretKey },
            { inviteId: code.inviteId, proof },
            this.now(),
          );
          entries = [...preview.entries, entry];
        } catch (error) {
          throw membershipFailure(error);
        }
        try {
          const res = await this.session.call(
            origin,
            (api) => api.acceptInvite(code.inviteId, { device: registration, proof, entry: entries.at(-1)! }),
            joining,
          );
          return { preview, entries, res };
        } catch (error) {
          // A used invite is refused here too: the next preview says so for good.
          if (isHeadMoved(error)) return HEAD_MOVED;
          throw error;
        }
      });
      const workspaceId = res.workspaceId;
      if (workspaceId !== preview.workspaceId)
        throw new AppError('MEMBERSHIP_INVALID', 'the server answered for another workspace');
      const wrapKey = deriveInviteWrapKey(code.secret, code.inviteId, workspaceId);
      let wsKey: { keyId: number; key: Uint8Array } | null = null;
      try {
        wsKey = unwrapWorkspaceKey(fromBase64Url(res.wrappedKey), wrapKey, code.inviteId, workspaceId);
        const key = wsKey;
        this.session.db.transaction(() => {
          this.session.saveWorkspace({ workspaceId, deviceId, serverUrl: origin, name: null }, device, key);
          this.membership.start({ workspaceId, genesisHash: code.genesisHash }, entries);
        })();
      } finally {
        wrapKey.fill(0);
        wsKey?.key.fill(0);
      }
      return { workspaceId, deviceId };
    } finally {
      auth.secretKey.fill(0);
      code.secret.fill(0);
      device.signSecretKey.fill(0);
      device.boxSecretKey.fill(0);
    }
  }
}
