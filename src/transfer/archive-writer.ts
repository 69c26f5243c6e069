import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { OperationError } from '../core/errors.js';
import { MANIFEST_ENTRY, SUMS_ENTRY, VOLUME_ENTRY, renderManifest, renderSums, type Manifest } from './manifest.js';
import { END_OF_ARCHIVE, fileHeader, padding } from './tar-format.js';
import { SUMMARIES_ENTRY } from './summaries-entry.js';

/**
 * The bytes of an export archive, a plain tar:
 *
 *   manifest.json   what and whose (format version, tenant, image, password hash, volume size and sha256)
 *   volume.tar      the volume exactly as `podman volume export` wrote it
 *   summaries.json  the summaries the tenant pushed (summaries-entry.ts; absent in older archives)
 *   SHA256SUMS      sha256 of both entries (`sha256sum -c` works on an extracted archive)
 *
 * Why the manifest comes first, with the volume's size and checksum already in it: a tar header
 * must state its entry's size before the data, so the volume has to be complete before
 * volume.tar's header can be written anyway; export therefore spools `podman volume export` to a
 * file first (disk, never memory). That spool buys three things: the tenant is stopped only for
 * the local copy, not for the whole transfer over ssh; import can refuse a wrong format version
 * or a taken name from the first few hundred bytes, before it reads gigabytes; and the manifest
 * holds every fact about the archive. SHA256SUMS at the end also covers the manifest itself, so a
 * flipped byte in the password hash is caught too. Memory stays flat: the volume streams through
 * in 1 MiB chunks.
 */
export async function* archiveChunks(
  manifest: Manifest,
  volumeFile: string,
  mtimeSec: number,
  onVolumeBytes: (done: number) => void = () => {},
  summaries?: Buffer,
): AsyncGenerator<Buffer> {
  const mbytes = renderManifest(manifest);
  yield Buffer.concat([fileHeader(MANIFEST_ENTRY, mbytes.length, mtimeSec), mbytes, padding(mbytes.length)]);

  const size = manifest.volume.bytes;
  yield fileHeader(VOLUME_ENTRY, size, mtimeSec);
  let done = 0;
  for await (const chunk of createReadStream(volumeFile, { highWaterMark: 1 << 20 })) {
    done += (chunk as Buffer).length;
    if (done > size) break;
    yield chunk as Buffer;
    onVolumeBytes(done);
  }
  // The spool is ours and 0600, but a short or grown file would make a corrupt archive: refuse.
  if (done !== size) throw new OperationError(`spool file ${volumeFile} changed size during the export (${done} bytes, expected ${size})`, 'something else writes to the spool directory; run the export again');

  yield padding(size);
  if (summaries) yield Buffer.concat([fileHeader(SUMMARIES_ENTRY, summaries.length, mtimeSec), summaries, padding(summaries.length)]);
  const sums = renderSums({
    [MANIFEST_ENTRY]: createHash('sha256').update(mbytes).digest('hex'),
    [VOLUME_ENTRY]: manifest.volume.sha256,
    ...(summaries ? { [SUMMARIES_ENTRY]: createHash('sha256').update(summaries).digest('hex') } : {}),
  });
  yield Buffer.concat([fileHeader(SUMS_ENTRY, sums.length, mtimeSec), sums, padding(sums.length), END_OF_ARCHIVE]);
}
