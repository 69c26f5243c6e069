import { formatBytes, type Progress } from '../migrate/progress.js';

/**
 * A one-line meter (bytes, percentage when the total is known, rate) redrawn at most five
 * times a second on stderr, and only when stderr is a terminal: on a pipe or in a log file
 * there is no progress output at all.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress | undefined {
  if (!stream.isTTY) return undefined;
  let phase: string | undefined;
  let started = 0;
  let drawn = 0;
  const draw = (done: number, total?: number) => {
    const secs = Math.max((now() - started) / 1000, 0.001);
    const pct = total ? ` of ${formatBytes(total)} (${Math.floor((done / total) * 100)}%)` : '';
    stream.write(`\r\x1b[K${phase}: ${formatBytes(done)}${pct}, ${formatBytes(done / secs)}/s`);
  };
  return {
    update(p, done, total) {
      if (p !== phase) {
        if (phase) stream.write('\n');
        phase = p;
        started = now();
        drawn = 0;
      }
      const t = now();
      if (t - drawn < 200 && done !== total) return;
      drawn = t;
      draw(done, total);
    },
    end() {
      if (phase) stream.write('\n');
      phase = undefined;
    },
  };
}
