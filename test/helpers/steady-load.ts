import { request } from 'node:http';

// A steady load through Caddy, as an operator's users make it during an upgrade: one request
// every `everyMs` (not waiting for the previous one), GETs and POSTs with a body in turn, each
// client following redirects the way browsers, fetch and curl -L do (307/308 keep method and body).

export interface LoadReport {
  sent: number;
  /** Every request that did not end in 200 with the expected body, as "METHOD path: what". */
  failures: string[];
  /** The longest a request took, redirects included (ms). */
  maxMs: number;
  /** Requests that were redirected at least once (the 307 of a body that did not survive the wake route). */
  redirected: number;
}

interface Answer {
  status: number;
  body: string;
  location?: string | undefined;
}

function once(port: number, host: string, method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, host }, agent: false, timeout: 120_000 }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, location: res.headers.location }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** One request, following up to five redirects; resolves with the final answer and whether it was redirected. */
async function follow(port: number, host: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer & { redirected: boolean }> {
  let m = method;
  let p = path;
  let b = body;
  for (let hops = 0; ; hops++) {
    const a = await once(port, host, m, p, b === undefined ? headers : { ...headers, 'content-type': 'text/plain' }, b);
    if (![301, 302, 303, 307, 308].includes(a.status) || hops >= 5 || !a.location) return { ...a, redirected: hops > 0 };
    if (a.status === 303 || ((a.status === 301 || a.status === 302) && m === 'POST')) {
      m = 'GET';
      b = undefined;
    }
    p = new URL(a.location, `http://${host}`).pathname + new URL(a.location, `http://${host}`).search;
  }
}

export function steadyLoad(o: { port: number; host: string; everyMs: number; headers?: Record<string, string> }): { stop(): Promise<LoadReport> } {
  const report: LoadReport = { sent: 0, failures: [], maxMs: 0, redirected: 0 };
  const inFlight = new Set<Promise<void>>();
  const fire = (i: number) => {
    const post = i % 2 === 1;
    const body = post ? `body-${i}-${'x'.repeat(i % 7)}` : undefined;
    const path = post ? '/echo' : `/?n=${i}`;
    const t0 = Date.now();
    const p = follow(o.port, o.host, post ? 'POST' : 'GET', path, o.headers ?? {}, body)
      .then((a) => {
        report.maxMs = Math.max(report.maxMs, Date.now() - t0);
        if (a.redirected) report.redirected += 1;
        const ok = a.status === 200 && (!post || a.body === body);
        if (!ok) report.failures.push(`${post ? 'POST' : 'GET'} ${path}: ${a.status} ${a.body.slice(0, 120).trim()}`);
      })
      .catch((err: unknown) => void report.failures.push(`${post ? 'POST' : 'GET'} ${path}: ${(err as Error).message}`))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const timer = setInterval(() => fire(report.sent++), o.everyMs);
  return {
    async stop() {
      clearInterval(timer);
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      return report;
    },
  };
}
