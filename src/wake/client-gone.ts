import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * True once nothing more can reach the client: it went away (Caddy closes its connection to us
 * as soon as its own client gives up) or its response was already sent. A held request whose
 * client is gone is not replayed to the tenant.
 */
export function clientGone(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded || res.socket?.destroyed === true;
}

/**
 * While an upgrade waits for a wake, a client that hangs up is let go at once: an upgrade's
 * socket is half-open (the http server no longer manages it), so its end alone would leave it,
 * and its held slot, open until the wake is over. Returns the function that stops watching,
 * for when the socket is spliced to the tenant.
 */
export function dropOnHangup(socket: Socket): () => void {
  const drop = () => socket.destroy();
  socket.once('end', drop);
  return () => socket.off('end', drop);
}
