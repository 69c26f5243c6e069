// Rendering of usage, summaries and rotate-ingest-token (issue 13), apart from render.ts's commands.
import type { RotateIngestResult } from '../commands/rotate-ingest-token.js';
import type { SummaryEntry } from '../commands/summaries.js';
import type { UsageResult } from '../commands/usage.js';
import type { UsageTotal } from '../core/usage.js';
import { formatBytes } from '../transfer/progress.js';
import { json, out, table } from './render.js';

const row = (t: UsageTotal): (string | number)[] => [
  t.name, t.activeMinutes.toFixed(1), t.requests, formatBytes(t.bytesIn), formatBytes(t.bytesOut), t.wakes, t.cpuSeconds.toFixed(1), formatBytes(t.peakMemory),
];
const HEAD = ['TENANT', 'ACTIVE MIN', 'REQUESTS', 'IN', 'OUT', 'WAKES', 'CPU S', 'PEAK MEM'];

export function printUsage(r: UsageResult, asJson: boolean): void {
  if (asJson) return json(r);
  if (r.tenants.length === 0) return out(`no usage recorded from ${r.since} to ${r.until}`);
  out(`usage from ${r.since} to ${r.until} (UTC days)`);
  if (r.days) {
    out(table(['DAY', ...HEAD.slice(1)], r.days.map((d) => row({
      name: d.day, days: 1, activeMinutes: d.activeMs / 60_000, requests: d.requests, bytesIn: d.bytesIn, bytesOut: d.bytesOut,
      wakes: d.wakes, cpuSeconds: d.cpuUs / 1e6, peakMemory: d.peakMemory,
    }))));
    return;
  }
  out(table(HEAD, [...r.tenants.map(row), row({ ...r.total, name: 'total' })]));
}

export function printSummaries(list: SummaryEntry[], asJson: boolean): void {
  if (asJson) return json(list);
  if (list.length === 0) return out('no summaries yet');
  for (const s of list) out(`${s.receivedAt}  ${JSON.stringify(s.summary)}`);
}

export function printRotateIngest(r: RotateIngestResult, asJson: boolean): void {
  if (asJson) return json(r);
  out(`${r.replaced ? 'new' : 'first'} ingest token for ${r.name}: the container reads it from ${r.file}${r.running ? '' : ' (at its next start)'}`);
}
