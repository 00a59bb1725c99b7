import type { z } from 'zod';
import type { ModuleContext } from '../module';
import type { Handler } from '../ipc/router';
import type { ChannelOutput, ParsedInput } from '../../../shared/ipc/contract';
import { AppError } from '../../../shared/errors';
import {
  accountSchema,
  activitySchema,
  contactSchema,
  customFieldSchema,
  dealSchema,
  pipelineSchema,
  taskSchema,
  type EntityKind,
} from '../../../shared/domain/crm.schemas';
import { timelineItemSchema } from '../../../shared/ipc/channels/crm.channels';
import { searchHitSchema } from '../../../shared/ipc/channels/search.schemas';
import {
  accountDef,
  activityDef,
  contactDef,
  customFieldDef,
  dealDef,
  entityDefs,
  pipelineDef,
  taskDef,
  type EntityDef,
} from './crm.entities';
import type { CrmChannelName } from './crm.module';
import type { CrmService } from './crm.service';
import type { RecordData } from './records.repository';
import { runSearch } from './search.service';
import { createImportHandlers } from './import.handlers';
import { NO_MEMBERS, type CsvMembersSource } from './members.csv';
import { exportVcard } from './export.vcard';
import { erasePerson, exportPerson } from './privacy.service';
import { activityIcs, agendaIcs } from './agenda.ics';
import { restoreRecord } from './records.restore';
import { recordTimeline } from './timeline.service';
import { checkNewCustomField } from './custom-fields.service';

type CrmHandlers = { readonly [C in CrmChannelName]: Handler<C> };
type Prefix = 'accounts' | 'contacts' | 'deals' | 'activities' | 'tasks' | 'pipelines' | 'customFields';
type CrudHandlers = Pick<CrmHandlers, `${Prefix}.${'create' | 'update' | 'get' | 'list' | 'delete'}`>;

/** Reports rows left out of an answer because they break the contract: kind and count only. */
export type SkipReporter = (entity: EntityKind, count: number) => void;

/** The handler result as the contract types it: validated by the router's output parse. */
function out<C extends CrmChannelName>(value: unknown): ChannelOutput<C> {
  return value as ChannelOutput<C>;
}

/** A stored row that breaks its record schema: the message names nothing of the row. */
function corrupt(cause?: unknown): AppError {
  return new AppError('CORRUPT_STORE', 'A stored record is damaged', cause ? { cause } : undefined);
}

/** Reads stored rows; a JSON column that is not JSON text surfaces from the repository as a SyntaxError. */
function stored<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof SyntaxError) throw corrupt(error);
    throw error;
  }
}

/** The records that pass `schema`, and how many did not (a list never fails for one bad row). */
export function keepValid<S extends z.ZodType>(
  rows: readonly unknown[],
  schema: S,
): { items: z.output<S>[]; skipped: number } {
  const items: z.output<S>[] = [];
  let skipped = 0;
  for (const row of rows) {
    const parsed = schema.safeParse(row);
    if (parsed.success) items.push(parsed.data);
    else skipped++;
  }
  return { items, skipped };
}

interface ListInput {
  readonly filter?: Readonly<Record<string, unknown>>;
  readonly sort?: { readonly field: string; readonly dir: 'asc' | 'desc' };
  readonly limit?: number;
  readonly cursor?: string;
  readonly includeDeleted?: boolean;
  readonly count?: boolean;
  readonly offset?: number;
}

/**
 * The five handlers of one entity. Every record they answer with is the stored row parsed with the
 * entity's record schema, so the result is typed by that schema; a row that breaks it is left out
 * of a list (and counted in `skipped`) and answers CORRUPT_STORE where it is asked for by itself.
 */
