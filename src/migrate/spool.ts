import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

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
    if (pid && pid !== process.pid && !alive(pid)) rmSync(join(dir, f), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Appends chunks to a file, gathered into ~1 MiB writev calls (a pipe delivers 64 KiB at a time). */
export class BatchedWriter {
  private parts: Buffer[] = [];
  private size = 0;
  written = 0;

  constructor(private readonly handle: FileHandle, private readonly batch = 1 << 20) {}

  async write(chunk: Buffer): Promise<void> {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.batch) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const { bytesWritten } = await this.handle.writev(this.parts);
    if (bytesWritten !== this.size) throw new Error(`short write to the spool file (${bytesWritten} of ${this.size} bytes)`);
    this.written += bytesWritten;
    this.parts = [];
    this.size = 0;
  }
}
