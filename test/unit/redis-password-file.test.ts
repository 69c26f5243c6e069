import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPasswordFile } from '../../src/redis/password-file.js';
import { OperationError } from '../../src/core/errors.js';

const SECRET = 'a3f9c0ffee';
let dir: string;
const file = (name: string, text: string, mode = 0o600) => {
  const p = join(dir, name);
  writeFileSync(p, text, { mode });
  chmodSync(p, mode); // writeFileSync's mode passes through the umask
  return p;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ftt-unit-pwfile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the Redis password file', () => {
  it('reads one line, dropping its final newline; a symlink to a private file is fine', () => {
    expect(readPasswordFile(file('plain', SECRET))).toBe(SECRET);
    expect(readPasswordFile(file('newline', `${SECRET}\n`))).toBe(SECRET);
    expect(readPasswordFile(file('crlf', `${SECRET}\r\n`))).toBe(SECRET);
    expect(readPasswordFile(file('owner-only-read', SECRET, 0o400))).toBe(SECRET);
    symlinkSync(join(dir, 'plain'), join(dir, 'link'));
    expect(readPasswordFile(join(dir, 'link'))).toBe(SECRET);
  });

  it.each([
    ['group-readable', 0o640, 'its mode is 0640; group and others must have no access'],
    ['world-readable', 0o604, 'its mode is 0604'],
    ['group-writable', 0o620, 'its mode is 0620'],
  ])('refuses a %s file (mode %o), naming the fix but never the password', (name, mode, why) => {
    const p = file(name, SECRET, mode);
    const err = (() => { try { readPasswordFile(p); } catch (e) { return e as OperationError; } })();
    expect(err).toBeInstanceOf(OperationError);
    expect(err?.message).toContain(`Redis password file ${p}: ${why}`);
    expect(err?.hint).toBe(`chmod 600 ${p}`);
    expect(`${err?.message} ${err?.hint}`).not.toContain(SECRET);
  });

  it('refuses what is no password file: missing, a directory, a FIFO (without blocking), empty, several lines, huge', () => {
    mkdirSync(join(dir, 'adir'), { mode: 0o700 });
    execFileSync('mkfifo', ['-m', '600', join(dir, 'fifo')]);
    const cases: [string, string][] = [
      [join(dir, 'missing'), 'cannot open it (ENOENT)'],
      [join(dir, 'adir'), 'not a regular file'],
      [join(dir, 'fifo'), 'not a regular file'],
      [file('empty', ''), 'it is empty'],
      [file('just-newline', '\n'), 'it is empty'],
      [file('two-lines', `${SECRET}\nsecond\n`), 'more than one line'],
      [file('huge', 'x'.repeat(5000)), 'it has 5000 bytes'],
    ];
    for (const [p, why] of cases) {
      expect(() => readPasswordFile(p), p).toThrow(OperationError);
      expect(() => readPasswordFile(p), p).toThrow(why);
    }
  });
});
