// CreateGrant refuses a grant for an operation the key's type cannot do (ValidationException, API
// CreateGrant). A symmetric encryption key in a custom key store is of a type that supports
// GenerateDataKeyPair; that such a key cannot generate data key pairs is a limit on the call, and
// whether CreateGrant checks it is undocumented: not a confident denial, an assumption.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const policy = { Version: '2012-10-17', Statement: [{ Sid: 'All', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', Resource: '*' }] };
const evaluator = (origin: string) =>
  new Evaluator(parseSnapshot(oneKeySnapshot({ Policy: policy }, [{ Arn: ROLE, IdentityPolicies: [] }], { Origin: origin }), 'snap.json'));
const createGrant = (ev: Evaluator, operations: string[]) =>
  ev.evaluate({
    action: 'kms:CreateGrant',
    principal: ROLE,
    keyArn: KEY_ARN,
    grantRequest: { granteePrincipal: 'arn:aws:iam::111122223333:role/x', operations },
  });

describe('CreateGrant on a key in a custom key store', () => {
  it('a grant for GenerateDataKeyPair is not refused: the key type supports it, and the assumption is said', () => {
    for (const origin of ['AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE']) {
      for (const op of ['GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext']) {
        const d = createGrant(evaluator(origin), ['Decrypt', op]);
        expect(d.decision, `${origin} ${op}`).toBe('allow');
        expect(d.keyStateError).toBeUndefined();
        expect(d.assumptions).toContain('grantOperationKeyStore');
      }
    }
  });

  it('the call itself still fails there', () => {
    const d = evaluator('AWS_CLOUDHSM').evaluate({ action: 'kms:GenerateDataKeyPair', principal: ROLE, keyArn: KEY_ARN });
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
  });

  it('an operation the key type cannot do is still a ValidationException, whose message names the key type', () => {
    const d = createGrant(evaluator('AWS_CLOUDHSM'), ['Decrypt', 'Sign']);
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
    expect(d.keyStateError).toMatch(/^ValidationException: .*\(SYMMETRIC_DEFAULT \/ ENCRYPT_DECRYPT\) cannot allow Sign/);
    expect(d.keyStateError).not.toMatch(/GenerateDataKeyPair/);
  });

  it('outside a custom key store there is nothing to assume', () => {
    const d = createGrant(evaluator('AWS_KMS'), ['GenerateDataKeyPair']);
    expect(d.decision).toBe('allow');
    expect(d.assumptions).not.toContain('grantOperationKeyStore');
  });
});
