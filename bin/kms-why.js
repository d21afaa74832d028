#!/usr/bin/env node
// A shim: all behaviour, including the process exit code, lives in src/cli.
import module from 'node:module';

// Node 22.1+ can keep the compiled code of our modules on disk between runs (in the OS temp
// folder), so later runs skip parsing them; older versions simply skip this.
module.enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
