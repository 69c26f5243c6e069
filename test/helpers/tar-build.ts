// Hand-made tar bytes for tests: any header a crafted archive might carry (ustar or GNU, pax
// records, GNU long names, links, devices, modes), written independently of the code under test.

const BLOCK = 512;

export interface TarSpec {
  name: string;
  /** The type flag: '0' file (default), '1' hard link, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo, ... */
  type?: string;
  data?: Buffer | string;
  /** The size field, when it should differ from the data's length. */
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** A pax header ('x') with these records goes first. */
  pax?: Record<string, string>;
  /** A GNU long-name ('L') or long-link ('K') header goes first. */
  longName?: string;
  longLink?: string;
  format?: 'ustar' | 'gnu';
  /** ustar prefix field. */
  prefix?: string;
  /** Bytes to write raw over the header block before its checksum (offset -> bytes). */
  patch?: [number, Buffer][];
}

const pad = (n: number) => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);
const octal = (h: Buffer, off: number, width: number, v: number) => h.write(`${v.toString(8).padStart(width - 1, '0')}\0`, off, width, 'latin1');

export function header(s: TarSpec & { size: number }): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(s.name, 0, 100, 'latin1');
  octal(h, 100, 8, s.mode ?? (s.type === '5' ? 0o755 : 0o644));
  octal(h, 108, 8, s.uid ?? 0);
  octal(h, 116, 8, s.gid ?? 0);
  octal(h, 124, 12, s.size);
  octal(h, 136, 12, 1_700_000_000);
  h.write(s.type ?? '0', 156, 1, 'latin1');
  h.write(s.linkname ?? '', 157, 100, 'latin1');
  h.write(s.format === 'gnu' ? 'ustar  \0' : 'ustar\u000000', 257, 8, 'latin1');
  octal(h, 329, 8, s.devmajor ?? 0);
  octal(h, 337, 8, s.devminor ?? 0);
  if (s.prefix) h.write(s.prefix, 345, 155, 'latin1');
  for (const [off, bytes] of s.patch ?? []) bytes.copy(h, off);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  octal(h, 148, 7, sum);
  return h;
}

function withData(s: TarSpec & { size: number }, data: Buffer): Buffer {
  return Buffer.concat([header(s), data, pad(data.length)]);
}

export function paxData(records: Record<string, string>): Buffer {
  const parts = Object.entries(records).map(([k, v]) => {
    const body = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(body, 'latin1') + 1;
    while (String(len).length + Buffer.byteLength(body, 'latin1') !== len) len = String(len).length + Buffer.byteLength(body, 'latin1');
    return Buffer.from(`${len}${body}`, 'latin1');
  });
  return Buffer.concat(parts);
}

/** One entry with whatever extension headers it asks for. */
export function tarEntry(s: TarSpec): Buffer {
  const data = typeof s.data === 'string' ? Buffer.from(s.data) : (s.data ?? Buffer.alloc(0));
  const out: Buffer[] = [];
  if (s.longName !== undefined) {
    const n = Buffer.from(`${s.longName}\0`, 'latin1');
    out.push(withData({ name: '././@LongLink', type: 'L', size: n.length, format: 'gnu' }, n));
  }
  if (s.longLink !== undefined) {
    const n = Buffer.from(`${s.longLink}\0`, 'latin1');
    out.push(withData({ name: '././@LongLink', type: 'K', size: n.length, format: 'gnu' }, n));
  }
  if (s.pax) {
    const p = paxData(s.pax);
    out.push(withData({ name: 'PaxHeaders/x', type: 'x', size: p.length }, p));
  }
  out.push(withData({ ...s, size: s.size ?? data.length }, data));
  return Buffer.concat(out);
}

export const END = Buffer.alloc(2 * BLOCK);

export function tarArchive(entries: TarSpec[]): Buffer {
  return Buffer.concat([...entries.map(tarEntry), END]);
}
