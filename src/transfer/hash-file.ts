import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * sha256 and size of a file that another process is still writing (podman exporting into the
 * spool): it is read as it grows, so hashing overlaps the export instead of following it, and
 * finishes with the bytes left once `writer` has settled. The writer must only append.
 * Constant memory: one 1 MiB buffer.
 */
export async function hashWhileWritten(
  path: string,
  writer: Promise<unknown>,
  onBytes: (done: number) => void = () => {},
): Promise<{ bytes: number; sha256: string }> {
  let finished = false;
  const settled = writer.then(() => {
    finished = true;
  }, () => {
    finished = true;
  });
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fh = await open(path, 'r');
  let bytes = 0;
  try {
    for (;;) {
      // Read the flag before reading: bytes written before the writer settled are all seen.
      const last = finished;
      const { bytesRead } = await fh.read(buf, 0, buf.length, bytes);
      if (bytesRead > 0) {
        hash.update(buf.subarray(0, bytesRead));
        bytes += bytesRead;
        onBytes(bytes);
      } else if (last) {
        break;
      } else {
        await Promise.race([sleep(20), settled]);
      }
    }
  } finally {
    await fh.close();
  }
  await writer; // its error, if any, is the one to report
  return { bytes, sha256: hash.digest('hex') };
}
