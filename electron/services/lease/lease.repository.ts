import type { Db } from '../db/database';

/** The lease's times, in ms since the epoch. */
export interface LeaseRecord {
  readonly lastContactMs: number;
  readonly highWaterMs: number;
}

/** SQL of the lease record (one row). */
export class LeaseRepository {
  constructor(private readonly db: Db) {}

  read(): LeaseRecord | null {
    return (
      this.db
        .prepare<[], LeaseRecord>(
          'SELECT last_contact_ms AS lastContactMs, high_water_ms AS highWaterMs FROM lease_state WHERE id = 1',
        )
        .get() ?? null
    );
  }

  write(record: LeaseRecord): void {
    this.db
      .prepare(
        `INSERT INTO lease_state (id, last_contact_ms, high_water_ms) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_contact_ms = excluded.last_contact_ms, high_water_ms = excluded.high_water_ms`,
      )
      .run(record.lastContactMs, record.highWaterMs);
  }
}
