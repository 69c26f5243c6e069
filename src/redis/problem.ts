// Pure: why Redis cannot be used, in an operator's words. ioredis' own messages name its
// internals ("Reached the max retries per request limit (which is 0)", "Stream isn't writeable
// and enableOfflineQueue options is false"), which tell an operator nothing.

const LOST = /ECONNREFUSED|ETIMEDOUT|connect timeout|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE|Connection is closed|max retries per request|enableOfflineQueue|Redis is (connecting|reconnecting|close|end|wait)/i;

/**
 * The error means Redis cannot be reached (as opposed to a bad request of ours): the client is
 * not ready, or a command failed because the connection went. Commands in flight when Redis dies
 * fail before the client's status changes, so the status alone misses them.
 */
export function redisUnreachable(err: unknown, status?: string): boolean {
  return (status !== undefined && status !== 'ready') || LOST.test(describe(err));
}

/** `err`: what failed (a connection error or a refused command); `status`: the client's status then. */
export function redisProblem(url: string, err: unknown, status?: string): string {
  const where = `Redis at ${hostOf(url)}`;
  const text = describe(err);
  if (/ECONNREFUSED/.test(text)) return `${where} is unreachable (connection refused)`;
  if (/ETIMEDOUT|connect timeout/i.test(text)) return `${where} is unreachable (no answer to connecting)`;
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return `${where} is unreachable (its host name does not resolve)`;
  if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return `${where} is unreachable (no route to its host)`;
  if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(text)) return `${where} refuses our credentials (check FEATHER_TENANT_REDIS_PASSWORD_FILE or the password in FEATHER_TENANT_REDIS_URL)`;
  if (/LOADING/.test(text)) return `${where} is still loading its data after a restart`;
  if (redisUnreachable(err, status)) return `${where} is unreachable (the connection is down; reconnecting)`;
  return `${where} failed: ${describe(err).trim()}`;
}

/** An error's code and message, or the text itself. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.message !== 'string') return String(err);
  return `${typeof e.code === 'string' ? `${e.code} ` : ''}${e.message}`;
}

/** host:port of a redis:// URL, never its credentials. */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'the configured address';
  }
}
