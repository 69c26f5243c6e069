/**
 * Runs `fn` over `items` the way `upgrade --all` goes: the first item alone (the canary), then the
 * rest at most `parallel` at a time; after the first failure nothing new starts (those in flight
 * finish). Resolves with each item's result, or 'untouched' for those never started.
 */
export async function runCanary<T, R>(items: readonly T[], parallel: number, fn: (item: T) => Promise<R>, failed: (r: R) => boolean): Promise<(R | 'untouched')[]> {
  const out: (R | 'untouched')[] = items.map(() => 'untouched');
  let stop = false;
  const one = async (i: number): Promise<void> => {
    const r = await fn(items[i] as T);
    out[i] = r;
    if (failed(r)) stop = true;
  };
  if (items.length === 0) return out;
  await one(0);
  let next = 1;
  const worker = async (): Promise<void> => {
    while (!stop && next < items.length) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, items.length - 1)) }, worker));
  return out;
}
