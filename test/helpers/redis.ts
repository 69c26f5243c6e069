import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopProcess, waitFor } from './stack.js';
import { createConnection } from 'node:net';

/**
 * A private redis-server on its own loopback port; stop() (SIGKILL) and start() for outage tests.
 * No persistence unless `persist`: then an append-only file keeps sessions across a restart.
 * With `password`, it is in a config file (requirepass), never in redis-server's argv.
 */
export interface TestRedis {
  url: string;
  port: number;
  /** The config file redis-server was started with (mode 0600). */
  configFile: string;
  /** The running redis-server's pid. */
  pid(): number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

function answersPing(port: number, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const auth = password === undefined ? '' : `AUTH ${password}\r\n`;
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write(`${auth}PING\r\n`));
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      // +OK (to AUTH) comes first; an error reply to either command ends it too.
      if (!got.includes('+PONG\r\n') && !got.includes('-')) return;
      s.destroy();
      resolve(got.includes('+PONG\r\n'));
    });
    s.once('error', () => resolve(false));
    s.once('close', () => resolve(false));
  });
}

export async function startRedis(opts: { password?: string; persist?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ftt-redis-'));
  const configFile = join(dir, 'redis.conf');
  const lines = [`port ${port}`, 'bind 127.0.0.1', 'save ""', `appendonly ${opts.persist ? 'yes' : 'no'}`, `dir ${dir}`];
  if (opts.password !== undefined) lines.push(`requirepass ${opts.password}`);
  writeFileSync(configFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  let proc: ChildProcess | undefined;
  const r: TestRedis = {
    port,
    configFile,
    pid: () => proc?.pid,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      proc = spawn('redis-server', [configFile], { stdio: 'ignore' });
      await waitFor(() => answersPing(port, opts.password), 10_000, 'redis-server');
    },
    stop: () => stopProcess(proc, 'SIGKILL'),
    async cleanup() {
      await r.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await r.start();
  return r;
}
