import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import { pickNode, secretChange, tenantServiceSpec } from '../../src/core/tenant-service-spec.js';
import { parseNodes, parseServices } from '../../src/swarm/parse.js';
import { secretUpdateArgv, serviceCreateArgv } from '../../src/swarm/service-args.js';

const c = resolveConfig({ FEATHER_TENANT_PREFIX: 'fs-', FEATHER_TENANT_CPUS: '0.5', FEATHER_TENANT_MEMORY: '96m', FEATHER_TENANT_PIDS: '64' });

describe('the service of a tenant', () => {
  const argv = serviceCreateArgv(tenantServiceSpec(c, { name: 'alice', image: 'localhost/w:1', node: '2' }));
  const value = (flag: string) => argv.filter((_, i) => argv[i - 1] === flag);

  it('is secure by default: user, init, no capabilities, limits, the password as a 0400 file', () => {
    expect(value('--user')).toEqual(['1000:1000']);
    expect(argv).toContain('--init');
    expect(value('--cap-drop')).toEqual(['ALL']);
    expect([value('--limit-cpu'), value('--limit-memory'), value('--limit-pids')]).toEqual([['0.5'], ['96m'], ['64']]);
    expect(value('--secret')).toEqual(['source=fs-alice,target=feather-password,uid=1000,gid=1000,mode=0400']);
    // no API keys pass through: a service's environment is readable with `docker service inspect`
    expect(value('--env').map((e) => e.split('=')[0])).toEqual(['FEATHER_TENANT', 'FEATHER_PASSWORD_FILE']);
  });

  it('is pinned to its node, on its own network, by DNS round robin, the image last', () => {
    expect(value('--constraint')).toEqual(['node.labels.feather.host==2']);
    expect(value('--network')).toEqual(['fs-alice']);
    expect(value('--endpoint-mode')).toEqual(['dnsrr']);
    expect(value('--mount')[0]).toMatch(/^type=volume,source=fs-alice,target=\/home\/user,volume-label=io\.feather-tenant\.managed=true,/);
    expect(argv.at(-1)).toBe('localhost/w:1');
  });
});

describe('placement', () => {
  const nodes = [{ host: '1', hostname: 'a', ready: true }, { host: '2', hostname: 'b', ready: true }, { host: '10', hostname: 'c', ready: false }];
  const on = (...hosts: string[]) => hosts.map((node, i) => ({ name: `t${i}`, labels: {}, desired: 1, running: 1, node }));

  it('the ready node with the fewest tenants, ties by label in numeric order', () => {
    expect(pickNode(nodes, on())).toBe('1');
    expect(pickNode(nodes, on('1'))).toBe('2');
    expect(pickNode(nodes, on('1', '2', '2'))).toBe('1');
  });

  it('a chosen node must exist (exit 2) and be ready (exit 4)', () => {
    expect(pickNode(nodes, on('2'), '2')).toBe('2');
    expect(() => pickNode(nodes, on(), '9')).toThrow(/feather\.host=9/);
    expect(() => pickNode(nodes, on(), '10')).toThrow(/not ready/);
    expect(() => pickNode([], on())).toThrow(/no ready swarm node/);
  });
});

describe('reading the docker CLI', () => {
  it('nodes: unlabelled ones are not for tenants', () => {
    expect(parseNodes('1\tn1\tready\tactive\n\tmgr\tready\tactive\n2\tn2\tdown\tactive\n')).toEqual([
      { host: '1', hostname: 'n1', ready: true },
      { host: '2', hostname: 'n2', ready: false },
    ]);
  });

  it('services: running counts only Running tasks', () => {
    const inspect = 'fs-a\t{"io.feather-tenant.node":"2"}\t1\t{"NanoCPUs":500000000,"MemoryBytes":100663296,"Pids":64}\nfs-b\t{}\t0\tnull\n';
    const ps = 'fs-a.1\tRunning 3 seconds ago\nfs-b.1\tPreparing 1 second ago\n';
    expect(parseServices(inspect, ps)).toEqual([
      { name: 'fs-a', labels: { 'io.feather-tenant.node': '2' }, desired: 1, running: 1, node: '2', limits: { nanoCpus: 5e8, memoryBytes: 100663296, pids: 64 } },
      { name: 'fs-b', labels: {}, desired: 0, running: 0, node: undefined, limits: { nanoCpus: 0, memoryBytes: 0, pids: 0 } },
    ]);
  });
});

describe("the secret swap of a tenant's service (passwd, rotate-ingest-token)", () => {
  const spec = tenantServiceSpec(c, { name: 'alice', image: 'localhost/w:1', node: '2', ingestSecret: 'fs-alice.ingest-1' });

  it('add: the ingest token as a second 0400 file of the user, its env and label; names only', () => {
    const argv = serviceCreateArgv(spec);
    expect(argv).toContain('source=fs-alice.ingest-1,target=feather-ingest-token,uid=1000,gid=1000,mode=0400');
    expect(argv).toContain('FEATHER_INGEST_TOKEN_FILE=/run/secrets/feather-ingest-token');
    expect(argv).toContain('io.feather-tenant.ingest=fs-alice.ingest-1');
  });

  it('one update: the old secret out, the new one in at the same target; nothing when the service has them', () => {
    const pw = secretChange(c, 'alice', spec.labels, { secret: 'fs-alice.pw-2', ingestSecret: 'fs-alice.ingest-1' });
    if (!pw) throw new Error('no change');
    const argv = secretUpdateArgv('fs-alice', pw, true);
    expect(argv.slice(0, 3)).toEqual(['service', 'update', '--detach=false']);
    expect(argv).toEqual(expect.arrayContaining(['--secret-rm', 'fs-alice', '--secret-add', 'source=fs-alice.pw-2,target=feather-password,uid=1000,gid=1000,mode=0400']));
    expect(argv).toEqual(expect.arrayContaining(['--label-add', 'io.feather-tenant.secret=fs-alice.pw-2']));
    expect(argv.at(-1)).toBe('fs-alice');
    expect(secretUpdateArgv('fs-alice', pw, false)[2]).toBe('--detach=true');
    expect(secretChange(c, 'alice', spec.labels, { secret: 'fs-alice', ingestSecret: 'fs-alice.ingest-1' })).toBeUndefined();
    // a roll back of a first token takes the secret, its env and its label away
    const back = secretChange(c, 'alice', spec.labels, { secret: 'fs-alice', ingestSecret: null });
    expect(back).toMatchObject({ remove: ['fs-alice.ingest-1'], add: [], removeEnv: ['FEATHER_SUMMARY_URL', 'FEATHER_INGEST_TOKEN_FILE'], removeLabels: ['io.feather-tenant.ingest'] });
  });
});
