// The decision as data: the JSON report contract (docs/snapshot.md and docs/report.md) plus the
// structured trace that makes a near miss explainable.
import type { ActionClass } from './actions.js';
import type { Effect, PolicySource } from './policy.js';
import type { UnknownInput } from './unknown.js';

export type Verdict = 'allow' | 'deny' | 'unknown';

/** The flowchart step that settled the verdict. */
export type DecidedBy =
  | 'explicit-deny'
  | 'key-policy'
  | 'key-policy-and-iam'
  | 'iam-policy'
  | 'grant'
  | 'implicit-deny'
  | 'scp'
  | 'rcp'
  | 'permissions-boundary'
  | 'session-policy'
  | 'key-state'
  | 'unknown';

export type ReasonSource = PolicySource | 'grant';

/** A statement or grant that decided the verdict. */
export interface Reason {
  source: ReasonSource;
  /** Sid, PolicyName#index, or GrantId. */
  id: string;
  effect: Effect;
  policyName?: string;
  statementIndex?: number;
  /** The statement or grant as written, for excerpts. */
  excerpt?: unknown;
}

// What stands in for a statement no input holds: these names reach the JSON report's reasons as
// written (its contract), so they are data here, not words the evaluator makes up.

/** The policy name of the account root user's implicit IAM permission (a reason with no statement). */
export const ROOT_USER_POLICY_NAME = '(the account root user has full IAM access)';

/** The Sid of the one statement that stands in for an unreadable policy, by the effect it is given. */
export const STAND_IN_SID: Readonly<Record<Effect, string>> = { Allow: '(if it allowed everything)', Deny: '(if it denied everything)' };

/** The name of the policy that stands in for an unreadable one (`what`: the input, as model/unknown.ts names it). */
export function standInPolicyName(what: string): string {
  return `(unreadable) ${what}`;
}

/**
 * The name of an underivable value that is not a condition key: the grant CreateGrant would create,
 * when the request does not describe it. No colon, so it is never listed as a missing context key;
 * src/report/phrases.ts names it.
 */
export const GRANT_TO_CREATE = '(grant to create)';

/** Why a statement or grant did not apply. Closed, so that renderers can explain each one. */
export type MismatchReason =
  | 'principal'
  | 'not-principal'
  | 'action'
  | 'not-action'
  | 'resource'
  | 'not-resource'
  | 'condition'
  | 'ineffective-statement'
  | 'grantee'
  | 'orphaned-grantee'
  | 'operation'
  | 'grant-state'
  | 'encryption-context'
  | 'source-arn'
  | 'grant-invalid'
  | 'grant-not-found'
  | 'child-grant';

/** One element of a statement: what was written, what it was compared with, and the result. */
export interface ElementMatch {
  written: string[];
  /** The request value it was compared with. */
  against: string;
  matched: boolean;
  /** How the principal matched: named, through its role, its account, or `*`. */
  via?: PrincipalMatchVia;
}

export type PrincipalMatchVia = 'wildcard' | 'account' | 'user' | 'role' | 'session' | 'service' | 'federated' | 'not-principal';

export interface ConditionMatch {
  operator: string;
  key: string;
  /** Values written in the policy (after policy-variable substitution). */
  expected: string[];
  /** Values in the request context; null when the key is absent. */
  actual: string[] | null;
  matched: boolean;
  /** The key was not in the request context. */
  missing: boolean;
  /** The key's value could not be read (e.g. principal tags were unreadable). */
  unknown?: boolean;
  note?: ConditionNote;
}

/**
 * Why a condition's value is not plain (src/report/phrases.ts has the words). `name`: the policy
 * variable concerned; absent, the condition's own key.
 */
export type ConditionNote =
  | { kind: 'unreadable'; name?: string }
  | { kind: 'underivable'; name?: string; supply: string }
  /** A policy variable in the condition has no value in the request. */
  | { kind: 'variable-no-value' }
  /** A kms:EncryptionContext key on an action whose requests carry no encryption context (GenerateMac, Sign …): it can never hold. */
  | { kind: 'no-encryption-context'; action: string };

/** Why a statement has no effect whatever the request: the element it lacks. */
export type IneffectiveReason = 'no-action' | 'no-resource' | 'no-principal';

export interface StatementMatch {
  source: PolicySource;
  policyName: string;
  /** Sid, or PolicyName#index. */
  id: string;
  statementIndex: number;
  effect: Effect;
  matched: boolean;
  /** The first element that failed. */
  failed?: MismatchReason;
  principal?: ElementMatch;
  action?: ElementMatch;
  resource?: ElementMatch;
  conditions: ConditionMatch[];
  note?: IneffectiveReason;
}

