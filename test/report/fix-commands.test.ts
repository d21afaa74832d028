// The AWS CLI commands of each --fix change, with the `#` lines that say what to edit by hand.
import { describe, expect, it } from 'vitest';
import type { FixChange, PolicyPlace } from '../../src/analyses/fix.js';
import type { PolicySource } from '../../src/model/policy.js';
import { changeCommands, proposalCommands } from '../../src/report/fix-commands.js';
import { FILL_IN_ROLE } from '../../src/report/fill-in.js';
import { Redactor } from '../../src/report/redact.js';
import type { Grant } from '../../src/model/grant.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROLE = 'arn:aws:iam::111122223333:role/app';
const USER = 'arn:aws:iam::111122223333:user/alice';
const SESSION = 'arn:aws:sts::111122223333:assumed-role/app/s1';

const remove = (source: PolicySource, where: PolicyPlace, policyArn?: string): FixChange => ({
  kind: 'remove-statement',
  source,
  policyName: where.kind === 'key-policy' ? 'default' : where.policyName,
  ...(policyArn ? { policyArn } : {}),
  where,
  statementId: 'DenyX',
  statement: {},
  slot: { type: 'key', keyIndex: 0 },
  statementIndex: 0,
});

describe('fix commands', () => {
  it('a key policy: download, edit, put back', () => {
    expect(changeCommands({ kind: 'add-key-policy-statement', keyArn: KEY, statement: { Sid: 'AllowDecrypt' } })).toEqual([
      `aws kms get-key-policy --key-id ${KEY} --policy-name default --query Policy --output text > key-policy.json`,
      '# add the statement "AllowDecrypt" to "Statement" in key-policy.json, then:',
      `aws kms put-key-policy --key-id ${KEY} --policy-name default --policy file://key-policy.json`,
    ]);
    expect(changeCommands(remove('key-policy', { kind: 'key-policy', keyArn: KEY }))[1]).toBe('# remove the statement "DenyX" in key-policy.json, then:');
  });

  it('an identity policy: managed (a new default version) or inline (of the role, the session’s role, or the user)', () => {
    const arn = 'arn:aws:iam::111122223333:policy/DenyKms';
    expect(
      changeCommands({
        ...remove('identity-policy', { kind: 'identity-policy', policyName: 'DenyKms', principal: ROLE }, arn),
        kind: 'replace-statement',
        before: {},
        after: {},
      } as FixChange),
    ).toEqual([
      `aws iam get-policy-version --policy-arn ${arn} --version-id $(aws iam get-policy --policy-arn ${arn} --query Policy.DefaultVersionId --output text) --query PolicyVersion.Document > policy.json`,
      '# replace the statement "DenyX" with the one shown in policy.json, then:',
      `aws iam create-policy-version --policy-arn ${arn} --policy-document file://policy.json --set-as-default`,
    ]);
    expect(changeCommands(remove('identity-policy', { kind: 'identity-policy', policyName: 'my policy', principal: SESSION }))).toEqual([
      "aws iam get-role-policy --role-name app --policy-name 'my policy' --query PolicyDocument > policy.json",
      '# remove the statement "DenyX" in policy.json, then:',
      "aws iam put-role-policy --role-name app --policy-name 'my policy' --policy-document file://policy.json",
    ]);
    expect(changeCommands(remove('identity-policy', { kind: 'identity-policy', policyName: 'P', principal: USER }))[0]).toBe(
      'aws iam get-user-policy --user-name alice --policy-name P --query PolicyDocument > policy.json',
    );
    expect(
      changeCommands({ kind: 'add-identity-policy', principalArn: USER, principalKind: 'user', policyName: 'kms-decrypt-1234abcd', document: {} }),
    ).toEqual(['aws iam put-user-policy --user-name alice --policy-name kms-decrypt-1234abcd --policy-document file://kms-decrypt-1234abcd.json']);
  });

  it('a permissions boundary, an organization policy and a session policy', () => {
    expect(changeCommands({ kind: 'add-boundary-statement', principalArn: ROLE, policyName: 'Boundary', statement: { Sid: 'AllowDecryptOnKey' } })).toEqual([
      'aws iam get-role-policy --role-name app --policy-name Boundary --query PolicyDocument > policy.json',
      '# add the statement "AllowDecryptOnKey" to "Statement" in policy.json, then:',
      'aws iam put-role-policy --role-name app --policy-name Boundary --policy-document file://policy.json',
    ]);
    const scp: PolicyPlace = { kind: 'organization-policy', level: 'scp', policyName: 'DenyKms', target: 'r-abcd', account: '111122223333' };
    expect(changeCommands(remove('scp', scp, 'arn:aws:organizations::111122223333:policy/o-abc/service_control_policy/p-12345678'))).toEqual([
      'aws organizations describe-policy --policy-id p-12345678 --query Policy.Content --output text > policy.json',
      '# remove the statement "DenyX" in policy.json, then:',
      'aws organizations update-policy --policy-id p-12345678 --content file://policy.json',
    ]);
    expect(changeCommands(remove('rcp', { ...scp, level: 'rcp' }))[0]).toBe(
      'aws organizations describe-policy --policy-id POLICY_ID --query Policy.Content --output text > policy.json',
    );
    expect(changeCommands(remove('session-policy', { kind: 'session-policy', policyName: 'S', principal: SESSION }))).toEqual([
      '# remove the statement "DenyX" in the session policy passed to sts assume-role (--policy) when the session is created',
    ]);
  });

  it('the key state, and a proposal of several changes in order', () => {
    expect(
      proposalCommands({
        changes: [
          { kind: 'enable-key', keyArn: KEY, keyState: 'PendingDeletion' },
          { kind: 'enable-key', keyArn: KEY, keyState: 'Disabled' },
        ],
      }),
    ).toEqual([`aws kms cancel-key-deletion --key-id ${KEY}`, `aws kms enable-key --key-id ${KEY}`, `aws kms enable-key --key-id ${KEY}`]);
  });
});

describe('the Lambda grant recreation', () => {
  it('switches to the role the user fills in (FILL_IN_ROLE), which --redact keeps as written', () => {
    const change: FixChange = {
      kind: 'recreate-lambda-grant',
      keyArn: KEY,
      functionName: 'orders-fn',
      functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:orders-fn',
      roleArn: ROLE,
      grant: { grantId: 'g1', keyArn: KEY, granteePrincipal: SESSION, operations: ['Decrypt'], state: 'active' } as unknown as Grant,
    };
    const cmds = changeCommands(change);
    expect(cmds[0]).toBe(`aws lambda update-function-configuration --function-name orders-fn --role arn:aws:iam::111122223333:role/${FILL_IN_ROLE}`);
    const red = new Redactor().text(cmds.join('\n'));
    expect(red).toContain(`:role/${FILL_IN_ROLE}\n`);
    // The function's own role, on the line beside it, is redacted.
    expect(red).not.toContain(ROLE);
  });
});
