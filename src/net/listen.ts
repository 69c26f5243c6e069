import type { Server } from 'node:net';
import { OperationError } from '../core/errors.js';

/** Listens on HOST:PORT (IPv6 in brackets); a failure is an OperationError with `hint`. */
export function listen(server: Server, address: string, what: string, hint: string): Promise<void> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(i + 1));
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new OperationError(`${what} cannot listen on ${address}: ${err.code ?? err.message}`, hint)));
    server.listen({ host, port }, () => resolve());
  });
}
