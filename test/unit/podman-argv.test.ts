import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodmanCli } from '../../src/podman/podman-cli.js';
import { noFirewall } from '../../src/firewall/iptables.js';

// Every podman call, with names, image and files that look like options: each must reach podman
// after `--`, where no value can be read as one. A stand-in podman records its argv.

const NAME = '--privileged';
const IMAGE = '-v=/:/host';
const FILE = '--file-like-an-option';
let dir: string;
let log: string;
let podman: PodmanCli;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ftt-unit-argv-'));
  log = join(dir, 'argv.log');
  const bin = join(dir, 'podman');
  // One call a line, arguments separated by US (0x1f), appended in one write: the calls run at
  // once, and a write per argument interleaved their lines (1 run in 3 counted 23 calls of 24).
  // Prints [] (valid for ps and inspect).
  writeFileSync(bin, '#!/bin/sh\nline=\nfor a in "$@"; do line="$line$a$(printf \'\\037\')"; done\nprintf \'%s\\n\' "$line" >> "$ARGV_LOG"\necho "[]"\n', { mode: 0o755 });
  podman = new PodmanCli(bin, { PATH: process.env.PATH, ARGV_LOG: log }, noFirewall);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function calls(): string[][] {
  return readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\x1f').slice(0, -1));
}

describe('podman argv', () => {
  it('puts every name, image and file after `--`', async () => {
    writeFileSync(log, '');
    const ignore = (p: Promise<unknown>) => p.catch(() => undefined); // [] is no answer for some; only argv matters
    await Promise.all([
      podman.containerExists(NAME), podman.imageExists(IMAGE), podman.volumeExists(NAME),
      podman.createVolume(NAME, { a: 'b' }), podman.removeVolume(NAME), ignore(podman.volumeMountpoint(NAME)),
      podman.createNetwork(NAME, { a: 'b' }), podman.createNetwork(NAME, { a: 'b' }, { bridge: 'feather9001' }), podman.removeNetwork(NAME),
      podman.createSecret(NAME, 'value', { a: 'b' }), podman.removeSecret(NAME),
      podman.removeContainer(NAME, 1), podman.logsTail(NAME, 5), podman.containerState(NAME), ignore(podman.inspectContainer(NAME)),
      podman.startContainer(NAME), podman.stopContainer(NAME, 1), podman.networkExists(NAME), podman.secretExists(NAME),
      podman.exportVolume(NAME, FILE), podman.importVolume(NAME, FILE), podman.stopContainers([NAME, NAME], 1),
      ignore(podman.volumeHasData(NAME)), podman.streamLogs(NAME, { follow: false, tail: 1 }), podman.readLogs(NAME, { tail: 1, since: '10m' }),
      ignore(podman.objectLabels('volume', NAME)), ignore(podman.objectLabels('network', NAME)), ignore(podman.objectLabels('secret', NAME)),
    ]);
    const seen = calls();
    expect(seen.length).toBeGreaterThanOrEqual(28);
    for (const argv of seen) {
      const end = argv.indexOf('--');
      argv.forEach((a, i) => {
        if (a !== NAME && a !== IMAGE && a !== FILE) return;
        // The one value that is an option's own argument: `volume export --output FILE`.
        if (a === FILE && argv[i - 1] === '--output') return;
        expect(end, `${a} in: podman ${argv.join(' ')}`).toBeGreaterThanOrEqual(0);
        expect(i, `${a} before -- in: podman ${argv.join(' ')}`).toBeGreaterThan(end);
      });
    }
  });
});
