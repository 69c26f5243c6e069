// Every setting in one file, on purpose (about 300 lines): its type, default, environment variable,
// config-file key and parser sit in one table (SETTINGS), so validation, `feather-tenant config`
// and the README's settings table all read the same list; split, they drifted apart.
import { UsageError } from './errors.js';
import { validateImage } from './image-ref.js';
import { parsePortRange, type PortRange } from './ports.js';

export interface Config {
  stateDir: string;
  domain: string;
  ports: PortRange;
  image: string;
  containerPort: number;
  prefix: string;
  caddyAdmin: string;
  /** The Caddy HTTP server whose routes we manage; undefined: the only one, or the one on :80. */
  caddyServer: string | undefined;
  scheme: 'http' | 'https';
  passthroughEnv: string[];
  podman: string;
  /**
   * podman's REST API socket (`podman system service`): when set, the container and network
   * listings are read through it instead of a podman process; undefined: the CLI for everything.
   */
  podmanSocket: string | undefined;
  readyTimeoutMs: number;
  /**
   * After an upgrade's new container first answers, how long it must keep running before the
   * upgrade keeps it (and removes the old one); an exit meanwhile rolls back. 0: no wait.
   */
  upgradeSettleMs: number;
  cpus: string;
  memory: string;
  pids: number;
  user: string;
  /** Opt-in: also hand the password to the container as this environment variable. */
  passwordEnv: string | undefined;
  /** The login gate in front of every tenant: off (no gate) or jwt. */
  auth: 'off' | 'jwt';
  /** HS256 key for session tokens; undefined: generated once and kept 0600 in the state dir. */
  jwtSecret: string | undefined;
  redisUrl: string;
  /** A file holding Redis's password (read when connecting): keeps it out of URLs, argv and the environment. */
  redisPasswordFile: string | undefined;
  /** Sliding idle window of a session, renewed by each verified request. */
  sessionIdleMs: number;
  /** Absolute lifetime of a session token. */
  sessionMaxMs: number;
  /** Login attempts (wrong passwords) a minute at one tenant from one client (rate-key.ts); 4x from all. */
  loginRate: number;
  /** How long a command waits for another one working on the same tenant before giving up. */
  lockTimeoutMs: number;
  /** tenant.sh's state file, read by `reconcile --adopt` when present. */
  adoptFile: string;
  /** A running tenant idle longer than this is stopped by `sweep`. */
  idleMs: number;
  /**
   * host:port of the wake server (the watchdog), or unix:/path (a socket Caddy's container reaches
   * through a bind mount: the swarm backend); Caddy's wake route dials it (core/listen-address.ts).
   */
  wakeListen: string;
  /** host:port of the watchdog's admin API (docs/admin-api.md); undefined: off. */
  adminListen: string | undefined;
  /** Caddy's JSON access log for tenant hosts: Caddy writes it, `sweep` reads it. */
  accessLog: string;
  /** How often the watchdog sweeps. */
  sweepIntervalMs: number;
  /** Days of usage per tenant kept in the state (issue 13). */
  usageDays: number;
  /**
   * Requests the wake server holds or relays at once (each costs two descriptors); beyond it,
   * 503 with Retry-After. Undefined: fitted to the watchdog's open-files limit (watchdog/fds.ts).
   */
  maxHeld: number | undefined;
  /** Network traffic (bytes in and out within a minute) above which a tenant counts as active. */
  activeTrafficBytes: number;
  /** Our own iptables rules between tenant bridges (isolation-plan.ts), or off where netavark's hold. */
  isolationRules: 'iptables' | 'off';
  /** `import` refuses a volume.tar with more entries (its check keeps every name in memory). */
  importMaxEntries: number;
  /** The operator's own Feather (the admin instance) is served from this host; undefined: none. */
  adminHost: string | undefined;
  /** Its /home/user: a named volume, or an absolute host path. */
  adminVolume: string;
  /** The host ports of its two colours, blue then green (a swap moves between them). */
  adminPorts: readonly [number, number];
  /** Where tenants run: podman on this server, or services on a Docker Swarm (docs/many-servers.md). */
  backend: 'podman' | 'swarm';
  /** The docker client the swarm backend drives (DOCKER_HOST from the environment names the manager). */
  docker: string;
  /**
   * unix:/path of Caddy's direct server (caddy/direct-config.ts): how the watchdog reaches a swarm
   * tenant, which it cannot on the tenant's overlay network. Undefined: no wake on swarm.
   */
  swarmDirect: string | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** One setting. The README's configuration table is checked against these by test/unit/config-doc.test.ts. */
export interface Setting {
  key: keyof Config;
  env: string;
  /** The key in the JSON file, where it differs from the Config field (units). */
  file?: string;
  parse: (text: string, source: string) => Config[keyof Config];
}

export const DEFAULT_CONFIG_FILE = '/etc/feather-tenant/config.json';

export const DEFAULTS: Config = {
  stateDir: '/var/lib/feather-tenant',
  domain: 'users.inceptel.ai',
  ports: { first: 9001, last: 9010 },
  image: 'localhost/feather-work:latest',
  containerPort: 8080,
  prefix: 'feather-user-',
  caddyAdmin: 'http://127.0.0.1:2020',
  caddyServer: undefined,
  scheme: 'https',
  passthroughEnv: ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'FEATHER_ANTHROPIC_API_KEY', 'FEATHER_OPENAI_API_KEY'],
  podman: 'podman',
  podmanSocket: undefined,
  readyTimeoutMs: 45_000,
  upgradeSettleMs: 3_000,
  cpus: '2',
  memory: '4g',
  pids: 512,
  user: '1000:1000',
  passwordEnv: undefined,
  auth: 'off',
  jwtSecret: undefined,
  redisUrl: 'redis://127.0.0.1:6379',
  redisPasswordFile: undefined,
  sessionIdleMs: 30 * 60_000,
  sessionMaxMs: 8 * 3_600_000,
  loginRate: 5,
  lockTimeoutMs: 30_000,
  adoptFile: '/tmp/tenants.json',
  idleMs: 20 * 60_000,
  wakeListen: '127.0.0.1:9098',
  adminListen: '127.0.0.1:9097',
  accessLog: '/var/log/feather-tenant/access.log',
  sweepIntervalMs: 60_000,
  usageDays: 90,
  maxHeld: undefined,
  activeTrafficBytes: 4096,
  isolationRules: 'iptables',
  importMaxEntries: 1_000_000,
  adminHost: undefined,
  adminVolume: 'feather-admin-home',
  adminPorts: [8080, 8081],
  backend: 'podman',
  docker: 'docker',
  swarmDirect: undefined,
};

