// The admin API inside the watchdog (docs/admin-api.md): its own listener, the token file, the
// attempt limiter, and the watchdog's waker for warmups. Commands run with the watchdog's
// context, their progress lines going to its JSON log.
import { createAdminServer } from '../admin-api/server.js';
import { AttemptLimiter } from '../admin-api/limiter.js';
import { TokenFile, ensureToken } from '../admin-api/token.js';
import type { WarmupDeps } from '../commands/warmup.js';
import type { Context } from '../runtime/context.js';
import { listen } from '../net/listen.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

export async function startAdmin(ctx: Context, address: string, o: { log: Logger; metrics: Metrics; warm: WarmupDeps }): Promise<{ close(): Promise<void> }> {
  // Made now, not at the first request: `feather-tenant admin-token` then only reads it.
  ensureToken(ctx.config.stateDir);
  const server = createAdminServer({
    ctx: { ...ctx, log: (line) => o.log('info', line, { source: 'admin API' }) },
    warm: o.warm,
    token: new TokenFile(ctx.config.stateDir),
    limiter: new AttemptLimiter(ctx.config.loginRate, () => ctx.now()),
    metrics: o.metrics,
    log: o.log,
  });
  await listen(server, address, 'the admin API', 'is another watchdog running? set FEATHER_TENANT_ADMIN_LISTEN to another address, or to off');
  return {
    close: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      // A restart or a warmup in flight may take up to the ready timeout; past that, cut it.
      const cut = setTimeout(() => server.closeAllConnections(), ctx.config.readyTimeoutMs);
      await closed;
      clearTimeout(cut);
    },
  };
}
