import { Agent, request, type IncomingMessage } from 'node:http';

// A steady load through Caddy, as a browser would make it: one request every `everyMs`, whether
// the last one has finished or not, alternating a GET of `/` and a POST with a body to `/echo`
// (the Node stand-in echoes it), on kept-alive connections, following redirects. Every answer
// that is not a 2xx with the expected body is a failure, with what went wrong.

export interface LoadReport {
  sent: number;
  ok: number;
  failures: string[];
  /**
   * Requests sent again because a kept-alive connection was closed before any byte of the answer
   * came (ECONNRESET on a reused socket): what browsers and Node's docs do (`req.reusedSocket`).
   * Caddy closes its idle client connections when it reloads; a request sent on one at that very
   * moment never reached any handler. Only that case is retried, once; every other error counts.
   */
  retried: number;
}

const MAX_REDIRECTS = 5;

export function steadyLoad(port: number, host: string, everyMs = 50): { stop(): Promise<LoadReport> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const report: LoadReport = { sent: 0, ok: 0, failures: [], retried: 0 };
  const inFlight = new Set<Promise<void>>();
  let n = 0;

  const once = (method: string, path: string, body: string | undefined): Promise<{ res: IncomingMessage; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, agent, headers: { host, ...(body ? { 'content-type': 'text/plain' } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ res, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
      req.on('error', (err: NodeJS.ErrnoException) => reject(Object.assign(err, { reused: req.reusedSocket })));
      req.end(body);
    });

  const one = async (i: number): Promise<void> => {
    const post = i % 2 === 1;
    const body = post ? `body-${i}-${'x'.repeat(1000)}` : undefined;
    let path = post ? '/echo' : '/';
    let method = post ? 'POST' : 'GET';
    try {
      for (let hop = 0; ; hop++) {
        let answer: { res: IncomingMessage; text: string };
        try {
          answer = await once(method, path, method === 'POST' ? body : undefined);
        } catch (err) {
          const e = err as NodeJS.ErrnoException & { reused?: boolean };
          if (!(e.reused && e.code === 'ECONNRESET')) throw err;
          report.retried++;
          answer = await once(method, path, method === 'POST' ? body : undefined);
        }
        const { res, text } = answer;
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location && hop < MAX_REDIRECTS) {
          path = new URL(res.headers.location, `http://${host}`).pathname;
          if (status === 303) method = 'GET';
          continue;
        }
        if (status < 200 || status >= 300) throw new Error(`${method} ${path}: ${status} ${text.slice(0, 120)}`);
        if (post && !text.includes(body as string)) throw new Error(`POST ${path}: the body did not come back: ${text.slice(0, 120)}`);
        report.ok++;
        return;
      }
    } catch (err) {
      report.failures.push(`#${i} ${method} ${path}: ${(err as Error).message}`);
    }
  };

  const timer = setInterval(() => {
    report.sent++;
    const p = one(n++).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, everyMs);

  return {
    async stop() {
      clearInterval(timer);
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      agent.destroy();
      return report;
    },
  };
}
