import Database from 'better-sqlite3';
import { join } from 'node:path';

/** The command holding a tenant's lock now, read from the state database (undefined: free). */
export function lockHolder(stateDir: string, name: string): string | undefined {
  const db = new Database(join(stateDir, 'state.db'), { readonly: true, timeout: 5000 });
  try {
    return (db.prepare('SELECT command FROM locks WHERE key = ?').get(name) as { command: string } | undefined)?.command;
  } finally {
    db.close();
  }
}
