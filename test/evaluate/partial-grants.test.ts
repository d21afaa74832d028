// A grant list read in part (GrantsPartial: the first ListGrants page and the grants to one
// principal's grantee forms) answers for the principals it covers and for no one else; who-can and
// the grants audit, which need every grant, take it as unknown.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { phraseDecision } from '../../src/report/phrases.js';
import { auditGrants } from '../../src/analyses/grants-audit.js';
import { hasUnknown, whoCan } from '../../src/analyses/who-can.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { snapshotToJson } from '../../src/sources/snapshot-writer.js';
import type { Request } from '../../src/model/request.js';

const A = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const APP = `arn:aws:iam::${A}:role/app`;
const OTHER = `arn:aws:iam::${A}:role/other`;
const id = (n: number): string => n.toString(16).padStart(64, '0');

function grant(n: number, grantee: string, operations: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { KeyId: KEY, GrantId: id(n), GranteePrincipal: grantee, IssuingAccount: `arn:aws:iam::${A}:root`, Operations: operations, ...extra };
}

/**
 * The key policy delegates only DescribeKey to IAM: Decrypt and Encrypt come from grants alone.
 * Two grants of the first page are for workers; then the grants to role/app's forms and one read by id.
 */
const PARTIAL = { FirstPage: 2, GranteePrincipals: [APP, `arn:aws:iam::${A}:root`, A], GrantIds: [id(9)] };

/** The snapshot document; `partial` null: every grant read (the same four grants, and no others). */
function doc(partial: unknown = PARTIAL): Record<string, unknown> {
  const key: Record<string, unknown> = {
    KeyMetadata: {
      Arn: KEY,
      KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      AWSAccountId: A,
      KeyState: 'Enabled',
      KeyManager: 'CUSTOMER',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      MultiRegion: false,
      Origin: 'AWS_KMS',
    },
    Aliases: ['alias/app'],
    Policy: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'Describe', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:DescribeKey', Resource: '*' }],
    },
    Grants: [
      grant(1, `arn:aws:iam::${A}:role/worker-1`, ['Decrypt']),
      grant(2, `arn:aws:iam::${A}:role/worker-2`, ['Decrypt']),
      grant(3, APP, ['Decrypt']),
      grant(9, `arn:aws:iam::${A}:role/someone`, ['Decrypt'], { RetiringPrincipal: APP }),
    ],
  };
  if (partial !== null) key.GrantsPartial = partial;
  const none = { IdentityPolicies: [] };
  return {
    kmsWhySnapshot: 1,
    keys: [key],
    principals: [
      { Arn: APP, ...none },
      { Arn: OTHER, ...none },
      { Arn: `arn:aws:iam::${A}:role/worker-1`, ...none },
    ],
  };
}

const verdict = (ev: Evaluator, action: string, principal: string, extra: Partial<Request> = {}): string =>
  ev.evaluate({ action, principal, keyIdentifier: KEY, ...extra }, { explain: false }).decision;

