// snapshotToJson writes the snapshot contract; parsing what it wrote evaluates as the original does:
// on the example snapshots, on every scenario case, and on snapshots read from (the stand-in for) AWS.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Evaluator } from '../../../src/evaluate/evaluator.js';
import { ACTIONS } from '../../../src/model/actions.js';
import { parsePrincipal } from '../../../src/model/arn.js';
import type { Decision } from '../../../src/model/decision.js';
import type { Request } from '../../../src/model/request.js';
import type { Snapshot } from '../../../src/model/snapshot.js';
import { loadFrom } from '../../../src/sources/load.js';
import type { ScenarioCase } from '../../../src/sources/scenario.js';
import { scenarioToInput } from '../../../src/sources/scenario.js';
import { parseSnapshot } from '../../../src/sources/snapshot-file.js';
import { snapshotToJson } from '../../../src/sources/snapshot-writer.js';
import { A, APP_ROLE, KEY_ARN, PARTNER_ROLE, read, useAwsServer } from './helpers.js';

const { server } = useAwsServer();
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Through JSON text, as a file would carry it. */
function roundTrip(s: Snapshot): { json: unknown; back: Snapshot } {
  const json = JSON.parse(JSON.stringify(snapshotToJson(s))) as unknown;
  return { json, back: parseSnapshot(json, 'written.json') };
}

/** What a verdict is made of, without the explanation's wording of where policies came from. */
function essence(d: Decision, withWhat: boolean): unknown {
  return {
    decision: d.decision,
    decidedBy: d.decidedBy,
    reasons: d.reasons.map((r) => `${r.source}:${r.id}:${r.effect}`),
    unreadable: (d.unreadable ?? []).map((u) => `${withWhat ? u.what : ''}|${u.reason}|${u.neededPermission ?? ''}`).sort(),
    missingContext: d.missingContext,
  };
}

/**
 * `withWhat`: compare the names of unreadable inputs too. A snapshot file names them by where they
 * are (`key policy of ARN`); scenario cases give them names of their own, which no file can carry.
 */
