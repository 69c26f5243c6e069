// The JSON Schemas of the admin API's answers: the OpenAPI document (openapi.ts) publishes them,
// and a test holds every real answer of the end-to-end run to them (additionalProperties: false,
// so a field added to a command's JSON without its schema fails that test).

export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Schema;
  enum?: readonly string[];
  description?: string;
}

const str: Schema = { type: 'string' };
const strOrNull: Schema = { type: ['string', 'null'] };
const int: Schema = { type: 'integer' };
const intOrNull: Schema = { type: ['integer', 'null'] };
const bool: Schema = { type: 'boolean' };

/** An object with exactly these properties, all required unless listed in `optional`. */
export function object(properties: Record<string, Schema>, optional: string[] = []): Schema {
  return { type: 'object', properties, required: Object.keys(properties).filter((k) => !optional.includes(k)), additionalProperties: false };
}

export const ERROR = object({ error: str, hint: str }, ['hint']);

const boolOrNull: Schema = { type: ['boolean', 'null'] };
const num: Schema = { type: 'number' };
const nullable = (sch: Schema): Schema => ({ ...sch, type: [sch.type as string, 'null'] });

/** What last counted as activity (core/last-activity.ts): why a tenant is awake. */
export const LAST_ACTIVITY = object({
  kind: { type: 'string', enum: ['request', 'traffic', 'wake', 'warmup', 'start', 'pin'] },
  at: str,
  request: object({ method: str, path: str, client: str }),
  bytes: int,
}, ['request', 'bytes']);

export const LIST_ENTRY = object({
  name: str, port: intOrNull, url: str, container: str, state: str, lastActive: strOrNull, pinned: bool,
  lastActivity: nullable(LAST_ACTIVITY), tracked: bool, outOfDate: boolOrNull,
});

export const SHOW = object({
  name: str, url: str, port: int, status: str, desired: str, state: str, container: str, containerId: strOrNull, image: str,
  limits: object({ cpus: { type: ['number', 'null'] }, memoryBytes: intOrNull, pids: intOrNull }),
  volume: object({ name: str, sizeBytes: intOrNull }),
  password: { type: 'string', enum: ['set', 'unknown'] },
  adopted: bool, createdAt: str, startedAt: strOrNull,
  imageId: strOrNull, outOfDate: boolOrNull, upgrading: nullable(object({ image: str, step: str })),
  lastActivity: LAST_ACTIVITY, pinned: bool, ingestToken: { type: 'string', enum: ['set', 'none'] },
});

const USAGE_TOTAL = object({
  name: str, days: int, activeMinutes: num, requests: int, bytesIn: int, bytesOut: int, wakes: int, cpuSeconds: num, peakMemory: int,
});

const USAGE_DAY = object({
  name: str, day: str, activeMs: int, requests: int, bytesIn: int, bytesOut: int, wakes: int, cpuUs: int, peakMemory: int,
});

/** `usage --json`: per tenant and the total; with a name, that tenant's days too. */
export const USAGE = object({ since: str, until: str, tenants: { type: 'array', items: USAGE_TOTAL }, total: USAGE_TOTAL, days: { type: 'array', items: USAGE_DAY } }, ['days']);

/** `summaries --json`: the objects a tenant pushed, oldest first. */
export const SUMMARIES: Schema = { type: 'array', items: object({ receivedAt: str, summary: { type: 'object' } }) };

export const LIFECYCLE = object({
  name: str,
  action: { type: 'string', enum: ['started', 'created', 'stopped', 'restarted', 'none'] },
  state: { type: 'string', enum: ['running', 'stopped'] },
  message: str,
});

export const WARMUP = object({
  name: str, action: { type: 'string', enum: ['woken', 'none'] }, state: { type: 'string', enum: ['running'] }, ms: int, message: str,
});

export const LOGS = object({
  name: str,
  lines: { type: 'array', items: object({ time: str, stream: { type: 'string', enum: ['stdout', 'stderr'] }, text: str }) },
});

/** The OpenAPI document itself: only its outline is promised. */
export const OPENAPI: Schema = { type: 'object', required: ['openapi', 'info', 'paths'] };
