// An alias name or key id names a key of the caller's own account [KMS key identifiers]: where a
// snapshot holds keys of two accounts under one alias name, each caller gets its own account's,
// whatever the order of the keys in the snapshot.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
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
