#!/usr/bin/env node
// A shim: all behaviour, including the process exit code, lives in src/cli.
import module from 'node:module';

// Node 22.1+ keeps the compiled code of our modules on disk between runs, so later runs skip
// parsing them. The cache lives in the user's own cache folder ($XDG_CACHE_HOME or ~/.cache,
// %LOCALAPPDATA% on Windows), not in the shared temp folder Node uses by default, where another
// user of the machine could have put code of theirs first. It is optional: without a home folder
// there is no cache; NODE_DISABLE_COMPILE_CACHE=1 turns it off, NODE_COMPILE_CACHE=DIR (which
// Node reads itself) puts it elsewhere; a folder that cannot be written only costs the speed-up.
const env = process.env;
const cacheHome = env.XDG_CACHE_HOME || (process.platform === 'win32' ? env.LOCALAPPDATA : env.HOME ? `${env.HOME}/.cache` : undefined);
if (cacheHome && env.NODE_COMPILE_CACHE === undefined) module.enableCompileCache?.(`${cacheHome}/kms-why/compile-cache`);
const args = process.argv.slice(2);
// who-can and diff walk whole accounts and reports: on a large input they run in a child node with
// a heap limit sized from the input, and who-can with a larger young generation (bin/heap.js says
// why and how much). The command is found as main() finds it; every other command loads nothing more.
const command = args.find((a) => !a.startsWith('-'));
let relaunched = false;
// A heap size the user chose is kept, in a child too: there, running out of memory is one error
// line (exit 4), not V8's report. The child (KMS_WHY_HEAP_CHILD) runs the command itself.
if ((command === 'who-can' || command === 'diff') && env.KMS_WHY_HEAP_CHILD !== '1') {
  const heap = await import('./heap.js');
  const limit = heap.heapLimitMb(command, args, env, process.execArgv);
  const semi = heap.semiSpaceMb(command, args, env, process.execArgv);
  const userHeap = heap.userSetHeap(env, process.execArgv);
  if (limit !== undefined || semi !== undefined || userHeap) {
    heap.relaunch(process.argv[1], args, limit, command, userHeap ? heap.userHeapMb(env, process.execArgv) : undefined, semi);
    relaunched = true;
  }
}
if (!relaunched) {
  // dist/bundle/kms-why.js is the command line bundled into one file (rolldown.config.mjs): one module to
  // resolve and read instead of some 45, which is most of what a cold start spends on loading.
  const { main } = await import('../dist/bundle/kms-why.js');
  process.exitCode = await main(args);
}
