import { connect } from 'node:net';
import { httpRequest, type HttpInit } from './net.js';

// Helpers of the admin API's end-to-end tests: requests with or without the token, requests
// written by hand, and what a web page can try against the API.

export type Answer = { status: number; body: string; headers: Record<string, string | string[] | undefined>; json: unknown };

/** A request to the admin API on `port`, with the token unless `init.token` says another (null: none). */
export async function adminRequest(port: number, token: string, method: string, path: string, init: HttpInit & { token?: string | null } = {}): Promise<Answer> {
  const auth: Record<string, string> = init.token === null ? {} : { authorization: `Bearer ${init.token ?? token}` };
  const r = await httpRequest(port, `127.0.0.1:${port}`, path, { ...init, method, headers: { ...auth, ...init.headers } });
  let json: unknown;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  return { ...r, json };
}

/** A request written by hand, then `body` bytes of zeros as fast as the server takes them: the status line, and how much was sent. */
export function rawRequest(port: number, request: string, body = 0): Promise<{ status: string; sent: number }> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString('latin1')));
    c.on('error', () => {});
    c.on('close', () => resolve({ status: got.split('\r\n')[0] ?? '', sent }));
    c.write(request);
    const chunk = Buffer.alloc(64 << 10);
    let sent = 0;
    const pump = () => {
      while (sent < body && !c.destroyed) {
        sent += chunk.length;
        if (!c.write(chunk)) return void c.once('drain', pump);
      }
    };
    pump();
  });
}

/** What a tenant's page can try against the API, five times: run in the browser (no DOM types here). */
export const BROWSER_ATTACK = `async (base) => {
  const out = [];
  for (let i = 0; i < 5; i++) {
    // A bearer header needs a CORS preflight; the API refuses it, so the POST is never sent.
    out.push(await fetch(base + '/api/tenants/alice/stop', { method: 'POST', headers: { authorization: 'Bearer guess' } }).then((r) => 'read ' + r.status, () => 'blocked'));
    // A "simple" POST goes without a preflight (the page cannot read the answer).
    await fetch(base + '/api/tenants/alice/stop', { method: 'POST', mode: 'no-cors' }).catch(() => undefined);
    // An image, and a form posted into a frame.
    await new Promise((r) => { const img = new Image(); img.onload = img.onerror = r; img.src = base + '/api/tenants'; });
    await new Promise((r) => {
      const frame = document.createElement('iframe');
      frame.name = 'f' + i;
      frame.onload = r;
      document.body.append(frame);
      const form = Object.assign(document.createElement('form'), { method: 'POST', action: base + '/api/tenants/alice/restart', target: frame.name });
      document.body.append(form);
      form.submit();
    });
  }
  return out;
}`;

