// A role calls KMS only through a session, and kms-why evaluates a role ARN as one of its
// sessions: a NotPrincipal Deny exempts a session only when its session ARN is listed (with its
// role and account, IAM's rule for NotPrincipal), so it never exempts the role caller either.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { phraseDecision } from '../../src/report/phrases.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const SESSION = 'arn:aws:sts::111122223333:assumed-role/app/s';
const policy = (notPrincipal: string[]) => ({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Use', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' },
    { Sid: 'Fence', Effect: 'Deny', NotPrincipal: { AWS: notPrincipal }, Action: 'kms:Decrypt', Resource: '*' },
  ],
});
const decide = (principal: string, notPrincipal: string[]) =>
  phraseDecision(
    new Evaluator(parseSnapshot(oneKeySnapshot({ Policy: policy(notPrincipal) }, [{ Arn: ROLE, IdentityPolicies: [] }]), 'snap.json')).evaluate({
      action: 'kms:Decrypt',
      principal,
      keyArn: KEY_ARN,
    }),
  );

describe('a NotPrincipal Deny and a role caller', () => {
  it('denies the role as it denies its sessions when the role and account, not the session, are listed', () => {
    const listed = [ROLE, 'arn:aws:iam::111122223333:root'];
    const session = decide(SESSION, listed);
    const role = decide(ROLE, listed);
    expect(session.decision).toBe('deny');
    expect(role.decision).toBe(session.decision);
    expect(role.decidedBy).toBe('explicit-deny');
    expect(role.assumptions.join('\n')).toMatch(/NotPrincipal/);
  });

  it('exempts a session whose ARN is listed, but not the role (a session of it it does not name)', () => {
    const listed = [ROLE, SESSION, 'arn:aws:iam::111122223333:root'];
    expect(decide(SESSION, listed).decision).toBe('allow');
    expect(decide(ROLE, listed).decision).toBe('deny');
  });

  it('does not propose listing the role alone to lift the Deny', () => {
    const d = decide(ROLE, [ROLE, 'arn:aws:iam::111122223333:root']);
    expect(d.hints.join('\n')).not.toMatch(/to the NotPrincipal/);
  });
});
