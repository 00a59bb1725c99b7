/**
 * Structured logging with ids and codes only. Fields are restricted to primitives so a record, a key
 * buffer or an error object (whose message might carry customer data) cannot be logged by accident.
 */
export type LogValue = string | number | boolean | null;
export type LogFields = Readonly<Record<string, LogValue>>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A JSON-lines logger; `sink` defaults to stderr so stdout stays free for machine-readable output. */
export function createLogger(
  options: { sink?: LogSink; minLevel?: LogLevel; base?: LogFields } = {},
): Logger {
  const sink = options.sink ?? ((line: string) => process.stderr.write(line + '\n'));
  const min = LEVELS[options.minLevel ?? 'info'];
  const base = options.base ?? {};
  return {
    log(level, event, fields = {}) {
      if (LEVELS[level] < min) return;
      sink(JSON.stringify({ t: new Date().toISOString(), level, event, ...base, ...fields }));
    },
    child(fields) {
      return createLogger({ sink, minLevel: options.minLevel, base: { ...base, ...fields } });
    },
  };
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = {
  log() {},
  child() {
    return silentLogger;
  },
};
