import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LogCursor } from '../store/sleep.js';
import { latestByHost, type HostRequests, type ParseOptions } from './access-log-parse.js';

export interface LogRead {
  /** Latest request time (ms) per Host header seen since the cursor. */
  lastByHost: Map<string, number>;
  /** The same requests counted, with the latest of each host. */
  requests: Map<string, HostRequests>;
  cursor: LogCursor;
  bytes: number;
}

const CHUNK = 1 << 20;

/**
 * Reads Caddy's access log from where the last read stopped, whole lines only. When Caddy has
 * rolled the file over (a new inode), the rest of the old file is read first if it is still
 * beside it (Caddy renames it to NAME-<time>.log). Undefined when there is no log yet.
 */
export async function readAccessLog(file: string, prev: LogCursor | undefined, opts: ParseOptions = {}): Promise<LogRead | undefined> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const inode = Number(st.ino);
  const lastByHost = new Map<string, number>();
  const requests = new Map<string, HostRequests>();
  let bytes = 0;
  let start = 0;
  if (prev && prev.inode === inode && prev.offset <= st.size) {
    start = prev.offset;
  } else if (prev && prev.inode !== inode) {
    const rolled = await findByInode(file, prev.inode);
    if (rolled) bytes += (await readLines(rolled, prev.offset, lastByHost, requests, opts)) - prev.offset;
  }
  const offset = await readLines(file, start, lastByHost, requests, opts);
  bytes += offset - start;
  return { lastByHost, requests, cursor: { file, inode, offset }, bytes };
}

/** Reads complete lines from `start`; returns the offset just after the last newline read. */
async function readLines(file: string, start: number, into: Map<string, number>, tally: Map<string, HostRequests>, opts: ParseOptions): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    let pos = start;
    let carry = Buffer.alloc(0);
    let consumed = start;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      // Split on newline bytes, not characters: a chunk may end inside a UTF-8 sequence.
      const data = Buffer.concat([carry, buf.subarray(0, bytesRead)]);
      const end = data.lastIndexOf(0x0a);
      if (end < 0) {
        carry = data;
        continue;
      }
      latestByHost(data.toString('utf8', 0, end).split('\n'), into, opts, tally);
      carry = Buffer.from(data.subarray(end + 1));
      consumed = pos - carry.length;
    }
    return consumed;
  } finally {
    await fh.close();
  }
}

async function findByInode(file: string, inode: number): Promise<string | undefined> {
  const dir = dirname(file);
  const stem = basename(file).replace(/\.[^.]*$/, '');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  for (const n of names) {
    if (!n.startsWith(`${stem}-`)) continue;
    const st = await stat(join(dir, n)).catch(() => undefined);
    if (st && Number(st.ino) === inode) return join(dir, n);
  }
  return undefined;
}
