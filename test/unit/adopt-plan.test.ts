import { describe, expect, it } from 'vitest';
import { planAdoption, type AdoptCandidate } from '../../src/reconcile/adopt-plan.js';
import { parseTenantShState } from '../../src/reconcile/tenant-sh.js';
import type { ContainerDetails } from '../../src/core/container.js';
import type { TenantRow } from '../../src/core/tenant-row.js';

const RANGE = { first: 9001, last: 9010 };

function candidate(name: string, ports: number[], o: { volume?: string | null; labelled?: boolean; labels?: Record<string, string> } = {}): AdoptCandidate {
  const details: ContainerDetails = {
    id: `id-${name}`, name: `feather-user-${name}`, state: 'running', image: 'localhost/feather-work:old', labels: o.labels ?? {}, hostPorts: ports,
    createdAt: undefined, startedAt: undefined, nanoCpus: 0, memoryBytes: 0, pidsLimit: 0,
    mounts: o.volume === null ? [] : [{ type: 'volume', name: o.volume ?? `feather-user-${name}`, source: '/x', destination: '/home/user' }],
  };
  return { name, labelled: o.labelled ?? false, details };
}
const existing = (name: string, port: number) => ({ name, port }) as TenantRow;

describe('planAdoption', () => {
  it('adopts tenant.sh containers with their port, volume and the state file password', () => {
    const file = parseTenantShState(JSON.stringify({ alice: { port: 9001, password: 'x7k9m2' }, bob: { port: '9002' } }), 'f');
    const r = planAdoption({ range: RANGE, rows: [], candidates: [candidate('alice', [9001]), candidate('bob', [9002], { volume: 'bob-home' })], stateFile: file });
    expect(r.adopt).toEqual([
      { name: 'alice', port: 9001, image: 'localhost/feather-work:old', volume: 'feather-user-alice', secret: null, containerId: 'id-alice', password: 'x7k9m2' },
      { name: 'bob', port: 9002, image: 'localhost/feather-work:old', volume: 'bob-home', secret: null, containerId: 'id-bob', password: undefined },
    ]);
    expect(r.notes).toEqual([]);
  });

  it('skips what cannot be adopted safely, saying why', () => {
    const r = planAdoption({
      range: RANGE,
      rows: [existing('zed', 9003)],
      candidates: [candidate('nodata', [9001], { volume: null }), candidate('far', [8000]), candidate('clash', [9003]), candidate('zed', [9004])],
      stateFile: parseTenantShState('{"ghost":{"port":9009}}', 'f'),
    });
    expect(r.adopt).toEqual([]);
    expect(r.notes.map((n) => `${n.target}: ${n.message}`)).toEqual([
      'clash: not adopted: its port 9003 already belongs to another tenant',
      'far: not adopted: container feather-user-far publishes no port in 9001-9010 (FEATHER_TENANT_PORTS)',
      'nodata: not adopted: container feather-user-nodata has no named volume at /home/user, so its data would not survive a new container',
      'ghost: in the tenant.sh state file (port 9009) but has no container; add it with feather-tenant add ghost (an existing volume is reused)',
    ]);
  });

  it('takes back a container of ours that lost its row, with the secret it was made with', () => {
    const c = candidate('alice', [9005], { labelled: true, labels: { 'io.feather-tenant.secret': 'feather-user-alice.pw-1' } });
    expect(planAdoption({ range: RANGE, rows: [], candidates: [c], stateFile: undefined }).adopt[0]?.secret).toBe('feather-user-alice.pw-1');
  });

  it('never gives two adopted tenants one port', () => {
    const r = planAdoption({ range: RANGE, rows: [], candidates: [candidate('a', [9001]), candidate('b', [9001])], stateFile: undefined });
    expect(r.adopt.map((a) => a.name)).toEqual(['a']);
  });
});

describe('parseTenantShState', () => {
  it('reads the map, wrapped and list shapes', () => {
    const want = new Map([['alice', { port: 9001, password: 'pw' }]]);
    expect(parseTenantShState('{"alice":{"port":9001,"password":"pw"}}', 'f')).toEqual(want);
    expect(parseTenantShState('{"tenants":{"alice":{"port":9001,"pass":"pw"}}}', 'f')).toEqual(want);
    expect(parseTenantShState('[{"username":"alice","port":"9001","pw":"pw"}]', 'f')).toEqual(want);
    expect(parseTenantShState('{"users":[{"name":"alice","port":9001,"password":"pw"}]}', 'f')).toEqual(want);
  });

  it('a broken file is a usage error naming it', () => {
    expect(() => parseTenantShState('{nope', '/tmp/tenants.json')).toThrow(/\/tmp\/tenants.json is not valid JSON/);
    expect(() => parseTenantShState('42', '/tmp/tenants.json')).toThrow(/neither an object nor a list/);
  });
});
