#!/usr/bin/env node
// A shim: all behaviour, including the process exit code, lives in src/cli. CommonJS, as the
// bundle it loads (bin/bundle.cjs): a module entry point would have Node set up its ES module loader
// first, ≈ 3 ms of a ≈ 45 ms start that nothing else here needs.
'use strict';
const { enableCompileCache } = require('node:module');
const path = require('node:path');

// Node 22.1+ keeps the compiled code of modules on disk between runs, so later runs skip parsing
// them: here the AWS SDK's, on the live path (bin/bundle.cjs keeps kms-why's own, with more in it).
// The cache lives in the user's own cache folder ($XDG_CACHE_HOME or ~/.cache, %LOCALAPPDATA% on
// Windows), not in the shared temp folder Node uses by default, where another user of the machine
// could have put code of theirs first. It is optional: without a home folder there is no cache;
// NODE_DISABLE_COMPILE_CACHE=1 turns both caches off, NODE_COMPILE_CACHE=DIR (which Node reads
// itself) puts them in DIR; a folder that cannot be written only costs the speed-up.
const env = process.env;
const cacheHome = env.XDG_CACHE_HOME || (process.platform === 'win32' ? env.LOCALAPPDATA : env.HOME ? `${env.HOME}/.cache` : undefined);
const cacheOff = env.NODE_DISABLE_COMPILE_CACHE !== undefined && env.NODE_DISABLE_COMPILE_CACHE !== '';
if (cacheHome && env.NODE_COMPILE_CACHE === undefined && !cacheOff) enableCompileCache?.(`${cacheHome}/kms-why/compile-cache`);
const args = process.argv.slice(2);
// who-can and diff walk whole accounts and reports: on a large input they run in a child node with
// a heap limit sized from the input, and who-can with a larger young generation (bin/heap.js says
// why and how much). The command is found as main() finds it; every other command loads nothing more.
const command = args.find((a) => !a.startsWith('-'));
// A heap size the user chose is kept, in a child too: there, running out of memory is one error
// line (exit 4), not V8's report. The child (KMS_WHY_HEAP_CHILD) runs the command itself.
async function run() {
  if ((command === 'who-can' || command === 'diff') && env.KMS_WHY_HEAP_CHILD !== '1') {
    const heap = await import('./heap.js');
    const limit = heap.heapLimitMb(command, args, env, process.execArgv);
    const semi = heap.semiSpaceMb(command, args, env, process.execArgv);
    const userHeap = heap.userSetHeap(env, process.execArgv);
    if (limit !== undefined || semi !== undefined || userHeap) {
      heap.relaunch(process.argv[1], args, limit, command, userHeap ? heap.userHeapMb(env, process.execArgv) : undefined, semi);
      return;
    }
  }
  // dist/bundle is the command line bundled into a few CommonJS chunks (rolldown.config.mjs): one
  // file to read for most runs instead of some 45 modules, compiled with the code cache of the
  // command's last run (bin/bundle.cjs).
  const { bundleLoader } = require('./bundle.cjs');
  // Not in bin/heap.js's child: it runs under a heap limit sized from the input (flags V8 would
  // find changed from one run to the next), on inputs that take seconds, where the cache saves
  // ≈ 15 ms.
  const codeCache =
    cacheOff || env.KMS_WHY_HEAP_CHILD === '1'
      ? undefined
      : env.NODE_COMPILE_CACHE
        ? `${env.NODE_COMPILE_CACHE}/kms-why`
        : cacheHome
          ? `${cacheHome}/kms-why/code-cache`
          : undefined;
  const label = command !== undefined && /^[a-z][a-z0-9-]{0,31}$/.test(command) ? command : 'other';
  const bundle = bundleLoader(path.join(__dirname, '..', 'dist', 'bundle'), codeCache, label);
  const { main } = bundle.require('kms-why.cjs');
  process.exitCode = await main(args);
  // Not after a usage error (a mistyped command among them): the next good run writes the cache.
  if (process.exitCode !== 2) bundle.save();
}
run().catch((e) => {
  // main() reports every error itself: this is the shim's own failure (a bug, exit 4).
  process.stderr.write(`kms-why: internal error: ${e?.stack ?? e}\n`);
  process.exitCode = 4;
});
