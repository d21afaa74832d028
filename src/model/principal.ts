import type { Policy } from './policy.js';
import type { Unknowable, UnknownInput } from './unknown.js';

interface PrincipalBase {
  /** As given. */
  arn: string;
  partition: string;
  /** Empty for service principals and unique ids. */
  account: string;
  /** User, role or federated-user name; the role name for sessions; the service name for service principals. */
  name: string;
  // Absent on every kind but the one that has it (so `p.roleName` reads as undefined on the others).
  path?: undefined;
  roleName?: undefined;
  sessionName?: undefined;
}

/** An IAM role or user: `arn:aws:iam::111122223333:role/path/name`. */
export interface IamPrincipal extends Omit<PrincipalBase, 'path'> {
  kind: 'role' | 'user';
  /** IAM path (`/` when none). */
  path: string;
}

export interface RolePrincipal extends IamPrincipal {
  kind: 'role';
}

export interface UserPrincipal extends IamPrincipal {
  kind: 'user';
}

/** A role session: `arn:aws:sts::111122223333:assumed-role/role/session` (no path: session ARNs do not carry it). */
export interface SessionPrincipal extends Omit<PrincipalBase, 'roleName' | 'sessionName'> {
  kind: 'assumed-role';
  roleName: string;
  sessionName: string;
}

export interface FederatedUserPrincipal extends PrincipalBase {
  kind: 'federated-user';
}

/** An account: `arn:aws:iam::111122223333:root` or the bare account id. */
export interface RootPrincipal extends PrincipalBase {
  kind: 'root';
}

/** A service principal, e.g. `lambda.amazonaws.com`. */
export interface ServicePrincipal extends PrincipalBase {
  kind: 'service';
}

/** An IAM unique id (AROA…, AIDA…) as a grant or policy may hold it. */
export interface UniqueIdPrincipal extends PrincipalBase {
  kind: 'unique-id';
}

/** A principal ARN taken apart, by kind. */
export type PrincipalRef = RolePrincipal | UserPrincipal | SessionPrincipal | FederatedUserPrincipal | RootPrincipal | ServicePrincipal | UniqueIdPrincipal;

export type PrincipalKind = PrincipalRef['kind'];

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
  /**
   * Set when nothing said what the principal's tags are (a snapshot entry without `Tags`): `tags`
   * is then empty and aws:PrincipalTag conditions are unknown where one is read, as aws:ResourceTag
   * is for a key without tags (Key.tagsAbsent); unlike unknown `tags`, a verdict no such condition
   * decides does not list it.
   */
  tagsAbsent?: UnknownInput;
  /**
   * The role's or user's ARN with its path, when known (for aws:PrincipalArn); on a role
   * session's entry, its role's ARN with the path.
   */
  resolvedArn?: string;
  /** The role's or user's unique id (AROA…, AIDA…), when known (for aws:userid). */
  uniqueId?: string;
}
