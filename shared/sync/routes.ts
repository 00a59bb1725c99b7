import { z } from 'zod';
import { AppError } from '../errors';
import {
  acceptInviteRequestSchema,
  acceptInviteResponseSchema,
  appendMembershipRequestSchema,
  appendMembershipResponseSchema,
  createInviteRequestSchema,
  createInviteResponseSchema,
  createWorkspaceRequestSchema,
  createWorkspaceResponseSchema,
  healthResponseSchema,
  listDevicesResponseSchema,
  meResponseSchema,
  membershipLogResponseSchema,
  membershipQuerySchema,
  previewInviteRequestSchema,
  pullQuerySchema,
  pullResponseSchema,
  pushRequestSchema,
  pushResponseSchema,
  syncIdSchema,
  waitQuerySchema,
  waitResponseSchema,
} from './protocol';
import {
  commitSnapshotRequestSchema,
  compactLogRequestSchema,
  compactLogResponseSchema,
  commitSnapshotResponseSchema,
  latestSnapshotResponseSchema,
  putSnapshotChunkRequestSchema,
  putSnapshotChunkResponseSchema,
  snapshotChunkQuerySchema,
  snapshotChunkResponseSchema,
  snapshotParamsSchema,
} from './snapshot.protocol';

/**
 * One route of the sync API: everything the server binds and the client builds requests from.
 * `path` is a template whose `:name` segments are the `params` (always ids, so they need no escaping
 * when valid). `body` is the JSON request body, `query` the query string; `response` parses a
 * success answer, which comes with `status`.
 */
export interface SyncRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly params: z.ZodObject;
  readonly body: z.ZodType | undefined;
  readonly query: z.ZodType | undefined;
  readonly response: z.ZodType;
  readonly status: 200 | 201;
  /** Signed with a device key (see signing.ts): every route but `health`. */
  readonly signed: boolean;
}

const none = z.object({});
const workspace = z.object({ workspaceId: syncIdSchema });

/**
 * The sync server's HTTP API (version 1), route by route; the server registers exactly these and
 * `SyncApiClient` has one method per entry, of the same name.
 */
