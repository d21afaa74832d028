// `kms-why diff`: who gained or lost which action on which key, and what changed in the sources.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffWhoCan, hasGain, type AccessChange, type AccessDiff } from '../../src/analyses/diff.js';
import { whoCan } from '../../src/analyses/who-can.js';
import { findAction } from '../../src/model/actions.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { renderWhoCanJson } from '../../src/report/who-can.js';
import { parseWhoCanJson } from '../../src/sources/who-can-report.js';
import { snapshotFromDocuments } from '../../src/sources/load.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BASIC = JSON.parse(readFileSync(`${ROOT}fixtures/who-can/basic.json`, 'utf8')) as Record<string, any>;
const ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:DescribeKey',
  'kms:CreateGrant',
  'kms:PutKeyPolicy',
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
].map((a) => findAction(a)!);
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROLE = (n: string): string => `arn:aws:iam::111122223333:role/${n}`;

function snapshot(change: (s: Record<string, any>) => void = () => undefined): Snapshot {
  const s = structuredClone(BASIC);
  change(s);
  return snapshotFromDocuments([{ file: 'test.json', value: s }]);
}

function diff(before: Snapshot, after: Snapshot): AccessDiff {
  const o = whoCan(before, before.keys, { actions: ACTIONS });
  const n = whoCan(after, after.keys, { actions: ACTIONS });
  return diffWhoCan(o, n, { oldSnapshot: before, newSnapshot: after });
}

function find(d: AccessDiff, principal: string, change: AccessChange['change']): AccessChange[] {
  return d.changes.filter((c) => c.principal === principal && c.change === change);
}

const statements = (s: Record<string, any>): Array<Record<string, any>> => s.keys[0].Policy.Statement;
const principal = (s: Record<string, any>, arn: string): Record<string, any> => s.principals.find((p: { Arn: string }) => p.Arn === arn);