export interface GrantMatch {
  grantId: string;
  name?: string;
  granteePrincipal: string;
  operations: string[];
  matched: boolean;
  failed?: MismatchReason;
  detail: GrantDetail;
  /** For an encryption-context near miss: the context that would satisfy the constraint. */
  neededContext?: Record<string, string>;
}

/** The constraint a child grant needs to be at least as strict as its parent's. */
export type ChildConstraint = { kind: 'equals'; context: Record<string, string> } | { kind: 'subset'; context: Record<string, string> } | { kind: 'none' };

/** What a grant check found: why the grant applies, or why not (src/report/phrases.ts has the words). */
export type GrantDetail =
  /** The record of a grant a step is about, before anything is found (RetireGrant's target). */
  | { kind: 'none' }
  | { kind: 'gives'; grantId: string; principal: string; operation: string }
  /** The grantee is an account: its IAM principals need an IAM allow. */
  | { kind: 'gives-account'; grantId: string; account: string; operation: string }
  /** An account grant whose IAM side does not allow it: `blockedBy` limits the allow, else none exists. */
  | { kind: 'no-iam-side'; of: GrantDetail; blockedBy?: Limit }
  /** A usable grant a permissions boundary or session policy limits. */
  | { kind: 'limited'; of: GrantDetail; limit: Limit }
  | { kind: 'orphaned-grantee'; grantee: string }
  | { kind: 'other-grantee'; grantee: string; principal: string }
  /** `operation`: the grant operation wanted, or (none: `grantable` false) the action's short name. */
  | { kind: 'operation'; operations: string[]; operation: string; grantable: boolean }
  | { kind: 'retired' }
  /** Not yet consistent, and the request does not present its grant token (`otherToken`: it presents another's). */
  | { kind: 'pending'; otherToken?: boolean }
  | { kind: 'constraint-on-asymmetric'; keySpec: string }
  | { kind: 'context-exactly'; needed: Record<string, string>; given: Record<string, string> }
  | { kind: 'context-include'; needed: Record<string, string>; given: Record<string, string> }
  | { kind: 'source-arn'; sourceArn: string }
  /** CreateGrant through a parent grant, without the grant to create. */
  | { kind: 'child-unknown' }
  | { kind: 'child-operations'; parentGrantId: string; extra: string[] }
  | { kind: 'child-constraints'; parentGrantId: string; needs: ChildConstraint };

/**
 * A further permission a request needs, by what it is on (src/report/phrases.ts has the words):
 * UpdateAlias's key the alias points to now, ReplicateKey's kms:CreateKey and kms:TagResource,
 * UpdatePrimaryRegion's replica.
 */
export type PartWhat =
  | { kind: 'alias-current-key'; alias: string; keyArn?: string }
  | { kind: 'replica-create-key'; region?: string }
  | { kind: 'replica-tag'; replicaArn?: string }
  | { kind: 'replica-key'; keyArn?: string; region?: string };

/** What the inputs do not say about a further permission, and so how to supply it. */
export type PartGap =
  | { kind: 'alias-target-unknown'; alias: string }
  | { kind: 'replica-region-unknown' }
  | { kind: 'primary-region-unknown' }
  | { kind: 'replica-not-in-snapshot'; keyId: string; region: string; partition: string; account: string };

export type StepId =
  | 'action'
  | 'explicit-deny'
  | 'rcp'
  | 'scp'
  | 'cross-account'
  | 'key-policy'
  | 'account-delegation'
  | 'identity-policy'
  | 'permissions-boundary'
  | 'session-policy'
  | 'grant'
  | 'retire-grant'
  | 'alias'
  | 'key-state';

export type StepAnswer = 'yes' | 'no' | 'unknown' | 'not-applicable';

/** A condition match as the report contract carries it: its note in words. */
export interface ConditionMatchText extends Omit<ConditionMatch, 'note'> {
  note?: string;
}

/** A statement match as the report contract carries it: its note and its conditions' notes in words. */
export interface StatementMatchText extends Omit<StatementMatch, 'note' | 'conditions'> {
  conditions: ConditionMatchText[];
  note?: string;
}

/** A grant match as the report contract carries it: its detail in words. */
export interface GrantMatchText extends Omit<GrantMatch, 'detail'> {
  detail: string;
}

