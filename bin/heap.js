// A heap limit for the commands that walk whole accounts (`who-can`) or reports (`diff`), loaded by
// kms-why.cjs only for those commands: every other command starts as before.
//
// Why: V8 grows its heap lazily, up to a default limit set from the machine's memory (4 GB on a
// 24 GB machine), so the resident size follows that limit rather than what the run keeps alive.
// `who-can --all-keys --output jsonl` over 20,000 roles × 20 keys (a 33 MB snapshot) keeps at most
// 447 MB alive (the largest heap after a full collection, --trace-gc) yet reached 1.85 GB RSS;
// under a limit, V8 collects before growing.
//
// The limit: max(768 MB, 24 × snapshot MB + 1 × who-can report MB), from the sizes of the files
// given (--from for who-can, OLD and NEW for diff). Measured (node 22, --trace-gc, largest heap
// after a mark-compact; all key actions, 20 keys with 20-statement policies and 500 grants each):
//   who-can, 5,000 roles, 11.5 MB snapshot:  142 MB live (12.4 × the file)
//   who-can, 20,000 roles, 33.4 MB snapshot: 447 MB live (13.4 × the file); fails under 400 MB
//   diff of two snapshots, 1,000 roles, 11.3 MB together: 110 MB live (9.7 ×)
//   diff of two who-can reports, 1,000 roles, 414 MB together: 76 MB live (0.18 ×: a report is
//     indexed and read a key at a time)
// 24 × is about 1.8 × the largest live/file ratio seen, so that the collector has room and a run
// does not spend its time collecting; 768 MB is the floor that keeps the 20,000-role run under 1 GB
// RSS (753 MB measured: the heap limit plus code, buffers and the young generation) while leaving
// it 1.7 × its live set.
//
// A limit has a price: under a 1 GB maximum heap (on 64-bit), V8 lowers the factor by which it lets
// the heap grow between full collections from 4 to 1.3–2 (V8's MemoryController), so it collects
// more often. Measured at the floor: who-can over 20,000 roles 106.6 -> 119.8 s CPU; diff of two
// 200 MB who-can reports (76 MB live) 15.7 -> 24.0 s CPU for 378 -> 295 MB RSS. So inputs weighing
// under 400 MB (snapshots under 16.7 MB: live sets under ~220 MB, which V8's default growth, about
// 4.2 × live, keeps under 1 GB: 142 MB live peaked at 616 MB RSS) run in this process without a
// limit, which also spares them a second start of node.
//
// KMS_WHY_HEAP_MB=N sets the limit instead (and relaunches whatever the inputs): documented in
// docs/memory.md, for a user who wants a limit for kms-why alone (NODE_OPTIONS also reaches npx and
// every other node the shell starts), and used by the tests to run out of memory on small inputs.
// A heap size the user gave node (--max-old-space-size or --max-heap-size, in NODE_OPTIONS or on
// node's command line) wins over both; the command still runs in a child (which inherits that size
// and adds none), so that running out of memory is the same one error line, not V8's report.
// KMS_WHY_HEAP_CHILD marks that child (internal: it is not relaunched again).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export const FLOOR_MB = 768;
/** The least KMS_WHY_HEAP_MB taken (measured: node 22 crashes with a 4 MB old space, runs out of memory cleanly from 8). */
export const MIN_FORCED_MB = 16;
/**
 * The young generation: who-can on a large snapshot runs with semi-spaces of a fixed SEMI_SPACE_MB
 * (`--min-semi-space-size` and `--max-semi-space-size` both). V8 starts them at 1 MB and grows and
 * shrinks them as it goes; each change hands pages back to the system and faults them in again.
 * who-can allocates fast for a long time (its answers and per-key tables), so it ran with the
 * resizing all the way. Measured (node 22, one core, who-can --all-keys, 5,000 roles × 20 keys, an
 * 11 MB snapshot, runs interleaved because this machine's speed drifts): text 10.3–14.5 s fixed at 16
 * against 11.0–16.1 s growing up to 64 (a larger young generation, which earlier builds used, costs
 * more than it saves in copying), with 95,000 page faults instead of 165,000 and a peak RSS of
 * 390 MB instead of 495 MB; 20,000 roles, jsonl: 56 s and 765 MB against 63 s and 935 MB. Fixed at
 * 32 or 64 it was between the two. On 1,000 roles × 5 keys (a 2.5 MB snapshot) it saves about
 * 0.1 s, not much more than a second start of node costs, so only inputs from SEMI_SPACE_FROM_MB
 * (weighted as for the heap limit: a 4 MB snapshot) are run in a child for it.
 */
