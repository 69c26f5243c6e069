// Domain type: one route of Caddy's JSON config, as the planners compare and merge it. Defined in the
// core so reconcile and birth decide about routes without importing the Caddy adapter.

export interface CaddyRoute {
  '@id'?: string;
  match?: Record<string, unknown>[];
  handle?: Record<string, unknown>[];
  terminal?: boolean;
  [key: string]: unknown;
}
