// AWS managed keys: "You have no control over the lifecycle or permissions of these keys" (KMS
// developer guide, AWS managed keys). Their key policy, description, tags, state, rotation and
// deletion are not the customer's to change, whatever a (hand-written) key policy allows.
import { describe, expect, it } from 'vitest';
import { whoCan } from '../../src/analyses/who-can.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { findAction } from '../../src/model/actions.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const policy = { Version: '2012-10-17', Statement: [{ Sid: 'All', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', Resource: '*' }] };
// CreateAlias also needs kms:CreateAlias on the alias, from an identity policy.
const identity = [{ PolicyName: 'kms', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }];
const snapshot = (keyManager: string) =>
  parseSnapshot(oneKeySnapshot({ Policy: policy }, [{ Arn: ROLE, IdentityPolicies: identity }], { KeyManager: keyManager }), 'snap.json');

const REFUSED = [
  'kms:PutKeyPolicy',
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateKeyDescription',
];

describe('AWS managed keys', () => {
  it('refuse the operations only a customer managed key allows, with a key-state deny that says the exception is undocumented', () => {
    const ev = new Evaluator(snapshot('AWS'));
    for (const action of REFUSED) {
      const d = ev.evaluate({ action, principal: ROLE, keyArn: KEY_ARN });
      expect(d, action).toMatchObject({ decision: 'deny', decidedBy: 'key-state', authorization: 'allow' });
      expect(d.keyStateError, action).toMatch(
        /^AWS managed key: .* is an AWS managed key, .*works on customer managed keys only \(AWS does not document the exception/,
      );
    }
  });

  it('CreateAlias: an alias is associated with a customer managed key only', () => {
    const d = new Evaluator(snapshot('AWS')).evaluate({ action: 'kms:CreateAlias', principal: ROLE, keyArn: KEY_ARN, aliasArn: 'alias/mine' });
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state', authorization: 'allow' });
    expect(new Evaluator(snapshot('CUSTOMER')).evaluate({ action: 'kms:CreateAlias', principal: ROLE, keyArn: KEY_ARN, aliasArn: 'alias/mine' }).decision).toBe(
      'allow',
    );
  });

  it('still allow what their policy allows: use, DescribeKey, GetKeyPolicy, CreateGrant', () => {
    const ev = new Evaluator(snapshot('AWS'));
    for (const action of ['kms:Decrypt', 'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:CreateGrant'])
      expect(ev.evaluate({ action, principal: ROLE, keyArn: KEY_ARN }).decision, action).toBe('allow');
  });

  it('a customer managed key allows the same operations', () => {
    const ev = new Evaluator(snapshot('CUSTOMER'));
    for (const action of REFUSED) expect(ev.evaluate({ action, principal: ROLE, keyArn: KEY_ARN }).decision, action).toBe('allow');
  });

  it('who-can reports them as failing whatever the policy says', () => {
    const snap = snapshot('AWS');
    const actions = ['kms:PutKeyPolicy', 'kms:Decrypt'].map((a) => findAction(a)!);
    const k = whoCan(snap, snap.keys, { actions }).keys[0]!;
    expect(k.keyStateErrors[k.actions.findIndex((a) => a.name === 'kms:PutKeyPolicy')]).toMatch(/^AWS managed key: /);
    expect(k.keyStateErrors[k.actions.findIndex((a) => a.name === 'kms:Decrypt')]).toBeUndefined();
  });

  it('PutKeyPolicy on a key whose metadata is unreadable is unknown: it may be an AWS managed key', () => {
    const raw = oneKeySnapshot({ Policy: policy }, [{ Arn: ROLE, IdentityPolicies: identity }]);
    const key = (raw.keys as Array<Record<string, unknown>>)[0]!;
    key.KeyMetadata = { Arn: KEY_ARN, kmsWhyUnreadable: { reason: 'AccessDeniedException' } };
    const d = new Evaluator(parseSnapshot(raw, 'snap.json')).evaluate({ action: 'kms:PutKeyPolicy', principal: ROLE, keyArn: KEY_ARN });
    expect(d.decision).toBe('unknown');
  });
});
