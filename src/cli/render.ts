import Table from 'cli-table3';
import type { AddResult } from '../commands/add.js';
import type { ListEntry } from '../commands/list.js';
import type { RemoveResult } from '../commands/remove.js';
import type { SessionInfo } from '../auth/sessions.js';
import type { RevokeResult } from '../commands/sessions.js';
import type { Revocation } from '../store/outbox.js';

function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
}
function json(v: unknown): void {
  out(JSON.stringify(v, null, 2));
}

export function table(head: string[], rows: (string | number)[][]): string {
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
  out(table(
    ['USERNAME', 'PORT', 'URL', 'CONTAINER', 'STATE'],
    entries.map((e) => [e.name, e.port ?? '-', e.url, `${e.container} (${e.state})`, e.tracked ? e.state : `${e.state}, not in state`]),
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