export const SEMI_SPACE_MB = 16;
export const SEMI_SPACE_FROM_MB = 100;
export const MB_PER_SNAPSHOT_MB = 24;
export const MB_PER_REPORT_MB = 1;
/** Below this weighted size (MB), no limit and no relaunch. */
export const RELAUNCH_FROM_MB = 400;

const HEAP_FLAG = /--max[-_](old[-_]space|heap)[-_]size/;
const SEMI_FLAG = /--(max|min)[-_]semi[-_]space[-_]size/;
/** diff's options that take a value (the rest are flags): what is left are OLD and NEW. */
const DIFF_VALUE_OPTIONS = new Set(['--key', '--action', '--at', '--output', '--report']);

/** Whether the user chose a heap size for node themselves. */
export function userSetHeap(env, execArgv) {
  return HEAP_FLAG.test(env.NODE_OPTIONS ?? '') || execArgv.some((a) => HEAP_FLAG.test(a));
}

/** Marks the child relaunch() starts, so that it runs the command itself. */
export const CHILD_MARK = 'KMS_WHY_HEAP_CHILD';

/**
 * The heap size (MB) the user gave node, as node reads it (the command line after NODE_OPTIONS; the
 * last one wins), or undefined when none or not a number.
 */
export function userHeapMb(env, execArgv) {
  let mb;
  for (const a of [...(env.NODE_OPTIONS ?? '').split(/\s+/), ...execArgv]) {
    const m = /^--max[-_](?:old[-_]space|heap)[-_]size=(\d+)$/.exec(a);
    if (m) mb = Number(m[1]);
    else if (HEAP_FLAG.test(a)) mb = undefined;
  }
  return mb;
}

/** The input files the command reads: --from values for who-can, OLD and NEW for diff. */
export function inputFiles(command, args) {
  const at = args.indexOf(command);
  const rest = args.slice(at + 1);
  const files = [];
  if (command === 'who-can') {
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--') break;
      if (rest[i] === '--from' && i + 1 < rest.length) files.push(rest[++i]);
      else if (rest[i].startsWith('--from=')) files.push(rest[i].slice('--from='.length));
    }
    return files;
  }
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--') {
      files.push(...rest.slice(i + 1));
      break;
    }
    if (DIFF_VALUE_OPTIONS.has(a)) i++;
    else if (a === '-' || !a.startsWith('-')) files.push(a);
  }
  return files;
}

/** A who-can JSON report names its version first; anything else is read whole as a snapshot. */
function isWhoCanReport(file) {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(256);
    const n = readSync(fd, head, 0, head.length, 0);
    return /^\s*\{\s*"kmsWhyWhoCan"/.test(head.toString('utf8', 0, n));
  } finally {
    closeSync(fd);
  }
}

/**
 * The inputs' size in MB, weighted by what reading them costs (MB_PER_SNAPSHOT_MB per MB of
 * snapshot, MB_PER_REPORT_MB per MB of who-can report), or undefined when it cannot be known: stdin,
 * a pipe, no --from (the account is read from AWS), or a file that cannot be read (the command
 * reports it).
 */
