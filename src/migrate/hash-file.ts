import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** sha256 and size of a file, read in 1 MiB chunks (constant memory). */
export async function hashFile(path: string, onBytes: (done: number) => void = () => {}): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onBytes(bytes);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Runs fn while reporting the size of the file it writes, five times a second. */
export async function watchGrowth<T>(path: string, onBytes: (size: number) => void, fn: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    stat(path).then((s) => onBytes(s.size), () => {});
  }, 200);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
