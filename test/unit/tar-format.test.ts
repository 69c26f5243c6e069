import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { BLOCK, END_OF_ARCHIVE, fileHeader, padding, parseHeader, parsePax } from '../../src/transfer/tar-format.js';

describe('tar format', () => {
  it('writes ustar headers that parse back, with a verified checksum', () => {
    const h = fileHeader('manifest.json', 1234, 1_700_000_000);
    expect(h.length).toBe(BLOCK);
    expect(parseHeader(h)).toEqual({ name: 'manifest.json', size: 1234, type: '0' });
    const bad = Buffer.from(h);
    bad[0] = 'n'.charCodeAt(0) + 1;
    expect(() => parseHeader(bad)).toThrow(/checksum/);
    expect(() => parseHeader(Buffer.alloc(BLOCK, 1))).toThrow(/ustar/);
  });

  it('uses a pax size record for entries of 8 GiB and more', () => {
    const size = 9 * 1024 ** 3 + 7;
    const h = fileHeader('volume.tar', size, 1_700_000_000);
    expect(h.length).toBe(3 * BLOCK);
    const pax = parseHeader(h.subarray(0, BLOCK));
    expect(pax.type).toBe('x');
    expect(parsePax(h.subarray(BLOCK, BLOCK + pax.size))).toEqual({ size: String(size) });
    expect(parseHeader(h.subarray(2 * BLOCK)).name).toBe('volume.tar');
  });

  it('reads GNU base-256 sizes', () => {
    const h = fileHeader('x', 0, 0);
    h.fill(0, 124, 136);
    h[124] = 0x80;
    h.writeUIntBE(10 * 1024 ** 3, 130, 6);
    h.fill(' ', 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0`, 148, 7, 'ascii');
    expect(parseHeader(h).size).toBe(10 * 1024 ** 3);
  });

  it('is read by GNU tar, names, sizes and contents alike', () => {
    const data = Buffer.from('hello, tar\n');
    const archive = Buffer.concat([fileHeader('a.txt', data.length, 1_700_000_000), data, padding(data.length), END_OF_ARCHIVE]);
    expect(execFileSync('tar', ['-tvf', '-'], { input: archive }).toString()).toMatch(/-rw------- root\/root\s+11 .* a\.txt/);
    expect(execFileSync('tar', ['-xOf', '-', 'a.txt'], { input: archive }).toString()).toBe('hello, tar\n');
  });
});