const nonEmpty = (t: string, source: string) => {
  if (!t.trim()) throw new UsageError(`${source} must not be empty`);
  return t.trim();
};
const int = (min: number, max: number) => (t: string, source: string) => {
  // Digits only: Number() would also take ' 32', '0x20' and '1e2'.
  const n = /^\d{1,16}$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${source} must be a whole number from ${min} to ${max}, got ${JSON.stringify(t)}`);
  return n;
};
const seconds = (t: string, source: string) => {
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${source} must be a positive number of seconds, got ${JSON.stringify(t)}`);
  return Math.round(n * 1000);
};
const secondsOrZero = (t: string, source: string) => {
  const n = Number(t);
  if (t.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${source} must be a number of seconds (0 or more), got ${JSON.stringify(t)}`);
  return Math.round(n * 1000);
};
const minutes = (t: string, source: string) => {
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${source} must be a positive number of minutes (fractions allowed), got ${JSON.stringify(t)}`);
  return Math.round(n * 60_000);
};
/** unix:/absolute/path: a unix socket (no peer on the network can dial it). */
const unixAddress = (t: string, source: string) => {
  if (!/^unix:\/[^\s]+$/.test(t.trim())) throw new UsageError(`${source} must be unix:/absolute/path, got ${JSON.stringify(t)}`);
  return t.trim();
};
const tcpAddress = (t: string, source: string) => {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|localhost):(\d{1,5})$/.exec(t.trim());
  const port = Number(m?.[2]);
  // Caddy dials this address, so it must name one interface: 0.0.0.0 would also expose the wake server.
  if (!m || port < 1 || port > 65535 || m[1] === '0.0.0.0' || m[1] === '[::]') {
    throw new UsageError(`${source} must be HOST:PORT on a concrete address, like 127.0.0.1:9098, got ${JSON.stringify(t)}`);
  }
  return t.trim();
};
/**
 * Caddy's admin API: an http(s) URL, or unix:/absolute/path (the swarm setup: Caddy's container
 * joins every tenant's network, where any TCP listener of its would be reachable from tenants).
 */
