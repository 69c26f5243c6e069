#!/usr/bin/env node
// Issue 5's benchmark, in one run: the login gate's /_feather/verify under load from wrk
// (throughput and p99 on loopback), and the latency the gate adds to a request through Caddy,
// against the same request to the same tenant with the gate off (its route without
// forward_auth). Needs wrk (apt-get install wrk) and redis-server.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { DOMAIN, firstByte, freePort, median, pct, sleep, startStack } from './wake-lib.mjs';

const N = Number(process.env.BENCH_REQUESTS ?? 1000);
const redisPort = await freePort();
const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const s = await startStack('gate', '19941-19942');
const auth = { FEATHER_TENANT_AUTH: 'jwt', FEATHER_TENANT_REDIS_URL: `redis://127.0.0.1:${redisPort}` };
const host = `alice.${DOMAIN}`;
try {
  await sleep(300);
  const added = JSON.parse(await s.run(['add', 'alice', '--json'], auth));
  const watchdog = await s.watchdog({ ...auth, FEATHER_TENANT_IDLE_MINUTES: '600' });
  const login = await firstByte(s.httpPort, host, '/_feather/login', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `password=${added.password}`,
  });
  const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
  if (login.status !== 303) throw new Error(`login failed: ${login.status}`);

  // 1. /verify alone, as Caddy calls it, under wrk.
  const wrk = await execa('wrk', ['-t2', '-c32', '-d8s', '--latency', '-H', `Host: ${host}`, '-H', `Cookie: ${cookie}`, '-H', 'X-Forwarded-Uri: /', `http://127.0.0.1:${s.wakePort}/_feather/verify`]);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(wrk.stdout)?.[1];
  const p50 = /50%\s+(\S+)/.exec(wrk.stdout)?.[1];
  const p99 = /99%\s+(\S+)/.exec(wrk.stdout)?.[1];
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(wrk.stdout)?.[1] ?? '0';

  // 2. Added latency through Caddy: sequential requests, gated, then the same route ungated.
  const measure = async () => {
    const t = [];
    for (let i = 0; i < N; i++) {
      const r = await firstByte(s.httpPort, host, '/', { headers: { cookie } });
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      t.push(r.ms);
    }
    return t;
  };
  await measure(); // warm up
  const gated = await measure();
  watchdog.kill('SIGTERM');
  await s.run(['reconcile'], { FEATHER_TENANT_AUTH: 'off' }); // the route without the gate
  const open = await measure();

  console.log(`\n/_feather/verify under wrk (2 threads, 32 connections, 8 s): ${rps} requests/s, p50 ${p50}, p99 ${p99}, non-2xx ${non2xx}`);
  console.log('\n| request through Caddy (sequential, first byte) | p50 ms | p99 ms |');
  console.log('|---|---|---|');
  console.log(`| with the gate (forward_auth to /_feather/verify + Redis) | ${median(gated).toFixed(2)} | ${pct(gated, 0.99).toFixed(2)} |`);
  console.log(`| without the gate (same tenant, same route otherwise) | ${median(open).toFixed(2)} | ${pct(open, 0.99).toFixed(2)} |`);
  console.log(`| added by the gate | ${(median(gated) - median(open)).toFixed(2)} | ${(pct(gated, 0.99) - pct(open, 0.99)).toFixed(2)} |`);
} finally {
  await s.cleanup();
  redis.kill('SIGTERM');
}
