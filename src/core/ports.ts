import { ConflictError, UsageError } from './errors.js';

export interface PortRange {
  first: number;
  last: number;
}

export function parsePortRange(text: string, source = 'port range'): PortRange {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  const first = Number(m?.[1]);
  const last = Number(m?.[2]);
  if (!m || first < 1 || last > 65535 || first > last) {
    throw new UsageError(`${source} must be FIRST-LAST with 1 <= FIRST <= LAST <= 65535, got ${JSON.stringify(text)}`);
  }
  return { first, last };
}

export function formatRange(r: PortRange): string {
  return `${r.first}-${r.last}`;
}

export function inRange(r: PortRange, port: number): boolean {
  return port >= r.first && port <= r.last;
}

/** The lowest port of the range not in `used`; a full range is a conflict naming the range. */
export function pickPort(range: PortRange, used: ReadonlySet<number>): number {
  for (let p = range.first; p <= range.last; p++) {
    if (!used.has(p)) return p;
  }
  throw new ConflictError(
    `no free port: all ${range.last - range.first + 1} ports of ${formatRange(range)} are taken`,
    'remove a tenant, or widen the range with FEATHER_TENANT_PORTS',
  );
}
