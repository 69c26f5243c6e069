import { UsageError } from '../core/errors.js';

/**
 * Exact-size reads from a stream of chunks, without ever joining more than one small read:
 * headers are read whole, entry data is handed on chunk by chunk, so memory stays flat.
 */
export class ByteReader {
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;
  /** Bytes taken from the input so far. */
  consumed = 0;

  constructor(private readonly input: AsyncIterator<Buffer | string>) {}

  private async more(): Promise<boolean> {
    if (this.ended) return false;
    let r;
    try {
      r = await this.input.next();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // EISDIR, EIO, ECONNRESET...: the input itself failed, not our reading of it.
      if (code) throw new UsageError(`cannot read the archive: ${code} after ${this.consumed} bytes; nothing was changed`);
      throw err;
    }
    if (r.done) {
      this.ended = true;
      return false;
    }
    this.pending = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    return true;
  }

  /** Up to n bytes joined into one buffer: fewer only when the input ends. For small reads. */
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    await this.each(n, (chunk) => {
      parts.push(chunk);
      got += chunk.length;
    });
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, got);
  }

  /** Hands the next n bytes to `sink` as they arrive; returns how many there were (fewer: the input ended). */
  async each(n: number, sink: (chunk: Buffer) => void | Promise<void>): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.pending.length === 0 && !(await this.more())) break;
      const take = Math.min(left, this.pending.length);
      const chunk = this.pending.subarray(0, take);
      this.pending = this.pending.subarray(take);
      left -= take;
      this.consumed += take;
      await sink(chunk);
    }
    return n - left;
  }
}
