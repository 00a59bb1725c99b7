import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmMigrations } from '../../../electron/services/crm/crm.migrations';
import { openEncryptedDatabase, type Db } from '../../../electron/services/db/database';
import { migrate } from '../../../electron/services/db/migrate';
import type { EntityKind } from '../../../shared/domain/crm.schemas';
import { entityRegistry, type EntitySpec, type FieldSpec } from '../../../shared/domain/entity.registry';
import { fieldMeta } from '../../../shared/domain/field.meta';
import { channels, type ChannelName } from '../../../shared/ipc/contract';

const specs: readonly EntitySpec[] = Object.values(entityRegistry);
const fieldsOf = (spec: EntitySpec): readonly FieldSpec[] => Object.values<FieldSpec>(spec.fields);

/** Every record table carries these besides the entity's fields (recordMetaSchema). */
const META_COLUMNS = ['id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'deleted_at'];

/** The SQLite column type each storage kind is kept in. */
const SQL_TYPE = { text: 'TEXT', json: 'TEXT', int: 'INTEGER', bool: 'INTEGER', real: 'REAL' } as const;

const LIST_CHANNEL = {
  account: 'accounts.list',
  contact: 'contacts.list',
  deal: 'deals.list',
  pipeline: 'pipelines.list',
  activity: 'activities.list',
  task: 'tasks.list',
  customField: 'customFields.list',
  exchangeRate: 'exchangeRates.list',
  quota: 'quotas.list',
  memberProfile: 'memberProfiles.list',
  savedView: 'savedViews.list',
} as const satisfies Record<EntityKind, ChannelName>;

interface TableColumn {
  name: string;
  type: string;
  notnull: 0 | 1;
}

describe('entity registry', () => {
  it('derives every field of every entity from a schema that carries field metadata', () => {
    for (const spec of specs) {
      const shape: Record<string, unknown> = spec.fieldsSchema.shape;
      expect(spec.fieldNames, spec.kind).toEqual(Object.keys(shape));
      expect(
        fieldsOf(spec).map((f) => f.name),
        spec.kind,
      ).toEqual(Object.keys(shape));
      for (const field of fieldsOf(spec)) {
        expect(fieldMeta.get(field.schema), `${spec.kind}.${field.name}`).toBeDefined();
        expect(field.schema, `${spec.kind}.${field.name}`).toBe(shape[field.name]);
      }
    }
  });

  it('gives every default a value its own field schema accepts unchanged', () => {
    for (const spec of specs) {
      for (const field of fieldsOf(spec)) {
        const name = field.name;
        if (!field.hasDefault) {
          expect(spec.defaults, `${spec.kind}.${name}`).not.toHaveProperty(name);
          continue;
        }
        const parsed = field.schema.safeParse(field.default);
        expect(parsed.success, `${spec.kind}.${name}`).toBe(true);
        expect(parsed.data, `${spec.kind}.${name}`).toEqual(field.default);
        expect(spec.defaults[name], `${spec.kind}.${name}`).toEqual(field.default);
      }
    }
  });
});

describe('entity registry against the migrated vault', () => {
  let dir: string;
  let db: Db;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fv-registry-'));
    db = openEncryptedDatabase(path.join(dir, 'vault.db'), randomBytes(32));
    migrate(db, [crmMigrations]);
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names each field column in snake_case and finds exactly those columns in the entity table', () => {
    for (const spec of specs) {
      const table = db.prepare<[string], TableColumn>('SELECT * FROM pragma_table_info(?)').all(spec.table);
      expect(table.length, spec.table).toBeGreaterThan(0);
      const fieldColumns = fieldsOf(spec).map((f) => f.column);
      for (const { name, column } of fieldsOf(spec)) {
        expect(column).toMatch(/^[a-z]+(_[a-z]+)*$/);
        expect(
          column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
          `${spec.kind}.${name}`,
        ).toBe(name);
      }
      expect(
        table.map((c) => c.name).sort(),
        `${spec.table} holds the meta columns and one column per field`,
      ).toEqual([...META_COLUMNS, ...fieldColumns].sort());
    }
  });

  it('keeps each field in a column of its storage type, NOT NULL exactly when the schema rejects null', () => {
    for (const spec of specs) {
      const table = db.prepare<[string], TableColumn>('SELECT * FROM pragma_table_info(?)').all(spec.table);
      for (const field of fieldsOf(spec)) {
        const column = table.find((c) => c.name === field.column);
        const where = `${spec.table}.${field.column}`;
        expect(column?.type, where).toBe(SQL_TYPE[field.storage]);
        expect(column?.notnull === 1, where).toBe(!field.schema.safeParse(null).success);
      }
    }
  });
});

