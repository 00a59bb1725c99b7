import { appendFileSync, closeSync, existsSync, openSync, readSync, rmSync } from 'node:fs';
import path from 'node:path';
import { auditEventInputSchema, type AuditEventInput } from '../../../shared/audit/audit.schemas';

/** More than a locked session plausibly produces; a larger file is not read past this. */
const MAX_BYTES = 1024 * 1024;

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
    // Anyone who can write the user's files can grow this one: read at most MAX_BYTES of it.
    const buffer = Buffer.alloc(MAX_BYTES + 1);
    const fd = openSync(this.file, 'r');
    let size: number;
    try {
      size = readSync(fd, buffer, 0, buffer.length, 0);
    } finally {
      closeSync(fd);
    }
    const lines = buffer.subarray(0, Math.min(size, MAX_BYTES)).toString('utf8').split('\n');
    // Cut at the limit: the last, partial line does not count as an event.
    if (size > MAX_BYTES) {
      lines.pop();
      damaged += 1;
    }
    for (const line of lines) {
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
