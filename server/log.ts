/**
 * Structured JSON-lines logging for the sync server: ids, codes and numbers only. Fields are
 * primitives so an envelope, a key or an error object cannot be logged by accident.
 */
export type LogValue = string | number | boolean | null;
export type LogFields = Readonly<Record<string, LogValue>>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ServerLogger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Writes one JSON object per line to `sink` (stderr by default; stdout carries only the ready line). */
export function createServerLogger(
  options: { sink?: (line: string) => void; minLevel?: LogLevel } = {},
): ServerLogger {
  const sink = options.sink ?? ((line: string) => process.stderr.write(line + '\n'));
  const min = LEVELS[options.minLevel ?? 'info'];
  return {
    log(level, event, fields = {}) {
      if (LEVELS[level] < min) return;
      sink(JSON.stringify({ t: new Date().toISOString(), level, event, ...fields }));
    },
  };
}

export const silentServerLogger: ServerLogger = { log() {} };
