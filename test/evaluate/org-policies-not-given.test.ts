// A member account of the snapshot's organization that the snapshot gives no SCPs for, while it
// gives SCPs for other accounts: the organization uses SCPs, so that account's are unknown, never
// "none" (docs/snapshot.md, What absence means). A verdict an SCP could change (an allow of a
// principal SCPs apply to) is unknown and names the input; a deny stays a deny. The same for the
// RCPs of a key's account.
import { describe, expect, it } from 'vitest';
import { whoCan, whoCanRequest } from '../../src/analyses/who-can.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT, KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const OTHER = '444455556666';
const PARTNER = `arn:aws:iam::${OTHER}:role/partner`;
const FULL = { Name: 'FullAWSAccess', Content: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) };
const RCP = {
  Name: 'rcp-guard',
  Content: JSON.stringify({
    Statement: [{ Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
  }),
};

function evaluator(org: Record<string, unknown>, metadata: Record<string, unknown> = {}): Evaluator {
  const doc = oneKeySnapshot(
    {
      Policy: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Delegate', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
          { Sid: 'ext', Effect: 'Allow', Principal: { AWS: PARTNER }, Action: ['kms:Decrypt', 'kms:PutKeyPolicy'], Resource: '*' },
        ],
      },
    },
    [{ Arn: PARTNER, IdentityPolicies: [{ PolicyName: 'p', Document: { Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }], Tags: [] }],
    metadata,
  );
  doc.Organization = org;
  return new Evaluator(parseSnapshot(doc, 'snap.json'));
}

const scpsOf = (account: string) => ({ [account]: [{ Target: 'r-abcd', Policies: [FULL] }] });
const decrypt = (e: Evaluator, principal = PARTNER) => e.evaluate({ action: 'kms:Decrypt', principal, keyArn: KEY_ARN });

describe('SCPs of a member account the snapshot leaves out', () => {
  it('are unknown when the organization gives SCPs for other accounts: the allow becomes unknown, and says why', () => {
    const e = evaluator({ Id: 'o-a1b2c3d4e5', ManagementAccountId: '999999999999', Accounts: [ACCOUNT, OTHER], ServiceControlPolicies: scpsOf(ACCOUNT) });
    const d = decrypt(e);
    expect(d.decision).toBe('unknown');
    expect(d.unreadable.map((u) => u.what)).toEqual([`the SCP hierarchy of account ${OTHER}`]);
    expect(d.hints).toContainEqual(expect.objectContaining({ kind: 'unreadable', what: `the SCP hierarchy of account ${OTHER}`, decides: true }));
    // A deny holds whatever the SCPs say.
    const put = e.evaluate({ action: 'kms:PutKeyPolicy', principal: PARTNER, keyArn: KEY_ARN });
    expect(put.decision).toBe('deny');
    // The account whose SCPs are given is unaffected.
    expect(decrypt(e, `arn:aws:iam::${ACCOUNT}:root`).decision).toBe('allow');
  });

  it('a member named only by the RCP map is a member too', () => {
    const e = evaluator({ ServiceControlPolicies: scpsOf(ACCOUNT), ResourceControlPolicies: { [OTHER]: [{ Target: 'r-abcd', Policies: [RCP] }] } });
    expect(decrypt(e).decision).toBe('unknown');
  });

  it('do not apply, and so are not unknown, for the management account', () => {
    const e = evaluator({ ManagementAccountId: OTHER, Accounts: [ACCOUNT], ServiceControlPolicies: scpsOf(ACCOUNT) });
    const d = decrypt(e);
    expect(d.decision).toBe('allow');
    expect(d.unreadable).toEqual([]);
  });

  it('an account the organization does not name, or an organization with no SCPs given at all: none apply (as before)', () => {
    expect(decrypt(evaluator({ Accounts: [ACCOUNT], ServiceControlPolicies: scpsOf(ACCOUNT) })).decision).toBe('allow');
    expect(decrypt(evaluator({ Id: 'o-a1b2c3d4e5', Accounts: [ACCOUNT, OTHER] })).decision).toBe('allow');
  });
});

describe("RCPs of a member key's account the snapshot leaves out", () => {
  const org = {
    Accounts: [ACCOUNT, OTHER],
    ServiceControlPolicies: { ...scpsOf(ACCOUNT), ...scpsOf(OTHER) },
    ResourceControlPolicies: { [OTHER]: [{ Target: 'r-abcd', Policies: [RCP] }] },
  };

  it('are unknown for a customer managed key: the allow becomes unknown', () => {
    const d = decrypt(evaluator(org));
    expect(d.decision).toBe('unknown');
    expect(d.unreadable.map((u) => u.what)).toEqual([`the RCP hierarchy of account ${ACCOUNT}`]);
  });

  it('do not matter for an AWS managed key, which RCPs do not apply to', () => {
    const d = decrypt(evaluator(org, { KeyManager: 'AWS' }));
    expect(d.decision).toBe('allow');
    expect(d.unreadable).toEqual([]);
  });
});

describe('who-can agrees with check', () => {
  for (const keyState of ['Enabled', 'Disabled']) {
    it(`on a ${keyState} key, for every principal and action`, () => {
      const doc = oneKeySnapshot(
        {
          Policy: {
            Version: '2012-10-17',
            Statement: [
              { Sid: 'Delegate', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
              { Sid: 'ext', Effect: 'Allow', Principal: { AWS: PARTNER }, Action: 'kms:*', Resource: '*' },
            ],
          },
        },
        [{ Arn: PARTNER, IdentityPolicies: [{ PolicyName: 'p', Document: { Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }], Tags: [] }],
        { KeyState: keyState, Enabled: keyState === 'Enabled' },
      );
      doc.Organization = {
        Accounts: [ACCOUNT, OTHER],
        ServiceControlPolicies: scpsOf(ACCOUNT),
        ResourceControlPolicies: { [OTHER]: [{ Target: 'r', Policies: [RCP] }] },
      };
      const snap = parseSnapshot(doc, 'snap.json');
      const r = whoCan(snap, snap.keys);
      const k = r.keys[0]!;
      const e = new Evaluator(snap);
      let unknown = 0;
      k.principals.forEach((p, i) => {
        k.actions.forEach((a, j) => {
          const d = e.evaluate(whoCanRequest(snap.keys[0]!, a, p.arn), { explain: false });
          const got = k.access[i]![j]?.access ?? 'deny';
          // who-can reports the authorization of an action the key state fails (and the failure beside it).
          const v = d.decidedBy === 'key-state' ? d.authorization : d.decision;
          expect(`${p.arn} ${a.name} ${got}`).toBe(`${p.arn} ${a.name} ${v === 'allow' ? 'allowed' : v === 'unknown' ? 'unknown' : 'deny'}`);
          if (got === 'unknown') unknown++;
        });
      });
      if (keyState === 'Enabled') expect(unknown).toBeGreaterThan(0);
    });
  }
});
