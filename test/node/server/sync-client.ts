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
  createInviteResponseSchema,
  createWorkspaceResponseSchema,
  pullResponseSchema,
  pushResponseSchema,
  type DeviceRegistration,
  type PulledDelta,
} from '../../../shared/sync/protocol';
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

  constructor(public baseUrl: string) {}

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
    const r = await this.call('POST', syncPath(syncRoutes.createWorkspace, {}), {
      workspaceId: this.workspaceId,
      device: this.registration(),
    });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    createWorkspaceResponseSchema.parse(r.json);
  }

  /** Creates an invite and returns its code (server URL + invite id + secret). */
  async invite(ttlMs = 60_000, now = Date.now()): Promise<string> {
    const inviteId = randomId();
    const secret = createInviteSecret();
    const wrapKey = deriveInviteWrapKey(secret, inviteId, this.workspaceId);
    const wrapped = wrapWorkspaceKey(this.workspaceKey!, wrapKey, inviteId, this.workspaceId);
    wrapKey.fill(0);
    const auth = deriveInviteAuthKey(secret, inviteId);
    const r = await this.call('POST', syncPath(syncRoutes.createInvite, { workspaceId: this.workspaceId }), {
      inviteId,
      wrappedKey: toBase64Url(wrapped),
      authPublicKey: toBase64Url(auth.publicKey),
      expiresAt: now + ttlMs,
    });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    createInviteResponseSchema.parse(r.json);
    return formatInviteCode({ serverUrl: this.baseUrl, inviteId, secret });
  }

  /** Accepts an invite code; on success holds the workspace id and key. Returns the raw response. */
  async accept(code: string): Promise<HttpResult> {
    const parsed = parseInviteCode(code);
    const reg = this.registration();
    const auth = deriveInviteAuthKey(parsed.secret, parsed.inviteId);
    const r1 = await this.call('POST', syncPath(syncRoutes.acceptInvite, { inviteId: parsed.inviteId }), {
      device: reg,
      proof: signInviteAcceptance(auth.secretKey, { inviteId: parsed.inviteId, ...reg }),
    });
    auth.secretKey.fill(0);
    if (r1.status !== 200) return r1;
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

  /** Seals `plaintexts` into deltas (fresh ids) and pushes them; returns the delta ids. */
  seal(plaintext: string, deltaId = randomId()): { deltaId: string; envelope: string } {
    const envelope = sealDelta(
      utf8(plaintext),
      { workspaceId: this.workspaceId, deviceId: this.deviceId, deltaId },
      this.workspaceKey!,
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
    let cursor = 0;
    for (;;) {
      const page = await this.pull(cursor, pageSize);
      for (const d of page.deltas) out.push({ delta: d, plaintext: this.open(d) });
      cursor = page.nextCursor;
      if (!page.hasMore) return out;
    }
  }

  open(d: PulledDelta): string {
    const bytes = openDelta(
      fromBase64Url(d.envelope),
      { workspaceId: this.workspaceId, deviceId: d.deviceId, deltaId: d.deltaId },
      (id) => (id === this.workspaceKey?.keyId ? this.workspaceKey.key : undefined),
    );
    return new TextDecoder().decode(bytes);
  }
}

/** The `{error: {code}}` of a failed response. */
export function errorCode(r: HttpResult): string | undefined {
  const body = r.json as { error?: { code?: string } } | undefined;
  return body?.error?.code;
}
