import { BLOCK, MAX_SPECIAL_BYTES, TarFormatError, cString, decimal, decodeHeader, paxRecords, tarNumber } from './tar-fields.js';

// A streaming reader of a tar archive's entries, fed chunk by chunk (the bytes are not kept:
// only headers and pax data, at most 1 MiB at a time). It resolves each entry the way Go's
// archive/tar does, because that is what `podman volume import` extracts with: GNU long names
// win over pax paths, which win over the header; pax records apply to the next entry only;
// GNU.sparse.name renames a PAX sparse file; the size of links, directories, devices and FIFOs
// is ignored (Go reads no data for them, so neither do we: a header claiming data there would
// otherwise be read as data by one reader and as headers by the other). Pure.

export type EntryKind = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'gnu-sparse' | 'pax-global' | 'other';

export interface TarEntry {
  /** Name and link target as Go resolves them, one char a byte ('latin1'). */
  name: string;
  linkname: string;
  /** The final type flag ('\0' already turned into '0' or '5' as Go does). */
  typeflag: string;
  kind: EntryKind;
  mode: number;
  /** Length once extracted: a sparse file's full length; 0 for entries without data. */
  size: number;
  sparse: boolean;
  /** Extended attributes extraction would set (SCHILY.xattr.* records with a value). */
  xattrs: string[];
}

const KINDS: Record<string, EntryKind> = {
  0: 'file', 1: 'hardlink', 2: 'symlink', 3: 'char', 4: 'block', 5: 'dir', 6: 'fifo', S: 'gnu-sparse', g: 'pax-global',
};
/** Go's isHeaderOnlyType: no data is read for these, whatever the size field says. */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

type Need = { read: number } | { skip: number };

const padding = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;
const allZero = (b: Buffer) => b.every((x) => x === 0);

function paxTime(v: string, what: string): void {
  if (!/^[+-]?[0-9]+(\.[0-9]*)?$/.test(v)) throw new TarFormatError(`a pax ${what} is not a time: ${JSON.stringify(v)}`);
}

/** Go's readGNUSparsePAXHeaders: whether the records make a PAX sparse file (0.0, 0.1 or 1.0). */
function paxSparse(pax: Map<string, string>): boolean {
  const [major, minor] = [pax.get('GNU.sparse.major') ?? '', pax.get('GNU.sparse.minor') ?? ''];
  if ((major === '0' && (minor === '0' || minor === '1')) || (major === '1' && minor === '0')) return true;
  if (major !== '' || minor !== '') return false;
  return (pax.get('GNU.sparse.map') ?? '') !== '';
}

/** An old GNU sparse map's entries, parsed so that what Go rejects is refused here too. */
function gnuSparseEntries(b: Buffer, offset: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const at = offset + i * 24;
    if (b[at] === 0) break;
    tarNumber(b, at, 12);
    tarNumber(b, at + 12, 12);
  }
}

