#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`).
// `reconcile` spends most of its time waiting for one `podman ps`: start it before loading the CLI.
if (process.argv[2] === 'reconcile') await import('../dist/app/early-read.js').then((m) => m.startEarlyRead(process.env));
import('../dist/cli/main.js').then((m) => m.main(process.argv));
