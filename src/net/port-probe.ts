import { createServer } from 'node:net';
import type { PortRange } from '../core/ports.js';

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Ports of the range some other process already holds on 127.0.0.1 (podman would fail to publish them). */
export async function busyPorts(range: PortRange, skip: ReadonlySet<number>): Promise<Set<number>> {
  const ports: number[] = [];
  for (let p = range.first; p <= range.last; p++) if (!skip.has(p)) ports.push(p);
  const busy = new Set<number>();
  // Bounded batches: a wide range must not open thousands of sockets at once.
  for (let i = 0; i < ports.length; i += 64) {
    const batch = ports.slice(i, i + 64);
    const ok = await Promise.all(batch.map(bindable));
    batch.forEach((p, j) => ok[j] || busy.add(p));
  }
  return busy;
}
