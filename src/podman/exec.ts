// Running one podman command and turning its failures into our error vocabulary; shared by the
// whole CLI adapter (podman-cli.ts) and its read side (cli-reads.ts).
import { EngineError, OperationError } from '../core/errors.js';
import type { Env } from '../core/config.js';
import { runProcess, type ProcessResult } from '../os/run-process.js';

export interface Run {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  env?: Record<string, string>;
  /** Exit codes that are answers, not failures (e.g. 1 of `container exists`). */
  okCodes?: number[];
}

/** `bin args...` (no shell); an exit code outside okCodes (default 0) is an EngineError. */
export async function podmanExec(bin: string, env: Env, args: string[], opts: ExecOptions = {}): Promise<Run> {
  let r: ProcessResult;
  try {
    r = await runProcess(bin, args, { ...env, ...opts.env });
  } catch (err) {
    throw podmanSpawnError(bin, err);
  }
  if (r.exitCode === null) throw new EngineError(commandWords(bin, args), `${r.stderr}\n(killed by a signal)`);
  const ok = opts.okCodes ?? [0];
  if (!ok.includes(r.exitCode)) throw new EngineError(commandWords(bin, args), r.stderr);
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
}

export function podmanSpawnError(bin: string, err: unknown): OperationError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') {
    return new OperationError(`podman not found (tried ${JSON.stringify(bin)})`, 'install podman, or set FEATHER_TENANT_PODMAN to its path');
  }
  return new OperationError(`could not run ${bin}: ${e.message ?? String(err)}`);
}

/** "podman secret create": the command without its flags and operands, for error messages. */
function commandWords(bin: string, args: string[]): string {
  const words = [];
  for (const a of args) {
    if (a.startsWith('-') || words.length >= 2) break;
    words.push(a);
  }
  return [bin, ...words].join(' ');
}
