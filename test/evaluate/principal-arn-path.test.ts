// A session ARN leaves out its role's path, and aws:PrincipalArn is the role ARN with it: for a
// session whose role the snapshot does not hold, a condition on aws:PrincipalArn is unknown, not
// decided by the role ARN without a path.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const SESSION = 'arn:aws:sts::111122223333:assumed-role/App/s1';
const policy = (effect: 'Allow' | 'Deny') => ({
  Version: '2012-10-17',
  Statement: [
    ...(effect === 'Deny' ? [{ Sid: 'Use', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] : []),
    {
      Sid: 'ByPath',
      Effect: effect,
      Principal: '*',
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { [effect === 'Allow' ? 'ArnLike' : 'ArnNotLike']: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/team/*' } },
    },
  ],
});
const decide = (effect: 'Allow' | 'Deny', principals: unknown[]) =>
  new Evaluator(parseSnapshot(oneKeySnapshot({ Policy: policy(effect) }, principals), 'snap.json')).evaluate({
    action: 'kms:Decrypt',
    principal: SESSION,
    keyArn: KEY_ARN,
  });

describe('aws:PrincipalArn of a session whose role is not in the snapshot', () => {
  it('is unknown for an Allow and for a Deny that read it', () => {
    expect(decide('Allow', []).decision).toBe('unknown');
    expect(decide('Deny', []).decision).toBe('unknown');
  });

  it('is the role ARN with its path when the snapshot holds the role', () => {
    const withPath = [{ Arn: 'arn:aws:iam::111122223333:role/team/App', IdentityPolicies: [] }];
    const withoutPath = [{ Arn: 'arn:aws:iam::111122223333:role/App', IdentityPolicies: [] }];
    expect(decide('Allow', withPath).decision).toBe('allow');
    expect(decide('Allow', withoutPath).decision).toBe('deny');
    expect(decide('Deny', withPath).decision).toBe('allow');
    expect(decide('Deny', withoutPath).decision).toBe('deny');
  });
});

describe('aws:PrincipalArn of a session with an entry of its own', () => {
  const own = { Arn: SESSION, IdentityPolicies: [] };

  it('is unknown when the snapshot does not hold the role, with the reason', () => {
    for (const effect of ['Allow', 'Deny'] as const) {
      const d = decide(effect, [own]);
      expect(d.decision).toBe('unknown');
      expect(d.unreadable.map((u) => u.what)).toEqual(['path of arn:aws:iam::111122223333:role/App (aws:PrincipalArn of its sessions)']);
      expect(d.unreadable[0]?.reason).toContain('none for its role');
    }
  });

  it("is the role ARN with its path when the snapshot holds the role beside the session's entry", () => {
    expect(decide('Allow', [own, { Arn: 'arn:aws:iam::111122223333:role/team/App', IdentityPolicies: [] }]).decision).toBe('allow');
    expect(decide('Allow', [own, { Arn: 'arn:aws:iam::111122223333:role/App', IdentityPolicies: [] }]).decision).toBe('deny');
  });

  it("is the entry's RoleArn when it gives one", () => {
    expect(decide('Allow', [{ ...own, RoleArn: 'arn:aws:iam::111122223333:role/team/App' }]).decision).toBe('allow');
    expect(decide('Allow', [{ ...own, RoleArn: 'arn:aws:iam::111122223333:role/App' }]).decision).toBe('deny');
    expect(decide('Deny', [{ ...own, RoleArn: 'arn:aws:iam::111122223333:role/team/App' }]).decision).toBe('allow');
  });

  it('refuses a RoleArn that is not the ARN of the session role, or on an entry that is not a session', () => {
    expect(() => decide('Allow', [{ ...own, RoleArn: 'arn:aws:iam::111122223333:role/team/Other' }])).toThrow(/is not the ARN of the role of/);
    expect(() => decide('Allow', [{ ...own, RoleArn: 'arn:aws:iam::444455556666:role/App' }])).toThrow(/is not the ARN of the role of/);
    expect(() => decide('Allow', [{ Arn: 'arn:aws:iam::111122223333:role/App', RoleArn: 'arn:aws:iam::111122223333:role/team/App' }])).toThrow(
      /RoleArn belongs to a role session's entry/,
    );
  });

  it('leaves a verdict that does not read aws:PrincipalArn as it was', () => {
    const named = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'Role', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/App' }, Action: 'kms:Decrypt', Resource: '*' }],
    };
    const d = new Evaluator(parseSnapshot(oneKeySnapshot({ Policy: named }, [own]), 'snap.json')).evaluate({
      action: 'kms:Decrypt',
      principal: SESSION,
      keyArn: KEY_ARN,
    });
    expect(d.decision).toBe('allow');
    expect(d.unreadable).toEqual([]);
  });
});
