// The swarm harness's stand-in for a manager's DNS resolver (scripts/swarm-harness.sh): answers
// every query NXDOMAIN at once, as a real resolver does for a single-label name like a sleeping
// tenant's service. Docker 20.10's embedded DNS forwards names it does not know (a service scaled
// to 0) to the container's resolvers and, when none answers, answers nothing at all: measured in
// the harness without this, Caddy's dial to a sleeping tenant ended in its 3 s dial timeout
// ("lookup <service>: i/o timeout") on every request, so every wake started 3 s late.
//   node nxdomain-dns.mjs ADDRESS   (UDP port 53)
import { createSocket } from 'node:dgram';

const address = process.argv[2] ?? '127.0.0.1';
const sock = createSocket('udp4');
sock.on('message', (q, peer) => {
  if (q.length < 12) return;
  const r = Buffer.from(q);
  // QR=1, the query's opcode and RD kept, RA=1, RCODE=3 (NXDOMAIN); the question echoed, no answers
  r[2] = 0x80 | ((q[2] ?? 0) & 0x79);
  r[3] = 0x80 | 3;
  r.writeUInt16BE(0, 6);
  r.writeUInt16BE(0, 8);
  r.writeUInt16BE(0, 10);
  sock.send(r.subarray(0, 12 + questionLength(q)), peer.port, peer.address);
});
sock.bind(53, address);

/**
 * The length of the first question (name labels, type, class); the rest of a query is dropped.
 * @param {Buffer} q
 */
function questionLength(q) {
  let i = 12;
  while (i < q.length && q[i] !== 0) i += (q[i] ?? 0) + 1;
  return Math.min(i + 5, q.length) - 12;
}
