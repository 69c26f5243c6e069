import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG_FILE, resolveConfig, type Config, type Env } from '../core/config.js';
import { UsageError } from '../core/errors.js';

export function loadConfig(env: Env): Config {
  const explicit = env.FEATHER_TENANT_CONFIG;
  const file = explicit || DEFAULT_CONFIG_FILE;
  let parsed: Record<string, unknown> = {};
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (explicit || code !== 'ENOENT') throw new UsageError(`cannot read config file ${file}: ${code ?? (err as Error).message}`);
  }
  if (text !== undefined) {
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`config file ${file} must hold a JSON object`);
  }
  return resolveConfig(env, parsed, file);
}
