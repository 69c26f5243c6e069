// Sessions as the gate, the CLI and the outbox delivery use them. One implementation on Redis
// (sessions.ts); everything above takes this interface, so a test can hand in its own.
import type { Revocation } from '../store/outbox.js';

export interface SessionInfo {
  sid: string;
  createdAt: number;
  lastSeenAt: number;
  client: string;
}

export interface SessionsPort {
  create(tenant: string, sid: string, nowMs: number, client: string): Promise<void>;
  /** 'ok' renews the idle window; otherwise why the session is not accepted. */
  checkAndTouch(tenant: string, sid: string, iatMs: number): Promise<'ok' | 'revoked' | 'idle'>;
  list(tenant: string, nowMs: number): Promise<SessionInfo[]>;
  /** Applies one outbox entry; idempotent, so a redelivery after a crash is harmless. */
  apply(r: Revocation): Promise<void>;
  /** Counts a login attempt: 0 to go ahead, else the seconds until another may be made. */
  loginAttempt(tenant: string, client: string, limit: number): Promise<number>;
  loginSucceeded(tenant: string, client: string): Promise<void>;
}
