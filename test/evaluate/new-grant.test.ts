// A new grant takes up to about five minutes to be in effect; until then only a request that
// presents its grant token can use it (docs/semantics.md#grant-tokens). A grant created less than
// five minutes before the request time, for a request without a grant token, decides nothing
// confidently: the verdict it would decide is unknown, with the reason.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import type { Request } from '../../src/model/request.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT, KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`;
const CREATED = '2026-06-01T12:00:00Z';
const grant = {
  GrantId: 'g1',
  KeyId: KEY_ARN,
  GranteePrincipal: ROLE,
  Operations: ['Decrypt', 'RetireGrant'],
  IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
  CreationDate: CREATED,
};
const keyPolicyOnlyRoot = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};
const snapshot = (policy: unknown = keyPolicyOnlyRoot) =>
  parseSnapshot(oneKeySnapshot({ Policy: policy, Grants: [grant] }, [{ Arn: ROLE, IdentityPolicies: [] }]), 'snap.json');
const decide = (extra: Partial<Request>, policy?: unknown) =>
  new Evaluator(snapshot(policy)).evaluate({ action: 'kms:Decrypt', principal: SESSION, keyArn: KEY_ARN, ...extra });

describe('a grant created less than five minutes before the request', () => {
  it('makes the verdict it decides unknown, naming the grant and how to supply the token', () => {
    const d = decide({ at: '2026-06-01T12:01:00Z' });
    expect(d.decision).toBe('unknown');
    expect(d.unreadable.map((u) => u.what)).toEqual(['whether grant g1 is in effect yet']);
    expect(d.unreadable[0]?.reason).toContain('less than five minutes before the request time 2026-06-01T12:01:00Z');
    expect(d.unreadable[0]?.reason).toContain('--grant-token');
  });

  it('allows with a grant token, and five minutes after its creation', () => {
    expect(decide({ at: '2026-06-01T12:01:00Z', grantTokens: ['TOKEN'] }).decision).toBe('allow');
    expect(decide({ at: '2026-06-01T12:05:00Z' }).decision).toBe('allow');
    expect(decide({ at: '2026-06-01T12:05:00Z' }).unreadable).toEqual([]);
  });

  it('is unknown too when created after the request time', () => {
    const d = decide({ at: '2026-06-01T11:59:00Z' });
    expect(d.decision).toBe('unknown');
    expect(d.unreadable[0]?.reason).toContain('after the request time');
  });

  it('leaves a verdict the grant does not decide as it was', () => {
    const named = { Version: '2012-10-17', Statement: [{ Sid: 'Role', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' }] };
    const d = decide({ at: '2026-06-01T12:01:00Z' }, named);
    expect(d.decision).toBe('allow');
    expect(d.decidedBy).toBe('key-policy');
    expect(d.unreadable).toEqual([]);
  });

  it('makes retiring it by its grantee unknown without its token', () => {
    const retire = (extra: Partial<Request>) =>
      new Evaluator(snapshot()).evaluate({ action: 'kms:RetireGrant', principal: SESSION, keyArn: KEY_ARN, grantId: 'g1', ...extra });
    expect(retire({ at: '2026-06-01T12:01:00Z' }).decision).toBe('unknown');
    expect(retire({ at: '2026-06-01T12:01:00Z', grantTokens: ['TOKEN'] }).decision).toBe('allow');
    expect(retire({ at: '2026-06-01T12:10:00Z' }).decision).toBe('allow');
  });
});
