// One error vocabulary for the whole tool. Commands throw these; only cli/errors.ts turns
// them into output and exit codes (documented in the README's "Exit codes" table).

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class FeatherError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input or usage: nothing was changed. */
export class UsageError extends FeatherError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.usage, hint);
  }
}

/** The named tenant does not exist. */
export class NotFoundError extends FeatherError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.notFound, hint);
  }
}

/** The request clashes with what exists: a tenant of that name, a full port range. */
export class ConflictError extends FeatherError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.conflict, hint);
  }
}

/** An operation failed part-way (podman, Caddy, the state store); see the message. */
export class OperationError extends FeatherError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.failed, hint);
  }
}

/** A podman command failed: names the command (never secret values) and its stderr. */
export class EngineError extends OperationError {
  constructor(
    readonly command: string,
    readonly stderr: string,
    hint?: string,
  ) {
    super(`${command} failed: ${stderr.trim() || 'no output'}`, hint);
  }
}
