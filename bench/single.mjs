// `node bench/single.mjs`: single requests through the library (loadFrom + Evaluator.evaluate,
// with the full explanation) on a realistic account, beside the best public TypeScript simulator
// given the same requests in the same run. Prints figures; asserts nothing.
//
// The peer (@cloud-copilot/iam-simulate, AGPL-3.0) is installed on demand into a cache folder
// outside this package and only run, never copied from or shipped; without it (no registry) the
// peer lines are skipped with a note. KMS_WHY_BENCH_PEER=0 skips it on purpose.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Evaluator } from '../dist/evaluate/evaluator.js';
import { loadFrom } from '../dist/sources/load.js';
import { realisticAccount, realisticRequests } from './realistic.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const PEER = '@cloud-copilot/iam-simulate';
const cacheDir = process.env.KMS_WHY_BENCH_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kms-why-bench');

async function loadPeer() {
  if (process.env.KMS_WHY_BENCH_PEER === '0') return { note: 'skipped (KMS_WHY_BENCH_PEER=0)' };
  const entry = join(cacheDir, 'node_modules', '@cloud-copilot', 'iam-simulate', 'package.json');
  if (!existsSync(entry)) {
    try {
      mkdirSync(cacheDir, { recursive: true });
      execFileSync('npm', ['install', '--prefix', cacheDir, '--no-audit', '--no-fund', '--no-save', PEER], { stdio: 'ignore', timeout: 180_000 });
    } catch (e) {
      return { note: `not measured: could not install ${PEER} into ${cacheDir} (${e.message.split('\n')[0]})` };
    }
  }
  try {
    const pkg = JSON.parse(readFileSync(entry, 'utf8'));
    const mod = await import(pathToFileURL(join(cacheDir, 'node_modules', '@cloud-copilot', 'iam-simulate', pkg.exports['.'].import)).href);
    return { runSimulation: mod.runSimulation, version: pkg.version };
  } catch (e) {
    return { note: `not measured: ${PEER} did not load (${e.message.split('\n')[0]})` };
  }
}

/** Passes over `requests` until `minMs` has passed (after `first`); per-second rate. */
async function rate(pass, count, minMs) {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    await pass();
    n += count;
    elapsed = performance.now() - start;
  }
  return (n / elapsed) * 1000;
}

const roles = Number(process.env.ROLES ?? 5000);
const account = realisticAccount({ roles });
const requests = realisticRequests(account, { count: 2000 });
const dir = join(root, '.bench-tmp');
mkdirSync(dir, { recursive: true });
const file = join(dir, `realistic-${roles}.json`);
writeFileSync(file, JSON.stringify(account.snapshot));

console.log(
  `\n== single requests through the library: ${fmt(roles)} roles (1–10 policies each, from 200 managed), 20 keys (20-statement policies, 500 grants each), 2,000 requests, full explanation`,
);
let t = performance.now();
const snapshot = await loadFrom([file]);
const loadMs = performance.now() - t;
const reqs = requests.map((r) => {
  const q = { action: r.action, principal: r.principal, keyArn: r.keyArn };
  if (r.encryptionContext) q.encryptionContext = r.encryptionContext;
  return q;
});

// Cold: a fresh evaluator; every request brings a role whose policies have not been compiled.
t = performance.now();
const ev = new Evaluator(snapshot);
const verdicts = reqs.map((q) => ev.evaluate(q).decision);
const coldMs = performance.now() - t;
const ours = { cold: (reqs.length / coldMs) * 1000 };
ours.warm = await rate(
  () => {
    for (const q of reqs) ev.evaluate(q);
  },
  reqs.length,
  2000,
);
const counts = {};
for (const v of verdicts) counts[v] = (counts[v] ?? 0) + 1;
console.log(
  `  load (loadFrom, ${(JSON.stringify(account.snapshot).length / 1e6).toFixed(0)} MB): ${fmt(loadMs)} ms; verdicts: ${Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`,
);
console.log(`  kms-why  cold pass: ${fmt(ours.cold)} requests/s (${fmt(coldMs)} ms for 2,000)   warm: ${fmt(ours.warm)} requests/s`);

const peer = await loadPeer();
if (peer.runSimulation === undefined) {
  console.log(`  ${PEER}: ${peer.note}`);
} else {
  // The same requests as the peer takes them: the role's policies and the key policy as JSON.
  // It has no grants, so grants are left out of its input (they only add to what kms-why does).
  const sims = requests.map((r) => {
    const contextVariables = {};
    if (r.encryptionContext) for (const [k, v] of Object.entries(r.encryptionContext)) contextVariables[`kms:EncryptionContext:${k}`] = v;
    return {
      identityPolicies: account.roles[r.role].map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: account.keyPolicies[r.key],
      request: { action: r.action, principal: r.principal, resource: { accountId: '111122223333', resource: r.keyArn }, contextVariables },
    };
  });
  const peerPass = async () => {
    const out = [];
    for (const s of sims) out.push(await peer.runSimulation(s, {}));
    return out;
  };
  t = performance.now();
  const results = await peerPass();
  const peerColdMs = performance.now() - t;
  const p = { cold: (sims.length / peerColdMs) * 1000 };
  p.warm = await rate(peerPass, sims.length, 4000);
  const errors = results.filter((x) => x.resultType === 'error').length;
  console.log(
    `  ${PEER} ${peer.version}  cold pass: ${fmt(p.cold)} requests/s (${fmt(peerColdMs)} ms)   warm: ${fmt(p.warm)} requests/s${errors ? ` (${errors} requests it rejected)` : ''}`,
  );
  console.log(`  ratio kms-why / peer: cold ${(ours.cold / p.cold).toFixed(1)}×, warm ${(ours.warm / p.warm).toFixed(1)}× (targets: ≥ 20× cold, ≥ 100× warm)`);
}
