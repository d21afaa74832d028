// `node bench/who-can-cli.mjs` (after `npm run build`): who-can through the whole CLI, as a user
// runs it: `kms-why who-can --from account.json --all-keys --output F`, in a process of its own,
// stdout read through a pipe. Reports wall time (load + evaluate + render + write), bytes written
// and peak RSS (GNU time's maximum resident set size) per output format. Not a test: nothing here
// asserts. GNU time reports the largest process's peak: on a snapshot of 4 MB or more who-can runs
// in a child node with a young generation of a fixed size, and over 16.7 MB with a heap limit too
// (bin/heap.js); the waiting parent adds about 50 MB to that.
//
// The account (bench/who-can.mjs's realistic mix): N roles with 1–10 identity policies, 20 keys
// with 20-statement key policies and 500 grants each; a quarter of the key policies also carry an
// unconditional `Principal: "*"` Allow of the use actions, so that most principals are allowed
// (the worst case for output).
//   node bench/who-can-cli.mjs                 5,000 roles, every format, then jsonl at 20,000 roles
//   node bench/who-can-cli.mjs --roles 2000    another size (add --big for the 20,000-role run too)
//   node bench/who-can-cli.mjs --one-core      the CLI pinned to one core (taskset -c 0), as the goals say
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { snapshotToJson } from '../dist/sources/snapshot-writer.js';
import { parsePolicyDocument } from '../dist/sources/policy-document.js';
import { buildAccount } from './who-can.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin', 'kms-why.cjs');
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const USE = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];

function writeAccount(roles, keys, file) {
  const s = buildAccount({ roles, keys, mix: 'realistic' });
  s.keys.forEach((k, i) => {
    if (i % 4 !== 0) return;
    const doc = {
      Version: '2012-10-17',
      Statement: [...k.policy.statements.map((st) => st.raw), { Sid: 'PublicUse', Effect: 'Allow', Principal: '*', Action: USE, Resource: '*' }],
    };
    k.policy = parsePolicyDocument(doc, { source: 'key-policy', name: 'key policy', path: 'bench' });
  });
  writeFileSync(file, JSON.stringify(snapshotToJson({ ...s, capturedAt: '2026-01-01T00:00:00Z' })));
  return statSync(file).size;
}

/**
 * Runs the CLI; counts stdout bytes and keeps its last line (the JSON lines summary); GNU time
 * gives the peak RSS in KiB and the CPU seconds (user + system: on a busy machine, wall time
 * also counts the other processes' turns).
 */
function runCli(args) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const cli = ONE_CORE ? ['taskset', '-c', '0', process.execPath, BIN, ...args] : [process.execPath, BIN, ...args];
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', ...cli], { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    // The reader does as little per byte as `wc -c` would: it keeps the last 64 KiB as buffers and
    // decodes them at the end. (It once counted lines byte by byte in JavaScript and decoded every
    // chunk: on a gigabyte of JSON lines the CLI then waited on the pipe for a third of its run.)
    const tailChunks = [];
    let tailBytes = 0;
    let stderr = '';
    child.stdout.on('data', (d) => {
      bytes += d.length;
      tailChunks.push(d);
      tailBytes += d.length;
      while (tailChunks.length > 1 && tailBytes - tailChunks[0].length >= 65536) tailBytes -= tailChunks.shift().length;
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const [rssKb, user, sys] = stderr.trim().split('\n').pop().split(' ').map(Number);
      const tail = Buffer.concat(tailChunks).toString('utf8');
      const last = tail.trim().split('\n').pop() ?? '';
      // JSON lines: the summary line; JSON: the report's last line, `"summary":{…}}`.
      let summary;
      try {
        summary = last.startsWith('"summary"') ? JSON.parse(`{${last}`).summary : JSON.parse(last);
      } catch {
        summary = undefined;
      }
      resolve({ code, ms, cpuMs: (user + sys) * 1000, bytes, rssMb: rssKb / 1024, stderr, summary });
    });
  });
}

