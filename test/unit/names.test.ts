import { describe, expect, it } from 'vitest';
import { nameProblem, validateName, RESERVED_NAMES } from '../../src/core/names.js';
import { ConflictError, EXIT, UsageError } from '../../src/core/errors.js';
import { claimedElsewhere, type NamedObject, type ObjectKind } from '../../src/core/ownership.js';
import { bridgeName, objectName, tenantLabels } from '../../src/core/tenant.js';

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

  it('nested prefixes map two installations\' tenants to one object name; the prefix label tells them apart', () => {
    const first = { prefix: 'feather-' };
    const second = { prefix: 'feather-user-' };
    const shared = objectName(first, 'user-a');
    expect(objectName(second, 'a')).toBe(shared);
    const theirs = (kind: ObjectKind): NamedObject => ({ kind, name: shared, labels: tenantLabels(first, 'user-a') });

    // Whatever kind of object the first installation has under that name, the second refuses it.
    for (const kind of ['container', 'volume', 'network', 'secret'] as const) {
      const err = claimedElsewhere(second, 'a', [theirs(kind)]);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err?.exitCode).toBe(EXIT.conflict);
      expect(err?.message).toContain(`${kind} feather-user-a belongs to another feather-tenant installation (prefix feather-)`);
    }
    // Its own objects (leftovers of its own add) and unlabelled ones (tenant.sh's) are not a clash.
    expect(claimedElsewhere(first, 'user-a', [theirs('volume'), theirs('container')])).toBeUndefined();
    expect(claimedElsewhere(second, 'a', [{ kind: 'volume', name: shared, labels: {} }])).toBeUndefined();
    expect(claimedElsewhere(second, 'a', [])).toBeUndefined();
    // One foreign object among its own is enough.
    const mine: NamedObject = { kind: 'volume', name: shared, labels: tenantLabels(second, 'a') };
    expect(claimedElsewhere(second, 'a', [mine, theirs('secret')])?.message).toContain('secret feather-user-a');
  });

  it('bridge names fit a Linux interface name for every port, one per port', () => {
    expect(bridgeName(9001)).toBe('feather9001');
    expect(bridgeName(65535).length).toBeLessThanOrEqual(15);
    expect(bridgeName(9001)).not.toBe(bridgeName(9002));
  });
});
