/** Progress of a long transfer; the CLI draws it on a terminal and passes nothing on a pipe. */
export interface Progress {
  update(phase: string, done: number, total?: number): void;
  /** The phase is over: the line is finished. */
  end(): void;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}
