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

// CreateAlias of a reserved or existing name, and UpdateAlias to a key of another type or usage,
// fail whatever the policies allow [API CreateAlias, API UpdateAlias]: decided by the key step.
describe('the alias a request names', () => {
  const SIGN_ARN = 'arn:aws:kms:us-east-1:111122223333:key/33333333-12ab-34cd-56ef-1234567890ab';
  const HMAC_ARN = 'arn:aws:kms:us-east-1:111122223333:key/44444444-12ab-34cd-56ef-1234567890ab';
  const SYM_ARN = 'arn:aws:kms:us-east-1:111122223333:key/55555555-12ab-34cd-56ef-1234567890ab';
  const other = (arn: string, spec: string, usage: string, aliases: string[] = []) => {
    const k = oneKeySnapshot({ Aliases: aliases }).keys as Array<Record<string, unknown>>;
    const key = k[0]!;
    key.KeyMetadata = { ...(key.KeyMetadata as Record<string, unknown>), Arn: arn, KeyId: arn.slice(arn.indexOf('/') + 1), KeySpec: spec, KeyUsage: usage };
    return key;
  };
  const doc = oneKeySnapshot({ Aliases: ['alias/app'] }, [
    {
      Arn: ROLE,
      IdentityPolicies: [{ PolicyName: 'kms', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }],
    },
  ]);
  (doc.keys as unknown[]).push(
    other(SIGN_ARN, 'RSA_2048', 'SIGN_VERIFY'),
    other(HMAC_ARN, 'HMAC_256', 'GENERATE_VERIFY_MAC'),
    other(SYM_ARN, 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', ['alias/other']),
  );
  const two = new Evaluator(parseSnapshot(doc, 'two.json'));
  const on = (action: string, keyArn: string, aliasArn: string) => two.evaluate({ action, principal: ROLE, keyArn, aliasArn });
  const A = (name: string) => `arn:aws:kms:us-east-1:111122223333:${name}`;

  it('CreateAlias of an alias/aws/ name fails (InvalidAliasNameException)', () => {
    const d = on('kms:CreateAlias', KEY_ARN, A('alias/aws/mine'));
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state', authorization: 'allow' });
    expect(d.keyStateError).toMatch(/^InvalidAliasNameException: alias\/aws\/mine/);
  });
  it('CreateAlias of a name a key of the account and Region has fails (AlreadyExistsException), a new name is allowed', () => {
    for (const key of [SIGN_ARN, KEY_ARN]) {
      const d = on('kms:CreateAlias', key, A('alias/app'));
      expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
      expect(d.keyStateError).toMatch(/^AlreadyExistsException: alias\/app .*1234abcd/);
    }
    expect(on('kms:CreateAlias', SIGN_ARN, A('alias/new')).decision).toBe('allow');
  });
  it('UpdateAlias to a key of another type or key usage fails; to a key of the same type and usage it is allowed', () => {
    for (const key of [SIGN_ARN, HMAC_ARN]) {
      const d = on('kms:UpdateAlias', key, A('alias/app'));
      expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
      expect(d.keyStateError).toMatch(/^ValidationException: alias\/app points to .*same type and key usage/);
    }
    expect(on('kms:UpdateAlias', SYM_ARN, A('alias/app')).decision).toBe('allow');
    expect(on('kms:UpdateAlias', KEY_ARN, A('alias/other')).decision).toBe('allow');
  });
});
