// Policies as plain data, normalized from the JSON that AWS stores (see sources/policy-document.ts).

export type Effect = 'Allow' | 'Deny';

/** Where a policy came from. Closed, so that renderers can switch over every source. */
export type PolicySource = 'key-policy' | 'identity-policy' | 'permissions-boundary' | 'session-policy' | 'scp' | 'rcp';

/** The Principal or NotPrincipal element, with every form AWS accepts spread out by kind. */
export interface PrincipalElement {
  /** `"*"` or `{"AWS": "*"}`: everyone. */
  wildcard: boolean;
  /** AWS principals as written: account ids, root ARNs, user/role/session ARNs, unique ids. */
  aws: string[];
  service: string[];
  federated: string[];
  canonicalUser: string[];
}

/** One value of a Condition block: `"Operator": { "key": [values] }`. */
export interface ConditionClause {
  /** The operator as written, e.g. `ForAnyValue:StringEqualsIfExists`. */
  operator: string;
  /** The condition key as written (case preserved for display; matched case-insensitively). */
  key: string;
  /** Values as strings (booleans and numbers in the JSON are turned into their string form). */
  values: string[];
}

export interface Statement {
  /** Position in the policy's Statement array (0-based); used when there is no Sid. */
  index: number;
  sid?: string;
  effect: Effect;
  principal?: PrincipalElement;
  notPrincipal?: PrincipalElement;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  condition: ConditionClause[];
  /** The statement exactly as it was written, for excerpts in reports. */
  raw: unknown;
}

export interface Policy {
  source: PolicySource;
  /** PolicyName, "key policy", an SCP name … */
  name: string;
  arn?: string;
  version?: string;
  id?: string;
  statements: Statement[];
  /** Where the policy was read from (file and JSON path, or AWS call), for messages. */
  origin?: string;
}