const caddyAdminAddress = (t: string, source: string) => {
  const bad = () => new UsageError(`${source} must be an http(s) URL or unix:/absolute/path/to/admin.sock, got ${JSON.stringify(t)}`);
  if (t.trim().startsWith('unix:')) {
    // a socket, not a directory: `unix:/run/feather-caddy/` would fail only at the first request
    if (!/^unix:\/[^\s]*[^\s/]$/.test(t.trim())) throw bad();
    return t.trim();
  }
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    throw bad();
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad();
  return t.replace(/\/+$/, '');
};
/** The wake server's: HOST:PORT, or a unix socket (the swarm backend: Caddy runs in a container). */
const listenAddress = (t: string, source: string) => (t.trim().startsWith('unix:') ? unixAddress(t, source) : tcpAddress(t, source));
const absolutePath = (t: string, source: string) => {
  if (!t.startsWith('/')) throw new UsageError(`${source} must be an absolute path, got ${JSON.stringify(t)}`);
  return t;
};
/** Largest valid id: (uid_t)-1, 4294967295, means "no id" to the kernel. */
const MAX_ID = 4_294_967_294;
/**
 * Numeric UID[:GID] only, both 1 or more, whatever the spelling (`00`, `1000:000`). A name would
 * mean whatever the image's /etc/passwd says, root included. The GID defaults to the UID: with
 * `--user 4242` alone podman takes the group from the image's /etc/passwd, and where the UID is
 * not there, group 0 (measured, podman 4.3: `uid=4242 gid=0(root) groups=0(root)`).
 */
