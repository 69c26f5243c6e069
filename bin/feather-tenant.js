#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`).
// `reconcile` and `list` spend most of their time waiting for one `podman ps`: start it before
// loading the CLI, which then loads while podman runs.
if (['reconcile', 'list', 'ls', 'upgrade'].includes(process.argv[2])) await import('../dist/runtime/early-read.js').then((m) => m.startEarlyRead(process.env));
import('../dist/cli/entry.js').then((m) => m.main(process.argv));
