// The read side over podman's REST API socket (`podman system service`; the libpod API's v4 paths,
// which podman 4.3 and the birth's 5.4 both serve, with the same fields): one request to a process
// that is already running, instead of starting podman for each listing. A service that does not
// answer falls back to the CLI for that call, so a dead service never breaks a command.
import { lstatSync } from 'node:fs';
import { request } from 'node:http';
import { EngineError, OperationError } from '../core/errors.js';
import type { ContainerSummary } from '../core/container.js';
import { containerFilters, matching } from './filters.js';
import { parseNetworkBridges, parsePsJson } from './parse.js';
import type { ContainerFilter, PodmanReads } from './types.js';

// The service is down (socket gone, or left behind by a dead one), or not ours to use (a root
// socket when we run as another user, whose podman is then its own): the CLI gives today's answer.
const NOT_ANSWERING = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTDIR']);

export class ApiReads implements PodmanReads {
  constructor(
    private readonly socket: string,
    private readonly fallback: PodmanReads,
    /** One line when a call falls back (FEATHER_TENANT_TRACE=1). */
    private readonly trace: ((line: string) => void) | undefined,
    private readonly uid = process.getuid?.(),
  ) {}

  async containers(filter: ContainerFilter): Promise<ContainerSummary[]> {
    const text = await this.get(`/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify(containerFilters(filter)))}`);
    return text === undefined ? this.fallback.containers(filter) : matching(parsePsJson(text), filter);
  }

  async networkBridges(labelFilter: string): Promise<string[]> {
    const text = await this.get(`/networks/json?filters=${encodeURIComponent(JSON.stringify({ label: [labelFilter] }))}`);
    return text === undefined ? this.fallback.networkBridges(labelFilter) : parseNetworkBridges(text);
  }

  async imageId(image: string): Promise<string | undefined> {
    // 404 is podman's "image not known": not there, as `podman image inspect` exits 125 for it.
    const text = await this.get(`/images/${encodeURIComponent(image)}/json`, [404]);
    if (text === undefined) return this.fallback.imageId(image);
    if (text === null) return undefined;
    const id = (JSON.parse(text) as { Id?: unknown }).Id;
    if (typeof id !== 'string') throw new EngineError('podman API GET /libpod/images/json', `no Id in its answer: ${text.slice(0, 200)}`);
    return id;
  }

  /**
   * The answer's body; undefined when the service does not answer (the caller falls back); null
   * for a status in `absent` (the thing asked for is not there).
   */
  private async get(path: string): Promise<string | undefined>;
  private async get(path: string, absent: number[]): Promise<string | null | undefined>;
  private async get(path: string, absent: number[] = []): Promise<string | null | undefined> {
    const q = path.indexOf('?');
    const endpoint = `/libpod${q === -1 ? path : path.slice(0, q)}`;
    try {
      this.checkOwner();
      const r = await getOverSocket(this.socket, `/v4.0.0/libpod${path}`);
      if (absent.includes(r.status)) return null;
      if (r.status !== 200) throw new EngineError(`podman API GET ${endpoint}`, apiMessage(r.text));
      return r.text;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined || !NOT_ANSWERING.has(code)) throw err;
      this.trace?.(`trace: podman API socket ${this.socket} not answering (${code}): GET ${endpoint} through the podman CLI`);
      return undefined;
    }
  }

  /**
   * We act on what the socket says about the world, so only root (or we, for a rootless podman)
   * may be the one answering: in a directory others can write to, another user could bind a
   * socket of their own at this path while the service is down.
   */
  private checkOwner(): void {
    const st = lstatSync(this.socket); // ENOENT: not there, the service is down
    if (!st.isSocket()) throw new OperationError(`${this.socket} (FEATHER_TENANT_PODMAN_SOCKET) is not a socket`, 'point it at the socket of `podman system service`, or unset it');
    if (st.uid !== 0 && st.uid !== this.uid) {
      throw new OperationError(
        `refusing podman API socket ${this.socket}: it belongs to uid ${st.uid}, neither root nor us`,
        'podman\'s socket must be root\'s (mode 0600) in a directory only root can write to',
      );
    }
  }
}

function getOverSocket(socketPath: string, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    // agent: false, so no kept-alive connection holds the process open when the command is done.
    const req = request({ socketPath, path, agent: false, headers: { host: 'podman' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** podman's error body is `{"cause":...,"message":...,"response":500}`. */
function apiMessage(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text;
  }
}
