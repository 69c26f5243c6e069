// Tar header fields read exactly as Go's archive/tar reads them (go1.19 to 1.24; containers/
// storage, and so `podman volume import`, extract with it). Where Go would fail, these throw;
// where Go is lenient in a way that could make two readers see different archives (a number
// with leading NULs, a GNU header whose atime is not a number and whose bytes Go then reads as
// a name prefix, star headers), they throw too. Names are kept as 'latin1' strings: one char
// a byte, so no two byte strings decode to the same name. Pure.

export const BLOCK = 512;

export class TarFormatError extends Error {}
/** Go's limit on pax and GNU long-name data (readSpecialFile). */
export const MAX_SPECIAL_BYTES = 1 << 20;

/** A C string: up to the first NUL (Go's parseString), one char a byte. */
export function cString(b: Buffer, offset = 0, width = b.length - offset): string {
  const limit = Math.min(offset + width, b.length);
  const nul = b.indexOf(0, offset);
  return b.toString('latin1', offset, nul === -1 || nul > limit ? limit : nul);
}

/** Go's parseNumeric: base-256 when the first bit is set, else octal trimmed of spaces and NULs. */
export function tarNumber(b: Buffer, offset: number, width: number): number {
  const first = b[offset] as number;
  if (first & 0x80) {
    const inv = first & 0x40 ? 0xff : 0;
    let x = 0n;
    for (let i = 0; i < width; i++) {
      let c = (b[offset + i] as number) ^ inv;
      if (i === 0) c &= 0x7f;
      if (x >> 56n > 0n) throw new TarFormatError('a base-256 number overflows');
      x = (x << 8n) | BigInt(c);
    }
    if (x >> 63n > 0n) throw new TarFormatError('a base-256 number overflows');
    const n = inv ? -x - 1n : x;
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new TarFormatError('a number is too large');
    return Number(n);
  }
  let s = offset;
  let e = offset + width;
  while (s < e && (b[s] === 0x20 || b[s] === 0)) s++;
  while (e > s && (b[e - 1] === 0x20 || b[e - 1] === 0)) e--;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = (b[i] as number) - 0x30;
    // Go cuts at an inner NUL after trimming; refusing instead keeps "12\0 34" from meaning 12 to us alone.
    if (d < 0 || d > 7) throw new TarFormatError(`not an octal number: ${JSON.stringify(b.toString('latin1', s, e))}`);
    n = n * 8 + d;
  }
  if (!Number.isSafeInteger(n)) throw new TarFormatError('a number is too large');
  return n;
}

/** The header checksum, with its own field counted as spaces; Go accepts the unsigned or the signed sum. */
function checksumOk(b: Buffer): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : (b[i] as number);
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  let stored: number;
  try {
    stored = tarNumber(b, 148, 8);
  } catch {
    return false;
  }
  return stored === unsigned || stored === signed;
}

export interface RawHeader {
  /** Name with the ustar prefix applied, as Go builds it. */
  name: string;
  linkname: string;
  /** The raw type flag ('\0' is left as is: Go decides on it after long names are applied). */
  typeflag: string;
  size: number;
  mode: number;
  format: 'ustar' | 'gnu';
}

/** One header block (not a zero block), or TarFormatError for anything Go would reject or read differently. */
export function decodeHeader(b: Buffer): RawHeader {
  if (!checksumOk(b)) throw new TarFormatError('a header checksum does not match (or no tar header)');
  const magic = b.subarray(257, 263).toString('latin1');
  const version = b.subarray(263, 265).toString('latin1');
  let format: 'ustar' | 'gnu';
  if (magic === 'ustar\0') {
    // star: Go reads a 131-byte prefix where ustar has 155; no tool we expect writes it.
    if (b.subarray(508, 512).toString('latin1') === 'tar\0') throw new TarFormatError('a star header (not read here)');
    format = 'ustar';
  } else if (magic === 'ustar ' && version === ' \0') {
    format = 'gnu';
  } else {
    throw new TarFormatError('a header that is neither ustar nor GNU (v7 headers are not read here)');
  }
  const h: RawHeader = {
    name: cString(b, 0, 100),
    linkname: cString(b, 157, 100),
    typeflag: String.fromCharCode(b[156] as number),
    size: tarNumber(b, 124, 12),
    mode: tarNumber(b, 100, 8),
    format,
  };
  // Go fails on these, so we do too (uid, gid, mtime, device numbers).
  for (const [off, w] of [[108, 8], [116, 8], [136, 12], [329, 8], [337, 8]] as const) tarNumber(b, off, w);
  if (format === 'ustar') {
    const prefix = cString(b, 345, 155);
    if (prefix) h.name = `${prefix}/${h.name}`;
  } else {
    // GNU atime/ctime: when Go cannot parse them it reads those bytes as a ustar prefix instead.
    for (const off of [345, 357]) {
      if (b[off] !== 0) {
        try {
          tarNumber(b, off, 12);
        } catch {
          throw new TarFormatError('a GNU header whose atime or ctime is not a number (Go would read it as a name prefix)');
        }
      }
    }
  }
  return h;
}

/** Go's strconv.ParseInt(s, 10, 64) for the values we use, refusing what JS numbers cannot hold. */
export function decimal(s: string, what: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new TarFormatError(`${what} is not a decimal number: ${JSON.stringify(s)}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new TarFormatError(`${what} is too large`);
  return n;
}

const NUL_CHECKED = new Set(['path', 'linkpath', 'uname', 'gname']);

/**
 * The records of a pax header as Go's parsePAX returns them: later records of a key win, and
 * GNU.sparse.offset/numbytes pairs are gathered into GNU.sparse.map. Anything Go rejects throws.
 */
export function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  const sparseMap: string[] = [];
  let s = data.toString('latin1');
  while (s.length > 0) {
    const sp = s.indexOf(' ');
    if (sp === -1) throw new TarFormatError('a malformed pax record');
    const nStr = s.slice(0, sp);
    if (!/^[+-]?[0-9]+$/.test(nStr)) throw new TarFormatError('a malformed pax record length');
    let n = Number(nStr);
    if (n < 5 || n > s.length) throw new TarFormatError('a malformed pax record length');
    n -= nStr.length + 1;
    if (n <= 0) throw new TarFormatError('a malformed pax record length');
    const rest = s.slice(sp + 1);
    const rec = rest.slice(0, n - 1);
    if (rest[n - 1] !== '\n') throw new TarFormatError('a pax record without its newline');
    const eq = rec.indexOf('=');
    if (eq === -1) throw new TarFormatError('a pax record without "="');
    const [k, v] = [rec.slice(0, eq), rec.slice(eq + 1)];
    if (k === '' || k.includes('=') || (NUL_CHECKED.has(k) ? v.includes('\0') : k.includes('\0'))) {
      throw new TarFormatError('an invalid pax record');
    }
    if (k === 'GNU.sparse.offset' || k === 'GNU.sparse.numbytes') {
      const want = sparseMap.length % 2 === 0 ? 'GNU.sparse.offset' : 'GNU.sparse.numbytes';
      if (k !== want || v.includes(',')) throw new TarFormatError('GNU sparse records out of order');
      sparseMap.push(v);
    } else {
      out.set(k, v);
    }
    s = rest.slice(n);
  }
  if (sparseMap.length > 0) out.set('GNU.sparse.map', sparseMap.join(','));
  return out;
}
