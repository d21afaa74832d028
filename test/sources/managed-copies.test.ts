// A snapshot repeats a managed policy under every role that attaches it; the reader shares one
// Policy object between copies written exactly alike. What differs between roles (tags,
// boundaries, other policies) must still decide each role's answers as if each held its own copy.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { isUnknown } from '../../src/model/unknown.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT as A, delegatingKey, KEY_ARN as KEY } from '../helpers/snapshot-doc.js';

const MANAGED_ARN = `arn:aws:iam::${A}:policy/shared`;
const statements = [
  {
    Sid: 'ByTeam',
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:Encrypt'],
    Resource: '*',
    Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
  },
  { Sid: 'Describe', Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' },
];
const managed = (doc: unknown = { Version: '2012-10-17', Statement: structuredClone(statements) }) => ({
  PolicyName: 'shared',
  PolicyArn: MANAGED_ARN,
  Document: doc,
});

function snapshot(): ReturnType<typeof parseSnapshot> {
  return parseSnapshot(
    {
      kmsWhySnapshot: 1,
      keys: [delegatingKey({ Tags: [{ TagKey: 'team', TagValue: 'red' }] })],
      principals: [
        { Arn: `arn:aws:iam::${A}:role/red`, IdentityPolicies: [managed()], Tags: [{ Key: 'team', Value: 'red' }] },
        { Arn: `arn:aws:iam::${A}:role/blue`, IdentityPolicies: [managed()], Tags: [{ Key: 'team', Value: 'blue' }] },
        {
          // Red by tag, but its boundary allows DescribeKey only.
          Arn: `arn:aws:iam::${A}:role/bounded`,
          IdentityPolicies: [managed()],
          Tags: [{ Key: 'team', Value: 'red' }],
          PermissionsBoundary: {
            PolicyArn: `arn:aws:iam::${A}:policy/describe-only`,
            Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }] },
          },
        },
        // The same ARN with members in another order: another copy as written (kept apart).
        { Arn: `arn:aws:iam::${A}:role/reordered`, IdentityPolicies: [managed({ Statement: structuredClone(statements), Version: '2012-10-17' })], Tags: [] },
        // The same ARN with another document (a snapshot taken while it changed): kept apart.
        {
          Arn: `arn:aws:iam::${A}:role/changed`,
          IdentityPolicies: [managed({ Version: '2012-10-17', Statement: [{ Sid: 'All', Effect: 'Allow', Action: 'kms:*', Resource: '*' }] })],
          Tags: [],
        },
      ],
    },
    'managed.json',
  );
}

const identity = (s: ReturnType<typeof parseSnapshot>, role: string) => {
  const v = s.principals[`arn:aws:iam::${A}:role/${role}`]!.identityPolicies;
  if (isUnknown(v)) throw new Error('unknown');
  return v[0]!;
};

describe('managed policy copies read once', () => {
  const snap = snapshot();

  it('copies written alike are one object; copies written otherwise are not', () => {
    expect(identity(snap, 'red')).toBe(identity(snap, 'blue'));
    expect(identity(snap, 'red')).toBe(identity(snap, 'bounded'));
    expect(identity(snap, 'reordered')).not.toBe(identity(snap, 'red'));
    expect(identity(snap, 'changed')).not.toBe(identity(snap, 'red'));
    expect(identity(snap, 'changed').statements.map((st) => st.sid)).toEqual(['All']);
    // Two reads of one file share nothing between them.
    expect(identity(snapshot(), 'red')).not.toBe(identity(snap, 'red'));
  });

  it('each role gets the answer a fresh evaluator gives it alone: tags, boundaries and documents still decide', () => {
    const ev = new Evaluator(snap);
    const answers: string[] = [];
    for (const role of ['red', 'blue', 'bounded', 'reordered', 'changed', 'red', 'bounded']) {
      for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey']) {
        const q = { action, principal: `arn:aws:sts::${A}:assumed-role/${role}/s`, keyArn: KEY };
        const shared = ev.evaluate(q);
        const alone = new Evaluator(snapshot()).evaluate(q);
        expect(JSON.stringify(shared)).toBe(JSON.stringify(alone));
        answers.push(`${role} ${action} ${shared.decision}`);
      }
    }
    expect(answers).toContain('red kms:Decrypt allow');
    expect(answers).toContain('blue kms:Decrypt deny');
    expect(answers).toContain('bounded kms:Decrypt deny');
    expect(answers).toContain('bounded kms:DescribeKey allow');
    expect(answers).toContain('changed kms:Encrypt allow');
  });
});
