import { chromium, type Browser } from 'playwright-core';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMAIN } from './stack.js';

const CHROMIUM = process.env.FEATHER_TEST_CHROMIUM ?? '/usr/bin/chromium';
const RELAY = join(import.meta.dirname, '../../scripts/lib/netns-relay.mjs');

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Debian's Chromium (through playwright-core: no browser download) in a network namespace of
 * its own, where podman's bridges and veths never appear: a new interface anywhere on the host
 * makes Chromium abort in-flight requests with ERR_NETWORK_CHANGED, and the other test files
 * make and remove them all the time. Each of `ports` on the host's 127.0.0.1 is relayed in
 * through a Unix socket (netns-relay.mjs); *.test.local resolves to 127.0.0.1.
 */
export async function launchBrowser(ports: number[]): Promise<TestBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'ftt-browser-'));
  const servers = await Promise.all(ports.map((port) => relayOut(join(dir, `${port}.sock`), port)));
  const wrapper = join(dir, 'chromium');
  writeFileSync(wrapper, `#!/bin/sh\nexec unshare --net -- ${JSON.stringify(process.execPath)} ${JSON.stringify(RELAY)} ${JSON.stringify(dir)} ${ports.join(',')} -- ${JSON.stringify(CHROMIUM)} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const close = async (browser?: Browser) => {
    await browser?.close().catch(() => {});
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const browser = await chromium.launch({
      executablePath: wrapper,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--host-resolver-rules=MAP *.${DOMAIN} 127.0.0.1`,
      ],
    });
    return { browser, close: () => close(browser) };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The host side: a Unix socket whose connections go on to 127.0.0.1:port. */
function relayOut(path: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((inner) => {
      const outer = connect(port, '127.0.0.1');
      inner.pipe(outer).pipe(inner);
      const end = () => {
        inner.destroy();
        outer.destroy();
      };
      inner.on('error', end);
      outer.on('error', end);
    });
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}
