// `node bench/live.mjs`: how long the live path takes against a local stand-in for AWS that adds
// 100 ms to every call (test/helpers/aws-server.ts). Prints figures; asserts nothing.
//
// The issue's case: a role with 10 managed and 5 inline policies, a key with 300 grants, named by
// its alias; the whole check (read + evaluate) should take under a second with at most 3 sequential
// round trips on the critical path. Two counts of rounds: from the clock (below), and from the
// order of events alone as the stand-in records it (each call one more than the deepest round
// answered before it arrived); on a busy machine the client's own work can add to both.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, '.bench-tmp', 'live');
const LATENCY = Number(process.env.LATENCY_MS ?? 100);
const RUNS = Number(process.env.RUNS ?? 5);

// Compile just what is needed (the live module, the evaluator, the stand-in) from the sources, so
// that the figures do not depend on a stale dist/.
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(
  process.execPath,
  [
    tsc,
    '--outDir',
    out,
    '--rootDir',
    root,
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--strict',
    '--skipLibCheck',
    '--types',
    'node',
    '--resolveJsonModule',
    '--declaration',
    'false',
    'src/sources/live/index.ts',
    'src/evaluate/evaluator.ts',
    'test/helpers/aws-server.ts',
  ],
  { cwd: root, stdio: 'inherit' },
);
const mod = (p) => import(pathToFileURL(join(out, p)).href);
const { startAwsServer } = await mod('test/helpers/aws-server.js');
const { Evaluator } = await mod('src/evaluate/evaluator.js');
const t0 = performance.now();
const { readLive, readKeys, readAccount } = await mod('src/sources/live/index.js');
const importMs = performance.now() - t0;

const A = '111122223333';
const KEY_ARN = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLE = `arn:aws:iam::${A}:role/app`;
const enc = (doc) => encodeURIComponent(JSON.stringify(doc));

function grants(n, from = 0) {
  return Array.from({ length: n }, (_, i) => ({
    KeyId: KEY_ARN,
    GrantId: `f${String(from + i).padStart(63, '0')}`,
    Name: `g-${from + i}`,
    CreationDate: 1735689600,
    GranteePrincipal: `arn:aws:iam::${A}:role/worker-${from + i}`,
    IssuingAccount: `arn:aws:iam::${A}:root`,
    Operations: ['Decrypt'],
  }));
}

