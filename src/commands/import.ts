import type { Context } from '../runtime/context.js';
import { ConflictError } from '../core/errors.js';
import { validateImage } from '../core/image-ref.js';
import { validateName } from '../core/names.js';
import { objectName } from '../core/tenant.js';
import { readArchive } from '../transfer/archive-reader.js';
import type { Manifest } from '../transfer/manifest.js';
import type { StoredSummary } from '../store/port.js';
import { formatBytes, type Progress } from '../transfer/progress.js';
import { BatchedWriter, createSpool } from '../transfer/spool.js';
import { VolumeCheck, refuseVolume } from '../transfer/volume-check.js';
import { spaceProblem } from '../transfer/volume-tar-policy.js';
import { freeSpace } from '../fs/free-space.js';
import { add, type AddResult } from './add.js';

export interface ImportOptions {
  /** The archive: a file's read stream, or stdin. */
  input: AsyncIterable<Buffer | string>;
  /** Import under this name instead of the archive's. */
  name?: string | undefined;
  image?: string | undefined;
  /** Give the user a new password instead of keeping the migrated one. */
  newPassword: boolean;
  /** Replace the contents of an existing volume that holds data. */
  force: boolean;
  /** The swarm backend: the node to place the tenant on (default: the one with the fewest tenants). */
  node?: string | undefined;
  progress?: Progress | undefined;
}

export interface ImportResult extends Omit<AddResult, 'password'> {
  /** The new password, when one was made; null when the user's password was kept. */
  password: string | null;
  passwordKept: boolean;
  from: { tenant: string; host: string; exportedAt: string };
  volumeBytes: number;
}

interface Target {
  name: string;
  image: string;
  volumeHasData: boolean;
  /** Where the volume will be (podman's volume store): the extracted volume.tar must fit there; undefined on another node. */
  volumeStore: string | undefined;
}

/**
 * Import an export archive: read and verify all of it into a spool file first (format version,
 * checksums, completeness, and volume.tar entry by entry in the same pass: podman extracts it as
 * root, see transfer/volume-tar-policy.ts), refusing early when the name is taken; only then
 * provision exactly as `add` does, with the volume filled from the spool before the container starts.
 *
 * Passwords: only the scrypt hash travels, never the password. By default the hash goes into
 * state, so the user's password keeps working at feather-tenant's login gate; the container's
 * own copy (/run/secrets/feather-password) cannot be rebuilt from a hash, so it gets a new random
 * value that nobody is shown. --new-password (or an archive without a hash) makes a new password,
 * delivered like add's and printed.
 */
export async function importTenant(ctx: Context, opts: ImportOptions): Promise<ImportResult> {
  const c = ctx.config;
  if (opts.name !== undefined) validateName(opts.name);
  if (opts.image !== undefined) validateImage(opts.image, '--image');
  // --node on podman, or anything else the backend refuses for any add: before a byte is read
  // (the name and image are the archive's unless given, and checked once it is read)
  ctx.backend.validateAdd(ctx, { name: opts.name ?? '', image: opts.image ?? c.image, node: opts.node });
  const p = opts.progress;
  const spool = await createSpool(c.stateDir);
  try {
    const writer = new BatchedWriter(spool.handle);
    const check = new VolumeCheck(c.importMaxEntries);
    let target: Target | undefined;
    let summaries: StoredSummary[] = [];
    const m = await readArchive(opts.input, {
      onManifest: async (manifest) => {
        target = await preflight(ctx, manifest, opts);
      },
      writeVolume: (chunk) => {
        check.push(chunk);
        // Once refused, the rest is only read for its checksum: nothing more goes to disk.
        return check.problem === undefined ? writer.write(chunk) : undefined;
      },
      onVolumeBytes: (done, total) => p?.update('receiving', done, total),
      onSummaries: (list) => void (summaries = list),
    });
    await writer.flush();
    await spool.handle.close();
    p?.end();
    if (!target) throw new Error('unreachable: the manifest was never checked');
    const totals = check.finish();
    // Measured now, with the spool on disk: both exist while podman extracts. (On swarm the volume
    // is on another node: a full disk there fails the import, which then changes nothing.)
    const room = target.volumeStore === undefined ? undefined : spaceProblem(totals, await freeSpace(target.volumeStore));
    if (room) throw refuseVolume(room);
    ctx.checkpoint('import:verified');
    ctx.log(`verified the archive: ${m.tenant} from ${m.sourceHost}, exported ${m.exportedAt}, volume ${formatBytes(m.volume.bytes)}, sha256 ${m.volume.sha256}`);
    if (m.live) ctx.log('note: it was exported with --live, while the tenant ran');
    const here = { cpus: c.cpus, memory: c.memory, pids: c.pids };
    if (here.cpus !== m.limits.cpus || here.memory !== m.limits.memory || here.pids !== m.limits.pids) {
      ctx.log(`note: ${m.sourceHost} gave ${m.tenant} cpus=${m.limits.cpus} memory=${m.limits.memory} pids=${m.limits.pids}; this server's limits apply here: cpus=${here.cpus} memory=${here.memory} pids=${here.pids}`);
    }

    const fresh = opts.newPassword || m.passwordHash === null;
    const { name, image } = target;
    const r = await add(ctx, {
      name,
      image,
      keepPasswordHash: fresh ? undefined : (m.passwordHash as string),
      fillVolume: async (load) => {
        ctx.log(`importing ${formatBytes(m.volume.bytes)} into volume ${objectName(c, name)}`);
        await load(spool.path, m.volume.sha256);
        // With the row still provisioning: an add rolled back (or a crash reconcile rolls back) takes them with it.
        ctx.summaries().replace(name, summaries);
        ctx.checkpoint('import:filled');
      },
      replaceVolume: target.volumeHasData && opts.force,
      node: opts.node,
      createdAt: Date.parse(m.createdAt),
    });
    if (!fresh) ctx.log(`kept ${name}'s password from ${m.sourceHost} (for the login gate; the container's own copy is a new random value)`);
    return {
      ...r,
      password: fresh ? r.password : null,
      passwordKept: !fresh,
      from: { tenant: m.tenant, host: m.sourceHost, exportedAt: m.exportedAt },
      volumeBytes: m.volume.bytes,
    };
  } finally {
    p?.end();
    await spool.remove();
  }
}

/** Everything that can refuse the import, checked before a byte of the volume is read. */
async function preflight(ctx: Context, m: Manifest, opts: ImportOptions): Promise<Target> {
  const name = opts.name ?? m.tenant;
  const image = opts.image ?? m.image;
  if (ctx.store().get(name)) {
    throw new ConflictError(`tenant ${name} already exists here; nothing was changed`, `import under another name with --name NEW, or remove it first: feather-tenant remove ${name}`);
  }
  const { volumeHasData, volumeStore } = await ctx.backend.prepareImport(ctx, { name, image, force: opts.force });
  return { name, image, volumeHasData, volumeStore };
}
