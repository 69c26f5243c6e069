import { request } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

// A raw WebSocket handshake with node:http (no client library): the answer is either the 101
// and an open socket, or a plain HTTP response (the gate's 401/403/404...).

export interface WsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body of a refusal; '' after a 101. */
  body: string;
  /** After a 101: the first text frame the server sent (the Node stand-in sends one at once). */
  first?: string;
  /** After a 101: sends a text frame and resolves with the next text frame received. */
  send(text: string): Promise<string>;
  close(): void;
}

/** One unmasked server frame's text, if `buf` holds a whole one; and what is left after it. */
function takeFrame(buf: Buffer): { text: string; rest: Buffer } | undefined {
  if (buf.length < 2) return undefined;
  let len = (buf[1] as number) & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    off = 4;
  }
  if (buf.length < off + len) return undefined;
  return { text: buf.subarray(off, off + len).toString('utf8'), rest: buf.subarray(off + len) };
}

/** A masked client text frame (payloads under 126 bytes: what the tests send). */
function clientFrame(text: string): Buffer {
  const data = Buffer.from(text);
  const mask = randomBytes(4);
  return Buffer.concat([Buffer.from([0x81, 0x80 | data.length]), mask, Buffer.from(data.map((b, i) => b ^ (mask[i % 4] as number)))]);
}

export function wsOpen(port: number, host: string, path: string, headers: Record<string, string> = {}, localAddress?: string): Promise<WsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, agent: false, localAddress,
      headers: {
        ...headers, host, connection: 'Upgrade', upgrade: 'websocket',
        'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'),
      },
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer to the upgrade of ${path}`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'),
        send: () => Promise.reject(new Error('not upgraded')), close: () => {},
      }));
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      let buf = head;
      const waiting: ((text: string) => void)[] = [];
      const frames: string[] = [];
      const pump = () => {
        for (let f = takeFrame(buf); f; f = takeFrame(buf)) {
          buf = f.rest;
          const w = waiting.shift();
          if (w) w(f.text);
          else frames.push(f.text);
        }
      };
      const next = () => new Promise<string>((r, rej) => {
        const ready = frames.shift();
        if (ready !== undefined) return r(ready);
        waiting.push(r);
        socket.once('close', () => rej(new Error('socket closed before a frame came')));
      });
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        pump();
      });
      socket.on('error', () => {});
      pump();
      void next().then((first) => resolve({
        status: res.statusCode ?? 0, headers: res.headers, body: '', first,
        send: (text) => {
          socket.write(clientFrame(text));
          return next();
        },
        close: () => socket.destroy(),
      }), reject);
    });
    req.end();
  });
}
