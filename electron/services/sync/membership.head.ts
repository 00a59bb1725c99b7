import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../../shared/errors';

/** What an append attempt returns when the server refused it because another entry took the head. */
export const HEAD_MOVED = Symbol('membership head moved');

/** How many times an entry is signed again on a newer head before the caller is told CONFLICT. */
export const HEAD_ATTEMPTS = 8;

/** A random pause that grows with each try: racers that met once rarely meet again. */
function backOff(attempt: number): Promise<void> {
  return sleep(Math.random() * 100 * (attempt + 1));
}

/** Whether `error` is the server's "another entry got there first" (to be answered with HEAD_MOVED). */
export function isHeadMoved(error: unknown): boolean {
  return error instanceof AppError && error.code === 'CONFLICT';
}

/**
 * Runs `attempt` (read the log, sign on its head, append) until it is not refused for a moved head.
 * The membership log takes one entry per sequence number, so devices that join, or admins that act,
 * at the same moment all sign on the same head and all but one are refused: each gets in on a later
 * try. An attempt answers HEAD_MOVED only for that refusal; any other error ends it at once. After
 * HEAD_ATTEMPTS tries it gives up with CONFLICT.
 */
export async function onFreshHead<T>(
  attempt: () => Promise<T | typeof HEAD_MOVED>,
  pause: (attempt: number) => Promise<void> = backOff,
): Promise<T> {
  for (let n = 0; n < HEAD_ATTEMPTS; n++) {
    if (n > 0) await pause(n);
    const result = await attempt();
    if (result !== HEAD_MOVED) return result;
  }
  throw new AppError('CONFLICT', 'the membership log kept moving: try again');
}
