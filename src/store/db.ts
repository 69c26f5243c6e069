import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { OperationError } from '../core/errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export const DB_FILE = 'state.db';

/** Opens (creating if needed) the state database: WAL, a busy timeout, migrations applied, mode 0600. */
export function openDb(stateDir: string): Db {
  const file = join(stateDir, DB_FILE);
  let db: Db;
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    // Create the file 0600 ourselves before SQLite does (it would use the umask).
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
    db = new Database(file, { timeout: 30_000 });
  } catch (err) {
    throw new OperationError(`cannot open state database ${file}: ${(err as Error).message}`, 'check FEATHER_TENANT_STATE_DIR and its permissions');
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new OperationError(`state database schema version ${current} is newer than this feather-tenant knows (${MIGRATIONS.length})`, 'upgrade feather-tenant');
  }
  if (current === MIGRATIONS.length) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const v = db.pragma('user_version', { simple: true }) as number;
    for (let i = v; i < MIGRATIONS.length; i++) {
      db.exec(MIGRATIONS[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    }
  }).immediate();
}
