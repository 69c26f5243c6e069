import { createHash } from 'node:crypto';
import { ByteReader } from './byte-reader.js';
import {
  MANIFEST_ENTRY, MAX_MANIFEST_BYTES, SUMS_ENTRY, VOLUME_ENTRY, badArchive, parseManifest, parseSums, type Manifest,
} from './manifest.js';
import { MAX_SUMMARIES_ENTRY_BYTES, SUMMARIES_ENTRY, parseSummaries } from './summaries-entry.js';
import type { StoredSummary } from '../store/port.js';
import { BLOCK, TarFormatError, allZero, paddedSize, parseHeader, parsePax, type EntryHeader } from './tar-format.js';

export interface ReadHooks {
  /** Called with the manifest before any byte of the volume is read: preflight checks throw here. */
  onManifest(m: Manifest): void | Promise<void>;
  /** Receives volume.tar's bytes in order (import spools them to a file). */
  writeVolume(chunk: Buffer): void | Promise<void>;
  onVolumeBytes?(done: number, total: number): void;
  /** The summaries entry, checked against SHA256SUMS (an archive from before it has none: not called). */
  onSummaries?(list: StoredSummary[]): void;
}

/**
 * Reads and verifies a whole export archive (see archive-writer.ts for the layout). Every way
 * it can be wrong (not tar, no manifest first, a foreign or newer format, truncated anywhere, a
 * checksum that does not match, entries out of place) is a UsageError naming the problem. It
 * returns only when every byte has been checked, so the caller creates nothing before that.
 */
export async function readArchive(input: AsyncIterable<Buffer | string>, hooks: ReadHooks): Promise<Manifest> {
  const it = input[Symbol.asyncIterator]();
  try {
    return await readEntries(new ByteReader(it), hooks);
  } finally {
    // Stop reading (a stream's iterator destroys it): a refused import does not wait for the rest.
    await it.return?.();
  }
}

async function readEntries(r: ByteReader, hooks: ReadHooks): Promise<Manifest> {

  const first = await nextEntry(r);
  if (!first) throw badArchive(r.consumed === 0 ? 'the input is empty' : 'the archive holds no entries');
  if (first.name !== MANIFEST_ENTRY) throw badArchive(`it does not start with ${MANIFEST_ENTRY} (the first entry is ${JSON.stringify(first.name)})`);
  if (first.size > MAX_MANIFEST_BYTES) throw badArchive(`${MANIFEST_ENTRY} is ${first.size} bytes, far too large for a manifest`);
  const mbytes = await readData(r, first);
  const manifest = parseManifest(mbytes);
  await hooks.onManifest(manifest);

  const vol = await nextEntry(r);
  if (vol?.name !== VOLUME_ENTRY) throw badArchive(`${VOLUME_ENTRY} must follow ${MANIFEST_ENTRY}${vol ? ` (found ${JSON.stringify(vol.name)})` : ''}`);
  const total = manifest.volume.bytes;
  if (vol.size !== total) throw badArchive(`${VOLUME_ENTRY} holds ${vol.size} bytes but the manifest says ${total}`);
  const hash = createHash('sha256');
  let done = 0;
  const got = await r.each(total, async (chunk) => {
    hash.update(chunk);
    await hooks.writeVolume(chunk);
    done += chunk.length;
    hooks.onVolumeBytes?.(done, total);
  });
  if (got < total) throw badArchive(`the archive ends early (truncated?): ${VOLUME_ENTRY} has ${got} of its ${total} bytes`);
  const sha256 = hash.digest('hex');
  if (sha256 !== manifest.volume.sha256) {
    throw badArchive(`${VOLUME_ENTRY} is corrupted: its sha256 is ${sha256}, the manifest says ${manifest.volume.sha256}`);
  }
  await skipPadding(r, total);

  let sumsEntry = await nextEntry(r);
  let summaries: { bytes: Buffer; list: StoredSummary[] } | undefined;
  if (sumsEntry?.name === SUMMARIES_ENTRY) {
    if (sumsEntry.size > MAX_SUMMARIES_ENTRY_BYTES) throw badArchive(`${SUMMARIES_ENTRY} is far too large`);
    const bytes = await readData(r, sumsEntry);
    summaries = { bytes, list: parseSummaries(bytes) };
    sumsEntry = await nextEntry(r);
  }
  if (sumsEntry?.name !== SUMS_ENTRY) throw badArchive(`${SUMS_ENTRY} must follow ${VOLUME_ENTRY}${sumsEntry ? ` (found ${JSON.stringify(sumsEntry.name)})` : ''}`);
  if (sumsEntry.size > MAX_MANIFEST_BYTES) throw badArchive(`${SUMS_ENTRY} is far too large`);
  const sums = parseSums((await readData(r, sumsEntry)).toString('ascii'));
  if (sums[MANIFEST_ENTRY] !== createHash('sha256').update(mbytes).digest('hex')) throw badArchive(`${MANIFEST_ENTRY} is corrupted (its sha256 does not match ${SUMS_ENTRY})`);
  if (sums[VOLUME_ENTRY] !== sha256) throw badArchive(`${SUMS_ENTRY} does not match ${VOLUME_ENTRY}`);
  // Both ways: an entry not in the sums, or sums naming an entry someone took out.
  const summariesSum = summaries && createHash('sha256').update(summaries.bytes).digest('hex');
  if (sums[SUMMARIES_ENTRY] !== summariesSum) {
    throw badArchive(summaries ? `${SUMMARIES_ENTRY} is corrupted (its sha256 does not match ${SUMS_ENTRY})` : `${SUMS_ENTRY} lists ${SUMMARIES_ENTRY} but the archive has none`);
  }
  if (summaries) hooks.onSummaries?.(summaries.list);

  const extra = await nextEntry(r);
  if (extra) throw badArchive(`unexpected entry ${JSON.stringify(extra.name)} after ${SUMS_ENTRY}`);
  return manifest;
}