const FIVE = 'kms:Decrypt,kms:Encrypt,kms:GenerateDataKey,kms:PutKeyPolicy,kms:CreateGrant';

/** Decisions per second end to end (load + evaluate + serialize + write), over wall time and over CPU time. */
function rate(r) {
  const d = r.summary?.decisions ?? NaN;
  return `${fmt(d)} decisions in ${fmt(r.ms)} ms wall (${fmt((d / r.ms) * 1000)}/s), ${fmt(r.cpuMs)} ms CPU (${fmt((d / r.cpuMs) * 1000)}/s); ${fmt(r.bytes)} bytes; peak RSS ${fmt(r.rssMb)} MB`;
}

const args = process.argv.slice(2);
// --one-core: the CLI (and every thread of it, the collector's included) pinned to core 0 with
// taskset, this process reading its output elsewhere: the wall time is then what one core takes.
const ONE_CORE = args.includes('--one-core') && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
if (args.includes('--one-core') && !ONE_CORE) console.log('  (--one-core: taskset is not available here; the CLI runs unpinned)');
const rolesArg = args.indexOf('--roles');
const roles = rolesArg >= 0 ? Number(args[rolesArg + 1]) : 5000;
const dir = mkdtempSync(join(tmpdir(), 'kms-why-bench-'));
try {
  const file = join(dir, `account-${roles}.json`);
  const size = writeAccount(roles, 20, file);
  console.log(
    `\n== who-can through the CLI: ${fmt(roles)} roles × 20 keys × 500 grants (a quarter of the key policies with Principal "*"); snapshot ${fmt(size / 1048576)} MB`,
  );
  console.log('   kms-why who-can --from account.json --all-keys --output F   (every key action; stdout through a pipe)');
  // CPU is user + system time of the CLI's processes, every thread: with the collector's threads on
  // the other core it exceeds the wall time. --one-core gives the time one core takes as the wall time.
  console.log(
    `  format      wall       CPU           output  peak RSS   ${ONE_CORE ? '(the CLI on one core; ' : '(unpinned: use --one-core for the goal; '}text, table, Markdown: goal ≤ 8 s on one core)`,
  );
  for (const format of ['text', 'table', 'markdown', 'jsonl', 'json']) {
    const r = await runCli(['who-can', '--from', file, '--all-keys', '--output', format, '--no-color']);
    if (r.code !== 0 && r.code !== 3) throw new Error(`${format}: exit ${r.code}: ${r.stderr}`);
    console.log(
      `  ${format.padEnd(8)} ${fmt(r.ms).padStart(7)} ms ${fmt(r.cpuMs).padStart(7)} ms ${fmt(r.bytes).padStart(13)} bytes ${fmt(r.rssMb).padStart(5)} MB`,
    );
  }
  // Decisions per second, end to end (load + evaluate + serialize + write), from the summary.
  for (const format of ['jsonl', 'json']) {
    const all = await runCli(['who-can', '--from', file, '--all-keys', '--output', format]);
    const five = await runCli(['who-can', '--from', file, '--all-keys', '--output', format, '--action', FIVE]);
    console.log(`  ${format.padEnd(5)} every action: ${rate(all)}`);
    console.log(`  ${format.padEnd(5)} 5 actions:    ${rate(five)}`);
  }
  console.log('  (goals: ≥ 250,000 decisions/s end to end, peak RSS < 1 GB)');
  rmSync(file);
  if (rolesArg < 0 || args.includes('--big')) {
    const big = join(dir, 'account-20000.json');
    const bigSize = writeAccount(20000, 20, big);
    const r = await runCli(['who-can', '--from', big, '--all-keys', '--output', 'jsonl']);
    console.log(
      `  20,000 roles × 20 keys, every action, jsonl: ${rate(r)} (snapshot ${fmt(bigSize / 1048576)} MB, run under bin/heap.js's limit: add ~50 MB for the parent; goal < 1 GB)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
