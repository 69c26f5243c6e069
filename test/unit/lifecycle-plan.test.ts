import { describe, expect, it } from 'vitest';
import { lifecyclePlan, type EngineState, type LifecycleVerb } from '../../src/core/lifecycle-plan.js';

// start / stop / restart decided from the state either backend reports (core/lifecycle-plan.ts).
describe('lifecyclePlan', () => {
  const cases: [LifecycleVerb, EngineState, string, string[]][] = [
    ['stop', 'running', 'stopped', ['stop']],
    ['stop', 'starting', 'stopped', ['stop']],
    ['stop', 'stopped', 'none', []],
    ['stop', 'missing', 'none', []],
    ['start', 'running', 'none', []],
    ['start', 'starting', 'started', ['start']],
    ['start', 'stopped', 'started', ['start']],
    ['start', 'missing', 'created', ['create']],
    ['restart', 'running', 'restarted', ['stop', 'start']],
    ['restart', 'starting', 'restarted', ['start']],
    ['restart', 'stopped', 'restarted', ['start']],
    ['restart', 'missing', 'created', ['create']],
  ];
  for (const [verb, state, action, steps] of cases) {
    it(`${verb} when ${state}: ${action}`, () => expect(lifecyclePlan(verb, state)).toEqual({ action, steps }));
  }
});
