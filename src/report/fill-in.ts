// Names kms-why writes into a command for the user to replace (a placeholder, not an entity of the
// account): `--redact` leaves them as they are, so that one is never mistaken for a redacted name.
import { FILL_IN_ROLE_PATH, hasRolePathToFillIn } from '../model/arn.js';

export { FILL_IN_ROLE_PATH };

/** The role a `lambda` fix command switches the function to for a moment (lambda-phrases.ts). */
export const FILL_IN_ROLE = 'TEMPORARY_ROLE';

/**
 * What to write for FILL_IN_ROLE_PATH in a role ARN that has it (a sentence), or '' for one that
 * has not: a session ARN leaves its role's path out, and a policy names the role by its ARN with
 * the path [IAM identifiers: IAM ARNs].
 */
export function rolePathToFillIn(roleArn: string): string {
  if (!hasRolePathToFillIn(roleArn)) return '';
  const name = roleArn.slice(roleArn.indexOf(`:role/${FILL_IN_ROLE_PATH}/`) + `:role/${FILL_IN_ROLE_PATH}/`.length);
  return `${FILL_IN_ROLE_PATH} stands for the path of role ${name}, which the inputs do not give (a session ARN leaves it out): use the ARN that aws iam get-role --role-name ${name} --query Role.Arn prints (for a role at path /, drop "${FILL_IN_ROLE_PATH}/").`;
}
