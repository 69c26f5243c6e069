import { CommanderError, InvalidArgumentError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportError } from '../../src/cli/errors.js';
import { EXIT, NotFoundError, OperationError } from '../../src/core/errors.js';

// cli/errors.ts tells commander's errors apart without importing commander (the birth renderer
// uses it too): these are commander's own error objects, so a commander upgrade that changes
// them fails here.
const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
afterEach(() => stderr.mockClear());
const written = () => stderr.mock.calls.map((c) => String(c[0])).join('');

describe('reportError', () => {
  it('help and version are success; any other commander error is bad usage (commander printed it)', () => {
    expect(reportError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(EXIT.ok);
    expect(reportError(new CommanderError(0, 'commander.version', '0.1.0'))).toBe(EXIT.ok);
    expect(reportError(new CommanderError(1, 'commander.unknownCommand', "error: unknown command 'x'"))).toBe(EXIT.usage);
    expect(reportError(new InvalidArgumentError('not a number'))).toBe(EXIT.usage);
    expect(written()).toBe('');
  });

  it('our errors print their message and hint and exit with their code', () => {
    expect(reportError(new NotFoundError('no tenant named bob', 'list tenants with: feather-tenant list'))).toBe(EXIT.notFound);
    expect(written()).toBe('feather-tenant: no tenant named bob\n  hint: list tenants with: feather-tenant list\n');
  });

  it('anything else is a bug: a trace, exit 1', () => {
    expect(reportError(new TypeError('x is undefined'))).toBe(EXIT.failed);
    expect(written()).toMatch(/^feather-tenant: internal error \(a bug; please report it with this trace\):\nTypeError: x is undefined\n\s+at /);
    expect(reportError(new OperationError('podman failed'))).toBe(EXIT.failed);
  });
});
