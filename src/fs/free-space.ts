import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FreeSpace } from '../transfer/volume-tar-policy.js';

/** statfs of `path`, or of its nearest existing parent (podman creates its volume directory lazily). */
export async function freeSpace(path: string): Promise<FreeSpace> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = await statfs(p);
      return { path: p, availableBytes: s.bavail * s.bsize, totalInodes: s.files, freeInodes: s.ffree };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw err;
    }
  }
}
