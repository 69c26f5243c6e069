import { formatBytes, type Progress } from '../transfer/progress.js';

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
  let last: { done: number; total: number | undefined } | undefined;
  const draw = () => {
    if (!phase || !last) return;
    const secs = Math.max((now() - started) / 1000, 0.001);
    const pct = last.total ? ` of ${formatBytes(last.total)} (${Math.floor((last.done / last.total) * 100)}%)` : '';
    stream.write(`\r\x1b[K${phase}: ${formatBytes(last.done)}${pct}, ${formatBytes(last.done / secs)}/s`);
    drawn = now();
  };
  const end = () => {
    if (phase && last) {
      draw();
      stream.write('\n');
    }
    phase = undefined;
    last = undefined;
  };
  return {
    update(p, done, total) {
      if (p !== phase) {
        end();
        phase = p;
        started = now();
        drawn = started; // the first line after 200 ms, when the rate means something
      }
      last = { done, total };
      if (now() - drawn >= 200) draw();
    },
    end,
  };
}
