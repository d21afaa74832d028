// Parts of a request that are known to exist but whose value is not known: a service calling on the
// principal's behalf without saying which (Request.viaServiceUnknown), and an encryption context an
// error message does not carry (Request.encryptionContextUnknown). A verdict a condition or a grant
// constraint on them decides is unknown, never a confident deny; given, or said to be absent
// (--absent), they decide as before.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import type { Request } from '../../src/model/request.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT as A, KEY_ARN as KEY, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const S = `arn:aws:sts::${A}:assumed-role/app/s1`;
const FN = `arn:aws:lambda:us-east-1:${A}:function:my-function`;

// The caller's role has no identity policy: the key policy and grants decide.
const evaluator = (members: Record<string, unknown>): Evaluator =>
  new Evaluator(parseSnapshot(oneKeySnapshot(members, [{ Arn: `arn:aws:iam::${A}:role/app`, IdentityPolicies: [] }]), 'unknown-parts.json'));
const decrypt = (extra: Partial<Request> = {}): Request => ({ action: 'kms:Decrypt', principal: S, keyArn: KEY, at: '2026-11-20T00:00:00Z', ...extra });

// The key policy of an AWS managed key (aws/s3): anyone in the account, through S3 only.
const viaS3 = evaluator({
  Policy: {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ThroughS3',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': A, 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
      },
    ],
  },
});

describe('kms:ViaService present with an unknown value', () => {
  it('decides nothing it cannot: unknown, naming kms:ViaService and --via-service', () => {
    const d = viaS3.evaluate(decrypt({ viaServiceUnknown: true }));
    expect(d.decision).toBe('unknown');
    expect(d.missingContext).toContain('kms:ViaService');
    expect(JSON.stringify(d.hints)).toContain('--via-service');
  });

  it('absent (no service), given, or said to be absent: the verdict is known', () => {
    expect(viaS3.evaluate(decrypt()).decision).toBe('deny');
    expect(viaS3.evaluate(decrypt({ viaServiceUnknown: true, viaService: 's3.us-east-1.amazonaws.com' })).decision).toBe('allow');
    expect(viaS3.evaluate(decrypt({ viaServiceUnknown: true, viaService: 'ec2.us-east-1.amazonaws.com' })).decision).toBe('deny');
    expect(viaS3.evaluate(decrypt({ viaServiceUnknown: true, absent: ['kms:ViaService'] })).decision).toBe('deny');
  });

  it('aws:ViaAWSService is true, and the keys a service request carries are unknown (aws:CalledVia)', () => {
    const ev = evaluator({
      Policy: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Delegate', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
          {
            Sid: 'Direct',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { Bool: { 'aws:ViaAWSService': 'true' } },
          },
          {
            Sid: 'NotThroughCfn',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:Encrypt',
            Resource: '*',
            Condition: { StringEquals: { 'aws:CalledViaFirst': 'cloudformation.amazonaws.com' } },
          },
          { Sid: 'Encrypt', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Encrypt', Resource: '*' },
        ],
      },
    });
    expect(ev.evaluate(decrypt({ viaServiceUnknown: true })).decision).toBe('allow');
    expect(ev.evaluate(decrypt()).decision).toBe('deny');
    expect(ev.evaluate(decrypt({ action: 'kms:Encrypt', viaServiceUnknown: true })).decision).toBe('unknown');
    expect(ev.evaluate(decrypt({ action: 'kms:Encrypt' })).decision).toBe('allow');
  });
});

describe('an encryption context that is not known', () => {
  const grant = evaluator({
    Policy: { Version: '2012-10-17', Statement: [] },
    Grants: [
      {
        GrantId: 'g1',
        KeyId: KEY,
        GranteePrincipal: S,
        Operations: ['Decrypt'],
        Constraints: { EncryptionContextEquals: { 'aws:lambda:FunctionArn': FN } },
        IssuingAccount: `arn:aws:iam::${A}:root`,
      },
    ],
  });

  it('a grant whose constraint decides: unknown, not a confident deny', () => {
    const d = grant.evaluate(decrypt({ encryptionContextUnknown: true }));
    expect(d.decision).toBe('unknown');
    expect(d.missingContext).toContain('kms:EncryptionContextKeys');
    expect(JSON.stringify(d.hints)).toContain('--context');
  });

  it('given, or said to be absent: the grant decides as before', () => {
    expect(grant.evaluate(decrypt()).decision).toBe('deny');
    expect(grant.evaluate(decrypt({ encryptionContextUnknown: true, encryptionContext: { 'aws:lambda:FunctionArn': FN } })).decision).toBe('allow');
    expect(grant.evaluate(decrypt({ encryptionContextUnknown: true, encryptionContext: { other: 'x' } })).decision).toBe('deny');
    expect(grant.evaluate(decrypt({ encryptionContextUnknown: true, absent: ['kms:EncryptionContextKeys'] })).decision).toBe('deny');
  });

  it('a kms:EncryptionContext condition that decides: unknown', () => {
    const ev = evaluator({
      Policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ItOnly',
            Effect: 'Allow',
            Principal: { AWS: S },
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'kms:EncryptionContext:Department': 'IT' } },
          },
        ],
      },
    });
    expect(ev.evaluate(decrypt({ encryptionContextUnknown: true })).decision).toBe('unknown');
    expect(ev.evaluate(decrypt()).decision).toBe('deny');
    expect(ev.evaluate(decrypt({ encryptionContextUnknown: true, encryptionContext: { Department: 'IT' } })).decision).toBe('allow');
  });

  it('a request that carries no context (an HMAC key, an action without one) is not made unknown', () => {
    expect(grant.evaluate(decrypt({ action: 'kms:DescribeKey', encryptionContextUnknown: true })).decision).toBe('deny');
  });
});
