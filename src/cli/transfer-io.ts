// The terminal side of export and import: where the archive goes to or comes from. Refusing a
// terminal happens here, before the context opens anything.
import { createReadStream } from 'node:fs';
import { UsageError } from '../core/errors.js';
import type { ArchiveOutput } from '../transfer/output.js';
import type { Context } from '../runtime/context.js';

/** `-o FILE` or stdout (`-`); the unfinished file is removed if we exit before the archive is done. */
export async function exportOutput(ctx: Context, output: string): Promise<ArchiveOutput> {
  const { fileOutput, streamOutput } = await import('../transfer/output.js');
  const out = output === '-' ? streamOutput(process.stdout) : await fileOutput(output, (line) => ctx.log(line));
  // A second SIGINT/SIGTERM exits at once (see entry.ts): the unfinished file goes with us.
  process.once('exit', () => out.discardSync());
  return out;
}

export function refuseTerminalOutput(output: string): void {
  if (output === '-' && process.stdout.isTTY) throw new UsageError('refusing to write an archive to a terminal', 'use -o FILE, or pipe it: feather-tenant export NAME | ...');
}

/** stdin (`-`) or the file, opened before anything is created so an unreadable file is bad input. */
export async function importInput(file: string): Promise<AsyncIterable<Buffer | string>> {
  if (file === '-' && process.stdin.isTTY) throw new UsageError('refusing to read an archive from a terminal', 'pipe it in, or name the file');
  if (file === '-') return process.stdin;
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  await new Promise<void>((res, rej) => {
    input.once('open', () => res()).once('error', (err: NodeJS.ErrnoException) => rej(
      new UsageError(`cannot read ${file}: ${err.code ?? err.message}`),
    ));
  });
  return input;
}
