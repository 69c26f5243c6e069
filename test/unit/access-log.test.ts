import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latestByHost } from '../../src/activity/access-log-parse.js';
import { readAccessLog } from '../../src/activity/access-log.js';

// Lines as Caddy 2.6 writes them (fields trimmed).
const line = (host: string, ts: number) =>
  `${JSON.stringify({ level: 'info', ts, logger: 'http.log.access.feather_tenant', msg: 'handled request', request: { host, uri: '/' }, status: 200 })}\n`;

describe('latestByHost', () => {
  it('keeps the latest request time per host, in ms, and skips other lines', () => {
    const m = latestByHost([
      line('a.x', 100.5).trim(), line('b.x', 50).trim(), line('a.x', 90).trim(),
      '{"level":"info","ts":1,"msg":"admin"}', 'not json {"request"', '',
    ]);
    expect([...m]).toEqual([['a.x', 100_500], ['b.x', 50_000]]);
  });
});

describe('latestByHost and the login gate', () => {
  it('skips the gate\'s answers: a request it turned away is not activity', () => {
    const answered = (host: string, ts: number, resp_headers: Record<string, string[]>) =>
      JSON.stringify({ level: 'info', ts, logger: 'http.log.access.feather_tenant', msg: 'handled request', request: { host, uri: '/' }, status: 401, resp_headers });
    const m = latestByHost([
      answered('a.x', 10, { 'Content-Length': ['0'] }),
      answered('a.x', 20, { 'X-Feather-Gate': ['login-required'] }),
      answered('b.x', 30, { 'x-feather-gate': ['cross-origin'] }),
    ]);
    expect([...m]).toEqual([['a.x', 10_000]]);
  });

  it('with the gate on, counts only what it let through: an answer without its mark is nobody using the tenant', () => {
    const answered = (host: string, ts: number, status: number, resp_headers: Record<string, string[]>) =>
      JSON.stringify({ level: 'info', ts, logger: 'http.log.access.feather_tenant', msg: 'handled request', request: { host, uri: '/' }, status, resp_headers });
    const lines = [
      answered('a.x', 10, 200, { 'X-Feather-Gate': ['passed'], 'Content-Type': ['text/plain'] }),
      // A tenant's own value beside ours does not hide the mark.
      answered('a.x', 15, 200, { 'X-Feather-Gate': ['passed', 'mine'] }),
      answered('a.x', 20, 401, { 'X-Feather-Gate': ['login-required'] }),
      // Caddy's catch-all 404, Node's 431 on verify, the empty 200 of a half-closed client: no mark.
      answered('b.x', 30, 404, {}),
      answered('b.x', 31, 431, { 'Content-Length': ['0'] }),
      answered('b.x', 32, 0, {}),
    ];
    expect([...latestByHost(lines, new Map(), { gated: true })]).toEqual([['a.x', 15_000]]);
    // Without the gate nothing is marked, and everything but a gate answer counts.
    expect([...latestByHost(lines, new Map(), { gated: false })]).toEqual([['a.x', 15_000], ['b.x', 32_000]]);
  });
});

describe('readAccessLog', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftt-unit-log-'));
    file = join(dir, 'access.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is undefined before Caddy has written anything', async () => {
    expect(await readAccessLog(file, undefined)).toBeUndefined();
  });

  it('reads only what is new, and only whole lines', async () => {
    writeFileSync(file, line('a.x', 10) + line('b.x', 11));
    const first = await readAccessLog(file, undefined);
    expect([...(first?.lastByHost ?? [])]).toEqual([['a.x', 10_000], ['b.x', 11_000]]);

    const half = line('c.x', 12);
    appendFileSync(file, half.slice(0, 20));
    const second = await readAccessLog(file, first?.cursor);
    expect(second?.lastByHost.size).toBe(0);
    expect(second?.cursor.offset).toBe(first?.cursor.offset);

    appendFileSync(file, half.slice(20) + line('é.x', 13));
    const third = await readAccessLog(file, second?.cursor);
    expect([...(third?.lastByHost ?? [])]).toEqual([['c.x', 12_000], ['é.x', 13_000]]);
  });

  it('after Caddy rolls the file over, reads the rest of the old one, then the new one', async () => {
    writeFileSync(file, line('a.x', 10));
    const first = await readAccessLog(file, undefined);
    appendFileSync(file, line('late.x', 20));
    renameSync(file, join(dir, 'access-2026-01-01T00-00-00.000.log'));
    writeFileSync(file, line('new.x', 30));
    const next = await readAccessLog(file, first?.cursor);
    expect([...(next?.lastByHost ?? [])].sort()).toEqual([['late.x', 20_000], ['new.x', 30_000]]);
    expect(next?.cursor.offset).toBe(line('new.x', 30).length);
  });

  it('reads a log larger than its read buffer', async () => {
    const many = Array.from({ length: 12_000 }, (_, i) => line(`h${i % 7}.x`, 1000 + i)).join('');
    writeFileSync(file, many);
    const r = await readAccessLog(file, undefined);
    expect(r?.bytes).toBe(Buffer.byteLength(many));
    expect(r?.lastByHost.get('h6.x')).toBe((1000 + 11_997) * 1000);
  });
});
