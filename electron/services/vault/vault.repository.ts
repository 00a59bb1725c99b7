import { applyKey, type Db } from '../db/database';

/** The vault's own SQL: identity, integrity checks, snapshots and key changes. */
export class VaultRepository {
  constructor(private readonly db: Db) {}

  /** The vault id recorded inside the database, or null when it has none (not a FieldVault store). */
  vaultId(): string | null {
    const table = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vault_info'")
      .get();
    if (!table) return null;
    const row = this.db
      .prepare<[string], { value: string }>('SELECT value FROM vault_info WHERE key = ?')
      .get('vault_id');
    return row?.value ?? null;
  }

  setVaultId(vaultId: string): void {
    this.db
      .prepare(
        'INSERT INTO vault_info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run('vault_id', vaultId);
  }

  /** The rollback counter stored inside the database (0 for a vault that never recorded one). */
  openCounter(): number {
    const row = this.db
      .prepare<[string], { value: string }>('SELECT value FROM vault_info WHERE key = ?')
      .get('open_counter');
    const n = Number(row?.value ?? '0');
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  }

  setOpenCounter(counter: number): void {
    this.db
      .prepare(
        'INSERT INTO vault_info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run('open_counter', String(counter));
  }

  /** True when `PRAGMA integrity_check` (full) or `quick_check` reports ok. */
  isIntact(mode: 'full' | 'quick' = 'full'): boolean {
    try {
      const rows = this.db.pragma(mode === 'full' ? 'integrity_check' : 'quick_check') as {
        integrity_check?: string;
        quick_check?: string;
      }[];
      return rows.length === 1 && (rows[0]?.integrity_check ?? rows[0]?.quick_check) === 'ok';
    } catch (error) {
      // A page whose authentication tag fails stops the check itself with SQLITE_CORRUPT.
      if (String((error as { code?: unknown }).code).startsWith('SQLITE_CORRUPT')) return false;
      throw error;
    }
  }

  /** A transactionally consistent, compacted copy of the database in `file`, under the same cipher and key. */
  snapshotTo(file: string): void {
    this.db.prepare('VACUUM INTO ?').run(file);
  }

  /** Re-encrypts every page under `key` (32 raw bytes). Use on a private copy: see the rekey protocol. */
  rekey(key: Uint8Array): void {
    applyKey(this.db, key, 'rekey');
  }

  /** Live rows per table (soft-deleted rows left out where the table has `deleted_at`); absent tables are skipped. */
  liveCounts(tables: Readonly<Record<string, string>>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, table] of Object.entries(tables)) {
      if (!/^[a-z_]+$/.test(table)) continue;
      const exists = this.db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        .get(table);
      if (!exists) continue;
      const columns = this.db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
      const where = columns.some((c) => c.name === 'deleted_at') ? ' WHERE deleted_at IS NULL' : '';
      const row = this.db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}${where}`).get();
      out[name] = row?.n ?? 0;
    }
    return out;
  }
}
