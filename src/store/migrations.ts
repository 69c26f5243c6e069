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
  // 2: issue 3: passwd rotates secrets under new names, stop/start record what the operator wants,
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
  // 3: sleep and wake. Activity (last request or traffic), pinning, and the two leases that keep
  // a sweep and a wake from undoing each other: stop_started_at (a sweep is stopping it) and
  // wake_started_at (a wake is starting it). Traffic counters and the access log's read
  // position are kept between sweeps.
  `ALTER TABLE tenants ADD COLUMN last_active_at INTEGER;
   ALTER TABLE tenants ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1));
   ALTER TABLE tenants ADD COLUMN asleep_at INTEGER;
   ALTER TABLE tenants ADD COLUMN stop_started_at INTEGER;
   ALTER TABLE tenants ADD COLUMN wake_started_at INTEGER;
   CREATE TABLE traffic_samples (
     name       TEXT PRIMARY KEY REFERENCES tenants (name) ON DELETE CASCADE,
     pid        INTEGER NOT NULL,
     bytes      INTEGER NOT NULL,
     sampled_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE log_cursors (
     file   TEXT PRIMARY KEY,
     inode  INTEGER NOT NULL,
     offset INTEGER NOT NULL
   ) STRICT;`,
  // 4: session revocations waiting for Redis (the outbox): written in the same transaction as the
  // state change that causes them, deleted once Redis confirms. Delivered in id order.
  `CREATE TABLE revocations (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     tenant      TEXT NOT NULL,
     session_id  TEXT,
     not_before  INTEGER NOT NULL,
     reason      TEXT NOT NULL,
     created_at  INTEGER NOT NULL
   ) STRICT;`,
  // issue 12: admin instance. The colour (blue or green) the admin route serves and its image,
  // one row: reconcile starts and routes that colour after a birth restart.
  `CREATE TABLE admin (
     id          INTEGER PRIMARY KEY CHECK (id = 1),
     live        TEXT NOT NULL CHECK (live IN ('blue', 'green')),
     image       TEXT NOT NULL,
     updated_at  INTEGER NOT NULL
   ) STRICT;`,
  // issue 12: upgrade. A tenant being moved to a new image: the image it goes to, how far the
  // switch got (stopping: the old container may still serve; starting: whatever answers on the
  // port is the one that stays; answered: the new one answered and the row names it), and when
  // it began. The wake server holds a tenant's requests while a live upgrade has it; reconcile
  // rolls back (before answered) or finishes (from answered) an upgrade that died.
  `ALTER TABLE tenants ADD COLUMN upgrade_image TEXT;
   ALTER TABLE tenants ADD COLUMN upgrade_step TEXT CHECK (upgrade_step IN ('stopping', 'starting', 'answered'));
   ALTER TABLE tenants ADD COLUMN upgrade_started_at INTEGER;`,
  // issue 13: usage, summaries, last activity. Usage per tenant and UTC day (kept
  // FEATHER_TENANT_USAGE_DAYS; no foreign key: a removed tenant's history stays until then), the
  // per-container counters the next sweep takes its deltas from, summaries tenants push with
  // their ingest token (stored as a SHA-256: the token itself lives only in its podman secret),
  // and what last counted as activity.
  `CREATE TABLE usage_days (
     name           TEXT NOT NULL,
     day            TEXT NOT NULL,
     active_ms      INTEGER NOT NULL DEFAULT 0,
     requests       INTEGER NOT NULL DEFAULT 0,
     bytes_in       INTEGER NOT NULL DEFAULT 0,
     bytes_out      INTEGER NOT NULL DEFAULT 0,
     wakes          INTEGER NOT NULL DEFAULT 0,
     cpu_us         INTEGER NOT NULL DEFAULT 0,
     peak_memory    INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (name, day)
   ) STRICT;
   CREATE TABLE usage_samples (
     name       TEXT PRIMARY KEY REFERENCES tenants (name) ON DELETE CASCADE,
     pid        INTEGER NOT NULL,
     rx         INTEGER NOT NULL,
     tx         INTEGER NOT NULL,
     cpu_us     INTEGER NOT NULL,
     sampled_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE summaries (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     name        TEXT NOT NULL REFERENCES tenants (name) ON DELETE CASCADE,
     received_at INTEGER NOT NULL,
     body        TEXT NOT NULL
   ) STRICT;
   CREATE INDEX summaries_by_tenant ON summaries (name, id);
   ALTER TABLE tenants ADD COLUMN ingest_hash TEXT;
   ALTER TABLE tenants ADD COLUMN ingest_secret TEXT;
   ALTER TABLE tenants ADD COLUMN ingest_pending TEXT;
   ALTER TABLE tenants ADD COLUMN last_active_kind TEXT;
   ALTER TABLE tenants ADD COLUMN last_active_detail TEXT;`,
  // issue 13 (review): the bytes each summary push took on the wire, so the sweep can leave them
  // out of a tenant's traffic (a push is not activity; activity/traffic.ts).
  `ALTER TABLE summaries ADD COLUMN wire_bytes INTEGER NOT NULL DEFAULT 0;`,
  // issue 14: kept volumes on swarm. remove keeps a tenant's volume on its node, where only a
  // task on that node sees it: the node is recorded here so that add puts the tenant back with
  // its data (core/kept-volume.ts). node NULL: the service was already gone, the node unknown.
  `CREATE TABLE kept_volumes (
     name       TEXT PRIMARY KEY,
     volume     TEXT NOT NULL,
     node       TEXT,
     removed_at INTEGER NOT NULL
   ) STRICT;`,
];
