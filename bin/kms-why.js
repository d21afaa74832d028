#!/usr/bin/env node
// A shim: all behaviour, including the process exit code, lives in src/cli.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
