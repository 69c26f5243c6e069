import { customAlphabet } from 'nanoid';
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// No 0/O, 1/l/I: users copy these from a terminal into a login form.
const ALPHABET = '23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
export const PASSWORD_LENGTH = 24;
export const generatePassword = customAlphabet(ALPHABET, PASSWORD_LENGTH);

// The one scrypt setting we write: N=2^14, r=8, p=1 (16 MiB, 41 ms a check measured here), a
// 16-byte salt, a 32-byte key. The parameters are stored with each hash, so a later version can
// raise them by adding a line to ACCEPTED; but a stored hash is also input (an import's
// manifest), and scrypt costs what its parameters say: the time grows with p (1.1 s at p=40
// here, so about 8 hours at p=10^6), on one of the four libuv threads every login shares. So only
// the settings in ACCEPTED are ever computed; any other hash never verifies.
const PARAMS = { N: 16384, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const ACCEPTED: readonly (typeof PARAMS)[] = [PARAMS];

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$N$r$p$<salt b64>$<hash b64>`: the only form of a password we ever store. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, KEY_BYTES, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Canonical base64 of exactly `bytes` bytes, decoded; undefined for anything else. */
function base64Of(text: string, bytes: number): Buffer | undefined {
  const b = Buffer.from(text, 'base64');
  return b.length === bytes && b.toString('base64') === text ? b : undefined;
}

interface ParsedHash {
  params: typeof PARAMS;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | string {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'not a scrypt hash (scrypt$N$r$p$salt$key)';
  const [n, r, p] = parts.slice(1, 4);
  const params = ACCEPTED.find((a) => String(a.N) === n && String(a.r) === r && String(a.p) === p);
  if (!params) {
    return `its scrypt parameters N=${n} r=${r} p=${p} are not the ones feather-tenant writes (${ACCEPTED.map((a) => `N=${a.N} r=${a.r} p=${a.p}`).join(', ')})`;
  }
  const salt = base64Of(parts[4] as string, SALT_BYTES);
  const key = base64Of(parts[5] as string, KEY_BYTES);
  if (!salt || !key) return `its salt and key are not base64 of ${SALT_BYTES} and ${KEY_BYTES} bytes`;
  return { params, salt, key };
}

/** Why a stored hash is not one we would compute (undefined: it is one). */
export function scryptHashProblem(stored: string): string | undefined {
  const h = parseHash(stored);
  return typeof h === 'string' ? h : undefined;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (typeof h === 'string') return false;
  const got = await scrypt(password, h.salt, KEY_BYTES, { ...h.params, maxmem: 64 * 1024 * 1024 });
  return timingSafeEqual(got, h.key);
}
