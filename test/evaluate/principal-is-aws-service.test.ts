// KMS's caveat on aws:PrincipalIsAWSService (it can be false when a service uses a key through a
// grant to an AWS-internal grantee): said whenever a key-policy or RCP Deny turns on the key,
// above all when the key kept the Deny from applying and the request is allowed.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ARN = KEY_ARN;
const snapshot = (deny: Record<string, unknown>) =>
  parseSnapshot(
    oneKeySnapshot({
      Policy: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/Admin' }, Action: 'kms:*', Resource: '*' },
          { Sid: 'D', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: deny },
        ],
      },
      Grants: [
        { GrantId: 'g-ddb', GranteePrincipal: 'dynamodb.us-east-1.amazonaws.com', Operations: ['Decrypt'], IssuingAccount: 'arn:aws:iam::111122223333:root' },
      ],
    }),
    'snap.json',
  );
const decrypt = (deny: Record<string, unknown>) =>
  new Evaluator(snapshot(deny)).evaluate({ action: 'kms:Decrypt', principal: 'dynamodb.us-east-1.amazonaws.com', keyArn: ARN });

describe('aws:PrincipalIsAWSService in a Deny', () => {
  it('kept the Deny from applying: allowed by the grant, with the caveat', () => {
    const d = decrypt({ Bool: { 'aws:PrincipalIsAWSService': 'false' } });
    expect([d.decision, d.decidedBy]).toEqual(['allow', 'grant']);
    expect(d.assumptions).toContain('principalIsAwsService');
  });

  it('a Deny that does not read it brings no caveat', () => {
    const d = decrypt({ StringEquals: { 'aws:SourceVpc': 'vpc-1' } });
    expect(d.decision).toBe('allow');
    expect(d.assumptions).not.toContain('principalIsAwsService');
  });
});
