import { describe, expect, it } from 'vitest';
import { tenantRoute } from '../../src/caddy/routes.js';
import type { CaddyRoute } from '../../src/core/route.js';
import { planReconcile, type ReconcileInput } from '../../src/reconcile/plan.js';
import type { ContainerSummary } from '../../src/core/container.js';
import type { TenantRow } from '../../src/core/tenant-row.js';

const P = 'fu-';
const CATCH_ALL: CaddyRoute = { handle: [{ handler: 'static_response', status_code: 404 }] };
const OTHER: CaddyRoute = { '@id': 'birth', match: [{ host: ['birth.example'] }], handle: [{ handler: 'reverse_proxy' }] };

function row(name: string, port: number, extra: Partial<TenantRow> = {}): TenantRow {
  return {
    name, port, status: 'active', image: 'img', volume: `${P}${name}`, containerId: 'id', passwordHash: 'h', createdAt: 1, updatedAt: 1,
    secret: `${P}${name}`, secretPending: null, desired: 'running', adoptedAt: null,
    lastActiveAt: null, pinned: false, asleepAt: null, stopStartedAt: null, wakeStartedAt: null, upgrade: null,
    lastActiveKind: null, lastActiveDetail: null, ingestHash: null, ingestSecret: null, ingestPending: null, ...extra,
  };
}
function container(name: string, port: number, extra: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    id: `id-${name}`, name: `${P}${name}`, state: 'running', image: 'img', hostPorts: [port], startedAt: undefined, createdAt: undefined, pid: 0,
    labels: { 'io.feather-tenant.managed': 'true', 'io.feather-tenant.prefix': P, 'io.feather-tenant.tenant': name, 'io.feather-tenant.secret': `${P}${name}` },
    ...extra,
  };
}
const route = (name: string, port: number) => tenantRoute({ id: `${P}${name}`, host: `${name}.example`, port });

function input(o: Partial<ReconcileInput>): ReconcileInput {
  return {
    prefix: P, rows: [], busy: new Map(), containers: [], routes: [CATCH_ALL],
    routeFor: (r) => route(r.name, r.port), ...o,
  };
}

