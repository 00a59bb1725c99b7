import { events } from '../../../shared/ipc/contract';
import type { ModuleContext } from '../module';

/**
 * Announces an event a database worker job sent (`import.progressed`, `records.changed`) once its
 * payload matches the contract; anything else is dropped (a worker's messages are checked like any
 * input that crosses into main).
 */
export function announceWorkerEvent(ctx: Pick<ModuleContext, 'emit'>, event: string, payload: unknown): void {
  if (event === 'import.progressed') {
    const parsed = events['import.progressed'].payload.safeParse(payload);
    if (parsed.success) ctx.emit(event, parsed.data);
  } else if (event === 'records.changed') {
    const parsed = events['records.changed'].payload.safeParse(payload);
    if (parsed.success) ctx.emit(event, parsed.data);
  }
}
