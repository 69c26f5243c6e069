import { describe, expect, it } from 'vitest';
import { terminalProgress } from '../../src/cli/progress.js';
import { formatBytes } from '../../src/transfer/progress.js';

function fakeTerminal(isTTY: boolean) {
  const out: string[] = [];
  return { stream: { isTTY, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream, out };
}

describe('progress meter', () => {
  it('draws nothing when stderr is not a terminal', () => {
    expect(terminalProgress(fakeTerminal(false).stream)).toBeUndefined();
  });

  it('redraws at most every 200 ms, with percentage and rate, and finishes the line with the final figures', () => {
    const t = fakeTerminal(true);
    let clock = 0;
    const p = terminalProgress(t.stream, () => clock)!;
    p.update('receiving', 1024, 4096);
    clock = 100;
    p.update('receiving', 2048, 4096);
    expect(t.out).toEqual([]);
    clock = 1000;
    p.update('receiving', 3072, 4096);
    expect(t.out).toEqual(['\r\x1b[Kreceiving: 3.0 KiB of 4.0 KiB (75%), 3.0 KiB/s']);
    clock = 1100;
    p.update('receiving', 4096, 4096);
    p.end();
    expect(t.out.slice(1)).toEqual(['\r\x1b[Kreceiving: 4.0 KiB of 4.0 KiB (100%), 3.6 KiB/s', '\n']);
    p.end();
    expect(t.out).toHaveLength(3);
  });

  it('formats sizes in binary units', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(300 * 1024 ** 2), formatBytes(5 * 1024 ** 4)]).toEqual(['512 B', '1.5 KiB', '300.0 MiB', '5.0 TiB']);
  });
});
