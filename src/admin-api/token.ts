import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OperationError } from '../core/errors.js';

// The admin API's bearer token: one file in the state directory, 0600, written whole or not at
// all (a temporary file, then link or rename: a reader never sees half a token). Never logged,
// never in argv: `feather-tenant admin-token` prints it, and the watchdog reads it from the file.

export const TOKEN_FILE = 'admin-token';
const USABLE = /^[A-Za-z0-9_-]{32,256}$/;

const newToken = () => randomBytes(32).toString('base64url');

/** Writes `value` to a temporary file next to `file` (0600, flushed); returns its path. */
function temp(file: string, value: string): string {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${value}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

function readToken(file: string): string {
  const text = readFileSync(file, 'utf8').trim();
  if (!USABLE.test(text)) throw new OperationError(`${file} holds no usable admin token`, 'make a new one with: feather-tenant admin-token --rotate');
  return text;
}

/**
 * The token, generated on first use. link() fails when the file exists, so two processes creating
 * it at once agree on the first one (rename would let the second replace it under the first).
 */
export function ensureToken(stateDir: string): string {
  const file = join(stateDir, TOKEN_FILE);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const tmp = temp(file, newToken());
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  chmodSync(file, 0o600);
  return readToken(file);
}

/** A new token replaces the old one at once (rename is atomic); the running watchdog notices by itself. */
export function rotateToken(stateDir: string): string {
  const file = join(stateDir, TOKEN_FILE);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const value = newToken();
  renameSync(temp(file, value), file);
  return value;
}

/**
 * The watchdog's view of the token: the file is stat()ed on every check and read again only when
 * it changed (inode, size or mtime): a rotation takes effect on the next request, with no restart.
 * Measured: a stat takes about 4 µs, a read and hash 18 to 24 µs (docs/admin-api.md#the-token).
 */
export class TokenFile {
  private key: string | undefined;
  private digest: Buffer | undefined;

  constructor(private readonly stateDir: string) {}

  /** Whether `given` is the token, compared in constant time (digests of equal length). */
  matches(given: string | undefined): boolean {
    const expected = this.current();
    const presented = createHash('sha256').update(given ?? '').digest();
    return timingSafeEqual(presented, expected) && given !== undefined;
  }

  private current(): Buffer {
    const file = join(this.stateDir, TOKEN_FILE);
    let st;
    try {
      st = statSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      ensureToken(this.stateDir);
      st = statSync(file);
    }
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    if (key !== this.key || this.digest === undefined) {
      this.digest = createHash('sha256').update(readToken(file)).digest();
      this.key = key;
    }
    return this.digest;
  }
}
