import { request, type IncomingMessage } from 'node:http';
import type { SwarmEngine } from '../backend/port.js';
import { DIRECT_FORWARDED, DIRECT_MARK, DIRECT_TENANT } from '../caddy/direct-config.js';
import { parseAddress } from '../core/listen-address.js';
import { failedAtServiceDial } from './tenant-dial.js';
import type { Relay, WakePort } from './tenant-port.js';

/**
 * The swarm backend's wake port: start is a scale to 1 (sleep was a scale to 0; spec, volume and
 * secret stay), and the watchdog reaches the tenant through Caddy's direct server
 * (caddy/direct-config.ts) with the tenant's name in a header, since it cannot reach the
 * tenant's overlay network itself.
 */
export function swarmWakePort(swarm: Pick<SwarmEngine, 'scale' | 'state'>, o: { direct: string; containerPort: number; probeTimeoutMs?: number }): WakePort {
  const direct = parseAddress(o.direct);
  if (!('path' in direct)) throw new Error(`the direct server must be a unix socket, got ${o.direct}`);
  const relay = (name: string, req?: IncomingMessage): Relay => {
    const headers: Record<string, string> = { [DIRECT_TENANT.toLowerCase()]: name };
    // What Caddy's public server set (the client's address above all) goes on to the tenant.
    for (const [from, carrier] of Object.entries(DIRECT_FORWARDED)) {
      const v = req?.headers[from.toLowerCase()];
      headers[carrier.toLowerCase()] = Array.isArray(v) ? v.join(', ') : (v ?? '');
    }
    return { connect: { path: direct.path }, headers };
  };
  // Any answer of the app, whatever its status; Caddy's own 502 (the name does not resolve yet) has no mark.
  const probe = (name: string) => new Promise<boolean>((resolve) => {
    const req = request({ socketPath: direct.path, path: '/', method: 'GET', headers: relay(name).headers, agent: false, timeout: o.probeTimeoutMs ?? 1_000 }, (res) => {
      res.resume();
      resolve(res.headers[DIRECT_MARK.toLowerCase()] === '1');
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
  return {
    engine: 'docker',
    start: (t) => swarm.scale(t.container, 1),
    state: (t) => swarm.state(t.container),
    probe: (t) => probe(t.name),
    open: (t) => probe(t.name),
    relay: (t, req) => relay(t.name, req),
    failedAtDial: (req, t) => failedAtServiceDial(req, t.container, o.containerPort),
  };
}