function* entries(emit: (e: TarEntry) => void): Generator<Need, void, Buffer> {
  let pax: Map<string, string> | undefined;
  let longName = '';
  let longLink = '';
  for (;;) {
    const blk: Buffer = yield { read: BLOCK };
    if (allZero(blk)) {
      if (allZero(yield { read: BLOCK })) return;
      throw new TarFormatError('a zero block inside the archive');
    }
    const h = decodeHeader(blk);
    if (h.typeflag === 'x' || h.typeflag === 'g' || h.typeflag === 'L' || h.typeflag === 'K') {
      if (h.size < 0 || h.size > MAX_SPECIAL_BYTES) throw new TarFormatError(`a ${h.typeflag} header of ${h.size} bytes (Go reads at most 1 MiB)`);
      const data: Buffer = yield { read: h.size };
      yield { skip: padding(h.size) };
      if (h.typeflag === 'L') longName = cString(data);
      else if (h.typeflag === 'K') longLink = cString(data);
      else if (h.typeflag === 'x') pax = paxRecords(data);
      else {
        // Go returns a global header to the caller as an entry of its own, named by its path
        // record if it has one; earlier pax and long-name headers are dropped.
        const recs = paxRecords(data);
        emit({ name: recs.get('path') || h.name, linkname: '', typeflag: 'g', kind: 'pax-global', mode: h.mode, size: 0, sparse: false, xattrs: [] });
        [pax, longName, longLink] = [undefined, '', ''];
      }
      continue;
    }

    let [name, linkname, size] = [h.name, h.linkname, h.size];
    const xattrs: string[] = [];
    for (const [k, v] of pax ?? []) {
      if (v === '') continue; // Go keeps the header's value
      if (k === 'path') name = v;
      else if (k === 'linkpath') linkname = v;
      else if (k === 'size') size = decimal(v, 'a pax size');
      else if (k === 'uid' || k === 'gid') decimal(v, `a pax ${k}`);
      else if (k === 'atime' || k === 'mtime' || k === 'ctime') paxTime(v, k);
      else if (k.startsWith('SCHILY.xattr.')) xattrs.push(k.slice('SCHILY.xattr.'.length));
    }
    if (longName) name = longName;
    if (longLink) linkname = longLink;
    const typeflag = h.typeflag === '\0' ? (name.endsWith('/') ? '5' : '0') : h.typeflag;
    const data = HEADER_ONLY.has(typeflag) ? 0 : size;
    if (data < 0) throw new TarFormatError(`a negative size for ${JSON.stringify(name)}`);

    let sparse = false;
    if (typeflag === 'S') {
      if (h.format !== 'gnu') throw new TarFormatError('an old GNU sparse entry in a non-GNU header');
      size = tarNumber(blk, 483, 12);
      gnuSparseEntries(blk, 386, 4);
      // Extension blocks of the sparse map sit between the header and the data.
      for (let more = blk[482] as number; more !== 0;) {
        const ext: Buffer = yield { read: BLOCK };
        gnuSparseEntries(ext, 0, 21);
        more = ext[504] as number;
      }
      sparse = true;
    } else if (pax && paxSparse(pax)) {
      if (HEADER_ONLY.has(typeflag)) throw new TarFormatError(`sparse records on ${JSON.stringify(name)}, which holds no data`);
      name = pax.get('GNU.sparse.name') || name;
      const real = pax.get('GNU.sparse.size') || pax.get('GNU.sparse.realsize');
      if (real) size = decimal(real, 'a GNU sparse size');
      sparse = true;
    }
    if (size < 0) throw new TarFormatError(`a negative size for ${JSON.stringify(name)}`);
    emit({ name, linkname, typeflag, kind: KINDS[typeflag] ?? 'other', mode: h.mode, size: HEADER_ONLY.has(typeflag) ? 0 : size, sparse, xattrs });
    yield { skip: data + padding(data) };
    [pax, longName, longLink] = [undefined, '', ''];
  }
}

/**
 * Feeds a tar archive through `entries`' parser in whatever chunks it arrives in; each entry
 * goes to `onEntry` as soon as its header(s) are complete. Anything malformed throws
 * TarFormatError from push() or end(); bytes after the end-of-archive marker are ignored, as
 * Go ignores them.
 */
export class TarScanner {
  private readonly gen: Generator<Need, void, Buffer>;
  private need: Need | undefined;
  private parts: Buffer[] = [];
  private have = 0;
  /** The end-of-archive marker has been read. */
  done = false;

  constructor(onEntry: (e: TarEntry) => void) {
    this.gen = entries(onEntry);
    this.resume(Buffer.alloc(0));
  }

  push(chunk: Buffer): void {
    let at = 0;
    while (!this.done && at < chunk.length) {
      const need = this.need as Need;
      if ('skip' in need) {
        const take = Math.min(need.skip, chunk.length - at);
        need.skip -= take;
        at += take;
        if (need.skip === 0) this.resume(Buffer.alloc(0));
      } else {
        const take = Math.min(need.read - this.have, chunk.length - at);
        this.parts.push(chunk.subarray(at, at + take));
        this.have += take;
        at += take;
        if (this.have === need.read) {
          const got = Buffer.concat(this.parts, this.have);
          [this.parts, this.have] = [[], 0];
          this.resume(got);
        }
      }
    }
  }

  /** The input is complete: it must have ended with the end-of-archive marker. */
  end(): void {
    if (!this.done) throw new TarFormatError('it ends before its end-of-archive marker (truncated?)');
  }

  private resume(input: Buffer): void {
    let r = this.gen.next(input);
    // Zero-length reads and skips are satisfied at once.
    while (!r.done && ('skip' in r.value ? r.value.skip : r.value.read) === 0) r = this.gen.next(Buffer.alloc(0));
    if (r.done) this.done = true;
    else this.need = r.value;
  }
}
