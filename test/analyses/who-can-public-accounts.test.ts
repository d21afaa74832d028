// who-can's public `*` row: a Principal "*" statement whose conditions admit callers of other
// accounts only (kms:CallerAccount, aws:PrincipalAccount) offers no action that cannot be called
// across accounts: no caller it admits can be allowed one, and check says DENY for each.
import { describe, expect, it } from 'vitest';
import { whoCan } from '../../src/analyses/who-can.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { findAction } from '../../src/model/actions.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT, KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const OTHER = '444455556666';
const PARTNER = `arn:aws:iam::${OTHER}:role/partner`;
const ACTIONS = ['kms:Decrypt', 'kms:CreateGrant', 'kms:PutKeyPolicy', 'kms:DisableKey', 'kms:ScheduleKeyDeletion'].map((n) => findAction(n)!);

function publicRow(condition: Record<string, Record<string, string | string[]>>) {
  const snapshot = parseSnapshot(
    oneKeySnapshot(
      {
        Policy: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
            { Sid: 'ext', Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*', Condition: condition },
          ],
        },
      },
      [
        {
          Arn: PARTNER,
          IdentityPolicies: [{ PolicyName: 'p', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }],
        },
      ],
    ),
    'snap.json',
  );
  const k = whoCan(snapshot, snapshot.keys, { actions: ACTIONS }).keys[0]!;
  const row = k.access[k.principals.findIndex((p) => p.arn === '*')]!;
  const at = (a: string) => row[k.actions.findIndex((x) => x.name === a)];
  return { snapshot, k, at };
}

describe('who-can public statements confined to other accounts', () => {
  it('kms:CallerAccount of another account: no action that cannot be called across accounts', () => {
    const { snapshot, k, at } = publicRow({ StringEquals: { 'kms:CallerAccount': OTHER } });
    expect(at('kms:Decrypt')?.access).toBe('conditional');
    expect(at('kms:CreateGrant')?.access).toBe('conditional');
    for (const a of ['kms:PutKeyPolicy', 'kms:DisableKey', 'kms:ScheduleKeyDeletion']) expect(at(a)).toBeNull();
    expect(k.publicStatements.map((s) => s.actions)).toEqual([['kms:Decrypt', 'kms:CreateGrant']]);
    expect(k.notes.join('\n')).toMatch(/statement "ext" lets "\*" in only from accounts other than 111122223333 \(its kms:CallerAccount condition\)/);
    expect(k.notes.join('\n')).toContain('kms:PutKeyPolicy, kms:DisableKey, kms:ScheduleKeyDeletion cannot be called from another account');
    // check agrees: a caller of that account is denied them.
    const ev = new Evaluator(snapshot);
    expect(ev.evaluate({ action: 'kms:PutKeyPolicy', principal: PARTNER, keyArn: KEY_ARN }).decision).toBe('deny');
    expect(ev.evaluate({ action: 'kms:Decrypt', principal: PARTNER, keyArn: KEY_ARN }).decision).toBe('allow');
  });

  it('aws:PrincipalAccount and a wildcard confine as well', () => {
    expect(publicRow({ StringEquals: { 'aws:PrincipalAccount': OTHER } }).at('kms:PutKeyPolicy')).toBeNull();
    expect(publicRow({ StringLike: { 'kms:CallerAccount': '4444*' } }).at('kms:DisableKey')).toBeNull();
  });

  it('a condition that admits the key account, or a request without the key, does not', () => {
    const conditions: Array<Record<string, Record<string, string | string[]>>> = [
      { StringEquals: { 'kms:CallerAccount': [OTHER, ACCOUNT] } },
      { StringEquals: { 'kms:CallerAccount': ACCOUNT } },
      // A service principal's request carries neither key (check allows it PutKeyPolicy here).
      { StringNotEquals: { 'kms:CallerAccount': ACCOUNT } },
      { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } },
      { StringEqualsIfExists: { 'aws:PrincipalAccount': OTHER } },
    ];
    for (const c of conditions) {
      const { k, at } = publicRow(c);
      expect(at('kms:PutKeyPolicy')?.access).toBe('conditional');
      expect(k.notes.join('\n')).not.toMatch(/lets "\*" in only/);
    }
  });
});
