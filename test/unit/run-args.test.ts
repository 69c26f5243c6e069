import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import type { Env } from '../../src/core/config.js';
import { tenantRunSpec, type TenantRun } from '../../src/core/tenant-run-spec.js';
import { runArgv } from '../../src/podman/run-args.js';

// The tenant's container spec (core/tenant-run-spec.ts) as podman receives it (podman/run-args.ts).
const runArgs = (config: typeof c, t: TenantRun, env: Env): string[] => runArgv('run', tenantRunSpec(config, t, env));

const c = resolveConfig({ FEATHER_TENANT_PREFIX: 'fu-' });
const spec = { name: 'alice', port: 9003, image: 'localhost/feather-work:latest' };

function flag(args: string[], name: string): string[] {
  return args.flatMap((a, i) => (a === name ? [args[i + 1] as string] : []));
}

describe('podman run arguments', () => {
  const env = { ANTHROPIC_API_KEY: 'sk-ant-SECRET', OPENAI_API_KEY: undefined, UNRELATED: 'x' };
  const args = runArgs(c, spec, env);

  it('are secure by default', () => {
    expect(args).toContain('--init');
    expect(flag(args, '--user')).toEqual(['1000:1000']);
    expect(flag(args, '--cap-drop')).toEqual(['ALL']);
    expect(flag(args, '--security-opt')).toEqual(['no-new-privileges']);
    expect(flag(args, '--cpus')).toEqual(['2']);
    expect(flag(args, '--memory')).toEqual(['4g']);
    expect(flag(args, '--pids-limit')).toEqual(['512']);
    expect(flag(args, '--network')).toEqual(['fu-alice']);
    expect(flag(args, '--publish')).toEqual(['127.0.0.1:9003:8080']);
    expect(flag(args, '--volume')).toEqual(['fu-alice:/home/user']);
    expect(args.slice(-2)).toEqual(['--', spec.image]);
  });

  it('end the options before the image: nothing stored or configured can become a podman option', () => {
    const hostile = runArgs(c, { ...spec, image: '--privileged' }, {});
    expect(hostile.indexOf('--privileged')).toBe(hostile.indexOf('--') + 1);
    expect(hostile.filter((a) => a === '--')).toHaveLength(1);
  });

  it('give the container user its group explicitly, never left to the image (podman would pick 0)', () => {
    const single = runArgs(resolveConfig({ FEATHER_TENANT_PREFIX: 'fu-', FEATHER_TENANT_USER: '4242' }), spec, {});
    expect(flag(single, '--user')).toEqual(['4242:4242']);
    expect(flag(single, '--secret')[0]).toContain(',uid=4242,gid=4242,');
  });

  it('never carry a secret value: the password is a secret, API keys pass by name', () => {
    expect(flag(args, '--secret')).toEqual(['fu-alice,type=mount,target=feather-password,uid=1000,gid=1000,mode=0400']);
    expect(args.join(' ')).not.toContain('sk-ant-SECRET');
    expect(flag(args, '--env')).toContain('ANTHROPIC_API_KEY');
    expect(flag(args, '--env')).not.toContain('OPENAI_API_KEY'); // unset: not passed
    expect(args.join(' ')).not.toContain('UNRELATED');
  });

  it('label the container as ours, naming prefix, tenant and the secret it holds', () => {
    expect(flag(args, '--label')).toEqual([
      'io.feather-tenant.managed=true', 'io.feather-tenant.prefix=fu-', 'io.feather-tenant.tenant=alice', 'io.feather-tenant.secret=fu-alice',
    ]);
  });

  it('take a rotated secret and an adopted volume when given', () => {
    const other = runArgs(c, { ...spec, secret: 'fu-alice.pw-1', volume: 'alice-home' }, {});
    expect(flag(other, '--secret')).toEqual(['fu-alice.pw-1,type=mount,target=feather-password,uid=1000,gid=1000,mode=0400']);
    expect(flag(other, '--volume')).toEqual(['alice-home:/home/user']);
    expect(flag(other, '--label')).toContain('io.feather-tenant.secret=fu-alice.pw-1');
  });

  it('are the same for create, without --detach', () => {
    const created = runArgv('create', tenantRunSpec(c, spec, env));
    expect(created.slice(0, 1)).toEqual(['create']);
    expect(created.slice(1)).toEqual(args.slice(2));
  });

  it('pass the password as an env secret only when opted in', () => {
    const opted = runArgs(resolveConfig({ FEATHER_TENANT_PREFIX: 'fu-', FEATHER_TENANT_PASSWORD_ENV: 'FEATHER_PASSWORD' }), spec, {});
    expect(flag(opted, '--secret')).toContain('fu-alice,type=env,target=FEATHER_PASSWORD');
  });
});
