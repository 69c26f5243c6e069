// One wait-for-a-condition loop for what only polling can tell (a Swarm task's state, a network
// the manager has not finished removing): check, give up past the deadline, sleep, again.

export interface PollOptions {
  /** Epoch ms after which a check that still finds nothing ends the wait. */
  deadline: number;
  everyMs: number;
  /** The error to throw at the deadline (made then: it may say how long it waited). */
  late: () => Error;
}

/** Resolves with the first value `check` gives (undefined: not yet); `check` may throw to stop at once. */
export async function pollUntil<T>(o: PollOptions, check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() >= o.deadline) throw o.late();
    await new Promise((resolve) => setTimeout(resolve, o.everyMs));
  }
}
