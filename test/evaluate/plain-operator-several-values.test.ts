// An operator without ForAnyValue/ForAllValues on a key the request gives several values: AWS does
// not say what it does; kms-why's reading (any value for a positive operator, none for a negated
// one) is an assumption the decision names.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import type { Decision } from '../../src/model/decision.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const use = { Sid: 'Use', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' };
const decide = (statements: unknown[], context: Record<string, string>): Decision =>
  new Evaluator(
    parseSnapshot(oneKeySnapshot({ Policy: { Version: '2012-10-17', Statement: statements } }, [{ Arn: ROLE, IdentityPolicies: [] }]), 'snap.json'),
  ).evaluate({
    action: 'kms:Decrypt',
    principal: ROLE,
    keyArn: KEY_ARN,
    encryptionContext: context,
  });
const deny = (operator: string, value: string) => ({
  Sid: 'Fence',
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:Decrypt',
  Resource: '*',
  Condition: { [operator]: { 'kms:EncryptionContext:dept': value } },
});

describe('a plain operator on several request values', () => {
  it('names the assumption when an encryption context gives the key twice (keys differing only in case)', () => {
    const d = decide([use, deny('StringNotEquals', 'x')], { Dept: 'y', dept: 'x' });
    expect(d.decision).toBe('allow');
    expect(d.assumptions).toContain('plainOperatorSeveralValues');
    expect(decide([use, deny('StringEquals', 'y')], { Dept: 'y', dept: 'x' }).assumptions).toContain('plainOperatorSeveralValues');
  });

  it('names it for kms:ResourceAliases of a key with two aliases', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [use, { ...deny('StringNotEquals', 'x'), Condition: { StringNotEquals: { 'kms:ResourceAliases': 'alias/app' } } }],
    };
    const d = new Evaluator(
      parseSnapshot(oneKeySnapshot({ Policy: policy, Aliases: ['alias/app', 'alias/b'] }, [{ Arn: ROLE, IdentityPolicies: [] }]), 'snap.json'),
    ).evaluate({ action: 'kms:Decrypt', principal: ROLE, keyArn: KEY_ARN });
    expect(d.decision).toBe('allow');
    expect(d.assumptions).toContain('plainOperatorSeveralValues');
  });

  it('needs no assumption for one value', () => {
    expect(decide([use, deny('StringNotEquals', 'x')], { dept: 'x' }).assumptions).not.toContain('plainOperatorSeveralValues');
  });
});
