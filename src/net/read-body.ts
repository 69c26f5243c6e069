import type { IncomingMessage } from 'node:http';

// A request body read whole, within a size and a time. Caddy streams a body to us as its client
// sends it, so a client that sends a few bytes of a promised body and then nothing would hold a
// connection and a descriptor of ours for as long as it likes: a review held 1,000 of them with
// unfinished login forms and took the watchdog to its 1,024-descriptor limit, after which 34 of
// 40 logged-in requests to a tenant failed. Bounded, such a client costs us BODY_TIMEOUT_MS.

/** Enough for any client to send a small form; far less than Node's default request timeout (300 s). */
export const BODY_TIMEOUT_MS = 10_000;

/** The body was refused: too large (413) or too slow (408). The connection is to be closed. */
export class BodyRefused extends Error {
  constructor(readonly status: 408 | 413, message: string) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage, limit: number, timeoutMs = BODY_TIMEOUT_MS): Promise<string> {
  return (await readBodyBytes(req, limit, timeoutMs)).toString('utf8');
}

/** The body as bytes: for a reader that must refuse invalid UTF-8 rather than see U+FFFD in its place. */
export function readBodyBytes(req: IncomingMessage, limit: number, timeoutMs = BODY_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const stop = (err: Error) => {
      clearTimeout(timer);
      req.removeAllListeners('data');
      req.pause();
      reject(err);
    };
    const timer = setTimeout(() => stop(new BodyRefused(408, `request body not complete after ${timeoutMs / 1000} s`)), timeoutMs);
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) stop(new BodyRefused(413, `request body over ${limit} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => stop(err));
  });
}
