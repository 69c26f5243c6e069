import { request } from 'node:http';
import { OperationError } from '../core/errors.js';

export interface WaitOptions {
  port: number;
  timeoutMs: number;
  /** Polled about once a second: a container that has exited will never answer. */
  isAlive: () => Promise<boolean>;
  describe: string;
  intervalMs?: number;
  now?: () => number;
}

/** One HTTP GET to 127.0.0.1:port; true on any HTTP answer (even a 500: the app is up). */
export function probeHttp(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Waits until the port answers HTTP: "container running" is not "app ready". */
export async function waitForHttp(o: WaitOptions): Promise<void> {
  const now = o.now ?? Date.now;
  const start = now();
  const interval = o.intervalMs ?? 25;
  let nextAliveCheck = start + 1000;
  for (;;) {
    if (await probeHttp(o.port)) return;
    const t = now();
    if (t - start >= o.timeoutMs) {
      throw new OperationError(
        `${o.describe} did not answer HTTP on 127.0.0.1:${o.port} within ${Math.round(o.timeoutMs / 1000)} s`,
        'see its logs with: feather-tenant logs NAME (or podman logs), or raise FEATHER_TENANT_READY_TIMEOUT',
      );
    }
    if (t >= nextAliveCheck) {
      nextAliveCheck = t + 1000;
      if (!(await o.isAlive())) throw new OperationError(`${o.describe} exited before it answered HTTP on port ${o.port}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
