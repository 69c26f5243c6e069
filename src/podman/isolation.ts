import { runProcess } from './run-process.js';

// netavark 1.4 (podman 4.3, Debian 12) deletes the `FORWARD -j NETAVARK_ISOLATION_1` jump when
// any container on an isolated network is stopped or removed, and adds it back only at the next
// network setup: until then tenants on their own `isolate=true` networks can reach each other.
// After every teardown we put the jump back where netavark keeps it (first in FORWARD). Where
// the chain does not exist (no isolated network, or a netavark on nftables) this does nothing.
const CHAIN = 'NETAVARK_ISOLATION_1';

export async function repairIsolation(env: Record<string, string | undefined>): Promise<boolean> {
  try {
    const chain = await runProcess('iptables', ['-w', '-S', CHAIN], env);
    if (chain.exitCode !== 0) return false;
    const jump = await runProcess('iptables', ['-w', '-C', 'FORWARD', '-j', CHAIN], env);
    if (jump.exitCode === 0) return false;
    const fixed = await runProcess('iptables', ['-w', '-I', 'FORWARD', '1', '-j', CHAIN], env);
    return fixed.exitCode === 0;
  } catch {
    return false; // no iptables binary: nothing of netavark's to repair either
  }
}
