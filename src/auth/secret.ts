import { randomBytes } from 'node:crypto';
import { chmodSync, openSync, readFileSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { OperationError } from '../core/errors.js';

export const SECRET_FILE = 'jwt-secret';

/**
 * The HS256 key: FEATHER_TENANT_JWT_SECRET, or a random one generated on first use and kept
 * 0600 in the state directory. Created with O_EXCL so two processes starting at once agree.
 */
export function loadJwtKey(stateDir: string, configured: string | undefined): Uint8Array {
  if (configured !== undefined) return new TextEncoder().encode(configured);
  const file = join(stateDir, SECRET_FILE);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  try {
    const fd = openSync(file, 'wx', 0o600);
    writeSync(fd, randomBytes(48).toString('base64url'));
    closeSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(file, 0o600);
  const text = readFileSync(file, 'utf8').trim();
  if (text.length < 32) throw new OperationError(`${file} holds no usable key`, 'delete it to generate a new one, or set FEATHER_TENANT_JWT_SECRET');
  return new TextEncoder().encode(text);
}