describe('planReconcile', () => {
  it('a converged world has nothing to do', () => {
    const plan = planReconcile(input({
      rows: [row('alice', 9001), row('bob', 9002)],
      containers: [container('alice', 9001), container('bob', 9002)],
      routes: [route('bob', 9002), OTHER, route('alice', 9001), CATCH_ALL],
    }));
    expect(plan).toEqual({ routeChanges: [], routes: undefined, actions: [], notes: [] });
  });

  it('restores every missing route in one new array, in front of the catch-all, keeping other routes', () => {
    const rows = Array.from({ length: 200 }, (_, i) => row(`t${i}`, 9000 + i));
    const plan = planReconcile(input({ rows, containers: rows.map((r) => container(r.name, r.port)), routes: [OTHER, CATCH_ALL] }));
    expect(plan.routeChanges).toHaveLength(200);
    expect(plan.routeChanges.every((c) => c.change === 'add')).toBe(true);
    expect(plan.routes).toHaveLength(202);
    expect(plan.routes?.slice(-2)).toEqual([OTHER, CATCH_ALL]);
    expect(plan.actions).toEqual([]);
  });

  it('creates the routes list when the server has none', () => {
    const plan = planReconcile(input({ rows: [row('alice', 9001)], containers: [container('alice', 9001)], routes: undefined }));
    expect(plan.routes).toEqual([route('alice', 9001)]);
  });

  it('fixes a wrong port in place, removes strays and duplicates, moves routes out from behind the catch-all', () => {
    const plan = planReconcile(input({
      rows: [row('alice', 9001), row('bob', 9002), row('carol', 9003)],
      containers: [container('alice', 9001), container('bob', 9002), container('carol', 9003)],
      routes: [route('alice', 9009), route('ghost', 9005), OTHER, route('bob', 9002), route('bob', 9002), CATCH_ALL, route('carol', 9003)],
    }));
    expect(plan.routeChanges.map((c) => [c.tenant, c.change, c.detail])).toEqual([
      ['alice', 'fix', 'port 9009 -> 9001'],
      ['ghost', 'remove', 'no such tenant'],
      ['bob', 'remove', 'duplicate @id'],
      ['carol', 'move', 'it was behind a catch-all route'],
    ]);
    expect(plan.routes).toEqual([route('carol', 9003), route('alice', 9001), OTHER, route('bob', 9002), CATCH_ALL]);
  });

  it('leaves routes whose @id is not a tenant name of our prefix alone', () => {
    const foreign: CaddyRoute[] = [
      { '@id': 'fu-wake', handle: [] }, // a reserved name: not a tenant
      { '@id': 'other-alice', handle: [] },
      { '@id': 'fu-Bad_Name', handle: [] },
    ];
    const plan = planReconcile(input({ routes: [...foreign, CATCH_ALL] }));
    expect(plan.routes).toBeUndefined();
  });

  it('creates missing containers (started or not, as wanted) and starts stopped ones that should run', () => {
    const plan = planReconcile(input({
      rows: [row('alice', 9001), row('bob', 9002, { desired: 'stopped' }), row('carol', 9003), row('dave', 9004, { desired: 'stopped' })],
      containers: [container('carol', 9003, { state: 'exited' }), container('dave', 9004, { state: 'exited' })],
      routes: ['alice', 'bob', 'carol', 'dave'].map((n, i) => route(n, 9001 + i)),
    }));
    expect(plan.actions).toEqual([
      { kind: 'create', name: 'alice', start: true, why: 'its container is missing' },
      { kind: 'create', name: 'bob', start: false, why: 'its container is missing' },
      { kind: 'start', name: 'carol', why: 'it was exited' },
    ]);
  });

  it('recreates a container of ours publishing a wrong port or holding an old secret', () => {
    const plan = planReconcile(input({
      rows: [row('alice', 9001), row('bob', 9002, { secret: 'fu-bob.pw-2' })],
      containers: [container('alice', 9005), container('bob', 9002)],
      routes: [route('alice', 9001), route('bob', 9002)],
    }));
    expect(plan.actions).toEqual([
      { kind: 'recreate', name: 'alice', start: true, why: 'it publishes port 9005, not 9001' },
      { kind: 'recreate', name: 'bob', start: true, why: 'it holds an old password (secret fu-bob, not fu-bob.pw-2)' },
    ]);
  });

  it('an adopted container without our labels is only started, never recreated', () => {
    const bare = container('alice', 9001, { labels: {}, state: 'exited' });
    const plan = planReconcile(input({ rows: [row('alice', 9001, { secret: null })], containers: [bare], routes: [route('alice', 9001)] }));
    expect(plan.actions).toEqual([{ kind: 'start', name: 'alice', why: 'it was exited' }]);
  });

  it('rolls back a dead add, finishes a dead remove, and cleans up after a dead passwd: routes first, secrets last', () => {
    const plan = planReconcile(input({
      rows: [
        row('alice', 9001, { status: 'provisioning' }),
        row('bob', 9002, { status: 'removing' }),
        row('carol', 9003, { secret: 'fu-carol', secretPending: 'fu-carol.pw-1' }),
      ],
      containers: [container('alice', 9001), container('carol', 9003, { labels: { ...container('carol', 9003).labels, 'io.feather-tenant.secret': 'fu-carol.pw-1' } })],
      routes: [route('alice', 9001), route('bob', 9002), route('carol', 9003), CATCH_ALL],
    }));
    expect(plan.routeChanges.map((c) => [c.tenant, c.change, c.detail])).toEqual([
      ['alice', 'remove', 'its add was interrupted'],
      ['bob', 'remove', 'its remove was interrupted'],
    ]);
    expect(plan.actions.map((a) => [a.kind, a.name])).toEqual([
      ['rollback-add', 'alice'], ['finish-remove', 'bob'], ['recreate', 'carol'], ['drop-secret', 'carol'],
    ]);
  });

  it('cleans up after a dead rotate-ingest-token: a container holding an unrecorded token is recreated, the pending secret dropped', () => {
    const labels = (name: string, ingest?: string) => ({ ...container(name, 0).labels, ...(ingest ? { 'io.feather-tenant.ingest': ingest } : {}) });
    const plan = planReconcile(input({
      rows: [
        row('dana', 9004, { ingestSecret: 'fu-dana.ingest-1', ingestPending: 'fu-dana.ingest-2' }),
        row('erin', 9005, { ingestSecret: 'fu-erin.ingest-1' }),
        row('old', 9006),
      ],
      containers: [
        container('dana', 9004, { labels: labels('dana', 'fu-dana.ingest-2') }),
        container('erin', 9005, { labels: labels('erin', 'fu-erin.ingest-1') }),
        // From before issue 13: no token and no label, and no recreation for it.
        container('old', 9006),
      ],
      routes: [route('dana', 9004), route('erin', 9005), route('old', 9006), CATCH_ALL],
    }));
    expect(plan.actions).toEqual([
      { kind: 'recreate', name: 'dana', start: true, why: 'it holds another ingest token (secret fu-dana.ingest-2, not fu-dana.ingest-1)' },
      { kind: 'drop-secret', name: 'dana', secret: 'fu-dana.ingest-2', ingest: true },
    ]);
  });

  it('leaves tenants another command holds alone, routes and all', () => {
    const plan = planReconcile(input({
      rows: [row('alice', 9001, { status: 'provisioning' }), row('bob', 9002)],
      busy: new Map([['alice', 'add (pid 7)'], ['bob', 'passwd (pid 8)'], ['carol', 'add (pid 9)']]),
      containers: [container('carol', 9003)],
      routes: [route('alice', 9001), CATCH_ALL, route('carol', 9003)],
    }));
    expect(plan.routes).toBeUndefined();
    expect(plan.actions).toEqual([]);
    expect(plan.notes.map((n) => n.message)).toEqual(['skipped: add (pid 7) is working on it', 'skipped: passwd (pid 8) is working on it']);
  });

  it('reports containers with no tenant, never acting on them; ignores other installations with a longer prefix', () => {
    const plan = planReconcile(input({
      containers: [
        container('orphan', 9001),
        container('tsh', 9002, { labels: {} }),
        { ...container('x-alice', 9003), labels: { 'io.feather-tenant.prefix': 'fu-x-' } },
      ],
    }));
    expect(plan.actions).toEqual([]);
    expect(plan.notes.map((n) => n.target)).toEqual(['orphan', 'tsh']);
    expect(plan.notes[0]?.message).toContain('is ours but no tenant orphan is in state');
    expect(plan.notes[1]?.message).toContain('tenant.sh');
  });

  it('is idempotent: applying the plan to its own output gives nothing more to do', () => {
    const rows = [row('alice', 9001), row('bob', 9002)];
    const first = planReconcile(input({ rows, containers: rows.map((r) => container(r.name, r.port)), routes: [route('alice', 9999), route('zed', 1), CATCH_ALL] }));
    const second = planReconcile(input({ rows, containers: rows.map((r) => container(r.name, r.port)), routes: first.routes }));
    expect(second.routes).toBeUndefined();
    expect(second.routeChanges).toEqual([]);
  });
});
