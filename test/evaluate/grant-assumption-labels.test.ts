// Grant verdicts that rest on a point AWS leaves open carry the assumption kms-why made there
// (docs/semantics.md#assumptions): a verdict that turns on one never reads as settled fact.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import type { Request } from '../../src/model/request.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT, KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ALICE = `arn:aws:iam::${ACCOUNT}:user/Alice`;
const WORKER = `arn:aws:iam::${ACCOUNT}:role/Worker`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
type St = Record<string, unknown>;

const delegate: St = { Sid: 'Delegate', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };
const aliceMay = (action: string, condition: St): St => ({
  Sid: 'Alice',
  Effect: 'Allow',
  Principal: { AWS: ALICE },
  Action: action,
  Resource: '*',
  Condition: condition,
});

function evaluator(statements: St[], grants: St[] = [], principals: unknown[] = [{ Arn: ALICE, IdentityPolicies: [] }]): Evaluator {
  return new Evaluator(parseSnapshot(oneKeySnapshot({ Policy: { Version: '2012-10-17', Statement: statements }, Grants: grants }, principals), 'labels.json'));
}

const ask = (ev: Evaluator, action: string, extra: Partial<Request> = {}) =>
  ev.evaluate({ action, principal: ALICE, keyArn: KEY_ARN, at: '2026-01-01T00:00:00Z', ...extra });
const createGrant = (ev: Evaluator, extra: Partial<Request> = {}) =>
  ask(ev, 'kms:CreateGrant', { grantRequest: { granteePrincipal: WORKER, operations: ['Decrypt'] }, ...extra });

describe('kms:GrantIsForAWSResource, which kms-why derives from --via-service', () => {
  const ev = evaluator([delegate, aliceMay('kms:CreateGrant', { Bool: { 'kms:GrantIsForAWSResource': 'true' } })]);

  it('labels CreateGrant verdicts that turn on it (denied without a service, allowed through one)', () => {
    const own = createGrant(ev);
    expect(own.decision).toBe('deny');
    expect(own.assumptions).toContain('grantIsForAwsResource');
    const via = createGrant(ev, { viaService: 'ec2.us-east-1.amazonaws.com' });
    expect(via.decision).toBe('allow');
    expect(via.assumptions).toContain('grantIsForAwsResource');
  });

  it('labels ListGrants and RevokeGrant too', () => {
    for (const action of ['kms:ListGrants', 'kms:RevokeGrant']) {
      const e = evaluator([delegate, aliceMay(action, { Bool: { 'kms:GrantIsForAWSResource': 'false' } })]);
      const d = ask(e, action, action === 'kms:RevokeGrant' ? { grantId: 'g1' } : {});
      expect(d.decision, action).toBe('allow');
      expect(d.assumptions, action).toContain('grantIsForAwsResource');
    }
  });

  it('drops the label when the request states the value, or when no condition reads it', () => {
    expect(createGrant(ev, { grantIsForAwsResource: true }).assumptions).not.toContain('grantIsForAwsResource');
    expect(createGrant(ev, { context: { 'kms:GrantIsForAWSResource': 'true' } }).assumptions).not.toContain('grantIsForAwsResource');
    expect(createGrant(ev, { absent: ['kms:GrantIsForAWSResource'] }).assumptions).not.toContain('grantIsForAwsResource');
    expect(createGrant(evaluator([delegate, aliceMay('kms:CreateGrant', {})])).assumptions).not.toContain('grantIsForAwsResource');
  });
});

