import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, verifyPassword } from '../../src/core/password.js';

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
});
