import { describe, expect, it } from 'vitest';
import { compileCondition, evaluateCondition, substituteVariables } from '../../src/evaluate/conditions.js';
import { wildcard } from '../../src/model/wildcard.js';
import type { RequestContext } from '../../src/evaluate/context.js';

function ctx(values: Record<string, string | string[]>, unknownPrefixes: string[] = []): RequestContext {
  return {
    values: new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]])),
    multiValued: new Set(),
    unknownPrefixes,
    underivable: [],
  };
}

function holds(operator: string, key: string, values: string[], c: RequestContext, effect: 'Allow' | 'Deny' = 'Allow'): boolean {
  return evaluateCondition(compileCondition({ operator, key, values }), { ctx: c, bias: null }, effect);
}

describe('condition operators', () => {
  it.each([
    ['IpAddress', '203.0.113.7', ['203.0.113.0/24'], true],
    ['IpAddress', '203.0.114.7', ['203.0.113.0/24'], false],
    ['IpAddress', '203.0.113.7', ['203.0.113.7'], true], // no prefix: /32
    ['IpAddress', '2001:db8::1', ['2001:db8::/32'], true],
    ['IpAddress', '2001:db9::1', ['2001:db8::/32'], false],
    ['IpAddress', '2001:db8::1', ['203.0.113.0/24'], false], // v6 never in a v4 range
    ['NotIpAddress', '10.0.0.1', ['203.0.113.0/24'], true],
    ['ArnLike', 'arn:aws:iam::111122223333:role/app-x', ['arn:aws:iam::*:role/app-*'], true],
    ['ArnLike', 'arn:aws:iam::111122223333:role/app-x', ['arn:aws:iam::*:role/APP-*'], false], // case-sensitive
    ['ArnEquals', 'arn:aws:iam::111122223333:role/a:b', ['arn:aws:iam::111122223333:role/a:*'], true], // resource keeps its colons
    ['ArnNotLike', 'arn:aws:iam::111122223333:role/app', ['arn:aws:iam::444455556666:*'], true],
    ['DateLessThan', '2026-01-01T00:00:00Z', ['2026-06-01T00:00:00Z'], true],
    ['DateGreaterThan', '1767225600', ['2025-12-31T00:00:00Z'], true], // epoch seconds
    ['NumericLessThanEquals', '30', ['30'], true],
    ['NumericGreaterThan', 'abc', ['1'], false], // not a number never matches
    ['StringLike', 'alias/app-1', ['alias/app-?'], true],
    ['StringLike', 'alias/app-12', ['alias/app-?'], false],
    ['StringEqualsIgnoreCase', 'IT', ['it'], true],
    ['Bool', 'TRUE', ['true'], true],
    // BinaryEquals: the request value's bytes against the base64-decoded policy value [IAM-OPS].
    ['BinaryEquals', 'Alpha', ['QWxwaGE='], true],
    ['BinaryEquals', 'QWxwaGE=', ['QWxwaGE='], false], // the request value is not decoded
    ['BinaryEquals', 'Alpha', ['Alpha'], false], // "Alpha" is not the base64 of "Alpha"
    ['BinaryEquals', 'Alpha', ['QW#xw!aGE='], false], // no character is skipped: not base64, never matches
    ['BinaryEquals', 'Alpha', ['QWxwaGE'], false], // unpadded: not base64 as the policy must write it
    ['BinaryEquals', 'Alphb', ['QWxwaGI='], true],
  ])('%s %s vs %j → %s', (op, actual, policy, expected) => {
    expect(holds(op, 'k', policy, ctx({ k: actual }))).toBe(expected);
  });

  it('missing keys: positive false, negated true, IfExists true, ForAllValues true, ForAnyValue false', () => {
    const empty = ctx({});
    expect(holds('StringEquals', 'k', ['x'], empty)).toBe(false);
    expect(holds('StringNotEquals', 'k', ['x'], empty)).toBe(true);
    expect(holds('StringEqualsIfExists', 'k', ['x'], empty)).toBe(true);
    expect(holds('ForAllValues:StringEquals', 'k', ['x'], empty)).toBe(true);
    expect(holds('ForAnyValue:StringEquals', 'k', ['x'], empty)).toBe(false);
    // IfExists holds on a missing key whatever the set operator: ForAnyValue:…IfExists too.
    expect(holds('ForAnyValue:StringEqualsIfExists', 'k', ['x'], empty)).toBe(true);
    expect(holds('ForAnyValue:StringNotEqualsIfExists', 'k', ['x'], empty)).toBe(true);
    expect(holds('ForAllValues:StringEqualsIfExists', 'k', ['x'], empty)).toBe(true);
    expect(holds('Null', 'k', ['true'], empty)).toBe(true);
    expect(holds('Null', 'k', ['false'], empty)).toBe(false);
  });

  it('negated operators with several values match none of them (NOR)', () => {
    expect(holds('StringNotEquals', 'k', ['a', 'b'], ctx({ k: 'b' }))).toBe(false);
    expect(holds('StringNotEquals', 'k', ['a', 'b'], ctx({ k: 'c' }))).toBe(true);
  });

  it('set operators over multi-valued keys', () => {
    const c = ctx({ 'kms:EncryptionContextKeys': ['Dept', 'App'] });
    expect(holds('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['Dept', 'App', 'Other'], c)).toBe(true);
    expect(holds('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['Dept'], c)).toBe(false);
    expect(holds('ForAnyValue:StringEquals', 'kms:EncryptionContextKeys', ['App'], c)).toBe(true);
    expect(holds('ForAnyValue:StringNotEquals', 'kms:EncryptionContextKeys', ['Dept'], c)).toBe(true);
  });

  it('condition key names are case-insensitive', () => {
    expect(holds('StringEquals', 'KMS:ViaService', ['s3.us-east-1.amazonaws.com'], ctx({ 'kms:viaservice': 's3.us-east-1.amazonaws.com' }))).toBe(true);
  });

  it('a key whose value could not be read resolves by the world: for allows in the permissive one', () => {
    const c = ctx({}, ['aws:principaltag/']);
    const cond = compileCondition({ operator: 'StringEquals', key: 'aws:PrincipalTag/team', values: ['a'] });
    expect(evaluateCondition(cond, { ctx: c, bias: 'allow' }, 'Allow')).toBe(true);
    expect(evaluateCondition(cond, { ctx: c, bias: 'allow' }, 'Deny')).toBe(false);
    expect(evaluateCondition(cond, { ctx: c, bias: 'deny' }, 'Allow')).toBe(false);
    expect(evaluateCondition(cond, { ctx: c, bias: 'deny' }, 'Deny')).toBe(true);
  });
});

describe('policy variables', () => {
  const c = ctx({ 'aws:username': 'alice', 'aws:PrincipalTag/team': 'blue' });
  it('substitutes values and defaults; an unresolvable variable invalidates the value', () => {
    expect(substituteVariables('arn:aws:kms:*:*:alias/${aws:username}-*', c)).toBe('arn:aws:kms:*:*:alias/alice-*');
    expect(substituteVariables('${aws:PrincipalTag/team}', c)).toBe('blue');
    expect(substituteVariables("${aws:PrincipalTag/dept, 'none'}", c)).toBe('none');
    expect(substituteVariables('${aws:PrincipalTag/dept}', c)).toBeNull();
    expect(substituteVariables('a${*}b${?}${$}', c)).toBe('a*b?$');
  });
  it('`${*}` and `${?}` are the characters themselves in wildcard operators, not wildcards (IAM policy variables, special characters)', () => {
    expect(holds('StringLike', 'k', ['${*}x*'], ctx({ k: 'axyz' }))).toBe(false);
    expect(holds('StringLike', 'k', ['${*}x*'], ctx({ k: '*xyz' }))).toBe(true);
    expect(holds('StringLike', 'k', ['release${?}*'], ctx({ k: 'releaseX1' }))).toBe(false);
    expect(holds('StringLike', 'k', ['release${?}*'], ctx({ k: 'release?1' }))).toBe(true);
    // A negated operator on a value the literal does not match: the Deny applies.
    expect(holds('StringNotLike', 'k', ['release${?}*'], ctx({ k: 'releaseX1' }), 'Deny')).toBe(true);
    // The unescaped `*` beside it stays a wildcard; a variable's value is substituted as before.
    expect(holds('StringLike', 'k', ['${aws:username}${*}*'], ctx({ k: 'alice*-1', 'aws:username': 'alice' }))).toBe(true);
    expect(holds('StringLike', 'k', ['${aws:username}${*}*'], ctx({ k: 'alice-1', 'aws:username': 'alice' }))).toBe(false);
    // ARN operators: per part, and `${*}` alone is not "any ARN".
    const arn = 'arn:aws:iam::111122223333:role/app';
    expect(holds('ArnLike', 'k', ['arn:aws:iam::111122223333:role/${*}'], ctx({ k: arn }))).toBe(false);
    expect(holds('ArnLike', 'k', ['arn:aws:iam::111122223333:role/${*}'], ctx({ k: 'arn:aws:iam::111122223333:role/*' }))).toBe(true);
    expect(holds('ArnLike', 'k', ['arn:aws:iam::${?}*:role/*'], ctx({ k: arn }))).toBe(false);
    expect(holds('ArnLike', 'k', ['${*}'], ctx({ k: arn }))).toBe(false);
    expect(holds('ArnNotLike', 'k', ['arn:aws:iam::111122223333:role/${*}'], ctx({ k: arn }))).toBe(true);
  });
  it('a variable with no value matches nothing: positive operators are false, negated ones true (IAM policy variables)', () => {
    expect(holds('StringEquals', 'k', ['${aws:PrincipalTag/dept}'], ctx({ k: 'x' }))).toBe(false);
    expect(holds('StringLike', 'k', ['${aws:PrincipalTag/dept}'], ctx({ k: 'x' }))).toBe(false);
    expect(holds('ArnLike', 'k', ['${aws:PrincipalTag/dept}'], ctx({ k: 'arn:aws:iam::111122223333:role/x' }))).toBe(false);
    expect(holds('StringNotEquals', 'k', ['${aws:PrincipalTag/dept}'], ctx({ k: 'x' }))).toBe(true);
    expect(holds('StringNotLike', 'k', ['${aws:PrincipalTag/dept}'], ctx({ k: 'x' }))).toBe(true);
    expect(holds('ArnNotEquals', 'k', ['${aws:PrincipalTag/dept}'], ctx({ k: 'arn:aws:iam::111122223333:role/x' }))).toBe(true);
    expect(holds('ArnNotLike', 'k', ['${aws:PrincipalTag/dept}'], ctx({ k: 'arn:aws:iam::111122223333:role/x' }))).toBe(true);
    // The other values of the list still count.
    expect(holds('StringEquals', 'k', ['${aws:PrincipalTag/dept}', 'x'], ctx({ k: 'x' }))).toBe(true);
    expect(holds('StringNotEquals', 'k', ['${aws:PrincipalTag/dept}', 'x'], ctx({ k: 'x' }))).toBe(false);
  });

  it('a variable whose key is unknown makes the condition go the way of the world', () => {
    const c = ctx({ k: 'x' }, ['aws:principaltag/']);
    const cond = compileCondition({ operator: 'StringNotEquals', key: 'k', values: ['${aws:PrincipalTag/dept}'] });
    const touched = new Map();
    expect(evaluateCondition(cond, { ctx: c, bias: 'allow', touched }, 'Allow')).toBe(true);
    expect(evaluateCondition(cond, { ctx: c, bias: 'allow', touched }, 'Deny')).toBe(false);
    expect(evaluateCondition(cond, { ctx: c, bias: 'deny', touched }, 'Deny')).toBe(true);
    expect([...touched.keys()]).toEqual(['aws:principaltag/dept']);
  });
});

describe('IAM wildcards', () => {
  it('treat regex characters literally', () => {
    expect(wildcard('a.b*').test('a.bcd')).toBe(true);
    expect(wildcard('a.b*').test('axbcd')).toBe(false);
    expect(wildcard('(x)+').test('(x)+')).toBe(true);
  });
});

describe('`${*}` in a Resource', () => {
  it('is a literal star: it names no key ARN, so an identity policy written with it allows nothing', async () => {
    const { Evaluator } = await import('../../src/evaluate/evaluator.js');
    const { parseSnapshot } = await import('../../src/sources/snapshot-file.js');
    const { KEY_ARN, oneKeySnapshot } = await import('../helpers/snapshot-doc.js');
    const role = 'arn:aws:iam::111122223333:role/app';
    const decide = (resource: string) =>
      new Evaluator(
        parseSnapshot(
          oneKeySnapshot({}, [
            {
              Arn: role,
              IdentityPolicies: [
                { PolicyName: 'p', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: resource }] } },
              ],
            },
          ]),
          'snap.json',
        ),
      ).evaluate({ action: 'kms:Decrypt', principal: role, keyArn: KEY_ARN }).decision;
    expect(decide('arn:aws:kms:us-east-1:111122223333:key/${*}')).toBe('deny');
    expect(decide('arn:aws:kms:us-east-1:111122223333:key/*')).toBe('allow');
    expect(decide('arn:aws:kms:us-east-1:${aws:PrincipalAccount}:key/*')).toBe('allow');
  });
});