describe('diff of two snapshots', () => {
  it('no change, no gain', () => {
    const d = diff(snapshot(), snapshot());
    expect(d.changes).toEqual([]);
    expect(d.summary).toEqual({ gained: 0, lost: 0, changed: 0, unknown: 0 });
    expect(hasGain(d)).toBe(false);
  });

  it('a new key-policy statement: gained, admin-level called out, the statement named as new', () => {
    const after = snapshot((s) =>
      statements(s).push({ Sid: 'WebAdmin', Effect: 'Allow', Principal: { AWS: ROLE('web') }, Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'], Resource: '*' }),
    );
    const d = diff(snapshot(), after);
    const g = find(d, ROLE('web'), 'gained');
    // Actions with the same change and the same why are one change; it holds an admin-level power.
    expect(g.map((c) => [c.actions, c.adminLevel])).toEqual([[['kms:DescribeKey', 'kms:PutKeyPolicy'], true]]);
    expect(g[0]!.old).toEqual({ access: 'deny', decidedBy: 'implicit-deny', reasons: [] });
    expect(g[0]!.new).toMatchObject({ access: 'allow', decidedBy: 'key-policy', reasons: [{ source: 'key-policy', id: 'WebAdmin' }] });
    expect(g[0]!.why).toEqual(['key-policy statement "WebAdmin" is new']);
    expect(d.summary).toEqual({ gained: 2, lost: 0, changed: 0, unknown: 0 });
    expect(hasGain(d)).toBe(true);
  });

  it('a policy that could not be read on the new side is said to be unread, never detached or removed', () => {
    const unread = { kmsWhyUnreadable: { reason: 'AccessDenied' } };
    const withApp = (s: Record<string, any>) => {
      principal(s, ROLE('app')).IdentityPolicies = [
        { PolicyName: 'app-kms', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } },
      ];
    };
    const before = snapshot(withApp);
    const iamUnread = diff(
      before,
      snapshot((s) => {
        withApp(s);
        principal(s, ROLE('app')).IdentityPolicies = unread;
      }),
    );
    const why = iamUnread.changes.filter((c) => c.principal === ROLE('app')).flatMap((c) => c.why);
    expect(why.some((w) => /identity-policy "app-kms" could not be read in the new snapshot/.test(w))).toBe(true);
    expect(why.some((w) => /detached|removed/.test(w))).toBe(false);
  });

  it('a key disabled: no change in who is authorized, and a note that the key state now fails its actions', () => {
    const d = diff(
      snapshot(),
      snapshot((s) => {
        s.keys[0].KeyMetadata.KeyState = 'Disabled';
        s.keys[0].KeyMetadata.Enabled = false;
      }),
    );
    expect(d.changes).toEqual([]);
    expect(d.notes.some((n) => /key state Enabled → Disabled; the key state fails \d+ of \d+ actions now \(0 before\)/.test(n))).toBe(true);
    expect(diff(snapshot(), snapshot()).notes).toEqual([]);
  });

  it('a new explicit Deny: lost, with the Deny that decides now', () => {
    const after = snapshot((s) =>
      statements(s).push({ Sid: 'NoOpsAdmin', Effect: 'Deny', Principal: { AWS: ROLE('ops') }, Action: ['kms:PutKeyPolicy', 'kms:DisableKey'], Resource: '*' }),
    );
    const d = diff(snapshot(), after);
    const l = find(d, ROLE('ops'), 'lost');
    expect(l).toHaveLength(1);
    expect(l[0]!.actions).toEqual(['kms:PutKeyPolicy', 'kms:DisableKey']);
    expect(l[0]!.adminLevel).toBe(true);
    expect(l[0]!.new).toMatchObject({ access: 'deny', decidedBy: 'explicit-deny', reasons: [{ source: 'key-policy', id: 'NoOpsAdmin', effect: 'Deny' }] });
    expect(l[0]!.why).toEqual([
      'key-policy statement "NoOpsAdmin" is new',
      'key-policy statement "EnableIAM" (unchanged) no longer allows',
      'statement "OpsAll" of identity-policy "ops" (unchanged) no longer allows',
    ]);
    expect(hasGain(d)).toBe(false);
  });

  it('a changed statement: conditional access becomes unconditional', () => {
    const after = snapshot((s) => delete statements(s).find((x) => x.Sid === 'AppUse')!.Condition);
    const d = diff(snapshot(), after);
    const g = find(d, ROLE('app'), 'gained');
    expect(g.flatMap((c) => c.actions).sort()).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(g.every((c) => c.old.access === 'conditional' && c.new.access === 'allow')).toBe(true);
    for (const c of g) expect(c.why).toContain('key-policy statement "AppUse" changed');
  });

  it('a changed IAM policy: the same access through another source is "changed"; a new policy is named', () => {
    const after = snapshot((s) => {
      principal(s, ROLE('ops')).IdentityPolicies.push({
        PolicyName: 'ops-extra',
        Document: { Version: '2012-10-17', Statement: [{ Sid: 'Extra', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] },
      });
      principal(s, 'arn:aws:iam::111122223333:user/alice').IdentityPolicies = [];
    });
    const d = diff(snapshot(), after);
    const c = find(d, ROLE('ops'), 'changed');
    expect(c).toHaveLength(1);
    expect(c[0]!.actions).toEqual(['kms:Decrypt']);
    expect(c[0]!.why).toEqual(['identity-policy "ops-extra" is newly attached to arn:aws:iam::111122223333:role/ops']);
    const lost = find(d, 'arn:aws:iam::111122223333:user/alice', 'lost');
    // Alice's Decrypt is now only conditional (through Lambda): lost.
    expect(lost[0]!.new.access).toBe('conditional');
    expect(lost[0]!.why).toEqual([
      'key-policy statement "ViaLambda" (unchanged) now decides',
      'key-policy statement "EnableIAM" (unchanged) no longer decides',
      'identity-policy "alice" was detached from arn:aws:iam::111122223333:user/alice',
    ]);
  });

  it('a new grant and a retired one', () => {
    const after = snapshot((s) => {
      s.keys[0].Grants = s.keys[0].Grants.filter((g: { GrantId: string }) => g.GrantId !== 'g-ci');
      s.keys[0].Grants.push({
        GrantId: 'g-alice',
        GranteePrincipal: 'arn:aws:iam::111122223333:user/alice',
        IssuingAccount: 'arn:aws:iam::111122223333:root',
        Operations: ['Encrypt'],
      });
    });
    const d = diff(snapshot(), after);
    expect(find(d, 'arn:aws:iam::111122223333:user/alice', 'gained')[0]).toMatchObject({ actions: ['kms:Encrypt'], why: ['grant g-alice is new'] });
    expect(find(d, ROLE('ci'), 'lost')[0]).toMatchObject({ actions: ['kms:GenerateDataKey'], why: ['grant g-ci was retired or revoked'] });
  });

  it('a new principal, and a key that appears', () => {
    const after = snapshot((s) => {
      s.principals.push({
        Arn: ROLE('newcomer'),
        IdentityPolicies: [
          { PolicyName: 'all', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Describe*', Resource: '*' }] } },
        ],
      });
      const k2 = structuredClone(s.keys[0]);
      k2.KeyMetadata.KeyId = '5555abcd-12ab-34cd-56ef-1234567890ab';
      k2.KeyMetadata.Arn = 'arn:aws:kms:us-east-1:111122223333:key/5555abcd-12ab-34cd-56ef-1234567890ab';
      k2.Aliases = ['alias/second'];
      s.keys.push(k2);
    });
    const d = diff(snapshot(), after);
    expect(d.keysAdded).toEqual(['arn:aws:kms:us-east-1:111122223333:key/5555abcd-12ab-34cd-56ef-1234567890ab']);
    const newcomer = d.changes.filter((c) => c.principal === ROLE('newcomer') && c.key === KEY);
    expect(newcomer.map((c) => [c.change, c.actions, c.new.access])).toEqual([
      ['gained', ['kms:Decrypt'], 'conditional'],
      ['gained', ['kms:DescribeKey'], 'allow'],
    ]);
    expect(newcomer[1]).toMatchObject({ old: { access: 'deny', absent: 'principal' } });
    expect(newcomer[1]!.why[0]).toBe('the principal is new');
    const onNewKey = d.changes.filter((c) => c.key !== KEY);
    expect(onNewKey.length).toBeGreaterThan(0);
    expect(onNewKey.every((c) => c.change === 'gained' && c.why[0] === 'the key is new')).toBe(true);
  });

  it('an input that can no longer be read: unknown, which --fail-on-gain counts', () => {
    const after = snapshot((s) => {
      s.keys[0].Grants = { kmsWhyUnreadable: { reason: 'AccessDenied on kms:ListGrants', neededPermission: 'kms:ListGrants' } };
    });
    const d = diff(snapshot(), after);
    expect(d.summary.unknown).toBeGreaterThan(0);
    const u = d.changes.find((c) => c.change === 'unknown')!;
    expect(u.new.access).toBe('unknown');
    expect(hasGain(d)).toBe(true);
  });

  it('an input unread before and read now: what it now allows may be new, which --fail-on-gain counts', () => {
    const before = snapshot((s) => {
      s.keys[0].Grants = { kmsWhyUnreadable: { reason: 'AccessDenied on kms:ListGrants', neededPermission: 'kms:ListGrants' } };
    });
    const d = diff(before, snapshot());
    const fromUnknown = d.changes.filter((c) => c.old.access === 'unknown' && (c.new.access === 'allow' || c.new.access === 'conditional'));
    expect(fromUnknown.length).toBeGreaterThan(0);
    expect(fromUnknown.every((c) => c.change === 'unknown')).toBe(true);
    expect(d.summary.gained).toBe(0);
    expect(hasGain(d)).toBe(true);
  });
});

describe('what one side did not evaluate is unknown, never lost or gained', () => {
  const PARTNER = 'arn:aws:iam::444455556666:root';
  const iamUnreadable = (s: Record<string, any>): void => {
    s.principals = [];
    s.Unreadable = [{ what: 'IAM roles, users and policies of account 111122223333', reason: 'AccessDenied on iam:GetAccountAuthorizationDetails' }];
  };

  it("a snapshot whose account IAM could not be read: the roles and users it lacks are not evaluated there (not 'detached')", () => {
    const d = diff(snapshot(), snapshot(iamUnreadable));
    const ops = d.changes.filter((c) => c.principal === ROLE('ops'));
    expect(ops.length).toBeGreaterThan(0);
    for (const c of ops) {
      expect(c.change).toBe('unknown');
      expect(c.new).toMatchObject({
        access: 'unknown',
        notEvaluated: expect.stringMatching(
          /^the new input could not list every principal: IAM roles, users and policies of account 111122223333 could not be read/,
        ),
      });
      expect(c.why).toEqual([`cannot compare: ${c.new.notEvaluated}`]);
    }
    expect(d.summary.lost).toBe(0);
    expect(d.changes.flatMap((c) => c.why).some((w) => /detached|no longer in the snapshot/.test(w))).toBe(false);
    expect(hasGain(d)).toBe(true);
    // The other way round: not "new", not gained; --fail-on-gain still fails (it may hide a gain).
    const back = diff(snapshot(iamUnreadable), snapshot());
    expect(back.summary.gained).toBe(0);
    expect(back.changes.filter((c) => c.principal === ROLE('ops')).every((c) => c.change === 'unknown' && c.old.notEvaluated !== undefined)).toBe(true);
    expect(hasGain(back)).toBe(true);
    // An account whose IAM was read is compared as before: the partner account's root is listed by the key policy on both sides.
    expect(d.changes.some((c) => c.principal === PARTNER)).toBe(false);
  });

  it('a key policy that could not be read: a principal only it named is not evaluated, not lost', () => {
    const d = diff(
      snapshot(),
      snapshot((s) => {
        s.keys[0].Policy = { kmsWhyUnreadable: { reason: 'AccessDeniedException on kms:GetKeyPolicy' } };
      }),
    );
    const partner = d.changes.filter((c) => c.principal === PARTNER);
    expect(partner.length).toBeGreaterThan(0);
    for (const c of partner) {
      expect(c.change).toBe('unknown');
      expect(c.new.notEvaluated).toBe(
        'the new input could not list every principal: the key policy could not be read (AccessDeniedException on kms:GetKeyPolicy)',
      );
    }
    expect(d.summary.lost).toBe(0);
  });

  it('a who-can report filtered with --principal or --key: what it left out is not compared; a report without filters is whole', () => {
    const s = snapshot((x) => {
      const k2 = structuredClone(x.keys[0]);
      k2.KeyMetadata.KeyId = '5555abcd-12ab-34cd-56ef-1234567890ab';
      k2.KeyMetadata.Arn = 'arn:aws:kms:us-east-1:111122223333:key/5555abcd-12ab-34cd-56ef-1234567890ab';
      k2.Aliases = ['alias/second'];
      x.keys.push(k2);
    });
    const whole = whoCan(s, s.keys, { actions: ACTIONS });
    const keep = (arn: string): boolean => arn === '*' || arn.includes('role/app');
    const byPrincipal = parseWhoCanJson(
      JSON.parse(
        renderWhoCanJson({
          ...whole,
          filters: { keys: null, principals: ['role/app'], actions: null },
          keys: whole.keys.map((k) => {
            const rows = k.principals.map((p, i) => [p, k.access[i]!] as const).filter(([p]) => keep(p.arn));
            return { ...k, principals: rows.map(([p]) => p), access: rows.map(([, a]) => a) };
          }),
        }),
      ),
      'filtered.json',
    );
    expect(byPrincipal.filters).toEqual({ keys: null, principals: ['role/app'], actions: null });
    const d = diffWhoCan(whole, byPrincipal);
    expect(d.summary).toMatchObject({ gained: 0, lost: 0 });
    expect(d.changes.length).toBeGreaterThan(0);
    expect(d.changes.every((c) => c.change === 'unknown' && /--principal role\/app/.test(c.new.notEvaluated ?? ''))).toBe(true);
    expect(d.changes.some((c) => c.principal.includes('role/app'))).toBe(false);
    expect(d.notes.some((n) => /new input is a who-can report of only the principals matching --principal role\/app/.test(n))).toBe(true);
    const back = diffWhoCan(byPrincipal, whole);
    expect(back.summary).toMatchObject({ gained: 0, lost: 0 });
    expect(hasGain(back)).toBe(true);
    // Without the member (a report written before filters were recorded), it is read as whole: the others are lost.
    const { filters: _f, ...unmarked } = byPrincipal;
    expect(diffWhoCan(whole, unmarked).summary.lost).toBeGreaterThan(0);

    const byKey = parseWhoCanJson(
      JSON.parse(renderWhoCanJson({ ...whole, filters: { keys: ['alias/app'], principals: null, actions: null }, keys: [whole.keys[0]!] })),
      'one-key.json',
    );
    const k = diffWhoCan(whole, byKey);
    expect(k.keysRemoved).toEqual([]);
    expect(k.summary).toMatchObject({ gained: 0, lost: 0 });
    expect(k.changes.length).toBeGreaterThan(0);
    expect(
      k.changes.every((c) => c.key.includes('5555abcd') && c.change === 'unknown' && /only some keys \(--key alias\/app\)/.test(c.new.notEvaluated ?? '')),
    ).toBe(true);
    expect(diffWhoCan(byKey, whole).keysAdded).toEqual([]);
  });
});

describe('a snapshot made for some principals only (principalsAskedFor)', () => {
  /** As `kms-why snapshot --principal role/app` writes it: only role/app's entry, and says so. */
  const onlyApp = (s: Record<string, any>): void => {
    s.principals = s.principals.filter((p: { Arn: string }) => p.Arn === ROLE('app'));
    s.principalsAskedFor = [ROLE('app')];
  };
  const appDescribes = (s: Record<string, any>): void => {
    principal(s, ROLE('app')).IdentityPolicies = [
      { PolicyName: 'describe', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }] } },
    ];
  };
  const WHY =
    /^the (old|new) input could not list every principal: the snapshot lists only the principals it was asked for \(arn:aws:iam::111122223333:role\/app\); the others were not read$/;

  it('the principals it does not hold are unknown (not evaluated), not lost or gained; the one it was made for is compared', () => {
    const whole = snapshot();
    const partial = snapshot((s) => {
      appDescribes(s);
      onlyApp(s);
    });
    expect(partial.principalsAskedFor).toEqual([ROLE('app')]);
    for (const [d, side] of [
      [diff(whole, partial), 'new'],
      [diff(partial, whole), 'old'],
    ] as const) {
      expect(d.summary.lost + d.summary.gained).toBe(1);
      // ops and alice have access through their own policies, which the partial side did not read.
      for (const who of [ROLE('ops'), 'arn:aws:iam::111122223333:user/alice']) {
        const cs = d.changes.filter((c) => c.principal === who);
        expect(cs.length).toBeGreaterThan(0);
        for (const c of cs) {
          expect(c.change).toBe('unknown');
          expect(c[side].notEvaluated).toMatch(WHY);
          expect(c.why).toEqual([`cannot compare: ${c[side].notEvaluated}`]);
        }
      }
      expect(d.notes).toContain(
        `The ${side} input is a snapshot of only the principals it was asked for (arn:aws:iam::111122223333:role/app): the others are not compared.`,
      );
      expect(hasGain(d)).toBe(true);
    }
    // The principal it was made for: a real change, with its source.
    const app = diff(whole, partial).changes.filter((c) => c.principal === ROLE('app') && c.change !== 'unknown');
    expect(app.map((c) => [c.change, c.actions])).toEqual([['gained', ['kms:DescribeKey']]]);
    expect(app[0]!.why).toContain(`identity-policy "describe" is newly attached to ${ROLE('app')}`);
    expect(
      diff(partial, whole)
        .changes.filter((c) => c.principal === ROLE('app') && c.change === 'lost')
        .map((c) => c.actions),
    ).toEqual([['kms:DescribeKey']]);
  });

  it('two partial snapshots of the same principal compare it alone; without the field the same file is whole, as before', () => {
    const d = diff(
      snapshot(onlyApp),
      snapshot((s) => {
        appDescribes(s);
        onlyApp(s);
      }),
    );
    expect(d.changes.map((c) => [c.principal, c.change, c.actions])).toEqual([[ROLE('app'), 'gained', ['kms:DescribeKey']]]);
    // An old snapshot (no principalsAskedFor): what it lacks is gone, as it always was.
    const unmarked = snapshot((s) => {
      onlyApp(s);
      delete s.principalsAskedFor;
    });
    expect(unmarked.principalsAskedFor).toBeUndefined();
    const old = diff(snapshot(), unmarked);
    expect(old.summary.lost).toBeGreaterThan(0);
    expect(find(old, ROLE('ops'), 'lost').length).toBeGreaterThan(0);
    expect(old.notes.some((n) => /asked for/.test(n))).toBe(false);
  });

  it('a who-can report of such a snapshot records it (unlistedPrincipals), and diff of the reports says unknown too', () => {
    const whole = snapshot();
    const partial = snapshot(onlyApp);
    const report = parseWhoCanJson(JSON.parse(renderWhoCanJson(whoCan(partial, partial.keys, { actions: ACTIONS }))), 'partial.json');
    expect(report.keys[0]!.unlisted).toEqual([
      { why: 'the snapshot lists only the principals it was asked for (arn:aws:iam::111122223333:role/app); the others were not read' },
    ]);
    const d = diffWhoCan(whoCan(whole, whole.keys, { actions: ACTIONS }), report);
    expect(d.summary).toMatchObject({ gained: 0, lost: 0 });
    expect(find(d, ROLE('ops'), 'unknown').every((c) => WHY.test(c.new.notEvaluated ?? ''))).toBe(true);
  });
});

