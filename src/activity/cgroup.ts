import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// A container's CPU time and memory, read from its cgroup through the PID `podman ps` already
// gave us: no extra podman call per tenant. This machine (Debian 12 kernel in hybrid mode, podman
// 4.3 with runc) puts each container in /libpod_parent/libpod-<id> of every v1 hierarchy:
// cpuacct.usage (ns) and memory.max_usage_in_bytes there. A pure cgroup v2 host has the same
// path under /sys/fs/cgroup with cpu.stat's usage_usec and memory.peak (kernel 5.19+; older ones
// have only memory.current). Both are read from /proc/PID/cgroup, whichever is present.

export interface CgroupUsage {
  /** CPU time of the container since its cgroup was made (µs). */
  cpuUs: number;
  /** The highest memory use since the container started, when the kernel keeps it (bytes). */
  peakBytes: number | undefined;
  /** Memory in use now (bytes). */
  currentBytes: number | undefined;
}

export interface CgroupPaths {
  /** v1: path in the cpuacct and memory hierarchies. */
  cpuacct?: string;
  memory?: string;
  /** v2: the unified path. */
  unified?: string;
}

/** Pure: the container's paths from /proc/PID/cgroup (`ID:CONTROLLERS:PATH` lines). */
export function parseProcCgroup(text: string): CgroupPaths {
  const out: CgroupPaths = {};
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, id, controllers = '', path = ''] = m;
    if (id === '0' && controllers === '') out.unified = path;
    for (const c of controllers.split(',')) {
      if (c === 'cpuacct') out.cpuacct = path;
      if (c === 'memory') out.memory = path;
    }
  }
  return out;
}

/** Pure: `usage_usec` of a cgroup v2 cpu.stat. */
export function parseCpuStat(text: string): number | undefined {
  const m = /^usage_usec (\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

const number = async (file: string): Promise<number | undefined> => {
  try {
    const v = Number((await readFile(file, 'utf8')).trim());
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
};

/** Undefined when the process is gone or no known cgroup file answers: usage is best effort. */
export async function readCgroupUsage(pid: number, root = '/sys/fs/cgroup'): Promise<CgroupUsage | undefined> {
  let paths: CgroupPaths;
  try {
    paths = parseProcCgroup(await readFile(`/proc/${pid}/cgroup`, 'utf8'));
  } catch {
    return undefined;
  }
  if (paths.cpuacct !== undefined && paths.memory !== undefined) {
    const [ns, peak, current] = await Promise.all([
      number(join(root, 'cpuacct', paths.cpuacct, 'cpuacct.usage')),
      number(join(root, 'memory', paths.memory, 'memory.max_usage_in_bytes')),
      number(join(root, 'memory', paths.memory, 'memory.usage_in_bytes')),
    ]);
    if (ns !== undefined) return { cpuUs: Math.floor(ns / 1000), peakBytes: peak, currentBytes: current };
  }
  if (paths.unified !== undefined) {
    const dir = join(root, paths.unified);
    const stat = await readFile(join(dir, 'cpu.stat'), 'utf8').catch(() => '');
    const cpuUs = parseCpuStat(stat);
    if (cpuUs === undefined) return undefined;
    const [peak, current] = await Promise.all([number(join(dir, 'memory.peak')), number(join(dir, 'memory.current'))]);
    return { cpuUs, peakBytes: peak, currentBytes: current };
  }
  return undefined;
}
