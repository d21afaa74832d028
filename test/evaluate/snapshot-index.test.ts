// The snapshot index files principal entries by what parsePrincipal reads from their ARNs (a fast
// path reads plain role and user ARNs) and grants by grantee (each grant's key remembered, so a
// list with a grant added is filed again cheaply). Whatever path it takes, it files as parsePrincipal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SnapshotIndex } from '../../src/evaluate/snapshot-index.js';
import { compilePrincipalValue, patternKey, valueKey } from '../../src/evaluate/principals.js';
import { parsePrincipal } from '../../src/model/arn.js';
import type { Grant } from '../../src/model/grant.js';
import type { PrincipalPolicies } from '../../src/model/principal.js';
import type { Snapshot } from '../../src/model/snapshot.js';

const ARNS = [
  'arn:aws:iam::111122223333:role/app',
  'arn:aws:iam::111122223333:role/team/a/app',
  'arn:aws:iam::111122223333:role/service-role/app',
  'arn:aws:iam::111122223333:user/alice',
  'arn:aws:iam::111122223333:user/dev/alice',
  'arn:aws-cn:iam::111122223333:role/app',
  'arn:weird:iam::111122223333:role/app',
  'arn:aws:iam::111122223333:role/odd:name',
  'arn:aws:iam::111122223333:role/a:b/c',
  'arn:aws:iam::111122223333:role/app ',
  ' arn:aws:iam::111122223333:role/app',
  'arn:aws:iam:us-east-1:111122223333:role/app',
  'arn:aws:iam::11112222333:role/app',
  'arn:aws:iam::111122223333:role/',
  'arn:aws:iam::111122223333:role//x',
  'arn:aws:iam::111122223333:group/app',
  'arn:aws:iam::111122223333:root',
  'arn:aws:sts::111122223333:assumed-role/app/s',
  '111122223333',
];

const PP: PrincipalPolicies = { identityPolicies: [], permissionsBoundary: null, sessionPolicies: [], tags: {} };

describe('the snapshot index', () => {
  it('files every entry under the role or user name parsePrincipal reads, in snapshot order', () => {
    const principals: Record<string, PrincipalPolicies> = {};
    for (const a of ARNS) principals[a] = { ...PP };
    const index = SnapshotIndex.of({ keys: [], principals } as unknown as Snapshot);
    const expected = new Map<string, string[]>();
    for (const a of ARNS) {
      const p = parsePrincipal(a);
      if (p === null || (p.kind !== 'role' && p.kind !== 'user')) continue;
      const k = `${p.kind}|${p.account}|${p.name}`;
      expected.set(k, [...(expected.get(k) ?? []), a]);
    }
    // The list holds entries the index must find and some it must not (the test can fail).
    expect(expected.get('role|111122223333|app')?.length).toBeGreaterThan(3);
    for (const [k, arns] of expected) {
      const [kind, account, name] = k.split('|') as ['role' | 'user', string, string];
      expect(index.entries(kind, account, name).map((e) => e.arn)).toEqual(arns);
      expect(index.first(kind, account, name)?.arn).toBe(arns[0]);
    }
    expect(index.entries('role', '111122223333', 'group/app')).toEqual([]);
  });

  it('files a grant list with a grant added like a list read fresh', () => {
    const grant = (id: string, grantee: string): Grant => ({ grantId: id, granteePrincipal: grantee, operations: ['Decrypt'], state: 'active' }) as Grant;
    const base = [
      grant('g1', 'arn:aws:iam::111122223333:role/app'),
      grant('g2', 'arn:aws:sts::111122223333:assumed-role/app/s1'),
      grant('g3', 'lambda.amazonaws.com'),
      grant('g4', 'not a principal'),
    ];
    const before = SnapshotIndex.grantsByGrantee(base);
    const added = [...base, grant('g5', 'arn:aws:iam::111122223333:role/app')];
    const after = SnapshotIndex.grantsByGrantee(added);
    const fresh = (gs: Grant[]): Record<string, string[]> => {
      const out: Record<string, string[]> = {};
      for (const g of gs) {
        const k = patternKey(compilePrincipalValue(g.granteePrincipal));
        if (k !== undefined) (out[k] ??= []).push(g.grantId);
      }
      return out;
    };
    const ids = (m: Map<string, Grant[]>): Record<string, string[]> => Object.fromEntries([...m].map(([k, gs]) => [k, gs.map((g) => g.grantId)]));
    expect(ids(before)).toEqual(fresh(base));
    expect(ids(after)).toEqual(fresh(added));
    expect(after.get('role:111122223333:app')?.map((g) => g.grantId)).toEqual(['g1', 'g5']);
  });

  it('reads no principal from a name with a control character, a line separator or a bidirectional mark', () => {
    // No IAM or STS name holds one, and AWS refuses a policy naming one: kms-why once read
    // `role/a<newline>b` as a role (a session ARN of the same shape was refused already).
    for (const bad of ['\n', '\t', '\u001b[2J', '\u0085', '\u2028', '\u202e'])
      for (const arn of [
        `arn:aws:iam::111122223333:role/a${bad}b`,
        `arn:aws:iam::111122223333:user/a${bad}b`,
        `arn:aws:sts::111122223333:assumed-role/app/s${bad}x`,
      ]) {
        expect(parsePrincipal(arn), JSON.stringify(arn)).toBeNull();
        expect(valueKey(arn), JSON.stringify(arn)).toBeUndefined();
      }
    expect(parsePrincipal('arn:aws:iam::111122223333:role/a+=,.@-b')?.name).toBe('a+=,.@-b');
  });

  it('reads a grantee key the fast way (valueKey) exactly as patternKey(compilePrincipalValue) does', () => {
    for (const a of [
      ...ARNS,
      'arn:aws:sts::111122223333:assumed-role/app/s ',
      'arn:aws:sts::111122223333:assumed-role/app/a/b:c',
      'arn:aws:sts:x:111122223333:assumed-role/a:b/s',
      'arn:nope:sts::111122223333:assumed-role/app/s',
      'arn:aws:sts::111122223333:assumed-role/app/s\n',
      'arn:aws:iam::111122223333:role/a\nb',
      'arn:aws:iam::111122223333:role/p/\n/x',
    ])
      expect(valueKey(a), a).toBe(patternKey(compilePrincipalValue(a)));
    // ARN-shaped values made of the characters each part of the reading turns on.
    const part = fc.array(fc.constantFrom('a', 'A', '1', ':', '/', ' ', '\n', '\u00a0', '*', '-'), { maxLength: 6 }).map((x) => x.join(''));
    const value = fc
      .tuple(
        fc.constantFrom('arn:', ' arn:', 'arn'),
        fc.constantFrom('aws', 'aws-cn', 'weird', '', 'aws:x'),
        fc.constantFrom(':sts:', ':iam:', ':kms:', ':sts', ':'),
        fc.constantFrom('', 'us-east-1', ':'),
        fc.constantFrom(':111122223333:', ':11112222333:', '::', ':111122223333'),
        fc.constantFrom('assumed-role/', 'role/', 'role', 'user/', 'root', 'role//', ''),
        part,
        fc.constantFrom('/', '', '//'),
        part,
      )
      .map((xs) => xs.join(''));
    fc.assert(
      fc.property(value, (v) => {
        expect(valueKey(v)).toBe(patternKey(compilePrincipalValue(v)));
      }),
      { numRuns: 5000 },
    );
  });
});
