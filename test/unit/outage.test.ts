import { describe, expect, it } from 'vitest';
import { Outage } from '../../src/wake/outage.js';
import { watchdogOutages } from '../../src/watchdog/outages.js';
import type { LogFields } from '../../src/watchdog/log.js';

// The outage reporter with a clock of its own: one line when it starts, a count a minute while
// it lasts, one line when it ends, however many operations fail meanwhile.

function harness(summaryMs = 60_000) {
  let now = 1_000_000;
  const lines: { level: string; msg: string; fields: LogFields }[] = [];
  const outage = new Outage({
    log: (level, msg, fields = {}) => lines.push({ level, msg, fields }),
    now: () => now,
    summaryMs,
    fields: { outage: 'redis' },
    texts: { down: 'Redis down', still: 'Redis still down', up: 'Redis back', counted: 'refused' },
  });
  return { outage, lines, advance: (ms: number) => (now += ms) };
}

describe('outage reporter', () => {
  it('logs the start once, whatever the number of failures', () => {
    const { outage, lines } = harness();
    for (let i = 0; i < 15_689; i++) outage.fail('Redis at 127.0.0.1:6379 is unreachable (connection refused)');
    expect(lines).toEqual([{ level: 'error', msg: 'Redis down', fields: { outage: 'redis', reason: 'Redis at 127.0.0.1:6379 is unreachable (connection refused)' } }]);
    expect(outage.isDown).toBe(true);
    expect(outage.current).toContain('connection refused');
  });

  it('sums up every interval while it lasts, with the latest reason, and logs the recovery with the totals', () => {
    const { outage, lines, advance } = harness(60_000);
    outage.fail('first');
    for (let i = 0; i < 99; i++) outage.fail('first');
    advance(59_999);
    outage.fail('first');
    expect(lines).toHaveLength(1);
    advance(1);
    outage.fail('second'); // 102nd: the summary counts everything since the start
    expect(lines[1]).toEqual({ level: 'warn', msg: 'Redis still down', fields: { outage: 'redis', reason: 'second', downForS: 60, refused: 102, refusedTotal: 102 } });
    advance(30_000);
    for (let i = 0; i < 10; i++) outage.fail('second');
    advance(30_000);
    outage.fail('second');
    expect(lines[2]?.fields).toMatchObject({ refused: 11, refusedTotal: 113, downForS: 120 });
    advance(5_500);
    outage.ok();
    expect(lines[3]).toEqual({ level: 'info', msg: 'Redis back', fields: { outage: 'redis', downForS: 125.5, refusedTotal: 113 } });
    expect(outage.isDown).toBe(false);
    expect(outage.current).toBeUndefined();
    expect(lines).toHaveLength(4);
  });

  it('ok() without an outage logs nothing; a new outage starts from zero', () => {
    const { outage, lines, advance } = harness();
    outage.ok();
    expect(lines).toEqual([]);
    outage.fail('a');
    outage.fail('a');
    outage.ok();
    advance(1_000);
    outage.fail('b');
    outage.ok();
    expect(lines.map((l) => [l.msg, l.fields.refusedTotal])).toEqual([['Redis down', undefined], ['Redis back', 2], ['Redis down', undefined], ['Redis back', 1]]);
  });

  it('signs of an outage that refused nothing (failed reconnects) start it but are not counted', () => {
    const { outage, lines } = harness();
    outage.fail('connection refused', false);
    outage.fail('connection refused', false);
    outage.fail('connection refused');
    outage.ok();
    expect(lines.at(-1)?.fields.refusedTotal).toBe(1);
  });

  it("the watchdog's outages keep the messages operators search for", () => {
    const lines: string[] = [];
    const o = watchdogOutages((_l, msg) => lines.push(msg), () => 0);
    o.sweeps.fail('x');
    o.sweeps.ok();
    o.caddy.fail('x');
    o.caddy.ok();
    o.redis.fail('x');
    o.redis.ok();
    expect(lines).toEqual([
      'sweep failed; trying again next interval', 'sweeps work again',
      'Caddy check failed; retrying every sweep', 'Caddy reachable again',
      'Redis unreachable: the login gate refuses every session until it is back', 'Redis reachable again',
    ]);
  });
});