describe('a snapshot made for some keys only (keysAskedFor)', () => {
  const KEY2 = 'arn:aws:kms:us-east-1:111122223333:key/5555abcd-12ab-34cd-56ef-1234567890ab';
  /** The account with a second key (alias/second), as `kms-why snapshot --account` reads it. */
  const twoKeys = (s: Record<string, any>): void => {
    const k2 = structuredClone(s.keys[0]);
    k2.KeyMetadata.KeyId = '5555abcd-12ab-34cd-56ef-1234567890ab';
    k2.KeyMetadata.Arn = KEY2;
    k2.Aliases = ['alias/second'];
    s.keys.push(k2);
  };
  /** As `kms-why snapshot --account --key KEY` writes it: only KEY, and says so. */
  const onlyKey = (s: Record<string, any>): void => {
    s.keys = s.keys.filter((k: { KeyMetadata: { Arn: string } }) => k.KeyMetadata.Arn === KEY);
    s.keysAskedFor = [KEY];
  };
  const webDescribes = (s: Record<string, any>): void => {
    principal(s, ROLE('web')).IdentityPolicies = [
      { PolicyName: 'describe', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }] } },
    ];
  };
  const WHY = (side: string): string => `not read in the ${side} input: that snapshot holds only the keys it was asked for (${KEY})`;

  it('a key the partial side does not hold is unknown (not read), not removed or new, with its principals neither lost nor gained; the key it holds is compared', () => {
    const whole = snapshot(twoKeys);
    const partial = snapshot((s) => {
      twoKeys(s);
      webDescribes(s);
      onlyKey(s);
    });
    expect(partial.keysAskedFor).toEqual([KEY]);
    expect(partial.keys.map((k) => k.metadata.arn)).toEqual([KEY]);
    for (const [d, side] of [
      [diff(whole, partial), 'new'],
      [diff(partial, whole), 'old'],
    ] as const) {
      expect(d.keysRemoved).toEqual([]);
      expect(d.keysAdded).toEqual([]);
      const other = d.changes.filter((c) => c.key === KEY2);
      expect(other.length).toBeGreaterThan(0);
      for (const c of other) {
        expect(c.change).toBe('unknown');
        expect(c[side]).toEqual({ access: 'unknown', reasons: [], notEvaluated: WHY(side) });
        expect(c.why).toEqual([`cannot compare: ${WHY(side)}`]);
      }
      expect(d.summary.unknown).toBeGreaterThan(0);
      expect(d.notes).toContain(`The ${side} input is a snapshot of only the keys it was asked for (${KEY}): a key it does not hold is not compared.`);
      // The key both sides hold: role/web's new policy is a real change, found as before.
      const onKey = d.changes.filter((c) => c.key === KEY);
      expect(onKey.map((c) => [c.principal, c.change, c.actions])).toEqual([[ROLE('web'), side === 'new' ? 'gained' : 'lost', ['kms:DescribeKey']]]);
      expect(d.summary.lost + d.summary.gained).toBe(1);
    }
    // What the whole side allows on the key the partial old side did not read may be a gain.
    expect(hasGain(diff(partial, snapshot(twoKeys)))).toBe(true);
  });

  it('without the field (an older file, or --account without --key) a missing key is removed or new, as before; two partial snapshots of the same key compare it alone', () => {
    const unmarked = snapshot((s) => {
      twoKeys(s);
      onlyKey(s);
      delete s.keysAskedFor;
    });
    expect(unmarked.keysAskedFor).toBeUndefined();
    const d = diff(snapshot(twoKeys), unmarked);
    expect(d.keysRemoved).toEqual([KEY2]);
    expect(d.changes.filter((c) => c.key === KEY2).every((c) => c.change === 'lost' && c.why[0] === 'the key is no longer in the snapshot')).toBe(true);
    expect(d.summary.lost).toBeGreaterThan(0);
    // A key that only the partial side holds is new there: the whole side holds every key there is.
    const added = diff(
      snapshot(),
      snapshot((s) => {
        twoKeys(s);
        s.keysAskedFor = [KEY, KEY2];
      }),
    );
    expect(added.keysAdded).toEqual([KEY2]);
    expect(added.changes.filter((c) => c.key === KEY2).every((c) => c.change === 'gained')).toBe(true);

    const same = diff(
      snapshot((s) => {
        twoKeys(s);
        onlyKey(s);
      }),
      snapshot((s) => {
        twoKeys(s);
        webDescribes(s);
        onlyKey(s);
      }),
    );
    expect(same.changes.map((c) => [c.key, c.principal, c.change, c.actions])).toEqual([[KEY, ROLE('web'), 'gained', ['kms:DescribeKey']]]);
    expect(same.summary.unknown).toBe(0);
  });
});