describe('entity registry list columns', () => {
  it('sorts only by fields that the list channel and the list query both accept', () => {
    for (const spec of specs) {
      const input = channels[LIST_CHANNEL[spec.kind]].input;
      const sortable = spec.listColumns.filter((c) => c.sortable).map((c) => c.field);
      // The renderer ends every list with the updatedAt meta column, sortable too.
      const sorts = spec.listColumns.length > 0 ? [...sortable, 'updatedAt'] : sortable;
      for (const field of sorts) {
        for (const dir of ['asc', 'desc'] as const) {
          expect(input.safeParse({ sort: { field, dir } }).success, `${spec.kind} by ${field}`).toBe(true);
        }
        expect(spec.sorts, `${spec.kind} by ${field}`).toHaveProperty(field);
      }
    }
  });

  it('declares owner-like fields member-typed, and shows member columns as member names', () => {
    const members = specs.flatMap((spec) =>
      fieldsOf(spec)
        .filter((f) => f.input === 'member')
        .map((f) => `${spec.kind}.${f.name}`),
    );
    expect(members.sort()).toEqual([
      'account.ownerId',
      'contact.ownerId',
      'deal.ownerId',
      'quota.memberId',
      'task.assigneeId',
    ]);
    for (const spec of specs)
      for (const column of spec.listColumns) {
        const field = fieldsOf(spec).find((f) => f.name === column.field);
        if (field?.input === 'member') expect(column.show, `${spec.kind}.${column.field}`).toBe('member');
        if (column.show === 'member') expect(field?.input, `${spec.kind}.${column.field}`).toBe('member');
      }
  });

  it('shows money next to a currency and stages next to a pipeline', () => {
    for (const spec of specs) {
      for (const column of spec.listColumns) {
        const names: readonly string[] = spec.fieldNames;
        const field = fieldsOf(spec).find((f) => f.name === column.field);
        expect(field, `${spec.kind}.${column.field}`).toBeDefined();
        if (column.show === 'money') expect(names).toContain('currency');
        if (column.show === 'stage') expect(names).toContain('pipelineId');
        if (column.show === 'first' || column.show === 'join')
          expect(field?.storage, `${spec.kind}.${column.field}`).toBe('json');
      }
    }
    expect(entityRegistry.account.listColumns.map((c) => c.field)).toEqual([
      'name',
      'industry',
      'ownerId',
      'tags',
    ]);
    expect(entityRegistry.contact.listColumns.map((c) => c.field)).toEqual([
      'name',
      'title',
      'emails',
      'phones',
    ]);
    expect(entityRegistry.deal.listColumns.map((c) => c.field)).toEqual([
      'name',
      'amountMinor',
      'stageId',
      'expectedCloseDate',
      'ownerId',
      'status',
    ]);
  });
});

// Renderer modules are loaded at run time: the node test project does not type-check renderer code.
interface FormField {
  readonly name: string;
  readonly input: string;
}
type Parsed = { ok: true; value: unknown } | { ok: false; message: string };
interface RendererFields {
  supportedInputs: Record<string, true>;
  recordFields: Record<'account' | 'contact' | 'deal', readonly FormField[]>;
  toInput: (field: FormField, record: object) => string;
  parseField: (field: FormField, text: string, record: object, t: (key: string) => string) => Parsed;
}
const rendererFields = async (): Promise<RendererFields> =>
  (await import(pathToFileURL(path.resolve('renderer/src/crm/fields.ts')).href)) as RendererFields;

describe('entity registry forms in the renderer', () => {
  it('gives every form field an input kind the record page can edit', async () => {
    const { supportedInputs } = await rendererFields();
    for (const spec of specs) {
      for (const field of spec.form) {
        expect(field.input, `${spec.kind}.${field.name}`).not.toBeNull();
        expect(Object.keys(supportedInputs), `${spec.kind}.${field.name}`).toContain(field.input);
      }
    }
  });

  it('edits exactly the registry form of each record page, and an untouched default saves as itself', async () => {
    const { recordFields, toInput, parseField } = await rendererFields();
    for (const kind of ['account', 'contact', 'deal'] as const) {
      const spec = entityRegistry[kind];
      expect(recordFields[kind].map((f) => f.name)).toEqual(spec.form.map((f) => f.name));
      const record = { ...spec.defaults, currency: 'EUR' };
      for (const field of recordFields[kind]) {
        const registered = spec.form.find((f) => f.name === field.name);
        if (!registered?.hasDefault) continue;
        const parsed = parseField(field, toInput(field, record), record, (key) => key);
        expect(parsed, `${kind}.${field.name}`).toEqual({ ok: true, value: registered.default });
      }
    }
  });
});
