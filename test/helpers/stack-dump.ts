import { execa } from 'execa';
import { LABEL_PREFIX } from '../../src/core/tenant.js';
import type { Stack } from './stack.js';

/** Lines kept of each part: enough for the last requests and errors, short enough to read. */
const LINES = 200;
/** Container logs are noisier and there may be several containers. */
const CONTAINER_LINES = 50;

/**
 * What a stack looked like when a test failed: Caddy's config as served and its log, each
 * watchdog's log, podman's view of the stack's objects and the last lines of each container.
 * Every part is bounded, and a part that cannot be read says why instead of failing the dump.
 */
export async function dumpStack(stack: Stack): Promise<string> {
  const parts = await Promise.all([
    part('Caddy config (GET /config/)', async () => {
      const res = await fetch(`${stack.adminUrl}/config/`, { signal: AbortSignal.timeout(3_000) });
      const text = await res.text();
      try {
        return JSON.stringify(JSON.parse(text), null, 1);
      } catch {
        return text;
      }
    }),
    part('Caddy log', () => Promise.resolve(stack.caddyLog())),
    ...stack.watchdogs().map((w, i) => part(`watchdog ${i + 1} (pid ${w.child.pid ?? '?'}, exit ${w.child.exitCode ?? w.child.signalCode ?? 'running'}) log`, () => Promise.resolve(w.stderr()))),
    podmanView(stack.prefix),
  ]);
  const head = `===== feather-tenant e2e failure dump: stack ${stack.prefix} (${stack.dir}) =====`;
  return [head, ...parts, `===== end of dump: stack ${stack.prefix} =====`].join('\n');
}

async function podmanView(prefix: string): Promise<string> {
  const filter = `label=${LABEL_PREFIX}=${prefix}`;
  const ps = await part(`podman ps -a --filter ${filter}`, async () => {
    const r = await execa('podman', ['ps', '-a', '--filter', filter, '--format', '{{.Names}}\t{{.Status}}\t{{.Ports}}\t{{.Image}}'], { reject: false, timeout: 10_000 });
    return `${r.stdout}${r.stderr ? `\n${r.stderr}` : ''}`;
  });
  const names = await execa('podman', ['ps', '-a', '--filter', filter, '--format', '{{.Names}}'], { reject: false, timeout: 10_000 })
    .then((r) => r.stdout.split('\n').filter(Boolean), () => []);
  const logs = await Promise.all(names.map((n) => part(`podman logs --tail ${CONTAINER_LINES} ${n}`, async () => {
    const r = await execa('podman', ['logs', '--tail', String(CONTAINER_LINES), '--', n], { reject: false, timeout: 10_000 });
    return [r.stdout, r.stderr].filter(Boolean).join('\n');
  }, CONTAINER_LINES)));
  return [ps, ...logs].join('\n');
}

async function part(title: string, read: () => Promise<string>, lines = LINES): Promise<string> {
  let text: string;
  try {
    text = await read();
  } catch (err) {
    text = `(could not read: ${(err as Error).message})`;
  }
  return `----- ${title} -----\n${tail(text, lines)}`;
}

/** The last `n` lines, with a note of how many were left out. */
export function tail(text: string, n: number): string {
  const lines = text.trimEnd().split('\n');
  if (lines.length <= n) return lines.join('\n') || '(empty)';
  return [`(${lines.length - n} earlier lines left out)`, ...lines.slice(-n)].join('\n');
}
