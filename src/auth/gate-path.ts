import { posix } from 'node:path';

// Pure: whether a request belongs to the login gate, however its path is spelt.
//
// Caddy hands /_feather/* to the gate by its `path` matcher, which first decodes the path once
// (Go decodes every %XX, %2F and %5C included), lowercases it, trims trailing dots and spaces,
// and cleans it (`//`, `.`, `..`). So `/_FEATHER/x`, `//_feather/x`, `/_feather/..%5cx` and
// `/x/../_feather/y` all reach the watchdog through that route, as the client spelt them
// (measured with Caddy 2.6.2). If the gate declined one, the watchdog would hand it to the
// tenant without any session check. So the gate claims every spelling Caddy could route to it,
// and more: every depth of percent-decoding, backslashes read as slashes, with and without the
// trimming. Claiming too much is safe: a path Caddy does not route to the gate reaches the
// watchdog only through the wake route, after verify let it pass, and gets a 404.

// `summary` is the summary ingest's (auth/summary-ingest.ts), served with the gate on or off.
export const GATE_ACTIONS = ['verify', 'login', 'logout', 'summary'] as const;
export type GateAction = (typeof GATE_ACTIONS)[number];

/** Deeper than this, a path is encoded on purpose to confuse someone: the gate claims it. */
const MAX_DECODINGS = 8;

/**
 * One of GATE_ACTIONS when the path is exactly that action's (`/_feather/login`); 'other' when
 * it is under /_feather in any spelling (the gate refuses it); undefined when it is not the gate's.
 */
export function gateRoute(target: string): GateAction | 'other' | undefined {
  const path = targetPath(target);
  for (const action of GATE_ACTIONS) if (path === `/_feather/${action}`) return action;
  return claimed(path) ? 'other' : undefined;
}

/** The path of a request-target: before the query, without scheme and authority (absolute form). */
export function targetPath(target: string): string {
  const q = target.indexOf('?');
  const p = q < 0 ? target : target.slice(0, q);
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(p);
  return absolute ? p.slice(absolute[0].length) || '/' : p;
}

/** `s`, then each percent-decoding of it in turn until one changes nothing; undefined if none settles. */
export function percentDecodings(s: string): string[] | undefined {
  const levels = [s];
  for (let i = 0; i < MAX_DECODINGS; i++) {
    const next = percentDecode(levels[levels.length - 1] as string);
    if (next === levels[levels.length - 1]) return levels;
    levels.push(next);
  }
  return undefined;
}

function claimed(path: string): boolean {
  const levels = percentDecodings(path);
  if (!levels) return true;
  for (const level of levels) {
    for (const cut of [level, level.split('#')[0] as string]) {
      for (const slashes of [cut, cut.replace(/\\/g, '/')]) {
        for (const trimmed of [slashes, trimEnd(slashes)]) {
          const clean = posix.normalize(`/${trimmed}`).toLowerCase();
          if (firstSegmentIsGate(clean) || firstSegmentIsGate(trimEnd(clean))) return true;
        }
      }
    }
  }
  return false;
}

/** `/_feather`, `/_feather/...`, and (stricter than Caddy) `/_feather./...`. */
function firstSegmentIsGate(clean: string): boolean {
  return trimEnd(clean.split('/')[1] ?? '') === '_feather';
}

/** Windows ignores trailing dots and spaces; so does Caddy's path matcher (before cleaning). */
function trimEnd(s: string): string {
  return s.replace(/[. ]+$/, '');
}

/** Decodes every valid %XX (as UTF-8 bytes); anything else is left as it is. */
function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  const parts: Buffer[] = [];
  let plain = '';
  for (let i = 0; i < s.length; i++) {
    const hex = s.slice(i + 1, i + 3);
    if (s[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      parts.push(Buffer.from(plain, 'utf8'), Buffer.from([parseInt(hex, 16)]));
      plain = '';
      i += 2;
    } else plain += s[i];
  }
  parts.push(Buffer.from(plain, 'utf8'));
  return Buffer.concat(parts).toString('utf8');
}
