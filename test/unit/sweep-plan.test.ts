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

describe('planSweep: what last counted as activity (issue 13)', () => {
  const req = JSON.stringify({ request: { method: 'POST', path: '/api/run', client: '203.0.113.7' } });
  it('names the request, traffic, wake or pin the idle time counts from', () => {
    const plan = planSweep(
      [
        tenant('asked', { lastActiveAt: now - MIN, lastActiveKind: 'request', lastActiveDetail: req }),
        tenant('streamed', { lastActiveAt: now - 2 * MIN, lastActiveKind: 'traffic', lastActiveDetail: '{"bytes":81920}' }),
        tenant('woken', { lastActiveAt: now - 3 * MIN, lastActiveKind: 'wake', lastActiveDetail: '{}' }),
        tenant('held', { lastActiveAt: now - 60 * MIN, lastActiveKind: 'pin', lastActiveDetail: '{}', pinned: true }),
      ],
      new Map([['asked', running()], ['streamed', running()], ['woken', running()], ['held', running()]]),
      policy,
    );
    const by = new Map(plan.map((d) => [d.name, d]));
    expect(by.get('asked')?.activity).toEqual({ kind: 'request', at: new Date(now - MIN).toISOString(), request: { method: 'POST', path: '/api/run', client: '203.0.113.7' } });
    expect(by.get('streamed')?.activity).toEqual({ kind: 'traffic', at: new Date(now - 2 * MIN).toISOString(), bytes: 81920 });
    expect(by.get('woken')?.activity.kind).toBe('wake');
    expect([by.get('held')?.reason, by.get('held')?.activity.kind]).toEqual(['pinned', 'pin']);
  });

  it('a start after the last activity is the answer, and so is creation when nothing happened', () => {
    const plan = planSweep(
      [tenant('restarted', { lastActiveAt: now - 30 * MIN, lastActiveKind: 'request', lastActiveDetail: req }), tenant('new', { createdAt: now - 5 * MIN })],
      new Map([['restarted', running(now - MIN)], ['new', running(0)]]),
      policy,
    );
    expect(plan.map((d) => [d.name, d.activity.kind, d.activity.at, d.stop])).toEqual([
      ['new', 'start', new Date(now - 5 * MIN).toISOString(), false],
      ['restarted', 'start', new Date(now - MIN).toISOString(), false],
    ]);
  });

  it('a detail that is not ours is dropped, never shown', () => {
    const plan = planSweep([tenant('odd', { lastActiveAt: now - MIN, lastActiveKind: 'request', lastActiveDetail: '{"request":{"method":1}}' })], new Map([['odd', running()]]), policy);
    expect(plan[0]?.activity).toEqual({ kind: 'request', at: new Date(now - MIN).toISOString() });
  });
});
