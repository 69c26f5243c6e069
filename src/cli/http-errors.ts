// The admin API's face of errors.ts: the same error vocabulary, as an HTTP status and a JSON body
// instead of an exit code and stderr. One table from the exit code, so the API and the CLI cannot
// disagree about what an error is: bad input 400, no such tenant 404, a conflict 409; a failed
// operation (podman, Caddy, the state store) 502; anything else is a bug, 500, its trace logged
// by the caller and never sent.
import { EXIT, FeatherError, type ExitCode } from '../core/errors.js';

export const HTTP_STATUS: Readonly<Record<Exclude<ExitCode, 0>, number>> = {
  [EXIT.usage]: 400,
  [EXIT.notFound]: 404,
  [EXIT.conflict]: 409,
  [EXIT.failed]: 502,
};

export interface HttpError {
  status: number;
  body: { error: string; hint?: string };
  /** A bug: the caller logs the trace. */
  bug: boolean;
}

export function httpError(err: unknown): HttpError {
  if (err instanceof FeatherError && err.exitCode !== EXIT.ok) {
    return { status: HTTP_STATUS[err.exitCode], body: { error: err.message, ...(err.hint ? { hint: err.hint } : {}) }, bug: false };
  }
  return { status: 500, body: { error: 'internal error (a bug; the watchdog logged its trace)' }, bug: true };
}
