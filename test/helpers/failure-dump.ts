import { afterEach } from 'vitest';
import { dumpStack } from './stack-dump.js';
import { liveStacks } from './stack.js';

// Wired once for every end-to-end file (vitest.config.ts, project e2e): when a test fails, what
// its stacks saw goes to stderr next to the failure. Files start their stacks in beforeAll and
// clean them up in afterAll, so they are still alive here.
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  for (const stack of liveStacks) console.error(await dumpStack(stack));
});
