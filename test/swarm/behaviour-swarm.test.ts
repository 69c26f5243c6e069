// The shared behaviour suite (test/behaviour/suite.ts) on the swarm backend: `npm run test:swarm`.
import { behaviourSuite } from '../behaviour/suite.js';
import { swarmStack } from '../behaviour/swarm-stack.js';

behaviourSuite('swarm', (env) => swarmStack(env), {
  // Measured on the harness: remove keeps the volume on node 1, the next add places the tenant on
  // the emptiest node (2) and starts a new, empty volume there; add never looks for the kept one
  // (no node but its own can see a local volume), and says volumeReused: false even when it lands
  // on the old node and does reuse it.
  readd: 'swarm: add places by tenant count and starts an empty volume away from the kept one',
});
