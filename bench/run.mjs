// `npm run bench`: prints the figures the README quotes. Not a test: nothing here asserts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Evaluator } from '../dist/evaluate/evaluator.js';
import { KEY_ACTIONS } from '../dist/model/actions.js';
import { account, ACCOUNT, KEY_ARN } from './synthetic.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const fmt = (n) => Math.round(n).toLocaleString('en-US');

function timeIt(fn, minMs = 1500) {
  // Warm up, then run until minMs has passed; report per-second rates.
  fn();
  let count = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    count += fn();
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (count / elapsed) * 1000;
}

function section(title) {
  console.log(`\n== ${title}`);
}

const only = process.argv[2];

if (!only || only === 'evaluate') {
  section('evaluator: one principal × all key actions (1 key, 20-statement key policy, 5 identity policies, 200 grants)');
  const snap = account({ seed: 7, roles: 1000, policiesPerRole: 5, keys: 1, statements: 20, grantCount: 200 });
  const ev = new Evaluator(snap);
  const principal = `arn:aws:sts::${ACCOUNT}:assumed-role/role-3/session`;
  const base = { principal, keyArn: KEY_ARN(0), encryptionContext: { app: 'app-3' } };
  const actions = KEY_ACTIONS.map((a) => a.name);
  // Requests are built once: the figures measure the evaluator, not object construction.
  const requests = actions.map((action) => ({ ...base, action }));
  for (const explain of [false, true]) {
    const rate = timeIt(() => {
      for (const r of requests) ev.evaluate(r, { explain });
      return requests.length;
    });
    console.log(`  ${explain ? 'with explanation' : 'verdict only    '}: ${fmt(rate)} decisions/s (${actions.length} actions)`);
  }

  section('evaluator: 1,000 principals × 20 actions (20-statement key policy, 5 identity policies each, 200 grants)');
  const twenty = actions.slice(0, 20);
  const principals = Array.from({ length: 1000 }, (_, i) => `arn:aws:sts::${ACCOUNT}:assumed-role/role-${i}/session`);
  const keyArn = KEY_ARN(0);
  const grid = principals.map((p) => twenty.map((action) => ({ principal: p, keyArn, action })));
  for (const explain of [false, true]) {
    const rate = timeIt(() => {
      for (const row of grid) for (const r of row) ev.evaluate(r, { explain });
      return principals.length * twenty.length;
    }, 3000);
    console.log(
      `  ${explain ? 'with explanation' : 'verdict only    '}: ${fmt(rate)} decisions/s (${fmt(principals.length * twenty.length)} decisions a round)`,
    );
  }
}

