import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors } from 'jose';

export interface SessionClaims {
  /** The tenant the session belongs to. */
  tenant: string;
  /** Session id: the key of the session in Redis and of its revocation. */
  sid: string;
  /** Issue time in milliseconds: compared with the tenant's "not before" (JWT iat is in seconds). */
  iatMs: number;
  /** Absolute expiry, seconds since the epoch. */
  exp: number;
}

const ISSUER = 'feather-tenant';

// jose imports a raw secret into WebCrypto on every sign and verify, which the profile of a gated
// request showed as a good part of its CPU: the watchdog's one key is imported once.
const imported = new WeakMap<Uint8Array, Promise<webcrypto.CryptoKey>>();

function hmacKey(raw: Uint8Array): Promise<webcrypto.CryptoKey> {
  let k = imported.get(raw);
  if (!k) {
    k = webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    imported.set(raw, k);
  }
  return k;
}

/** HS256 only: verify() names the algorithm, so `alg: none` or an RS/HS confusion is refused. */
export async function signSession(key: Uint8Array, c: { tenant: string; sid: string; iatMs: number; maxMs: number }): Promise<string> {
  return new SignJWT({ sid: c.sid, iat_ms: c.iatMs })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setSubject(c.tenant)
    .setAudience(c.tenant)
    .setIssuedAt(Math.floor(c.iatMs / 1000))
    .setExpirationTime(Math.floor((c.iatMs + c.maxMs) / 1000))
    .sign(await hmacKey(key));
}

export type VerifyResult = { ok: true; claims: SessionClaims } | { ok: false; reason: string };

/** Checks signature, algorithm, issuer, expiry and that the token is for this tenant. */
export async function verifySession(key: Uint8Array, token: string, tenant: string, nowMs: number): Promise<VerifyResult> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(key), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: tenant,
      subject: tenant,
      currentDate: new Date(nowMs),
      requiredClaims: ['sid', 'iat_ms', 'exp'],
    });
    const sid = payload.sid;
    const iatMs = payload.iat_ms;
    if (typeof sid !== 'string' || !/^[A-Za-z0-9_-]{10,64}$/.test(sid) || typeof iatMs !== 'number') return { ok: false, reason: 'malformed claims' };
    return { ok: true, claims: { tenant, sid, iatMs, exp: payload.exp as number } };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
    if (err instanceof errors.JWTClaimValidationFailed) return { ok: false, reason: `claim ${err.claim} invalid` };
    return { ok: false, reason: (err as Error).name || 'invalid token' };
  }
}
