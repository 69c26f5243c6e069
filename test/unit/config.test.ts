import { describe, expect, it } from 'vitest';
import { DEFAULTS, redactConfig, resolveConfig } from '../../src/core/config.js';
import { UsageError } from '../../src/core/errors.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = resolveConfig({});
    expect(c).toEqual(DEFAULTS);
    expect(c.ports).toEqual({ first: 9001, last: 9010 });
    expect(c.caddyAdmin).toBe('http://127.0.0.1:2020');
    expect(c.prefix).toBe('feather-user-');
    expect(c.readyTimeoutMs).toBe(45_000);
  });

  it('environment overrides the file, the file overrides defaults', () => {
    const file = { domain: 'file.example', ports: '9100-9110', passthroughEnv: ['A_KEY'], readyTimeout: 10 };
    const c = resolveConfig({ FEATHER_TENANT_DOMAIN: 'env.example' }, file);
    expect(c.domain).toBe('env.example');
    expect(c.ports).toEqual({ first: 9100, last: 9110 });
    expect(c.passthroughEnv).toEqual(['A_KEY']);
    expect(c.readyTimeoutMs).toBe(10_000);
  });

  it('reads the lock timeout (seconds, 0 allowed) and the tenant.sh state file path', () => {
    expect(resolveConfig({}).lockTimeoutMs).toBe(30_000);
    expect(resolveConfig({ FEATHER_TENANT_LOCK_TIMEOUT: '0' }).lockTimeoutMs).toBe(0);
    expect(resolveConfig({}, { lockTimeout: 2.5 }).lockTimeoutMs).toBe(2500);
    expect(() => resolveConfig({ FEATHER_TENANT_LOCK_TIMEOUT: '-1' })).toThrow(/FEATHER_TENANT_LOCK_TIMEOUT must be a number of seconds/);
    expect(resolveConfig({}).adoptFile).toBe('/tmp/tenants.json');
    expect(resolveConfig({ FEATHER_TENANT_ADOPT_FILE: '/srv/tenants.json' }).adoptFile).toBe('/srv/tenants.json');
  });

  it("reads podman's API socket as an absolute path, unset by default", () => {
    expect(resolveConfig({}).podmanSocket).toBeUndefined();
    expect(resolveConfig({ FEATHER_TENANT_PODMAN_SOCKET: '/run/podman/podman.sock' }).podmanSocket).toBe('/run/podman/podman.sock');
    expect(resolveConfig({}, { podmanSocket: '' }).podmanSocket).toBeUndefined();
    expect(() => resolveConfig({ FEATHER_TENANT_PODMAN_SOCKET: 'run/podman.sock' })).toThrow(/FEATHER_TENANT_PODMAN_SOCKET must be an absolute path/);
  });

  it('serves the admin API on 127.0.0.1:9097 unless told off, on a concrete address only', () => {
    expect(resolveConfig({}).adminListen).toBe('127.0.0.1:9097');
    expect(resolveConfig({ FEATHER_TENANT_ADMIN_LISTEN: 'off' }).adminListen).toBeUndefined();
    expect(resolveConfig({}, { adminListen: 'off' }).adminListen).toBeUndefined();
    expect(resolveConfig({ FEATHER_TENANT_ADMIN_LISTEN: '[::1]:9000' }).adminListen).toBe('[::1]:9000');
    for (const bad of ['0.0.0.0:9097', '[::]:9097', '9097', 'on', 'example.com:9097']) {
      expect(() => resolveConfig({ FEATHER_TENANT_ADMIN_LISTEN: bad }), bad).toThrow(/FEATHER_TENANT_ADMIN_LISTEN must be HOST:PORT on a concrete address/);
    }
  });

  it('keeps our isolation rules on unless told off, and refuses anything else', () => {
    expect(resolveConfig({}).isolationRules).toBe('iptables');
    expect(resolveConfig({ FEATHER_TENANT_ISOLATION_RULES: 'off' }).isolationRules).toBe('off');
    expect(() => resolveConfig({}, { isolationRules: 'nft' })).toThrow(/isolationRules must be iptables or off/);
  });

  it('leaves the cap on held requests to the open-files limit unless set, and refuses a bad one', () => {
    expect(resolveConfig({}).maxHeld).toBeUndefined();
    expect(resolveConfig({ FEATHER_TENANT_MAX_HELD: '5' }).maxHeld).toBe(5);
    expect(resolveConfig({}, { maxHeld: 400 }).maxHeld).toBe(400);
    expect(() => resolveConfig({ FEATHER_TENANT_MAX_HELD: '0' })).toThrow(/FEATHER_TENANT_MAX_HELD must be a whole number from 1/);
    expect(() => resolveConfig({}, { maxHeld: 'many' })).toThrow(/maxHeld must be a whole number/);
  });

  it("caps an import's entries at a million unless told otherwise", () => {
    expect(resolveConfig({}).importMaxEntries).toBe(1_000_000);
    expect(resolveConfig({ FEATHER_TENANT_IMPORT_MAX_ENTRIES: '50' }).importMaxEntries).toBe(50);
    expect(resolveConfig({}, { importMaxEntries: 2_000_000 }).importMaxEntries).toBe(2_000_000);
    expect(() => resolveConfig({ FEATHER_TENANT_IMPORT_MAX_ENTRIES: '0' })).toThrow(/FEATHER_TENANT_IMPORT_MAX_ENTRIES must be a whole number from 1 to 10000000/);
  });

  it('parses lists, seconds and limits', () => {
    const c = resolveConfig({
      FEATHER_TENANT_PASSTHROUGH_ENV: 'A_KEY, B_KEY C_KEY',
      FEATHER_TENANT_READY_TIMEOUT: '1.5',
      FEATHER_TENANT_MEMORY: '512M',
      FEATHER_TENANT_PASSWORD_ENV: 'FEATHER_PASSWORD',
    });
    expect(c.passthroughEnv).toEqual(['A_KEY', 'B_KEY', 'C_KEY']);
    expect(c.readyTimeoutMs).toBe(1500);
    expect(c.memory).toBe('512m');
    expect(c.passwordEnv).toBe('FEATHER_PASSWORD');
  });

  it.each([
    ['FEATHER_TENANT_PORTS', '9010-9001'],
    ['FEATHER_TENANT_CONTAINER_PORT', '0'],
    ['FEATHER_TENANT_SCHEME', 'ftp'],
    ['FEATHER_TENANT_CADDY_ADMIN', 'not a url'],
    ['FEATHER_TENANT_USER', '0:0'],
    ['FEATHER_TENANT_PREFIX', 'Bad Prefix'],
    ['FEATHER_TENANT_DOMAIN', 'bad domain'],
    ['FEATHER_TENANT_READY_TIMEOUT', '-1'],
    ['FEATHER_TENANT_PASSTHROUGH_ENV', 'OK,not-a-name'],
  ])('refuses %s=%j, naming it', (key, value) => {
    expect(() => resolveConfig({ [key]: value })).toThrow(UsageError);
    expect(() => resolveConfig({ [key]: value })).toThrow(key);
  });

  it.each([
    '0', '00', '+0', '-0', '0:1000', '1000:0', '1000:00', '00:1000', '0x0', ' 1000', '1000 ', '1000:', ':1000',
    'root', 'user', '1000:root', '4294967295', '1000:4294967295', '99999999999', '1e3', '1000.0', '1000:1000:1000', '',
  ])('refuses FEATHER_TENANT_USER=%j: numeric UID[:GID], never 0 in any spelling', (value) => {
    // '' means unset in the environment: the file key tells the parser it was given.
    const attempt = () => (value === '' ? resolveConfig({}, { user: '' }) : resolveConfig({ FEATHER_TENANT_USER: value }));
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/UID\[:GID\]/);
  });

  it('spells the container user UID:GID, the GID defaulting to the UID (podman would pick group 0 for an unknown UID)', () => {
    expect(resolveConfig({ FEATHER_TENANT_USER: '4242' }).user).toBe('4242:4242');
    expect(resolveConfig({ FEATHER_TENANT_USER: '01000:0100' }).user).toBe('1000:100');
    expect(resolveConfig({}, { user: 1000 }).user).toBe('1000:1000');
    expect(resolveConfig({ FEATHER_TENANT_USER: '4294967294:1' }).user).toBe('4294967294:1');
  });

  it.each(['NaN', 'Infinity', '-1', '0', '0.0', '0.001', '1e999', '1e1', '0x2', ' 2', '2 ', '2.', '.5', '', '1,5', '9'.repeat(400)])(
    'refuses FEATHER_TENANT_CPUS=%j: a finite decimal of at least 0.01', (value) => {
      const attempt = () => resolveConfig({}, { cpus: value });
      expect(attempt).toThrow(UsageError);
      expect(attempt).toThrow(/cpus must be a decimal number of CPUs/);
    },
  );

  it('takes CPUs as a plain decimal, written canonically', () => {
    expect(resolveConfig({ FEATHER_TENANT_CPUS: '0.5' }).cpus).toBe('0.5');
    expect(resolveConfig({ FEATHER_TENANT_CPUS: '2.0' }).cpus).toBe('2');
    expect(resolveConfig({ FEATHER_TENANT_CPUS: '0.01' }).cpus).toBe('0.01');
    expect(resolveConfig({}, { cpus: 4 }).cpus).toBe('4');
  });

  it.each(['0', '0g', '1k', '5m', '-1g', '1.5g', '4t', ' 4g', '4 g', '0x10m', '1e3m', '', '9'.repeat(20)])(
    'refuses FEATHER_TENANT_MEMORY=%j: at least 6m (0 would mean no limit)', (value) => {
      const attempt = () => resolveConfig({}, { memory: value });
      expect(attempt).toThrow(UsageError);
      expect(attempt).toThrow(/memory must be a size of at least 6m/);
    },
  );

  it('takes memory sizes from 6m up', () => {
    expect(resolveConfig({ FEATHER_TENANT_MEMORY: '6m' }).memory).toBe('6m');
    expect(resolveConfig({ FEATHER_TENANT_MEMORY: '6291456' }).memory).toBe('6291456');
    expect(resolveConfig({ FEATHER_TENANT_MEMORY: '16G' }).memory).toBe('16g');
  });

  it.each(['0x20', ' 32', '32 ', '1e2', '32.0', '+32', '15', '1000001'])('refuses FEATHER_TENANT_PIDS=%j: whole decimal numbers only', (value) => {
    expect(() => resolveConfig({ FEATHER_TENANT_PIDS: value })).toThrow(/FEATHER_TENANT_PIDS must be a whole number from 16/);
  });

  it.each(['--privileged', '-v=/:/host', ' localhost/x', 'localhost/x ', 'a b', 'x\n--privileged', 'Upper/Case', 'docker://x/y', 'x:tag:tag', 'x@sha256:abc', ''])(
    'refuses FEATHER_TENANT_IMAGE=%j', (value) => {
      const attempt = () => resolveConfig({}, { image: value });
      expect(attempt).toThrow(UsageError);
      expect(attempt).toThrow(/image: invalid image reference/);
    },
  );

  it('reads the Redis password file setting, refusing a relative path and a second password in the URL', () => {
    expect(resolveConfig({}).redisPasswordFile).toBeUndefined();
    expect(resolveConfig({ FEATHER_TENANT_REDIS_PASSWORD_FILE: '/run/redis.password' }).redisPasswordFile).toBe('/run/redis.password');
    expect(() => resolveConfig({ FEATHER_TENANT_REDIS_PASSWORD_FILE: 'redis.password' })).toThrow(/FEATHER_TENANT_REDIS_PASSWORD_FILE must be an absolute path/);
    expect(() => resolveConfig({ FEATHER_TENANT_REDIS_PASSWORD_FILE: '/run/redis.password', FEATHER_TENANT_REDIS_URL: 'redis://:pw@127.0.0.1:6379' }))
      .toThrow(/holds a password and FEATHER_TENANT_REDIS_PASSWORD_FILE is set/);
    // A user name in the URL (Redis ACLs) goes with the password from the file.
    expect(resolveConfig({ FEATHER_TENANT_REDIS_PASSWORD_FILE: '/p', FEATHER_TENANT_REDIS_URL: 'redis://feather@127.0.0.1:6379' }).redisPasswordFile).toBe('/p');
  });

  it('refuses unknown keys in the file', () => {
    expect(() => resolveConfig({}, { domian: 'typo' }, '/etc/x.json')).toThrow('unknown setting "domian"');
  });

  it('takes a unix socket for Caddy\'s admin API (the swarm setup), and http(s) URLs as before', () => {
    expect(resolveConfig({ FEATHER_TENANT_CADDY_ADMIN: 'unix:/run/feather-caddy/admin.sock' }).caddyAdmin).toBe('unix:/run/feather-caddy/admin.sock');
    expect(resolveConfig({}, { caddyAdmin: 'unix:/run/feather-caddy/admin.sock' }).caddyAdmin).toBe('unix:/run/feather-caddy/admin.sock');
    expect(resolveConfig({ FEATHER_TENANT_CADDY_ADMIN: 'http://127.0.0.1:2019/' }).caddyAdmin).toBe('http://127.0.0.1:2019');
    expect(resolveConfig({ FEATHER_TENANT_CADDY_ADMIN: 'https://caddy.internal:2019' }).caddyAdmin).toBe('https://caddy.internal:2019');
    expect(redactConfig(resolveConfig({ FEATHER_TENANT_CADDY_ADMIN: 'unix:/run/feather-caddy/admin.sock' })).caddyAdmin).toBe('unix:/run/feather-caddy/admin.sock');
  });

  it.each([
    'unix:admin.sock', 'unix:./admin.sock', 'unix:run/admin.sock', 'unix:', 'unix:/', 'unix:/run/feather-caddy/', 'unix:/run/a b.sock',
    'unix//run/admin.sock', 'UNIX:/run/admin.sock', 'ftp://127.0.0.1:2019', '127.0.0.1:2019', '/run/admin.sock',
  ])('refuses FEATHER_TENANT_CADDY_ADMIN=%j (exit 2): an http(s) URL or unix:/absolute/path', (value) => {
    expect(() => resolveConfig({ FEATHER_TENANT_CADDY_ADMIN: value })).toThrow(UsageError);
    expect(() => resolveConfig({ FEATHER_TENANT_CADDY_ADMIN: value })).toThrow(`FEATHER_TENANT_CADDY_ADMIN must be an http(s) URL or unix:/absolute/path/to/admin.sock, got ${JSON.stringify(value)}`);
  });

  it('redacts credentials in the admin URL', () => {
    const c = resolveConfig({ FEATHER_TENANT_CADDY_ADMIN: 'http://user:secret@127.0.0.1:2020' });
    expect(JSON.stringify(redactConfig(c))).not.toContain('secret');
  });
});
