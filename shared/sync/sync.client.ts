import type { z } from 'zod';
import { AppError, isErrorCode } from '../errors';
import { utf8 } from './encoding';
import type { acceptInviteRequestSchema, createInviteRequestSchema, pushRequestSchema } from './protocol';
import {
  acceptInviteResponseSchema,
  createInviteResponseSchema,
  createWorkspaceResponseSchema,
  ENROLMENT_HEADER,
  errorResponseSchema,
  healthResponseSchema,
  listDevicesResponseSchema,
  meResponseSchema,
  pullResponseSchema,
  pushResponseSchema,
  revokeDeviceResponseSchema,
  syncRoutes,
  waitResponseSchema,
  type DeviceRegistration,
} from './protocol';
import { SERVER_TIME_HEADER, signRequest } from './signing';

/** One HTTP exchange, implemented by the host (Node's fetch in Electron main, a stub in tests). */
export type HttpTransport = (request: {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}) => Promise<{
  readonly status: number;
  readonly text: string;
  readonly headers: { get(name: string): string | null };
}>;

/** The device identity a client signs with (its private key lives in the encrypted vault). */
export interface SigningDevice {
  readonly deviceId: string;
  readonly signSecretKey: Uint8Array;
}

/**
 * A typed client of the sync server's HTTP API: signs every request, parses every response with the
 * protocol schemas, and maps failures to `AppError` codes: the server's code for an error response
 * (`DEVICE_REVOKED`, `RATE_LIMITED`, ...), `SYNC_OFFLINE` when the server cannot be reached, and
 * `INTERNAL` for a response that does not match the protocol. On `CLOCK_SKEW` it adopts the
 * server's clock offset and retries once.
 */
export class SyncApiClient {
  /** Server clock minus local clock, learned from a `CLOCK_SKEW` answer. */
  clockOffsetMs = 0;
  private readonly base: string;

  constructor(
    serverUrl: string,
    private readonly transport: HttpTransport,
    private readonly device: SigningDevice,
    private readonly clock: () => number = Date.now,
  ) {
    this.base = serverUrl.replace(/\/+$/, '');
  }

  health(): Promise<z.output<typeof healthResponseSchema>> {
    return this.send('GET', syncRoutes.health, undefined, healthResponseSchema, false);
  }

  /** `enrolmentCode`: the code IT gave out, for a server that only accepts approved workspaces. */
  createWorkspace(workspaceId: string, device: DeviceRegistration, enrolmentCode?: string) {
    return this.send(
      'POST',
      syncRoutes.workspaces,
      { workspaceId, device },
      createWorkspaceResponseSchema,
      true,
      enrolmentCode ? { [ENROLMENT_HEADER]: enrolmentCode } : {},
    );
  }

  createInvite(workspaceId: string, invite: z.input<typeof createInviteRequestSchema>) {
    return this.send('POST', syncRoutes.invites(workspaceId), invite, createInviteResponseSchema);
  }

  acceptInvite(inviteId: string, body: z.input<typeof acceptInviteRequestSchema>) {
    return this.send('POST', syncRoutes.acceptInvite(inviteId), body, acceptInviteResponseSchema);
  }

  me(workspaceId: string) {
    return this.send('GET', syncRoutes.me(workspaceId), undefined, meResponseSchema);
  }

  listDevices(workspaceId: string) {
    return this.send('GET', syncRoutes.devices(workspaceId), undefined, listDevicesResponseSchema);
  }

  revokeDevice(workspaceId: string, deviceId: string) {
    return this.send('POST', syncRoutes.revokeDevice(workspaceId, deviceId), {}, revokeDeviceResponseSchema);
  }

  push(workspaceId: string, deltas: z.input<typeof pushRequestSchema>['deltas']) {
    return this.send('POST', syncRoutes.deltas(workspaceId), { deltas }, pushResponseSchema);
  }

  pull(workspaceId: string, after: number, limit?: number) {
    return this.send('GET', syncRoutes.pull(workspaceId, after, limit), undefined, pullResponseSchema);
  }

  /**
   * Long-poll: resolves when the log grows past `after` or after `timeoutMs` (max 30 s). To cancel
   * earlier (app quitting), give the client a transport that aborts its own requests.
   */
  wait(workspaceId: string, after: number, timeoutMs: number) {
    return this.send('GET', syncRoutes.wait(workspaceId, after, timeoutMs), undefined, waitResponseSchema);
  }

  private async send<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    schema: S,
    signed = true,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<z.output<S>> {
    const bytes = body === undefined ? undefined : utf8(JSON.stringify(body));
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = signed
        ? signRequest({
            method,
            path,
            body: bytes,
            deviceId: this.device.deviceId,
            signSecretKey: this.device.signSecretKey,
            now: this.clock() + this.clockOffsetMs,
          })
        : {};
      if (bytes) headers['content-type'] = 'application/json';
      Object.assign(headers, extraHeaders);
      let response: Awaited<ReturnType<HttpTransport>>;
      try {
        response = await this.transport({ method, url: this.base + path, headers, body: bytes });
      } catch (error) {
        throw new AppError('SYNC_OFFLINE', 'sync server unreachable', { cause: error });
      }
      let json: unknown;
      try {
        json = response.text ? (JSON.parse(response.text) as unknown) : undefined;
      } catch {
        throw new AppError('INTERNAL', `sync server sent a malformed response (HTTP ${response.status})`);
      }
      if (response.status >= 200 && response.status < 300) {
        const parsed = schema.safeParse(json);
        if (!parsed.success)
          throw new AppError('INTERNAL', 'sync server response does not match the protocol');
        return parsed.data;
      }
      const error = errorResponseSchema.safeParse(json);
      const code = error.success && isErrorCode(error.data.error.code) ? error.data.error.code : 'INTERNAL';
      const serverTime = Number(response.headers.get(SERVER_TIME_HEADER));
      if (code === 'CLOCK_SKEW' && attempt === 0 && Number.isFinite(serverTime) && serverTime > 0) {
        this.clockOffsetMs = serverTime - this.clock();
        continue;
      }
      if (response.status >= 500 || response.status === 429) {
        // Retryable: the caller's backoff decides when.
        throw new AppError(
          code === 'RATE_LIMITED' ? 'RATE_LIMITED' : 'SYNC_OFFLINE',
          `sync server answered HTTP ${response.status}`,
        );
      }
      throw new AppError(
        code,
        error.success ? error.data.error.message.slice(0, 200) : `HTTP ${response.status}`,
      );
    }
  }
}
