import { UsageError } from './errors.js';

// Names become DNS labels (<name>.<domain>) and podman object names (<prefix><name>),
// so they are held to the stricter of the two.
export const NAME = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** Subdomains an operator is likely to use for the birth host itself, or that mislead users. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'admin', 'administrator', 'api', 'app', 'auth', 'birth', 'caddy', 'cdn', 'dashboard', 'dev',
  'feather', 'ftp', 'help', 'imap', 'localhost', 'login', 'mail', 'metrics', 'ns1', 'ns2',
  'pop', 'podman', 'root', 'smtp', 'ssh', 'static', 'status', 'support', 'system', 'test',
  'wake', 'watchdog', 'www',
]);

/** Returns the name if it is a valid tenant name; throws a UsageError saying what is wrong. */
export function validateName(name: string): string {
  const why = nameProblem(name);
  if (why) throw new UsageError(`invalid tenant name ${JSON.stringify(name)}: ${why}`);
  return name;
}

export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 32) return `it has ${name.length} characters; at most 32 are allowed`;
  if (/[A-Z]/.test(name)) return 'use lowercase letters only';
  if (!/^[a-z]/.test(name)) return 'it must start with a letter';
  if (name.endsWith('-')) return 'it must not end with a hyphen';
  if (!NAME.test(name)) return 'only lowercase letters, digits and hyphens are allowed';
  if (RESERVED_NAMES.has(name)) return 'it is reserved';
  return undefined;
}