/** The next entry's header (pax records applied), or undefined at the end-of-archive marker. */
async function nextEntry(r: ByteReader): Promise<EntryHeader | undefined> {
  let pax: Record<string, string> = {};
  for (;;) {
    const block = await r.read(BLOCK);
    if (block.length === 0 && r.consumed === 0) return undefined;
    if (block.length < BLOCK) throw badArchive('the archive ends early (truncated?): a header or the end-of-archive marker is cut off');
    if (allZero(block)) {
      const second = await r.read(BLOCK);
      if (second.length < BLOCK) throw badArchive('the archive ends early (truncated?): the end-of-archive marker is cut off');
      if (!allZero(second)) throw badArchive('a zero block inside the archive');
      return undefined;
    }
    let h: EntryHeader;
    try {
      h = parseHeader(block);
    } catch (err) {
      if (err instanceof TarFormatError) throw badArchive(`${err.message} at byte ${r.consumed - BLOCK}`);
      throw err;
    }
    if (h.type === 'x' || h.type === 'g') {
      if (h.size > MAX_MANIFEST_BYTES) throw badArchive('a pax header is far too large');
      const data = await readData(r, h);
      let records: Record<string, string>;
      try {
        records = parsePax(data);
      } catch (err) {
        throw badArchive((err as Error).message);
      }
      if (h.type === 'x') pax = records;
      continue;
    }
    const name = (pax.path ?? h.name).replace(/^(\.\/)+/, '');
    const size = pax.size !== undefined ? Number(pax.size) : h.size;
    if (!Number.isSafeInteger(size) || size < 0) throw badArchive(`bad size for ${JSON.stringify(name)}`);
    if (h.type !== '0') throw badArchive(`unexpected ${h.type === '5' ? 'directory' : `type ${JSON.stringify(h.type)}`} entry ${JSON.stringify(name)}`);
    return { name, size, type: h.type };
  }
}

/** A small entry's data (its size is capped by the caller), padding skipped. */
async function readData(r: ByteReader, h: EntryHeader): Promise<Buffer> {
  const data = await r.read(h.size);
  if (data.length < h.size) throw badArchive(`the archive ends early (truncated?) inside ${JSON.stringify(h.name)}`);
  await skipPadding(r, h.size);
  return data;
}

/** Padding must be zeros: then any flipped byte in the archive is caught somewhere. */
async function skipPadding(r: ByteReader, size: number): Promise<void> {
  const n = paddedSize(size) - size;
  const pad = await r.read(n);
  if (pad.length < n) throw badArchive('the archive ends early (truncated?)');
  if (!allZero(pad)) throw badArchive(`non-zero padding at byte ${r.consumed - n}`);
}
