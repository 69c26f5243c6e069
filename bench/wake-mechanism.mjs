// Why sleep/wake uses Caddy's error routes and not a second upstream with `buffer_requests`,
// measured on this machine's Caddy 2.6 (docs/platform.md describes both ways). No podman needed.
//  A. Correctness: the second-upstream way, under concurrency. Caddy 2.6.2 returns a request's
//     buffer to its pool when the failed first dial closes the body, then retries from it: another
//     request can take that buffer meanwhile. Count requests that got someone else's body.
//  B. Cost on the normal path (tenant awake): latency of small requests, upload time, Caddy's
//     memory, and when the app sees the first byte of a slow upload, for: a plain route (ours;
//     the wake route is a server error route, out of this path), the same with the error route
//     installed, and the second-upstream route with buffer_requests.
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, median, ms, sleep, startCaddyWith } from './wake-lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ftb-mech-'));
const [appPort, deadPort] = await Promise.all([freePort(), freePort()]);
let firstBodyByteAt = 0;
const app = http.createServer((req, res) => {
  /** @type {Buffer[]} */
  const chunks = [];
  req.once('data', () => (firstBodyByteAt = performance.now()));
  req.on('data', (d) => chunks.push(d));
  req.on('end', () => res.end(req.url === '/echo' ? Buffer.concat(chunks) : `${Buffer.concat(chunks).length}`));
}).listen(appPort, '127.0.0.1');

const plain = (/** @type {number} */ port) => ({ handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${port}` }] });
const twoUpstreams = (/** @type {number} */ first) => ({
  handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${first}` }, { dial: `127.0.0.1:${appPort}` }],
  load_balancing: { selection_policy: { policy: 'first' }, try_duration: 5e9, try_interval: 10e6 },
  health_checks: { passive: { fail_duration: 1e9, max_fails: 1 } }, buffer_requests: true,
});
const errorRoute = { match: [{ host: ['*.t.local'], expression: '{http.error.status_code} == 502' }], handle: [{ ...plain(appPort), rewrite: { method: 'GET' } }] };

/**
 * @param {string} name  @param {unknown[]} routes  @param {unknown[] | null} errors
 * @param {(port: number, pid: number | undefined) => Promise<void>} fn
 */
async function withCaddy(name, routes, errors, fn) {
  const [admin, port] = await Promise.all([freePort(), freePort()]);
  const caddy = await startCaddyWith(join(dir, name), {
    admin: { listen: `127.0.0.1:${admin}` },
    apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], automatic_https: { disable: true }, routes, ...(errors ? { errors: { routes: errors } } : {}) } } } },
  });
  try {
    return await fn(port, caddy.pid);
  } finally {
    caddy.kill();
    await sleep(200);
  }
}

/**
 * @param {number} port  @param {string} host  @param {string} path  @param {string | Buffer} body
 * @param {{ slowChunks?: number }} [o]
 * @returns {Promise<{ status: number | undefined, body: string, ms: number, t0: number }>}
 */
function send(port, host, path, body, o = {}) {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { host }, agent: false }, (r) => {
      /** @type {Buffer[]} */
      const c = [];
      r.on('data', (d) => c.push(d));
      r.on('end', () => res({ status: r.statusCode, body: Buffer.concat(c).toString(), ms: performance.now() - t0, t0 }));
    });
    req.on('error', rej);
    const pieces = o.slowChunks;
    if (!pieces) return req.end(body);
    // A slow upload: the body in pieces over o.slowChunks * 100 ms.
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const size = Math.ceil(bytes.length / pieces);
    let i = 0;
    const next = () => {
      if (i >= pieces) return req.end();
      req.write(bytes.subarray(i * size, (i + 1) * size));
      i += 1;
      setTimeout(next, 100);
    };
    next();
  });
}

const peakRssMb = (/** @type {number | undefined} */ pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

// A. Body mix-ups with two upstreams + buffer_requests.
await withCaddy('mixup', [
  { match: [{ host: ['sleeping.t.local'] }], handle: [twoUpstreams(deadPort)] },
  { match: [{ host: ['awake.t.local'] }], handle: [twoUpstreams(appPort)] },
], null, async (port) => {
  let wrong = 0;
  let failed = 0;
  let total = 0;
  for (let round = 0; round < 20; round++) {
    const reqs = [];
    for (let i = 0; i < 20; i++) {
      for (const host of ['sleeping', 'awake']) {
        const body = `${host}-${round}-${i}-`.padEnd(3000, 'x');
        reqs.push(send(port, `${host}.t.local`, '/echo', body).then((r) => {
          total += 1;
          if (r.status !== 200) failed += 1;
          else if (r.body !== body) wrong += 1;
        }));
      }
    }
    await Promise.all(reqs);
    await sleep(1100); // let the failed upstream's fail_duration pass: the next round falls back again
  }
  console.log('A. two upstreams + buffer_requests, 20 rounds of 20 requests to a stopped tenant and 20 to an awake one, at once:');
  console.log(`   ${wrong} of ${total} requests were answered 200 with ANOTHER request's body; ${failed} failed (502/503)`);
});

// B. The normal path.
/** @type {[name: string, routes: unknown[], errors: unknown[] | null][]} */
const variants = [
  ['plain route (ours), no error route', [{ match: [{ host: ['a.t.local'] }], handle: [plain(appPort)] }], null],
  ['plain route (ours) + wake error route', [{ match: [{ host: ['a.t.local'] }], handle: [plain(appPort)] }], [errorRoute]],
  ['two upstreams + buffer_requests', [{ match: [{ host: ['a.t.local'] }], handle: [twoUpstreams(appPort)] }], null],
];
console.log('B. tenant awake, through Caddy to a Node app:');
const big = Buffer.alloc(32 * 1024 * 1024, 'b');
const mb = Buffer.alloc(1024 * 1024, 'm');
const slow = Buffer.alloc(8 * 1024 * 1024, 's');
for (const [name, routes, errors] of variants) {
  await withCaddy(name.replace(/\W+/g, '-'), routes, errors, async (port, pid) => {
    const small = [];
    for (let i = 0; i < 300; i++) small.push((await send(port, 'a.t.local', '/', 'hi')).ms);
    const one = [];
    for (let i = 0; i < 20; i++) one.push((await send(port, 'a.t.local', '/', mb)).ms);
    const r32 = await send(port, 'a.t.local', '/', big);
    const s8 = await send(port, 'a.t.local', '/', slow, { slowChunks: 8 });
    console.log(`   ${name.padEnd(40)} small POST median ${ms(median(small))}, 1 MB POST median ${ms(median(one))}, 32 MB POST ${ms(r32.ms)},`);
    console.log(`   ${''.padEnd(40)} app sees a slow 8 MB upload's first byte after ${ms(firstBodyByteAt - s8.t0)}; Caddy peak RSS ${peakRssMb(pid).toFixed(0)} MB`);
  });
}
app.close();
rmSync(dir, { recursive: true, force: true });
