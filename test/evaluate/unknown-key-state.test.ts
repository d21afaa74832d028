// A key whose DescribeKey could not be read: its state and type are unknown, never assumed.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { snapshotToJson } from '../../src/sources/snapshot-writer.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const raw = (policy: unknown) => ({
  kmsWhySnapshot: 1,
  keys: [
    {
      KeyMetadata: {
        KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        Arn: ARN,
        AWSAccountId: '111122223333',
        kmsWhyUnreadable: { reason: 'AccessDeniedException', neededPermission: `kms:DescribeKey on ${ARN}` },
      },
      Policy: policy,
      Grants: [],
    },
  ],
  principals: [{ Arn: 'arn:aws:iam::111122223333:role/app', IdentityPolicies: [] }],
});
const names = { Statement: [{ Sid: 'App', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/app' }, Action: 'kms:*', Resource: '*' }] };
const req = { action: 'kms:Decrypt', principal: 'arn:aws:sts::111122223333:assumed-role/app/s', keyIdentifier: ARN };

describe('unreadable key metadata', () => {
  it('an authorized Decrypt is unknown: the key might be disabled', () => {
    const d = new Evaluator(parseSnapshot(raw(names), 'snap.json')).evaluate(req);
    expect(d.decision).toBe('unknown');
    expect(d.unreadable.map((u) => u.neededPermission)).toContain(`kms:DescribeKey on ${ARN}`);
  });
  it('a request nothing authorizes stays denied', () => {
    const other = { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/other' }, Action: 'kms:*', Resource: '*' }] };
    expect(new Evaluator(parseSnapshot(raw(other), 'snap.json')).evaluate(req).decision).toBe('deny');
  });
  it('DescribeKey works in every key state, so it stays allowed', () => {
    expect(new Evaluator(parseSnapshot(raw(names), 'snap.json')).evaluate({ ...req, action: 'kms:DescribeKey' }).decision).toBe('allow');
  });
  it('survives a snapshot round trip', () => {
    const s = parseSnapshot(raw(names), 'snap.json');
    const again = parseSnapshot(snapshotToJson(s), 'again.json');
    expect(again.keys[0]!.metadataUnknown?.reason).toBe('AccessDeniedException');
    expect(new Evaluator(again).evaluate(req).decision).toBe('unknown');
  });
});

describe('an unreadable key policy on a disabled key', () => {
  it('is denied by the key state, its authorization unknown, and no hint calls it authorized', () => {
    const snap = parseSnapshot(
      {
        kmsWhySnapshot: 1,
        keys: [
          {
            KeyMetadata: { Arn: ARN, KeyState: 'Disabled', KeySpec: 'SYMMETRIC_DEFAULT' },
            Policy: { kmsWhyUnreadable: { reason: 'AccessDeniedException', neededPermission: `kms:GetKeyPolicy on ${ARN}` } },
            Grants: [],
          },
        ],
        principals: [{ Arn: 'arn:aws:iam::111122223333:role/app', IdentityPolicies: [] }],
      },
      'snap.json',
    );
    const d = new Evaluator(snap).evaluate(req);
    expect([d.decision, d.decidedBy, d.authorization]).toEqual(['deny', 'key-state', 'unknown']);
    const keyState = d.hints.filter((h) => h.kind === 'key-state');
    expect(keyState.length).toBeGreaterThan(0);
    for (const h of keyState) expect(h).toMatchObject({ authorized: false });
  });
});

describe('an RCP on a key whose metadata is unknown', () => {
  // RCPs apply to customer managed keys only; an AWS managed key's ARN looks the same.
  const withRcp = (metadata: Record<string, unknown>) =>
    parseSnapshot(
      {
        ...raw(names),
        keys: [{ ...raw(names).keys[0], KeyMetadata: metadata }],
        Organization: {
          ServiceControlPolicies: {},
          ResourceControlPolicies: {
            '111122223333': [
              {
                Target: 'r-root',
                Policies: [
                  {
                    Name: 'NoDecrypt',
                    Document: {
                      Version: '2012-10-17',
                      Statement: [
                        { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
                        { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        },
      },
      'snap.json',
    );
  it('denies on a customer managed key, allows on an AWS managed key', () => {
    const known = { Arn: ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT' };
    expect(new Evaluator(withRcp({ ...known, KeyManager: 'CUSTOMER' })).evaluate(req).decision).toBe('deny');
    expect(new Evaluator(withRcp({ ...known, KeyManager: 'AWS' })).evaluate(req).decision).toBe('allow');
  });
  it('is unknown when the key manager is: the RCP may not apply', () => {
    const d = new Evaluator(withRcp(raw(names).keys[0]!.KeyMetadata)).evaluate(req);
    expect(d.decision).toBe('unknown');
    expect(d.unreadable.map((u) => u.neededPermission)).toContain(`kms:DescribeKey on ${ARN}`);
    // What no RCP decides is as before.
    expect(new Evaluator(withRcp(raw(names).keys[0]!.KeyMetadata)).evaluate({ ...req, action: 'kms:DescribeKey' }).decision).toBe('allow');
  });
});