const containerUser = (t: string, source: string) => {
  const m = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(t);
  const uid = Number(m?.[1]);
  const gid = m?.[2] === undefined ? uid : Number(m[2]);
  if (!m || !(uid >= 1 && uid <= MAX_ID && gid >= 1 && gid <= MAX_ID)) {
    throw new UsageError(`${source} must be a numeric UID[:GID], both from 1 to ${MAX_ID} (never root's 0), got ${JSON.stringify(t)}`);
  }
  return `${uid}:${gid}`;
};
/** A plain decimal, at least 0.01: below that podman refuses the CFS quota ("cannot be less than 1ms"). */
const cpus = (t: string, source: string) => {
  const n = /^\d{1,6}(\.\d{1,6})?$/.test(t) ? Number(t) : NaN;
  if (!(Number.isFinite(n) && n >= 0.01)) throw new UsageError(`${source} must be a decimal number of CPUs, at least 0.01 (like 2 or 0.5), got ${JSON.stringify(t)}`);
  return String(n);
};
const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** At least 6 MiB: podman takes 0 as "no limit", and a few KiB fail at start (runc: "unable to set memory limit"). */
const MIN_MEMORY = 6 * 1024 ** 2;
const memory = (t: string, source: string) => {
  const m = /^(\d{1,13})([bkmg]?)$/i.exec(t);
  const bytes = m ? Number(m[1]) * (SIZE_UNITS[(m[2] || 'b').toLowerCase()] as number) : NaN;
  if (!(bytes >= MIN_MEMORY && bytes <= Number.MAX_SAFE_INTEGER)) throw new UsageError(`${source} must be a size of at least 6m, like 4g or 512m, got ${JSON.stringify(t)}`);
  return t.toLowerCase();
};
const hostName = (t: string, source: string) => {
  const h = t.trim().toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(h)) throw new UsageError(`${source} must be a DNS host name, got ${JSON.stringify(t)}`);
  return h;
};
/** A named volume (podman's name rules) or an absolute host path, mounted at /home/user. */
const volumeSource = (t: string, source: string) => {
  if (/^\/[^:,]*$/.test(t) || /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(t)) return t;
  throw new UsageError(`${source} must be a volume name or an absolute path (no ':' or ','), got ${JSON.stringify(t)}`);
};
const portPair = (t: string, source: string): [number, number] => {
  const m = /^\s*(\d{1,5})\s*,\s*(\d{1,5})\s*$/.exec(t);
  const [a, b] = [Number(m?.[1]), Number(m?.[2])];
  if (!m || a < 1 || a > 65535 || b < 1 || b > 65535 || a === b) throw new UsageError(`${source} must be two different ports BLUE,GREEN, like 8080,8081, got ${JSON.stringify(t)}`);
  return [a, b];
};
const list = (t: string) => t.split(/[\s,]+/).filter(Boolean);
const envName = (t: string, source: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) throw new UsageError(`${source} must be an environment variable name, got ${JSON.stringify(t)}`);
  return t;
};

