// Pure: the two one-shot helper services of `move` (issue 14). The source task, on the old node,
// sends its volume as a tar stream over the tenant's own overlay network to the target task, on
// the new node, which unpacks it into the new (empty) volume. Each side then prints one line,
// `SUM <md5> <entries>`, of the same listing (path, type, mode, owner, size, and each file's
// md5): equal lines mean the data arrived whole. Needs sh, tar, nc, find, sort, stat and md5sum
// in the image (busybox has all of them). Both run as root, so owners and modes are kept.
import type { ServiceSpec } from '../core/service.js';
import { NODE_LABEL } from '../core/tenant-service-spec.js';

export const MOVE_PORT = 7000;

const LISTING = `cd /v && find . | LC_ALL=C sort | while IFS= read -r f; do stat -c '%F %a %u:%g %s %n' "$f"; if [ -f "$f" ] && [ ! -L "$f" ]; then md5sum < "$f"; fi; done > /tmp/list; echo "SUM $(md5sum < /tmp/list | cut -d' ' -f1) $(find . | wc -l)"`;

/** The target: refuses a volume that already holds anything (a merge could not be verified). */
export const RECEIVE = `[ -z "$(ls -A /v)" ] || { echo "NOTEMPTY"; exit 3; }; nc -l -p ${MOVE_PORT} -e tar -x -C /v || exit 4; ${LISTING}`;

/** The source: waits until the target's name resolves, then sends. */
export function sendScript(target: string): string {
  // bounded by time, not tries: a lookup of a name that is gone can itself take seconds
  return `end=$(($(date +%s) + 60)); until nslookup ${target} >/dev/null 2>&1; do [ $(date +%s) -gt $end ] && exit 5; sleep 0.2; done; sleep 0.5; tar -c -C /v . | nc ${target} ${MOVE_PORT} || exit 6; ${LISTING}`;
}

export function helperArgv(o: { name: string; node: string; network: string; volume: string; image: string; readOnly: boolean; script: string; labels: ServiceSpec['labels'] }): string[] {
  return [
    'service', 'create', '--detach', '--quiet',
    '--name', o.name,
    '--restart-condition', 'none',
    '--endpoint-mode', 'dnsrr',
    '--network', o.network,
    '--constraint', `node.labels.${NODE_LABEL}==${o.node}`,
    '--user', '0:0',
    // the target's volume is made here: labelled like every object of ours
    '--mount', [`type=volume,source=${o.volume},target=/v`, ...(o.readOnly ? ['readonly'] : Object.entries(o.labels).map(([k, v]) => `volume-label=${k}=${v}`))].join(','),
    ...Object.entries(o.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    '--entrypoint', 'sh',
    '--no-resolve-image',
    o.image,
    '-c', o.script,
  ];
}
