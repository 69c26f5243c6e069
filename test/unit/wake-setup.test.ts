import { describe, expect, it } from 'vitest';
import { ensureWakeSetup } from '../../src/caddy/wake-setup.js';
import type { CaddyRoute } from '../../src/core/route.js';
import { FakeCaddy } from '../fakes/caddy.js';

// The wake setup against the in-memory Caddy: what it adds, that a second run finds nothing to
// do, and that its reads go out together (one round trip to Caddy, not three in a row).

const C = { prefix: 'ftu-', domain: 'test.local', wakeListen: '127.0.0.1:9098', accessLog: '/var/log/ft/access.log' };

/** A FakeCaddy whose reads answer only once `expected` of them are in flight at the same time. */
class GatedCaddy extends FakeCaddy {
  private waiting: (() => void)[] = [];
  gated = true;
  constructor(private readonly expected: number) {
    super();
  }
  private gate<T>(answer: () => Promise<T>): Promise<T> {
    if (!this.gated) return answer();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push(resolve);
      if (this.waiting.length === this.expected) this.waiting.splice(0).forEach((r) => r());
      setTimeout(() => reject(new Error(`only ${this.waiting.length} read(s) in flight at once`)), 500);
    }).then(answer);
  }
  override getJson<T>(path: string): Promise<T | undefined> {
    return this.gate(() => super.getJson<T>(path));
  }
  override routeById(id: string): Promise<CaddyRoute | undefined> {
    return this.gate(() => super.routeById(id));
  }
}

describe('wake setup', () => {
  it('adds the access log and the wake route once; then there is nothing to do', async () => {
    const caddy = new FakeCaddy();
    expect(await ensureWakeSetup(caddy, 'srv0', C, { dryRun: true })).toEqual([
      'server srv0: log requests as feather_tenant', 'add access log /var/log/ft/access.log', 'add wake route ftu-wake (to 127.0.0.1:9098)',
    ]);
    expect(await ensureWakeSetup(caddy, 'srv0', C)).toHaveLength(3);
    expect(await ensureWakeSetup(caddy, 'srv0', C)).toEqual([]);
  });

  it('adds the wake route to an empty error-route list (what deleting the last one by @id leaves)', async () => {
    const caddy = new FakeCaddy();
    await ensureWakeSetup(caddy, 'srv0', C);
    expect(await caddy.deleteById('ftu-wake')).toBe(true);
    expect(await ensureWakeSetup(caddy, 'srv0', C)).toEqual(['add wake route ftu-wake (to 127.0.0.1:9098)']);
    expect(await ensureWakeSetup(caddy, 'srv0', C)).toEqual([]);
  });

  it('reads the server, the logging app and the wake route all at once', async () => {
    const caddy = new GatedCaddy(3);
    caddy.gated = false;
    await ensureWakeSetup(caddy, 'srv0', C);
    caddy.gated = true;
    expect(await ensureWakeSetup(caddy, 'srv0', C)).toEqual([]);
  });
});
