// A role session's aws:PrincipalTag values are its role's tags: session tags would override them
// and no snapshot of the role holds them, so a verdict a tag condition can turn says so.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ARN = KEY_ARN;
const ROLE = 'arn:aws:iam::111122223333:role/app';
const SESSION = 'arn:aws:sts::111122223333:assumed-role/app/s1';
const evaluator = (condition: Record<string, unknown> | undefined, principals: unknown[]) =>
  new Evaluator(
    parseSnapshot(
      oneKeySnapshot(
        {
          Policy: {
            Version: '2012-10-17',
            Statement: [
              { Sid: 'App', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*', ...(condition ? { Condition: condition } : {}) },
            ],
          },
        },
        principals,
      ),
      'snap.json',
    ),
  );
const roleEntry = { Arn: ROLE, IdentityPolicies: [], Tags: [{ Key: 'team', Value: 'a' }] };
const byTag = { StringEquals: { 'aws:PrincipalTag/team': 'a' } };

describe('the session-tags assumption', () => {
  it("is said for a session whose tag values are its role's, when a condition reads one", () => {
    const d = evaluator(byTag, [roleEntry]).evaluate({ action: 'kms:Decrypt', principal: SESSION, keyArn: ARN });
    expect(d.decision).toBe('allow');
    expect(d.assumptions).toContain('sessionTags');
  });

  it('is not said when the session has tags of its own, for the role itself, or when no condition reads a tag', () => {
    const own = evaluator(byTag, [roleEntry, { Arn: SESSION, Tags: [{ Key: 'team', Value: 'a' }] }]).evaluate({
      action: 'kms:Decrypt',
      principal: SESSION,
      keyArn: ARN,
    });
    expect(own.assumptions).not.toContain('sessionTags');
    expect(evaluator(byTag, [roleEntry]).evaluate({ action: 'kms:Decrypt', principal: ROLE, keyArn: ARN }).assumptions).not.toContain('sessionTags');
    expect(evaluator(undefined, [roleEntry]).evaluate({ action: 'kms:Decrypt', principal: SESSION, keyArn: ARN }).assumptions).not.toContain('sessionTags');
  });
});
