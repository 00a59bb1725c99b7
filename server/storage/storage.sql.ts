import { AppError } from '../../shared/errors';

/**
 * What the storage rules (storage.rules.ts) and the SQL dialects share: the generator protocol
 * through which a rule hands its statements to a dialect, and the schema migrations.
 *
 * Statements use `?` placeholders; a dialect rewrites them into its own parameter style. Rules are
 * generators that yield statements and receive their results, so one rule drives a synchronous
 * driver (better-sqlite3, inside one synchronous transaction: nothing else can interleave) and an
 * asynchronous one (pg) alike.
 */

/** A value bound to a placeholder. */
export type SqlParam = string | number | null | Buffer;

/** One statement for the dialect to run: `rows` wants the result rows, `count` the changed row count. */
export interface SqlOp {
  readonly sql: string;
  readonly params: readonly SqlParam[];
  readonly want: 'rows' | 'count';
}

/** A rule: yields statements, receives each one's rows (`rows`) or changed count (`count`). */
export type Work<T> = Generator<SqlOp, T, unknown>;

/**
 * How a rule runs. `tx`: one transaction that takes the write lock at once (whole database in
 * SQLite, the rows the rule locks in PostgreSQL). `plain`: each statement on its own (reads, and
 * single-statement writes, atomic anyway). `bookkeeping`: per-request records (nonces, rate
 * windows) whose loss in a power cut is tolerable, so a dialect may skip the fsync for them.
 */
export type WorkMode = 'tx' | 'plain' | 'bookkeeping';

/** What a dialect supplies: parameter style and execution (inside `run`), transactions, type mapping. */
export interface SqlDialect {
  readonly kind: 'sqlite' | 'postgres';
  /** Appended to a SELECT that must lock the rows it reads until the transaction ends ('' when the transaction locks everything). */
  readonly lockRows: string;
  /** Run (with the workspace id) inside an append that added deltas, to tell other instances at commit. */
  readonly notifyAppend?: string;
  /**
   * Runs `work` to completion. Integer columns must come back as numbers and binary ones as
   * Buffers. In `tx` mode any throw rolls everything back and is rethrown.
   */
  run<T>(mode: WorkMode, work: Work<T>): Promise<T>;
  close(): Promise<void>;
}

/** Thrown inside a `tx` rule to roll back and still answer `value`. */
export class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

/** Runs a statement and returns its rows. */
export function* rows<R>(sql: string, params: readonly SqlParam[]): Generator<SqlOp, R[], unknown> {
  // Row shapes are fixed by the schema the migrations create.
  return (yield { sql, params, want: 'rows' }) as R[];
}

/** Runs a statement and returns its first row, if any. */
export function* row<R>(sql: string, params: readonly SqlParam[]): Generator<SqlOp, R | undefined, unknown> {
  return (yield* rows<R>(sql, params))[0];
}

/** Runs a statement and returns how many rows it changed. */
export function* count(sql: string, params: readonly SqlParam[]): Generator<SqlOp, number, unknown> {
  const n = yield { sql, params, want: 'count' };
  return typeof n === 'number' ? n : 0;
}

/** `?, ?, ?` for `n` values. */
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** Rewrites `?` placeholders as `$1, $2, ...` (the SQL here has no `?` inside literals). */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Column types that differ between dialects; everything else in the schema is common SQL. */
export interface SchemaTypes {
  /** 64-bit integer (ms timestamps, sequence numbers). */
  readonly bigint: string;
  /** Byte string. */
  readonly bytes: string;
  /** Table option for small tables keyed by their primary key ('' when the dialect has none). */
  readonly keyedTable: string;
  /**
   * Statements that keep the planner's statistics of the deltas table current as the log grows
   * (issue 17); '' when the dialect's planner needs none for the primary-key range reads.
   */
  readonly deltasStatistics: string;
}

/**
 * The schema, as numbered migrations: append only, never edit one that shipped. A database records
 * how many have run: its schema version.
 */
