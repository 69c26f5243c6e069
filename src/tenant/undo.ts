import type { Context } from '../runtime/context.js';

/**
 * A stack of compensating steps, run newest first when a command fails half-way.
 * An undo step that fails is reported, not thrown: the original error is what the user needs,
 * and `reconcile` repairs whatever is left.
 */
export class Undo {
  private readonly steps: { what: string; fn: () => unknown }[] = [];

  constructor(private readonly ctx: Pick<Context, 'log'>) {}

  push(what: string, fn: () => unknown): void {
    this.steps.push({ what, fn });
  }

  async run(cause: unknown): Promise<void> {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    this.ctx.log(`rolling back (${reason})`);
    for (const step of this.steps.reverse()) {
      try {
        await step.fn();
      } catch (err) {
        this.ctx.log(`rollback: could not undo ${step.what}: ${(err as Error).message}; run feather-tenant reconcile`);
      }
    }
    this.steps.length = 0;
  }
}
