// Runs inside a fresh network namespace (unshare --net): brings loopback up, relays each given
// 127.0.0.1 port to a Unix socket of the host side (browser.ts), then runs the program after
// `--` with our stdio and fds 3 and 4 (Playwright's --remote-debugging-pipe), exiting with it.
// Why: Chromium aborts requests with ERR_NETWORK_CHANGED whenever an interface comes or goes,
// and podman adds and removes them all the time while the tests run. Here it sees only `lo`.
import { execFileSync, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

const [dir, ports, sep, bin, ...args] = process.argv.slice(2);
if (!dir || ports === undefined || sep !== '--' || !bin) {
  process.stderr.write('usage: netns-relay.mjs DIR PORT[,PORT...] -- PROGRAM [ARGS...]\n');
  process.exit(2);
}
execFileSync('ip', ['link', 'set', 'lo', 'up']);
await Promise.all(ports.split(',').filter(Boolean).map((port) => new Promise((resolve, reject) => {
  const server = createServer((inner) => {
    const outer = connect(join(dir, `${port}.sock`));
    inner.pipe(outer).pipe(inner);
    const end = () => { inner.destroy(); outer.destroy(); };
    inner.on('error', end);
    outer.on('error', end);
  });
  server.once('error', reject);
  server.listen(Number(port), '127.0.0.1', () => resolve(undefined));
})));
const child = spawn(bin, args, { stdio: [0, 1, 2, 3, 4] });
for (const sig of /** @type {const} */ (['SIGTERM', 'SIGINT', 'SIGHUP'])) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
