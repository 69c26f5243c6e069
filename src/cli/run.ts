// The one way a command runs from the CLI: load its module and the context together (both lazily,
// so `--help` and `--version` stay close to bare node), call it, and render what it returned.
import type { Context } from '../runtime/context.js';

type Render = typeof import('./render.js');

let current: Context | undefined;

/** The context of this process, built on first use. */
export async function context(): Promise<Context> {
  return (current = (await import('../runtime/context.js')).createContext());
}

/** The context if a command built one (the entry delivers queued revocations through it). */
export function currentContext(): Context | undefined {
  return current;
}

/**
 * Loads `load()`, the renderer and the context at once, runs `call`, and prints its result with the
 * printer `print` picks (table, or JSON with --json).
 */
export async function runAndRender<M, R>(
  load: () => Promise<M>,
  call: (m: M, ctx: Context) => R | Promise<R>,
  print: (r: Render) => (result: R, asJson: boolean) => void,
  o: { json?: unknown },
): Promise<void> {
  const [m, render, ctx] = await Promise.all([load(), import('./render.js'), context()]);
  print(render)(await call(m, ctx), o.json === true);
}
