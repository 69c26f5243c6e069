// Where a swarm tenant goes when `add` runs again after `remove` (issue 14). remove keeps the
// volume on the tenant's node, and only a task on that node can see it: the manager cannot list
// another node's volumes. So remove records the node in state (store/kept-volumes.ts), and this
// pure plan puts the tenant back there, as podman's add finds its kept volume on this server.
// The rule: never silently start empty when the data is known to be elsewhere.
import type { ServiceSummary, SwarmNode } from './service.js';
import { ConflictError, UsageError } from './errors.js';
import { pickNode } from './tenant-service-spec.js';

/** A volume remove kept, and the node it stays on (null: the service was already gone, node unknown). */
export interface KeptVolume {
  name: string;
  volume: string;
  node: string | null;
  removedAt: number;
}

export interface Placement {
  node: string;
  /** It lands where the kept volume is: add says volumeReused. */
  reused: boolean;
  /** For the operator's log: where the data was, and what add does with it. */
  note?: string;
}

export interface PlacementRequest {
  name: string;
  /** --node */
  wanted?: string | undefined;
  /** --new-volume: the kept volume is left where it is and the tenant starts empty elsewhere. */
  newVolume: boolean;
  kept: KeptVolume | undefined;
}

/**
 * The node for an add: the kept volume's (it must still be a ready, labelled node), or --node
 * when it is that node; any other node only with --new-volume, never on the kept volume's node
 * (Swarm would mount the old volume there: it would not be new).
 */
export function placeTenant(nodes: SwarmNode[], services: Pick<ServiceSummary, 'node'>[], r: PlacementRequest): Placement {
  const { name, wanted, kept } = r;
  if (kept === undefined) return { node: pickNode(nodes, services, wanted), reused: false };
  const held = kept.node;
  const where = held === null ? `on a node not known (its service was already gone when it was removed)` : `on node ${held}`;
  if (r.newVolume) {
    if (held !== null && wanted === held) {
      throw new UsageError(`node ${held} holds ${name}'s kept volume ${kept.volume}: --new-volume cannot start empty there`, `choose another node with --node, or drop --new-volume to get ${name}'s data back`);
    }
    if (wanted !== undefined) pickNode(nodes, services, wanted); // an unknown node: the usual error
    const node = pickNode(held === null ? nodes : nodes.filter((n) => n.host !== held), services, wanted);
    return { node, reused: false, note: `${name} starts with a new, empty volume on node ${node}; the data kept by remove stays ${where} as volume ${kept.volume} (docker volume rm it there when no longer needed)` };
  }
  const fresh = (n: string) => `feather-tenant add ${name} --node ${n} --new-volume`;
  if (held === null) {
    if (wanted === undefined) {
      throw new UsageError(`${name}'s data (volume ${kept.volume}) was kept by remove ${where}`, `add it on the node that holds that volume: feather-tenant add ${name} --node N; or start it empty: ${fresh('N')}`);
    }
    return { node: pickNode(nodes, services, wanted), reused: false, note: `${name}'s data was kept ${where}: node ${wanted}'s volume ${kept.volume} is used if it is there` };
  }
  if (wanted !== undefined && wanted !== held) {
    pickNode(nodes, services, wanted);
    throw new UsageError(
      `${name}'s data is on node ${held} (volume ${kept.volume}, kept by remove), not on node ${wanted}`,
      `add it there and move it: feather-tenant add ${name} --node ${held} && feather-tenant move ${name} --node ${wanted}; or start it empty: ${fresh(wanted)}`,
    );
  }
  const node = nodes.find((n) => n.host === held);
  if (node === undefined || !node.ready) {
    const state = node === undefined ? 'is no longer labelled for tenants' : 'is not ready';
    throw new ConflictError(`node ${held}, which holds ${name}'s data (volume ${kept.volume}), ${state}`, `bring it back and add again, or start ${name} empty elsewhere: ${fresh('N')}`);
  }
  return { node: held, reused: true, note: `${name}'s data is on node ${held} (volume ${kept.volume}, kept by remove): ${name} goes back there` };
}
