// The one place where errors become messages and exit codes: the CLI's entry and the birth image's
// renderer both end here. It imports nothing but the error vocabulary, so a small program (the
// renderer runs before Caddy at every birth start) does not load commander, SQLite or podman's client.
import { EXIT, FeatherError } from '../core/errors.js';

/** commander's own errors (help shown, version, bad usage), told apart without loading commander. */
function commanderCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('commander.') ? code : undefined;
}

/** Prints what the operator needs (message and hint, or a trace for a bug) and returns the exit code. */
export function reportError(err: unknown): number {
  const code = commanderCode(err);
  if (code !== undefined) {
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return EXIT.ok;
    return EXIT.usage; // commander already printed its message
  }
  if (err instanceof FeatherError) {
    process.stderr.write(`feather-tenant: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  hint: ${err.hint}\n`);
    return err.exitCode;
  }
  process.stderr.write(`feather-tenant: internal error (a bug; please report it with this trace):\n${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.failed;
}
