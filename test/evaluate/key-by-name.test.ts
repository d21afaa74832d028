// An alias name or key id names a key of the caller's own account [KMS key identifiers]: where a
// snapshot holds keys of two accounts under one alias name, each caller gets its own account's,
// whatever the order of the keys in the snapshot.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { RequestError } from '../../src/model/errors.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { delegatingKey } from '../helpers/snapshot-doc.js';

const keyOf = (account: string, id: string) => {
  const k = delegatingKey({ Tags: [], Aliases: ['alias/app'] });
  const arn = `arn:aws:kms:us-east-1:${account}:key/${id}`;
  k.KeyMetadata = { ...(k.KeyMetadata as Record<string, unknown>), Arn: arn, KeyId: id, AWSAccountId: account };
  k.Policy = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Delegate', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
  };
  return k;
};
const role = (account: string) => ({
  Arn: `arn:aws:iam::${account}:role/app`,
  IdentityPolicies: [{ PolicyName: 'kms', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] } }],
});
const A = '111122223333';
const B = '444455556666';

describe('a key named by alias name in a snapshot of two accounts', () => {
  it.each([
    ['A first', [keyOf(A, 'aaaaaaaa-12ab-34cd-56ef-1234567890ab'), keyOf(B, 'bbbbbbbb-12ab-34cd-56ef-1234567890ab')]],
    ['B first', [keyOf(B, 'bbbbbbbb-12ab-34cd-56ef-1234567890ab'), keyOf(A, 'aaaaaaaa-12ab-34cd-56ef-1234567890ab')]],
  ])('%s: each account’s caller is asked about its own key, and allowed', (_, keys) => {
    const ev = new Evaluator(parseSnapshot({ kmsWhySnapshot: 1, keys, principals: [role(A), role(B)] }, 'snap.json'));
    for (const account of [A, B]) {
      const d = ev.evaluate({ action: 'kms:Decrypt', principal: `arn:aws:iam::${account}:role/app`, keyIdentifier: 'alias/app' });
      expect(d.keyArn).toContain(`:${account}:key/`);
      expect(d.decision).toBe('allow');
    }
  });
});

// One account, two Regions: an alias name (one per Region) or a multi-Region key id (the same in
// every Region) names a key only with the Region the client calls, which a request does not carry.
const inRegion = (region: string, id: string) => {
  const k = keyOf(A, id);
  const arn = `arn:aws:kms:${region}:${A}:key/${id}`;
  k.KeyMetadata = { ...(k.KeyMetadata as Record<string, unknown>), Arn: arn };
  return k;
};

describe('a key named without a Region, in a snapshot of two Regions', () => {
  const MRK = 'mrk-1234abcd12ab34cd56ef1234567890ab';
  const ev = new Evaluator(
    parseSnapshot({ kmsWhySnapshot: 1, keys: [inRegion('us-east-1', MRK), inRegion('eu-west-1', MRK)], principals: [role(A)] }, 'snap.json'),
  );
  const ask = (keyIdentifier: string) => ev.evaluate({ action: 'kms:Decrypt', principal: `arn:aws:iam::${A}:role/app`, keyIdentifier });

  it.each(['alias/app', MRK])('%s is refused as ambiguous, naming both keys, not answered for the first one', (ident) => {
    let err: unknown;
    try {
      ask(ident);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RequestError);
    const problem = (err as RequestError).problem;
    expect(problem.kind).toBe('ambiguous-key');
    expect(problem.kind === 'ambiguous-key' && problem.keyArns).toEqual([`arn:aws:kms:us-east-1:${A}:key/${MRK}`, `arn:aws:kms:eu-west-1:${A}:key/${MRK}`]);
    expect((err as RequestError).hint).toContain('key ARN');
  });

  it.each(['us-east-1', 'eu-west-1'])('the alias ARN and the key ARN in %s name the key of that Region', (region) => {
    expect(ask(`arn:aws:kms:${region}:${A}:alias/app`).keyArn).toBe(`arn:aws:kms:${region}:${A}:key/${MRK}`);
    expect(ask(`arn:aws:kms:${region}:${A}:key/${MRK}`).keyArn).toBe(`arn:aws:kms:${region}:${A}:key/${MRK}`);
  });

  it('an alias ARN of a Region the snapshot has no key in names no key', () => {
    expect(() => ask(`arn:aws:kms:ap-south-1:${A}:alias/app`)).toThrow(/not in the snapshot/);
  });
});
