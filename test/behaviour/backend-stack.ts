// What the shared behaviour suite (suite.ts) needs from a backend's test stack: the built CLI,
// requests through that stack's real Caddy, and a few direct look-ups so the CLI is never used to
// check itself. Two implementations: podman-stack.ts (startStack) and swarm-stack.ts (the harness).

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface BackendStack {
  /** Every object of this stack's tenants is named <prefix><name>. */
  prefix: string;
  /** Tenants are served at <name>.<domain>. */
  domain: string;
  /** The built CLI with this stack's settings (and the suite's env). */
  cli(...args: string[]): Promise<Run>;
  /** GET with Host: <name>.<domain> through this stack's own Caddy. */
  get(name: string, path: string, headers?: Record<string, string>): Promise<Reply>;
  /** A command in the tenant's running container, as the container's user (podman exec / docker exec on its node). */
  exec(name: string, ...argv: string[]): Promise<Run>;
  /** The tenant container's address on its own network. */
  address(name: string): Promise<string>;
  /** This stack's objects in the engine, straight from it: `kind:name` (containers or services, volumes, networks, secrets). */
  objects(): Promise<string[]>;
  /** The @ids of this stack's routes in Caddy's config, straight from its admin API. */
  routeIds(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/**
 * The settings every backend's stack is made with: small limits, so `show` reporting the
 * defaults (4g, 512, 2 CPUs) instead of what the engine holds is caught.
 */
export const SUITE_ENV: Record<string, string> = {
  FEATHER_TENANT_CPUS: '0.5',
  FEATHER_TENANT_MEMORY: '96m',
  FEATHER_TENANT_PIDS: '64',
};

export const SUITE_LIMITS = { cpus: 0.5, memoryBytes: 96 * 1024 * 1024, pids: 64 };

export type MakeStack = (env: Record<string, string>) => Promise<BackendStack>;