describe('kms:EncryptionContext on CreateGrant, read from the constraint of the grant to create', () => {
  const ev = evaluator([delegate, aliceMay('kms:CreateGrant', { StringEquals: { 'kms:EncryptionContext:Dept': 'IT' } })]);

  it('labels the verdicts that turn on it', () => {
    const held = createGrant(ev, {
      grantRequest: { granteePrincipal: WORKER, operations: ['Decrypt'], constraints: { encryptionContextEquals: { Dept: 'IT' } } },
    });
    expect(held.decision).toBe('allow');
    expect(held.assumptions).toContain('createGrantEncryptionContext');
    const none = createGrant(ev);
    expect(none.decision).toBe('deny');
    expect(none.assumptions).toContain('createGrantEncryptionContext');
  });

  it('says that an encryption context given for CreateGrant is not used', () => {
    const d = createGrant(ev, { encryptionContext: { Dept: 'IT' } });
    expect(d.decision).toBe('deny');
    expect(d.hints).toContainEqual({ kind: 'context-on-create-grant' });
    expect(createGrant(ev).hints).not.toContainEqual({ kind: 'context-on-create-grant' });
    // Decrypt does use it.
    expect(ask(evaluator([delegate]), 'kms:Decrypt', { encryptionContext: { Dept: 'IT' } }).hints).not.toContainEqual({ kind: 'context-on-create-grant' });
  });

  it('does not label a CreateGrant no encryption-context condition reads', () => {
    expect(createGrant(evaluator([delegate, aliceMay('kms:CreateGrant', {})])).assumptions).not.toContain('createGrantEncryptionContext');
  });
});

describe('a proposal to satisfy kms:EncryptionContext on CreateGrant', () => {
  it('puts the pair in the constraint of the grant to create, where it holds alone', () => {
    const ev = evaluator([delegate, aliceMay('kms:CreateGrant', { StringEquals: { 'kms:EncryptionContext:Dept': 'IT' } })]);
    const d = createGrant(ev, { encryptionContext: { Dept: 'IT' } });
    expect(d.hints).toContainEqual(expect.objectContaining({ kind: 'satisfy-conditions', statement: expect.objectContaining({ id: 'Alice' }) }));
    expect(d.hints.some((h) => h.kind === 'also')).toBe(false);
  });
});

