import { describe, expect, it } from 'vitest';
import { throttledLog } from '../../src/watchdog/log-throttle.js';

describe('throttledLog', () => {
  it('writes a key once a window, then says how many it left out', () => {
    let now = 0;
    const lines: { msg: string; fields: Record<string, unknown> | undefined }[] = [];
    const log = throttledLog((_level, msg, fields) => lines.push({ msg, fields }), 60_000, () => now);
    for (let i = 0; i < 1000; i++) log('refused:alice', 'info', 'session refused', { tenant: 'alice' });
    log('refused:bob', 'info', 'session refused', { tenant: 'bob' });
    expect(lines).toEqual([
      { msg: 'session refused', fields: { tenant: 'alice' } },
      { msg: 'session refused', fields: { tenant: 'bob' } },
    ]);
    now = 60_000;
    log('refused:alice', 'info', 'session refused', { tenant: 'alice' });
    expect(lines[2]).toEqual({ msg: 'session refused', fields: { tenant: 'alice', leftOut: 999 } });
    log('refused:alice', 'info', 'session refused', { tenant: 'alice' });
    expect(lines).toHaveLength(3);
  });
});
