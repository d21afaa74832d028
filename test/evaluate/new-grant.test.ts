// A new grant takes up to about five minutes to be in effect; until then only a request that
// presents its grant token can use it (docs/semantics.md#grant-tokens). A grant created less than
// five minutes before the request time, for a request without a grant token, decides nothing
// confidently: the verdict it would decide is unknown, with the reason.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import type { Request } from '../../src/model/request.js';
import { grantDetailText } from '../../src/report/phrases.js';
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
    // A token no grant of the snapshot records is taken to be this grant's: the report says so.
    expect(decide({ at: '2026-06-01T12:01:00Z', grantTokens: ['TOKEN'] }).assumptions).toContain('grantTokenPresented');
    expect(decide({ at: '2026-06-01T12:05:00Z' }).assumptions).not.toContain('grantTokenPresented');
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

describe("a grant token the snapshot records as another grant's", () => {
  // Bob's grant gpend (Encrypt) is not consistent yet; its token TOKEN-P is in the snapshot.
  const pending = {
    GrantId: 'gpend',
    KeyId: KEY_ARN,
    GranteePrincipal: ROLE,
    Operations: ['Encrypt'],
    IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
    State: 'pending-consistency',
    GrantToken: 'TOKEN-P',
  };
  const own = { ...grant, GrantId: 'gown', GrantToken: 'TOKEN-OWN' };
  const snap = () =>
    parseSnapshot(oneKeySnapshot({ Policy: keyPolicyOnlyRoot, Grants: [grant, pending, own] }, [{ Arn: ROLE, IdentityPolicies: [] }]), 'snap.json');
  const ask = (extra: Partial<Request> & { action: string }) =>
    new Evaluator(snap()).evaluate({ principal: SESSION, keyArn: KEY_ARN, at: '2026-06-01T12:02:00Z', ...extra }, {});

  it('leaves a grant created moments before unknown: the only token presented is not its', () => {
    // gown is Decrypt too: asked for Encrypt, only g1 (not) and gpend (with its token) matter; for Decrypt, g1 and gown.
    const d = new Evaluator(
      parseSnapshot(oneKeySnapshot({ Policy: keyPolicyOnlyRoot, Grants: [grant, pending] }, [{ Arn: ROLE, IdentityPolicies: [] }]), 'snap.json'),
    ).evaluate({ action: 'kms:Decrypt', principal: SESSION, keyArn: KEY_ARN, at: '2026-06-01T12:02:00Z', grantTokens: ['TOKEN-P'] }, { explain: true });
    expect(d.decision).toBe('unknown');
    expect(d.unreadable.map((u) => u.what)).toEqual(['whether grant g1 is in effect yet']);
    expect(d.unreadable[0]?.reason).toContain("the grant token the request presents is grant gpend's, not its");
    expect(d.assumptions).not.toContain('grantTokenPresented');
    // The token still makes the pending grant usable for what it allows.
    expect(ask({ action: 'kms:Encrypt', grantTokens: ['TOKEN-P'] }).decision).toBe('allow');
  });

  it("allows with the grant's own recorded token, without the assumption; a token of no recorded grant is assumed to be its", () => {
    const mine = ask({ action: 'kms:Decrypt', grantTokens: ['TOKEN-OWN'] });
    expect(mine.decision).toBe('allow');
    expect(mine.reasons.map((r) => r.id)).toEqual(['gown']);
    expect(mine.assumptions).not.toContain('grantTokenPresented');
    const other = ask({ action: 'kms:Decrypt', grantTokens: ['TOKEN-P', 'XYZ'] });
    expect(other.decision).toBe('allow');
    expect(other.assumptions).toContain('grantTokenPresented');
  });

  it("retiring it with another grant's token is unknown, as using it is", () => {
    const retire = (tokens: string[]) =>
      new Evaluator(snap()).evaluate({
        action: 'kms:RetireGrant',
        principal: SESSION,
        keyArn: KEY_ARN,
        grantId: 'g1',
        at: '2026-06-01T12:02:00Z',
        grantTokens: tokens,
      });
    expect(retire(['TOKEN-P']).decision).toBe('unknown');
    const assumed = retire(['XYZ']);
    expect(assumed.decision).toBe('allow');
    expect(assumed.assumptions).toContain('grantTokenPresented');
  });

  it('a pending grant, with a token presented that is not its, says so in its near miss', () => {
    const d = ask({ action: 'kms:Encrypt', grantTokens: ['XYZ'] });
    expect(d.decision).toBe('deny');
    const grants = d.trace.flatMap((s) => s.grants ?? []);
    expect(grantDetailText(grants.find((g) => g.grantId === 'gpend')!.detail)).toBe(
      'the grant is not yet consistent (usually under five minutes) and no grant token the request presents is its own',
    );
    const none = ask({ action: 'kms:Encrypt' });
    expect(grantDetailText(none.trace.flatMap((s) => s.grants ?? []).find((g) => g.grantId === 'gpend')!.detail)).toContain(
      'the request does not present its grant token',
    );
  });

  it('a grant created after the request time is not in effect whatever token is presented', () => {
    const d = new Evaluator(snap()).evaluate({ action: 'kms:Decrypt', principal: SESSION, keyArn: KEY_ARN, at: '2026-06-01T11:59:00Z', grantTokens: ['XYZ'] });
    expect(d.decision).toBe('unknown');
    expect(d.unreadable.map((u) => u.what)).toContain('whether grant g1 is in effect yet');
  });
});
