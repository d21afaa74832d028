// The evaluator shares work between requests: compiled managed policies between the roles that
// attach them, a role's context and worlds between its sessions. Whatever is shared, an answer
// must be the one a fresh evaluator gives for that request alone: these requests differ only in
// what a shared form must not carry over (tags, policy variables, session names, request values).
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import type { Request } from '../../src/model/request.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT as A, delegatingKey, KEY_ARN as KEY } from '../helpers/snapshot-doc.js';

const session = (role: string, name: string): string => `arn:aws:sts::${A}:assumed-role/${role}/${name}`;

/** One managed policy, attached to every role, whose statements read the caller's tags, name and session. */
const MANAGED = {
  PolicyName: 'shared',
  PolicyArn: `arn:aws:iam::${A}:policy/shared`,
  Document: {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ByTeam',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
      },
      { Sid: 'BySession', Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { StringLike: { 'aws:RoleSessionName': 'ci-*' } } },
      {
        Sid: 'ByUserId',
        Effect: 'Allow',
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { StringEquals: { 'aws:userid': `AROAEXAMPLEID000001:\${aws:PrincipalTag/owner}` } },
      },
      {
        Sid: 'ByContext',
        Effect: 'Allow',
        Action: 'kms:GenerateDataKey',
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:team': '${aws:PrincipalTag/team}' } },
      },
      { Sid: 'NoNight', Effect: 'Deny', Action: 'kms:GenerateDataKey', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:stage': 'prod' } } },
    ],
  },
};

function snapshot(): ReturnType<typeof parseSnapshot> {
  const role = (name: string, tags: Record<string, string>, uniqueId?: string): Record<string, unknown> => ({
    Arn: `arn:aws:iam::${A}:role/${name}`,
    // Each role holds its own copy of the managed policy, as a snapshot read from AWS does.
    IdentityPolicies: [structuredClone(MANAGED)],
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    ...(uniqueId !== undefined ? { UniqueId: uniqueId } : {}),
  });
  return parseSnapshot(
    {
      kmsWhySnapshot: 1,
      keys: [delegatingKey({ Tags: [{ TagKey: 'team', TagValue: 'red' }] })],
      principals: [
        role('red', { team: 'red', owner: 'alice' }, 'AROAEXAMPLEID000001'),
        role('blue', { team: 'blue', owner: 'bob' }, 'AROAEXAMPLEID000001'),
        role('untagged', {}),
      ],
    },
    'shared.json',
  );
}

/** Requests in an order that exercises every cache: roles and sessions interleaved, repeated. */
function requests(): Request[] {
  const out: Request[] = [];
  for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey', 'kms:GenerateDataKey']) {
    for (const role of ['red', 'blue', 'untagged']) {
      for (const name of ['ci-1', 'alice', 'bob', 'ci-2']) {
        out.push({ action, principal: session(role, name), keyArn: KEY });
        out.push({ action, principal: session(role, name), keyArn: KEY, encryptionContext: { team: role } });
        out.push({ action, principal: session(role, name), keyArn: KEY, encryptionContext: { team: role, stage: 'prod' } });
      }
      out.push({ action, principal: `arn:aws:iam::${A}:role/${role}`, keyArn: KEY });
    }
  }
  return out;
}

