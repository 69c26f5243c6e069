// What the tenant commands answer, whichever backend runs the tenant (podman or swarm): one
// result type each, in the core so that both backends (backend/) and the renderer see the same.
import type { LastActivity } from './last-activity.js';

export interface AddResult {
  name: string;
  url: string;
  port: number;
  container: string;
  volume: string;
  volumeReused: boolean;
  password: string;
  /** The swarm backend's node (feather.host label) the tenant runs on. */
  node?: string;
}

export interface RemoveResult {
  name: string;
  removed: string[];
  volume: string;
  volumeKept: boolean;
}

export interface ListEntry {
  name: string;
  port: number | null;
  url: string;
  container: string;
  /** The container's state (running, exited, ...), asleep (stopped by a sweep), or missing / provisioning / removing. */
  state: string;
  /** Last HTTP request or traffic, as of the last sweep (ISO time), or null. */
  lastActive: string | null;
  pinned: boolean;
  /** What last counted as activity and when (null for a container our state does not know). */
  lastActivity: LastActivity | null;
  /** false for a container of ours that our state does not know (see reconcile). */
  tracked: boolean;
  /**
   * Its container runs another image ID than its configured image names now (a new image was
   * loaded under the same tag: `upgrade` moves it); null when unknown (no container, image gone).
   */
  outOfDate: boolean | null;
  /** The swarm backend only: the node (feather.host label) the tenant is pinned to. */
  node?: string | null;
}

export interface ShowResult {
  name: string;
  url: string;
  port: number;
  /** provisioning / active / removing (our state). */
  status: string;
  /** What the operator asked for last: running or stopped. */
  desired: string;
  /** The container's state (running, exited, created, ...), or missing. */
  state: string;
  container: string;
  containerId: string | null;
  image: string;
  /** The image ID its container runs. */
  imageId: string | null;
  /** It runs another image ID than its configured image names now (`upgrade` moves it); null when unknown. */
  outOfDate: boolean | null;
  /** An upgrade in progress, or one that died and `reconcile` finishes or rolls back. */
  upgrading: { image: string; step: string } | null;
  limits: { cpus: number | null; memoryBytes: number | null; pids: number | null };
  volume: { name: string; sizeBytes: number | null };
  password: 'set' | 'unknown';
  adopted: boolean;
  createdAt: string;
  startedAt: string | null;
  /** What last counted as activity, and when: why it is (or was last) awake. */
  lastActivity: LastActivity;
  pinned: boolean;
  /** Whether it has a summary ingest token (tenants from before issue 13 get one with rotate-ingest-token). */
  ingestToken: 'set' | 'none';
  /** The swarm backend only: the node (feather.host label) the tenant is pinned to. */
  node?: string | null;
}
