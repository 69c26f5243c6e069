import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Pure: summaries a tenant pushes (POST /_feather/summary) and the ingest token it pushes with.

/** The largest summary body accepted: 64 KiB. */
export const MAX_SUMMARY_BYTES = 64 * 1024;
/** Summaries kept per tenant: the oldest go first, so a tenant pushing in a loop cannot fill the disk. */
export const MAX_SUMMARIES_PER_TENANT = 1000;

/**
 * The deepest nesting of arrays and objects a summary may have. An aggregate needs a few levels;
 * 64 KiB of brackets is 32,000, and JSON.stringify overflows the stack past about 4,000 (measured,
 * Node 20), which made the ingest answer 500 without the gate's header (counted as activity).
 */
export const MAX_SUMMARY_DEPTH = 32;

/** Where the token appears inside the container (a podman secret, 0400, the container's user's). */
export const INGEST_TARGET = 'feather-ingest-token';
export const INGEST_PATH = `/run/secrets/${INGEST_TARGET}`;

/** 32 random bytes, base64url: what the container reads from INGEST_PATH. */
export function generateIngestToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the state keeps: SHA-256 hex (the token is random, so no slow hash is needed). */
export function hashIngestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares in constant time: SHA-256 of the presented token against the stored one. */
export function ingestTokenMatches(presented: string, storedHash: string | null): boolean {
  if (!storedHash || !/^[0-9a-f]{64}$/.test(storedHash)) return false;
  return timingSafeEqual(Buffer.from(hashIngestToken(presented), 'hex'), Buffer.from(storedHash, 'hex'));
}

/**
 * The token of an `Authorization: Bearer <token>` header; undefined for anything else. The
 * scheme's name is case-insensitive (RFC 9110, 11.1), as at the admin API; the token is not.
 */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/i.exec(header?.trim() ?? '');
  return m?.[1];
}

/** A summary as stored: one JSON object, re-serialised; or why the body is not one. */
export function parseSummary(body: Buffer): { ok: true; text: string } | { ok: false; status: 400 | 413; error: string } {
  if (body.length > MAX_SUMMARY_BYTES) return { ok: false, status: 413, error: `a summary is at most ${MAX_SUMMARY_BYTES} bytes` };
  let text: string;
  let v: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    v = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, error: 'the body is not JSON (UTF-8)' };
  }
  if (jsonDepth(text) > MAX_SUMMARY_DEPTH) return { ok: false, status: 400, error: `a summary nests at most ${MAX_SUMMARY_DEPTH} levels deep` };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, status: 400, error: 'a summary is a JSON object' };
  return { ok: true, text: JSON.stringify(v) };
}

/** How deep arrays and objects nest in JSON text (brackets inside strings do not count). */
export function jsonDepth(json: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}
