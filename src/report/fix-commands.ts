// The AWS CLI commands that make a --fix change (files named in them hold the JSON shown), with
// the `#` lines that say what to edit by hand. Built from the typed changes of src/analyses/fix.ts.
import type { FixChange, FixProposal, PolicyPlace } from '../analyses/fix.js';
import { parseArn, parsePrincipal } from '../model/arn.js';
import type { PolicySource } from '../model/policy.js';
import { FILL_IN_ROLE } from './fill-in.js';
import { unreachable } from './unreachable.js';

/** A word for the shell: as it is when it needs no quoting, else single-quoted. */
function shq(s: string): string {
  return /^[A-Za-z0-9_\-.,:/=@%+]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The edit to make by hand in the downloaded policy. */
type PolicyEdit = { kind: 'add'; sid: string } | { kind: 'remove'; statementId: string } | { kind: 'replace'; statementId: string };

function editText(e: PolicyEdit): string {
  switch (e.kind) {
    case 'add':
      return `add the statement "${e.sid}" to "Statement"`;
    case 'remove':
      return `remove the statement "${e.statementId}"`;
    case 'replace':
      return `replace the statement "${e.statementId}" with the one shown`;
    default:
      return unreachable(e);
  }
}

/** The policy to change: its kind, name and ARN (a managed policy), the key (a key policy) or the principal it is attached to. */
interface PolicyTarget {
  source: PolicySource;
  policyName: string;
  policyArn: string | undefined;
  keyArn?: string;
  owner?: string;
}

function policyCommands(t: PolicyTarget, edit: PolicyEdit): string[] {
  const what = editText(edit);
  switch (t.source) {
    case 'key-policy':
      return [
        `aws kms get-key-policy --key-id ${t.keyArn} --policy-name default --query Policy --output text > key-policy.json`,
        `# ${what} in key-policy.json, then:`,
        `aws kms put-key-policy --key-id ${t.keyArn} --policy-name default --policy file://key-policy.json`,
      ];
    case 'identity-policy':
    case 'permissions-boundary': {
      if (t.policyArn !== undefined) {
        return [
          `aws iam get-policy-version --policy-arn ${t.policyArn} --version-id $(aws iam get-policy --policy-arn ${t.policyArn} --query Policy.DefaultVersionId --output text) --query PolicyVersion.Document > policy.json`,
          `# ${what} in policy.json, then:`,
          `aws iam create-policy-version --policy-arn ${t.policyArn} --policy-document file://policy.json --set-as-default`,
        ];
      }
      const owner = t.owner !== undefined ? parsePrincipal(t.owner) : null;
      const kind = owner?.kind === 'user' ? 'user' : 'role';
      const name = owner?.kind === 'assumed-role' ? owner.roleName : (owner?.name ?? 'NAME');
      return [
        `aws iam get-${kind}-policy --${kind}-name ${shq(name)} --policy-name ${shq(t.policyName)} --query PolicyDocument > policy.json`,
        `# ${what} in policy.json, then:`,
        `aws iam put-${kind}-policy --${kind}-name ${shq(name)} --policy-name ${shq(t.policyName)} --policy-document file://policy.json`,
      ];
    }
    case 'scp':
    case 'rcp':
      return [
        `aws organizations describe-policy --policy-id ${t.policyArn ? t.policyArn.replace(/^.*\//, '') : 'POLICY_ID'} --query Policy.Content --output text > policy.json`,
        `# ${what} in policy.json, then:`,
        `aws organizations update-policy --policy-id ${t.policyArn ? t.policyArn.replace(/^.*\//, '') : 'POLICY_ID'} --content file://policy.json`,
      ];
    case 'session-policy':
      return [`# ${what} in the session policy passed to sts assume-role (--policy) when the session is created`];
    default:
      return unreachable(t.source);
  }
}

/** The key or principal a policy place belongs to. */
function placeTarget(p: PolicyPlace): { keyArn?: string; owner?: string } {
  switch (p.kind) {
    case 'key-policy':
      return { keyArn: p.keyArn };
    case 'identity-policy':
    case 'permissions-boundary':
    case 'session-policy':
      return { owner: p.principal };
    case 'organization-policy':
      return {};
    default:
      return unreachable(p);
  }
}

/** The commands that make one change. */
export function changeCommands(c: FixChange): string[] {
  switch (c.kind) {
    case 'add-key-policy-statement':
      return policyCommands(
        { source: 'key-policy', policyName: 'default', policyArn: undefined, keyArn: c.keyArn },
        { kind: 'add', sid: String(c.statement.Sid) },
      );
    case 'add-identity-policy': {
      const p = parsePrincipal(c.principalArn);
      const name = p?.kind === 'assumed-role' ? p.roleName : (p?.name ?? 'NAME');
      return [
        `aws iam put-${c.principalKind}-policy --${c.principalKind}-name ${shq(name)} --policy-name ${shq(c.policyName)} --policy-document file://${c.policyName}.json`,
      ];
    }
    case 'add-boundary-statement':
      return policyCommands(
        { source: 'permissions-boundary', policyName: c.policyName, policyArn: c.policyArn, owner: c.principalArn },
        { kind: 'add', sid: String(c.statement.Sid) },
      );
    case 'remove-statement':
      return policyCommands(
        { source: c.source, policyName: c.policyName, policyArn: c.policyArn, ...placeTarget(c.where) },
        { kind: 'remove', statementId: c.statementId },
      );
    case 'replace-statement':
      return policyCommands(
        { source: c.source, policyName: c.policyName, policyArn: c.policyArn, ...placeTarget(c.where) },
        { kind: 'replace', statementId: c.statementId },
      );
    case 'recreate-lambda-grant':
      return [
        `aws lambda update-function-configuration --function-name ${shq(c.functionName)} --role arn:aws:iam::${parseArn(c.roleArn)?.account ?? 'ACCOUNT'}:role/${FILL_IN_ROLE}`,
        `aws lambda wait function-updated --function-name ${shq(c.functionName)}`,
        `aws lambda update-function-configuration --function-name ${shq(c.functionName)} --role ${c.roleArn}`,
        `aws lambda wait function-updated --function-name ${shq(c.functionName)}`,
      ];
    case 'enable-key':
      return c.keyState === 'PendingDeletion'
        ? [`aws kms cancel-key-deletion --key-id ${c.keyArn}`, `aws kms enable-key --key-id ${c.keyArn}`]
        : [`aws kms enable-key --key-id ${c.keyArn}`];
    case 'name-key-by':
      return [`# send the request with --key-id ${c.identifier} (not ${c.keyIdentifier})`];
    default:
      return unreachable(c);
  }
}

/** The commands that make every change of a proposal, in order. */
export function proposalCommands(p: Pick<FixProposal, 'changes'>): string[] {
  return p.changes.flatMap(changeCommands);
}