/** A trace step as the report contract carries it: its question and finding in words (src/report/phrases.ts). */
export interface TraceStep {
  step: StepId;
  question: string;
  answer: StepAnswer;
  detail: string;
  statements?: StatementMatchText[];
  grants?: GrantMatchText[];
}

/** What a trace step asks (src/report/phrases.ts has the words). */
export type TraceQuestion =
  | { kind: 'action-class'; action: string }
  | { kind: 'same-partition'; principal: string }
  | { kind: 'key-state'; keyState: string; keySpec: string; keyUsage: string; action: string }
  /** A caller in another account than the key's names it by `keyIdentifier` (a key id or alias name, or an alias ARN where only the key ARN will do). */
  | { kind: 'key-identifier'; keyIdentifier: string; callerAccount: string; keyAccount: string }
  | { kind: 'explicit-deny'; action: string }
  | { kind: 'rcp'; account: string; action: string }
  | { kind: 'scp'; account: string; action: string }
  /** An IAM-only action (or one on a key that does not exist yet): identity policies on `resource`. */
  | { kind: 'iam-only'; action: string; resource: string }
  | { kind: 'cross-account'; action: string }
  | { kind: 'key-policy-or-account'; principal: string; account: string }
  | { kind: 'iam-in-account'; account: string; action: string; keyArn: string }
  | { kind: 'key-policy'; principal: string; action: string }
  | { kind: 'limit'; limit: Limit; action: string }
  | { kind: 'account-delegation'; account: string; action: string }
  | { kind: 'iam-on-key'; principal: string; action: string; keyArn: string }
  | { kind: 'any-grant'; action: string }
  | { kind: 'grant'; principal: string; action: string }
  | { kind: 'alias'; action: string; alias?: string }
  | { kind: 'alias-key'; principal: string; action: string; keyArn: string }
  | { kind: 'which-grant' }
  | { kind: 'grant-exists'; grantId: string }
  | { kind: 'grant-current'; grantId: string }
  | { kind: 'may-retire'; principal: string; grantId: string }
  | { kind: 'issuer-iam'; account: string }
  /** A further permission whose resource the inputs cannot name. */
  | { kind: 'companion'; principal: string; action: string; what: PartWhat };

/** The grant's role that lets an account retire it. */
export type RetireRole = 'grantee-with-retire' | 'retiring-principal';

/** What a trace step found, and why (src/report/phrases.ts has the words). */
export type TraceFinding =
  | { kind: 'action-class'; cls: ActionClass; grantable: boolean }
  | { kind: 'partitions'; caller: string; key: string }
  | { kind: 'key-state-error'; error: string }
  | { kind: 'key-state-ok' }
  /** Whether the key state or type fails it turns on `what`, which the inputs do not record. */
  | { kind: 'key-state-doubt'; what: string }
  /** The statements that allow (or deny). */
  | { kind: 'statements'; statements: StatementRef[] }
  /** The statements and grants that allowed, by source and id. */
  | { kind: 'reasons'; reasons: Array<{ source: ReasonSource; id: string }> }
  | { kind: 'no-deny'; unread: boolean }
  | { kind: 'rcp-full-access' }
  /** `fullAccessAssumed`: the levels (1-based, with their policies) without an Allow statement, taken to have FullAWSAccess attached too. */
  | { kind: 'scp-allows'; fullAccessAssumed?: Array<{ level: number; policies: string[] }> }
  | { kind: 'scp-gap'; level: number; policies: string[]; resource: string }
  | { kind: 'root'; ownAccount: boolean }
  /** No identity-policy statement allows it; `aliasResource`: the ids of statements naming an alias ARN in Resource. */
  | { kind: 'no-iam-allow'; on?: 'alias'; aliasResource?: string[] }
  | { kind: 'not-cross-account'; action: string; keyAccount: string }
  | { kind: 'cross-account'; retire: boolean; account: string }
  | { kind: 'alias-not-cross-account' }
  | { kind: 'no-key-policy-or-account' }
  | { kind: 'role-limited'; statements: StatementRef[]; limit: Limit; action: string }
  | { kind: 'role-allow-limited' }
  | { kind: 'iam-intersection' }
  | { kind: 'no-key-policy-names' }
  | { kind: 'no-account-statement'; action: string }
  | { kind: 'not-grantable'; action: string }
  /** The grants that allow, each with what it matched on. */
  | { kind: 'grants-allow'; details: GrantDetail[] }
  /**
   * No grant allows: each grant for the caller with why not; `others` grants are for other
   * principals; `firstPage`: of a list read in part, the grants of its first page.
   */
  | { kind: 'grants-deny'; grants: Array<{ grantId: string; detail: GrantDetail }>; others: number; firstPage?: number }
  | { kind: 'alias-not-named' }
  | { kind: 'not-on-key' }
  | { kind: 'no-grant-id' }
  | { kind: 'no-such-grant' }
  /** The grant could not be read (the key's grants are unreadable): whether it lets the caller retire it is not known. */
  | { kind: 'grant-unread' }
  /** The grant's state, as grants.ts finds it. */
  | { kind: 'grant-state'; detail: GrantDetail }
  | { kind: 'retiring-principal'; retiringPrincipal: string }
  | { kind: 'grantee-with-retire' }
  /** A principal (or the root user) of an account the grant names; `statements`: the identity-policy allow it needed. */
  | { kind: 'account-may-retire'; as: RetireRole; account: string; root: boolean; statements?: StatementRef[] }
  | { kind: 'issuer-root'; account: string }
  | { kind: 'grantee-without-retire' }
  | { kind: 'may-not-retire'; retiringPrincipal?: string }
  /** A further permission the inputs cannot name: what they do not say. */
  | { kind: 'companion-unknown'; missing: PartGap };

