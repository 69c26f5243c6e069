import { describe, expect, it } from 'vitest';
import { parsePortRange, pickPort } from '../../src/core/ports.js';
import { ConflictError, UsageError } from '../../src/core/errors.js';

describe('port range', () => {
  it('parses FIRST-LAST', () => {
    expect(parsePortRange('9001-9010')).toEqual({ first: 9001, last: 9010 });
    expect(parsePortRange(' 9001 - 9001 ')).toEqual({ first: 9001, last: 9001 });
  });

  it.each(['9010-9001', '0-10', '1-70000', '9001', 'a-b', '', '9001-'])('refuses %j', (t) => {
    expect(() => parsePortRange(t, 'FEATHER_TENANT_PORTS')).toThrow(UsageError);
  });

  it('picks the lowest free port', () => {
    const r = { first: 9001, last: 9005 };
    expect(pickPort(r, new Set())).toBe(9001);
    expect(pickPort(r, new Set([9001, 9002, 9004]))).toBe(9003);
    expect(pickPort(r, new Set([9001, 9002, 9003, 9004]))).toBe(9005);
  });

  it('a full range is a conflict that names the range', () => {
    const r = { first: 9001, last: 9002 };
    expect(() => pickPort(r, new Set([9001, 9002]))).toThrow(ConflictError);
    expect(() => pickPort(r, new Set([9001, 9002]))).toThrow('9001-9002');
  });
});
