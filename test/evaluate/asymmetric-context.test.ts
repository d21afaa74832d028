// Only symmetric encryption keys take an encryption context ("The standard asymmetric encryption
// algorithms and HMAC algorithms that AWS KMS uses do not support an encryption context" [API
// Encrypt]): a request to an asymmetric key carries none, so a condition on it cannot hold, whatever
// --context says, and the report says the context was not used.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { hintText } from '../../src/report/phrases.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';

function evaluator(effect: 'Allow' | 'Deny', keySpec: string): Evaluator {
  const statements = [
    {
      Sid: 'Base',
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: ['kms:Decrypt', 'kms:Encrypt'],
      Resource: '*',
      ...(effect === 'Allow' ? { Condition: { StringEquals: { 'kms:EncryptionContext:dept': 'x' } } } : {}),
    },
    ...(effect === 'Deny'
      ? [
          {
            Sid: 'NeedsContext',
            Effect: 'Deny',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { Null: { 'kms:EncryptionContext:dept': 'true' } },
          },
        ]
      : []),
  ];
  const usage = keySpec === 'SYMMETRIC_DEFAULT' || keySpec.startsWith('RSA') ? 'ENCRYPT_DECRYPT' : 'GENERATE_VERIFY_MAC';
  return new Evaluator(
    parseSnapshot(
      oneKeySnapshot({ Policy: { Version: '2012-10-17', Statement: statements } }, [{ Arn: ROLE, IdentityPolicies: [] }], {
        KeySpec: keySpec,
        KeyUsage: usage,
      }),
      'snap.json',
    ),
  );
}
const decrypt = (ev: Evaluator, alg?: string) =>
  ev.evaluate({ action: 'kms:Decrypt', principal: ROLE, keyArn: KEY_ARN, encryptionContext: { dept: 'x' }, ...(alg ? { encryptionAlgorithm: alg } : {}) });

describe('an encryption context on an asymmetric key', () => {
  it('does not satisfy a condition on it (RSA): denied, with a note that the context was not used; a symmetric key is allowed', () => {
    const rsa = decrypt(evaluator('Allow', 'RSA_2048'), 'RSAES_OAEP_SHA_256');
    expect(rsa.decision).toBe('deny');
    const note = rsa.hints.find((h) => h.kind === 'context-on-asymmetric-key');
    expect(note).toEqual({ kind: 'context-on-asymmetric-key', keySpec: 'RSA_2048' });
    expect(hintText(note!)).toMatch(/only symmetric encryption keys take an encryption context/);
    const sym = decrypt(evaluator('Allow', 'SYMMETRIC_DEFAULT'));
    expect(sym.decision).toBe('allow');
    expect(sym.hints.some((h) => h.kind === 'context-on-asymmetric-key')).toBe(false);
  });

  it('leaves a Deny that requires a context in force (the key is absent on an asymmetric key)', () => {
    expect(decrypt(evaluator('Deny', 'RSA_2048'), 'RSAES_OAEP_SHA_256').decidedBy).toBe('explicit-deny');
    expect(decrypt(evaluator('Deny', 'SYMMETRIC_DEFAULT')).decision).toBe('allow');
  });
});