function weightedInputMb(command, args) {
  // heapLimitMb and semiSpaceMb both ask, for the same arguments: the files are read once.
  if (lastWeighed !== undefined && lastWeighed.command === command && lastWeighed.args === args) return lastWeighed.mb;
  const mb = weigh(command, args);
  lastWeighed = { command, args, mb };
  return mb;
}
let lastWeighed;

function weigh(command, args) {
  const files = inputFiles(command, args);
  if (files.length === 0) return undefined;
  let weighted = 0;
  for (const f of files) {
    if (f === '-') return undefined;
    try {
      const st = statSync(f);
      if (!st.isFile()) return undefined;
      weighted += (st.size / 1048576) * (isWhoCanReport(f) ? MB_PER_REPORT_MB : MB_PER_SNAPSHOT_MB);
    } catch {
      return undefined;
    }
  }
  return weighted;
}

/**
 * The heap limit (MB) to run `command` with, or undefined to run in this process: the user chose
 * one, the inputs' size cannot be known, or the inputs are small.
 */
export function heapLimitMb(command, args, env, execArgv) {
  if (userSetHeap(env, execArgv)) return undefined;
  const forced = /^\d+$/.test(env.KMS_WHY_HEAP_MB ?? '') ? Number(env.KMS_WHY_HEAP_MB) : undefined;
  // Under a few MB V8 itself crashes (a segmentation fault, not an out-of-memory error): a smaller
  // KMS_WHY_HEAP_MB is raised to MIN_FORCED_MB, where running out of memory is the one error line.
  if (forced !== undefined && forced > 0) return Math.max(forced, MIN_FORCED_MB);
  const weighted = weightedInputMb(command, args);
  if (weighted === undefined || weighted < RELAUNCH_FROM_MB) return undefined;
  return Math.max(FLOOR_MB, Math.ceil(weighted));
}

/**
 * The semi-space size (MB) to run `command` with (see SEMI_SPACE_MB), or undefined for V8's own:
 * not who-can, a size the user gave node, inputs of unknown size or small ones.
 */
export function semiSpaceMb(command, args, env, execArgv) {
  if (command !== 'who-can') return undefined;
  if (SEMI_FLAG.test(env.NODE_OPTIONS ?? '') || execArgv.some((a) => SEMI_FLAG.test(a))) return undefined;
  const weighted = weightedInputMb(command, args);
  return weighted === undefined || weighted < SEMI_SPACE_FROM_MB ? undefined : SEMI_SPACE_MB;
}

/** Files the command writes (diff --report FORMAT=FILE, who-can --output-file FILE): where a temporary file may be left behind. */
function outputFiles(args) {
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--output-file' && args[i + 1] !== undefined) files.push(args[i + 1]);
    else if (args[i].startsWith('--output-file=')) files.push(args[i].slice('--output-file='.length));
    const v = args[i] === '--report' ? args[i + 1] : args[i].startsWith('--report=') ? args[i].slice('--report='.length) : undefined;
    if (v?.includes('=')) files.push(v.slice(v.indexOf('=') + 1));
  }
  return files;
}

/**
 * Removes the temporary files a child killed while writing left beside its outputs: writeAtomically
 * (src/cli/io.ts) names them `.NAME.kms-why-PID-….tmp`, so only this child's are touched. The
 * outputs themselves are renamed into place whole or not at all.
 */
function removeTemporaries(args, pid) {
  for (const file of outputFiles(args)) {
    const targets = [resolve(file)];
    try {
      targets.push(realpathSync(file));
    } catch {}
    for (const target of targets) {
      const prefix = `.${basename(target)}.kms-why-${pid}-`;
      try {
        for (const name of readdirSync(dirname(target))) if (name.startsWith(prefix) && name.endsWith('.tmp')) unlinkSync(join(dirname(target), name));
      } catch {}
    }
  }
}

