// A policy variable the request has no value for: kms-why takes the value to match nothing (a
// negated operator holds), and — since AWS says such a variable "might cause the entire statement
// to be invalid" — says so whenever the verdict rests on it (assumption variableNoValue).
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import type { Decision } from '../../src/model/decision.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const use = { Sid: 'Use', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' };
const decide = (statements: unknown[], context: Record<string, string> = {}): Decision =>
  new Evaluator(
    parseSnapshot(oneKeySnapshot({ Policy: { Version: '2012-10-17', Statement: statements } }, [{ Arn: ROLE, IdentityPolicies: [], Tags: [] }]), 'snap.json'),
  ).evaluate({ action: 'kms:Decrypt', principal: ROLE, keyArn: KEY_ARN, encryptionContext: context });

describe('a policy variable with no value', () => {
  it('an Allow whose negated condition holds only through it says it rests on an assumption', () => {
    const d = decide([{ ...use, Condition: { ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/${aws:username}' } } }]);
    expect(d.decision).toBe('allow');
    expect(d.assumptions).toContain('variableNoValue');
  });

  it('a Deny whose negated condition holds only through it says so too', () => {
    const d = decide(
      [
        use,
        {
          Sid: 'Fence',
          Effect: 'Deny',
          Principal: '*',
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringNotEquals: { 'kms:EncryptionContext:team': '${aws:PrincipalTag/missing}' } },
        },
      ],
      {
        team: 'Alpha',
      },
    );
    expect(d.decision).toBe('deny');
    expect(d.assumptions).toContain('variableNoValue');
  });

  it('a positive condition that fails on it needs no assumption (either reading: the statement does not apply)', () => {
    const d = decide([{ ...use, Condition: { StringEquals: { 'kms:EncryptionContext:team': '${aws:PrincipalTag/missing}' } } }], { team: 'Alpha' });
    expect(d.decision).toBe('deny');
    expect(d.assumptions).not.toContain('variableNoValue');
  });

  it('a default value gives the variable a value: no assumption', () => {
    const d = decide([{ ...use, Condition: { StringNotEquals: { 'kms:EncryptionContext:team': "${aws:PrincipalTag/missing, 'Beta'}" } } }], { team: 'Alpha' });
    expect(d.decision).toBe('allow');
    expect(d.assumptions).not.toContain('variableNoValue');
    const e = decide([{ ...use, Condition: { StringNotEquals: { 'kms:EncryptionContext:team': "${aws:PrincipalTag/missing, 'Alpha'}" } } }], { team: 'Alpha' });
    expect(e.decision).toBe('deny');
  });
});
