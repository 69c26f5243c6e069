import type { Logger } from './log.js';
import { Outage, type OutageTexts } from '../wake/outage.js';

// The watchdog's outages, one table: what each one logs when it starts, while it lasts (a count
// a minute) and when it ends. The first and last messages are the ones operators and tests
// already search for.

const TEXTS = {
  redis: {
    down: 'Redis unreachable: the login gate refuses every session until it is back',
    still: 'Redis still unreachable: the login gate refuses every session',
    up: 'Redis reachable again',
    counted: 'refused',
  },
  starts: {
    down: 'podman cannot start tenants: wakes fail until it works again',
    still: 'podman still cannot start tenants',
    up: 'podman starts tenants again',
    counted: 'failed',
  },
  sweeps: {
    down: 'sweep failed; trying again next interval',
    still: 'sweeps still failing',
    up: 'sweeps work again',
    counted: 'failed',
  },
  isolation: {
    down: 'tenant isolation check failed; retrying every sweep',
    still: 'tenant isolation check still failing',
    up: 'tenant isolation check works again',
    counted: 'failed',
  },
  caddy: {
    down: 'Caddy check failed; retrying every sweep',
    still: 'Caddy still unreachable',
    up: 'Caddy reachable again',
    counted: 'failed',
  },
  held: {
    down: 'too many requests held for tenants: answering 503 with Retry-After until some finish (FEATHER_TENANT_MAX_HELD)',
    still: 'still too many requests held for tenants',
    up: 'held requests below the cap again',
    counted: 'refused',
  },
  accept: {
    down: 'the wake server fails to accept connections',
    still: 'the wake server still fails to accept connections',
    up: 'the wake server accepts connections again',
    counted: 'failed',
  },
} satisfies Record<string, OutageTexts>;

export type OutageName = keyof typeof TEXTS;

/** `engine`: what starts tenants (podman; docker on the swarm backend), named in the `starts` lines. */
export function watchdogOutages(log: Logger, now: () => number, engine = 'podman'): Record<OutageName, Outage> {
  const out = {} as Record<OutageName, Outage>;
  const named = (t: OutageTexts): OutageTexts => ({ ...t, down: t.down.replace(/^podman/, engine), still: t.still.replace(/^podman/, engine), up: t.up.replace(/^podman/, engine) });
  for (const name of Object.keys(TEXTS) as OutageName[]) out[name] = new Outage({ log, now, texts: name === 'starts' ? named(TEXTS[name]) : TEXTS[name], fields: { outage: name } });
  return out;
}