/** One step of the flowchart walk, as facts. */
export interface TraceFact {
  step: StepId;
  ask: TraceQuestion;
  answer: StepAnswer;
  why: TraceFinding;
  statements?: StatementMatch[];
  grants?: GrantMatch[];
  /** The further permissions (outermost first) this step belongs to, e.g. the key alias/app points to now. */
  within?: PartWhat[];
}

/**
 * The points where AWS documentation is silent or contradictory, each with the default kms-why
 * assumes. A decision lists the ids of the ones it relied on; src/report/phrases.ts has their
 * words, and docs/semantics.md#assumptions an entry for each, whose heading is the id in kebab case.
 */
export const ASSUMPTION_IDS = [
  'roleGranteeSessions',
  'sessionGranteeExact',
  'accountGrantee',
  'grantsNotLimitedByBoundary',
  'grantConstraintKeyCase',
  'emptyConstraint',
  'grantIsForAwsResource',
  'createGrantEncryptionContext',
  'reEncryptContext',
  'keyStateOrder',
  'keyStateBeforeUsage',
  'notPrincipal',
  'keyPolicyResource',
  'wildcardPrincipalBoundary',
  'roleArnBoundary',
  'crossAccountGrant',
  'retireByIssuingAccount',
  'servicePrincipalAccount',
  'principalIsAwsService',
  'rcpFullAccess',
  'scpFullAccess',
  'rotationStatusApi',
  'retireGrantEncryptionContext',
  'dateWithoutOffset',
  'variableNoValue',
  'plainOperatorSeveralValues',
  'unknownContextKeys',
  'companionPermissions',
  'invalidGrant',
  'grantTokenPresented',
  'sessionTags',
  'requestParameterDefaults',
  'keyManagerDefault',
  'originDefault',
  'multiRegionDefault',
  'grantOperationKeyStore',
] as const;

export type AssumptionId = (typeof ASSUMPTION_IDS)[number];

/** An assumption's id as reports that list ids write it: in kebab case, its heading in docs/semantics.md (`account-grantee`). */
export function assumptionSlug(id: AssumptionId): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

const BY_SLUG: ReadonlyMap<string, AssumptionId> = new Map(ASSUMPTION_IDS.map((id) => [assumptionSlug(id), id]));

/** The assumption a report names in kebab case (undefined: none kms-why knows). */
export function assumptionOfSlug(slug: string): AssumptionId | undefined {
  return BY_SLUG.get(slug);
}

/** A statement a note names: its policy and its Sid (or PolicyName#index). */
export interface StatementRef {
  source: PolicySource;
  policyName: string;
  id: string;
}

/** What limits an allow, when a permissions boundary or session policy does not allow the action. */
export type Limit = 'permissions-boundary' | 'session-policy';

/** The allow a permissions boundary or session policy limits. */
export type LimitedAllow =
  /** An identity-policy allow (of the action on the request's resource, the alias or the key). */
  | { kind: 'identity-policy'; action: string; on?: 'alias' | 'key' }
  /** A key-policy allow naming the role of a session. */
  | { kind: 'key-policy-role'; action: string }
  | { kind: 'grant'; grantId: string };

