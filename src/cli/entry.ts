// The CLI's entry (bin/feather-tenant.js calls main): parse, run the command, turn what it threw
// into an exit code (errors.ts), and give queued session revocations another delivery attempt.
import { EXIT } from '../core/errors.js';
import { reportError } from './errors.js';
import { buildProgram } from './program.js';
import { currentContext } from './run.js';

export async function main(argv: string[]): Promise<void> {
  // `feather-tenant list | head`: a reader that goes away is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const program = buildProgram();
  program.exitOverride();
  for (const cmd of program.commands) cmd.exitOverride();
  // First signal: stop at the next checkpoint and roll back; a second one exits at once.
  let signalled = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (signalled) process.exit(130);
      signalled = true;
      void import('../runtime/context.js').then((m) => m.interrupt(sig));
    });
  }
  try {
    await program.parseAsync(argv);
    process.exitCode = EXIT.ok;
  } catch (err) {
    process.exitCode = reportError(err);
  }
  // Whatever the command did, revocations waiting in the outbox get another delivery attempt.
  // Counted here first: revocations.ts brings the Redis client (~50 ms).
  const current = currentContext();
  if (current && current.config.auth === 'jwt' && current.storeOpened()) {
    try {
      if (current.outbox().count() > 0) await (await import('../tenant/revocations.js')).afterCommand(current);
    } catch (err) {
      process.stderr.write(`feather-tenant: could not deliver queued revocations: ${(err as Error).message}\n`);
    }
  }
}
