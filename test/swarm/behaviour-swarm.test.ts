// The shared behaviour suite (test/behaviour/suite.ts) on the swarm backend: `npm run test:swarm`.
import { behaviourSuite } from '../behaviour/suite.js';
import { swarmStack } from '../behaviour/swarm-stack.js';

behaviourSuite('swarm', (env) => swarmStack(env));
