import { chmodSync, lstatSync, statSync, unlinkSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { dirname } from 'node:path';
import { OperationError } from '../core/errors.js';
import { parseAddress } from '../core/listen-address.js';

/**
 * Listens on HOST:PORT (IPv6 in brackets) or unix:/path; a failure is an OperationError with `hint`.
 *
 * A unix socket is made 0600: connect(2) needs write permission on it, so only its owner (the
 * watchdog's user, root; Caddy's container runs as root and reaches it through a bind mount) can
 * connect. (Node makes it 0777 minus the umask, 0755 with the usual 022, which already keeps
 * others out; the chmod says it whatever the umask.) A socket file left by a watchdog that died is
 * removed first, but only when nothing answers on it: a live watchdog's is never taken over.
 *
 * The socket's directory must be ours and writable by nobody else: in a directory like /tmp,
 * another local user could put a live socket of theirs at the path first. The watchdog would then
 * refuse with EADDRINUSE while Caddy went on dialling that socket for verify, and the impostor
 * would let every request through and read every session cookie.
 */
export async function listen(server: Server, address: string, what: string, hint: string): Promise<void> {
  const a = parseAddress(address);
  const fail = (why: string) => new OperationError(`${what} cannot listen on ${address}: ${why}`, hint);
  if ('path' in a) {
    const why = directoryProblem(dirname(a.path));
    if (why) throw fail(why);
    if (await answers(a.path)) throw fail('EADDRINUSE');
    try {
      if (lstatSync(a.path).isSocket()) unlinkSync(a.path);
    } catch { /* absent: nothing to clear; anything else, listen says */ }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(fail(err.code ?? err.message)));
    server.listen('path' in a ? { path: a.path } : { host: a.host, port: a.port }, () => resolve());
  });
  if ('path' in a) chmodSync(a.path, 0o600);
}

/** Why the directory cannot hold our socket (not ours, or others may create files in it), or undefined. */
function directoryProblem(dir: string): string | undefined {
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    return `its directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `its directory ${dir} belongs to uid ${st.uid}, not to this user (uid ${uid})`;
  if ((st.mode & 0o022) !== 0) return `its directory ${dir} is writable by others (mode ${(st.mode & 0o7777).toString(8)}); make it 0700`;
  return undefined;
}

/** Something accepts connections on the unix socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
