// Pure: short human durations for tables ("21m", "2h 5m", "3d 4h").

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** "5m ago", or "-" when never. */
export function formatAgo(at: number | null | undefined, now: number): string {
  return at ? `${formatDuration(now - at)} ago` : '-';
}
