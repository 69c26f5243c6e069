import type { Context } from '../runtime/context.js';
import { withLock } from '../tenant/lock.js';
import { ensureWakeSetup } from '../caddy/wake-setup.js';
import { ConflictError } from '../core/errors.js';
import { validateImage } from '../core/image-ref.js';
import { validateName } from '../core/names.js';
import { generatePassword, hashPassword } from '../core/password.js';
import { objectName, tenantUrl } from '../core/tenant.js';
import type { AddResult } from '../core/tenant-views.js';
import type { AddRequest } from '../backend/port.js';
import { Undo } from '../tenant/undo.js';

export type { AddResult };

export interface AddOptions {
  name: string;
  image?: string | undefined;
  // The rest is for `import`, which provisions the same way with a filled volume.
  /** Store this hash instead of the new password's: the user's migrated password keeps working at the login gate. */
  keepPasswordHash?: string | undefined;
  /** Runs once the volume exists, before the container or service does; `load` fills it (backend/port.ts). */
  fillVolume?: AddRequest['fillVolume'];
  /** An existing volume is deleted and created anew (import --force: its contents are replaced). */
  replaceVolume?: boolean | undefined;
  /** The tenant's original creation time (ms), kept across a migration. */
  createdAt?: number | undefined;
  /** The swarm backend: the node (its feather.host label) to place the tenant on; default the emptiest. */
  node?: string | undefined;
  /** The swarm backend: a new, empty volume, not the one remove kept on another node (core/kept-volume.ts). */
  newVolume?: boolean | undefined;
}

/**
 * Provision a tenant: validate and look at everything first, claim name and port in one
 * transaction, then create; any failure undoes what this add created (never a volume that
 * existed before) and the row is dropped. What is created is the backend's (ctx.backend).
 */
export async function add(ctx: Context, opts: AddOptions): Promise<AddResult> {
  const name = validateName(opts.name);
  const image = opts.image === undefined ? ctx.config.image : validateImage(opts.image, '--image');
  const req = { name, image, fillVolume: opts.fillVolume, replaceVolume: opts.replaceVolume, createdAt: opts.createdAt, node: opts.node, newVolume: opts.newVolume };
  ctx.backend.validateAdd(ctx, req);
  return withLock(ctx, name, 'add', async () => {
    const c = ctx.config;
    const obj = objectName(c, name);
    ctx.checkpoint('add:begin');
    const store = ctx.store();
    if (store.get(name)) throw new ConflictError(`tenant ${name} already exists`, `see it with: feather-tenant show ${name}`);

    // Preflight, in parallel: nothing has changed yet if any of these fails.
    const [prepared, server, staleRoute] = await Promise.all([
      ctx.backend.prepareAdd(ctx, req),
      ctx.caddy.resolveServer(c.caddyServer),
      ctx.caddy.routeById(obj),
    ]);
    const row = await prepared.reserve();
    const undo = new Undo(ctx);
    undo.push(`forget ${name}`, () => store.delete(name));
    try {
      ctx.checkpoint('add:reserved');
      const password = generatePassword();
      // scrypt runs on the thread pool while the backend works
      const hash = opts.keepPasswordHash !== undefined ? Promise.resolve(opts.keepPasswordHash) : hashPassword(password);
      const created = await prepared.create(row, password, undo);

      // The access log and the wake route, once per Caddy: afterwards this is two reads.
      for (const change of await ensureWakeSetup(ctx.caddy, server.name, c)) ctx.log(`Caddy: ${change}`);
      const route = ctx.backend.route(ctx, row);
      undo.push(`route ${obj}`, () => ctx.caddy.deleteById(obj));
      // A leftover route with our @id is replaced in place: Caddy would accept a duplicate silently.
      if (staleRoute) await ctx.caddy.replaceById(obj, route);
      else await ctx.caddy.insertRoute(server.name, route, server.routes.length > 0);
      ctx.checkpoint('add:routed');

      store.activate(name, created.containerId, await hash, ctx.now());
      return { name, url: tenantUrl(c, name), port: created.port, container: obj, volume: obj, volumeReused: created.volumeReused, password, ...(created.node === undefined ? {} : { node: created.node }) };
    } catch (err) {
      await undo.run(err);
      throw err;
    }
  });
}
