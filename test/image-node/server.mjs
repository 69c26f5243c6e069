// Stand-in for the Feather app with a realistic server: Node's own http module with its default
// listen backlog (busybox httpd's is 9, so under a herd it drops connections by itself and load
// figures would measure busybox). It also accepts WebSocket upgrades, which busybox cannot.
//
//   GET  /                  tenant=NAME, uid, and the Cookie header it received
//   GET  /headers           the request's headers as JSON
//   GET  /slow?ms=N         answers after N ms (a slow endpoint; default 5000)
//   GET  /stream?n=N        N lines, one a second (a long streaming answer)
//   POST /echo              the body back
//   GET  /open              {"open": N}: connections open to this server right now
//   upgrade (any path)      101, then one text frame with {path, cookie, origin}, then echoes
//                           every text frame it receives
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const tenant = process.env.FEATHER_TENANT ?? '?';
process.stdout.write(`feather node stand-in for ${tenant} starting as uid ${process.getuid?.()}\n`);
const delay = (what) => {
  try {
    return Number(readFileSync(`/home/user/.feather-${what}-delay`, 'utf8').replace(/\D/g, '')) || 0;
  } catch {
    return 0;
  }
};

let open = 0;
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const text = (status, body, type = 'text/plain') => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (url.pathname === '/headers') return text(200, JSON.stringify(req.headers), 'application/json');
  if (url.pathname === '/open') return text(200, JSON.stringify({ open }), 'application/json');
  if (url.pathname === '/slow') {
    const t = setTimeout(() => text(200, `slow done for ${tenant}\n`), Number(url.searchParams.get('ms') ?? 5000));
    res.on('close', () => clearTimeout(t));
    return;
  }
  if (url.pathname === '/stream') {
    const n = Number(url.searchParams.get('n') ?? 10);
    res.writeHead(200, { 'content-type': 'text/plain' });
    let i = 0;
    const t = setInterval(() => {
      if (i >= n) {
        clearInterval(t);
        res.end('done\n');
      } else res.write(`${i++} ${'0'.repeat(490)}\n`);
    }, 1000);
    res.on('close', () => clearInterval(t));
    return;
  }
  if (url.pathname === '/echo') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => text(200, Buffer.concat(chunks).toString('utf8')));
    return;
  }
  text(200, `tenant=${tenant}\nuid=${process.getuid?.()}\ncookie=${req.headers.cookie ?? ''}\n`);
});
server.on('connection', (sock) => {
  open += 1;
  sock.once('close', () => (open -= 1));
});

/** One unmasked server-to-client text frame. */
function frame(payload) {
  const data = Buffer.from(payload);
  const head = data.length < 126 ? Buffer.from([0x81, data.length]) : Buffer.from([0x81, 126, data.length >> 8, data.length & 0xff]);
  return Buffer.concat([head, data]);
}

server.on('upgrade', (req, socket) => {
  const key = String(req.headers['sec-websocket-key'] ?? '');
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.write(frame(JSON.stringify({ tenant, path: req.url, cookie: req.headers.cookie ?? '', origin: req.headers.origin ?? '' })));
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    // Client frames are masked; small text frames only (what the tests send).
    while (buf.length >= 6) {
      const len = buf[1] & 0x7f;
      if (len >= 126 || buf.length < 6 + len) break;
      const mask = buf.subarray(2, 6);
      const payload = Buffer.from(buf.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]));
      const op = buf[0] & 0x0f;
      buf = buf.subarray(6 + len);
      if (op === 0x8) return socket.end();
      if (op === 0x1) socket.write(frame(`echo:${payload.toString('utf8')}`));
    }
  });
  socket.on('error', () => socket.destroy());
});

const start = delay('start');
setTimeout(() => server.listen(8080, '0.0.0.0'), start * 1000);
const stop = delay('stop');
process.on('SIGTERM', () => {
  server.close();
  setTimeout(() => process.exit(0), stop * 1000).unref();
  if (stop === 0) process.exit(0);
});
