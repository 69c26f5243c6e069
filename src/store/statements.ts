import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

// Compiling a statement costs more than running these small ones, and the watchdog runs some on
// every request (the gate looks the tenant up each time): each SQL text is prepared once per
// connection. No caller switches a statement's mode (pluck, raw), so sharing one is safe.
const cache = new WeakMap<Db, Map<string, Statement>>();

export function prepared(db: Db, sql: string): Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map<string, Statement>()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}
