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
import type { AdminStatus, SwapResult } from '../commands/admin.js';
import type { UpgradeResult } from '../commands/upgrade.js';
import { formatAgo, formatDuration } from '../core/durations.js';
import { formatBytes } from '../transfer/progress.js';

import { describeActivity } from '../core/last-activity.js';

export { printRotateIngest, printSummaries, printUsage } from './render-usage.js';

export function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
}
export function json(v: unknown): void {
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
      `${e.state}${e.pinned ? ', pinned' : ''}${e.outOfDate ? ', out of date' : ''}${e.tracked ? '' : ', not in state'}`,
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
    ['image', `${r.image}${r.imageId ? ` (${r.imageId.slice(0, 12)})` : ''}${r.outOfDate ? `; out of date: ${r.image} names another image now (feather-tenant upgrade ${r.name})` : ''}`],
    ['limits', limits],
    ['volume', `${r.volume.name} (${size(r.volume.sizeBytes)})`],
    ['password', r.password === 'set' ? 'set' : 'unknown (set one with: feather-tenant passwd)'],
    ['created', r.createdAt],
    ['started', r.startedAt ?? 'never'],
    ['activity', `${describeActivity(r.lastActivity)}, ${formatAgo(Date.parse(r.lastActivity.at), Date.now())}${r.pinned ? '; pinned' : ''}`],
    ['summaries', r.ingestToken === 'set' ? 'ingest token set' : 'no ingest token yet (make one with: feather-tenant rotate-ingest-token)'],
  ];
  if (r.upgrading) lines.push(['upgrading', `to ${r.upgrading.image} (step ${r.upgrading.step}; if no upgrade runs, feather-tenant reconcile finishes or rolls it back)`]);
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
  const last = (s: SweepResult['stopped'][number]) => `last ${describeActivity(s.activity)} ${formatDuration(s.idleForMs)} ago`;
  for (const s of r.stopped) out(`${verb} ${s.name} (idle ${formatDuration(s.idleForMs)}; ${last(s)})`);
  const why = { woken: 'woken while being stopped', waking: 'waking up', busy: 'another command is working on it', pinned: 'pinned', stopping: 'being stopped' } as Record<string, string>;
  // --dry-run says why each running tenant stays; a real sweep only the unusual reasons.
  for (const k of r.kept) {
    if (why[k.reason] || r.dryRun) out(`${r.dryRun ? 'would keep' : 'kept'} ${k.name}: ${why[k.reason] ?? 'active'} (${last(k)})`);
  }
  if (r.stopped.length === 0) out(`nothing to stop (${r.kept.length} running)`);
}

export function printPin(r: PinResult, asJson: boolean): void {
  if (asJson) return json(r);
  out(r.pinned ? `pinned ${r.name}: sweeps leave it running` : `unpinned ${r.name}: it sleeps after the idle timeout again`);
}

export function printAdminStatus(r: AdminStatus, asJson: boolean): void {
  if (asJson) return json(r);
  const routed = r.containers.find((k) => k.port === r.routedPort);
  out(`admin ${r.host}: live ${r.live ?? 'none yet'}${r.image ? ` (${r.image})` : ''}, route -> ${r.routedPort === null ? 'none' : `${routed?.colour ?? 'port'} ${r.routedPort}`}`);
  out(table(['COLOUR', 'CONTAINER', 'PORT', 'STATE'], r.containers.map((k) => [k.colour, k.name, k.port, k.state])));
}

export function printAdminSwap(r: SwapResult, asJson: boolean): void {
  if (asJson) return json(r);
  out(`${r.host} now served by ${r.to} (127.0.0.1:${r.port}, ${r.image})${r.stopped ? `; ${r.stopped} stopped after a ${r.drainSeconds} s drain` : ''}`);
}

const shortId = (id: string | null) => (id ? id.replace(/^sha256:/, '').slice(0, 12) : '-');

/** One line per tenant in the plan's order, then the summary counts (what an operator scans for). */
export function printUpgrade(r: UpgradeResult, asJson: boolean): void {
  if (asJson) return json(r);
  if (r.tenants.length === 0) return out('no tenants');
  const would = r.dryRun ? 'would be ' : '';
  out(table(
    ['USERNAME', 'RESULT', 'WAS', 'IMAGE', 'FROM', 'TO', 'DETAIL'],
    r.tenants.map((t) => [t.name, `${t.outcome === 'upgraded' ? would : ''}${t.outcome}`, t.mode, t.image, shortId(t.fromId), shortId(t.toId),
      `${t.detail}${t.ms === undefined ? '' : ` (${(t.ms / 1000).toFixed(1)} s)`}`]),
  ));
  const count = (o: string) => r.tenants.filter((t) => t.outcome === o).length;
  out(r.dryRun
    ? `${count('upgraded')} would be upgraded, ${count('skipped')} skipped; run without --dry-run to upgrade`
    : `${count('upgraded')} upgraded, ${count('rolled back')} rolled back, ${count('failed')} failed, ${count('skipped')} skipped, ${count('untouched')} untouched`);
}
