import type { z } from 'zod';
import { AppError, isErrorCode } from '../errors';
import { utf8 } from './encoding';
import type { MembershipEntry } from './membership';
import {
  ENROLMENT_HEADER,
  errorResponseSchema,
  type acceptInviteRequestSchema,
  type createInviteRequestSchema,
  type DeviceRegistration,
  type healthResponseSchema,
  type previewInviteRequestSchema,
  type pushRequestSchema,
} from './protocol';
import { syncPath, syncRoutes, type SyncRoute, type SyncRouteParams, type SyncRouteQuery } from './routes';
import { SERVER_TIME_HEADER, signRequest } from './signing';
import type { SignedCompaction } from './compaction';
import type { SignedManifest } from './snapshot';

/**
 * One HTTP exchange, implemented by the host (Node's fetch in Electron main, a stub in tests). It must
 * not follow redirects: a 3xx comes back as the response (its target would receive the signed headers).
 */
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

/** What one call puts into its route's request. */
interface SyncRequest<R extends SyncRoute> {
  readonly params: SyncRouteParams<R>;
  readonly query?: SyncRouteQuery<R>;
  readonly body?: R['body'] extends z.ZodType ? z.input<R['body']> : never;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The device identity a client signs with (its private key lives in the encrypted vault). */
export interface SigningDevice {
  readonly deviceId: string;
  readonly signSecretKey: Uint8Array;
}

/**
 * A typed client of the sync server's HTTP API, one method per route of `syncRoutes` (same names):
 * builds each request from its route (method, path, signing), parses every response with the
 * route's schema, and maps failures to `AppError` codes: the server's code for an error response
 * (`DEVICE_REVOKED`, `RATE_LIMITED`, ...), `SYNC_OFFLINE` when the server cannot be reached,
 * `SYNC_REDIRECTED` for any 3xx answer (transports must not follow redirects), and `INTERNAL` for
 * a response that does not match the protocol. On `CLOCK_SKEW` it adopts the
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
    return this.#send(syncRoutes.health, { params: {} });
  }

  /** `enrolmentCode`: the code IT gave out, for a server that only accepts approved workspaces. */
  createWorkspace(
    workspaceId: string,
    device: DeviceRegistration,
    genesis: MembershipEntry,
    enrolmentCode?: string,
  ) {
    return this.#send(syncRoutes.createWorkspace, {
      params: {},
      body: { workspaceId, device, genesis },
      headers: enrolmentCode ? { [ENROLMENT_HEADER]: enrolmentCode } : {},
    });
  }

  createInvite(workspaceId: string, invite: z.input<typeof createInviteRequestSchema>) {
    return this.#send(syncRoutes.createInvite, { params: { workspaceId }, body: invite });
  }

  acceptInvite(inviteId: string, body: z.input<typeof acceptInviteRequestSchema>) {
    return this.#send(syncRoutes.acceptInvite, { params: { inviteId }, body });
  }

  me(workspaceId: string) {
    return this.#send(syncRoutes.me, { params: { workspaceId } });
  }

  listDevices(workspaceId: string) {
    return this.#send(syncRoutes.listDevices, { params: { workspaceId } });
  }

  previewInvite(inviteId: string, body: z.input<typeof previewInviteRequestSchema>) {
    return this.#send(syncRoutes.previewInvite, { params: { inviteId }, body });
  }

  membership(workspaceId: string, from: number) {
    return this.#send(syncRoutes.membership, { params: { workspaceId }, query: { from } });
  }

  appendMembership(workspaceId: string, entry: MembershipEntry) {
    return this.#send(syncRoutes.appendMembership, { params: { workspaceId }, body: { entry } });
  }

  push(workspaceId: string, deltas: z.input<typeof pushRequestSchema>['deltas']) {
    return this.#send(syncRoutes.push, { params: { workspaceId }, body: { deltas } });
  }

  pull(workspaceId: string, after: number, limit?: number) {
    return this.#send(syncRoutes.pull, { params: { workspaceId }, query: { after, limit } });
  }

  /**
   * Long-poll: resolves when the log grows past `after` or after `timeoutMs` (max 30 s). To cancel
   * earlier (app quitting), give the client a transport that aborts its own requests.
   */
  wait(workspaceId: string, after: number, timeoutMs: number) {
    return this.#send(syncRoutes.wait, { params: { workspaceId }, query: { after, timeoutMs } });
  }

  putSnapshotChunk(workspaceId: string, snapshotId: string, index: number, chunk: string) {
    return this.#send(syncRoutes.putSnapshotChunk, {
      params: { workspaceId, snapshotId },
      body: { index, chunk },
    });
  }

  commitSnapshot(workspaceId: string, manifest: SignedManifest) {
    return this.#send(syncRoutes.commitSnapshot, { params: { workspaceId }, body: { manifest } });
  }

  latestSnapshot(workspaceId: string) {
    return this.#send(syncRoutes.latestSnapshot, { params: { workspaceId } });
  }

  snapshotChunk(workspaceId: string, snapshotId: string, index: number) {
    return this.#send(syncRoutes.snapshotChunk, { params: { workspaceId, snapshotId }, query: { index } });
  }

  /** Asks the server to delete the deltas the committed snapshot supersedes (owner or admin). */
  compactLog(workspaceId: string, statement: SignedCompaction) {
    return this.#send(syncRoutes.compactLog, { params: { workspaceId }, body: { statement } });
  }

  /** One exchange on a route of the table: its method, path, signing and response schema. */
  async #send<R extends SyncRoute, T>(
    route: R & { readonly response: z.ZodType<T> },
    request: SyncRequest<R>,
  ): Promise<T> {
    const path = syncPath(route, request.params, request.query);
    const { method, signed } = route;
    const body = request.body;
    const extraHeaders = request.headers ?? {};
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
      // The transport never follows redirects (a signed request must reach only the configured
      // server); an answer pointing elsewhere is a misconfiguration or an attack, not an outage.
      if (response.status >= 300 && response.status < 400) {
        throw new AppError(
          'SYNC_REDIRECTED',
          `sync server answered HTTP ${response.status} (a redirect); redirects are not followed`,
        );
      }
      let json: unknown;
      try {
        json = response.text ? (JSON.parse(response.text) as unknown) : undefined;
      } catch {
        throw new AppError('INTERNAL', `sync server sent a malformed response (HTTP ${response.status})`);
      }
      if (response.status >= 200 && response.status < 300) {
        const parsed = route.response.safeParse(json);
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
