import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface StreamOptions {
  /** Lines of the program's stderr that are its own noise (podman 4.3's syslog warning), not passed on. */
  dropStderr?: RegExp;
  /** The error when the program cannot start (not found, not executable). */
  spawnError: (err: unknown) => Error;
}

/**
 * Runs a program with its stdout on ours and its stderr passed through line by line, until it
 * ends: `logs -f` (podman's or docker's) runs until the tenant stops or the user interrupts.
 * Resolves with its exit code (130 when a signal ended it).
 */
export function streamProcess(bin: string, args: string[], env: Record<string, string | undefined>, o: StreamOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    // Streamed, not buffered.
    const child = spawn(bin, args, { stdio: ['ignore', 'inherit', 'pipe'], env });
    const errLines = createInterface({ input: child.stderr });
    errLines.on('line', (l) => {
      if (!o.dropStderr?.test(l)) process.stderr.write(`${l}\n`);
    });
    // An interrupt sent to us alone (not our process group) must still end the stream.
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const done = () => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    };
    child.once('error', (err) => {
      done();
      reject(o.spawnError(err));
    });
    child.once('close', (code, signal) => {
      done();
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}
