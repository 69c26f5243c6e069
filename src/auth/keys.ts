// Redis key names for sessions, namespaced by the installation's prefix so that a test run
// (another prefix) shares a Redis with nothing of an operator's.
export interface Keys {
  session(tenant: string, sid: string): string;
  sessionIndex(tenant: string): string;
  notBefore(tenant: string): string;
  revoked(sid: string): string;
  loginTries(tenant: string, client: string): string;
  tenantLoginTries(tenant: string): string;
}

export function keys(prefix: string): Keys {
  const ns = `ft:{${prefix}}`;
  return {
    session: (t, sid) => `${ns}:sess:${t}:${sid}`,
    sessionIndex: (t) => `${ns}:sids:${t}`,
    notBefore: (t) => `${ns}:nbf:${t}`,
    revoked: (sid) => `${ns}:revoked:${sid}`,
    loginTries: (t, c) => `${ns}:tries:${t}:${c}`,
    tenantLoginTries: (t) => `${ns}:tries:${t}`,
  };
}
