import { execa } from 'execa';
import { expect } from 'vitest';
import { DOMAIN, httpRequest, type Stack } from './stack.js';
import { podman, state } from './podman.js';

// Helpers for the sleep and wake tests: put tenants to sleep on demand, ask podman what it did,
// and talk to tenants the way real clients do (curl following redirects).

export interface SweepJson {
  dryRun: boolean;
  stopped: { name: string; idleForMs: number }[];
  kept: { name: string; reason: string }[];
  states: Record<string, number>;
}

export async function sweepJson(s: Stack, idleMinutes: string, o: { args?: string[]; env?: Record<string, string> } = {}): Promise<SweepJson> {
  const r = await s.run(['sweep', '--json', ...(o.args ?? [])], { FEATHER_TENANT_IDLE_MINUTES: idleMinutes, ...o.env });
  if (r.exitCode !== 0) throw new Error(`sweep failed (${r.exitCode}): ${r.stderr}`);
  return JSON.parse(r.stdout) as SweepJson;
}

/** Settings for sweeps that must stop tenants now: idle after milliseconds, traffic ignored. */
export const NOW = { idle: '0.0001', env: { FEATHER_TENANT_ACTIVE_TRAFFIC: '1000000000' } };

/** Puts every running tenant of the stack to sleep now (a sweep with the settings above). */
export async function sleepAll(s: Stack, expectStopped: string[]): Promise<void> {
  await new Promise((r) => setTimeout(r, 50));
  const r = await sweepJson(s, NOW.idle, { env: NOW.env });
  expect(r.stopped.map((x) => x.name).sort()).toEqual([...expectStopped].sort());
  for (const name of expectStopped) expect(await state(s, name)).toBe('exited');
}

/** How many times podman has started this container so far (from podman's event log). */
export async function startEvents(s: Stack, name: string): Promise<number> {
  const id = (await podman('inspect', '--format', '{{.Id}}', `${s.prefix}${name}`)).stdout.trim();
  const r = await podman('events', '--stream=false', '--since', '30m', '--filter', `container=${id}`, '--filter', 'event=start', '--format', 'json');
  return r.stdout.split('\n').filter((l) => l.includes('"start"')).length;
}

/** A request as curl sends it, following redirects like a real client (307 keeps method and body). */
export async function curl(s: Stack, name: string, path: string, o: { method?: string; body?: string; follow?: boolean } = {}): Promise<{ status: number; body: string }> {
  const host = `${name}.${DOMAIN}`;
  const args = ['-sS', '--max-time', '60', '--resolve', `${host}:${s.httpPort}:127.0.0.1`, '-o', '-', '-w', '\n%{http_code}'];
  if (o.follow !== false) args.push('-L');
  if (o.method) args.push('-X', o.method);
  if (o.body !== undefined) args.push('--data-binary', '@-', '-H', 'content-type: text/plain');
  const r = await execa('curl', [...args, `http://${host}:${s.httpPort}${path}`], { input: o.body ?? '', reject: false });
  const out = String(r.stdout);
  const i = out.lastIndexOf('\n');
  return { status: Number(out.slice(i + 1)), body: out.slice(0, i) };
}

/** Straight to the wake server, as Caddy's wake route would send it (or as anyone local could). */
export function toWakeServer(s: Stack, host: string, path = '/', headers: Record<string, string> = {}) {
  const port = Number((s.env.FEATHER_TENANT_WAKE_LISTEN as string).split(':')[1]);
  return httpRequest(port, host, path, { headers });
}

export async function tune(s: Stack, name: string, what: 'start' | 'stop', seconds: number): Promise<void> {
  expect((await s.get(name, `/cgi-bin/tune?${what}=${seconds}`)).body).toContain(`${what} delay ${seconds}`);
}
