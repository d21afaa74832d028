// The sentences of `kms-why lambda FUNCTION`: src/analyses/lambda.ts returns its traps, fixes and
// notes as data (closed unions of kinds), and these phrase each kind with the function's name,
// role and ARN, and build the AWS CLI commands of a fix. Every switch is exhaustive: a new kind
// fails to compile until it is given its words here.
import { FILL_IN_ROLE } from './fill-in.js';
import type { Fix, LambdaFunction, LambdaNote, Trap } from '../analyses/lambda.js';
import { unreachable } from './unreachable.js';

/** A trap in one or two sentences. */
export function trapText(t: Trap, fn: LambdaFunction): string {
  switch (t.id) {
    case 'no-environment':
      return `${fn.name} has no environment variables: the runtime does not call Decrypt at init.`;
    case 'key-not-usable':
      return `the key ${t.keyArn} is ${t.state === 'disabled' ? 'disabled' : 'pending deletion'}: Decrypt fails whatever the grants say.`;
    case 'orphaned-grantee':
      return `grant ${t.grantId} names ${t.grantee}, the unique id of a deleted role: the execution role was deleted and recreated, and the new role (same name, new id) does not match it (docs/semantics.md#grant-session-match).`;
    case 'session-name-mismatch':
      return `grant ${t.grantId} is for session "${t.session}" of ${fn.roleName}, but the runtime decrypts as session "${fn.name}".`;
    case 'function-arn-mismatch':
      return `grant ${t.grantId} is for function ARN ${t.functionArn}, not ${fn.arn}: the function was renamed or recreated.`;
    case 'managed-key-via-service':
      return "alias/aws/lambda's key policy allows use only through Lambda (kms:ViaService); the runtime's own Decrypt does not come through Lambda, so only the grant can allow it (docs/semantics.md#lambda-environment-variables).";
    case 'grant-missing':
      return `no grant on the key is for ${t.session} with encryption context aws:lambda:FunctionArn=${fn.arn}: the grant Lambda created for ${fn.name} has been retired or revoked (or was never created), and neither the key policy nor IAM allows the runtime's Decrypt. That is why the function cannot decrypt its environment variables.`;
    default:
      return unreachable(t);
  }
}

/** A fix's title: what to do, and what to know before doing it. */
export function fixTitleText(f: Fix, fn: LambdaFunction): string {
  switch (f.kind) {
    case 'recreate-grant':
      return 'Let Lambda create the grant again: switch the function to another role and back (AWS Knowledge Center). The identity running these needs kms:CreateGrant and kms:Encrypt on the key.';
    case 'key-policy-statement':
      return "Or add this statement to the key policy. Key policies store the role's unique id: if the role is deleted and recreated, save the policy again.";
    case 'iam-statement':
      return `Or attach this identity policy to ${f.roleArn} (the key policy already delegates kms:Decrypt to account ${fn.account}).`;
    default:
      return unreachable(f);
  }
}

/** What else a fix allows, after "It also allows: ". */
export function fixAlsoAllowsText(f: Fix, fn: LambdaFunction): string {
  switch (f.kind) {
    case 'recreate-grant':
      return "nothing else — the grant covers only this function's Decrypt with its own encryption context";
    case 'key-policy-statement':
      return `every session of ${fn.roleName} (not only the function's) to Decrypt data whose context names ${fn.name}`;
    case 'iam-statement':
      return `every session of ${fn.roleName} to Decrypt data whose context names ${fn.name}`;
    default:
      return unreachable(f);
  }
}

/** The AWS CLI commands that make a fix, or undefined when the fix is JSON to add by hand. */
export function fixCommands(f: Fix, fn: LambdaFunction): string[] | undefined {
  switch (f.kind) {
    case 'recreate-grant':
      // Switching the role away and back makes Lambda create the grant again.
      return [
        `aws lambda update-function-configuration --function-name ${fn.name} --role arn:${fn.partition}:iam::${fn.account}:role/${FILL_IN_ROLE}`,
        `aws lambda wait function-updated --function-name ${fn.name}`,
        `aws lambda update-function-configuration --function-name ${fn.name} --role ${fn.roleArn}`,
      ];
    case 'key-policy-statement':
    case 'iam-statement':
      return undefined;
    default:
      return unreachable(f);
  }
}

/** A note on what was assumed about Lambda. */
export function lambdaNoteText(n: LambdaNote): string {
  switch (n.kind) {
    case 'runtime-flow':
      return 'The runtime decrypts at init as the execution-role session named after the function, with encryption context aws:lambda:FunctionArn and no kms:ViaService (docs/semantics.md#lambda-environment-variables).';
    case 'grant-model':
      return 'AWS does not document the grant Lambda creates; kms-why expects grantee = that session, operations Decrypt and RetireGrant, EncryptionContextEquals on aws:lambda:FunctionArn, retiring principal lambda.<region>.amazonaws.com or the session (docs/semantics.md#lambda-environment-variables).';
    case 'unqualified-arn':
      return `Evaluated with the unqualified function ARN ${n.functionArn} in the encryption context (the qualifier does not appear in it).`;
    default:
      return unreachable(n);
  }
}

/** A trap as `--output json` shows it: its id, the grant it is about, and its sentence. */
export function trapView(t: Trap, fn: LambdaFunction): { id: Trap['id']; grantId?: string; message: string } {
  return { id: t.id, ...('grantId' in t ? { grantId: t.grantId } : {}), message: trapText(t, fn) };
}

/** A fix as `--output json` shows it: kind, title, commands (if any), JSON, verified, what else it allows. */
export function fixView(f: Fix, fn: LambdaFunction): Record<string, unknown> {
  const commands = fixCommands(f, fn);
  return {
    kind: f.kind,
    title: fixTitleText(f, fn),
    ...(commands !== undefined ? { commands } : {}),
    json: f.json,
    verified: f.verified,
    alsoAllows: fixAlsoAllowsText(f, fn),
  };
}
