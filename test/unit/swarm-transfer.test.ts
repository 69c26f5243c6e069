// export and import on the swarm backend (issue 14), on the fake swarm: the same archive format
// and checks as on podman, the volume read on its node and filled on the new one before the
// service exists.
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { exportTenant } from '../../src/commands/export.js';
import { importTenant } from '../../src/commands/import.js';
import { EXIT } from '../../src/core/errors.js';
import { fileOutput } from '../../src/transfer/output.js';
import { type FakeContext, fakeSwarmContext, exitOf } from '../fakes/context.js';
import type { FakeSwarm } from '../fakes/swarm.js';
import { tarArchive } from '../helpers/tar-build.js';

let ctx: FakeContext;
let swarm: FakeSwarm;
let dir: string;
afterEach(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

function onSwarm(): void {
  ({ ctx, swarm } = fakeSwarmContext());
  dir = mkdtempSync(join(tmpdir(), 'ft-swarm-transfer-'));
}


async function exported(name: string): Promise<string> {
  const file = join(dir, `${name}.tar`);
  await exportTenant(ctx, { name, output: await fileOutput(file), live: false, exporter: 'test' });
  return file;
}

describe('export and import on swarm', () => {
  it("export stops the tenant, reads its volume on its node, starts it again; import fills the new volume before the service exists", async () => {
    onSwarm();
    swarm.tar = tarArchive([{ name: 'home', type: '5' }, { name: 'home/notes.txt', data: 'kept across the move' }]);
    await add(ctx, { name: 'alice', node: '2' });
    swarm.calls.length = 0;
    const file = await exported('alice');
    expect(swarm.calls).toEqual(['scale fake-alice=0', 'exportVolume fake-alice 2', 'scale fake-alice=1']);
    swarm.calls.length = 0;
    const r = await importTenant(ctx, { input: createReadStream(file), name: 'carol', newPassword: false, force: false });
    expect(r).toMatchObject({ name: 'carol', node: '1', passwordKept: true });
    // the receiver filled carol's volume on her node before her service was made
    const sha = createHash('sha256').update(swarm.tar).digest('hex');
    expect(swarm.calls).toEqual([expect.stringMatching(/^createSecret fake-carol\.ingest-/), 'ensure fake-carol', `importVolume fake-carol 1 ${sha}`]);
    expect(swarm.serviceAtFill.get('1/fake-carol')).toBe(false);
    expect(swarm.services.has('fake-carol')).toBe(true);
    expect(swarm.imported.get('1/fake-carol')).toEqual(swarm.tar);
  });

  it('an archive a volume import would refuse creates nothing', async () => {
    onSwarm();
    swarm.tar = tarArchive([{ name: '../outside', data: 'x' }]);
    await add(ctx, { name: 'alice', node: '2' });
    const file = await exported('alice');
    swarm.calls.length = 0;
    expect(await exitOf(importTenant(ctx, { input: createReadStream(file), name: 'carol', newPassword: false, force: false }))).toBe(EXIT.usage);
    expect(swarm.calls).toEqual([]);
    expect(ctx.store().get('carol')).toBeUndefined();
  });

  it('--force is refused on swarm (the volume is out of sight), and so is a name whose service exists', async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '2' });
    const file = await exported('alice');
    swarm.calls.length = 0;
    expect(await exitOf(importTenant(ctx, { input: createReadStream(file), name: 'carol', newPassword: false, force: true }))).toBe(EXIT.usage);
    ctx.store().delete('alice');
    expect(await exitOf(importTenant(ctx, { input: createReadStream(file), newPassword: false, force: false }))).toBe(EXIT.conflict);
    expect(swarm.calls.filter((c) => !c.startsWith('ensure') || c.includes('carol'))).toEqual([]);
  });

  it('a failed fill rolls the add back: no service, no row', async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '2' });
    const file = await exported('alice');
    swarm.failOn.add('importVolume');
    expect(await exitOf(importTenant(ctx, { input: createReadStream(file), name: 'carol', newPassword: false, force: false }))).toBe(EXIT.failed);
    expect(swarm.services.has('fake-carol')).toBe(false);
    expect(ctx.store().get('carol')).toBeUndefined();
  });
});
