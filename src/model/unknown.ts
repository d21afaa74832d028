/**
 * An input that could not be read. The evaluator never guesses its content: a verdict that
 * would change if it said otherwise becomes `unknown`.
 */
export interface UnknownInput {
  unknown: true;
  /** Which input, e.g. "identity policies of arn:aws:iam::111122223333:role/app". */
  what: string;
  /** Why it could not be read, e.g. "AccessDenied on iam:ListRolePolicies". */
  reason: string;
  /** The permission kms-why lacked, when that is the cause. */
  neededPermission?: string;
}

export type Unknowable<T> = T | UnknownInput;

export function isUnknown<T>(value: Unknowable<T>): value is UnknownInput {
  return typeof value === 'object' && value !== null && (value as UnknownInput).unknown === true;
}

export function unknownInput(what: string, reason: string, neededPermission?: string): UnknownInput {
  return neededPermission === undefined ? { unknown: true, what, reason } : { unknown: true, what, reason, neededPermission };
}

/**
 * The input that is a principal's identity policies, by name: the sources name it so when they read
 * it, and the evaluator when the snapshot has no entry for the caller (an input record's words, like
 * every `what`, are part of the snapshot and report contracts).
 */
export function identityPoliciesWhat(arn: string): string {
  return `identity policies of ${arn}`;
}

/** The identity policies of a caller the snapshot has no entry for. */
export function principalNotInSnapshot(arn: string): UnknownInput {
  return unknownInput(identityPoliciesWhat(arn), 'the principal is not in the snapshot');
}

/**
 * The SCPs (RCPs) of a member account that the snapshot's organization gives none for, while it
 * gives them for other accounts.
 */
export function memberOrgPoliciesMissing(kind: 'scp' | 'rcp', account: string): UnknownInput {
  const upper = kind.toUpperCase();
  const field = kind === 'scp' ? 'ServiceControlPolicies' : 'ResourceControlPolicies';
  return unknownInput(
    `the ${upper} hierarchy of account ${account}`,
    `the snapshot's Organization has ${account} as a member account and gives ${upper}s for other accounts but none for it; add its hierarchy under Organization.${field}, or give --${kind}-file`,
  );
}

/**
 * The path of a role whose session has an entry in the snapshot but the role none: a session ARN
 * leaves the path out, and aws:PrincipalArn of a session is the role ARN with it.
 */
export function rolePathNotInSnapshot(roleArn: string): UnknownInput {
  return unknownInput(
    `path of ${roleArn} (aws:PrincipalArn of its sessions)`,
    "the snapshot has an entry for the session but none for its role, and a session ARN leaves the role's path out; add the role's entry under its ARN as get-role returns it",
  );
}

/**
 * Whether a grant created less than about five minutes before the request (or after it) is in
 * effect: a new grant takes effect after a brief delay, and until then only requests that present
 * its grant token can use it (KMS "Eventual consistency", "Using a grant token"). `others`: the
 * grants whose tokens the request presents instead (the snapshot records them).
 */
export function newGrantInEffect(grantId: string, creationDate: string, at: string, createdAfter: boolean, others: readonly string[] = []): UnknownInput {
  const presented =
    others.length === 0
      ? ''
      : `; the grant token${others.length === 1 ? '' : 's'} the request presents ${others.length === 1 ? 'is' : 'are'} grant ${others.join(', ')}'s, not its`;
  return unknownInput(
    `whether grant ${grantId} is in effect yet`,
    createdAfter
      ? `it was created at ${creationDate}, after the request time ${at}; give an --at at least five minutes after its creation`
      : `it was created at ${creationDate}, less than five minutes before the request time ${at}, and a new grant may take that long to take effect (until then only its grant token makes it usable)${presented}: pass the token CreateGrant returned with --grant-token, or give an --at at least five minutes after its creation`,
  );
}