export const SETTINGS: readonly Setting[] = [
  { key: 'stateDir', env: 'FEATHER_TENANT_STATE_DIR', parse: nonEmpty },
  { key: 'domain', env: 'FEATHER_TENANT_DOMAIN', parse: (t, s) => {
    const d = nonEmpty(t, s).toLowerCase().replace(/\.$/, '');
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(d)) throw new UsageError(`${s} must be a DNS domain, got ${JSON.stringify(t)}`);
    return d;
  } },
  { key: 'ports', env: 'FEATHER_TENANT_PORTS', parse: parsePortRange },
  { key: 'image', env: 'FEATHER_TENANT_IMAGE', parse: validateImage },
  { key: 'containerPort', env: 'FEATHER_TENANT_CONTAINER_PORT', parse: int(1, 65535) },
  { key: 'prefix', env: 'FEATHER_TENANT_PREFIX', parse: (t, s) => {
    if (!/^[a-z][a-z0-9_.-]{0,30}$/.test(t)) throw new UsageError(`${s} must start with a letter and use only a-z 0-9 _ . -, got ${JSON.stringify(t)}`);
    return t;
  } },
  { key: 'caddyAdmin', env: 'FEATHER_TENANT_CADDY_ADMIN', parse: caddyAdminAddress },
  { key: 'caddyServer', env: 'FEATHER_TENANT_CADDY_SERVER', parse: (t) => t.trim() || undefined },
  { key: 'scheme', env: 'FEATHER_TENANT_SCHEME', parse: (t, s) => {
    if (t !== 'http' && t !== 'https') throw new UsageError(`${s} must be http or https, got ${JSON.stringify(t)}`);
    return t;
  } },
  { key: 'passthroughEnv', env: 'FEATHER_TENANT_PASSTHROUGH_ENV', parse: (t, s) => list(t).map((n) => envName(n, s)) },
  { key: 'podman', env: 'FEATHER_TENANT_PODMAN', parse: nonEmpty },
  { key: 'podmanSocket', env: 'FEATHER_TENANT_PODMAN_SOCKET', parse: (t, s) => (t.trim() ? absolutePath(t.trim(), s) : undefined) },
  { key: 'readyTimeoutMs', env: 'FEATHER_TENANT_READY_TIMEOUT', file: 'readyTimeout', parse: seconds },
  { key: 'upgradeSettleMs', env: 'FEATHER_TENANT_UPGRADE_SETTLE', file: 'upgradeSettle', parse: secondsOrZero },
  { key: 'cpus', env: 'FEATHER_TENANT_CPUS', parse: cpus },
  { key: 'memory', env: 'FEATHER_TENANT_MEMORY', parse: memory },
  { key: 'pids', env: 'FEATHER_TENANT_PIDS', parse: int(16, 1_000_000) },
  { key: 'user', env: 'FEATHER_TENANT_USER', parse: containerUser },
  { key: 'passwordEnv', env: 'FEATHER_TENANT_PASSWORD_ENV', parse: (t, s) => (t.trim() ? envName(t.trim(), s) : undefined) },
  { key: 'auth', env: 'FEATHER_TENANT_AUTH', parse: (t, s) => {
    if (t !== 'off' && t !== 'jwt') throw new UsageError(`${s} must be off or jwt, got ${JSON.stringify(t)}`);
    return t;
  } },
  { key: 'jwtSecret', env: 'FEATHER_TENANT_JWT_SECRET', parse: (t, s) => {
    if (t.length < 32) throw new UsageError(`${s} must be at least 32 characters`);
    return t;
  } },
  { key: 'redisUrl', env: 'FEATHER_TENANT_REDIS_URL', parse: (t, s) => {
    if (!/^rediss?:\/\/./.test(t)) throw new UsageError(`${s} must be a redis:// or rediss:// URL, got ${JSON.stringify(t)}`);
    return t;
  } },
  { key: 'redisPasswordFile', env: 'FEATHER_TENANT_REDIS_PASSWORD_FILE', parse: (t, s) => (t.trim() ? absolutePath(t.trim(), s) : undefined) },
  { key: 'sessionIdleMs', env: 'FEATHER_TENANT_SESSION_IDLE_MINUTES', file: 'sessionIdleMinutes', parse: minutes },
  { key: 'sessionMaxMs', env: 'FEATHER_TENANT_SESSION_MAX_HOURS', file: 'sessionMaxHours', parse: (t, s) => minutes(t, s) * 60 },
  { key: 'loginRate', env: 'FEATHER_TENANT_LOGIN_RATE', parse: int(1, 10_000) },
  { key: 'lockTimeoutMs', env: 'FEATHER_TENANT_LOCK_TIMEOUT', file: 'lockTimeout', parse: secondsOrZero },
  { key: 'adoptFile', env: 'FEATHER_TENANT_ADOPT_FILE', parse: nonEmpty },
  { key: 'idleMs', env: 'FEATHER_TENANT_IDLE_MINUTES', file: 'idleMinutes', parse: minutes },
  { key: 'wakeListen', env: 'FEATHER_TENANT_WAKE_LISTEN', parse: listenAddress },
  { key: 'adminListen', env: 'FEATHER_TENANT_ADMIN_LISTEN', parse: (t, s) => (t.trim() === 'off' ? undefined : tcpAddress(t, s)) },
  { key: 'accessLog', env: 'FEATHER_TENANT_ACCESS_LOG', parse: absolutePath },
  { key: 'sweepIntervalMs', env: 'FEATHER_TENANT_SWEEP_INTERVAL', file: 'sweepInterval', parse: seconds },
  { key: 'usageDays', env: 'FEATHER_TENANT_USAGE_DAYS', file: 'usageDays', parse: int(1, 36_500) },
  { key: 'maxHeld', env: 'FEATHER_TENANT_MAX_HELD', parse: int(1, 1_000_000) },
  { key: 'activeTrafficBytes', env: 'FEATHER_TENANT_ACTIVE_TRAFFIC', file: 'activeTraffic', parse: int(0, 1_000_000_000) },
  { key: 'isolationRules', env: 'FEATHER_TENANT_ISOLATION_RULES', parse: (t, s) => {
    if (t !== 'iptables' && t !== 'off') throw new UsageError(`${s} must be iptables or off, got ${JSON.stringify(t)}`);
    return t;
  } },
  { key: 'importMaxEntries', env: 'FEATHER_TENANT_IMPORT_MAX_ENTRIES', parse: int(1, 10_000_000) },
  { key: 'adminHost', env: 'FEATHER_TENANT_ADMIN_HOST', parse: (t, s) => (t.trim() ? hostName(t, s) : undefined) },
  { key: 'adminVolume', env: 'FEATHER_TENANT_ADMIN_VOLUME', parse: volumeSource },
  { key: 'adminPorts', env: 'FEATHER_TENANT_ADMIN_PORTS', parse: portPair },
  { key: 'backend', env: 'FEATHER_TENANT_BACKEND', parse: (t, s) => {
    if (t !== 'podman' && t !== 'swarm') throw new UsageError(`${s} must be podman or swarm, got ${JSON.stringify(t)}`);
    return t;
  } },
  { key: 'docker', env: 'FEATHER_TENANT_DOCKER', parse: nonEmpty },
  { key: 'swarmDirect', env: 'FEATHER_TENANT_SWARM_DIRECT', parse: (t, s) => (t.trim() ? unixAddress(t, s) : undefined) },
];

