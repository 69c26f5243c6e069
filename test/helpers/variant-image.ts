import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

// "A new image" for upgrade tests: a stand-in image with one more label (so another image ID),
// or with a command whose app never listens. Built locally from the stand-in (no registry here)
// in about a second; removed (never with -f: that would remove containers of other runs) after.

export interface VariantImage {
  ref: string;
  id: string;
  remove(): Promise<void>;
}

export async function buildVariant(base: string, o: { tag?: string; cmd?: string[] } = {}): Promise<VariantImage> {
  const dir = mkdtempSync(join(tmpdir(), 'ft-variant-'));
  const ref = o.tag ?? `localhost/feather-upgrade-test-${randomBytes(4).toString('hex')}:latest`;
  const lines = [`FROM ${base}`, `LABEL feather-tenant.upgrade-test=${randomBytes(6).toString('hex')}`];
  if (o.cmd) lines.push(`CMD ${JSON.stringify(o.cmd)}`);
  try {
    writeFileSync(join(dir, 'Containerfile'), `${lines.join('\n')}\n`);
    await execa('podman', ['build', '--pull=never', '-q', '-t', ref, dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const id = (await execa('podman', ['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
  return { ref, id, remove: async () => void (await execa('podman', ['rmi', ref], { reject: false })) };
}

/** The image ID a container runs. */
export async function imageIdOf(container: string): Promise<string> {
  return (await execa('podman', ['inspect', '--format', '{{.Image}}', container])).stdout.trim();
}
