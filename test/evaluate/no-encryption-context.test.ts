// A condition on kms:EncryptionContext for an action whose requests carry none (GenerateMac, Sign,
// DescribeKey …) can never hold: the near miss says so, and nothing is "missing from the request".
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ARN = KEY_ARN;
const ROLE = 'arn:aws:iam::111122223333:role/app';
const snapshot = (spec: string, usage: string, action: string) =>
  parseSnapshot(
    oneKeySnapshot(
      {
        Policy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Use',
              Effect: 'Allow',
              Principal: { AWS: ROLE },
              Action: action,
              Resource: '*',
              Condition: { StringEquals: { 'kms:EncryptionContext:app': 'x' } },
            },
          ],
        },
      },
      [{ Arn: ROLE, IdentityPolicies: [] }],
      { KeySpec: spec, KeyUsage: usage },
    ),
    'snap.json',
  );

describe('kms:EncryptionContext on an action that carries none', () => {
  it('GenerateMac: the near miss can never hold, and no context is asked for', () => {
    const d = new Evaluator(snapshot('HMAC_256', 'GENERATE_VERIFY_MAC', 'kms:GenerateMac')).evaluate({
      action: 'kms:GenerateMac',
      principal: ROLE,
      keyArn: ARN,
    });
    expect(d.decision).toBe('deny');
    expect(d.missingContext).toEqual([]);
    const notes = d.trace.flatMap((t) => t.statements ?? []).flatMap((s) => s.conditions.map((c) => c.note?.kind));
    expect(notes).toContain('no-encryption-context');
  });

  it('Decrypt, which carries one: the key is missing from the request, as before', () => {
    const d = new Evaluator(snapshot('SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', 'kms:Decrypt')).evaluate({ action: 'kms:Decrypt', principal: ROLE, keyArn: ARN });
    expect(d.missingContext).toContain('kms:EncryptionContext:app');
    expect(d.trace.flatMap((t) => t.statements ?? []).flatMap((s) => s.conditions.map((c) => c.note?.kind))).not.toContain('no-encryption-context');
  });
});