export const CONFIG_ENV_NAMES: readonly string[] = SETTINGS.map((s) => s.env);

/** File values (JSON, keys as in Config; ports as "FIRST-LAST") are the base, env overrides them. */
export function resolveConfig(env: Env, file: Record<string, unknown> = {}, fileName = 'config file'): Config {
  const known = new Set(SETTINGS.map((s) => s.file ?? s.key));
  for (const k of Object.keys(file)) {
    if (!known.has(k)) throw new UsageError(`${fileName}: unknown setting ${JSON.stringify(k)}`, `known settings: ${[...known].join(', ')}`);
  }
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const s of SETTINGS) {
    const fromEnv = env[s.env];
    const fileKey = s.file ?? s.key;
    const fromFile = file[fileKey];
    if (fromEnv !== undefined && fromEnv !== '') {
      out[s.key] = s.parse(fromEnv, s.env);
    } else if (fromFile !== undefined && fromFile !== null) {
      if (typeof fromFile === 'object' && !Array.isArray(fromFile)) throw new UsageError(`${fileName}: ${fileKey} must be a string, number or list`);
      const text = Array.isArray(fromFile) ? fromFile.join(',') : `${fromFile as string | number | boolean}`;
      out[s.key] = s.parse(text, `${fileName}: ${fileKey}`);
    }
  }
  const c = out as unknown as Config;
  if (c.redisPasswordFile && new URL(c.redisUrl).password) {
    // Two passwords: which one is meant cannot be guessed.
    throw new UsageError('FEATHER_TENANT_REDIS_URL holds a password and FEATHER_TENANT_REDIS_PASSWORD_FILE is set: use one', 'prefer the file: it keeps the password out of the environment and of process listings');
  }
  return c;
}

/** The effective configuration as `feather-tenant config` shows it: no credentials in URLs. */
export function redactConfig(c: Config): Record<string, unknown> {
  // unix:/path parses as a URL too, with no credentials: shown as it is.
  const admin = new URL(c.caddyAdmin);
  if (admin.username || admin.password) {
    admin.username = 'REDACTED';
    admin.password = '';
  }
  const redis = new URL(c.redisUrl);
  if (redis.password) redis.password = 'REDACTED';
  return {
    ...c,
    caddyAdmin: admin.username ? admin.toString().replace(/\/$/, '') : c.caddyAdmin,
    ports: `${c.ports.first}-${c.ports.last}`,
    adminPorts: c.adminPorts.join(','),
    jwtSecret: c.jwtSecret === undefined ? undefined : 'REDACTED',
    redisUrl: redis.toString(),
  };
}
