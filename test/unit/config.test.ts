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

  it('keeps our isolation rules on unless told off, and refuses anything else', () => {
    expect(resolveConfig({}).isolationRules).toBe('iptables');
    expect(resolveConfig({ FEATHER_TENANT_ISOLATION_RULES: 'off' }).isolationRules).toBe('off');
    expect(() => resolveConfig({}, { isolationRules: 'nft' })).toThrow(/isolationRules must be iptables or off/);
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

  it('refuses unknown keys in the file', () => {
    expect(() => resolveConfig({}, { domian: 'typo' }, '/etc/x.json')).toThrow('unknown setting "domian"');
  });

  it('redacts credentials in the admin URL', () => {
    const c = resolveConfig({ FEATHER_TENANT_CADDY_ADMIN: 'http://user:secret@127.0.0.1:2020' });
    expect(JSON.stringify(redactConfig(c))).not.toContain('secret');
  });
});
