import { randomBytes } from 'node:crypto';
import { encodeDelta } from '../../../../electron/services/sync/sync.delta';
import { formatHlc } from '../../../../shared/domain/hlc';
import { uuidv7 } from '../../../../shared/domain/ids';
import { AppError } from '../../../../shared/errors';
import { generateDeviceKeys, randomId } from '../../../../shared/sync/device-keys';
import { fromBase64Url, toBase64Url } from '../../../../shared/sync/encoding';
import { envelopeDigest, sealDelta, type WorkspaceKey } from '../../../../shared/sync/envelope';
import {
  deriveInviteAuthKey,
  deriveInviteWrapKey,
  parseInviteCode,
  signInviteAcceptance,
  unwrapWorkspaceKey,
} from '../../../../shared/sync/invite';
import {
  joinEntry,
  signAfter,
  verifyMembershipLog,
  type MembershipEntry,
} from '../../../../shared/sync/membership';
import { SyncApiClient, type HttpTransport } from '../../../../shared/sync/sync.client';

/** How long one HTTP request to the sync server may take. */
const HTTP_TIMEOUT_MS = 30_000;

const fetchHttp: HttpTransport = async ({ method, url, headers, body }) => {
  const response = await fetch(url, {
    method,
    headers,
    body: body ? Buffer.from(body) : undefined,
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
};

/** Random letters and digits only: no `-`, so `<crmId>-<suffix>` splits unambiguously. */
function alnum(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

/** One op as the hostile member writes it: any entity, any record id, any field values. */
export interface HostileOp {
  readonly entity: string;
  readonly recordId: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * A workspace member that is not the app: it joins through a real invite like a device would, so it
 * holds the workspace key and its deltas authenticate, then pushes whatever ops it likes. Its server
 * device id is `<crmId>-<suffix>` and its ops are stamped with `<crmId>`, as the engine names devices.
 */
export class HostileMember {
  readonly crmDeviceId = alnum(12);
  readonly deviceId = `${this.crmDeviceId}-${alnum(8)}`;
  private readonly keys = generateDeviceKeys();
  private api: SyncApiClient | undefined;
  private workspaceId = '';
  private workspaceKey: WorkspaceKey | undefined;
  private lastWall = 0;
  private counter = 0;
  /** The HLC device id its ops carry: its own, unless it impersonates. */
  private clockId = this.crmDeviceId;
  /** This member's own delta chain (issue 11): its last dseq and envelope digest. */
  private dseq = 0;
  private lastDigest: Uint8Array | null = null;

  /** Accepts an invite code (as `invites.create` returned it) and unwraps the workspace key. */
  async join(code: string): Promise<void> {
    const invite = parseInviteCode(code);
    this.api = new SyncApiClient(invite.serverUrl, fetchHttp, {
      deviceId: this.deviceId,
      signSecretKey: this.keys.signSecretKey,
    });
    const device = {
      deviceId: this.deviceId,
      signPublicKey: toBase64Url(this.keys.signPublicKey),
      boxPublicKey: toBase64Url(this.keys.boxPublicKey),
    };
    const auth = deriveInviteAuthKey(invite.secret, invite.inviteId);
    const proof = signInviteAcceptance(auth.secretKey, { inviteId: invite.inviteId, ...device });
    auth.secretKey.fill(0);
    // Joining is a signed entry of the membership log, on the head the invite's log verifies to.
    const preview = await this.api.previewInvite(invite.inviteId, { device, proof });
    const log = verifyMembershipLog(preview.entries, {
      workspaceId: preview.workspaceId,
      genesisHash: invite.genesisHash,
    });
    const entry = joinEntry(
      log,
      {
        device: { ...device, clockId: this.crmDeviceId, name: 'Hostile laptop' },
        signSecretKey: this.keys.signSecretKey,
      },
      { inviteId: invite.inviteId, proof },
      Date.now(),
    );
    const accepted = await this.api.acceptInvite(invite.inviteId, { device, proof, entry });
    const wrapKey = deriveInviteWrapKey(invite.secret, invite.inviteId, accepted.workspaceId);
    this.workspaceKey = unwrapWorkspaceKey(
      fromBase64Url(accepted.wrappedKey),
      wrapKey,
      invite.inviteId,
      accepted.workspaceId,
    );
    wrapKey.fill(0);
    this.workspaceId = accepted.workspaceId;
  }

  /**
   * Signs a revocation of `deviceId` on the current head and sends it, as a member with no right to.
   * Returns the error code the server answered, or 'ok'.
   */
  async revoke(deviceId: string): Promise<string> {
    if (!this.api) throw new Error('the hostile member has not joined');
    const entry = await this.forgeRevocation(deviceId);
    try {
      await this.api.appendMembership(this.workspaceId, entry);
      return 'ok';
    } catch (error) {
      return error instanceof AppError ? error.code : 'not an AppError';
    }
  }

  /** The signed revocation of `deviceId` it has no right to make, on the current head, unsent. */
  async forgeRevocation(deviceId: string): Promise<MembershipEntry> {
    if (!this.api) throw new Error('the hostile member has not joined');
    const log = await this.api.membership(this.workspaceId, 0);
    const state = verifyMembershipLog(log.entries, { workspaceId: this.workspaceId, genesisHash: null });
    const author = { deviceId: this.deviceId, signSecretKey: this.keys.signSecretKey };
    return signAfter(state, author, { kind: 'revoke', deviceId }, Date.now());
  }

  /** The workspace it joined. */
  get workspace(): string {
    return this.workspaceId;
  }

  /** The clock id the verified membership log records for `deviceId` (to impersonate it). */
  async clockIdOf(deviceId: string): Promise<string> {
    if (!this.api) throw new Error('the hostile member has not joined');
    const log = await this.api.membership(this.workspaceId, 0);
    const state = verifyMembershipLog(log.entries, { workspaceId: this.workspaceId, genesisHash: null });
    const member = state.members.get(deviceId);
    if (!member) throw new Error('no such member');
    return member.device.clockId;
  }

  /** Stamps its ops with another device's clock id from now on (impersonation). */
  impersonate(clockId: string): void {
    this.clockId = clockId;
  }

  /** Seals `op` alone into one delta, bound to this device, chained and signed by it, and pushes it. */
  async push(op: HostileOp): Promise<void> {
    if (!this.api || !this.workspaceKey) throw new Error('the hostile member has not joined');
    const plaintext = encodeDelta(
      [
        {
          opId: uuidv7(),
          entity: op.entity,
          recordId: op.recordId,
          hlc: this.stamp(),
          fields: JSON.stringify(op.fields),
        },
      ],
      { dseq: this.dseq + 1, prev: this.lastDigest },
    );
    const deltaId = randomId();
    const envelope = sealDelta(
      plaintext,
      { workspaceId: this.workspaceId, deviceId: this.deviceId, deltaId },
      this.workspaceKey,
      this.keys.signSecretKey,
    );
    this.dseq += 1;
    this.lastDigest = envelopeDigest(envelope);
    const pushed = await this.api.push(this.workspaceId, [{ deltaId, envelope: toBase64Url(envelope) }]);
    if (pushed.results.length !== 1 || pushed.results[0]!.duplicate) {
      throw new Error(`the server did not append the delta: ${JSON.stringify(pushed)}`);
    }
  }

  /** A fresh HLC stamp of this device, strictly increasing. */
  private stamp(): string {
    const wall = Date.now();
    if (wall > this.lastWall) {
      this.lastWall = wall;
      this.counter = 0;
    } else this.counter += 1;
    return formatHlc({ wall: this.lastWall, counter: this.counter, deviceId: this.clockId });
  }
}
