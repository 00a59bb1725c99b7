import type { EntityKind } from '../../../shared/domain/crm.schemas';
import {
  entityRegistry,
  type EntitySpec,
  type FieldSpec,
  type SortSpec,
} from '../../../shared/domain/entity.registry';

export type { SearchDoc } from '../../../shared/domain/entity.registry';

/** How one API field is stored (the registry's field spec: column, storage kind, schema, default). */
export type FieldDef = FieldSpec;

/** A keyset-sortable SQL expression; nullable columns are coalesced so (expr, id) is a total order. */
export interface SortDef {
  readonly expr: string;
  readonly kind: 'text' | 'num';
}

/**
 * An entity as the repositories see it: the shared registry's spec with its sorts as SQL expressions.
 * Identifiers here come only from the registry's constants.
 */
export interface EntityDef<T> extends Omit<EntitySpec<T>, 'sorts' | 'fields'> {
  readonly fields: Readonly<Record<string, FieldDef>>;
  readonly sorts: Readonly<Record<string, SortDef>>;
}

function sqlLiteral(value: string | number): string {
  return typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;
}

function sortDef(sort: SortSpec): SortDef {
  const value =
    sort.nulls === undefined ? sort.column : `coalesce(${sort.column}, ${sqlLiteral(sort.nulls)})`;
  // The collation on the expression governs ORDER BY and the cursor's row-value comparison alike.
  return { expr: sort.collate === 'nocase' ? `${value} COLLATE NOCASE` : value, kind: sort.kind };
}

function toDef<T>(spec: EntitySpec<T>): EntityDef<T> {
  return {
    ...spec,
    sorts: Object.fromEntries(Object.entries(spec.sorts).map(([name, s]) => [name, sortDef(s)])),
  };
}

export const accountDef = toDef(entityRegistry.account);
export const contactDef = toDef(entityRegistry.contact);
export const pipelineDef = toDef(entityRegistry.pipeline);
export const dealDef = toDef(entityRegistry.deal);
export const activityDef = toDef(entityRegistry.activity);
export const taskDef = toDef(entityRegistry.task);
export const customFieldDef = toDef(entityRegistry.customField);
export const exchangeRateDef = toDef(entityRegistry.exchangeRate);
export const quotaDef = toDef(entityRegistry.quota);
export const memberProfileDef = toDef(entityRegistry.memberProfile);
export const savedViewDef = toDef(entityRegistry.savedView);

/** Every entity by kind. */
export const entityDefs = {
  account: accountDef,
  contact: contactDef,
  deal: dealDef,
  pipeline: pipelineDef,
  activity: activityDef,
  task: taskDef,
  customField: customFieldDef,
  exchangeRate: exchangeRateDef,
  quota: quotaDef,
  memberProfile: memberProfileDef,
  savedView: savedViewDef,
} as const satisfies Record<EntityKind, EntityDef<never>>;

/** The definition of an entity kind named by untrusted input (a remote op), or null. */
export function defOf(kind: string): EntityDef<unknown> | null {
  return Object.hasOwn(entityDefs, kind) ? entityDefs[kind as EntityKind] : null;
}

/** The well-known id of the seeded default pipeline: identical on every device, so sync never duplicates it. */
export { DEFAULT_PIPELINE_ID } from '../../../shared/domain/crm.seed';