describe('RetireGrant through the grant it retires', () => {
  const BOB = `arn:aws:iam::${ACCOUNT}:user/Bob`;
  const S3_ONLY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
  const g1 = (members: St): St => ({ KeyId: KEY_ARN, GrantId: 'g1', IssuingAccount: ROOT, Operations: ['Decrypt', 'RetireGrant'], ...members });
  const retire = (ev: Evaluator, principal: string) => ev.evaluate({ action: 'kms:RetireGrant', principal, keyArn: KEY_ARN, grantId: 'g1' });

  it('says a permissions boundary was taken not to limit it, as Decrypt through the same grant does', () => {
    const ev = evaluator(
      [delegate],
      [g1({ GranteePrincipal: BOB })],
      [{ Arn: BOB, IdentityPolicies: [], PermissionsBoundary: { PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/pb`, Document: S3_ONLY } }],
    );
    const d = retire(ev, BOB);
    expect(d).toMatchObject({ decision: 'allow', decidedBy: 'grant' });
    expect(d.assumptions).toContain('grantsNotLimitedByBoundary');
    expect(ev.evaluate({ action: 'kms:Decrypt', principal: BOB, keyArn: KEY_ARN }).assumptions).toContain('grantsNotLimitedByBoundary');
  });

  it('says so for a session policy too (the retiring principal is the role)', () => {
    const APP = `arn:aws:iam::${ACCOUNT}:role/App`;
    const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/App/s1`;
    const ev = evaluator(
      [delegate],
      [g1({ GranteePrincipal: APP, Operations: ['Decrypt'], RetiringPrincipal: APP })],
      [
        { Arn: APP, IdentityPolicies: [] },
        { Arn: SESSION, RoleArn: APP, SessionPolicies: [S3_ONLY], IdentityPolicies: [] },
      ],
    );
    const d = retire(ev, SESSION);
    expect(d).toMatchObject({ decision: 'allow', decidedBy: 'grant' });
    expect(d.assumptions).toEqual(expect.arrayContaining(['roleGranteeSessions', 'grantsNotLimitedByBoundary']));
  });

  it('is not labelled for a caller with no boundary or session policy', () => {
    const ev = evaluator([delegate], [g1({ GranteePrincipal: BOB })], [{ Arn: BOB, IdentityPolicies: [] }]);
    expect(retire(ev, BOB).assumptions).not.toContain('grantsNotLimitedByBoundary');
  });
});

describe('kms:EncryptionContext on ReEncrypt, read from one of its two contexts', () => {
  const ev = evaluator([delegate, aliceMay('kms:ReEncrypt*', { StringEquals: { 'kms:EncryptionContext:Dept': 'IT' } })]);

  it('labels the verdicts of a condition that reads it, and of no other ReEncrypt', () => {
    for (const action of ['kms:ReEncryptFrom', 'kms:ReEncryptTo']) {
      const d = ask(ev, action, { encryptionContext: { Dept: 'IT' } });
      expect(d.decision, action).toBe('allow');
      expect(d.assumptions, action).toContain('reEncryptContext');
    }
    expect(ask(evaluator([delegate, aliceMay('kms:ReEncrypt*', {})]), 'kms:ReEncryptTo').assumptions).not.toContain('reEncryptContext');
    expect(ask(ev, 'kms:Decrypt', { encryptionContext: { Dept: 'IT' } }).assumptions).not.toContain('reEncryptContext');
  });

  it('says the destination context stands in for a missing one only where it is read', () => {
    const note = { kind: 're-encrypt-destination-context' };
    expect(ask(ev, 'kms:ReEncryptTo', { encryptionContext: { Dept: 'IT' }, destinationContextFromSource: true }).hints).toContainEqual(note);
    const unread = evaluator([delegate, aliceMay('kms:ReEncrypt*', {})]);
    expect(ask(unread, 'kms:ReEncryptTo', { encryptionContext: { Dept: 'IT' }, destinationContextFromSource: true }).hints).not.toContainEqual(note);
  });
});

describe('CreateGrant through a parent grant with an encryption-context constraint', () => {
  const parent = (constraints: St): St => ({
    KeyId: KEY_ARN,
    GrantId: 'p1',
    GranteePrincipal: ALICE,
    IssuingAccount: ROOT,
    Operations: ['Decrypt', 'CreateGrant'],
    Constraints: constraints,
  });
  const child = (constraints: Record<string, Record<string, string>>) =>
    ({ grantRequest: { granteePrincipal: WORKER, operations: ['Decrypt'], constraints } }) as Partial<Request>;

  it('labels the child allowed as at least as strict, its keys compared without case', () => {
    const sub = evaluator([delegate], [parent({ EncryptionContextSubset: { Dept: 'IT' } })]);
    const d = createGrant(sub, child({ encryptionContextSubset: { dept: 'IT' } }));
    expect(d).toMatchObject({ decision: 'allow', decidedBy: 'grant' });
    expect(d.assumptions).toContain('grantConstraintKeyCase');
    const eq = evaluator([delegate], [parent({ EncryptionContextEquals: { Dept: 'IT' } })]);
    const e = createGrant(eq, child({ encryptionContextEquals: { dept: 'IT' } }));
    expect(e.decision).toBe('allow');
    expect(e.assumptions).toContain('grantConstraintKeyCase');
  });

  it('does not label a parent grant without such a constraint', () => {
    const none = evaluator([delegate], [{ ...parent({}), Constraints: undefined }]);
    const d = createGrant(none);
    expect(d.decision).toBe('allow');
    expect(d.assumptions).not.toContain('grantConstraintKeyCase');
  });
});

describe('a grant to the account beside a grant that allows', () => {
  const BOB = `arn:aws:iam::${ACCOUNT}:user/Bob`;
  const grants: St[] = [
    { KeyId: KEY_ARN, GrantId: 'g-bob', GranteePrincipal: BOB, IssuingAccount: ROOT, Operations: ['Decrypt'] },
    { KeyId: KEY_ARN, GrantId: 'g-account', GranteePrincipal: ROOT, IssuingAccount: ROOT, Operations: ['Decrypt', 'Encrypt'] },
  ];
  const ev = evaluator([{ ...delegate, Action: 'kms:DescribeKey' }], grants, [{ Arn: BOB, IdentityPolicies: [] }]);
  const use = (action: string) => ev.evaluate({ action, principal: BOB, keyArn: KEY_ARN });

  it('is no assumption of a verdict the other grant decided', () => {
    const d = use('kms:Decrypt');
    expect(d).toMatchObject({ decision: 'allow', decidedBy: 'grant', reasons: [expect.objectContaining({ id: 'g-bob' })] });
    expect(d.assumptions).not.toContain('accountGrantee');
  });

  it('is one of a denial for want of the IAM side it is taken to need', () => {
    const d = use('kms:Encrypt');
    expect(d.decision).toBe('deny');
    expect(d.assumptions).toContain('accountGrantee');
  });
});