if (!only || only === 'cli') {
  // Interleaved: each round runs `node -e 0` and then kms-why, so a burst of load on a shared
  // machine slows both alike instead of one side's runs; the figure is the median of each side
  // (and of the per-round ratios). KMS_WHY_COLD_RUNS sets the number of rounds.
  const rounds = Number(process.env.KMS_WHY_COLD_RUNS ?? 41);
  section(`CLI cold start: kms-why check on a fixture vs a bare \`node -e 0\` (${rounds} interleaved rounds, medians)`);
  const fixture = `${root}fixtures/examples/lambda-env-grant.json`;
  const args = [
    `${root}bin/kms-why.cjs`,
    'check',
    '--action',
    'kms:Decrypt',
    '--from',
    fixture,
    '--key',
    'alias/app-env',
    '--principal',
    `arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function`,
    '--context',
    `aws:lambda:FunctionArn=arn:aws:lambda:us-east-1:111122223333:function:my-function`,
    '--output',
    'json',
  ];
  // One run first, to check the fixture runs and to write the code cache (a user's second run).
  const first = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (first.status !== 0 && first.status !== 1) console.log('  (the fixture run failed; figures below are not meaningful)');
  const time = (cmdArgs, env = process.env) => {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, cmdArgs, { stdio: 'ignore', env });
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const bare = [];
  const cli = [];
  for (let i = 0; i < rounds; i++) {
    bare.push(time(['-e', '0']));
    cli.push(time(args));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ratios = cli.map((c, i) => c / bare[i]).sort((a, b) => a - b);
  const q = (p) => ratios[Math.floor((ratios.length - 1) * p)];
  console.log(
    `  node -e 0: ${median(bare).toFixed(1)} ms   kms-why check: ${median(cli).toFixed(1)} ms   ratio of medians: ${(median(cli) / median(bare)).toFixed(2)}×`,
  );
  console.log(`  per-round ratio: median ${median(ratios).toFixed(2)}×, middle half ${q(0.25).toFixed(2)}×–${q(0.75).toFixed(2)}×`);
  // A command's first run after an install or upgrade (it writes the code cache, bin/bundle.cjs),
  // and runs with no cache at all, interleaved with `node -e 0` as above.
  const firstRuns = [];
  const uncached = [];
  const bare2 = [];
  for (let i = 0; i < 11; i++) {
    const home = mkdtempSync(join(tmpdir(), 'kms-why-bench-cache-'));
    try {
      bare2.push(time(['-e', '0']));
      firstRuns.push(time(args, { ...process.env, XDG_CACHE_HOME: home, NODE_COMPILE_CACHE: undefined }));
      uncached.push(time(args, { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' }));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
  console.log(
    `  first run of the command (writes its cache): ${median(firstRuns).toFixed(1)} ms; with no cache (NODE_DISABLE_COMPILE_CACHE=1): ${median(uncached).toFixed(1)} ms; node -e 0: ${median(bare2).toFixed(1)} ms (11 rounds)`,
  );
}

if (!only || only === 'grants') {
  section('grants audit: one key with 10,000 grants (offline)');
  const dir = `${root}.bench-tmp`;
  mkdirSync(dir, { recursive: true });
  const keyArn = KEY_ARN(0);
  const grants = [];
  for (let i = 0; i < 10000; i++) {
    const g = {
      KeyId: keyArn,
      GrantId: i.toString(16).padStart(64, '0'),
      Name: `fn-${i}/uuid`,
      CreationDate: '2025-01-01T00:00:00Z',
      GranteePrincipal: i % 10 === 0 ? `arn:aws:iam::444455556666:role/ext-${i}` : `arn:aws:sts::${ACCOUNT}:assumed-role/role-${i % 500}/fn-${i}`,
      RetiringPrincipal: 'lambda.us-east-1.amazonaws.com',
      IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
      Operations: i % 7 === 0 ? ['Decrypt', 'CreateGrant'] : ['Decrypt', 'RetireGrant'],
    };
    if (i % 3 !== 0) g.Constraints = { EncryptionContextEquals: { 'aws:lambda:FunctionArn': `arn:aws:lambda:us-east-1:${ACCOUNT}:function:fn-${i}` } };
    grants.push(g);
  }
  const snap = {
    kmsWhySnapshot: 1,
    keys: [
      {
        KeyMetadata: { KeyId: keyArn.split('/')[1], Arn: keyArn, AWSAccountId: ACCOUNT },
        Aliases: ['alias/big'],
        Policy: { Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] },
        Grants: grants,
      },
    ],
    principals: [],
  };
  const file = `${dir}/grants-10k.json`;
  writeFileSync(file, JSON.stringify(snap));
  const expect = `${dir}/grants-10k-expect.json`;
  writeFileSync(
    expect,
    JSON.stringify([{ grantee: `arn:aws:sts::${ACCOUNT}:assumed-role/*`, operations: ['Decrypt', 'RetireGrant'], constraints: 'required' }]),
  );
  const { auditGrants } = await import('../dist/analyses/grants-audit.js');
  const { loadFrom } = await import('../dist/sources/load.js');
  const t0 = process.hrtime.bigint();
  const loaded = await loadFrom([file]);
  const t1 = process.hrtime.bigint();
  const audit = auditGrants(loaded.keys, {
    now: '2026-11-25T00:00:00Z',
    maxAgeDays: 365,
    expectations: JSON.parse((await import('node:fs')).readFileSync(expect, 'utf8')),
  });
  const t2 = process.hrtime.bigint();
  console.log(
    `  load + parse: ${(Number(t1 - t0) / 1e6).toFixed(0)} ms   audit (findings + expectations): ${(Number(t2 - t1) / 1e6).toFixed(0)} ms   (${audit.findings.length} findings, ${audit.unexpected.length} unexpected)`,
  );
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    spawnSync(
      process.execPath,
      [`${root}bin/kms-why.cjs`, 'grants', '--from', file, '--all-keys', '--expect', expect, '--max-age', '365', '--output', 'json'],
      {
        stdio: 'ignore',
      },
    );
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`  whole CLI run (kms-why grants --expect … --output json), median of 5: ${times[2].toFixed(0)} ms`);
}
