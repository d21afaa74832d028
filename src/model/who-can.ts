// The result of `kms-why who-can`, as plain data: built by analyses/who-can.ts, rendered by
// report/who-can.ts, read back from a JSON report by sources/who-can-report.ts.
import type { ActionInfo } from './actions.js';
import type { AssumptionId, DecidedBy, HintNote, OrgPoliciesNotGiven, ReasonSource } from './decision.js';
import type { Effect } from './policy.js';

/** The version of the who-can JSON report (`kmsWhyWhoCan`). */
export const WHO_CAN_REPORT_VERSION = 1;

/** `deny` is represented by the absence of an entry (null). */
export type Access = 'allow' | 'conditional' | 'unknown';

export interface ReasonRef {
  source: ReasonSource;
  /** Sid, PolicyName#index, or GrantId. */
  id: string;
  effect: Effect;
  policyName?: string;
}

/**
 * A condition that guards conditional access. Conditions of one statement or grant (same source
 * and id) must all hold; different statements or grants are alternatives. `effect: "Deny"` marks
 * the condition of an explicit Deny that the request must avoid.
 */
export interface GuardCondition {
  source: ReasonSource;
  id: string;
  effect: Effect;
  /** A condition operator, or for grants `EncryptionContextEquals`, `EncryptionContextSubset`, `SourceArn`. */
  operator: string;
  key: string;
  values: string[];
}

/** A request context with which the evaluator allows the request (a concrete example). */
export interface Witness {
  encryptionContext?: Record<string, string>;
  viaService?: string;
  /** The KeyId sent (an alias, for kms:RequestAlias conditions). */
  keyIdentifier?: string;
  encryptionAlgorithm?: string;
  grantIsForAwsResource?: boolean;
  context?: Record<string, string>;
}

export interface AccessEntry {
  access: Access;
  /** What decided: for conditional access, what decided under the witness request. */
  decidedBy: DecidedBy;
  reasons: ReasonRef[];
  conditions?: GuardCondition[];
  witness?: Witness;
  /**
   * For access through a grant: the assumptions it rests on (docs/semantics.md#assumptions), as
   * `check` lists them for the same caller. An answer is shared only by callers for whom these are
   * the same (who-can shares answers between callers of one kind, account and set of boundary and
   * session policies, never with a principal a grant names).
   */
  assumptions?: AssumptionId[];
  /** For unknown access: the inputs that could not be read ("what: reason"). */
  unreadable?: string[];
  /**
   * For unknown access that no unreadable input explains: what the verdict depends on that a
   * who-can request does not carry, as the evaluator's notes (a condition key kms-why cannot
   * derive, such as aws:SourceIp; a further permission on a resource the request does not name,
   * such as UpdatePrimaryRegion's replica key). report/who-can.ts phrases them.
   */
  dependsOn?: HintNote[];
  /** For such unknown access: the condition keys the verdict depends on that kms-why cannot derive (the evaluator's missingContext). */
  missingContext?: string[];
  /**
   * For such unknown access read back from a who-can JSON report (sources/who-can-report.ts): its
   * `unknownBecause`, the notes already in words (a report keeps no notes as facts).
   */
  unknownBecause?: string;
}

export type PrincipalOrigin = 'iam' | 'account-root' | 'key-policy' | 'grantee' | 'public';
export type WhoCanPrincipalKind = 'role' | 'user' | 'role-session' | 'federated-user' | 'account-root' | 'service' | 'public';

export interface WhoCanPrincipal {
  /** The ARN evaluated (a role ARN is evaluated as one of its sessions); `*` for public access. */
  arn: string;
  kind: WhoCanPrincipalKind;
  account?: string;
  /** In another account than the key. */
  external: boolean;
  /** Why it was considered. */
  origins: PrincipalOrigin[];
  /** The ARN with its IAM path, when it has one. */
  arnWithPath?: string;
}

export interface PublicStatement {
  id: string;
  notPrincipal: boolean;
  actions: string[];
  conditions: GuardCondition[];
}

export interface KeyWhoCan {
  keyArn: string;
  aliases: string[];
  account: string;
  keyState: string;
  keyManager: string;
  /** The actions evaluated, in order. */
  actions: ActionInfo[];
  /** Per action (same order): the error an authorized request still gets (key state or usage). */
  keyStateErrors: Array<string | undefined>;
  /** The alias that CreateAlias/UpdateAlias/DeleteAlias were evaluated on. */
  aliasForAliasActions?: string;
  principals: WhoCanPrincipal[];
  /** access[principal][action]: the entry, or null for deny. Rows and entries may be shared. */
  access: Array<Array<AccessEntry | null>>;
  publicStatements: PublicStatement[];
  notes: string[];
  /** Principal values that were not evaluated, and why. */
  skipped: Array<{ principal: string; why: string }>;
  /**
   * Why some principals may be missing from `principals`: an input that would have named them
   * could not be read (the key policy or the grants: any principal; an account's IAM: its roles
   * and users, `account`). A principal that is not listed is then not known to be denied.
   */
  unlisted?: UnlistedPrincipals[];
  /**
   * The SCPs and RCPs no input gives (kms-why evaluated none) that would restrict some access this
   * key's answers show (allow or conditional): that access holds only if they allow it too.
   */
  orgPoliciesNotGiven?: OrgPoliciesNotGiven[];
}

/** Principals a who-can answer may have left out, and why (KeyWhoCan.unlisted). */
export interface UnlistedPrincipals {
  /** Only principals of this account; absent: any principal. */
  account?: string;
  why: string;
}

/**
 * What a who-can report was limited to (`who-can --key`, `--principal`, `--action`); null: not
 * limited. A report without filters (one written before they were recorded) is unfiltered.
 */
export interface WhoCanFilters {
  /** --key values: only these keys (null: every customer managed key, --all-keys). */
  keys: string[] | null;
  /** --principal patterns: only principals matching one of them, and anyone ("*"). */
  principals: string[] | null;
  /** --action values (null: every action each key can do). */
  actions: string[] | null;
  /**
   * The report was written with --redact: `principals` shows the patterns redacted, and they were
   * matched against the real ARNs, so they cannot be matched again against the report's (redacted)
   * ARNs: the principals the report lists are the ones it evaluated.
   */
  redacted?: true;
}

export interface WhoCanStats {
  keys: number;
  /** (principal, key, action) triples answered, public `*` excluded. */
  decisions: number;
  /** Evaluator calls made, including the witness requests of conditional access. */
  evaluations: number;
  /** (principal, key) pairs answered from another ordinary principal's answers. */
  sharedPairs: number;
}

export interface WhoCanResult {
  capturedAt?: string;
  /** When the requests were made (WhoCanOptions.at): the request time every answer was evaluated at. */
  at?: string;
  /** What the report was limited to (read back from a report, or set by who-can --key/--principal/--action). */
  filters?: WhoCanFilters;
  keys: KeyWhoCan[];
  stats: WhoCanStats;
}
