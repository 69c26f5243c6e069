import type { Level, LogFields, Logger } from './log.js';

// Lines that a client can make us write at will (a refused session cookie on every request of a
// script with a forged or expired cookie) are written at most once a window per key; the next
// line written for that key says how many were left out meanwhile. Keys are bounded by what
// the caller uses (e.g. message and tenant), so the memory is too.

export interface Throttled {
  (key: string, level: Level, msg: string, fields?: LogFields): void;
}

export function throttledLog(log: Logger, windowMs: number, now: () => number = Date.now): Throttled {
  const last = new Map<string, { at: number; left: number }>();
  return (key, level, msg, fields = {}) => {
    const t = now();
    const seen = last.get(key);
    if (seen && t - seen.at < windowMs) {
      seen.left += 1;
      return;
    }
    log(level, msg, seen?.left ? { ...fields, leftOut: seen.left } : fields);
    last.set(key, { at: t, left: 0 });
  };
}
