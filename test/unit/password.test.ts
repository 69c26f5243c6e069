import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, scryptHashProblem, verifyPassword } from '../../src/core/password.js';

describe('passwords', () => {
  it('are at least 20 characters from an unambiguous alphabet, and differ', () => {
    const all = Array.from({ length: 50 }, generatePassword);
    for (const p of all) {
      expect(p.length).toBeGreaterThanOrEqual(20);
      expect(p).not.toMatch(/[01OIl]/);
    }
    expect(new Set(all).size).toBe(all.length);
  });

  it('are stored only as a salted scrypt hash that verifies', async () => {
    const p = generatePassword();
    const h = await hashPassword(p);
    expect(h.startsWith('scrypt$')).toBe(true);
    expect(h).not.toContain(p);
    expect(await verifyPassword(p, h)).toBe(true);
    expect(await verifyPassword(`${p}x`, h)).toBe(false);
    expect(await hashPassword(p)).not.toBe(h);
    expect(await verifyPassword(p, 'garbage')).toBe(false);
  });

  it('computes only the scrypt parameters it writes: any other hash is refused before scrypt runs', async () => {
    const p = generatePassword();
    const h = await hashPassword(p);
    expect(scryptHashProblem(h)).toBeUndefined();
    const [, , , , salt, key] = h.split('$');
    // p=10^6 would take hours and N=2^30 a terabyte: refused before scrypt runs at all.
    for (const [n, r, par] of [[1073741824, 8, 1], [16384, 8, 1000000], [16384, 1024, 1], [8192, 8, 1]]) {
      const other = `scrypt$${n}$${r}$${par}$${salt}$${key}`;
      expect(scryptHashProblem(other)).toMatch(/are not the ones feather-tenant writes/);
      expect(await verifyPassword(p, other)).toBe(false);
    }
    expect(scryptHashProblem(`scrypt$16384$8$1$${salt}$${key}=`)).toMatch(/base64/);
  });
});
