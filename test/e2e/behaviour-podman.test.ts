// The shared behaviour suite (test/behaviour/suite.ts) on the podman backend, in `npm test`.
import { behaviourSuite } from '../behaviour/suite.js';
import { podmanStack } from '../behaviour/podman-stack.js';

behaviourSuite('podman', podmanStack);
