import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A ServerResponse that writes to an upgrade request's raw socket, so code written for plain
 * requests can answer an upgrade with an ordinary HTTP response (never a 101); the connection
 * closes after it (Connection: close), since nothing can follow a refused upgrade on it.
 */
export function responseOnSocket(req: IncomingMessage, socket: Socket): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once('finish', () => {
    res.detachSocket(socket);
    socket.end();
  });
  return res;
}