export function entityHandlers<S extends z.ZodObject, C extends Readonly<Record<string, unknown>>>(
  def: EntityDef<z.output<S>>,
  schema: S,
  svc: () => CrmService,
  report: SkipReporter,
  beforeCreate?: (s: CrmService, input: C) => Readonly<Record<string, unknown>>,
) {
  const one = (record: RecordData): z.output<S> => {
    const parsed = schema.safeParse(record);
    if (parsed.success) return parsed.data;
    report(def.kind, 1);
    throw corrupt();
  };
  return {
    create: (input: C) => {
      const s = svc();
      return one(s.create(def, beforeCreate ? beforeCreate(s, input) : input));
    },
    update: (input: { readonly id: string; readonly patch: Readonly<Record<string, unknown>> }) =>
      one(stored(() => svc().update(def, input.id, input.patch))),
    get: (input: { readonly id: string }) => one(stored(() => svc().get(def, input.id))),
    list: (input: ListInput | undefined) => {
      const page = stored(() => svc().list(def, input));
      const { items, skipped } = keepValid(page.items, schema);
      if (skipped > 0) report(def.kind, skipped);
      return { ...page, items, skipped };
    },
    delete: (input: { readonly id: string }) => stored(() => svc().delete(def, input.id)),
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

function crudHandlers(svc: () => CrmService, report: SkipReporter): CrudHandlers {
  const accounts = entityHandlers(accountDef, accountSchema, svc, report);
  const contacts = entityHandlers(contactDef, contactSchema, svc, report);
  const deals = entityHandlers(dealDef, dealSchema, svc, report, (s, input: ParsedInput<'deals.create'>) => ({
    ...input,
    position: input.position ?? s.endOfStage(input.pipelineId, input.stageId),
  }));
  const activities = entityHandlers(activityDef, activitySchema, svc, report);
  const tasks = entityHandlers(taskDef, taskSchema, svc, report);
  const pipelines = entityHandlers(pipelineDef, pipelineSchema, svc, report);
  const customFields = entityHandlers(
    customFieldDef,
    customFieldSchema,
    svc,
    report,
    (s, input: ParsedInput<'customFields.create'>) => checkNewCustomField(s, input),
  );
  return {
    'accounts.create': accounts.create,
    'accounts.update': accounts.update,
    'accounts.get': accounts.get,
    'accounts.list': accounts.list,
    'accounts.delete': accounts.delete,
    'contacts.create': contacts.create,
    'contacts.update': contacts.update,
    'contacts.get': contacts.get,
    'contacts.list': contacts.list,
    'contacts.delete': contacts.delete,
    'deals.create': deals.create,
    'deals.update': deals.update,
    'deals.get': deals.get,
    'deals.list': deals.list,
    'deals.delete': deals.delete,
    'activities.create': activities.create,
    'activities.update': activities.update,
    'activities.get': activities.get,
    'activities.list': activities.list,
    'activities.delete': activities.delete,
    'tasks.create': tasks.create,
    'tasks.update': tasks.update,
    'tasks.get': tasks.get,
    'tasks.list': tasks.list,
    'tasks.delete': tasks.delete,
    'pipelines.create': pipelines.create,
    'pipelines.update': pipelines.update,
    'pipelines.get': pipelines.get,
    'pipelines.list': pipelines.list,
    'pipelines.delete': pipelines.delete,
    'customFields.create': customFields.create,
    'customFields.update': customFields.update,
    'customFields.get': customFields.get,
    'customFields.list': customFields.list,
    'customFields.delete': customFields.delete,
  } satisfies CrudHandlers;
}

/** The crm handler map. `svc` returns the service over the open vault (or throws VAULT_LOCKED). */
export function createCrmHandlers(
  ctx: ModuleContext,
  svc: () => CrmService,
  members: CsvMembersSource = NO_MEMBERS,
): CrmHandlers {
  // Ids and values of a damaged row stay out of the log: which kind, and how many.
  const report: SkipReporter = (entity, count) =>
    ctx.logger.log('warn', 'crm.recordsSkipped', { entity, count });

  return {
    ...crudHandlers(svc, report),
    'deals.sumByStage': (input) => ({ stages: stored(() => svc().dealStageSums(input.filter)) }),
    'deals.move': (input) => {
      const moved = dealSchema.safeParse(stored(() => svc().moveDeal(input.id, input.stageId, input.index)));
      if (moved.success) return moved.data;
      report('deal', 1);
      throw corrupt();
    },
    'timeline.get': (input) => {
      const page = stored(() =>
        recordTimeline(
          svc(),
          input.entity,
          input.id,
          input.limit ?? 50,
          input.cursor ? decodeTimelineCursor(input.cursor) : null,
        ),
      );
      const items: z.output<typeof timelineItemSchema>[] = [];
      const skipped = new Map<EntityKind, number>();
      for (const item of page.items) {
        const parsed = timelineItemSchema.safeParse(item);
        if (parsed.success) items.push(parsed.data);
        else {
          const kind = item.type === 'change' ? input.entity : item.type;
          skipped.set(kind, (skipped.get(kind) ?? 0) + 1);
        }
      }
      let total = 0;
      for (const [kind, count] of skipped) {
        report(kind, count);
        total += count;
      }
      return { items, skipped: total, nextCursor: page.next ? encodeTimelineCursor(page.next) : null };
    },
    'search.query': (input) => {
      const found = runSearch(svc().search, input.q, input.limit ?? 20, input.entities ?? null);
      const { items, skipped } = keepValid(found, searchHitSchema);
      if (skipped > 0) ctx.logger.log('warn', 'crm.searchHitsSkipped', { count: skipped });
      return { hits: items, skipped };
    },
    ...createImportHandlers(ctx, svc, members),
    'export.vcard': (input) => exportVcard(svc(), input.ids ?? null, report),
    'privacy.exportPerson': (input) =>
      out<'privacy.exportPerson'>(exportPerson(svc(), input.contactId, ctx.now())),
    'privacy.erasePerson': (input) => erasePerson(svc(), input.contactId),
    'records.restore': (input) => {
      const def: EntityDef<unknown> = entityDefs[input.entity];
      const restored = stored(() => restoreRecord(svc(), def, input.id));
      return { entity: input.entity, id: restored.id, restoredAt: ctx.now() };
    },
    'agenda.exportIcs': (input) => stored(() => agendaIcs(svc(), input, ctx.now())),
    'activities.exportIcs': (input) =>
      stored(() => activityIcs(svc(), input.id, ctx.now(), input.kindLabels)),
  };
}
