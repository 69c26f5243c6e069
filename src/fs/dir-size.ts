import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes used by the files under `dir` (apparent sizes; symlinks not followed); undefined if unreadable. */
export async function dirSize(dir: string): Promise<number | undefined> {
  try {
    return await walk(dir);
  } catch {
    return undefined;
  }
}

async function walk(path: string): Promise<number> {
  const st = await lstat(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await walk(join(path, entry));
  return total;
}
