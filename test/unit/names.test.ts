import { describe, expect, it } from 'vitest';
import { nameProblem, validateName, RESERVED_NAMES } from '../../src/core/names.js';
import { UsageError } from '../../src/core/errors.js';
import { bridgeName, objectName } from '../../src/core/tenant.js';

describe('tenant names', () => {
  it.each(['a', 'alice', 'bob-2', 'a1', 'x'.repeat(32), 'a-b-c'])('accepts %j', (n) => {
    expect(validateName(n)).toBe(n);
  });

  it.each([
    ['', 'empty'], ['Alice', 'lowercase'], ['1a', 'start with a letter'], ['-a', 'start with a letter'],
    ['a-', 'end with a hyphen'], ['a.b', 'only lowercase'], ['a_b', 'only lowercase'], ['a b', 'only lowercase'],
    ['x'.repeat(33), 'at most 32'], ['admin', 'reserved'], ['www', 'reserved'], ['api', 'reserved'],
    ['birth', 'reserved'], ['caddy', 'reserved'], ['ä', 'start with a letter'], ['aä', 'only lowercase'], ['a\n', 'only lowercase'],
  ])('refuses %j (%s)', (n, why) => {
    expect(nameProblem(n)).toContain(why);
    expect(() => validateName(n)).toThrow(UsageError);
  });

  it('every reserved name would otherwise be valid (the list has no typos)', () => {
    for (const r of RESERVED_NAMES) expect(/^[a-z][a-z0-9-]*$/.test(r)).toBe(true);
  });

  it('two different valid names never map to the same container name', () => {
    // The prefix ends in a hyphen and names are DNS labels, so prefix+name is injective;
    // check it over a sample that includes names which look like prefixed ones.
    const prefix = { prefix: 'feather-user-' };
    const names = ['a', 'user-a', 'a-1', 'a1', 'feather-user-a', 'user', 'u-ser-a'];
    const objects = names.map((n) => objectName(prefix, n));
    expect(new Set(objects).size).toBe(names.length);
  });

  it('bridge names fit a Linux interface name for every port, one per port', () => {
    expect(bridgeName(9001)).toBe('feather9001');
    expect(bridgeName(65535).length).toBeLessThanOrEqual(15);
    expect(bridgeName(9001)).not.toBe(bridgeName(9002));
  });
});
