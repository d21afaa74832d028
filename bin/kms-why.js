#!/usr/bin/env node
// A shim: all behaviour, including the process exit code, lives in src/cli.
import module from 'node:module';

// Node 22.1+ can keep the compiled code of our modules on disk between runs (in the OS temp
// folder), so later runs skip parsing them; older versions simply skip this.
module.enableCompileCache?.();
// dist/bundle/kms-why.js is the command line bundled into one file (rolldown.config.mjs): one module to
// resolve and read instead of some 45, which is most of what a cold start spends on loading.
const { main } = await import('../dist/bundle/kms-why.js');

process.exitCode = await main(process.argv.slice(2));