export const syncRoutes = {
  health: {
    method: 'GET',
    path: '/health',
    params: none,
    body: undefined,
    query: undefined,
    response: healthResponseSchema,
    status: 200,
    signed: false,
  },
  /** Signed by the new device's own key (proof of possession). */
  createWorkspace: {
    method: 'POST',
    path: '/v1/workspaces',
    params: none,
    body: createWorkspaceRequestSchema,
    query: undefined,
    response: createWorkspaceResponseSchema,
    status: 201,
    signed: true,
  },
  createInvite: {
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/invites',
    params: workspace,
    body: createInviteRequestSchema,
    query: undefined,
    response: createInviteResponseSchema,
    status: 201,
    signed: true,
  },
  /** Signed by the joining device's own key. */
  acceptInvite: {
    method: 'POST',
    path: '/v1/invites/:inviteId/accept',
    params: z.object({ inviteId: syncIdSchema }),
    body: acceptInviteRequestSchema,
    query: undefined,
    response: acceptInviteResponseSchema,
    status: 200,
    signed: true,
  },
  /** The calling device (a cheap revocation check). */
  me: {
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/me',
    params: workspace,
    body: undefined,
    query: undefined,
    response: meResponseSchema,
    status: 200,
    signed: true,
  },
  listDevices: {
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/devices',
    params: workspace,
    body: undefined,
    query: undefined,
    response: listDevicesResponseSchema,
    status: 200,
    signed: true,
  },
  /** Signed by the joining device's own key: the membership log it will sign its join on. */
  previewInvite: {
    method: 'POST',
    path: '/v1/invites/:inviteId/preview',
    params: z.object({ inviteId: syncIdSchema }),
    body: previewInviteRequestSchema,
    query: undefined,
    response: membershipLogResponseSchema,
    status: 200,
    signed: true,
  },
  /** The signed membership log from `from`; revoked devices may read it (to verify their revocation). */
  membership: {
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/membership',
    params: workspace,
    body: undefined,
    query: membershipQuerySchema,
    response: membershipLogResponseSchema,
    status: 200,
    signed: true,
  },
  /** A signed role change or revocation; refused (FORBIDDEN) unless the log authorises its author. */
  appendMembership: {
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/membership',
    params: workspace,
    body: appendMembershipRequestSchema,
    query: undefined,
    response: appendMembershipResponseSchema,
    status: 200,
    signed: true,
  },
  push: {
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/deltas',
    params: workspace,
    body: pushRequestSchema,
    query: undefined,
    response: pushResponseSchema,
    status: 200,
    signed: true,
  },
  pull: {
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/deltas',
    params: workspace,
    body: undefined,
    query: pullQuerySchema,
    response: pullResponseSchema,
    status: 200,
    signed: true,
  },
  /** Long-poll: answers as soon as `latestSeq > after`, or when the wait times out. */
  wait: {
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/wait',
    params: workspace,
    body: undefined,
    query: waitQuerySchema,
    response: waitResponseSchema,
    status: 200,
    signed: true,
  },
  /** One sealed chunk of a snapshot being uploaded (owners and admins). */
  putSnapshotChunk: {
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/snapshots/:snapshotId/chunks',
    params: snapshotParamsSchema,
    body: putSnapshotChunkRequestSchema,
    query: undefined,
    response: putSnapshotChunkResponseSchema,
    status: 200,
    signed: true,
  },
  /** Commits an uploaded snapshot by its manifest, signed by the calling owner or admin device. */
  commitSnapshot: {
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/snapshots',
    params: workspace,
    body: commitSnapshotRequestSchema,
    query: undefined,
    response: commitSnapshotResponseSchema,
    status: 200,
    signed: true,
  },
  /** The workspace's committed snapshot (its signed manifest), or null. */
  latestSnapshot: {
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/snapshots/latest',
    params: workspace,
    body: undefined,
    query: undefined,
    response: latestSnapshotResponseSchema,
    status: 200,
    signed: true,
  },
  /** One sealed chunk of the committed snapshot. */
  snapshotChunk: {
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/snapshots/:snapshotId/chunks',
    params: snapshotParamsSchema,
    body: undefined,
    query: snapshotChunkQuerySchema,
    response: snapshotChunkResponseSchema,
    status: 200,
    signed: true,
  },
  /** Deletes the deltas the committed snapshot supersedes, by an owner's or admin's signed statement. */
  compactLog: {
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/compactions',
    params: workspace,
    body: compactLogRequestSchema,
    query: undefined,
    response: compactLogResponseSchema,
    status: 200,
    signed: true,
  },
} as const satisfies Record<string, SyncRoute>;

export type SyncRouteName = keyof typeof syncRoutes;

/** Path parameters of a route, by name. */
export type SyncRouteParams<R extends SyncRoute> = { readonly [K in keyof R['params']['shape']]: string };

/** Query parameters of a route (omitted ones take the server's default). */
export type SyncRouteQuery<R extends SyncRoute> = R['query'] extends z.ZodType
  ? { readonly [K in keyof z.input<R['query']>]?: number | undefined }
  : Record<string, never>;

/**
 * The request path (with query string) of `route`: the exact text a request signs. Query parameters
 * come in the order given; undefined ones are left out.
 */
export function syncPath<R extends SyncRoute>(
  route: R,
  params: SyncRouteParams<R>,
  query?: SyncRouteQuery<R>,
): string {
  const values: Readonly<Record<string, string>> = params;
  const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new AppError('INTERNAL', `missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
  if (!route.query || !query) return path;
  const given: Readonly<Record<string, number | undefined>> = query;
  const pairs = Object.entries(given).flatMap(([key, value]) =>
    value === undefined ? [] : [`${key}=${encodeURIComponent(String(value))}`],
  );
  return pairs.length > 0 ? `${path}?${pairs.join('&')}` : path;
}

/** Every route's name, in table order. */
export const syncRouteNames: readonly SyncRouteName[] = Object.keys(syncRoutes).filter(
  (name): name is SyncRouteName => name in syncRoutes,
);
