import { describe, expect, it } from 'vitest';
import { planSweep, type SweepContainer, type SweepTenant } from '../../src/core/sweep-plan.js';

const MIN = 60_000;
const now = 100 * MIN;
const tenant = (name: string, o: Partial<SweepTenant> = {}): SweepTenant => ({
  name, status: 'active', pinned: false, lastActiveAt: null, wakeStartedAt: null, stopStartedAt: null, createdAt: 0, ...o,
});
const running = (startedAt = 0): SweepContainer => ({ state: 'running', startedAt });
const policy = { now, idleMs: 20 * MIN, leaseMs: 2 * MIN };

describe('planSweep', () => {
  it('stops running tenants idle longer than the timeout, and only those', () => {
    const plan = planSweep(
      [tenant('old', { lastActiveAt: now - 21 * MIN }), tenant('fresh', { lastActiveAt: now - 19 * MIN }), tenant('never')],
      new Map([['old', running()], ['fresh', running()], ['never', running()]]),
      policy,
    );
    expect(plan.map((d) => [d.name, d.stop, d.reason])).toEqual([['fresh', false, 'active'], ['never', true, 'idle'], ['old', true, 'idle']]);
    expect(plan.find((d) => d.name === 'old')?.idleForMs).toBe(21 * MIN);
  });

  it('leaves a tenant alone while another command holds it (an export, a passwd), idle or not', () => {
    const idle = { lastActiveAt: now - 60 * MIN };
    const plan = planSweep([tenant('held', idle), tenant('free', idle)], new Map([['held', running()], ['free', running()]]), { ...policy, busy: new Set(['held']) });
    expect(plan.map((d) => [d.name, d.stop, d.reason])).toEqual([['free', true, 'idle'], ['held', false, 'busy']]);
  });

  it('counts a recent container start (a wake, a manual start) as activity', () => {
    const plan = planSweep([tenant('woken', { lastActiveAt: now - 60 * MIN })], new Map([['woken', running(now - MIN)]]), policy);
    expect(plan[0]).toMatchObject({ stop: false, reason: 'active', idleForMs: MIN });
  });

  it('never stops a pinned tenant, one being woken, or one another sweep is stopping', () => {
    const idle = { lastActiveAt: now - 60 * MIN };
    const plan = planSweep(
      [
        tenant('pinned', { ...idle, pinned: true }),
        tenant('waking', { ...idle, wakeStartedAt: now - 10_000 }),
        tenant('stopping', { ...idle, stopStartedAt: now - 10_000 }),
        tenant('stale', { ...idle, wakeStartedAt: now - 10 * MIN }),
      ],
      new Map(['pinned', 'waking', 'stopping', 'stale'].map((n) => [n, running()])),
      policy,
    );
    expect(plan.map((d) => [d.name, d.reason])).toEqual([['pinned', 'pinned'], ['stale', 'idle'], ['stopping', 'stopping'], ['waking', 'waking']]);
  });

  it('leaves out tenants that are not running or not active', () => {
    const plan = planSweep(
      [tenant('stopped'), tenant('gone'), tenant('adding', { status: 'provisioning' })],
      new Map<string, SweepContainer>([['stopped', { state: 'exited', startedAt: undefined }], ['adding', running()]]),
      policy,
    );
    expect(plan).toEqual([]);
  });
});
