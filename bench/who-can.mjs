// `node bench/who-can.mjs` (after `npx tsc -p tsconfig.build.json`): speed and memory of who-can
// over a synthetic account. Not a test: nothing here asserts.
//
// The account: N roles with 1–10 identity policies each, drawn from a pool of shared managed
// policies (as real accounts attach AWS and customer managed policies) and inline ones: mostly
// policies for other services, and KMS statements in realistic mixes — kms:* and AdministratorAccess,
// PowerUserAccess (NotAction), read-only kms:Describe*/List*/Get*, use of specific keys (some only
// through a service), wildcards on key/* with kms:RequestAlias, ABAC on tags (aws:PrincipalTag),
// and Deny guardrails. K keys with 20-statement key policies and 500 grants each
// (bench/synthetic.mjs). who-can runs over all keys × every action each key can do.
//
// Every measurement runs in a child process of its own, so that memory figures are its own.
//   node bench/who-can.mjs            the 5,000 × 50 run, then the 1k/2.5k/5k × 10/25/50 grid
//   node bench/who-can.mjs --quick    a smaller grid
//   node bench/who-can.mjs --worst    also the KMS-heavy mix of bench/synthetic.mjs (every policy about KMS)
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parsePolicyDocument } from '../dist/sources/policy-document.js';
import { ACCOUNT, account as kmsHeavyAccount, identityPolicy as kmsHeavyPolicy, key, rng } from './synthetic.mjs';

const self = fileURLToPath(import.meta.url);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

// ─── The synthetic account ─────────────────────────────────────────────────────────────────────

const SERVICES = [
  ['s3:GetObject', 's3:PutObject', 's3:ListBucket'],
  ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
  ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'],
  ['logs:CreateLogStream', 'logs:PutLogEvents'],
  ['ec2:Describe*'],
  ['lambda:InvokeFunction'],
  ['secretsmanager:GetSecretValue'],
  ['sns:Publish'],
];

function doc(statements) {
  return { Version: '2012-10-17', Statement: statements };
}

