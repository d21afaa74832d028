// `npm run bench`: prints the figures the README quotes. Not a test: nothing here asserts.
import { execFileSync, spawnSync } from 'node:child_process';
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
  for (const explain of [false, true]) {
    const rate = timeIt(() => {
      for (const action of actions) ev.evaluate({ ...base, action }, { explain });
      return actions.length;
    });
    console.log(`  ${explain ? 'with explanation' : 'verdict only    '}: ${fmt(rate)} decisions/s (${actions.length} actions)`);
  }

  section('evaluator: 1,000 principals × 20 actions (20-statement key policy, 5 identity policies each, 200 grants)');
  const twenty = actions.slice(0, 20);
  const principals = Array.from({ length: 1000 }, (_, i) => `arn:aws:sts::${ACCOUNT}:assumed-role/role-${i}/session`);
  for (const explain of [false, true]) {
    const rate = timeIt(() => {
      for (const p of principals) for (const action of twenty) ev.evaluate({ principal: p, keyArn: KEY_ARN(0), action }, { explain });
      return principals.length * twenty.length;
    }, 3000);
    console.log(`  ${explain ? 'with explanation' : 'verdict only    '}: ${fmt(rate)} decisions/s (${fmt(principals.length * twenty.length)} decisions a round)`);
  }
}

if (!only || only === 'cli') {
  section('CLI cold start: kms-why decrypt on a fixture vs a bare `node -e 0` (median of 15 runs each)');
  const fixture = `${root}fixtures/examples/lambda-env-grant.json`;
  const median = (cmd, args) => {
    const times = [];
    for (let i = 0; i < 15; i++) {
      const t = process.hrtime.bigint();
      spawnSync(cmd, args, { stdio: 'ignore' });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    return times[7];
  };
  const bare = median(process.execPath, ['-e', '0']);
  const args = [`${root}bin/kms-why.js`, 'check', '--action', 'kms:Decrypt', '--from', fixture, '--key', 'alias/app-env', '--principal', `arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function`, '--context', `aws:lambda:FunctionArn=arn:aws:lambda:us-east-1:111122223333:function:my-function`, '--output', 'json'];
  let ok = true;
  try {
    execFileSync(process.execPath, args, { stdio: 'ignore' });
  } catch (e) {
    ok = e.status === 0 || e.status === 1;
  }
  if (!ok) console.log('  (the fixture run failed; figures below are not meaningful)');
  const cli = median(process.execPath, args);
  console.log(`  node -e 0: ${bare.toFixed(1)} ms   kms-why check: ${cli.toFixed(1)} ms   ratio: ${(cli / bare).toFixed(2)}×`);
}
