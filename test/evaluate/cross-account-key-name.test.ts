// A caller in another account that names the key by an alias name or key id (or, for CreateGrant
// and the like, by an alias ARN) never reaches it: KMS looks the name up in the caller's own
// account ("To specify a KMS key in a different AWS account, you must use the key ARN or alias
// ARN", KMS API reference). The report says so, not that an authorized request fails on the key's
// state; the hint and --fix name the key by its alias ARN or key ARN, verified.
import { describe, expect, it } from 'vitest';
import { proposeFixes } from '../../src/analyses/fix.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { hintText, questionText } from '../../src/report/phrases.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT, KEY_ARN, KEY_ID, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const PARTNER = 'arn:aws:iam::444455556666:role/partner';
const ALIAS_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`;

function snapshot(withIam: boolean, keyPolicyNamesPartner = true) {
  const statements: unknown[] = [{ Sid: 'root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }];
  if (keyPolicyNamesPartner) statements.push({ Sid: 'ext', Effect: 'Allow', Principal: { AWS: PARTNER }, Action: 'kms:*', Resource: '*' });
  return parseSnapshot(
    oneKeySnapshot({ Aliases: ['alias/app'], Policy: { Version: '2012-10-17', Statement: statements } }, [
      {
        Arn: PARTNER,
        IdentityPolicies: withIam
          ? [{ PolicyName: 'p', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }]
          : [],
      },
    ]),
    'snap.json',
  );
}

describe('a caller in another account naming the key other than by its ARN', () => {
  it('is not an authorized request failing on the key state: no deciding statements, no key-state-order assumption', () => {
    const d = new Evaluator(snapshot(true)).evaluate({ action: 'kms:Decrypt', principal: PARTNER, keyIdentifier: 'alias/app' });
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state', reasons: [] });
    expect(d.authorizedBy).toBeUndefined();
    expect(d.keyStateError).toMatch(/^NotFoundException: alias\/app is looked up in the caller's account 444455556666/);
    expect(d.assumptions).not.toContain('keyStateOrder');
    const hints = d.hints.map(hintText);
    expect(hints.some((h) => h.includes('authorized'))).toBe(false);
    expect(hints).toContain(`Name the key by its alias ARN, ${ALIAS_ARN}, which a caller in another account can use.`);
    const last = d.trace.at(-1)!;
    expect(last).toMatchObject({ step: 'key-state', answer: 'no' });
    expect(questionText(last.ask)).toBe(`Does alias/app, sent from account 444455556666, name the key in account ${ACCOUNT}?`);
  });

  it('by key id, or by alias ARN where only the key ARN will do: the hint names the key ARN', () => {
    const ev = new Evaluator(snapshot(true));
    for (const [action, keyIdentifier] of [
      ['kms:Decrypt', KEY_ID],
      ['kms:GetKeyRotationStatus', ALIAS_ARN],
    ] as const) {
      const d = ev.evaluate({ action, principal: PARTNER, keyIdentifier });
      expect(d.decidedBy).toBe('key-state');
      expect(d.hints.map(hintText)).toContain(`Name the key by its key ARN, ${KEY_ARN}, which a caller in another account can use.`);
    }
  });

  it('is decided by the name even when the policies deny (the key is never reached)', () => {
    const d = new Evaluator(snapshot(true, false)).evaluate({ action: 'kms:Decrypt', principal: PARTNER, keyIdentifier: 'alias/app' });
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state', authorization: 'deny', reasons: [] });
  });

  it('--fix names the key by its ARN, verified, alone or with the change that request still needs', () => {
    const alone = proposeFixes(snapshot(true), { action: 'kms:Decrypt', principal: PARTNER, keyIdentifier: 'alias/app' });
    expect(alone.proposals.map((p) => p.id)).toEqual(['name-key-by']);
    expect(alone.proposals[0]!.changes).toEqual([{ kind: 'name-key-by', keyIdentifier: 'alias/app', identifier: ALIAS_ARN, alias: true }]);
    expect(alone.proposals[0]!.verified.decision).toBe('allow');
    expect(alone.notes).toEqual([]);

    const withIam = proposeFixes(snapshot(false), { action: 'kms:Decrypt', principal: PARTNER, keyIdentifier: KEY_ID });
    expect(withIam.proposals[0]!.id).toBe('name-key-by+iam-statement');
    expect(withIam.proposals[0]!.changes[0]).toEqual({ kind: 'name-key-by', keyIdentifier: KEY_ID, identifier: KEY_ARN, alias: false });
    expect(withIam.proposals[0]!.verified.decision).toBe('allow');
  });
});
