// A tenant's volume from one swarm node to another (issue 14's `move`), with export's and import's
// own parts: the volume exported into a spool on this manager (its bytes checked against what the
// old node sent), judged entry by entry by import's volume.tar policy (the new node unpacks it as
// root), then imported into the new node's empty volume (checked against what it received). The
// data crosses the manager twice; in exchange nothing reaches the new node that an import would
// refuse, and the CLI never needs a connection to any node but the manager.
import type { Context } from '../runtime/context.js';
import type { NodeVolume, SwarmEngine } from '../backend/port.js';
import { formatBytes } from '../transfer/progress.js';
import { createSpool } from '../transfer/spool.js';
import { checkVolumeFile } from '../transfer/volume-check.js';

export async function carryVolume(ctx: Context, swarm: SwarmEngine, v: Omit<NodeVolume, 'node'>, from: string, to: string): Promise<void> {
  const spool = await createSpool(ctx.config.stateDir);
  try {
    await spool.handle.close();
    const sent = await swarm.exportVolume({ ...v, node: from }, spool.path);
    ctx.log(`copied ${formatBytes(sent.bytes)} from node ${from} (sha256 ${sent.sha256})`);
    ctx.checkpoint('move:exported');
    await checkVolumeFile(spool.path, ctx.config.importMaxEntries);
    await swarm.importVolume({ ...v, node: to }, spool.path, sent.sha256);
  } finally {
    await spool.remove();
  }
}
