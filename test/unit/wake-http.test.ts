import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { desiredAccessLog, desiredWakeRoute, serverLoggerName } from '../../src/caddy/wake-config.js';
import { resolveConfig } from '../../src/core/config.js';
import { Metrics } from '../../src/watchdog/metrics.js';
import { isBrowserNavigation, waitingPage } from '../../src/wake/page.js';
import { forwardHeaders } from '../../src/wake/proxy.js';
import { describeRequest } from '../../src/wake/request.js';

const req = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;
const routed = (method: string, length = '', error = 'dial tcp 127.0.0.1:9001: connect: connection refused') =>
  req('GET', { 'x-feather-wake-method': method, 'x-feather-wake-length': length, 'x-feather-wake-error': error });

describe('what the wake route tells the wake server', () => {
  it.each([
    [routed('GET'), { method: 'GET', bodyLost: false, refused: true }],
    [routed('HEAD'), { method: 'HEAD', bodyLost: false }],
    [routed('POST', '12'), { method: 'POST', bodyLost: true }],
    [routed('POST', '0'), { method: 'POST', bodyLost: false }],
    [routed('POST'), { method: 'POST', bodyLost: true }], // chunked: no length, a body may have been there
    [routed('DELETE'), { method: 'DELETE', bodyLost: false }],
    [routed('PUT', '', 'read tcp: i/o timeout'), { method: 'PUT', bodyLost: true, refused: false }],
    [req('POST', {}), { method: 'POST', viaRoute: false, bodyLost: false, refused: true }],
  ])('%#', (r, want) => expect(describeRequest(r)).toMatchObject(want));
});

describe('browser navigations', () => {
  it('are GETs that accept HTML and are not fetch() calls', () => {
    expect(isBrowserNavigation('GET', { accept: 'text/html,*/*', 'sec-fetch-mode': 'navigate' })).toBe(true);
    expect(isBrowserNavigation('GET', { accept: 'text/html' })).toBe(true);
    expect(isBrowserNavigation('GET', { accept: 'text/html', 'sec-fetch-mode': 'cors' })).toBe(false);
    expect(isBrowserNavigation('GET', { accept: '*/*' })).toBe(false);
    expect(isBrowserNavigation('POST', { accept: 'text/html' })).toBe(false);
  });

  it('get a page that names the tenant and polls the status path', () => {
    const html = waitingPage('alice', 1500);
    expect(html).toContain('<title>Waking up alice…</title>');
    expect(html).toContain('/.feather-tenant/wake-status');
    expect(waitingPage('<script>', 1)).not.toContain('<script>…');
  });
});

describe('forwardHeaders', () => {
  it('drops hop-by-hop headers, the wake route headers, and the length of a body not sent', () => {
    const h = { host: 'a.x', connection: 'keep-alive', 'x-feather-wake-method': 'POST', 'content-length': '5', cookie: 'c=1' };
    expect(forwardHeaders(h, false)).toEqual({ host: 'a.x', cookie: 'c=1' });
    expect(forwardHeaders(h, true)).toEqual({ host: 'a.x', cookie: 'c=1', 'content-length': '5' });
  });
});

describe('Caddy config for sleep and wake', () => {
  it('the wake route catches 502s of tenant hosts and turns them into bodiless GETs to the wake server', () => {
    const c = resolveConfig({ FEATHER_TENANT_PREFIX: 'p-', FEATHER_TENANT_DOMAIN: 'u.example', FEATHER_TENANT_WAKE_LISTEN: '127.0.0.1:9555' });
    const r = desiredWakeRoute(c);
    expect(r['@id']).toBe('p-wake');
    expect(r.match).toEqual([{ host: ['*.u.example'], expression: '{http.error.status_code} == 502' }]);
    expect(r.handle?.[0]).toMatchObject({ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:9555' }], rewrite: { method: 'GET' } });
    expect(JSON.stringify(r)).not.toContain('buffer_requests');
  });

  it('the access log follows the server logger name, ours unless the operator set one', () => {
    expect(serverLoggerName(undefined)).toBe('feather_tenant');
    expect(serverLoggerName({ default_logger_name: 'main' })).toBe('main');
    expect(desiredAccessLog('/l', 'main').include).toEqual(['http.log.access.main']);
  });
});

describe('settings', () => {
  it('idle minutes take fractions; the wake address must be a concrete HOST:PORT', () => {
    expect(resolveConfig({ FEATHER_TENANT_IDLE_MINUTES: '0.05' }).idleMs).toBe(3000);
    expect(resolveConfig({}).idleMs).toBe(20 * 60_000);
    expect(resolveConfig({}).wakeListen).toBe('127.0.0.1:9098');
    expect(() => resolveConfig({ FEATHER_TENANT_IDLE_MINUTES: '0' })).toThrow(/FEATHER_TENANT_IDLE_MINUTES/);
    for (const bad of ['9098', '0.0.0.0:9098', '127.0.0.1:70000', 'host:x']) {
      expect(() => resolveConfig({ FEATHER_TENANT_WAKE_LISTEN: bad })).toThrow(/FEATHER_TENANT_WAKE_LISTEN/);
    }
    expect(() => resolveConfig({ FEATHER_TENANT_ACCESS_LOG: 'relative.log' })).toThrow(/absolute/);
    // In the file, in the units the names say.
    const f = resolveConfig({}, { idleMinutes: 30, sweepInterval: 15, activeTraffic: 8192, wakeListen: '127.0.0.1:9200' });
    expect([f.idleMs, f.sweepIntervalMs, f.activeTrafficBytes, f.wakeListen]).toEqual([1_800_000, 15_000, 8192, '127.0.0.1:9200']);
  });
});

describe('metrics', () => {
  it('render in Prometheus text format', () => {
    const m = new Metrics();
    m.observeWake(true, 0.3);
    m.observeWake(false, 45);
    m.containerStarts = 2;
    m.tenants = { running: 3, asleep: 5 };
    const text = m.render(1);
    expect(text).toContain('feather_tenant_tenants{state="asleep"} 5');
    expect(text).toContain('feather_tenant_tenants{state="waking"} 1');
    expect(text).toContain('feather_tenant_wakes_total{result="failed"} 1');
    expect(text).toContain('feather_tenant_wake_duration_seconds_bucket{le="0.5"} 1');
    expect(text).toContain('feather_tenant_wake_duration_seconds_count 2');
    expect(text).toContain('feather_tenant_container_starts_total 2');
    for (const l of text.trim().split('\n')) expect(l).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{\w+="[^"]*"\})? [\d.e+-]+)$/);
  });
});
