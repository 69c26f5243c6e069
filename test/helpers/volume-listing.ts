import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { podman } from './podman.js';

export async function mountpoint(volume: string): Promise<string> {
  const r = await podman('volume', 'inspect', '--format', '{{.Mountpoint}}', volume);
  if (r.exitCode !== 0) throw new Error(`no volume ${volume}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Every entry of a volume, one line each: path, type, mode (with setuid/setgid/sticky), owner,
 * link count, and a regular file's size, mtime and sha256 or a symlink's target. Two volumes
 * with equal listings hold the same files, modes, owners, links and contents.
 */
export async function listVolume(volume: string): Promise<string[]> {
  const root = await mountpoint(volume);
  const lines: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const abs = join(root, rel);
    const st = await lstat(abs);
    const head = `${rel || '.'} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) {
      lines.push(`${head} link -> ${await readlink(abs)}`);
    } else if (st.isDirectory()) {
      lines.push(`${head} dir`);
      for (const name of (await readdir(abs)).sort()) await walk(rel ? `${rel}/${name}` : name);
    } else if (st.isFile()) {
      const sha = createHash('sha256').update(await readFile(abs)).digest('hex');
      lines.push(`${head} file nlink=${st.nlink} size=${st.size} mtime=${Math.floor(st.mtimeMs / 1000)} sha256=${sha}`);
    } else {
      lines.push(`${head} other`);
    }
  };
  await walk('');
  return lines;
}