/** The recorded account, grown to the issue's size: 10 managed + 5 inline policies, `grantCount` grants. */
function shape(server, grantCount) {
  server.reload();
  const acct = server.accounts.get(A);
  acct.Kms.Keys[0].ListGrants.Grants.push(...grants(grantCount - acct.Kms.Keys[0].ListGrants.Grants.length));
  const app = acct.Iam.Roles[0];
  for (let i = app.ListRolePolicies.PolicyNames.length; i < 5; i++) {
    app.ListRolePolicies.PolicyNames.push(`inline-${i}`);
    app.GetRolePolicy[`inline-${i}`] = {
      RoleName: 'app',
      PolicyName: `inline-${i}`,
      PolicyDocument: enc({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Describe*', Resource: '*' }] }),
    };
  }
  for (let i = app.ListAttachedRolePolicies.AttachedPolicies.length; i < 10; i++) {
    const arn = `arn:aws:iam::${A}:policy/managed-${i}`;
    app.ListAttachedRolePolicies.AttachedPolicies.push({ PolicyName: `managed-${i}`, PolicyArn: arn });
    acct.Iam.Policies.push({
      GetPolicy: { Policy: { PolicyName: `managed-${i}`, Arn: arn, DefaultVersionId: 'v1', Path: '/' } },
      GetPolicyVersion: {
        v1: {
          PolicyVersion: {
            VersionId: 'v1',
            IsDefaultVersion: true,
            Document: enc({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:List*', Resource: '*' }] }),
          },
        },
      },
    });
  }
}

/**
 * Rounds of latency, from the call log: each call's round is one more than that of the latest call
 * that had answered when it started. With a bounded pool this counts waiting for a free slot too;
 * with an unbounded one (concurrency 64) it is the dependency depth of the critical path.
 */
function depth(calls, latency = LATENCY) {
  const done = [];
  let max = 0;
  for (const c of [...calls].sort((a, b) => a.at - b.at)) {
    const parent = done.filter((d) => d.end <= c.at + 2).reduce((m, d) => Math.max(m, d.depth), 0);
    const d = parent + 1;
    done.push({ end: c.at + latency, depth: d });
    max = Math.max(max, d);
  }
  return max;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${Math.round(ms)} ms`;

async function scenario(server, title, target, opts, grantCount, runs = RUNS) {
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    shape(server, grantCount);
    server.reset();
    server.latencyMs = LATENCY;
    const start = performance.now();
    const r = await readLive(target, { region: 'us-east-1', endpointUrl: server.url, credentials: server.credentials(A), ...opts });
    const ev = new Evaluator(r.snapshot);
    const d = ev.evaluate({ action: 'kms:Decrypt', principal: r.principal, keyIdentifier: target.key });
    times.push(performance.now() - start);
    last = { r, d, requests: server.count(), depth: depth(server.calls), rounds: Math.max(...server.calls.map((c) => c.round)), counts: server.counts() };
  }
  const g = last.r.snapshot.keys[0].grants;
  console.log(`\n== ${title}`);
  console.log(
    `  check (read + evaluate): median ${fmt(median(times))}, first ${fmt(times[0])}, min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))} over ${runs} runs`,
  );
  console.log(
    `  calls: ${last.r.calls} (${last.requests} HTTP requests); rounds of ${LATENCY} ms on the critical path: ${last.depth} by the clock, ${last.rounds} by the order of events${(opts.concurrency ?? 16) < 64 ? " (counting waits for one of the pools' slots)" : ' (dependencies only)'}`,
  );
  console.log(
    `  ListGrants calls: ${last.counts.ListGrants ?? 0}; grants in the snapshot: ${Array.isArray(g) ? g.length : 'unknown'}; kms:Decrypt → ${last.d.decision} (${last.d.decidedBy})`,
  );
}

/** `kms-why grants --all-keys` on an account of `n` customer managed keys (30 grants each). */
async function grantsAllKeys(server, n) {
  server.reload();
  const keys = server.accounts.get(A).Kms.Keys;
  const template = JSON.stringify(keys[0]);
  const id0 = keys[0].DescribeKey.KeyMetadata.KeyId;
  for (let i = keys.length; i < n; i++) {
    const id = `${String(i).padStart(8, '0')}-aaaa-bbbb-cccc-000000000000`;
    const k = JSON.parse(template.split(id0).join(id));
    k.ListAliases = { Aliases: [{ AliasName: `alias/extra-${i}`, TargetKeyId: id }] };
    keys.push(k);
  }
  server.reset();
  server.latencyMs = LATENCY;
  const start = performance.now();
  const r = await readKeys([], {
    region: 'us-east-1',
    endpointUrl: server.url,
    credentials: server.credentials(A),
    allCustomerManaged: true,
    grantsAudit: true,
  });
  const ms = performance.now() - start;
  const counts = server.counts();
  console.log(`\n== grants --all-keys over ${r.snapshot.keys.length} customer managed keys (live read, default concurrency 16 per service)`);
  console.log(
    `  calls: ${r.calls} (${(r.calls / r.snapshot.keys.length).toFixed(2)} per key; ${Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}); rounds of ${LATENCY} ms on the critical path: ${depth(server.calls)}; ${fmt(ms)}`,
  );
}

/**
 * `kms-why snapshot --account` on an account of `roles` roles (each with an inline policy and two
 * managed ones, as the recorded role) and `keys` customer managed keys (30 grants each), with
 * ACCOUNT_LATENCY_MS (default 50) added to every call.
 */
async function accountRead(server, roles, keyCount) {
  server.reload();
  const acct = server.accounts.get(A);
  const template = acct.Iam.Roles[0];
  for (let i = acct.Iam.Roles.length; i < roles; i++) {
    const r = structuredClone(template);
    const name = `role-${i}`;
    Object.assign(r.GetRole.Role, { Path: '/', RoleName: name, RoleId: `AROA${String(i).padStart(17, '0')}`, Arn: `arn:aws:iam::${A}:role/${name}` });
    for (const doc of Object.values(r.GetRolePolicy)) doc.RoleName = name;
    acct.Iam.Roles.push(r);
  }
  const keys = acct.Kms.Keys;
  const keyTemplate = JSON.stringify(keys[0]);
  const id0 = keys[0].DescribeKey.KeyMetadata.KeyId;
  for (let i = keys.length; i < keyCount; i++) {
    const id = `${String(i).padStart(8, '0')}-aaaa-bbbb-cccc-000000000000`;
    const k = JSON.parse(keyTemplate.split(id0).join(id));
    k.ListAliases = { Aliases: [{ AliasName: `alias/extra-${i}`, TargetKeyId: id }] };
    keys.push(k);
  }
  for (const k of keys) {
    const arn = k.DescribeKey.KeyMetadata.Arn;
    k.ListGrants.Grants = grants(30).map((g) => ({ ...g, KeyId: arn }));
  }
  server.reset();
  const latency = Number(process.env.ACCOUNT_LATENCY_MS ?? 50);
  server.latencyMs = latency;
  const start = performance.now();
  const r = await readAccount({ region: 'us-east-1', endpointUrl: server.url, credentials: server.credentials(A) });
  const ms = performance.now() - start;
  const counts = server.counts();
  const unread = (r.snapshot.inputs ?? []).filter((i) => i.status !== 'read').length;
  console.log(
    `\n== snapshot --account: ${roles.toLocaleString('en-US')} roles, ${r.snapshot.keys.length} keys x 30 grants, ${latency} ms added to every call (target <= 30 s)`,
  );
  console.log(
    `  ${fmt(ms)}; calls: ${r.calls} (${Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}); rounds of ${latency} ms: ${depth(server.calls, latency)}; inputs not read: ${unread}`,
  );
}

const server = await startAwsServer({ dir: join(root, 'fixtures', 'recorded') + '/' });
try {
  console.log(`latency added to every call: ${LATENCY} ms; loading the live module (AWS SDK clients): ${fmt(importMs)}`);
  // ONLY=account runs the account read alone.
  if (process.env.ONLY !== 'account') {
    const target = { key: 'alias/app', principal: ROLE };
    await scenario(
      server,
      'role with 10 managed + 5 inline policies, key with 300 grants, default options (concurrency 16 per service, grants auto)',
      target,
      {},
      300,
    );
    await scenario(server, 'same, every grant paged (grants: all, as kms-why snapshot does)', target, { grants: 'all' }, 300);
    await scenario(server, 'same, concurrency 8', target, { concurrency: 8 }, 300);
    await scenario(server, 'same, concurrency 64: the dependency depth alone', target, { concurrency: 64 }, 300);
    await scenario(server, 'same, key given as its ARN', { key: KEY_ARN, principal: ROLE }, {}, 300);
    await scenario(server, 'key with 2,400 grants, grants auto', target, {}, 2400);
    await scenario(server, 'key with 2,400 grants, grants all', target, { grants: 'all' }, 2400, 2);
    await scenario(server, 'key with 40 grants (one page), grants auto', target, {}, 40);
    await grantsAllKeys(server, 100);
  }
  await accountRead(server, Number(process.env.ACCOUNT_ROLES ?? 2000), Number(process.env.ACCOUNT_KEYS ?? 50));
} finally {
  await server.close();
}
