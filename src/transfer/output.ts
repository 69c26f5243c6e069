import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { pidExists } from '../os/process-probe.js';
import { UsageError } from '../core/errors.js';

/** Where an export archive goes: a file (complete or absent, never half-written) or a stream. */
export interface ArchiveOutput {
  stream: Writable;
  describe: string;
  /** The archive is complete: a file output takes its final name. */
  commit(): Promise<void>;
  abort(): Promise<void>;
  /** For the process's exit: removes an unfinished file; does nothing once committed. */
  discardSync(): void;
}

const PARTIAL = /^\.(.+)\.partial-(\d+)$/;

/**
 * Writes to .FILE.partial-PID (0600: it holds the user's data and password hash) and renames it
 * over FILE when complete, so a failed export never leaves a truncated archive under FILE's name.
 * Opening it first means a bad path fails before the tenant is stopped. A killed export
 * (SIGKILL, a power cut) leaves its partial file behind: the next export into the same
 * directory removes every .NAME.partial-PID there whose process is gone and that we own.
 */
export async function fileOutput(file: string, log: (line: string) => void = () => {}): Promise<ArchiveOutput> {
  const path = resolve(file);
  const partial = join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
  for (const stale of sweepStalePartials(dirname(path))) log(`removed ${stale}, left by an export that was killed`);
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
    // After commit the name is gone (and holds our pid, so nobody else's file has it).
    discardSync: () => rmSync(partial, { force: true }),
  };
}

/** Removes partial files of dead processes in `dir` (best effort); returns their paths. */
function sweepStalePartials(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // the open that follows reports a missing directory properly
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(PARTIAL.exec(name)?.[2]);
    if (!pid || pid === process.pid || pidExists(pid)) continue;
    const p = join(dir, name);
    try {
      const st = lstatSync(p);
      if (!st.isFile() || st.uid !== process.geteuid?.()) continue;
      rmSync(p, { force: true });
      removed.push(p);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

export function streamOutput(stream: Writable, describe = 'stdout'): ArchiveOutput {
  return { stream, describe, commit: () => Promise.resolve(), abort: () => Promise.resolve(), discardSync: () => {} };
}
