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
