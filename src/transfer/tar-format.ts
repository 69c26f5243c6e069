// The few parts of the tar format an export archive needs: regular-file headers (ustar, with a
// pax `size` record for entries of 8 GiB and more), their parsing with checksum verification,
// padding and the end-of-archive marker. Pure: no I/O. GNU tar, bsdtar and Go read what this writes.

import { BLOCK, TarFormatError, cString, tarNumber } from './tar-fields.js';

export { BLOCK, TarFormatError };
/** The largest size the 11 octal digits of a ustar header can hold: 8 GiB - 1. */
const MAX_OCTAL_SIZE = 0o77777777777;

export interface EntryHeader {
  name: string;
  size: number;
  /** '0' regular file, '5' directory, 'x' pax extended header, ... ('\0' is read as '0'). */
  type: string;
}

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'ascii');
}

function ustarHeader(name: string, size: number, type: string, mtimeSec: number, mode: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new TarFormatError(`entry name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtimeSec);
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  octal(h, 148, 7, checksum(h));
  h.write(' ', 155, 1, 'ascii');
  return h;
}

function checksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] as number);
  return sum;
}

/** A pax record is "<length> key=value\n", where length counts the whole record, itself included. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return `${len}${body}`;
}

/** The header block(s) of a regular file entry: one ustar block, or a pax header first for large sizes. */
export function fileHeader(name: string, size: number, mtimeSec: number, mode = 0o600): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError(`bad entry size ${size}`);
  if (size <= MAX_OCTAL_SIZE) return ustarHeader(name, size, '0', mtimeSec, mode);
  const pax = Buffer.from(paxRecord('size', String(size)), 'utf8');
  return Buffer.concat([
    ustarHeader(`PaxHeaders/${name}`.slice(0, 100), pax.length, 'x', mtimeSec, 0o644),
    pax, padding(pax.length),
    ustarHeader(name, 0, '0', mtimeSec, mode),
  ]);
}

/** Zero bytes that bring an entry's data up to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

export function paddedSize(size: number): number {
  return size + padding(size).length;
}

/** Two zero blocks end a tar archive. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

export function allZero(b: Buffer): boolean {
  for (const byte of b) if (byte !== 0) return false;
  return true;
}

function utf8(b: Buffer, offset: number, width: number): string {
  return Buffer.from(cString(b, offset, width), 'latin1').toString('utf8');
}

/** Parses and verifies one header block (not a zero block); throws TarFormatError when it is not tar. */
export function parseHeader(b: Buffer): EntryHeader {
  const magic = b.subarray(257, 263).toString('latin1');
  if (magic !== 'ustar\0' && magic !== 'ustar ') throw new TarFormatError('no tar header (ustar magic missing)');
  if (tarNumber(b, 148, 8) !== checksum(b)) throw new TarFormatError('tar header checksum mismatch');
  const prefix = utf8(b, 345, 155);
  const name = utf8(b, 0, 100);
  const type = String.fromCharCode(b[156] as number);
  return { name: prefix && magic === 'ustar\0' ? `${prefix}/${name}` : name, size: tarNumber(b, 124, 12), type: type === '\0' ? '0' : type };
}

/** The records of a pax extended header's data. */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = Number(data.subarray(at, space).toString('ascii'));
    if (space === -1 || !Number.isInteger(len) || len <= 0 || at + len > data.length) throw new TarFormatError('malformed pax header');
    const rec = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    at += len;
  }
  return out;
}