function decide(s: Snapshot, req: Request, withWhat = true): unknown {
  try {
    return essence(new Evaluator(s).evaluate(req), withWhat);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Principals worth asking about: every entry, a session of each role, and each account's root. */
function callers(s: Snapshot): string[] {
  const out = new Set<string>();
  for (const arn of Object.keys(s.principals)) {
    out.add(arn);
    const p = parsePrincipal(arn);
    if (p?.kind === 'role') out.add(`arn:${p.partition}:sts::${p.account}:assumed-role/${p.name}/session`);
    if (p !== null && p.account !== '') out.add(`arn:${p.partition}:iam::${p.account}:root`);
  }
  for (const k of s.keys) out.add(`arn:${k.metadata.partition}:iam::${k.metadata.account}:root`);
  return [...out];
}

function expectSameVerdicts(a: Snapshot, b: Snapshot, extra: Partial<Request> = {}): number {
  let n = 0;
  for (const principal of callers(a)) {
    for (const key of a.keys) {
      for (const action of ACTIONS) {
        if (action.cls === 'internal') continue;
        const req: Request = { action: action.name, principal, keyArn: key.metadata.arn, ...extra };
        expect(decide(b, req), `${action.name} by ${principal} on ${key.metadata.arn}`).toEqual(decide(a, req));
        n++;
      }
    }
  }
  return n;
}

describe('example snapshots', () => {
  const files = [
    ...readdirSync(`${ROOT}fixtures/examples`)
      .filter((f) => f.endsWith('.json'))
      .map((f) => `${ROOT}fixtures/examples/${f}`)
      .filter((f) => readFileSync(f, 'utf8').includes('"kmsWhySnapshot"')),
    `${ROOT}fixtures/snapshots/full.json`,
  ];
  for (const file of files) {
    test(file.slice(ROOT.length), async () => {
      const original = await loadFrom([file]);
      const { json, back } = roundTrip(original);
      expect(json).toMatchObject({ kmsWhySnapshot: 1 });
      const grantIds = original.keys.flatMap((k) => (Array.isArray(k.grants) ? k.grants.map((g) => g.grantId) : []));
      expect(expectSameVerdicts(original, back)).toBeGreaterThan(0);
      for (const grantId of grantIds.slice(0, 3)) expectSameVerdicts(original, back, { grantId });
      // Writing what was read back writes the same file.
      expect(snapshotToJson(back)).toEqual(json);
      if (original.functions !== undefined) expect((json as { Functions: unknown[] }).Functions).toEqual(original.functions);
    });
  }
});

test('every scenario case evaluates the same after a round trip', () => {
  let n = 0;
  for (const f of readdirSync(`${ROOT}fixtures/cases`).filter((x) => x.endsWith('.json'))) {
    const cases = JSON.parse(readFileSync(`${ROOT}fixtures/cases/${f}`, 'utf8')) as ScenarioCase[];
    for (const c of cases) {
      if (c.expected.error !== undefined) continue; // inputs refused before any snapshot exists
      const { snapshot, request } = scenarioToInput(c, f);
      const { back } = roundTrip(snapshot);
      expect(decide(back, request, false), `${f} ${c.id}: ${c.title}`).toEqual(decide(snapshot, request, false));
      n++;
    }
  }
  expect(n).toBeGreaterThan(500);
});

describe('live-read snapshots', () => {
  test('as read, with unreadable inputs written as markers', async () => {
    const s = server();
    s.script('GetKeyPolicy', 'deny');
    s.script('ListResourceTags', 'deny');
    const r = await read(s, { key: 'alias/app', principal: APP_ROLE });
    const { json, back } = roundTrip(r.snapshot);
    const key = (json as { keys: Array<Record<string, unknown>> }).keys[0]!;
    expect(key.Policy).toEqual({
      kmsWhyUnreadable: { reason: 'AccessDeniedException on kms:GetKeyPolicy', neededPermission: `kms:GetKeyPolicy on ${KEY_ARN}` },
    });
    expect(key.Tags).toMatchObject({ kmsWhyUnreadable: { neededPermission: `kms:ListResourceTags on ${KEY_ARN}` } });
    expect(key.Aliases).toEqual(['alias/app', 'alias/payments']);
    expect(expectSameVerdicts(r.snapshot, back)).toBeGreaterThan(0);
    expect(back.inputs!.find((i) => i.what === `key policy of ${KEY_ARN}`)).toMatchObject({ status: 'unreadable' });
    // Read for one principal: the file says so, and reads back the same.
    expect((json as { principalsAskedFor: unknown }).principalsAskedFor).toEqual([APP_ROLE]);
    expect(back.principalsAskedFor).toEqual([APP_ROLE]);
    // And for one key, named by its alias: recorded as the key's ARN.
    expect((json as { keysAskedFor: unknown }).keysAskedFor).toEqual([KEY_ARN]);
    expect(back.keysAskedFor).toEqual([KEY_ARN]);
    expect(snapshotToJson(back)).toEqual(json);
  });

  test('a principal whose policies could not be read, a user with groups, functions and organization policies', async () => {
    const s = server();
    const partner = await read(s, { key: 'alias/app', principal: PARTNER_ROLE });
    const p = roundTrip(partner.snapshot);
    expect((p.json as { principals: Array<Record<string, unknown>> }).principals[0]!.IdentityPolicies).toMatchObject({
      kmsWhyUnreadable: { reason: expect.stringMatching(/account 444455556666/) },
    });
    expectSameVerdicts(partner.snapshot, p.back);

    s.script('ListGrants', 'deny');
    const alice = await read(s, { key: 'alias/app', principal: `arn:aws:iam::${A}:user/alice` }, { functions: [{ name: 'my-function' }] });
    const a = roundTrip(alice.snapshot);
    expect((a.json as { Functions: unknown[] }).Functions).toEqual(alice.snapshot.functions);
    expectSameVerdicts(alice.snapshot, a.back);
    expectSameVerdicts(alice.snapshot, a.back, { encryptionContext: { 'aws:lambda:FunctionArn': `arn:aws:lambda:us-east-1:${A}:function:my-function` } });
  });

  test('a session principal (`me`) with every grant read', async () => {
    const s = server();
    const r = await read(s, { key: KEY_ARN, principal: 'me' }, { grants: 'all' });
    const { json, back } = roundTrip(r.snapshot);
    expect((json as { principals: Array<{ Arn: string }> }).principals.map((p) => p.Arn)).toEqual([`arn:aws:iam::${A}:role/dev`]);
    // `me` is recorded as whom it stood for (the session GetCallerIdentity named).
    expect(r.principal).toMatch(/:assumed-role\/dev\//);
    expect(back.principalsAskedFor).toEqual([r.principal]);
    expectSameVerdicts(r.snapshot, back);
    for (const action of ['kms:Decrypt', 'kms:ScheduleKeyDeletion']) {
      const req: Request = { action, principal: r.principal, keyArn: KEY_ARN };
      expect(decide(back, req)).toEqual(decide(r.snapshot, req));
    }
  });
});
