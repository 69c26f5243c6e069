// Schema migrations, applied in order; PRAGMA user_version counts how many have run.
// Never edit one that has shipped: append a new one.
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE tenants (
     name          TEXT PRIMARY KEY,
     port          INTEGER NOT NULL UNIQUE,
     status        TEXT NOT NULL CHECK (status IN ('provisioning', 'active', 'removing')),
     image         TEXT NOT NULL,
     volume        TEXT NOT NULL,
     container_id  TEXT,
     password_hash TEXT,
     created_at    INTEGER NOT NULL,
     updated_at    INTEGER NOT NULL
   ) STRICT;`,
  // Issue 3: passwd rotates secrets under new names, stop/start record what the operator wants,
  // reconcile --adopt takes tenant.sh's containers, and commands on one tenant take its lock.
  `ALTER TABLE tenants ADD COLUMN secret TEXT;
   ALTER TABLE tenants ADD COLUMN secret_pending TEXT;
   ALTER TABLE tenants ADD COLUMN desired TEXT NOT NULL DEFAULT 'running' CHECK (desired IN ('running', 'stopped'));
   ALTER TABLE tenants ADD COLUMN adopted_at INTEGER;
   UPDATE tenants SET secret = volume;
   CREATE TABLE locks (
     key         TEXT PRIMARY KEY,
     pid         INTEGER NOT NULL,
     pid_start   TEXT,
     command     TEXT NOT NULL,
     acquired_at INTEGER NOT NULL
   ) STRICT;`,
];
