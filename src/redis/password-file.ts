import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { OperationError } from '../core/errors.js';

/** A password is a line; anything far larger is not a password file. */
const MAX_BYTES = 4096;

/**
 * Reads Redis's password from FEATHER_TENANT_REDIS_PASSWORD_FILE: one line, its final newline
 * dropped. The file must be a regular file (a symlink to one is fine: secrets are often mounted
 * that way) that neither its group nor others can read or write, as ssh demands of a private
 * key: a password anyone on the host can read protects nothing. Checked on the open file, so
 * what is checked is what is read. Errors name the file, never its contents.
 */
export function readPasswordFile(path: string): string {
  const refuse = (why: string, hint?: string) => new OperationError(`Redis password file ${path}: ${why}`, hint);
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO put there would otherwise block the open until someone writes to it.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw refuse(`cannot open it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'set FEATHER_TENANT_REDIS_PASSWORD_FILE to the file holding Redis\'s password');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw refuse('not a regular file');
    if ((st.mode & 0o077) !== 0) {
      throw refuse(`its mode is ${(st.mode & 0o777).toString(8).padStart(4, '0')}; group and others must have no access`, `chmod 600 ${path}`);
    }
    if (st.size > MAX_BYTES) throw refuse(`it has ${st.size} bytes; a password file holds one line`);
    const buf = Buffer.alloc(MAX_BYTES + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8').replace(/\r?\n$/, '');
    if (text === '') throw refuse('it is empty');
    if (/[\r\n]/.test(text)) throw refuse('it holds more than one line');
    return text;
  } finally {
    closeSync(fd);
  }
}
