import { UsageError } from './errors.js';

// What podman's --since accepts: a Go duration (10m, 1h30m), a Unix time, or an RFC 3339 date.
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const UNIX = /^\d+(\.\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Checked here so a typo is a usage error (exit 2), not a podman failure (exit 1). */
export function parseSince(text: string): string {
  if (DURATION.test(text) || UNIX.test(text) || DATE.test(text)) return text;
  throw new UsageError(`--since (the API's since) must be a duration (10m, 2h), a Unix time or a date (2024-05-01T12:00:00Z), got ${JSON.stringify(text)}`);
}

export function parseLines(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`-n (the API's tail) must be a whole number of lines, got ${JSON.stringify(text)}`);
  return n;
}
