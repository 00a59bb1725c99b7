import pg from 'pg';
import { SqlSyncStorage } from './storage.rules';
import {
  MIGRATIONS,
  numberedPlaceholders,
  pendingMigrations,
  type SchemaTypes,
  type SqlDialect,
  type Work,
  type WorkMode,
} from './storage.sql';

const POSTGRES_TYPES: SchemaTypes = {
  bigint: 'BIGINT',
  bytes: 'BYTEA',
  keyedTable: '',
  // Autovacuum analyses after 1% growth (or 10k rows) instead of 10%, and vacuums after inserts
  // alone, so the planner keeps choosing the primary-key range for pulls as the log grows 10x.
  deltasStatistics: `ALTER TABLE deltas SET (
     autovacuum_analyze_scale_factor = 0.01,
     autovacuum_analyze_threshold = 10000,
     autovacuum_vacuum_insert_scale_factor = 0.02,
     autovacuum_vacuum_insert_threshold = 10000
   );
   ANALYZE deltas;`,
};

/** The schema migrations as PostgreSQL runs them; `fv_schema` records how many ran. */
/** The password as pg takes it without the connection string's empty one overriding it. */
function passwordOption(password: string): () => string {
  return () => password;
}

export const POSTGRES_MIGRATIONS: readonly string[] = MIGRATIONS.map((m) => m(POSTGRES_TYPES));
const MIGRATION_LOCK = 0x46565359; // "FVSY"
const NOTIFY_CHANNEL = 'fv_deltas';
const INT8_OID = 20;

/** BIGINT as a number (pg's default is a string): every value here is < 2^53 (ms timestamps, sequence numbers). */
const types: pg.CustomTypesConfig = {
  getTypeParser: (id: number, format?: 'text' | 'binary') => {
    if (id === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    const builtin: unknown = pg.types.getTypeParser(id, format);
    return builtin;
  },
};

/** Reads a database's schema version (0 for an empty database). */
export async function postgresSchemaVersion(client: pg.ClientBase): Promise<number> {
  await client.query('CREATE TABLE IF NOT EXISTS fv_schema (version INTEGER NOT NULL)');
  const r = await client.query<{ version: number }>('SELECT version FROM fv_schema');
  if (r.rows.length === 0) await client.query('INSERT INTO fv_schema (version) VALUES (0)');
  return r.rows[0]?.version ?? 0;
}

class PostgresDialect implements SqlDialect {
  readonly kind = 'postgres' as const;
  readonly lockRows = ' FOR UPDATE';
  // Delivered on commit only: listeners never see an append that rolled back.
  readonly notifyAppend = `SELECT pg_notify('${NOTIFY_CHANNEL}', ?)`;
  private readonly texts = new Map<string, string>();

  constructor(readonly pool: pg.Pool) {}

  private async drive<T>(client: pg.Pool | pg.PoolClient, work: Work<T>): Promise<T> {
    let step = work.next();
    while (!step.done) {
      const op = step.value;
      let text = this.texts.get(op.sql);
      if (text === undefined) {
        text = numberedPlaceholders(op.sql);
        this.texts.set(op.sql, text);
      }
      const r = await client.query(text, [...op.params]);
      step = work.next(op.want === 'rows' ? r.rows : (r.rowCount ?? 0));
    }
    return step.value;
  }

  async run<T>(mode: WorkMode, work: Work<T>): Promise<T> {
    if (mode !== 'tx') return this.drive(this.pool, work);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const value = await this.drive(client, work);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * PostgreSQL storage for high availability and scale-out: several server instances share one
 * database, and appends wake long-polls on every instance (LISTEN/NOTIFY).
 */
export class PostgresSyncStorage extends SqlSyncStorage {
  private constructor(
    dialect: PostgresDialect,
    private readonly connectionString: string,
    private readonly password: string | undefined,
  ) {
    super(dialect);
  }

  /**
   * Connects and migrates the schema forward (under an advisory lock, so instances may start
   * together). Throws `SchemaTooNewError` for a database a newer server wrote, leaving it untouched.
   * `password` (read from a file by the caller) keeps the secret out of the URL and the process
   * list; without it pg falls back to the URL, then `PGPASSWORD`, then `~/.pgpass`. With
   * `migrate: false` (the admin CLI) an older database is refused with `SchemaTooOldError`.
   */
  static async connect(
    connectionString: string,
    options: { maxConnections?: number; password?: string; migrate?: boolean } = {},
  ): Promise<PostgresSyncStorage> {
    const pool = new pg.Pool({
      connectionString,
      max: options.maxConnections ?? 10,
      types,
      // A function: pg merges the URL's (empty) password over a plain string option, losing it.
      ...(options.password !== undefined ? { password: passwordOption(options.password) } : {}),
    });
    // An idle client losing its connection (database restart) must not crash the server.
    pool.on('error', () => undefined);
    try {
      await migrate(pool, options.migrate ?? true);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresSyncStorage(new PostgresDialect(pool), connectionString, options.password);
  }

  /**
   * LISTEN on a dedicated connection. If it drops, it reconnects after a second; meanwhile the
   * server's periodic storage check still wakes waiters, only later.
   */
  async watch(onAppend: (workspaceId: string) => void): Promise<() => Promise<void>> {
    let closed = false;
    let client: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const c = new pg.Client({
        connectionString: this.connectionString,
        ...(this.password !== undefined ? { password: passwordOption(this.password) } : {}),
      });
      c.on('notification', (msg) => {
        if (msg.channel === NOTIFY_CHANNEL && msg.payload) onAppend(msg.payload);
      });
      c.on('error', () => {
        void c.end().catch(() => undefined);
        if (client === c) client = undefined;
        if (!closed) retry = setTimeout(() => void connect().catch(() => undefined), 1_000);
      });
      await c.connect();
      await c.query(`LISTEN ${NOTIFY_CHANNEL}`);
      if (closed) {
        await c.end();
        return;
      }
      client = c;
    };
    await connect();
    return async () => {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end();
    };
  }
}

async function migrate(pool: pg.Pool, allowed: boolean): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      for (const m of pendingMigrations(await postgresSchemaVersion(client), POSTGRES_TYPES, allowed)) {
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('UPDATE fv_schema SET version = $1', [m.version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
