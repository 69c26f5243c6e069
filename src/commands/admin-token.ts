import type { Config } from '../core/config.js';
import { ensureToken, rotateToken } from '../admin-api/token.js';

/**
 * The admin API's token (made on first use), or with `rotate` a new one: the old one stops
 * working at the running watchdog's next request, no restart needed.
 */
export function adminToken(config: Pick<Config, 'stateDir'>, o: { rotate: boolean }): string {
  return o.rotate ? rotateToken(config.stateDir) : ensureToken(config.stateDir);
}