describe('work shared between requests never changes an answer', () => {
  const snap = snapshot();
  const reqs = requests();
  // The answer each request gets from an evaluator that has seen nothing else.
  const alone = reqs.map((q) => new Evaluator(snap).evaluate(q));

  it('the requests differ in their answers (the test can fail)', () => {
    const verdicts = new Set(alone.map((d) => `${d.action} ${d.decision}`));
    expect(verdicts.has('kms:Decrypt allow')).toBe(true);
    expect(verdicts.has('kms:Decrypt deny')).toBe(true);
    expect(verdicts.has('kms:Encrypt allow')).toBe(true);
    expect(verdicts.has('kms:Encrypt deny')).toBe(true);
    expect(verdicts.has('kms:DescribeKey allow')).toBe(true);
    expect(verdicts.has('kms:GenerateDataKey allow')).toBe(true);
    expect(verdicts.has('kms:GenerateDataKey deny')).toBe(true);
  });

  it('tags and session names decide as written: red sessions decrypt, blue ones do not; ci-* sessions encrypt', () => {
    const ev = new Evaluator(snap);
    const v = (action: string, principal: string, ec?: Record<string, string>): string =>
      ev.evaluate({ action, principal, keyArn: KEY, ...(ec ? { encryptionContext: ec } : {}) }).decision;
    expect(v('kms:Decrypt', session('red', 'x'))).toBe('allow');
    expect(v('kms:Decrypt', session('blue', 'x'))).toBe('deny');
    expect(v('kms:Encrypt', session('blue', 'ci-7'))).toBe('allow');
    expect(v('kms:Encrypt', session('blue', 'x'))).toBe('deny');
    // aws:userid is the role's unique id and the session name: only red's alice session matches.
    expect(v('kms:DescribeKey', session('red', 'alice'))).toBe('allow');
    expect(v('kms:DescribeKey', session('red', 'bob'))).toBe('deny');
    expect(v('kms:DescribeKey', session('blue', 'bob'))).toBe('allow');
    expect(v('kms:GenerateDataKey', session('blue', 'x'), { team: 'blue' })).toBe('allow');
    expect(v('kms:GenerateDataKey', session('blue', 'x'), { team: 'red' })).toBe('deny');
    expect(v('kms:GenerateDataKey', session('blue', 'x'), { team: 'blue', stage: 'prod' })).toBe('deny');
  });

  it('one evaluator asked everything, twice, gives each request the answer it gets alone', () => {
    const ev = new Evaluator(snap);
    for (let pass = 0; pass < 2; pass++) {
      reqs.forEach((q, i) => {
        expect(ev.evaluate(q), `${pass} ${q.action} ${q.principal} ${JSON.stringify(q.encryptionContext)}`).toEqual(alone[i]);
      });
    }
  });

  it('in reverse order, and without the explanation, the verdicts are the same', () => {
    const ev = new Evaluator(snap);
    for (let i = reqs.length - 1; i >= 0; i--) expect(ev.evaluate(reqs[i]!, { explain: false }).decision).toBe(alone[i]!.decision);
  });

  it('a role copy of the managed policy that differs is not taken for the shared one', () => {
    const s = snapshot();
    const red = s.principals[`arn:aws:iam::${A}:role/red`]!;
    const blue = s.principals[`arn:aws:iam::${A}:role/blue`]!;
    // Same ARN and name, but blue's copy allows Decrypt outright (an older version, say).
    const copy = structuredClone(MANAGED);
    copy.Document.Statement[0] = { Sid: 'ByTeam', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' } as (typeof copy.Document.Statement)[0];
    const changed = parseSnapshot({ kmsWhySnapshot: 1, keys: [], principals: [{ Arn: `arn:aws:iam::${A}:role/blue`, IdentityPolicies: [copy] }] }, 'copy.json')
      .principals[`arn:aws:iam::${A}:role/blue`]!;
    s.principals[`arn:aws:iam::${A}:role/blue`] = { ...blue, identityPolicies: changed.identityPolicies };
    const ev = new Evaluator(s);
    expect(ev.evaluate({ action: 'kms:Decrypt', principal: session('red', 'x'), keyArn: KEY }).decision).toBe('allow');
    expect(ev.evaluate({ action: 'kms:Decrypt', principal: session('blue', 'x'), keyArn: KEY }).decision).toBe('allow');
    expect(red.identityPolicies).not.toBe(changed.identityPolicies);
  });
});

describe("ReplicateKey's kms:CreateKey, decided once per caller for every key", () => {
  const KEY_B = KEY.replace('1234abcd', '5678abcd');
  const mrk = (arn: string, id: string): Record<string, unknown> =>
    delegatingKey({
      KeyMetadata: {
        Arn: arn,
        KeyId: id,
        AWSAccountId: A,
        KeyState: 'Enabled',
        KeyManager: 'CUSTOMER',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        MultiRegion: true,
        MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY' },
        Origin: 'AWS_KMS',
      },
    });
  const role = (name: string, statements: unknown[]): Record<string, unknown> => ({
    Arn: `arn:aws:iam::${A}:role/${name}`,
    IdentityPolicies: [{ PolicyName: name, Document: { Version: '2012-10-17', Statement: statements } }],
  });
  const snap = parseSnapshot(
    {
      kmsWhySnapshot: 1,
      keys: [mrk(KEY, '1234abcd-12ab-34cd-56ef-1234567890ab'), mrk(KEY_B, '5678abcd-12ab-34cd-56ef-1234567890ab')],
      principals: [
        role('both', [
          { Sid: 'Rep', Effect: 'Allow', Action: 'kms:ReplicateKey', Resource: '*' },
          { Sid: 'Create', Effect: 'Allow', Action: 'kms:CreateKey', Resource: '*' },
        ]),
        role('replicate-only', [{ Sid: 'Rep', Effect: 'Allow', Action: 'kms:ReplicateKey', Resource: '*' }]),
        role('not-in-eu', [
          { Sid: 'All', Effect: 'Allow', Action: ['kms:ReplicateKey', 'kms:CreateKey'], Resource: '*' },
          { Sid: 'NoEu', Effect: 'Deny', Action: 'kms:CreateKey', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
        ]),
      ],
    },
    'replicate.json',
  );
  const reqs: Request[] = [];
  for (const key of [KEY, KEY_B])
    for (const r of ['both', 'replicate-only', 'not-in-eu'])
      for (const region of [undefined, 'eu-west-1', 'us-west-2'])
        reqs.push({
          action: 'kms:ReplicateKey',
          principal: session(r, 'x'),
          keyArn: key,
          ...(region !== undefined ? { context: { 'kms:ReplicaRegion': region } } : {}),
        });

  it('every verdict is the one a fresh evaluator gives, and the verdicts differ', () => {
    const ev = new Evaluator(snap);
    const seen = new Set<string>();
    for (const q of [...reqs, ...reqs.slice().reverse()]) {
      const d = ev.evaluate(q, { explain: false });
      expect(d, `${q.principal} ${q.keyArn} ${JSON.stringify(q.context)}`).toEqual(new Evaluator(snap).evaluate(q, { explain: false }));
      expect(d.decision).toBe(new Evaluator(snap).evaluate(q).decision);
      seen.add(d.decision);
    }
    expect([...seen].sort()).toEqual(['allow', 'deny', 'unknown']);
  });

  it("each decision's reasons are its own (changing one leaves the next key's alone)", () => {
    const ev = new Evaluator(snap);
    const onA = ev.evaluate(reqs[0]!, { explain: false });
    const onB = ev.evaluate(reqs[9]!, { explain: false });
    expect(onA.decision).toBe('allow');
    // The last reason is the CreateKey part's (the same decision for both keys).
    expect(onA.reasons.map((r) => r.id).at(-1)).toBe('Create');
    expect(onB.reasons).toEqual(onA.reasons);
    onA.reasons[onA.reasons.length - 1]!.id = 'changed';
    expect(onB.reasons.map((r) => r.id)).not.toContain('changed');
    expect(ev.evaluate(reqs[9]!, { explain: false }).reasons.map((r) => r.id)).not.toContain('changed');
  });
});
