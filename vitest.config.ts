import { defineConfig } from 'vitest/config';

// Two tiers. `unit`: pure code and loopback sockets, no podman, Caddy or dist/ (a guard on PATH
// fails any test that runs them). `e2e`: the built CLI against real podman, Caddy and Redis.
export default defineConfig({
  test: {
    pool: 'forks',
    // End-to-end tests start real containers; two cores run two files at a time.
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 90_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/helpers/unit-guard.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          // A failed test prints its stacks' Caddy config, logs and podman's view.
          setupFiles: ['test/helpers/failure-dump.ts'],
        },
      },
      // `npm run test:swarm` only (scripts/test-swarm.sh brings the two-node harness up first).
      ...(process.env.FEATHER_SWARM_TESTS === '1'
        ? [{ extends: true as const, test: { name: 'swarm', include: ['test/swarm/**/*.test.ts'] } }]
        : []),
    ],
  },
});
