// Review of issue 14: after a move the old copy of a tenant's data stays on the old node under the
// same volume name (<prefix><name>), recorded nowhere. `add --new-volume` promises an empty volume;
// placed on that old node, Swarm mounts the stale copy instead (the name may belong to a new user
// by then: names are reused after remove).
import { afterAll, describe, expect, it } from 'vitest';
import { docker, removeVolume, swarmCli, taskContainer } from './cluster.js';

const s = swarmCli('ftst-', { FEATHER_TENANT_DOMAIN: 'stale.swarm.test' });
afterAll(async () => {
  await s.cli('remove', 'gina');
  await removeVolume(1, 'ftst-gina');
  await removeVolume(2, 'ftst-gina');
  s.close();
});

describe('a stale copy left by move', () => {
  it('add --new-volume on the node a move left the old copy on is refused (exit 4), never mounts that copy', async () => {
    expect((await s.cli('add', 'gina', '--node', '1')).code).toBe(0);
    expect((await docker(1, 'exec', await taskContainer(1, 'ftst-gina'), 'sh', '-c', 'echo old-user-secret > /home/user/secret')).code).toBe(0);
    const moved = await s.cli('move', 'gina', '--node', '2');
    expect(moved.code).toBe(0);
    expect((await s.cli('remove', 'gina')).code).toBe(0);
    const added = await s.cli('add', 'gina', '--node', '1', '--new-volume', '--json');
    // before the check, add said 0 and gina's task on node 1 read old-user-secret
    expect(added.stderr).toContain('node 1 already has a volume ftst-gina holding data');
    expect(added.code).toBe(4);
    expect((await docker(1, 'service', 'inspect', 'ftst-gina')).code).not.toBe(0);
    expect((await docker(1, 'service', 'inspect', 'ftst-gina_in')).code).not.toBe(0);
    // the data on node 2 is still gina's: add goes back there
    expect((await s.cli('add', 'gina')).code).toBe(0);
    expect((await docker(2, 'exec', await taskContainer(2, 'ftst-gina'), 'cat', '/home/user/secret')).stdout.trim()).toBe('old-user-secret');
  });
});
