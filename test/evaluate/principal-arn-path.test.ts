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
