import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { auditEventInputSchema, type AuditEventInput } from '../../../shared/audit/audit.schemas';

export type PendingEvent = ReturnType<typeof auditEventInputSchema.parse> & { readonly time: number };

/**
 * Events that happen while the vault is locked (a failed unlock, a policy change, the lock itself)
 * wait here, one JSON line each, and are appended to the chain at the next unlock. The file holds
 * only what the events hold (types, outcomes, error codes, counts, device ids): nothing secret. It
 * is outside the chain, so until the next unlock it is as editable as any file of the user's.
 */
export class PendingQueue {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'audit-pending.jsonl');
  }

  add(event: AuditEventInput & { time: number }): void {
    const parsed = auditEventInputSchema.parse(event);
    appendFileSync(this.file, JSON.stringify(parsed) + '\n', { mode: 0o600 });
  }

  /** Every well-formed queued event, oldest first; lines that do not parse are counted, not kept. */
  read(): { events: PendingEvent[]; damaged: number } {
    if (!existsSync(this.file)) return { events: [], damaged: 0 };
    const events: PendingEvent[] = [];
    let damaged = 0;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const parsed = auditEventInputSchema.safeParse(JSON.parse(line));
        if (parsed.success && parsed.data.time !== undefined)
          events.push({ ...parsed.data, time: parsed.data.time });
        else damaged += 1;
      } catch {
        damaged += 1;
      }
    }
    return { events, damaged };
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }
}
