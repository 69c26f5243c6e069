import Table from 'cli-table3';
import type { AddResult } from '../commands/add.js';
import type { ImportResult } from '../commands/import.js';
import type { ListEntry } from '../commands/list.js';
import type { RemoveResult } from '../commands/remove.js';
import type { SweepResult } from '../commands/sweep.js';
import type { PinResult } from '../commands/pin.js';
import { formatAgo, formatDuration } from '../core/durations.js';

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
  out(table(
    ['USERNAME', 'PORT', 'URL', 'CONTAINER', 'STATE', 'LAST ACTIVE'],
    entries.map((e) => [
      e.name, e.port ?? '-', e.url, `${e.container} (${e.state})`,
      `${e.state}${e.pinned ? ', pinned' : ''}${e.tracked ? '' : ', not in state'}`,
      formatAgo(e.lastActive ? Date.parse(e.lastActive) : null, now),
    ]),
  ));
}

export function printSweep(r: SweepResult, asJson: boolean): void {
  if (asJson) return json(r);
  const verb = r.dryRun ? 'would stop' : 'stopped';
  for (const s of r.stopped) out(`${verb} ${s.name} (idle ${formatDuration(s.idleForMs)})`);
  for (const k of r.kept.filter((x) => x.reason === 'woken' || x.reason === 'waking')) out(`kept ${k.name}: ${k.reason === 'woken' ? 'woken while being stopped' : 'waking up'}`);
  if (r.stopped.length === 0) out(`nothing to stop (${r.kept.length} running)`);
}

export function printPin(r: PinResult, asJson: boolean): void {
  if (asJson) return json(r);
  out(r.pinned ? `pinned ${r.name}: sweeps leave it running` : `unpinned ${r.name}: it sleeps after the idle timeout again`);
}
