// The decision as data: the JSON report contract (docs/snapshot.md and docs/report.md) plus the
// structured trace that makes a near miss explainable.
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
  note?: string;
}

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
  note?: string;
}

export interface GrantMatch {
  grantId: string;
  name?: string;
  granteePrincipal: string;
  operations: string[];
  matched: boolean;
  failed?: MismatchReason;
  detail: string;
  /** For an encryption-context near miss: the context that would satisfy the constraint. */
  neededContext?: Record<string, string>;
}

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

export interface TraceStep {
  step: StepId;
  question: string;
  answer: StepAnswer;
  detail: string;
  statements?: StatementMatch[];
  grants?: GrantMatch[];
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
  'notPrincipal',
  'keyPolicyResource',
  'wildcardPrincipalBoundary',
  'roleArnBoundary',
  'crossAccountGrant',
  'retireByIssuingAccount',
  'servicePrincipalAccount',
  'principalIsAwsService',
  'rcpFullAccess',
  'rotationStatusApi',
  'retireGrantEncryptionContext',
  'dateWithoutOffset',
  'unknownContextKeys',
  'companionPermissions',
  'invalidGrant',
] as const;

export type AssumptionId = (typeof ASSUMPTION_IDS)[number];

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
  trace: TraceStep[];
  missingContext: string[];
  hints: string[];
  /** Inputs that could not be read and that this verdict depends on (or was checked against). */
  unreadable: UnknownInput[];
  /** The error KMS would return for the key state or key usage, when that decided. */
  keyStateError?: string;
}

/** The evaluator's decision: the verdict and, when explained, what lies behind it. */
export interface Decision extends DecisionBase {
  /** The assumptions it relied on, by id (in the order first relied on). */
  assumptions: AssumptionId[];
}

/** One result of the JSON report contract (docs/report.md): a decision phrased by src/report/phrases.ts. */
export interface CheckResult extends DecisionBase {
  assumptions: string[];
}
