import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { podman, state } from '../helpers/podman.js';

// show / start / stop / restart / logs / passwd against real podman and Caddy.

let s: Stack;
beforeAll(async () => {
  s = await startStack({ ports: 3 });
});
afterAll(async () => {
  await s?.cleanup();
});

const PASSWORD = /\| password: ([2-9a-zA-Z]{20,})$/;
const check = (name: string, pw: string) => s.get(name, '/cgi-bin/check', { method: 'POST', body: `${pw}\n` }).then((r) => r.status);

describe('operating one tenant', () => {
  it('show prints port, URL, state, image, limits, volume size and times', async () => {
    expect((await s.run(['add', 'alice'])).exitCode).toBe(0);
    await s.get('alice', '/cgi-bin/write?note');
    const r = await s.run(['show', 'alice', '--json']);
    expect(r.exitCode).toBe(0);
    const t = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(t).toMatchObject({
      name: 'alice', url: 'http://alice.test.local', port: s.ports.first, status: 'active', desired: 'running', state: 'running',
      container: `${s.prefix}alice`, image: 'localhost/feather-work-test:latest',
      limits: { cpus: 2, memoryBytes: 4 * 1024 ** 3, pids: 512 }, password: 'set', adopted: false,
    });
    expect((t.volume as { name: string; sizeBytes: number }).name).toBe(`${s.prefix}alice`);
    // "written by alice\n" went into the volume.
    expect((t.volume as { sizeBytes: number }).sizeBytes).toBeGreaterThanOrEqual(17);
    expect(Date.parse(t.startedAt as string)).toBeGreaterThanOrEqual(Date.parse(t.createdAt as string) - 1000);

    const text = await s.run(['show', 'alice']);
    expect(text.stdout).toMatch(/^state:\s+running; wanted: running$/m);
    expect(text.stdout).toMatch(/^limits:\s+cpus 2, memory 4.0 GiB, pids 512$/m);
    const missing = await s.run(['show', 'nobody']);
    expect(missing.exitCode).toBe(3);
    expect((await s.run(['show', 'Bad_Name'])).exitCode).toBe(2);
  });

  it('stop, start and restart are idempotent and say what they did', async () => {
    const stop = await s.run(['stop', 'alice']);
    expect(stop.exitCode).toBe(0);
    expect(stop.stdout.trim()).toBe('stopped alice');
    expect(await state(s, 'alice')).toBe('exited');
    expect((await s.get('alice', '/')).status).toBe(502);
    const again = await s.run(['stop', 'alice']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout.trim()).toBe('alice is already stopped');
    expect((await s.run(['show', 'alice', '--json'])).stdout).toContain('"desired": "stopped"');

    const start = await s.run(['start', 'alice']);
    expect(start.exitCode).toBe(0);
    expect(start.stdout.trim()).toBe('started alice');
    expect((await s.get('alice', '/cgi-bin/info')).body).toContain('tenant=alice');
    expect((await s.run(['start', 'alice'])).stdout.trim()).toBe('alice is already running');

    const before = (await podman('inspect', '--format', '{{.State.StartedAt}}', `${s.prefix}alice`)).stdout;
    const restart = await s.run(['restart', 'alice']);
    expect(restart.exitCode).toBe(0);
    expect(restart.stdout.trim()).toBe('restarted alice');
    expect((await podman('inspect', '--format', '{{.State.StartedAt}}', `${s.prefix}alice`)).stdout).not.toBe(before);
    expect((await s.get('alice', '/cgi-bin/info')).status).toBe(200);

    // A container lost behind our back is recreated by start, with the data volume.
    await podman('rm', '-f', '-t', '0', `${s.prefix}alice`);
    const recreated = await s.run(['start', 'alice']);
    expect(recreated.stdout.trim()).toBe('alice had no container; created and started it');
    expect((await s.get('alice', '/cgi-bin/info')).body).toMatch(/home:\nnote/);

    expect((await s.run(['stop', 'nobody'])).exitCode).toBe(3);
  });

  it('logs prints the container output, with -n and --since, and rejects bad values', async () => {
    const r = await s.run(['logs', 'alice']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('feather stand-in for alice starting as uid 1000');
    const tail = await s.run(['logs', 'alice', '-n', '1']);
    expect(tail.stdout.trim().split('\n')).toHaveLength(1);
    expect((await s.run(['logs', 'alice', '--since', '1h'])).stdout).toContain('starting as uid 1000');
    expect((await s.run(['logs', 'alice', '--since', 'yesterday'])).exitCode).toBe(2);
    expect((await s.run(['logs', 'alice', '-n', 'x'])).exitCode).toBe(2);
    expect((await s.run(['logs', 'nobody'])).exitCode).toBe(3);
  });

  it('logs -f streams new lines as they come', async () => {
    const { execa } = await import('execa');
    const { CLI } = await import('../helpers/stack.js');
    const child = execa('node', [CLI, 'logs', 'alice', '-f', '-n', '0'], { env: s.env, extendEnv: false, reject: false });
    let seen = '';
    child.stdout?.on('data', (d: Buffer) => (seen += d.toString()));
    await new Promise((r) => setTimeout(r, 1000));
    // A line written to the container's stdout (PID 1's) after logs -f began.
    await podman('exec', `${s.prefix}alice`, 'sh', '-c', 'echo streamed-line-42 > /proc/1/fd/1');
    await waitFor(() => Promise.resolve(seen.includes('streamed-line-42')), 15_000, 'logs -f to print the new line');
    expect(child.exitCode).toBeNull(); // still following
    child.kill('SIGINT');
    await child;
    expect(seen).toContain('streamed-line-42');
    expect(seen).not.toContain('starting as uid'); // -n 0: no old lines
  });

  it('passwd prints a new password once; the container holds it and the old one stops working', async () => {
    const added = await s.run(['add', 'bob']);
    const old = PASSWORD.exec(added.stdout.trim())?.[1] as string;
    expect(await check('bob', old)).toBe(200);
    await s.get('bob', '/cgi-bin/write?kept');

    const r = await s.run(['passwd', 'bob']);
    expect(r.exitCode).toBe(0);
    const next = PASSWORD.exec(r.stdout.trim())?.[1] as string;
    expect(next).toBeDefined();
    expect(next).not.toBe(old);
    expect(r.stdout).toMatch(/^http:\/\/bob\.test\.local \| password: /);
    expect(await check('bob', next)).toBe(200);
    expect(await check('bob', old)).toBe(403);
    expect((await s.get('bob', '/cgi-bin/info')).body).toMatch(/home:\nkept/);

    // Exactly one secret is left for bob, and the password is in no podman metadata or log.
    const secrets = (await podman('secret', 'ls', '--format', '{{.Name}}')).stdout.split('\n').filter((n) => n.startsWith(`${s.prefix}bob`) && !n.includes('.ingest-'));
    expect(secrets).toHaveLength(1);
    expect((await podman('inspect', `${s.prefix}bob`)).stdout).not.toContain(next);
    expect((await podman('logs', `${s.prefix}bob`)).stdout).not.toContain(next);
    expect(r.stderr).not.toContain(next);

    // remove takes the rotated secret with it.
    expect((await s.run(['remove', 'bob', '--purge', '--yes'])).exitCode).toBe(0);
    expect((await podman('secret', 'ls', '--format', '{{.Name}}')).stdout).not.toContain(`${s.prefix}bob`);
    expect((await s.run(['passwd', 'bob'])).exitCode).toBe(3);
  });

  it('passwd of a stopped tenant keeps it stopped; the new password works once started', async () => {
    expect((await s.run(['stop', 'alice'])).exitCode).toBe(0);
    const r = await s.run(['passwd', 'alice', '--json']);
    expect(r.exitCode).toBe(0);
    const { password, running } = JSON.parse(r.stdout) as { password: string; running: boolean };
    expect(running).toBe(false);
    expect(r.stderr).toContain('takes effect when it starts');
    expect(await state(s, 'alice')).toBe('created');
    expect((await s.run(['start', 'alice'])).exitCode).toBe(0);
    expect(await check('alice', password)).toBe(200);
  });
});
