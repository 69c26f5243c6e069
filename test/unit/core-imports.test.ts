import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The core holds the pure decisions and the domain types; it is unit-tested without an engine only
// as long as it imports nothing from a room that talks to one. Type imports count too: a domain type
// living in an adapter room is the first step of the core depending on it.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const CORE = join(SRC, 'core');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/** Every relative module specifier of a file: static imports, re-exports, `import type` and `import()`. */
function relativeSpecifiers(text: string): string[] {
  const found = text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g);
  return [...found].map((m) => m[1] ?? '');
}

/** The specifiers of `file` that leave src/core (there are no other relative targets the core may use). */
function outsideCore(file: string, text: string): string[] {
  return relativeSpecifiers(text).filter((spec) => relative(CORE, resolve(dirname(file), spec)).startsWith('..'));
}

describe('the core imports nothing from an adapter room', () => {
  it('finds the kinds of import it must refuse', () => {
    const file = join(CORE, 'x.ts');
    const text = [
      "import { a } from '../podman/podman-cli.js';",
      "import type { B } from '../store/tenants.js';",
      "export { c } from '../caddy/routes.js';",
      "const d = await import('../redis/connect.js');",
      "import '../firewall/iptables.js';",
      "import { e } from './errors.js';",
      "import { f } from 'nanoid';",
    ].join('\n');
    expect(outsideCore(file, text)).toEqual([
      '../podman/podman-cli.js', '../store/tenants.js', '../caddy/routes.js', '../redis/connect.js', '../firewall/iptables.js',
    ]);
  });

  it.each(tsFiles(CORE).map((f) => [relative(SRC, f), f]))('%s', (_name, file) => {
    expect(outsideCore(file, readFileSync(file, 'utf8'))).toEqual([]);
  });
});
