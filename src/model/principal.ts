import type { Policy } from './policy.js';
import type { Unknowable } from './unknown.js';

export type PrincipalKind =
  | 'user'
  | 'role'
  | 'assumed-role'
  | 'federated-user'
  | 'root'
  | 'service'
  | 'unique-id';

/** A principal ARN taken apart. */
export interface PrincipalRef {
  /** As given. */
  arn: string;
  kind: PrincipalKind;
  partition: string;
  /** Empty for service principals. */
  account: string;
  /** User, role or federated-user name; the service name for service principals. */
  name: string;
  /** IAM path for users and roles (`/` when none); sessions have none. */
  path?: string;
  /** For assumed-role sessions: the role name and the session name. */
  roleName?: string;
  sessionName?: string;
}

/** The caller's side: its identity policies and the policies that bound them. */
export interface PrincipalPolicies {
  /** Inline and managed policies, including those of the user's groups. */
  identityPolicies: Unknowable<Policy[]>;
  /** `null` when the principal has none. */
  permissionsBoundary: Unknowable<Policy | null>;
  /** Session policies passed when the session was created; empty when none. */
  sessionPolicies: Unknowable<Policy[]>;
  /** Principal tags (role/user tags and session tags). */
  tags: Unknowable<Record<string, string>>;
  /** The role's or user's ARN with its path, when known (for aws:PrincipalArn). */
  resolvedArn?: string;
  /** The role's or user's unique id (AROA…, AIDA…), when known (for aws:userid). */
  uniqueId?: string;
}