/** A condition a statement failed on, with the value the request had (null: none). */
export interface FailedCondition {
  key: string;
  operator: string;
  expected: string[];
  actual: string[] | null;
}

/**
 * A hint, as data: why the verdict is what it is, or a change that would turn it (a proposal, printed
 * only once the request evaluated again with it is allowed). src/report/phrases.ts has the words.
 */
export type HintNote =
  // ── Facts ──
  /** A role ARN was given as the caller: it is evaluated as one of its sessions. */
  | { kind: 'role-as-caller'; role: string }
  /** The request gave an encryption context for a key that takes none (asymmetric or HMAC): not used. */
  | { kind: 'context-on-asymmetric-key'; keySpec: string }
  /** ReEncryptTo read its destination context, which is the source context given (no destination context was). */
  | { kind: 're-encrypt-destination-context' }
  /** The request gave an encryption context for CreateGrant, which takes none: not used (the grant's constraint fills kms:EncryptionContext). */
  | { kind: 'context-on-create-grant' }
  /** The request's kms:ViaService names a service KMS does not list as setting it (`instead`: the name the table gives that service). */
  | { kind: 'via-service-not-listed'; viaService: string; service: string; instead?: string }
  | { kind: 'internal-action'; action: string }
  | { kind: 'not-cross-account'; action: string; keyAccount: string }
  | { kind: 'give-alias'; action: string }
  | { kind: 'give-grant-id' }
  /** kms:RetireGrant in a key policy has no effect [KMS-GRANTDEL]. */
  | { kind: 'retire-grant-in-key-policy'; statements: StatementRef[] }
  | { kind: 'retire-not-allowed'; grantId: string }
  | { kind: 'child-grant'; parentGrantId: string }
  /** The key state or usage fails the request: `authorized` says whether authorization allowed it. */
  | { kind: 'key-state'; error: string; authorized: boolean }
  /** The request names the key in a way its caller's account cannot resolve to it: it never reaches the key (`error`: KMS's). */
  | { kind: 'key-identifier'; error: string }
  /** An unreadable input the verdict holds whatever it says (`decides` false) or depends on. */
  | { kind: 'unreadable'; what: string; reason: string; decides: false }
  | { kind: 'unreadable'; what: string; reason: string; decides: true; neededPermission?: string }
  /** Keys kms-why cannot derive: the verdict holds whatever their value. */
  | { kind: 'underivable-holds'; names: string[] }
  | { kind: 'underivable-decides'; name: string; supply: string }
  /** A further permission of the request whose resource the inputs cannot name. */
  | { kind: 'companion-unknown'; action: string; what: PartWhat; missing: PartGap }
  /** A note of a further permission the request needs (UpdateAlias on the alias's current key…). */
  | { kind: 'part'; what: PartWhat; note: HintNote }
  // ── Proposals ──
  /** Values of the request that would satisfy an Allow statement's conditions. */
  | { kind: 'satisfy-conditions'; statement: StatementRef; conditions: FailedCondition[] }
  | { kind: 'narrow-deny'; statement: StatementRef }
  /** List the caller (a session: its role, session ARN and account) in a NotPrincipal Deny. */
  | { kind: 'exempt-from-deny'; statement: StatementRef; principal: string; session?: { roleArn: string; account: string } }
  /** Every one of these changes is needed (each named Deny must go). */
  | { kind: 'each'; notes: HintNote[] }
  /** Both changes are needed, said in two sentences. */
  | { kind: 'both'; notes: [HintNote, HintNote] }
  /** A change that is not enough alone, and the verified change that completes it. */
  | { kind: 'also'; first: HintNote; second: HintNote }
  /** An SCP level (1-based) with no statement allowing the action; `into`: the policy of the level with an Allow statement to add it to. */
  | { kind: 'scp-gap'; action: string; level: number; policies: string[]; into?: string }
  /**
   * who-can asked `tried` requests built from the conditions of the statements and grants that
   * could allow the action, none was allowed, and it stopped before trying every combination.
   */
  | { kind: 'witness-search-gave-up'; tried: number }
  | { kind: 'limited'; allow: LimitedAllow; limit: Limit; boundary?: string; action: string }
  /** An IAM-only action (or one on a key that does not exist yet: `resource`) needs an identity policy. */
  | { kind: 'attach-iam-only'; action: string; principal: string; resource?: string }
  | { kind: 'cross-account-key-policy'; action: string; principal: string; account: string; partition: string }
  | { kind: 'cross-account-iam'; action: string; principal: string; account: string; keyArn: string }
  /** An identity-policy allow with no effect: the key policy does not delegate to the account. */
  | { kind: 'not-delegated'; statements: StatementRef[]; action: string; account: string; partition: string; principal: string; role?: string }
  | { kind: 'delegated-no-iam'; action: string; principal: string; account: string; keyArn: string }
  | { kind: 'nothing-allows'; action: string; principal: string; to: string }
  | { kind: 'account-grant-needs-iam'; grantId: string; action: string; principal: string; account: string; keyArn: string }
  | { kind: 'grant-context'; grantId: string; context: Record<string, string>; exact: boolean }
  | { kind: 'orphaned-grant'; grantId: string; grantee: string; principal: string }
  | { kind: 'grant-operation'; grantId: string; operation: string }
  /** Name the key by `identifier` (its key ARN, or its alias ARN) instead. */
  | { kind: 'name-key-by'; identifier: string; alias: boolean }
  /** A grant not usable yet or any more (`detail`: its state); `token`: pass its grant token. */
  | { kind: 'grant-state'; grantId: string; detail: GrantDetail; token: boolean }
  | { kind: 'alias-iam'; action: string; alias: string; principal: string }
  | { kind: 'alias-key'; action: string; keyArn: string; to: string; account: string }
  /** An identity-policy statement whose Resource names an alias ARN (never matches a key operation). */
  | { kind: 'alias-in-resource'; statement: StatementRef; alias: string; action: string }
  | { kind: 'retire-as-account'; grantId: string; as: 'grantee' | 'retiring-principal'; principal: string; account: string; keyArn: string }
  | { kind: 'retire-as-issuer'; grantId: string; principal: string; account: string; keyArn: string };

