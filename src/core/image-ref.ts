import { UsageError } from './errors.js';

// A work image reference, held to the grammar of container image references
// (github.com/distribution/reference): [registry[:port]/]path[:tag][@sha256:digest]. The image
// is a positional argument of podman (`run`, `create`, `image exists`), so a value such as
// `--privileged` or `-v=/:/host` must never get that far: besides this check, every podman call
// ends its options with `--` (podman-cli.ts, run-args.ts). Transports (`docker://`,
// `oci-archive:FILE`) are refused too: the image comes from podman's storage, never elsewhere.

const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]{1,5})?`;
const PATH_PART = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_PART}(?:/${PATH_PART})*`;
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);
/** The reference grammar's limit on the name (without tag and digest). */
const MAX_NAME = 255;
/**
 * containers/image transports: `NAME:rest` with one of these names is read as a transport, not
 * as NAME with a tag (`podman run oci-archive:foo` opens the file ./foo as an image, measured).
 */
const TRANSPORTS = new Set(['atomic', 'containers-storage', 'dir', 'docker', 'docker-archive', 'docker-daemon', 'oci', 'oci-archive', 'ostree', 'sif', 'tarball']);

export function imageProblem(ref: string): string | undefined {
  if (ref.length === 0) return 'it is empty';
  if (ref.startsWith('-')) return 'it must not start with "-" (podman would read it as an option)';
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(ref)) return 'it must not contain whitespace or control characters';
  const m = REFERENCE.exec(ref);
  if (!m) return 'expected [REGISTRY[:PORT]/]PATH[:TAG][@sha256:DIGEST], path in lowercase letters, digits and . _ -';
  if ((m[1] as string).length > MAX_NAME) return `its name is longer than ${MAX_NAME} characters`;
  if (TRANSPORTS.has(m[1] as string) && ref.length > (m[1] as string).length) return `${m[1] as string}: is a transport; give a plain reference (images are never pulled)`;
  return undefined;
}

/** Returns the reference if it is valid; throws a UsageError naming where it came from. */
export function validateImage(ref: string, source: string): string {
  const why = imageProblem(ref);
  if (why) throw new UsageError(`${source}: invalid image reference ${JSON.stringify(ref)}: ${why}`);
  return ref;
}
