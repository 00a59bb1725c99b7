import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError, type ErrorCode } from '../shared/errors';
import { syncRouteNames, syncRoutes, type SyncRoute, type SyncRouteName } from '../shared/sync/routes';

/** An AppError with an explicit HTTP status (e.g. 413 for a body over the limit). */
export class HttpError extends AppError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

/** `schema`'s output for `value`, or `VALIDATION` naming only the failing fields. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  // Only the paths of failing fields: the values could be anything a client sent.
  if (!r.success) {
    const where = r.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new AppError('VALIDATION', `invalid request: ${where}`);
  }
  return r.data;
}

/** What a handler gets: the path parameters already parsed, body and query parsed when it asks. */
export interface RouteContext<R extends SyncRoute> {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly params: z.output<R['params']>;
  /** The body, parsed with the route's schema; handlers call it where their checks order it (after authentication, say). */
  readonly body: () => z.output<NonNullable<R['body']>>;
  /** The query string, parsed with the route's schema. */
  readonly query: () => z.output<NonNullable<R['query']>>;
}

/** Answers with the route's response body (sent with the route's status), or with `reply` once it sent another answer. */
export type RouteHandler<R extends SyncRoute> = (
  context: RouteContext<R>,
) => Promise<z.input<R['response']> | FastifyReply>;

/** One handler per route of the table. */
export type SyncHandlers = { readonly [K in SyncRouteName]: RouteHandler<(typeof syncRoutes)[K]> };

function bind<R extends SyncRoute>(
  app: FastifyInstance,
  route: R,
  handler: RouteHandler<R>,
  rateLimited: boolean,
): void {
  const { body, query } = route;
  app.route({
    method: route.method,
    url: route.path,
    config: rateLimited ? {} : { rateLimit: false },
    handler: async (request, reply) => {
      const result = await handler({
        request,
        reply,
        params: parse<R['params']>(route.params, request.params),
        body: () => {
          if (!body) throw new AppError('INTERNAL', 'route takes no body');
          return parse<NonNullable<R['body']>>(body, request.body);
        },
        query: () => {
          if (!query) throw new AppError('INTERNAL', 'route takes no query');
          return parse<NonNullable<R['query']>>(query, request.query);
        },
      });
      if (result === reply) return reply;
      return reply.status(route.status).send(result);
    },
  });
}

/**
 * Registers every route of `syncRoutes` with its handler; nothing else is routed. Routes in
 * `unlimited` skip the rate limit (health checks of a load balancer).
 */
export function bindSyncRoutes(
  app: FastifyInstance,
  handlers: SyncHandlers,
  unlimited: readonly SyncRouteName[] = [],
): void {
  const one = <K extends SyncRouteName>(name: K) =>
    bind<(typeof syncRoutes)[K]>(app, syncRoutes[name], handlers[name], !unlimited.includes(name));
  for (const name of syncRouteNames) one(name);
}
