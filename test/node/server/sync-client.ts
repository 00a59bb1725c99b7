import { expect } from 'vitest';
import type { z } from 'zod';
import { generateDeviceKeys, randomId } from '../../../shared/sync/device-keys';
import { fromBase64Url, toBase64Url, utf8 } from '../../../shared/sync/encoding';
import { openDelta, sealDelta, type WorkspaceKey } from '../../../shared/sync/envelope';
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
  acceptInviteResponseSchema,
  appendMembershipResponseSchema,
  createInviteResponseSchema,
  membershipLogResponseSchema,
  createWorkspaceResponseSchema,
  pullResponseSchema,
  pushResponseSchema,
  type DeviceRegistration,
  type PulledDelta,
} from '../../../shared/sync/protocol';
import {
  entryHash,
  genesisEntry,
  joinEntry,
  signAfter,
  verifyMembershipLog,
  type MemberDevice,
  type MembershipBody,
  type MembershipEntry,
  type MembershipState,
  type Role,
} from '../../../shared/sync/membership';
import { syncPath, syncRoutes } from '../../../shared/sync/routes';
import { signRequest } from '../../../shared/sync/signing';

export interface HttpResult {
  readonly status: number;
  readonly json: unknown;
  readonly headers: Headers;
}

export interface CallOptions {
  /** Sign with this clock instead of now. */
  readonly now?: number;
  readonly nonce?: string;
  /** Send these exact body bytes (signature still over `body`'s JSON unless `signBody` is given). */
  readonly sendBytes?: Uint8Array;
  readonly unsigned?: boolean;
  /** Replace the signature headers entirely (replays). */
  readonly headers?: Record<string, string>;
}

/** A minimal sync client for tests: device keys, signed requests, the workspace key, sealing. */
export class TestDevice {
  readonly keys = generateDeviceKeys();
  readonly deviceId = randomId();
  workspaceId = '';
  workspaceKey: WorkspaceKey | undefined;
  /** The signature headers of the last request (to replay it). */
  lastHeaders: Record<string, string> = {};
  /** The membership log as this device last verified it. */
  state: MembershipState | null = null;
  genesisHash = '';

  constructor(public baseUrl: string) {}

  member(name = 'test device'): MemberDevice {
    return { ...this.registration(), clockId: this.deviceId.slice(0, 12), name };
  }

  registration(): DeviceRegistration {
    return {
      deviceId: this.deviceId,
      signPublicKey: toBase64Url(this.keys.signPublicKey),
      boxPublicKey: toBase64Url(this.keys.boxPublicKey),
    };
  }

