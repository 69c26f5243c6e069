// `move`'s volume copy on Swarm (issue 14): two one-shot helper services (move-scripts.ts), their
// end awaited, their SUM lines compared. Apart from docker-cli.ts: one concept, its own waiting.
import { OperationError } from '../core/errors.js';
import { helperArgv, RECEIVE, sendScript } from './move-scripts.js';

export type Docker = (args: string[]) => Promise<{ stdout: string; stderr: string; exitCode: number | null }>;

// A volume of gigabytes crosses the overlay at tens of MB/s on these machines: an hour is ample.
const DEADLINE_MS = 60 * 60_000;

export async function copyVolume(docker: Docker, o: { name: string; from: string; to: string; image: string; labels: Record<string, string> }): Promise<void> {
  const receiver = `${o.name}-move-in`;
  const sender = `${o.name}-move-out`;
  const common = { network: o.name, volume: o.name, image: o.image, labels: o.labels };
  // helpers of an earlier move that was killed before its own clean-up
  await docker(['service', 'rm', receiver, sender]);
  try {
    await must(docker, helperArgv({ ...common, name: receiver, node: o.to, readOnly: false, script: RECEIVE }));
    await must(docker, helperArgv({ ...common, name: sender, node: o.from, readOnly: true, script: sendScript(receiver) }));
    // The receiver ends last on success (it reads to the end); a receiver that failed first
    // leaves the sender with nobody to send to: it is not waited for.
    const inState = await finished(docker, receiver);
    const inSum = await sumLine(docker, receiver);
    if (inSum === 'NOTEMPTY') throw new OperationError(`node ${o.to} already has a volume ${o.name} holding data`, `look at it there, then remove it: docker volume rm ${o.name}`);
    const outState = inState.startsWith('Complete') ? await finished(docker, sender) : 'not waited for';
    const outSum = await sumLine(docker, sender);
    if (!inState.startsWith('Complete') || !outState.startsWith('Complete') || inSum === undefined || inSum !== outSum) {
      throw new OperationError(`the copy of volume ${o.name} from node ${o.from} to ${o.to} failed (sent: ${outSum ?? outState}; received: ${inSum ?? inState})`, `the data on node ${o.from} is untouched`);
    }
  } finally {
    await docker(['service', 'rm', receiver, sender]);
  }
}

async function must(docker: Docker, args: string[]): Promise<void> {
  const r = await docker(args);
  if (r.exitCode !== 0) throw new OperationError(`docker service create failed: ${r.stderr.trim()}`);
}

/** The helper's task's final state ("Complete ...", "Failed ...", "Rejected ..."). */
async function finished(docker: Docker, service: string): Promise<string> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const r = await docker(['service', 'ps', '--format', '{{.CurrentState}}|{{.Error}}', service]);
    const state = r.stdout.split('\n')[0] ?? '';
    if (/^(Complete|Failed|Rejected|Shutdown|Orphaned)/.test(state)) return state;
    if (Date.now() > deadline) return `still ${state} after ${DEADLINE_MS / 60_000} min`;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function sumLine(docker: Docker, service: string): Promise<string | undefined> {
  const r = await docker(['service', 'logs', '--raw', service]);
  const lines = `${r.stdout}\n${r.stderr}`.split('\n');
  if (lines.includes('NOTEMPTY')) return 'NOTEMPTY';
  return lines.find((l) => l.startsWith('SUM '));
}
