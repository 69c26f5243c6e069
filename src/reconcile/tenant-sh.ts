// Pure: reads the state file of tenant.sh, the shell script feather-tenant replaces.
import { UsageError } from '../core/errors.js';

export interface TenantShEntry {
  port?: number;
  /** tenant.sh kept passwords in clear text; we only ever store their scrypt hash. */
  password?: string;
}

/**
 * tenant.sh's file format was never written down, so the common shapes are all accepted:
 *   {"alice": {"port": 9001, "password": "x7k9m2"}, ...}        (the expected one)
 *   {"tenants": <either shape>} or {"users": <either shape>}
 *   [{"name": "alice", "port": 9001, "password": "x7k9m2"}, ...]  ("username"/"user" also)
 * A port may be a number or a string; "pass"/"pw" are read as the password.
 */
export function parseTenantShState(text: string, source: string): Map<string, TenantShEntry> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source} is not valid JSON: ${(err as Error).message}`, 'fix or move it, or point FEATHER_TENANT_ADOPT_FILE elsewhere');
  }
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    const wrapped = (data as Record<string, unknown>).tenants ?? (data as Record<string, unknown>).users;
    if (wrapped && typeof wrapped === 'object') data = wrapped;
  }
  const out = new Map<string, TenantShEntry>();
  const put = (name: unknown, v: unknown) => {
    if (typeof name !== 'string' || !v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    const port = Number(o.port);
    const password = o.password ?? o.pass ?? o.pw;
    out.set(name, {
      ...(Number.isInteger(port) && port > 0 ? { port } : {}),
      ...(typeof password === 'string' && password ? { password } : {}),
    });
  };
  if (Array.isArray(data)) {
    for (const v of data) put((v as Record<string, unknown> | null)?.name ?? (v as Record<string, unknown> | null)?.username ?? (v as Record<string, unknown> | null)?.user, v);
  } else if (data && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) put(k, v);
  } else {
    throw new UsageError(`${source} holds neither an object nor a list of tenants`);
  }
  return out;
}
