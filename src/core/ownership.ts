import type { Config } from './config.js';
import { ConflictError } from './errors.js';
import { LABEL_PREFIX } from './tenant.js';

export type ObjectKind = 'container' | 'volume' | 'network' | 'secret';

/** A podman object found under the name a tenant's object would get. */
export interface NamedObject {
  kind: ObjectKind;
  name: string;
  labels: Record<string, string>;
}

/**
 * Objects are named <prefix><tenant>, and prefixes may nest: `feather-` + `user-a` and
 * `feather-user-` + `a` are both `feather-user-a`. Each installation finds its own objects by
 * the prefix label, so lists never mix; only names collide. An object whose prefix label names
 * another installation is never reused, replaced or removed: this is the refusal, naming the
 * first such object (undefined when there is none; unlabelled objects, such as tenant.sh's,
 * are left to the caller's own rules).
 */
export function claimedElsewhere(c: Pick<Config, 'prefix'>, tenant: string, found: readonly NamedObject[]): ConflictError | undefined {
  const other = found.find((o) => o.labels[LABEL_PREFIX] !== undefined && o.labels[LABEL_PREFIX] !== c.prefix);
  if (!other) return undefined;
  return new ConflictError(
    `${other.kind} ${other.name} belongs to another feather-tenant installation (prefix ${other.labels[LABEL_PREFIX]}); ` +
      `tenant ${tenant} of prefix ${c.prefix} would take its name, so nothing was changed`,
    'choose another tenant name; installations on one podman need prefixes where neither is the start of the other',
  );
}
