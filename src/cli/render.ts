import type TableType from 'cli-table3';
import { createRequire } from 'node:module';
import type { AddResult } from '../commands/add.js';
import type { ImportResult } from '../commands/import.js';
import type { ListEntry } from '../commands/list.js';
import type { LifecycleResult } from '../commands/lifecycle.js';
import type { MoveResult } from '../commands/move.js';
import type { PasswdResult } from '../commands/passwd.js';
import type { ReconcileResult } from '../commands/reconcile.js';
import type { RemoveResult } from '../commands/remove.js';
import type { SessionInfo } from '../auth/sessions-port.js';
import type { RevokeResult } from '../commands/sessions.js';
import type { Revocation } from '../store/outbox.js';
import type { ShowResult } from '../commands/show.js';
import type { SweepResult } from '../commands/sweep.js';
import type { PinResult } from '../commands/pin.js';
import { formatAgo, formatDuration } from '../core/durations.js';
import { formatBytes } from '../transfer/progress.js';

function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
}
function json(v: unknown): void {
  out(JSON.stringify(v, null, 2));
}

// Loaded when a table is printed: reconcile and --json output never pay for it.
const require = createRequire(import.meta.url);

export function table(head: string[], rows: (string | number)[][]): string {
  const Table = require('cli-table3') as typeof TableType;
  const t = new Table({
    head,
    style: { head: [], border: [], compact: true },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
    },
  });
  t.push(...rows);
  return t.toString().split('\n').map((l) => l.trimEnd().replace(/^ /, '')).join('\n');
}

/** tenant.sh printed `https://alice.users.inceptel.ai | password: x7k9m2`; scripts parse that line. */
export function printAdd(r: AddResult, asJson: boolean): void {
  if (asJson) {
    const { volumeReused, ...rest } = r;
    json({ ...rest, volumeReused });
    return;
  }
  out(`${r.url} | password: ${r.password}`);
}

/** The URL, and the add-style password line only when import made a new password. */
export function printImport(r: ImportResult, asJson: boolean): void {
  if (asJson) return json(r);
  out(r.password === null ? r.url : `${r.url} | password: ${r.password}`);
}

export function printRemove(r: RemoveResult, asJson: boolean): void {
  if (asJson) return json(r);
  for (const what of r.removed) out(`removed ${what}`);
  if (r.volumeKept) out(`kept volume ${r.volume} (the user's data); delete it with: feather-tenant remove ${r.name} --purge --yes`);
}

