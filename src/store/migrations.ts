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
  // Session revocations waiting for Redis (the outbox): written in the same transaction as the
  // state change that causes them, deleted once Redis confirms. Delivered in id order.
  `CREATE TABLE revocations (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     tenant      TEXT NOT NULL,
     session_id  TEXT,
     not_before  INTEGER NOT NULL,
     reason      TEXT NOT NULL,
     created_at  INTEGER NOT NULL
   ) STRICT;`,
];
