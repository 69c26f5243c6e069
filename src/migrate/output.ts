import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { UsageError } from '../core/errors.js';

/** Where an export archive goes: a file (complete or absent, never half-written) or a stream. */
export interface ArchiveOutput {
  stream: Writable;
  describe: string;
  /** The archive is complete: a file output takes its final name. */
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Writes to FILE.partial-PID (0600: it holds the user's data and password hash) and renames it
 * over FILE when complete, so a failed export never leaves a truncated archive under FILE's name.
 * Opening it first means a bad path fails before the tenant is stopped.
 */
export async function fileOutput(file: string): Promise<ArchiveOutput> {
  const path = resolve(file);
  const partial = join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
  let handle;
  try {
    handle = await open(partial, 'wx', 0o600);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'choose a writable path with -o FILE, or -o - for stdout');
  }
  return {
    stream: handle.createWriteStream({ highWaterMark: 1 << 20 }),
    describe: path,
    commit: () => rename(partial, path),
    async abort() {
      await handle.close().catch(() => {});
      await rm(partial, { force: true });
    },
  };
}

export function streamOutput(stream: Writable, describe = 'stdout'): ArchiveOutput {
  return { stream, describe, commit: () => Promise.resolve(), abort: () => Promise.resolve() };
}
