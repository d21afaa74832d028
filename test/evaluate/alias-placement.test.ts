// An alias and its key are always in the same account and Region [API CreateAlias]: an alias
// action naming an alias ARN elsewhere fails whatever the policies allow.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const ev = new Evaluator(
  parseSnapshot(
    oneKeySnapshot({}, [
      {
        Arn: ROLE,
        IdentityPolicies: [{ PolicyName: 'kms', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }],
      },
    ]),
    'snap.json',
  ),
);
const ask = (action: string, aliasArn: string) => ev.evaluate({ action, principal: ROLE, keyArn: KEY_ARN, aliasArn });

describe('an alias ARN outside the key’s account and Region', () => {
  it('fails CreateAlias, DeleteAlias and UpdateAlias (the key step), and the same alias in the key’s account and Region is allowed', () => {
    for (const action of ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias']) {
      for (const elsewhere of ['arn:aws:kms:us-east-1:444455556666:alias/app', 'arn:aws:kms:eu-west-1:111122223333:alias/app']) {
        const d = ask(action, elsewhere);
        expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
        expect(d.keyStateError).toMatch(/^NotFoundException: .*same account and Region/);
      }
    }
    expect(ask('kms:CreateAlias', 'arn:aws:kms:us-east-1:111122223333:alias/app').decision).toBe('allow');
  });
});
