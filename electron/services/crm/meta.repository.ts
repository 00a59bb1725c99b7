import type { Db } from '../db/database';

/** Small key/value facts of the crm domain (the device id of this vault). */
export class MetaRepository {
  constructor(private readonly db: Db) {}

  get(key: string): string | null {
    const row = this.db
      .prepare<[string], { value: string }>('SELECT value FROM crm_meta WHERE key = ?')
      .get(key);
    return row?.value ?? null;
  }

  /** Sets the value only if the key has none; returns the value now stored. */
  getOrInit(key: string, make: () => string): string {
    this.db.prepare('INSERT OR IGNORE INTO crm_meta (key, value) VALUES (?, ?)').run(key, make());
    return this.get(key)!;
  }

  /** Stores `value` under `key`, replacing any earlier value. */
  set(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO crm_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  /** Removes `key` only while it still holds `value` (a newer value stays); true when removed. */
  deleteIf(key: string, value: string): boolean {
    return this.db.prepare('DELETE FROM crm_meta WHERE key = ? AND value = ?').run(key, value).changes > 0;
  }
}
