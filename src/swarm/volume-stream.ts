// A tenant's volume between its node and a file on this manager (issue 14): the helper service on
// the node and the relay container here (move-scripts.ts), the bytes hashed on both sides and
// compared. export, import and `move` (export from one node, import to the other) all use it.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { ConflictError, EngineError, OperationError } from '../core/errors.js';
import { hashWhileWritten } from '../transfer/hash-file.js';
import type { NodeVolume } from '../backend/port.js';
import { CHECK_EMPTY, helperArgv, receiveScript, relayArgv, SEND } from './move-scripts.js';

export type Docker = (args: string[]) => Promise<{ stdout: string; stderr: string; exitCode: number | null }>;

export interface StreamDeps {
  docker: Docker;
  /** The docker client and its environment, for the relay whose stdin or stdout is a file. */
  bin: string;
  env: Record<string, string | undefined>;
}

// A volume of gigabytes crosses the overlay at tens of MB/s on these machines: an hour is ample.
const DEADLINE_MS = 60 * 60_000;

/** Streams the (stopped) tenant's volume from its node into `file` (a tar); rejects unless the file holds exactly what the node sent. */
export async function exportVolume(d: StreamDeps, v: NodeVolume, file: string, onBytes?: (done: number) => void): Promise<{ bytes: number; sha256: string }> {
  return withHelper(d, v, 'out', { readOnly: true, script: SEND }, async (helper) => {
    // the file exists (a spool: 0600 in a 0700 directory); O_TRUNC keeps its mode
    const out = createWriteStream(file, { flags: 'w' });
    await once(out, 'open');
    const copied = await hashWhileWritten(file, relay(d, v, helper, { stdout: out }), onBytes);
    const sent = await sumOf(d, helper);
    if (sent !== copied.sha256) {
      throw new OperationError(`the copy of volume ${v.name} from node ${v.node} arrived damaged (${copied.bytes} bytes, sha256 ${copied.sha256}; the node sent ${sent ?? 'no checksum'})`, `the data on node ${v.node} is untouched`);
    }
    return copied;
  });
}

/**
 * Fills the tenant's empty volume on `v.node` from the tar in `file`, whose sha256 the caller
 * verified; rejects unless the node received exactly that. A volume there holding data is refused
 * and left as it was.
 */
export async function importVolume(d: StreamDeps, v: NodeVolume, file: string, sha256: string): Promise<void> {
  await withHelper(d, v, 'in', { readOnly: false, script: receiveScript(sha256) }, async (helper) => {
    const stop = new AbortController();
    let failed: Error | undefined;
    const relayed = relay(d, v, helper, { stdin: file }, stop.signal).catch((err: unknown) => void (failed = err instanceof Error ? err : new Error(String(err))));
    // A receiver that refused ends at once, and its relay would try to connect for a minute: stop it.
    const received = await sumOf(d, helper, () => failed !== undefined);
    if (received === 'NOTEMPTY') {
      stop.abort();
      throw new OperationError(`node ${v.node} already has a volume ${v.name} holding data`, `look at it there, then remove it: docker volume rm ${v.name}`);
    }
    await relayed;
    if (failed !== undefined) throw failed;
    if (received !== sha256) throw new OperationError(`volume ${v.name} on node ${v.node} did not receive the data whole (sent sha256 ${sha256}; received ${received ?? 'no checksum'})`);
  });
}

/**
 * Refuses a volume on `v.node` that holds data, before an add that is not meant to reuse one
 * creates the service: Swarm would mount it (a stale copy a move left behind, kept nowhere).
 */
export async function requireEmptyVolume(d: StreamDeps, v: NodeVolume): Promise<void> {
  await withHelper(d, v, 'in', { readOnly: false, script: CHECK_EMPTY }, async (helper) => {
    const seen = await sumOf(d, helper);
    if (seen === 'NOTEMPTY') {
      throw new ConflictError(`node ${v.node} already has a volume ${v.name} holding data (an old copy a move left there, or one kept by a remove not recorded); it would be mounted instead of a new one`, `look at it there, then remove it (docker volume rm ${v.name}), or add on another node with --node`);
    }
    if (seen !== 'empty') throw new OperationError(`could not see whether volume ${v.name} on node ${v.node} is empty`, `see the helper's log: docker service logs ${helper}`);
  });
}