// V8's report of a fatal error starts with this line (then the last collections, the JavaScript
// stack and node's native stack trace): what a user should not have to read.
const FATAL_MARK = '\n<--- Last few GCs --->';

/**
 * Runs this script again in a child node with `--max-old-space-size=limitMb` (undefined: with the
 * heap size the user gave node, `userMb` when known, which the child inherits, or V8's own) and
 * `--min-semi-space-size` and `--max-semi-space-size` both `semiMb` when given, stdin and stdout
 * inherited; stderr passes through as it comes until V8 starts a fatal report, which is replaced by
 * one error line and a hint (exit 4: a limit of kms-why's, not a verdict and not the user's input).
 * SIGINT, SIGTERM and SIGHUP are passed on to the child; the child's exit code, or the signal that
 * ended it, is this process's.
 */
export function relaunch(script, args, limitMb, command, userMb, semiMb) {
  const env = { ...process.env, [CHILD_MARK]: '1' };
  // The child's stderr is a pipe to this process: it learns from here whether a terminal is behind it.
  if (process.stderr.isTTY) env.KMS_WHY_STDERR_TTY = '1';
  else delete env.KMS_WHY_STDERR_TTY;
  // Listening before the child exists: a signal that comes while it starts is passed on, never
  // left to end this process alone (the child would run on, orphaned).
  let child;
  const forward = (signal) => child?.kill(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  const limit = limitMb === undefined ? [] : [`--max-old-space-size=${limitMb}`];
  if (semiMb !== undefined) limit.push(`--min-semi-space-size=${semiMb}`, `--max-semi-space-size=${semiMb}`);
  child = spawn(process.execPath, [...process.execArgv, ...limit, script, ...args], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env,
  });

  let held = '';
  let fatal;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => {
    if (fatal !== undefined) {
      fatal += text;
      return;
    }
    text = held + text;
    held = '';
    const at = text.indexOf(FATAL_MARK);
    if (at >= 0) {
      process.stderr.write(text.slice(0, at));
      fatal = text.slice(at);
      return;
    }
    // Hold back a tail that could be the start of the mark, until the next piece says.
    for (let n = Math.min(FATAL_MARK.length - 1, text.length); n > 0; n--) {
      if (FATAL_MARK.startsWith(text.slice(-n))) {
        held = text.slice(-n);
        text = text.slice(0, -n);
        break;
      }
    }
    if (text.length > 0) process.stderr.write(text);
  });

  let failed = false;
  child.on('error', (e) => {
    failed = true;
    for (const s of signals) process.off(s, forward);
    process.stderr.write(`kms-why: internal error: cannot start node again for ${command}: ${e.message}\n`);
    process.exitCode = 4;
  });
  child.on('close', (code, signal) => {
    if (failed) return;
    for (const s of signals) process.off(s, forward);
    if (held.length > 0) process.stderr.write(held);
    const outOfMemory = fatal !== undefined && /out of memory/i.test(fatal);
    if (signal !== null || outOfMemory) removeTemporaries(args, child.pid);
    if (outOfMemory) {
      const had = limitMb ?? userMb;
      const whose = limitMb !== undefined ? 'kms-why gave node' : 'given to node';
      process.stderr.write(
        `kms-why: error: ${command} ran out of memory: the inputs need more than the ${had !== undefined ? `${had} MB ` : ''}heap ${whose}\n` +
          `hint: Give node more (in MB), e.g. NODE_OPTIONS=--max-old-space-size=${had !== undefined ? had * 2 : 4096} kms-why ${command} …\n`,
      );
      process.exitCode = 4;
      return;
    }
    if (fatal !== undefined) process.stderr.write(fatal);
    if (signal !== null) {
      // Ended as the child was: the default action of the same signal (our listeners are gone).
      process.exitCode = 128 + (constants.signals[signal] ?? 0);
      process.kill(process.pid, signal);
      return;
    }
    process.exitCode = code ?? 4;
  });
}
