// An SCP level given without any Allow statement (deny-list SCPs only, the usual guardrail) is
// taken to have FullAWSAccess attached too, as AWS Organizations attaches it by default: only its
// Deny statements bite, and the report says it assumed so. A level with an Allow statement is an
// allow-list, taken as written; the advice for its gap names the allow-list, never a deny-list
// SCP of the same level.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { buildReport } from '../../src/report/build.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT, KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;
const DENY_DECRYPT = {
  Name: 'deny-decrypt',
  Content: JSON.stringify({ Statement: [{ Sid: 'DenyDecrypt', Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }] }),
};
const S3_ONLY = { Name: 's3-only', Content: JSON.stringify({ Statement: [{ Sid: 'S3', Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) };
const FULL = { Name: 'FullAWSAccess', Content: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) };

function evaluator(levels: unknown[][]): Evaluator {
  const doc = oneKeySnapshot({}, [
    { Arn: ROLE, IdentityPolicies: [{ PolicyName: 'kms', Document: { Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }], Tags: [] },
  ]);
  doc.Organization = { ServiceControlPolicies: { [ACCOUNT]: levels.map((Policies, i) => ({ Target: `t-${i}`, Policies })) } };
  return new Evaluator(parseSnapshot(doc, 'snap.json'));
}

const check = (e: Evaluator, action: string) => e.evaluate({ action, principal: ROLE, keyArn: KEY_ARN });

describe('an SCP level without an Allow statement', () => {
  it('allows what its Deny statements do not deny, and says FullAWSAccess was assumed', () => {
    const e = evaluator([[FULL], [DENY_DECRYPT]]);
    const enc = check(e, 'kms:Encrypt');
    expect([enc.decision, enc.decidedBy]).toEqual(['allow', 'key-policy-and-iam']);
    expect(enc.assumptions).toContain('scpFullAccess');
    const step = enc.trace.find((t) => t.step === 'scp');
    expect(step?.why).toEqual({ kind: 'scp-allows', fullAccessAssumed: [{ level: 2, policies: ['deny-decrypt'] }] });
    const text = buildReport({ action: 'kms:Encrypt', principal: ROLE, keyArn: KEY_ARN }, [enc], { commandLine: 'kms-why check' }).results[0]!;
    expect(text.assumptions.join('\n')).toMatch(/FullAWSAccess attached too/);
    expect(text.trace.find((t) => t.step === 'scp')?.detail).toMatch(/level 2 \(deny-decrypt\) has no Allow statement: FullAWSAccess assumed/);
    // Its Deny still denies.
    const dec = check(e, 'kms:Decrypt');
    expect([dec.decision, dec.decidedBy]).toEqual(['deny', 'explicit-deny']);
  });

  it('assumes nothing when every level has an Allow statement', () => {
    const enc = check(evaluator([[FULL], [FULL, DENY_DECRYPT]]), 'kms:Encrypt');
    expect(enc.decision).toBe('allow');
    expect(enc.assumptions).not.toContain('scpFullAccess');
  });

  it('an allow-list level is taken as written; the advice names the allow-list, not the deny-list beside it', () => {
    const enc = check(evaluator([[FULL], [DENY_DECRYPT, S3_ONLY]]), 'kms:Encrypt');
    expect([enc.decision, enc.decidedBy]).toEqual(['deny', 'scp']);
    expect(enc.assumptions).not.toContain('scpFullAccess');
    const gap = enc.hints.find((h) => h.kind === 'scp-gap');
    expect(gap).toMatchObject({ kind: 'scp-gap', level: 2, policies: ['deny-decrypt', 's3-only'], into: 's3-only' });
    const text = buildReport({ action: 'kms:Encrypt', principal: ROLE, keyArn: KEY_ARN }, [enc], { commandLine: 'kms-why check' }).results[0]!;
    expect(text.hints.join('\n')).toMatch(/allow it in s3-only\./);
  });
});
