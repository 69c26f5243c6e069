// Pure: how reconcile words each action, for --dry-run ("would ...") and the real run alike.
import type { TenantAction } from './plan.js';

/** Wording of each action, shared by --dry-run ("would ...") and the real run. */
export function describeAction(a: TenantAction): { action: string; detail: string } {
  switch (a.kind) {
    case 'rollback-add': return { action: 'roll back add', detail: 'its add was interrupted; container, network, secret and row go, the volume stays' };
    case 'finish-remove': return { action: 'finish remove', detail: 'its remove was interrupted; the volume stays' };
    case 'create': return { action: a.start ? 'create and start container' : 'create container', detail: a.why };
    case 'recreate': return { action: a.start ? 'recreate and start container' : 'recreate container', detail: `${a.why}; the volume stays` };
    case 'start': return { action: 'start container', detail: a.why };
    case 'resecret': return { action: 'put service back on its secrets', detail: a.why };
    case 'drop-secret': return { action: 'remove secret', detail: `${a.secret}, left by an interrupted ${a.ingest ? 'rotate-ingest-token' : 'passwd'}` };
    case 'finish-upgrade': return { action: 'finish upgrade', detail: `its upgrade to ${a.image} was interrupted after the new container answered; the old one goes` };
    case 'rollback-upgrade': return { action: 'roll back upgrade', detail: `its upgrade to ${a.image} was interrupted before the new container answered; the old one ${a.start ? 'serves again' : 'stays'}` };
  }
}
