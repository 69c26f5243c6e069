import { readFileSync } from 'node:fs';
import type { ProcessProbe } from '../store/locks.js';

/**
 * Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot. With the pid
 * it names one process for good, so a recycled pid never passes for a lock's dead owner.
 */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const osProcessProbe: ProcessProbe = {
  self: () => ({ pid: process.pid, start: startTime(process.pid) }),
  alive(pid, start) {
    if (!pidExists(pid)) return false;
    const now = startTime(pid);
    return start === null || now === null || now === start;
  },
};
