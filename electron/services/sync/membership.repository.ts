import type { Db } from '../db/database';

/** The pin a device verifies its workspace's membership log against. */
export interface MembershipPin {
  readonly workspaceId: string;
  readonly genesisHash: string;
}

/** The membership domain's tables (see membership.migrations.ts): verified entries only. */
export class MembershipRepository {
  constructor(private readonly db: Db) {}

  pin(): MembershipPin | null {
    return (
      this.db
        .prepare<[], MembershipPin>(
          'SELECT workspace_id AS workspaceId, genesis_hash AS genesisHash FROM membership_pin WHERE id = 1',
        )
        .get() ?? null
    );
  }

  /** Every stored entry's JSON, in sequence order. */
  entries(): string[] {
    return this.db
      .prepare<[], { entry: string }>('SELECT entry FROM membership_log ORDER BY seq')
      .all()
      .map((r) => r.entry);
  }

  /** Records the pin and the first verified entries (creating or joining a workspace). */
  start(pin: MembershipPin, entries: readonly { seq: number; json: string }[]): void {
    this.db
      .prepare('INSERT INTO membership_pin (id, workspace_id, genesis_hash) VALUES (1, ?, ?)')
      .run(pin.workspaceId, pin.genesisHash);
    this.append(entries);
  }

  /** Appends entries that were verified after the stored ones. */
  append(entries: readonly { seq: number; json: string }[]): void {
    const insert = this.db.prepare('INSERT INTO membership_log (seq, entry) VALUES (?, ?)');
    for (const e of entries) insert.run(e.seq, e.json);
  }
}
