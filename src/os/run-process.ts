import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface ProcessResult {
  stdout: string;
  stderr: string;
  /** null when the process was ended by a signal. */
  exitCode: number | null;
}

/**
 * Runs a program (no shell) and collects its output, final newline stripped. node:child_process
 * rather than execa: execa's ~80 modules cost 100-250 ms of startup on every command here, more
 * than the `podman ps` that `list` and `reconcile` wait for. Rejects only when it cannot start
 * (the error carries `code`, e.g. ENOENT). `stdin`, when given, is written to the program's input.
 */
export function runProcess(bin: string, args: string[], env: Record<string, string | undefined>, stdin?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    // stdin: for a secret's value (docker reads `secret create NAME -` from it), never argv.
    const child = spawn(bin, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
    child.stdin?.on('error', () => {}); // a program that exits early: its exit code tells
    child.stdin?.end(stdin);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', reject);
    child.once('close', (code) => {
      const text = (b: Buffer[]) => Buffer.concat(b).toString('utf8').replace(/\r?\n$/, '');
      resolve({ stdout: text(out), stderr: text(err), exitCode: code });
    });
  });
}
