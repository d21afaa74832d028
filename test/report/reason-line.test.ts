// The one-line reason names how the deciding key-policy statement matched the caller, not how
// the first matching one did: beside the account statement of the default key policy, a
// statement naming the role decides "by its role ARN".
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { reasonLine } from '../../src/report/explain.js';
import { phraseDecision } from '../../src/report/phrases.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT, KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;
const line = (statements: unknown[]) =>
  reasonLine(
    phraseDecision(
      new Evaluator(
        parseSnapshot(oneKeySnapshot({ Policy: { Version: '2012-10-17', Statement: statements } }, [{ Arn: ROLE, IdentityPolicies: [] }]), 'snap.json'),
      ).evaluate({ action: 'kms:Decrypt', principal: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`, keyArn: KEY_ARN }),
    ),
  );
const account = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };
const app = { Sid: 'App', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' };

describe('the reason line of a key-policy allow', () => {
  it('names the deciding statement’s match, whatever statement comes first', () => {
    expect(line([account, app])).toBe('the key policy allows the caller (matched by its role ARN)');
    expect(line([app])).toBe('the key policy allows the caller (matched by its role ARN)');
  });
});