describe('diff of who-can reports', () => {
  it('a report read back from its JSON equals the result it came from', () => {
    const s = snapshot();
    const r = whoCan(s, s.keys);
    const back = parseWhoCanJson(JSON.parse(renderWhoCanJson(r)), 'r.json');
    const d = diffWhoCan(r, back);
    expect(d.changes).toEqual([]);
  });

  it('without snapshots, the deciding sources are still named', () => {
    const before = snapshot();
    const after = snapshot((s) =>
      statements(s).splice(
        statements(s).findIndex((x) => x.Sid === 'Partner'),
        1,
      ),
    );
    const o = parseWhoCanJson(JSON.parse(renderWhoCanJson(whoCan(before, before.keys, { actions: ACTIONS }))), 'a.json');
    const n = parseWhoCanJson(JSON.parse(renderWhoCanJson(whoCan(after, after.keys, { actions: ACTIONS }))), 'b.json');
    const d = diffWhoCan(o, n);
    expect(d.changes).toHaveLength(1);
    expect(d.changes[0]).toMatchObject({
      principal: 'arn:aws:iam::444455556666:root',
      change: 'lost',
      external: true,
      actions: ['kms:Decrypt', 'kms:DescribeKey'],
      new: { access: 'deny', absent: 'principal' },
    });
    expect(d.changes[0]!.why).toEqual(['the principal is no longer in the snapshot', 'key-policy statement "Partner" no longer allows']);
  });

  it('rejects a report of another version', () => {
    expect(() => parseWhoCanJson({ kmsWhyWhoCan: 2, keys: [] }, 'x.json')).toThrow(/unsupported who-can report version 2/);
    expect(() =>
      parseWhoCanJson({ kmsWhyWhoCan: 1, keys: [{ key: 'k', principals: [], actions: [{ action: 'kms:Nope', principals: [] }] }] }, 'x.json'),
    ).toThrow(/unknown KMS action "kms:Nope"/);
  });
});