  async call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<HttpResult> {
    const bytes = body === undefined ? undefined : utf8(JSON.stringify(body));
    const signed = options.unsigned
      ? {}
      : (options.headers ??
        signRequest({
          method,
          path,
          body: bytes,
          deviceId: this.deviceId,
          signSecretKey: this.keys.signSecretKey,
          now: options.now,
          nonce: options.nonce,
        }));
    this.lastHeaders = signed;
    const sent = options.sendBytes ?? bytes;
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: { ...signed, ...(sent ? { 'content-type': 'application/json' } : {}) },
      body: sent ? Buffer.from(sent) : undefined,
    });
    const text = await response.text();
    return {
      status: response.status,
      json: text ? (JSON.parse(text) as unknown) : undefined,
      headers: response.headers,
    };
  }

  async createWorkspace(): Promise<void> {
    this.workspaceId = randomId();
    this.workspaceKey = { keyId: 1, key: new Uint8Array(crypto.getRandomValues(new Uint8Array(32))) };
    const genesis = genesisEntry(this.workspaceId, this.member(), this.keys.signSecretKey, Date.now());
    const r = await this.call('POST', syncPath(syncRoutes.createWorkspace, {}), {
      workspaceId: this.workspaceId,
      device: this.registration(),
      genesis,
    });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    createWorkspaceResponseSchema.parse(r.json);
    this.genesisHash = entryHash(genesis);
    this.state = verifyMembershipLog([genesis], {
      workspaceId: this.workspaceId,
      genesisHash: this.genesisHash,
    });
  }

  /** Fetches and verifies the whole membership log (as a client must before signing on its head). */
  async refresh(): Promise<MembershipState> {
    const r = await this.call(
      'GET',
      syncPath(syncRoutes.membership, { workspaceId: this.workspaceId }, { from: 0 }),
    );
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const log = membershipLogResponseSchema.parse(r.json);
    this.state = verifyMembershipLog(log.entries, {
      workspaceId: this.workspaceId,
      genesisHash: this.genesisHash,
    });
    return this.state;
  }

  /** Signs a role change or revocation on the current head (the rules are not checked: a hostile client may send anything). */
  signEntry(
    body: Extract<
      MembershipBody,
      { kind: 'role' } | { kind: 'revoke' } | { kind: 'invite' } | { kind: 'rotate' }
    >,
  ): MembershipEntry {
    // Unchecked: a hostile client signs what an honest one would refuse; the server must judge it.
    return signAfter(
      this.state!,
      { deviceId: this.deviceId, signSecretKey: this.keys.signSecretKey },
      body,
      Date.now(),
    );
  }

  /** POSTs a signed role change or revocation; returns the raw response. */
  async appendMembership(
    body: Extract<MembershipBody, { kind: 'role' } | { kind: 'revoke' } | { kind: 'rotate' }>,
  ): Promise<HttpResult> {
    await this.refresh();
    const entry = this.signEntry(body);
    const r = await this.call(
      'POST',
      syncPath(syncRoutes.appendMembership, { workspaceId: this.workspaceId }),
      {
        entry,
      },
    );
    if (r.status === 200) appendMembershipResponseSchema.parse(r.json);
    return r;
  }

  revoke(deviceId: string): Promise<HttpResult> {
    return this.appendMembership({ kind: 'revoke', deviceId });
  }

  /** Creates an invite and returns its code (server URL + invite id + secret + genesis hash). */
  async invite(ttlMs = 60_000, now = Date.now(), role: Role = 'member'): Promise<string> {
    const inviteId = randomId();
    const secret = createInviteSecret();
    const wrapKey = deriveInviteWrapKey(secret, inviteId, this.workspaceId);
    const wrapped = wrapWorkspaceKey(this.workspaceKey!, wrapKey, inviteId, this.workspaceId);
    wrapKey.fill(0);
    const auth = deriveInviteAuthKey(secret, inviteId);
    await this.refresh();
    const authPublicKey = toBase64Url(auth.publicKey);
    const r = await this.call('POST', syncPath(syncRoutes.createInvite, { workspaceId: this.workspaceId }), {
      inviteId,
      wrappedKey: toBase64Url(wrapped),
      authPublicKey,
      expiresAt: now + ttlMs,
      entry: this.signEntry({ kind: 'invite', inviteId, authPublicKey, role }),
    });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    createInviteResponseSchema.parse(r.json);
    return formatInviteCode({ serverUrl: this.baseUrl, inviteId, secret, genesisHash: this.genesisHash });
  }

  /** The last acceptance sent, so accepting the same code again is a retry with the same bytes. */
  private lastAccept: { inviteId: string; body: unknown } | null = null;

  /** Accepts an invite code; on success holds the workspace id and key. Returns the raw response. */
  async accept(code: string): Promise<HttpResult> {
    const parsed = parseInviteCode(code);
    if (this.lastAccept?.inviteId === parsed.inviteId)
      return this.call(
        'POST',
        syncPath(syncRoutes.acceptInvite, { inviteId: parsed.inviteId }),
        this.lastAccept.body,
      );
    const reg = this.registration();
    const auth = deriveInviteAuthKey(parsed.secret, parsed.inviteId);
    const proof = signInviteAcceptance(auth.secretKey, { inviteId: parsed.inviteId, ...reg });
    auth.secretKey.fill(0);
    const preview = await this.call(
      'POST',
      syncPath(syncRoutes.previewInvite, { inviteId: parsed.inviteId }),
      {
        device: reg,
        proof,
      },
    );
    if (preview.status !== 200) return preview;
    const log = membershipLogResponseSchema.parse(preview.json);
    const state = verifyMembershipLog(log.entries, {
      workspaceId: log.workspaceId,
      genesisHash: parsed.genesisHash,
    });
    const entry = joinEntry(
      state,
      { device: this.member(), signSecretKey: this.keys.signSecretKey },
      { inviteId: parsed.inviteId, proof },
      Date.now(),
    );
    const acceptBody = { device: reg, proof, entry };
    this.lastAccept = { inviteId: parsed.inviteId, body: acceptBody };
    const r1 = await this.call(
      'POST',
      syncPath(syncRoutes.acceptInvite, { inviteId: parsed.inviteId }),
      acceptBody,
    );
    if (r1.status !== 200) return r1;
    this.genesisHash = parsed.genesisHash;
    const body = acceptInviteResponseSchema.parse(r1.json);
    const wrapKey = deriveInviteWrapKey(parsed.secret, parsed.inviteId, body.workspaceId);
    this.workspaceId = body.workspaceId;
    this.workspaceKey = unwrapWorkspaceKey(
      fromBase64Url(body.wrappedKey),
      wrapKey,
      parsed.inviteId,
      body.workspaceId,
    );
    wrapKey.fill(0);
    return r1;
  }

  signKeyOf(deviceId: string): Uint8Array {
    const member = this.state?.members.get(deviceId);
    if (member) return fromBase64Url(member.device.signPublicKey);
    return this.keys.signPublicKey;
  }

  /** Seals `plaintexts` into deltas (fresh ids) and pushes them; returns the delta ids. */
  seal(plaintext: string, deltaId = randomId()): { deltaId: string; envelope: string } {
    const envelope = sealDelta(
      utf8(plaintext),
      { workspaceId: this.workspaceId, deviceId: this.deviceId, deltaId },
      this.workspaceKey!,
      this.keys.signSecretKey,
    );
    return { deltaId, envelope: toBase64Url(envelope) };
  }

  async push(deltas: { deltaId: string; envelope: string }[]): Promise<z.infer<typeof pushResponseSchema>> {
    const r = await this.call('POST', syncPath(syncRoutes.push, { workspaceId: this.workspaceId }), {
      deltas,
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return pushResponseSchema.parse(r.json);
  }

  async pull(after: number, limit?: number): Promise<z.infer<typeof pullResponseSchema>> {
    const r = await this.call(
      'GET',
      syncPath(syncRoutes.pull, { workspaceId: this.workspaceId }, { after, limit }),
    );
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return pullResponseSchema.parse(r.json);
  }

  /** Pulls the whole log page by page and opens every delta. */
  async pullAll(pageSize = 100): Promise<{ delta: PulledDelta; plaintext: string }[]> {
    const out: { delta: PulledDelta; plaintext: string }[] = [];
    // The authors' keys come from the verified membership log.
    await this.refresh();
    let cursor = 0;
    for (;;) {
      const page = await this.pull(cursor, pageSize);
      for (const d of page.deltas) out.push({ delta: d, plaintext: this.open(d) });
      cursor = page.nextCursor;
      if (!page.hasMore) return out;
    }
  }

  /** Opens a delta, checking its author's signature with the key the verified log (or this device) holds. */
  open(d: PulledDelta, signPublicKey: Uint8Array = this.signKeyOf(d.deviceId)): string {
    const { plaintext } = openDelta(
      fromBase64Url(d.envelope),
      { workspaceId: this.workspaceId, deviceId: d.deviceId, deltaId: d.deltaId },
      (id) => (id === this.workspaceKey?.keyId ? this.workspaceKey.key : undefined),
      signPublicKey,
    );
    return new TextDecoder().decode(plaintext);
  }
}

/** The `{error: {code}}` of a failed response. */
export function errorCode(r: HttpResult): string | undefined {
  const body = r.json as { error?: { code?: string } } | undefined;
  return body?.error?.code;
}
