import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  adminListen, parsePort, parseTlsMode, renderBirthCaddy, runtimeRoutes, type BirthCaddyOptions, type CaddyConfig,
} from '../../src/birth/caddy-config.js';
import { sameRoute, tenantRoute } from '../../src/caddy/routes.js';
import { ACCESS_LOG_KEY, SERVER_LOGGER_NAME, desiredAccessLog, desiredWakeRoute, wakeRouteId } from '../../src/caddy/wake-config.js';
import { DEFAULTS } from '../../src/core/config.js';

// The real base config the image ships.
const base = JSON.parse(readFileSync(new URL('../../birth/caddy.json', import.meta.url), 'utf8')) as CaddyConfig;
const opts: BirthCaddyOptions = {
  adminListen: '127.0.0.1:2020', server: 'feather', httpPort: 80, httpsPort: 443, tls: 'off', askUrl: 'http://127.0.0.1:9098/ask',
};
const server = (c: CaddyConfig) => c.apps!.http!.servers!.feather!;
const alice = tenantRoute({ id: 'feather-user-alice', host: 'alice.users.example', port: 9001 });
const bob = tenantRoute({ id: 'feather-user-bob', host: 'bob.users.example', port: 9002 });

describe('the birth Caddy config', () => {
  it('on first start is the base: the server on the HTTP port, the catch-all last, admin on loopback', () => {
    const c = renderBirthCaddy(base, { ...opts, httpPort: 18080, adminListen: '127.0.0.1:12020' });
    expect(c.admin?.listen).toBe('127.0.0.1:12020');
    expect(server(c).listen).toEqual([':18080']);
    expect(server(c).routes?.map((r) => r['@id'])).toEqual(['feather-birth-catch-all']);
    expect(c.apps?.tls).toBeUndefined();
    // The base file itself is never modified.
    expect(server(base).listen).toEqual([':80']);
  });

  it('after a restart keeps the routes added at run time, in order, ahead of the base routes', () => {
    const first = renderBirthCaddy(base, opts);
    const autosave = structuredClone(first);
    server(autosave).routes = [alice, bob, ...(server(autosave).routes ?? [])];
    const again = renderBirthCaddy(base, opts, autosave);
    expect(server(again).routes?.map((r) => r['@id'])).toEqual(['feather-user-alice', 'feather-user-bob', 'feather-birth-catch-all']);
    expect(server(again).routes?.[0]).toEqual(alice);
  });

  it('takes the base from the new image, not from the autosave, so an upgrade changes it', () => {
    const autosave = renderBirthCaddy(base, opts);
    server(autosave).routes![0]!.handle = [{ handler: 'static_response', status_code: 410 }];
    server(autosave).routes = [alice, ...server(autosave).routes!];
    const again = renderBirthCaddy(base, opts, autosave);
    expect(server(again).routes).toHaveLength(2);
    expect(server(again).routes?.[1]).toEqual(server(base).routes?.[0]);
  });

  it('drops an unnamed catch-all of an older base, keeps an operator route without an id', () => {
    const own = { match: [{ path: ['/status'] }], handle: [{ handler: 'static_response', body: 'ok' }] };
    const kept = runtimeRoutes([own, alice, { handle: [{ handler: 'static_response' }] }], server(base).routes ?? []);
    expect(kept).toEqual([own, alice]);
  });

  it('with TLS serves HTTPS on its port with on-demand certificates that ask the watchdog first', () => {
    const c = renderBirthCaddy(base, { ...opts, tls: 'acme', acmeEmail: 'ops@example.org', httpPort: 8080, httpsPort: 8443 });
    expect(server(c).listen).toEqual([':8443']);
    expect(server(c).tls_connection_policies).toEqual([{}]);
    expect(c.apps?.http?.http_port).toBe(8080);
    expect(c.apps?.http?.https_port).toBe(8443);
    expect(c.apps?.tls).toEqual({
      automation: {
        policies: [{ on_demand: true, issuers: [{ module: 'acme', email: 'ops@example.org' }] }],
        on_demand: { ask: 'http://127.0.0.1:9098/ask' },
      },
    });
    const internal = renderBirthCaddy(base, { ...opts, tls: 'internal' });
    expect(JSON.stringify(internal.apps?.tls)).toContain('"module":"internal"');
    expect(internal.apps?.pki).toEqual({ certificate_authorities: { local: { install_trust: false } } });
  });

  it('refuses an admin API off loopback, a bad TLS mode and a bad port', () => {
    expect(adminListen('http://127.0.0.1:2020')).toBe('127.0.0.1:2020');
    expect(adminListen('http://localhost')).toBe('localhost:80');
    expect(() => adminListen('http://0.0.0.0:2020')).toThrow(/127\.0\.0\.1/);
    expect(() => adminListen('http://10.0.0.5:2020')).toThrow(/unauthenticated/);
    expect(() => adminListen('unix:/run/feather-caddy/admin.sock')).toThrow(/in the birth container \(a unix socket is for the swarm backend\)/);
    expect(parseTlsMode(undefined, false)).toBe('off');
    expect(parseTlsMode(undefined, true)).toBe('acme');
    expect(parseTlsMode('internal', true)).toBe('internal');
    expect(() => parseTlsMode('yes', true)).toThrow(/off, acme or internal/);
    expect(parsePort('8080', 80, 'P')).toBe(8080);
    expect(parsePort('', 80, 'P')).toBe(80);
    expect(() => parsePort('80a', 80, 'P')).toThrow(/P must be a port/);
  });

  it('carries what sleep and wake need, exactly as the watchdog wants it, once across restarts', () => {
    const c = { ...DEFAULTS, domain: 'users.example', wakeListen: '127.0.0.1:19098', accessLog: '/var/log/ft/access.log' };
    const wake = { route: desiredWakeRoute(c), loggerName: SERVER_LOGGER_NAME, logKey: ACCESS_LOG_KEY, log: desiredAccessLog(c.accessLog, SERVER_LOGGER_NAME) };
    const first = renderBirthCaddy(base, { ...opts, wake });
    const check = (cfg: CaddyConfig) => {
      const errors = server(cfg).errors?.routes ?? [];
      expect(errors.filter((r) => r['@id'] === wakeRouteId(c))).toHaveLength(1);
      expect(sameRoute(errors[0]!, desiredWakeRoute(c))).toBe(true);
      expect(server(cfg).logs).toEqual({ default_logger_name: SERVER_LOGGER_NAME });
      const logs = (cfg.logging as { logs: Record<string, unknown> }).logs;
      expect(logs[ACCESS_LOG_KEY]).toEqual(desiredAccessLog(c.accessLog, SERVER_LOGGER_NAME));
      // The birth's own stderr log leaves the access lines to the file.
      expect(logs.default).toMatchObject({ exclude: ['http.log.access'] });
    };
    check(first);
    const autosave = structuredClone(first);
    server(autosave).routes = [alice, ...(server(autosave).routes ?? [])];
    const again = renderBirthCaddy(base, { ...opts, wake }, autosave);
    check(again);
    expect(server(again).routes?.map((r) => r['@id'])).toEqual(['feather-user-alice', 'feather-birth-catch-all']);
  });
});
