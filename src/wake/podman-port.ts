import type { PodmanClient } from '../podman/types.js';
import { portOpen } from '../net/port-open.js';
import { probeHttp } from '../net/wait-http.js';
import { failedAtTenantDial } from './tenant-dial.js';
import type { WakePort } from './tenant-port.js';

/** The podman backend's wake port: the container by name, the app on 127.0.0.1:<its port>. */
export function podmanWakePort(
  podman: Pick<PodmanClient, 'startContainer' | 'containerState'>,
  probe: (port: number) => Promise<boolean> = (port) => probeHttp(port, 1_000),
  open: (port: number) => Promise<boolean> = portOpen,
): WakePort {
  return {
    engine: 'podman',
    start: (t) => podman.startContainer(t.container),
    state: (t) => podman.containerState(t.container),
    probe: (t) => probe(t.port),
    open: (t) => open(t.port),
    relay: (t) => ({ connect: { host: '127.0.0.1', port: t.port }, headers: {} }),
    failedAtDial: (req, t) => failedAtTenantDial(req, t.port),
  };
}
