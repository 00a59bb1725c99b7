import type { ModuleContext } from '../module';
import type { Handler } from '../ipc/router';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { AppError } from '../../../shared/errors';
import {
  accountDef,
  activityDef,
  contactDef,
  dealDef,
  pipelineDef,
  taskDef,
  type EntityDef,
} from './crm.entities';
import type { CrmChannelName } from './crm.module';
import type { CrmService } from './crm.service';
import { runSearch } from './search.service';
import { commitImport, previewImport } from './import.csv';
import { exportCsv } from './export.csv';
import { exportVcard } from './export.vcard';
import { erasePerson, exportPerson } from './privacy.service';

type CrmHandlers = { readonly [C in CrmChannelName]: Handler<C> };

/** The handler result as the contract types it: records are validated by the router's output parse. */
function out<C extends CrmChannelName>(value: unknown): ChannelOutput<C> {
  return value as ChannelOutput<C>;
}

function crud<P extends string, T>(
  prefix: P,
  def: EntityDef<T>,
  svc: () => CrmService,
  beforeCreate?: (s: CrmService, input: Record<string, unknown>) => Record<string, unknown>,
) {
  return {
    [`${prefix}.create`]: (input: Record<string, unknown>) => {
      const s = svc();
      return s.create(def, beforeCreate ? beforeCreate(s, input) : input);
    },
    [`${prefix}.update`]: (input: { id: string; patch: Record<string, unknown> }) =>
      svc().update(def, input.id, input.patch),
    [`${prefix}.get`]: (input: { id: string }) => svc().get(def, input.id),
    [`${prefix}.list`]: (
      input:
        | {
            filter?: Record<string, unknown>;
            sort?: { field: string; dir: 'asc' | 'desc' };
            limit?: number;
            cursor?: string;
            includeDeleted?: boolean;
            count?: boolean;
            offset?: number;
          }
        | undefined,
    ) => svc().list(def, input),
    [`${prefix}.delete`]: (input: { id: string }) => svc().delete(def, input.id),
  };
}

function encodeTimelineCursor(c: { at: number; key: string }): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

function decodeTimelineCursor(text: string): { at: number; key: string } {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { at?: unknown; key?: unknown };
    if (typeof c.at === 'number' && Number.isFinite(c.at) && typeof c.key === 'string')
      return { at: c.at, key: c.key };
  } catch {
    // fall through to the typed error
  }
  throw new AppError('VALIDATION', 'The cursor is not valid');
}

/** The crm handler map. `svc` returns the service over the open vault (or throws VAULT_LOCKED). */
export function createCrmHandlers(ctx: ModuleContext, svc: () => CrmService): CrmHandlers {
  const generic = {
    ...crud('accounts', accountDef, svc),
    ...crud('contacts', contactDef, svc),
    ...crud('deals', dealDef, svc, (s, input) => ({
      ...input,
      position: input.position ?? s.endOfStage(input.pipelineId as string, input.stageId as string),
    })),
    ...crud('activities', activityDef, svc),
    ...crud('tasks', taskDef, svc),
    ...crud('pipelines', pipelineDef, svc),
  } as unknown as Pick<
    CrmHandlers,
    `${'accounts' | 'contacts' | 'deals' | 'activities' | 'tasks' | 'pipelines'}.${'create' | 'update' | 'get' | 'list' | 'delete'}`
  >;

  return {
    ...generic,
    'deals.move': (input) => out<'deals.move'>(svc().moveDeal(input.id, input.stageId, input.index)),
    'timeline.get': (input) => {
      const page = svc().timeline(
        input.entity,
        input.id,
        input.limit ?? 50,
        input.cursor ? decodeTimelineCursor(input.cursor) : null,
      );
      return out<'timeline.get'>({
        items: page.items,
        nextCursor: page.next ? encodeTimelineCursor(page.next) : null,
      });
    },
    'search.query': (input) => ({
      hits: runSearch(svc().search, input.q, input.limit ?? 20, input.entities ?? null),
    }),
    'import.preview': (input) => previewImport(svc(), input, ctx.now()),
    'import.commit': (input) => commitImport(svc(), input, ctx),
    'export.csv': (input) => exportCsv(svc(), input.entity, input.ids ?? null),
    'export.vcard': (input) => exportVcard(svc(), input.ids ?? null),
    'privacy.exportPerson': (input) =>
      out<'privacy.exportPerson'>(exportPerson(svc(), input.contactId, ctx.now())),
    'privacy.erasePerson': (input) => erasePerson(svc(), input.contactId),
  };
}
