import type { RevocationQueue } from '../store/port.js';
import type { SessionsPort } from './sessions-port.js';

export interface Delivery {
  delivered: number;
  pending: number;
  error?: string;
}

/**
 * Delivers the outbox to Redis in order, deleting each entry once Redis confirmed it. Stops at
 * the first failure so that a later entry never overtakes an earlier one.
 */
export async function deliverRevocations(outbox: RevocationQueue, sessions: SessionsPort): Promise<Delivery> {
  let delivered = 0;
  for (const r of outbox.pending()) {
    try {
      await sessions.apply(r);
    } catch (err) {
      return { delivered, pending: outbox.count(), error: (err as Error).message };
    }
    outbox.delivered(r.id);
    delivered++;
  }
  return { delivered, pending: 0 };
}
