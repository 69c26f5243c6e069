// Pure: the shell of the helpers that carry a tenant's volume between its node and this manager
// (issue 14: export, import and `move` on Swarm). A volume lives on one node and only a task
// placed there can read it, so a one-shot helper service on that node serves it (or receives
// it) on the tenant's own overlay network, and a relay container on the manager, attached to the
// same network, connects to it: its stdout (export) or stdin (import) is this process's file.
// Each helper prints `SUM <sha256>` of the bytes that crossed its socket: the caller compares it
// with the sha256 of its file, so a stream cut or altered on the way is a failure, not a copy.
//
// busybox nc, measured on the harness: a plain `nc` exits as soon as EITHER its stdin or the
// network reaches the end, and half-closes the socket at stdin's end, so `tar | nc -l` against a
// client with nothing on its stdin sent 1,024 of 3,003,904 bytes. With `-e PROG` nc execs PROG on
// the socket and is out of the way: the helpers use it; the relay's own stdin is the data (import)
// or empty, which nc then half-closes without harm (export: the helper never reads).
// Needs sh, tar, nc (with -e), nslookup, mkfifo, tee and sha256sum in the tenant's image (busybox has all).
import type { ServiceSpec } from '../core/service.js';
import { NODE_LABEL } from '../core/tenant-service-spec.js';

export const MOVE_PORT = 7000;

const SUM = `wait; echo "SUM $(cut -d' ' -f1 /tmp/sum)"`;
/** A volume holding anything is reported and left as it is. */
const ONLY_EMPTY = `[ -z "$(ls -A /v)" ] || { echo NOTEMPTY; exit 3; }`;
const HASHED = `mkfifo /tmp/p; sha256sum < /tmp/p > /tmp/sum &`;

/**
 * On the volume's node: sends the volume as one tar to the first connection, then stays until the
 * relay says it has it all (a connection to the next port). Measured: a sender that ended at once
 * took its network namespace with it while 1.3 MB of a 60 MB volume were still in its socket's
 * buffer; they never arrived, and no FIN or RST either, so the relay waited forever.
 */
export const SEND = `${HASHED} nc -l -p ${MOVE_PORT} -e sh -c 'tar -c -C /v . | tee /tmp/p' || exit 4; ${SUM}; timeout 120 nc -l -p ${MOVE_PORT + 1} </dev/null >/dev/null; exit 0`;

/**
 * On the target node: unpacks the first connection's tar into the volume, which must be empty
 * (a merge could not be verified); a volume holding data is reported and left as it was. Bytes
 * other than those expected (`sha256`), or a tar that fails half-way, leave the volume empty again:
 * it was empty before, so nothing of the user's is lost, and a retry is not refused as NOTEMPTY.
 */
export function receiveScript(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`);
  const undo = `find /v -mindepth 1 -maxdepth 1 -exec rm -rf {} +`;
  return `${ONLY_EMPTY}; ${HASHED} nc -l -p ${MOVE_PORT} -e sh -c 'tee /tmp/p | tar -x -C /v' || { wait; ${undo}; exit 4; }; ${SUM}; [ "$(cut -d' ' -f1 /tmp/sum)" = "${sha256}" ] || { ${undo}; exit 8; }`;
}

/** On the volume's node: whether the volume (made here if absent, as the service would) holds anything. */
export const CHECK_EMPTY = `${ONLY_EMPTY}; echo "SUM empty"`;

/**
 * On the manager: connects to the helper named $0 once its name resolves and it listens; bounded
 * by time, not tries (a lookup of a name not yet there can itself take seconds). A refused connect
 * reads nothing from stdin, so retrying it loses no data. With `release`, then lets the sender go.
 */
export function relayScript(release: boolean): string {
  const wait = `end=$(($(date +%s) + 60)); until nslookup "$0" >/dev/null 2>&1; do [ $(date +%s) -gt $end ] && exit 5; sleep 0.2; done`;
  const carry = `until nc "$0" ${MOVE_PORT}; do [ $(date +%s) -gt $end ] && exit 6; sleep 0.2; done`;
  const let_go = `end=$(($(date +%s) + 30)); until nc "$0" ${MOVE_PORT + 1} </dev/null >/dev/null; do [ $(date +%s) -gt $end ] && exit 7; sleep 0.2; done`;
  return [wait, carry, ...(release ? [let_go] : [])].join('; ');
}

export function helperArgv(o: { name: string; node: string; network: string; volume: string; image: string; readOnly: boolean; script: string; labels: ServiceSpec['labels'] }): string[] {
  return [
    'service', 'create', '--detach', '--quiet',
    '--name', o.name,
    '--restart-condition', 'none',
    '--endpoint-mode', 'dnsrr',
    '--network', o.network,
    '--constraint', `node.labels.${NODE_LABEL}==${o.node}`,
    // root, so that every file is read whatever its mode and owners and modes are kept on unpacking
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

/** The relay on the manager: nothing but nc, as nobody, without capabilities. */
export function relayArgv(o: { network: string; image: string; helper: string; labels: ServiceSpec['labels']; stdin: boolean }): string[] {
  return [
    'run', '--rm', ...(o.stdin ? ['-i'] : []),
    '--network', o.network,
    '--user', '65534:65534',
    // an init as PID 1: sh as PID 1 ignores the SIGTERM that stops a relay nobody needs any more
    // (measured: without it, a refused import's relay went on trying to connect for its full minute)
    '--init',
    '--cap-drop', 'ALL',
    '--security-opt', 'no-new-privileges',
    ...Object.entries(o.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    '--entrypoint', 'sh',
    o.image,
    // export (no stdin) releases its sender; import's receiver ends by itself once it has read all
    '-c', relayScript(!o.stdin), o.helper,
  ];
}
