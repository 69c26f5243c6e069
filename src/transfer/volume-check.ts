import { createReadStream } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { TarFormatError } from './tar-fields.js';
import { TarScanner } from './tar-scanner.js';
import { VolumeTarPolicy, type VolumeTotals } from './volume-tar-policy.js';

/** Names are kept for the whole check (volume-tar-policy.ts); 1M entries of 60-byte paths take ~100 MB of heap. */
export const MAX_NAME_BYTES = 256 * 2 ** 20;

class Refused extends Error {}

/**
 * Judges volume.tar while the archive reader streams it into the spool (one pass: the chunks
 * are looked at, not kept). The first refusal is remembered, not thrown, so that a corrupted
 * transfer is still reported as corrupted (the checksum is known only at the end) rather than
 * as a strange tar; `finish` throws it once the archive as a whole has been verified.
 */
export class VolumeCheck {
  private readonly policy: VolumeTarPolicy;
  private readonly scanner: TarScanner;
  problem: string | undefined;

  constructor(maxEntries: number) {
    this.policy = new VolumeTarPolicy({ maxEntries, maxNameBytes: MAX_NAME_BYTES });
    this.scanner = new TarScanner((e) => {
      const problem = this.policy.check(e);
      if (problem !== undefined) throw new Refused(problem);
    });
  }

  push(chunk: Buffer): void {
    if (this.problem !== undefined) return;
    try {
      this.scanner.push(chunk);
    } catch (err) {
      this.problem = explain(err);
    }
  }

  /** The totals of an acceptable volume.tar; a UsageError for anything else. */
  finish(): VolumeTotals {
    if (this.problem === undefined) {
      try {
        this.scanner.end();
      } catch (err) {
        this.problem = explain(err);
      }
    }
    if (this.problem !== undefined) throw refuseVolume(this.problem);
    return this.policy.totals;
  }
}

function explain(err: unknown): string {
  if (err instanceof Refused) return err.message;
  if (err instanceof TarFormatError) return `it is not a tar archive that podman would read as this check does: ${err.message}`;
  throw err;
}

export function refuseVolume(problem: string): UsageError {
  return new UsageError(
    `refusing this archive's volume.tar: ${problem}; nothing was changed`,
    'podman extracts volume.tar as root, so whatever could land outside the volume or carry a privilege is refused (see "What `import` checks, and what it refuses" in the README)',
  );
}

/** Judges a volume tar already in a file (a spool) as an import judges volume.tar: the totals, or the refusal. */
export async function checkVolumeFile(path: string, maxEntries: number): Promise<VolumeTotals> {
  const check = new VolumeCheck(maxEntries);
  for await (const chunk of createReadStream(path)) check.push(chunk as Buffer);
  return check.finish();
}