/**
 * Never a tenant's service name: `<prefix>alice-in` is tenant alice-in's (hyphens are allowed in
 * names) and the helper's set-up removes a service of its name first. Tenant names have no `_`.
 */
export function helperName(v: Pick<NodeVolume, 'name'>, role: 'in' | 'out'): string {
  return `${v.name}_${role}`;
}

/**
 * Runs `body` with the volume's helper service (on its node, on its network) created, and removes
 * the helper whatever happens (and one a killed run left).
 */
async function withHelper<T>(d: StreamDeps, v: NodeVolume, role: 'in' | 'out', o: { readOnly: boolean; script: string }, body: (helper: string) => Promise<T>): Promise<T> {
  const helper = helperName(v, role);
  await d.docker(['service', 'rm', helper]);
  try {
    const r = await d.docker(helperArgv({ name: helper, node: v.node, network: v.name, volume: v.name, image: v.image, labels: v.labels, ...o }));
    if (r.exitCode !== 0) throw new EngineError('docker service create', r.stderr);
    return await body(helper);
  } finally {
    await d.docker(['service', 'rm', helper]);
  }
}

/** No byte moved for this long: the stream is stuck (a helper or the overlay gone without a word). */
const STALL_MS = 60_000;

/** The relay container: its stdout into `stdout`, or `stdin` (a file) as its input. */
async function relay(d: StreamDeps, v: NodeVolume, helper: string, io: { stdout?: NodeJS.WritableStream; stdin?: string }, signal?: AbortSignal): Promise<void> {
  const argv = relayArgv({ network: v.name, image: v.image, helper, labels: v.labels, stdin: io.stdin !== undefined });
  const child = spawn(d.bin, argv, { stdio: [io.stdin === undefined ? 'ignore' : 'pipe', io.stdout ? 'pipe' : 'ignore', 'pipe'], env: d.env, signal });
  child.on('error', () => {}); // an abort: its exit code tells
  const err: Buffer[] = [];
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  let moved = Date.now();
  let stalled = false;
  const stall = setInterval(() => {
    if (Date.now() - moved < STALL_MS) return;
    stalled = true;
    child.kill();
  }, 1_000);
  try {
    if (io.stdin !== undefined && child.stdin) {
      createReadStream(io.stdin).on('data', () => void (moved = Date.now())).on('error', () => child.kill()).pipe(child.stdin).on('error', () => {});
    }
    const piped = io.stdout && child.stdout ? new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', () => void (moved = Date.now()));
      child.stdout?.pipe(io.stdout as NodeJS.WritableStream).on('finish', resolve).on('error', reject);
    }) : Promise.resolve();
    const [code] = (await once(child, 'close')) as [number | null];
    await piped;
    if (stalled) throw new OperationError(`the stream of volume ${v.name} stopped moving for ${STALL_MS / 1000} s`, `see the helper's log: docker service logs ${helper}`);
    if (code !== 0) throw new EngineError('docker run (the volume relay)', Buffer.concat(err).toString('utf8').trim() || `exit ${String(code)}`);
  } finally {
    clearInterval(stall);
  }
}

/** The helper's `SUM` line once its task has ended ("NOTEMPTY" from a receiver that refused). */
async function sumOf(d: StreamDeps, helper: string, gaveUp: () => boolean = () => false): Promise<string | undefined> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const r = await d.docker(['service', 'ps', '--format', '{{.CurrentState}}', helper]);
    const state = r.stdout.split('\n')[0] ?? '';
    if (/^(Complete|Failed|Rejected|Shutdown|Orphaned)/.test(state)) break;
    if (Date.now() > deadline || gaveUp()) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  // the task's log reaches the manager a moment after the task ends
  for (let i = 0; i < 20; i++) {
    const r = await d.docker(['service', 'logs', '--raw', helper]);
    const lines = `${r.stdout}\n${r.stderr}`.split('\n');
    if (lines.includes('NOTEMPTY')) return 'NOTEMPTY';
    const sum = lines.find((l) => l.startsWith('SUM '));
    if (sum) return sum.slice(4).trim();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}
