// Grants on their documented edges, where a verdict was once confidently wrong: a SourceArn
// constraint on a request whose aws:SourceArn cannot be derived, encryption-context pairs whose keys
// differ only in case, and RetireGrant on a grant that does not say which account created it.
import { describe, expect, it } from 'vitest';
import { whoCan } from '../../src/analyses/who-can.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`;
const DYNAMODB = 'dynamodb.us-east-1.amazonaws.com';
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/t`;
const NO_ALLOW = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Admin', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'kms:Describe*', Resource: '*' }],
};

function grant(members: Record<string, unknown>): Record<string, unknown> {
  return { KeyId: KEY_ARN, GrantId: 'g1', IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`, Operations: ['Decrypt'], ...members };
}

function evaluator(grants: Array<Record<string, unknown>>, identity: unknown[] = [], policy: unknown = NO_ALLOW): Evaluator {
  return new Evaluator(
    parseSnapshot(oneKeySnapshot({ Policy: policy, Grants: grants }, [{ Arn: ROLE, IdentityPolicies: identity, PermissionsBoundary: null }]), 'snap.json'),
  );
}

describe('a grant with a SourceArn constraint', () => {
  const ev = evaluator([grant({ GranteePrincipal: DYNAMODB, Constraints: { SourceArn: TABLE } })]);
  const decrypt = (context?: Record<string, string>) =>
    ev.evaluate({ action: 'kms:Decrypt', principal: DYNAMODB, keyArn: KEY_ARN, ...(context ? { context } : {}) });

  it('is unknown for a service whose aws:SourceArn is not given, naming the key to give (as the same condition would be)', () => {
    const d = decrypt();
    expect(d.decision).toBe('unknown');
    expect(d.missingContext).toContain('aws:SourceArn');
  });

  it('allows with that aws:SourceArn (any case of the key name), and not with another', () => {
    expect(decrypt({ 'aws:SourceArn': TABLE }).decision).toBe('allow');
    expect(decrypt({ 'AWS:SOURCEARN': TABLE }).decision).toBe('allow');
    expect(decrypt({ 'aws:SourceArn': `${TABLE}-other` }).decision).toBe('deny');
  });

  it("does not apply to a caller's own request, which carries no aws:SourceArn", () => {
    const own = evaluator([grant({ GranteePrincipal: ROLE, Constraints: { SourceArn: TABLE } })]);
    expect(own.evaluate({ action: 'kms:Decrypt', principal: SESSION, keyArn: KEY_ARN }).decision).toBe('deny');
  });

  it('who-can says what check says for the service', () => {
    const snapshot = parseSnapshot(
      oneKeySnapshot({ Policy: NO_ALLOW, Grants: [grant({ GranteePrincipal: DYNAMODB, Constraints: { SourceArn: TABLE } })] }, []),
      'snap.json',
    );
    const r = whoCan(snapshot, snapshot.keys);
    const k = r.keys[0]!;
    const row = k.access[k.principals.findIndex((p) => p.arn === DYNAMODB)]!;
    expect(row[k.actions.findIndex((a) => a.name === 'kms:Decrypt')]?.access).toBe('unknown');
  });
});

describe('encryption-context constraints with keys that differ only in case', () => {
  const eq = evaluator([grant({ GranteePrincipal: ROLE, Constraints: { EncryptionContextEquals: { k: 'v' } } })]);
  const sub = evaluator([grant({ GranteePrincipal: ROLE, Constraints: { EncryptionContextSubset: { k: 'v' } } })]);
  const decrypt = (ev: Evaluator, encryptionContext: Record<string, string>) =>
    ev.evaluate({ action: 'kms:Decrypt', principal: SESSION, keyArn: KEY_ARN, encryptionContext }).decision;

  it('Equals: an extra pair is extra in either order; one pair matches whatever the case of its key', () => {
    expect(decrypt(eq, { K: 'x', k: 'v' })).toBe('deny');
    expect(decrypt(eq, { k: 'v', K: 'x' })).toBe('deny');
    expect(decrypt(eq, { K: 'v' })).toBe('allow');
    expect(decrypt(eq, { k: 'V' })).toBe('deny');
  });

  it('Subset: the pair is there in either order', () => {
    expect(decrypt(sub, { K: 'x', k: 'v' })).toBe('allow');
    expect(decrypt(sub, { k: 'v', K: 'x' })).toBe('allow');
    expect(decrypt(sub, { K: 'x' })).toBe('deny');
  });

  it("a child grant keeps its parent's pairs, in either order", () => {
    const parent = evaluator([grant({ GranteePrincipal: ROLE, Operations: ['Decrypt', 'CreateGrant'], Constraints: { EncryptionContextEquals: { k: 'v' } } })]);
    const child = (EncryptionContextEquals: Record<string, string>) =>
      parent.evaluate({
        action: 'kms:CreateGrant',
        principal: SESSION,
        keyArn: KEY_ARN,
        grantRequest: { granteePrincipal: ROLE, operations: ['Decrypt'], constraints: { encryptionContextEquals: EncryptionContextEquals } },
      }).decision;
    expect(child({ K: 'x', k: 'v' })).toBe('deny');
    expect(child({ k: 'v', K: 'x' })).toBe('deny');
    expect(child({ k: 'v' })).toBe('allow');
  });
});

describe('RetireGrant on a grant without IssuingAccount', () => {
  const noIssuer = grant({ GranteePrincipal: DYNAMODB, IssuingAccount: undefined });
  const retire = (ev: Evaluator, principal: string) => ev.evaluate({ action: 'kms:RetireGrant', principal, keyArn: KEY_ARN, grantId: 'g1' });

  it("is unknown for the account's root user, which may have created it, and says what is not known", () => {
    const d = retire(evaluator([noIssuer]), `arn:aws:iam::${ACCOUNT}:root`);
    expect(d.decision).toBe('unknown');
    expect(d.unreadable.map((u) => u.what)).toEqual(['the account that created grant g1']);
    expect(d.unreadable[0]!.reason).toContain('IssuingAccount');
  });

  it('is unknown for an IAM principal with kms:RetireGrant, and denied without it (as an issuer would be)', () => {
    const allow = { PolicyName: 'retire', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:RetireGrant', Resource: '*' }] } };
    expect(retire(evaluator([noIssuer], [allow]), SESSION).decision).toBe('unknown');
    expect(retire(evaluator([noIssuer]), SESSION).decision).toBe('deny');
  });

  it('is denied for another account when the grant names its issuer', () => {
    expect(retire(evaluator([grant({ GranteePrincipal: DYNAMODB })]), 'arn:aws:iam::444455556666:root').decision).toBe('deny');
  });
});
