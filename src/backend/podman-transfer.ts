// export's and import's parts on the podman backend: `podman volume export` into the spool, and
// import's preflight (name, leftovers, image, a volume holding data). Filling the volume is
// add's fillVolume hook (podman-add.ts), between the volume and the container.
import type { Context } from '../runtime/context.js';
import { ConflictError, OperationError } from '../core/errors.js';
import { objectName } from '../core/tenant.js';
import type { TenantRow } from '../core/tenant-row.js';
import { hashWhileWritten } from '../transfer/hash-file.js';
import type { ImportTarget, VolumeCopy } from './port.js';

export async function preparePodmanExport(ctx: Context, row: TenantRow): Promise<VolumeCopy> {
  // An adopted tenant keeps the volume tenant.sh gave it.
  if (!(await ctx.podman.volumeExists(row.volume))) throw new OperationError(`tenant ${row.name}'s volume ${row.volume} is missing: there is nothing to export`);
  return (file, onBytes) => hashWhileWritten(file, ctx.podman.exportVolume(row.volume, file), onBytes);
}

export async function preparePodmanImport(ctx: Context, o: { name: string; image: string; force: boolean }): Promise<ImportTarget> {
  const { name, image } = o;
  const obj = objectName(ctx.config, name);
  const [containerExists, volumeExists, imageOk, volumeStore] = await Promise.all([
    ctx.podman.containerExists(obj),
    ctx.podman.volumeExists(obj),
    ctx.podman.imageExists(image),
    ctx.podman.volumeStorePath(),
  ]);
  if (containerExists) {
    throw new ConflictError(`a container named ${obj} exists but tenant ${name} is not in state; nothing was changed`, `remove its leftovers with: feather-tenant remove ${name}`);
  }
  if (!imageOk) {
    throw new OperationError(`image ${image} (from the archive) is not in podman's storage; nothing was changed`, 'load it here (podman load -i FILE), or choose another with --image');
  }
  const volumeHasData = volumeExists && (await ctx.podman.volumeHasData(obj));
  if (volumeHasData && !o.force) {
    throw new ConflictError(
      `volume ${obj} already holds data; an import never merges into it, so nothing was changed`,
      `delete it with: feather-tenant remove ${name} --purge --yes, or replace its contents with: import --force`,
    );
  }
  return { volumeHasData, volumeStore };
}
