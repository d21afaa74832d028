import { describe, expect, it } from 'vitest';
import { auditGrants, classifyGrantee, expectationsFrom, matchesExpectation, operationsInWords, serviceOf } from '../../src/analyses/grants-audit.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import type { Grant } from '../../src/model/grant.js';
import { loadFrom } from '../../src/sources/load.js';
import { ROOT } from '../cli/helpers.js';

const NOW = '2026-11-25T00:00:00Z';
const snapshot = await loadFrom([`${ROOT}fixtures/examples/grants-audit-snapshot.json`]);
const id = (n: number): string => n.toString(16).padStart(64, '0');

describe('grants inventory', () => {
  const audit = auditGrants(snapshot.keys, { now: NOW, maxAgeDays: 900 });
  const entry = (n: number) => audit.keys[0]!.entries.find((e) => e.grant.grantId === id(n))!;

  it('classifies grantees', () => {
    expect(entry(1).grantee).toMatchObject({ kind: 'role-session', scope: 'same-account' });
    expect(entry(3).grantee).toMatchObject({ kind: 'service', scope: 'aws-service' });
    expect(entry(5).grantee).toMatchObject({ kind: 'role', scope: 'same-account' });
    expect(entry(6).grantee).toMatchObject({ kind: 'role', scope: 'external-account', account: '444455556666' });
    expect(entry(7).grantee).toMatchObject({ kind: 'unknown-principal-id', scope: 'unknown' });
    expect(entry(9).grantee).toMatchObject({ kind: 'account-root', scope: 'same-account' });
    expect(classifyGrantee('arn:aws:iam::111122223333:user/alice', '444455556666')).toMatchObject({ kind: 'user', scope: 'external-account' });
  });

  it('recognises service-created grants', () => {
    expect([1, 2, 3, 4].map((n) => entry(n).service)).toEqual(['Lambda (environment variables)', 'EBS', 'RDS', 'Secrets Manager']);
    expect([1, 2, 3, 4].every((n) => entry(n).serviceCreated)).toBe(true);
    expect(entry(5).serviceCreated).toBe(false);
    expect(entry(6).serviceCreated).toBe(false);
  });

  it('says operations in plain words', () => {
    expect(entry(1).operationsText).toBe('can decrypt, retire this grant');
    expect(operationsInWords(['CreateGrant'])).toBe('can create grants (hand its access on)');
  });

  it('computes ages from the creation date and the given time', () => {
    expect(entry(5).ageDays).toBe(Math.floor((Date.parse(NOW) - Date.parse('2023-03-03T03:03:03Z')) / 86400000));
  });

  it('reports each finding once, with stable codes', () => {
    const byGrant = (n: number) =>
      audit.findings
        .filter((f) => f.grantId === id(n))
        .map((f) => f.code)
        .sort();
    expect(byGrant(6)).toEqual(['KMSWHY-G001']); // external account (constrained, recent)
    expect(byGrant(7)).toEqual(['KMSWHY-G002', 'KMSWHY-G007']); // orphaned, old
    expect(byGrant(5)).toEqual(['KMSWHY-G003', 'KMSWHY-G007']); // no EC constraint, old
    expect(byGrant(8)).toEqual(['KMSWHY-G003', 'KMSWHY-G006', 'KMSWHY-G007']); // duplicate of 5
    expect(byGrant(9)).toEqual(['KMSWHY-G004', 'KMSWHY-G005']); // re-delegation, account root
    expect(byGrant(3)).toEqual(['KMSWHY-G004', 'KMSWHY-G007']); // RDS may re-delegate; 1,028 days old
    expect(byGrant(1)).toEqual([]);
  });

  it('reports a grant KMS could not have created on the key (an encryption-context constraint on an RSA key) as invalid, as check does', () => {
    const k = structuredClone(snapshot.keys[0]!);
    k.metadata.keySpec = 'RSA_2048';
    const a = auditGrants([k], { now: NOW });
    const byGrant = (n: number) =>
      a.findings
        .filter((f) => f.grantId === id(n))
        .map((f) => f.code)
        .sort();
    // Grant 6: constrained, to an external account; grant 1: constrained (Lambda).
    expect(byGrant(6)).toEqual(['KMSWHY-G009']);
    expect(byGrant(1)).toEqual(['KMSWHY-G009']);
    expect(a.findings.find((f) => f.grantId === id(6))!.message).toBe(
      `grant ${id(6)} has an encryption-context constraint, which KMS does not allow on a RSA_2048 key: the grant is invalid and allows nothing`,
    );
    // Grant 9 (CreateGrant, to the account root) gives nothing either: no re-delegation or account-root finding.
    expect(byGrant(9)).toEqual(['KMSWHY-G009']);
    // An unconstrained grant on the same key is valid (and G003 is for symmetric keys only).
    expect(byGrant(5)).toEqual([]);
    // The evaluator's verdict on the same grant: invalid, allows nothing.
    const grant = (k.grants as Grant[]).find((g) => g.grantId === id(6))!;
    const d = new Evaluator({ ...snapshot, keys: [k] }).evaluate(
      { action: 'kms:Decrypt', principal: grant.granteePrincipal, keyArn: k.metadata.arn, encryptionContext: { tenant: 'partner' } },
      { explain: true },
    );
    expect(d.decision).not.toBe('allow');
    expect(d.trace.flatMap((t) => t.grants ?? []).find((g) => g.grantId === id(6))?.failed).toBe('grant-invalid');
  });

  it('says the account-grantee rule is an assumption, and names a role grantee of another account as the role', () => {
    const message = (n: number, code: string) => audit.findings.find((f) => f.grantId === id(n) && f.code === code)!.message;
    expect(message(9, 'KMSWHY-G005')).toMatch(/AWS does not document such grants; kms-why assumes .*\(docs\/semantics\.md#account-grantee\)$/);
    expect(message(6, 'KMSWHY-G001')).toMatch(/^grant \S+ gives arn:aws:iam::444455556666:role\/\S+, of account 444455556666, /);
  });

  it('flags grants on a disabled key', () => {
    const k = structuredClone(snapshot.keys[0]!);
    k.metadata.keyState = 'Disabled';
    const a = auditGrants([k], { now: NOW });
    expect(a.findings.filter((f) => f.id === 'key-not-usable')).toHaveLength(9);
  });

  it('sees a duplicate whatever the order of its constraint pairs, and not where the constraints differ', () => {
    const k = structuredClone(snapshot.keys[0]!);
    const base = { grantId: 'a', granteePrincipal: 'arn:aws:iam::111122223333:role/app', operations: ['Decrypt'], state: 'active' as const };
    const dupOf = (c1: Record<string, string>, c2: Record<string, string>) => {
      k.grants = [
        { ...base, constraints: { encryptionContextSubset: c1 } },
        { ...base, grantId: 'b', constraints: { encryptionContextSubset: c2 } },
      ];
      return auditGrants([k], { now: NOW }).findings.filter((f) => f.id === 'duplicate-grant').length;
    };
    expect(dupOf({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(1);
    expect(dupOf({ a: '1', b: '2' }, { a: '1', b: '3' })).toBe(0);
  });

  it('never passes a key whose grants could not be read', () => {
    const k = { ...snapshot.keys[0]!, grants: { unknown: true as const, what: 'grants', reason: 'AccessDenied' } };
    const a = auditGrants([k], { now: NOW, expectations: [] });
    expect(a.keys[0]!.unreadable?.reason).toBe('AccessDenied');
    expect(a.unexpected).toEqual([]);
  });
});

describe('expectations', () => {
  it('a grant may not exceed the operations of its matcher', () => {
    const e = auditGrants(snapshot.keys, { now: NOW }).keys[0]!.entries.find((x) => x.grant.grantId === id(5))!;
    expect(matchesExpectation(e, { grantee: 'arn:aws:iam::111122223333:role/batch-job', operations: ['Decrypt', 'GenerateDataKey', 'Encrypt'] })).toBe(true);
    expect(matchesExpectation(e, { grantee: 'arn:aws:iam::111122223333:role/batch-job', operations: ['Decrypt'] })).toBe(false);
    expect(matchesExpectation(e, { grantee: 'arn:aws:iam::111122223333:role/*', operations: ['Decrypt', 'GenerateDataKey'] })).toBe(true);
    expect(matchesExpectation(e, { grantee: 'arn:aws:iam::111122223333:role/*', operations: ['Decrypt', 'GenerateDataKey'], constraints: 'required' })).toBe(
      false,
    );
    expect(matchesExpectation(e, { grantee: 'arn:aws:iam::111122223333:role/*', operations: ['Decrypt', 'GenerateDataKey'], serviceCreated: true })).toBe(
      false,
    );
  });

  it("captured expectations make today's grants all expected", () => {
    const first = auditGrants(snapshot.keys, { now: NOW });
    const written = expectationsFrom(first, NOW);
    expect(written.length).toBe(8); // the duplicate grant needs no matcher of its own
    const again = auditGrants(snapshot.keys, { now: NOW, expectations: written });
    expect(again.unexpected).toEqual([]);
    expect(again.unusedExpectations).toEqual([]);
  });

  it('serviceOf reads service principals and well-known contexts', () => {
    expect(serviceOf({ grantId: 'x', granteePrincipal: 'dynamodb.us-west-2.amazonaws.com', operations: ['Decrypt'], state: 'active' })).toBe('DynamoDB');
    expect(serviceOf({ grantId: 'x', granteePrincipal: 'arn:aws:iam::111122223333:role/r', operations: ['Decrypt'], state: 'active' })).toBeUndefined();
  });
});
