// `node bench/diff.mjs` (after `npm run build`): `kms-why diff` of two who-can JSON reports of a
// generated account, through the whole CLI, beside the time it takes only to read the same two
// files (the goal: diff ≤ 2× reading them). Not a test: nothing here asserts.
//
// The account is bench/who-can.mjs's realistic mix (N roles, 20 keys with 20-statement key
// policies and 500 grants each, a quarter of the key policies with an unconditional
// `Principal: "*"` Allow of the use actions). The second report differs from the first: one more
// key policy gains the public statement, and one key loses its grants.
//   node bench/diff.mjs                 1,000 roles
//   node bench/diff.mjs --roles 2000
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

function withPublic(k) {
  const doc = {
    Version: '2012-10-17',
    Statement: [...k.policy.statements.map((st) => st.raw), { Sid: 'PublicUse', Effect: 'Allow', Principal: '*', Action: USE, Resource: '*' }],
  };
  k.policy = parsePolicyDocument(doc, { source: 'key-policy', name: 'key policy', path: 'bench' });
}

function writeAccount(roles, file, changed) {
  const s = buildAccount({ roles, keys: 20, mix: 'realistic' });
  s.keys.forEach((k, i) => {
    if (i % 4 === 0 || (changed && i === 1)) withPublic(k);
    if (changed && i === 2) k.grants = [];
  });
  writeFileSync(file, JSON.stringify(snapshotToJson({ ...s, capturedAt: '2026-01-01T00:00:00Z' })));
}

/** Runs a command; GNU time gives peak RSS (KiB) and CPU seconds. stdout goes to `out` (a file) or is counted. */
function run(argv, out) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const fd = out === undefined ? 'pipe' : openSync(out, 'w');
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', ...argv], { stdio: ['ignore', fd, 'pipe'] });
    let bytes = 0;
    let stderr = '';
    child.stdout?.on('data', (d) => (bytes += d.length));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (typeof fd === 'number') closeSync(fd);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const [rssKb, user, sys] = stderr.trim().split('\n').pop().split(' ').map(Number);
      resolve({ code, ms, cpuMs: (user + sys) * 1000, rssMb: rssKb / 1024, bytes, stderr });
    });
  });
}

/** Reading the two files, as cheaply as Node can: JSON.parse when the text fits in a string, else the bytes streamed. */
const READ = `
const { readFileSync, createReadStream } = require('node:fs');
(async () => {
  for (const f of process.argv.slice(1)) {
    try { JSON.parse(readFileSync(f, 'utf8')); }
    catch (e) { if (!(e instanceof RangeError) && e.code !== 'ERR_STRING_TOO_LONG') throw e; for await (const _ of createReadStream(f)) {} }
  }
})();`;

const args = process.argv.slice(2);
const rolesArg = args.indexOf('--roles');
const roles = rolesArg >= 0 ? Number(args[rolesArg + 1]) : 1000;
const dir = mkdtempSync(join(tmpdir(), 'kms-why-bench-diff-'));
try {
  const reports = [];
  for (const changed of [false, true]) {
    const snap = join(dir, `account-${changed ? 'after' : 'before'}.json`);
    writeAccount(roles, snap, changed);
    const report = join(dir, `who-can-${changed ? 'after' : 'before'}.json`);
    const r = await run([process.execPath, BIN, 'who-can', '--from', snap, '--all-keys', '--output', 'json'], report);
    if (r.code !== 0 && r.code !== 3) throw new Error(`who-can: exit ${r.code}: ${r.stderr}`);
    rmSync(snap);
    reports.push(report);
  }
  const sizes = reports.map((f) => statSync(f).size);
  console.log(
    `\n== diff of two who-can JSON reports: ${fmt(roles)} roles × 20 keys, every key action; reports ${sizes.map((b) => `${fmt(b / 1048576)} MB`).join(' and ')}`,
  );
  const read = await run([process.execPath, '-e', READ, ...reports]);
  if (read.code !== 0) throw new Error(`read: exit ${read.code}: ${read.stderr}`);
  const diff = await run([process.execPath, BIN, 'diff', ...reports, '--output', 'json']);
  if (diff.code !== 0 && diff.code !== 1 && diff.code !== 3) throw new Error(`diff: exit ${diff.code}: ${diff.stderr}`);
  console.log(`  reading both (node, JSON.parse): ${fmt(read.ms)} ms wall, ${fmt(read.cpuMs)} ms CPU, peak RSS ${fmt(read.rssMb)} MB`);
  console.log(
    `  kms-why diff --output json:      ${fmt(diff.ms)} ms wall, ${fmt(diff.cpuMs)} ms CPU, peak RSS ${fmt(diff.rssMb)} MB, ${fmt(diff.bytes)} bytes, exit ${diff.code}`,
  );
  console.log(`  ratio: ${(diff.cpuMs / read.cpuMs).toFixed(2)}× reading them (CPU time; goal ≤ 2×)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