describe('a grant list read in part', () => {
  const snap = parseSnapshot(doc(), 'partial.json');
  const ev = new Evaluator(snap);

  it('is read back as what it is, and written again the same', () => {
    expect(snap.keys[0]!.grantsPartial).toMatchObject({ firstPage: 2, granteePrincipals: [APP, `arn:aws:iam::${A}:root`, A], grantIds: [id(9)] });
    expect(snap.inputs!.find((i) => i.what === `grants of ${KEY}`)).toMatchObject({
      status: 'read',
      detail: expect.stringMatching(/^partial: the key has more than 2 grants; read the first 2 and every grant to arn:aws:iam::111122223333:role\/app, /),
    });
    expect((snapshotToJson(snap) as { keys: Array<Record<string, unknown>> }).keys[0]!.GrantsPartial).toEqual(PARTIAL);
  });

  it('answers for the principal it covers', () => {
    expect(verdict(ev, 'kms:Decrypt', APP)).toBe('allow');
    // No grant for Encrypt among all of app's grants: a deny, known.
    expect(verdict(ev, 'kms:Encrypt', APP)).toBe('deny');
    expect(verdict(ev, 'kms:RetireGrant', APP, { grantId: id(9) })).toBe('allow');
  });

  it('says in the grant step that only part of the grants was read', () => {
    const d = phraseDecision(ev.evaluate({ action: 'kms:Encrypt', principal: APP, keyIdentifier: KEY }));
    const step = d.trace.find((s) => s.step === 'grant')!;
    expect(step.detail).toContain(
      '(3 other grants read are for other principals; beyond the first 2 grants, only those that can apply to this principal were read)',
    );
    // With every grant read, the count is of every grant.
    const whole = new Evaluator(parseSnapshot(doc(null), 'whole.json'));
    expect(
      phraseDecision(whole.evaluate({ action: 'kms:Encrypt', principal: APP, keyIdentifier: KEY })).trace.find((s) => s.step === 'grant')!.detail,
    ).toContain('(3 other grants are for other principals)');
  });

  it('is unknown for anyone it does not cover, never "no grant"', () => {
    // Grants to role/other may be among those not read.
    expect(verdict(ev, 'kms:Decrypt', OTHER)).toBe('unknown');
    // Even a principal with a grant among those read: it may have more.
    expect(verdict(ev, 'kms:Encrypt', `arn:aws:iam::${A}:role/worker-1`)).toBe('unknown');
    // A session of the covered role: grants to that exact session were not read.
    expect(verdict(ev, 'kms:Encrypt', `arn:aws:sts::${A}:assumed-role/app/s1`)).toBe('unknown');
    // Retiring a grant that was not read by id (and is not in the list): unknown, not "no such grant".
    expect(verdict(ev, 'kms:RetireGrant', APP, { grantId: id(77) })).toBe('unknown');
    const d = ev.evaluate({ action: 'kms:Decrypt', principal: OTHER, keyIdentifier: KEY });
    expect(JSON.stringify(d)).toContain("only part of the key's grants were read");
    // With every grant read, role/other simply has none.
    expect(verdict(new Evaluator(parseSnapshot(doc(null), 'whole.json')), 'kms:Decrypt', OTHER)).toBe('deny');
  });

  it('counts as incomplete for who-can and the grants audit, which need every grant', () => {
    const r = whoCan(snap, snap.keys);
    expect(hasUnknown(r)).toBe(true);
    expect(r.keys[0]!.notes.join(' ')).toMatch(/only part of the grants/);
    // The principal it was read for too: who-can never answers from a subset.
    const app = r.keys[0]!.principals.findIndex((p) => p.arn === APP);
    const decrypt = r.keys[0]!.actions.findIndex((a) => a.name === 'kms:Decrypt');
    expect(r.keys[0]!.access[app]![decrypt]!.access).toBe('unknown');
    const whole = parseSnapshot(doc(null), 'whole.json');
    const w = whoCan(whole, whole.keys).keys[0]!;
    expect(w.notes.join(' ')).not.toMatch(/part of the grants/);
    expect(w.access[w.principals.findIndex((p) => p.arn === APP)]![decrypt]!.access).toBe('allow');

    const audit = auditGrants(snap.keys, { now: '2026-11-25T00:00:00Z' });
    expect(audit.keys[0]!.unreadable?.reason).toMatch(/only part of the key's grants were read/);
    expect(audit.keys[0]!.entries).toEqual([]);
    expect(auditGrants(whole.keys, { now: '2026-11-25T00:00:00Z' }).keys[0]!.unreadable).toBeUndefined();
  });

  it('is refused when it is malformed or describes no list', () => {
    expect(() => parseSnapshot(doc({ FirstPage: 2 }), 'p.json')).toThrow(/GranteePrincipals is missing/);
    expect(() => parseSnapshot(doc({ FirstPage: -1, GranteePrincipals: [] }), 'p.json')).toThrow(/FirstPage/);
    expect(() => parseSnapshot(doc({ FirstPage: 2, GranteePrincipals: [APP], Grantees: [] }), 'p.json')).toThrow(/Grantees/);
    const noList = doc();
    delete (noList.keys as Array<Record<string, unknown>>)[0]!.Grants;
    expect(() => parseSnapshot(noList, 'p.json')).toThrow(/keys\[0\]\.GrantsPartial.*no Grants list/);
  });
});