export function printList(entries: ListEntry[], asJson: boolean): void {
  if (asJson) return json(entries);
  if (entries.length === 0) {
    out('no tenants');
    return;
  }
  const now = Date.now();
  // NODE: only the swarm backend places tenants on nodes; podman's table stays as it was.
  const nodes = entries.some((e) => e.node !== undefined);
  out(table(
    ['USERNAME', 'PORT', 'URL', 'CONTAINER', 'STATE', 'LAST ACTIVE', ...(nodes ? ['NODE'] : [])],
    entries.map((e) => [
      e.name, e.port ?? '-', e.url, `${e.container} (${e.state})`,
      `${e.state}${e.pinned ? ', pinned' : ''}${e.tracked ? '' : ', not in state'}`,
      formatAgo(e.lastActive ? Date.parse(e.lastActive) : null, now),
      ...(nodes ? [e.node ?? '-'] : []),
    ]),
  ));
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function printSessions(list: SessionInfo[], asJson: boolean): void {
  if (asJson) return json(list);
  if (list.length === 0) return out('no active sessions');
  out(table(['SESSION', 'CREATED', 'LAST SEEN', 'CLIENT'], list.map((s) => [s.sid, iso(s.createdAt), iso(s.lastSeenAt), s.client])));
}

export function printRevoke(r: RevokeResult, asJson: boolean): void {
  if (asJson) return json(r);
  const what = r.session ? `session ${r.session} of ${r.name}` : `all sessions of ${r.name}`;
  out(r.delivered ? `revoked ${what}` : `revocation of ${what} queued (${r.pending} pending): Redis is unreachable; it takes effect when Redis is back`);
}

export function printPending(list: Revocation[], asJson: boolean): void {
  if (asJson) return json(list);
  if (list.length === 0) return out('no pending revocations');
  out(table(['ID', 'TENANT', 'SESSION', 'REASON', 'RECORDED'], list.map((r) => [r.id, r.tenant, r.sessionId ?? 'all', r.reason, iso(r.createdAt)])));
}

function size(bytes: number | null): string {
  return bytes === null ? 'unknown' : formatBytes(bytes);
}

export function printShow(r: ShowResult, asJson: boolean): void {
  if (asJson) return json(r);
  const limits = [
    `cpus ${r.limits.cpus ?? 'unlimited'}`,
    `memory ${r.limits.memoryBytes === null ? 'unlimited' : size(r.limits.memoryBytes)}`,
    `pids ${r.limits.pids ?? 'unlimited'}`,
  ].join(', ');
  const lines: [string, string][] = [
    ['name', r.name],
    ['url', r.url],
    ['port', String(r.port)],
    ['state', `${r.state}${r.status === 'active' ? '' : ` (${r.status})`}; wanted: ${r.desired}`],
    ['container', `${r.container}${r.containerId ? ` (${r.containerId.slice(0, 12)})` : ''}`],
    ['image', r.image],
    ['limits', limits],
    ['volume', `${r.volume.name} (${size(r.volume.sizeBytes)})`],
    ['password', r.password === 'set' ? 'set' : 'unknown (set one with: feather-tenant passwd)'],
    ['created', r.createdAt],
    ['started', r.startedAt ?? 'never'],
  ];
  if (r.node !== undefined) lines.push(['node', r.node ?? 'none (no service)']);
  if (r.adopted) lines.push(['adopted', 'from tenant.sh (its container is kept until passwd)']);
  out(lines.map(([k, v]) => `${`${k}:`.padEnd(11)}${v}`).join('\n'));
}

/** Also move's: its message line, or the whole outcome as JSON. */
export function printLifecycle(r: LifecycleResult | MoveResult, asJson: boolean): void {
  if (asJson) return json(r);
  out(r.message);
}

/** Same line as add, so scripts that parse add's output parse this too. */
export function printPasswd(r: PasswdResult, asJson: boolean): void {
  if (!r.running) process.stderr.write(`${r.name} is stopped: the new password takes effect when it starts\n`);
  if (asJson) return json(r);
  out(`${r.url} | password: ${r.password}`);
}

export function printReconcile(r: ReconcileResult, asJson: boolean): void {
  if (asJson) return json(r);
  const would = r.dryRun ? 'would ' : '';
  for (const c of r.changes) {
    const status = c.error ? `FAILED: ${c.error}` : c.skipped ? `skipped: ${c.skipped}` : '';
    out(`${c.target}: ${would}${c.action} (${c.detail})${status ? ` ${status}` : ''}`);
  }
  for (const n of r.notes) out(`${n.target}: note: ${n.message}`);
  const done = r.changes.filter((c) => !c.error && !c.skipped).length;
  if (r.changes.length === 0) out('nothing to do');
  else if (r.dryRun) out(`${done} change(s) would be made; run without --dry-run to make them`);
  else out(`${done} change(s) made${r.failed ? `, ${r.failed} failed` : ''}`);
}

export function printSweep(r: SweepResult, asJson: boolean): void {
  if (asJson) return json(r);
  const verb = r.dryRun ? 'would stop' : 'stopped';
  for (const s of r.stopped) out(`${verb} ${s.name} (idle ${formatDuration(s.idleForMs)})`);
  const why = { woken: 'woken while being stopped', waking: 'waking up', busy: 'another command is working on it' } as Record<string, string>;
  for (const k of r.kept) if (why[k.reason]) out(`kept ${k.name}: ${why[k.reason]}`);
  if (r.stopped.length === 0) out(`nothing to stop (${r.kept.length} running)`);
}

export function printPin(r: PinResult, asJson: boolean): void {
  if (asJson) return json(r);
  out(r.pinned ? `pinned ${r.name}: sweeps leave it running` : `unpinned ${r.name}: it sleeps after the idle timeout again`);
}
