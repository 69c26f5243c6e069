// Structured logs for the watchdog: one JSON object a line on stderr, for journald or a collector.

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  (level: Level, msg: string, fields?: LogFields): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l), now: () => number = Date.now): Logger {
  return (level, msg, fields = {}) => {
    write(`${JSON.stringify({ ts: new Date(now()).toISOString(), level, msg, ...fields })}\n`);
  };
}

/** An error as a log field: its message, without a stack for the errors we expect. */
export function errorField(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