/** One identity policy of a realistic mix (half of them about other services only). */
function realisticPolicy(r, name, keyArns) {
  const k = r();
  let st;
  if (k < 0.5)
    st = [
      { Effect: 'Allow', Action: pick(r, SERVICES), Resource: '*' },
      ...(r() < 0.5 ? [{ Effect: 'Allow', Action: pick(r, SERVICES), Resource: 'arn:aws:s3:::bucket/*' }] : []),
    ];
  else if (k < 0.62) {
    // Use of one to three specific keys, sometimes only through a service.
    const keys = [pick(r, keyArns), ...(r() < 0.5 ? [pick(r, keyArns)] : []), ...(r() < 0.2 ? [pick(r, keyArns)] : [])];
    const s = { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'], Resource: keys };
    if (r() < 0.4)
      s.Condition = {
        StringEquals: {
          'kms:ViaService': pick(r, ['s3.us-east-1.amazonaws.com', 'secretsmanager.us-east-1.amazonaws.com', 'dynamodb.us-east-1.amazonaws.com']),
        },
      };
    st = [s, { Effect: 'Allow', Action: pick(r, SERVICES), Resource: '*' }];
  } else if (k < 0.71)
    st = [
      { Effect: 'Allow', Action: ['kms:Describe*', 'kms:List*', 'kms:Get*'], Resource: '*' },
      { Effect: 'Allow', Action: ['ec2:Describe*', 's3:List*'], Resource: '*' },
    ];
  else if (k < 0.78)
    st = [
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`,
        Condition: { StringLike: { 'kms:RequestAlias': 'alias/app-*' } },
      },
    ];
  else if (k < 0.82) st = [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }];
  else if (k < 0.84) st = [{ Effect: 'Allow', Action: '*', Resource: '*' }];
  else if (k < 0.87) st = [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }];
  else if (k < 0.94) {
    const deny = { Effect: 'Deny', Action: ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy'], Resource: '*' };
    if (r() < 0.2) deny.Condition = { StringNotEquals: { 'aws:PrincipalTag/team': 'security' } };
    st = [deny];
  } else
    st = [
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:Encrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
      },
    ];
  return parsePolicyDocument(doc(st), { source: 'identity-policy', name, path: 'bench' });
}

/** `mix`: 'realistic' (above) or 'kms-heavy' (bench/synthetic.mjs: every policy is about KMS). */
export function buildAccount({ roles, keys, mix, seed = 11 }) {
  if (mix === 'kms-heavy') return kmsHeavyAccount({ seed, roles, keys, statements: 20, grantCount: 500 });
  const r = rng(seed);
  const keyList = [];
  for (let i = 0; i < keys; i++) keyList.push(key(r, i, { statements: 20, grantCount: 500, roleCount: roles }));
  const keyArns = keyList.map((k) => k.metadata.arn);
  const managed = [];
  for (let i = 0; i < Math.max(40, Math.floor(roles / 20)); i++) managed.push(realisticPolicy(r, `managed-${i}`, keyArns));
  const principals = {};
  for (let i = 0; i < roles; i++) {
    const n = 1 + Math.floor(r() * 10);
    const ps = [];
    for (let j = 0; j < n; j++) {
      const x = r();
      if (x < 0.75) ps.push(pick(r, managed));
      else if (x < 0.93) ps.push(realisticPolicy(r, `inline-${i}-${j}`, keyArns));
      else ps.push(kmsHeavyPolicy(r, `inline-kms-${i}-${j}`, keyArns));
    }
    principals[`arn:aws:iam::${ACCOUNT}:role/role-${i}`] = {
      identityPolicies: ps,
      permissionsBoundary: null,
      sessionPolicies: [],
      tags: { team: `t${i % 7}` },
    };
  }
  return { keys: keyList, principals };
}

// ─── One measurement (child process) ───────────────────────────────────────────────────────────

async function measure({ roles, keys, mix }) {
  const { whoCan } = await import('../dist/analyses/who-can.js');
  const snapshot = buildAccount({ roles, keys, mix });
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  const snapshotHeap = process.memoryUsage().heapUsed;
  let peak = base;
  const perKeyMs = [];
  let last = process.hrtime.bigint();
  const sample = () => {
    const m = process.memoryUsage().rss;
    if (m > peak) peak = m;
    const now = process.hrtime.bigint();
    perKeyMs.push(Math.round(Number(now - last) / 1e6));
    last = now;
  };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = whoCan(snapshot, snapshot.keys, { onProgress: sample });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  sample();
  // The live heap: the snapshot, the compiled policies and caches, and the result.
  globalThis.gc?.();
  const heap = process.memoryUsage().heapUsed;
  let allowed = 0;
  let conditional = 0;
  for (const k of result.keys)
    for (const row of k.access) for (const e of row) if (e !== null) e.access === 'allow' ? allowed++ : e.access === 'conditional' ? conditional++ : 0;
  return {
    roles,
    keys,
    mix,
    principals: result.keys.reduce((n, k) => n + k.principals.length, 0) / result.keys.length,
    decisions: result.stats.decisions,
    evaluations: result.stats.evaluations,
    sharedPairs: result.stats.sharedPairs,
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb: peak / 1048576,
    heapMb: heap / 1048576,
    snapshotHeapMb: snapshotHeap / 1048576,
    allowed,
    conditional,
    perKeyMs,
  };
}

function runChild(cell) {
  const r = spawnSync(process.execPath, ['--expose-gc', self, '--cell', JSON.stringify(cell)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function line(m) {
  return `${String(m.roles).padStart(5)} roles × ${String(m.keys).padStart(2)} keys: ${fmt(m.decisions).padStart(10)} decisions in ${fmt(m.ms).padStart(6)} ms = ${fmt((m.decisions / m.ms) * 1000).padStart(9)} decisions/s (${fmt((m.ms * 1e6) / m.decisions)} ns each); peak RSS ${fmt(m.peakRssMb)} MB; ${fmt(m.evaluations)} evaluator calls, ${fmt(m.sharedPairs)} (principal, key) pairs shared`;
}

const args = process.argv.slice(2);
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (!isMain) {
  // Imported (for experiments): only the builders.
} else if (args[0] === '--cell') {
  process.stdout.write(JSON.stringify(await measure(JSON.parse(args[1]))));
} else {
  const quick = args.includes('--quick');
  const mixes = args.includes('--worst') ? ['realistic', 'kms-heavy'] : ['realistic'];
  for (const mix of mixes) {
    const big = quick ? { roles: 2500, keys: 25, mix } : { roles: 5000, keys: 50, mix };
    console.log(
      `\n== who-can over all keys × all key actions, ${mix} identity policies (${big.roles} roles with 1–10 policies, ${big.keys} keys with 20-statement policies and 500 grants)`,
    );
    const m = runChild(big);
    console.log(
      `  ${fmt(m.decisions)} decisions ((principal, key, action) triples; ${fmt(m.principals)} principals per key: roles, root, named principals, grantee sessions)`,
    );
    console.log(`  time: ${fmt(m.ms)} ms wall, ${fmt(m.cpuMs)} ms CPU (GC threads included)`);
    console.log(`  speed: ${fmt((m.decisions / m.ms) * 1000)} decisions/s (goal: ≥ 250,000 on one core)`);
    console.log(
      `  memory: peak RSS ${fmt(m.peakRssMb)} MB (goal: < 1 GB); live heap ${fmt(m.snapshotHeapMb)} MB with the snapshot, ${fmt(m.heapMb)} MB with the result`,
    );
    console.log(
      `  work: ${fmt(m.evaluations)} evaluator calls (${(m.decisions / m.evaluations).toFixed(1)} decisions each), ${fmt(m.sharedPairs)} (principal, key) pairs answered from another ordinary principal's answers`,
    );
    console.log(`  answers: ${fmt(m.allowed)} allowed, ${fmt(m.conditional)} conditional`);

    console.log(`\n== how time grows with principals × keys (${mix})`);
    const rolesGrid = quick ? [500, 1000] : [1000, 2500, 5000];
    const keysGrid = quick ? [5, 10] : [10, 25, 50];
    const grid = [];
    for (const roles of rolesGrid) for (const keys of keysGrid) grid.push(roles === big.roles && keys === big.keys ? m : runChild({ roles, keys, mix }));
    for (const g of grid) console.log(`  ${line(g)}`);
    // Least squares: time = fixed + per-decision cost × decisions.
    const n = grid.length;
    const mx = grid.reduce((a, g) => a + g.decisions, 0) / n;
    const my = grid.reduce((a, g) => a + g.ms, 0) / n;
    const slope = grid.reduce((a, g) => a + (g.decisions - mx) * (g.ms - my), 0) / grid.reduce((a, g) => a + (g.decisions - mx) ** 2, 0);
    const fixed = my - slope * mx;
    console.log(`  fit: time ≈ ${fmt(fixed)} ms + ${fmt(slope * 1e6)} ns × decisions, i.e. linear in principals × keys (× actions per key);`);
    console.log(`  the fixed part is the start-up (compiling every policy once, JIT warm-up), which small accounts feel most.`);
  }
}