export const MIGRATIONS: readonly ((t: SchemaTypes) => string)[] = [
  (t) => `CREATE TABLE workspaces (
     workspace_id TEXT PRIMARY KEY,
     created_at ${t.bigint} NOT NULL,
     last_seq ${t.bigint} NOT NULL DEFAULT 0
   );
   CREATE TABLE devices (
     device_id TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL REFERENCES workspaces (workspace_id),
     sign_public_key ${t.bytes} NOT NULL,
     box_public_key ${t.bytes} NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
     created_at ${t.bigint} NOT NULL,
     revoked_at ${t.bigint},
     invited_by TEXT
   );
   CREATE INDEX devices_by_workspace ON devices (workspace_id);
   CREATE TABLE invites (
     invite_id TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL REFERENCES workspaces (workspace_id),
     created_by TEXT NOT NULL,
     wrapped_key ${t.bytes} NOT NULL,
     auth_public_key ${t.bytes} NOT NULL,
     created_at ${t.bigint} NOT NULL,
     expires_at ${t.bigint} NOT NULL,
     used_at ${t.bigint},
     used_by TEXT
   );
   CREATE TABLE deltas (
     workspace_id TEXT NOT NULL,
     seq ${t.bigint} NOT NULL,
     delta_id TEXT NOT NULL,
     device_id TEXT NOT NULL,
     received_at ${t.bigint} NOT NULL,
     envelope ${t.bytes} NOT NULL,
     PRIMARY KEY (workspace_id, seq),
     UNIQUE (workspace_id, delta_id)
   );
   CREATE TABLE nonces (
     device_id TEXT NOT NULL,
     nonce TEXT NOT NULL,
     expires_at ${t.bigint} NOT NULL,
     PRIMARY KEY (device_id, nonce)
   )${t.keyedTable};
   CREATE INDEX nonces_by_expiry ON nonces (expires_at);`,
  (t) => `CREATE TABLE rate_windows (
     key TEXT PRIMARY KEY,
     window_start ${t.bigint} NOT NULL,
     count INTEGER NOT NULL
   )${t.keyedTable};
   CREATE INDEX rate_windows_by_start ON rate_windows (window_start);`,
  // v3: the signed membership log (issue 11), entry by entry as the devices signed it, and each
  // device's role as the log decides it.
  (t) => `CREATE TABLE membership (
     workspace_id TEXT NOT NULL REFERENCES workspaces (workspace_id),
     seq ${t.bigint} NOT NULL,
     entry TEXT NOT NULL,
     PRIMARY KEY (workspace_id, seq)
   );
   ALTER TABLE devices ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
     CHECK (role IN ('owner', 'admin', 'member', 'viewer'));`,
  // v4: key epochs (issue 12). The newest workspace key epoch a committed \`rotate\` entry named;
  // pushes sealed under an older one are refused. Existing workspaces start at epoch 1.
  () => `ALTER TABLE workspaces ADD COLUMN epoch INTEGER NOT NULL DEFAULT 1;`,
  // v5: encrypted snapshots (issue 12). Sealed chunks as opaque bytes, and per workspace the one
  // committed snapshot with the manifest its maker signed.
  (t) => `CREATE TABLE snapshots (
     workspace_id TEXT PRIMARY KEY REFERENCES workspaces (workspace_id),
     snapshot_id TEXT NOT NULL,
     device_id TEXT NOT NULL,
     epoch INTEGER NOT NULL,
     seq ${t.bigint} NOT NULL,
     chunk_count INTEGER NOT NULL,
     manifest TEXT NOT NULL,
     signature TEXT NOT NULL,
     created_at ${t.bigint} NOT NULL
   );
   CREATE TABLE snapshot_chunks (
     workspace_id TEXT NOT NULL REFERENCES workspaces (workspace_id),
     snapshot_id TEXT NOT NULL,
     idx INTEGER NOT NULL,
     chunk ${t.bytes} NOT NULL,
     PRIMARY KEY (workspace_id, snapshot_id, idx)
   );`,
  // v6: issue 17. The deltas table's statistics
  // follow the log as it grows (an append-only table is otherwise analysed only after 10% growth,
  // and never vacuumed for its visibility map), analysed once now.
  (t) => t.deltasStatistics,
  // v7: compaction (issue 12 item 3). Every delta with seq <= compacted_seq was deleted, superseded
  // by a committed snapshot; a pull starting below it is told to bootstrap from that snapshot.
  (t) => `ALTER TABLE workspaces ADD COLUMN compacted_seq ${t.bigint} NOT NULL DEFAULT 0;`,
];

/** The schema version this build creates and understands. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * A database written by a newer server: this build refuses to run on it (it would not know what the
 * newer migrations changed) and never migrates down.
 */
export class SchemaTooNewError extends AppError {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      'SCHEMA_TOO_NEW',
      `sync storage schema version ${found} is newer than this server supports (${supported}): upgrade the server`,
    );
  }
}

/**
 * A database an older server wrote, opened by a tool that must not migrate it (the admin CLI reads
 * while a server of the matching version runs; migrating is that server's job when it starts).
 */
export class SchemaTooOldError extends AppError {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      'VALIDATION',
      `sync storage schema version ${found} is older than this build (${supported}): start the upgraded server once to migrate it`,
    );
  }
}

/**
 * The migrations a database at schema version `found` still needs, in order, rendered for a dialect.
 * Throws `SchemaTooNewError` for a database newer than this build, and with `migrate` false
 * `SchemaTooOldError` for one that would need migrating.
 */
export function pendingMigrations(
  found: number,
  types: SchemaTypes,
  migrate = true,
): { readonly version: number; readonly sql: string }[] {
  if (!Number.isInteger(found) || found < 0) {
    throw new AppError('CORRUPT_STORE', 'sync storage has an invalid schema version');
  }
  if (found > SCHEMA_VERSION) throw new SchemaTooNewError(found, SCHEMA_VERSION);
  if (!migrate && found < SCHEMA_VERSION) throw new SchemaTooOldError(found, SCHEMA_VERSION);
  return MIGRATIONS.slice(found).map((m, i) => ({ version: found + i + 1, sql: m(types) }));
}
