// Pure: `podman logs --timestamps` output, its stdout and its stderr, as one list of lines in
// time order. podman writes the container's two streams to its own two, so their interleaving is
// lost on the way; each line's timestamp puts it back. Lines without one are podman's own
// warnings (podman 4.3 prints "failed to connect to syslog"), not the container's.

export interface LogLine {
  /** When the container wrote it, RFC 3339 with nanoseconds as podman gives it. */
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) (.*)$/;

/** A key that sorts like the instant: Go trims trailing zeros of the fraction, so text alone would not. */
function sortKey(date: string, fraction: string | undefined, zone: string): string {
  const ms = Date.parse(`${date}${zone}`);
  return `${String(ms).padStart(15, '0')}${(fraction ?? '').padEnd(9, '0')}`;
}

function parse(text: string, stream: LogLine['stream']): (LogLine & { key: string })[] {
  const out: (LogLine & { key: string })[] = [];
  for (const line of text.split('\n')) {
    const m = STAMPED.exec(line);
    if (!m) continue;
    const [, date = '', fraction, zone = 'Z', rest = ''] = m;
    out.push({ time: line.slice(0, line.length - rest.length - 1), stream, text: rest, key: sortKey(date, fraction, zone) });
  }
  return out;
}

/** Both streams merged in time order (stable: lines of one instant keep their order, stdout first). */
export function parseTimestampedLogs(stdout: string, stderr: string): LogLine[] {
  return [...parse(stdout, 'stdout'), ...parse(stderr, 'stderr')]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ time, stream, text }) => ({ time, stream, text }));
}
