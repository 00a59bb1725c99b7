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
import type { SyncSession } from './sync.session';

/**
 * Threat model 5: TLS to the server; plain HTTP only to loopback. Deltas are end-to-end encrypted
 * anyway, but request signatures, device ids and timing should not cross a network in clear.
 */
export function checkServerUrl(serverUrl: string): void {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new AppError('VALIDATION', 'The server URL is not valid');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new AppError('VALIDATION', 'The server URL must not carry credentials, a query or a fragment');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && loopback) return;
  throw new AppError('VALIDATION', 'The server URL must use https (plain http only on this computer)');
}

/**
 * A device's id at the server: the CRM device id plus a random suffix (server ids are 16-64
 * characters). Pulled rows must carry an HLC whose device id is the pusher's CRM id, so no member
 * can push ops in another device's name.
 */
function newSyncDeviceId(crmDeviceId: string): string {
  return `${crmDeviceId}-${toBase64Url(randomBytes(6))}`;
}

/** Creating a workspace, inviting a device and joining one: the first contact of a vault with a server. */
export class SyncEnrolment {
  constructor(
    private readonly session: SyncSession,
    private readonly crmDeviceId: string,
    private readonly now: () => number,
  ) {}

  async createWorkspace(
    serverUrl: string,
    name: string,
    enrolmentCode?: string,
  ): Promise<{ workspaceId: string; deviceId: string }> {
    this.session.requireUnconfigured();
    checkServerUrl(serverUrl);
    const device = generateDeviceKeys();
    const wsKey = generateWorkspaceKey(1);
    const workspaceId = randomId();
    const deviceId = newSyncDeviceId(this.crmDeviceId);
    try {
      await this.session.call(
        serverUrl,
        (api) =>
          api.createWorkspace(
            workspaceId,
            {
              deviceId,
              signPublicKey: toBase64Url(device.signPublicKey),
              boxPublicKey: toBase64Url(device.boxPublicKey),
            },
            enrolmentCode,
          ),
        { joining: { deviceId, signSecretKey: device.signSecretKey } },
      );
      this.session.saveWorkspace({ workspaceId, deviceId, serverUrl, name }, device, wsKey);
    } finally {
      device.signSecretKey.fill(0);
      device.boxSecretKey.fill(0);
      wsKey.key.fill(0);
    }
    return { workspaceId, deviceId };
  }

  async createInvite(ttlHours: number): Promise<{ code: string; inviteId: string; expiresAt: string }> {
    const { ws } = this.session.require();
    const inviteId = randomId();
    const secret = createInviteSecret();
    const wrapKey = deriveInviteWrapKey(secret, inviteId, ws.workspaceId);
    const auth = deriveInviteAuthKey(secret, inviteId);
    try {
      const wrapped = wrapWorkspaceKey(this.session.latestWorkspaceKey(), wrapKey, inviteId, ws.workspaceId);
      const expiresAt = this.now() + ttlHours * 3600_000;
      const res = await this.session.api((api, workspaceId) =>
        api.createInvite(workspaceId, {
          inviteId,
          wrappedKey: toBase64Url(wrapped),
          authPublicKey: toBase64Url(auth.publicKey),
          expiresAt,
        }),
      );
      const code = formatInviteCode({ serverUrl: ws.serverUrl, inviteId, secret });
      return { code, inviteId, expiresAt: new Date(res.expiresAt).toISOString() };
    } finally {
      wrapKey.fill(0);
      auth.secretKey.fill(0);
      secret.fill(0);
    }
  }

  async acceptInvite(codeText: string): Promise<{ workspaceId: string; deviceId: string }> {
    this.session.requireUnconfigured();
    const code = parseInviteCode(codeText);
    checkServerUrl(code.serverUrl);
    const device = generateDeviceKeys();
    const auth = deriveInviteAuthKey(code.secret, code.inviteId);
    const deviceId = newSyncDeviceId(this.crmDeviceId);
    const registration = {
      deviceId,
      signPublicKey: toBase64Url(device.signPublicKey),
      boxPublicKey: toBase64Url(device.boxPublicKey),
    };
    try {
      const res = await this.session.call(
        code.serverUrl,
        (api) =>
          api.acceptInvite(code.inviteId, {
            device: registration,
            proof: signInviteAcceptance(auth.secretKey, { inviteId: code.inviteId, ...registration }),
          }),
        { joining: { deviceId, signSecretKey: device.signSecretKey } },
      );
      const workspaceId = res.workspaceId;
      const wrapKey = deriveInviteWrapKey(code.secret, code.inviteId, workspaceId);
      let wsKey: { keyId: number; key: Uint8Array } | null = null;
      try {
        wsKey = unwrapWorkspaceKey(fromBase64Url(res.wrappedKey), wrapKey, code.inviteId, workspaceId);
        this.session.saveWorkspace(
          { workspaceId, deviceId, serverUrl: code.serverUrl, name: null },
          device,
          wsKey,
        );
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
