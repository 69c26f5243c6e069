import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { OperationError } from '../core/errors.js';
import { pidExists } from '../os/process-probe.js';

// Spool files hold a volume's tar while export or import works on it: they are the user's
// data, so they live in a 0700 directory under the state directory, are 0600, and are removed
// when the command ends. A killed command leaves one behind; the next export or import removes
// files whose process is gone (the pid is in the name).

export const SPOOL_SUBDIR = 'spool';

export interface Spool {
  path: string;
  /** Created empty, 0600; podman opens it with O_TRUNC, which keeps the mode. */
  handle: FileHandle;
  remove(): Promise<void>;
}

export async function createSpool(stateDir: string): Promise<Spool> {
  const dir = join(stateDir, SPOOL_SUBDIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  sweepStale(dir);
  const path = join(dir, `${process.pid}-${randomBytes(6).toString('hex')}.tar`);
  const handle = await open(path, 'wx', 0o600);
  return {
    path,
    handle,
    async remove() {
      await handle.close().catch(() => {});
      await rm(path, { force: true });
    },
  };
}

function sweepStale(dir: string): void {
  for (const f of readdirSync(dir)) {
    const pid = Number(/^(\d+)-/.exec(f)?.[1]);
    if (pid && pid !== process.pid && !pidExists(pid)) rmSync(join(dir, f), { force: true });
  }
}

/**
 * Appends chunks to a file, gathered into ~1 MiB writev calls (a pipe delivers 64 KiB at a
 * time). One write is in flight while the next batch is gathered (and hashed by the caller), so
 * reading and writing overlap; at most two batches are held.
 */
export class BatchedWriter {
  private parts: Buffer[] = [];
  private size = 0;
  private inflight: Promise<void> = Promise.resolve();
  written = 0;

  constructor(private readonly handle: FileHandle, private readonly batch = 1 << 20) {}

  async write(chunk: Buffer): Promise<void> {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.batch) await this.send();
  }

  /** Writes what is gathered and waits for every write to finish. */
  async flush(): Promise<void> {
    await this.send();
    await this.inflight;
  }

  private async send(): Promise<void> {
    await this.inflight;
    if (this.size === 0) return;
    const [parts, size] = [this.parts, this.size];
    this.parts = [];
    this.size = 0;
    const p = this.handle.writev(parts).then(({ bytesWritten }) => {
      if (bytesWritten !== size) throw new OperationError(`short write to the spool file (${bytesWritten} of ${size} bytes)`, 'is its file system full? see df');
      this.written += bytesWritten;
    });
    p.catch(() => {}); // observed by the next send() or flush(); never an unhandled rejection
    this.inflight = p;
  }
}