/** Fields shared by the evaluator's decision (facts) and the report's result (sentences). */
export interface DecisionBase {
  action: string;
  keyArn?: string;
  principal: string;
  decision: Verdict;
  decidedBy: DecidedBy;
  /** The verdict of authorization alone, before key state and key usage (docs/semantics.md#key-state-and-usage). */
  authorization: Verdict;
  reasons: Reason[];
  missingContext: string[];
  /** Inputs that could not be read and that this verdict depends on (or was checked against). */
  unreadable: UnknownInput[];
  /** The error KMS would return for the key state or key usage, when that decided. */
  keyStateError?: string;
}

/**
 * Organization policies of a kind (SCPs or RCPs) that would restrict a request, of which no input
 * gives any: the snapshot's Organization has no map of that kind and no --scp-file/--rcp-file gave
 * one, so kms-why evaluated none (docs/snapshot.md#what-absence-means). An allow holds only if
 * they allow it too. src/report/phrases.ts has the words.
 */
export interface OrgPoliciesNotGiven {
  kind: 'scp' | 'rcp';
  /** The account whose policies would apply: the caller's (SCPs) or the key's (RCPs). */
  account: string;
  /** The inputs name the account as a member of an organization (the snapshot's Organization; live: DescribeOrganization). */
  member?: true;
  /** That organization's id (o-…), when the inputs give it. */
  organizationId?: string;
}

/** The evaluator's decision: the verdict and, when explained, what lies behind it. */
export interface Decision extends DecisionBase {
  trace: TraceFact[];
  hints: HintNote[];
  /** The assumptions it relied on, by id (in the order first relied on). */
  assumptions: AssumptionId[];
  /** For an unknown verdict no trace step left open: the note that says what it depends on. */
  unknownBecause?: HintNote;
  /** When the key state decided over an allowed authorization: the step that allowed it (who-can reports it). */
  authorizedBy?: DecidedBy;
  /** The further permission whose denial decided (its steps carry it in `within`); absent: the request's own walk decided. */
  decidedIn?: PartWhat;
  /** Explained decisions only: the SCPs and RCPs that would restrict the request and that no input gives (taken as none). */
  orgPoliciesNotGiven?: OrgPoliciesNotGiven[];
}

/** One result of the JSON report contract (docs/report.md): a decision phrased by src/report/phrases.ts. */
export interface CheckResult extends DecisionBase {
  trace: TraceStep[];
  hints: string[];
  assumptions: string[];
  unknownBecause?: string;
  /**
   * Where the trace also holds the steps of further permissions: the indices of the steps of the
   * walk that decided (the request's own, or the further permission's that denied it). Not in the JSON.
   */
  decidingWalk?: number[];
}
