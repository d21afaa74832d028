// `kms-why who-can` (issue #7): for a key, every principal that can perform each key action, and
// through which source. Pure. Every answer is the evaluator's answer to the request `check` would
// send for (principal, key, action) with no request context (whoCanRequest); work that provably
// cannot change an answer is skipped (prune: false turns all of this off, for tests):
//
// - Actions collapse. For one principal and one key, actions covered by exactly the same
//   statements (among those that may concern the principal: key-policy statements whose principal
//   may match, identity-side statements whose resource may match) and the same grants, and alike
//   in every trait of the action that those statements and grants can tell apart (traitKey), get
//   the same answer: the evaluator is asked once per class (partitionsFor).
// - Actions nothing can allow are not asked. With every input readable, a key action is allowed
//   only through a key-policy Allow statement that applies (naming the caller, or its account
//   plus an identity-policy Allow), or a grant; an action none of these covers is denied.
// - Ordinary principals share answers. A role or user that no key-policy statement names (other
//   than through its account or `*`), that no grant names, and whose KMS statements, boundary and
//   session policies are the same objects as another's, gets that other principal's answers,
//   provided nothing involved reads a principal-specific key (aws:PrincipalArn,
//   aws:PrincipalTag/…, aws:username, policy variables …). All the roles without any KMS
//   statement are the common case (shareKey).
// The consistency tests (test/analyses/who-can.test.ts) compare every answer with the evaluator's,
// pruned and unpruned, on fixtures and on random accounts.
//
// "Conditional" access: denied without request context, allowed with some. Candidates are the
// conditional Allow statements and the encryption-context-constrained grants that could concern
// the request (and, for an explicit deny, the conditions of the Deny); each yields a concrete
// witness request, which the evaluator then decides. Only a witness that is allowed makes the
// access conditional, so "conditional" is never a guess either. The conditions shown are those of
// the statements and grants that allowed the witness, on keys a request can set.
import { ACTIONS, KEY_ACTIONS, type ActionInfo } from '../model/actions.js';
import { parsePrincipal } from '../model/arn.js';
import { parseOperator } from '../model/condition-operators.js';
import type { AssumptionId, DecidedBy, Decision, OrgPoliciesNotGiven, Reason, ReasonSource } from '../model/decision.js';
import { InputError } from '../model/errors.js';
import type { Grant } from '../model/grant.js';
import { everyGrant, type Key } from '../model/key.js';
import type { ConditionClause, Effect, Policy, PolicySource } from '../model/policy.js';
import type { PrincipalPolicies, PrincipalRef } from '../model/principal.js';
import type { Request } from '../model/request.js';
import { IAM_DETAILS_WHAT, type Snapshot } from '../model/snapshot.js';
import { isUnknown, type Unknowable } from '../model/unknown.js';
import { principalVia, statementsFor, type CompiledPolicy, type CompiledStatement } from '../evaluate/compile.js';
import { evaluateConditions, type CompiledCondition, type UnknownBias } from '../evaluate/conditions.js';
import { contextGet, requiredParameterKeys, unknownKeyInfo, type RequestContext } from '../evaluate/context.js';
import { Evaluator, hasCompanions, UNKNOWN_NOTES } from '../evaluate/evaluator.js';
import { decidesUnknown } from '../evaluate/recorder.js';
import { grantAssumptions, hasEcConstraint } from '../evaluate/grants.js';
import { aliasRequestError, dependsOnKeyState, keyStateDoubt, keyStateError, keyUsageError } from '../evaluate/key-state.js';
import type { EvaluatorOptions } from '../evaluate/options.js';
import { isServiceLinked, SnapshotIndex } from '../evaluate/snapshot-index.js';
import { callerKeys, matchGrantPrincipal, patternKey } from '../evaluate/principals.js';
import { hasWildcard, Wildcard } from '../model/wildcard.js';
import { PairTable } from './pair-table.js';

// ─── The result, as plain data (model/who-can.ts) ─────────────────────────────────────────────

import type {
  ReasonRef,
  GuardCondition,
  Witness,
  AccessEntry,
  PrincipalOrigin,
  WhoCanPrincipalKind,
  WhoCanPrincipal,
  PublicStatement,
  KeyWhoCan,
  WhoCanResult,
  UnlistedPrincipals,
} from '../model/who-can.js';
export type {
  Access,
  ReasonRef,
  GuardCondition,
  Witness,
  AccessEntry,
  PrincipalOrigin,
  WhoCanPrincipalKind,
  WhoCanPrincipal,
  PublicStatement,
  KeyWhoCan,
  WhoCanStats,
  WhoCanResult,
  UnlistedPrincipals,
  WhoCanFilters,
} from '../model/who-can.js';

export interface WhoCanOptions {
  /** Actions to evaluate on every key; default: defaultActions(key). */
  actions?: readonly ActionInfo[];
  /** Called after each key. */
  onProgress?: (done: number, total: number) => void;
  /** Skip the two prunings (every triple asked separately); for tests and comparisons. Default true. */
  prune?: boolean;
  evaluatorOptions?: Partial<EvaluatorOptions>;
  /**
   * When the requests are made (Request.at, ISO 8601): aws:CurrentTime and aws:EpochTime, and
   * whether a grant created shortly before is in effect yet. The caller reads the clock (the CLI
   * gives now, as `check` does); without it those are unknown.
   */
  at?: string;
}

/** The actions that need the most trust: changing the policy, deleting, disabling, and unconstrained CreateGrant. */
export const ADMIN_LEVEL_ACTIONS: ReadonlySet<string> = new Set(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:CreateGrant']);

/** Allowed without any request context (CreateGrant: without constraints) on an admin-level action. */
export function isAdminLevel(action: string, e: AccessEntry | null): boolean {
  return e !== null && e.access === 'allow' && ADMIN_LEVEL_ACTIONS.has(action);
}

/**
 * The key actions who-can evaluates by default: those the key's type can do, without RetireGrant;
 * alias actions only when the key has an alias, and not CreateAlias, which who-can asks of that
 * alias (whoCanRequest): it exists already, so the request always fails (keyStepError).
 */
export function defaultActions(key: Key): ActionInfo[] {
  return KEY_ACTIONS.filter(
    (a) =>
      a.cls !== 'retire-grant' && keyUsageError(a, key.metadata) === undefined && (a.cls !== 'alias' || (key.aliases.length > 0 && a.short !== 'CreateAlias')),
  );
}

/**
 * The error the request who-can asks (whoCanRequest) gets after authorization, as the evaluator
 * reports it: the alias's first (CreateAlias of the alias the key has already fails with
 * AlreadyExistsException), then the key state and usage.
 */
function keyStepError(a: ActionInfo, key: Key): string | undefined {
  const m = key.metadata;
  return (a.cls === 'alias' && key.aliases.length > 0 ? aliasRequestError(a, key.aliases[0], m, m) : undefined) ?? keyStateError(a, m);
}

/** Checks that an action can be asked of who-can. */
export function checkWhoCanAction(a: ActionInfo): void {
  if (a.cls === 'iam-only' || a.cls === 'internal') {
    throw new InputError(`${a.name} is not an action on a key`, {
      hint: 'who-can answers key actions; IAM-only actions such as kms:ListKeys are decided by IAM policies alone (use kms-why check).',
    });
  }
  if (a.cls === 'retire-grant') {
    throw new InputError('kms:RetireGrant is authorized by each grant, not by the key', {
      hint: 'Use kms-why retire-grant --grant-id ID for one grant, or kms-why grants for every grant and its retiring principal.',
    });
  }
}

/**
 * The request who-can asks the evaluator for (principal, key, action): no request context, made
 * at `at` (WhoCanOptions.at), as `check` makes it at --at or now.
 */
export function whoCanRequest(key: Key, action: ActionInfo, principal: string, at?: string): Request {
  const r: Request = { action: action.name, principal, keyArn: key.metadata.arn };
  if (action.cls === 'alias' && key.aliases.length > 0) r.aliasArn = key.aliases[0]!;
  if (at !== undefined) r.at = at;
  return r;
}

/**
 * With an unreadable input, the evaluator decides in two worlds (everything unreadable allows /
 * denies) and reports one of them when their final verdicts agree. When the key state fails the
 * action, both final verdicts are deny whatever authorization said, and the world reported is the
 * permissive one: its "allow" says nothing about the restrictive world. The authorization is then
 * unknown (the final verdict, deny by the key state, is known and is what `check` prints).
 */
export function authorizationUnsettled(d: Decision): boolean {
  return d.unreadable.length > 0 && d.decidedBy === 'key-state' && d.authorization === 'allow';
}

/** The authorization verdict's deciding step; when the key state overrode it, inferred from the reasons. */
export function authorizedBy(d: Decision): DecidedBy {
  if (d.decidedBy !== 'key-state') return d.decidedBy;
  if (d.authorization === 'unknown') return 'unknown';
  if (d.authorization === 'deny') return 'implicit-deny';
  if (d.authorizedBy !== undefined) return d.authorizedBy;
  const s = new Set(d.reasons.map((r) => r.source));
  if (s.has('grant')) return 'grant';
  if (s.has('key-policy') && s.has('identity-policy')) return 'key-policy-and-iam';
  if (s.has('key-policy')) return 'key-policy';
  if (s.has('identity-policy')) return 'key-policy-and-iam';
  return 'key-state';
}

// ─── Principals ────────────────────────────────────────────────────────────────────────────────

/** The index key of a principal (as principals.ts files grant and policy principals). */
function identityKey(ref: PrincipalRef): string {
  switch (ref.kind) {
    case 'role':
      return `role:${ref.account}:${ref.name}`;
    case 'user':
      return `user:${ref.account}:${ref.name}`;
    case 'assumed-role':
      return `session:${ref.account}:${ref.roleName}:${ref.sessionName}`;
    case 'federated-user':
      return `federated:${ref.account}:${ref.name}`;
    case 'root':
      return `account:${ref.account}`;
    case 'service':
      return `service:${ref.name.toLowerCase()}`;
    case 'unique-id':
      return `id:${ref.arn}`;
  }
}

function kindOf(ref: PrincipalRef): WhoCanPrincipalKind {
  switch (ref.kind) {
    case 'assumed-role':
      return 'role-session';
    case 'root':
      return 'account-root';
    case 'role':
    case 'user':
    case 'service':
    case 'federated-user':
      return ref.kind;
    case 'unique-id':
      return 'role';
  }
}

interface Candidate {
  info: WhoCanPrincipal;
  ref: PrincipalRef;
  idKey: string;
  /** Its profile, once asked for (the snapshot's principals are the same candidates on every key). */
  prof?: Profile;
}

function candidateOf(ref: PrincipalRef, keyAccount: string, origin: PrincipalOrigin, arnWithPath?: string): Candidate {
  const info: WhoCanPrincipal = { arn: ref.arn, kind: kindOf(ref), external: ref.kind !== 'service' && ref.account !== keyAccount, origins: [origin] };
  if (ref.kind !== 'service') info.account = ref.account;
  if (
    arnWithPath !== undefined &&
    arnWithPath !== ref.arn &&
    (ref.kind === 'role' || ref.kind === 'user') &&
    (parsePrincipal(arnWithPath)?.path ?? '/') !== '/'
  )
    info.arnWithPath = arnWithPath;
  return { info, ref, idKey: identityKey(ref) };
}

/** Every role, user and session of the snapshot once (an entry filed under two ARNs is one principal). */
function snapshotPrincipals(snapshot: Snapshot): Array<{ ref: PrincipalRef; policies: PrincipalPolicies }> {
  const seen = new Set<PrincipalPolicies>();
  const out: Array<{ ref: PrincipalRef; policies: PrincipalPolicies }> = [];
  for (const [arn, pp] of Object.entries(snapshot.principals)) {
    if (seen.has(pp)) continue;
    seen.add(pp);
    const ref = parsePrincipal(arn);
    if (ref === null || ref.kind === 'unique-id') continue;
    // One name per principal, whichever ARN the snapshot filed it under: the ARN without its IAM
    // path (as session ARNs and most policies name it); the path stays in arnWithPath.
    if ((ref.kind === 'role' || ref.kind === 'user') && (ref.path ?? '/') !== '/') {
      const pathless = parsePrincipal(`arn:${ref.partition}:iam::${ref.account}:${ref.kind}/${ref.name}`);
      if (pathless !== null) {
        out.push({ ref: pathless, policies: pp.resolvedArn === undefined ? { ...pp, resolvedArn: arn } : pp });
        continue;
      }
    }
    out.push({ ref, policies: pp });
  }
  return out;
}

function principalValues(el: { aws: string[]; service: string[]; federated: string[]; canonicalUser: string[] }): { values: string[]; other: string[] } {
  return { values: [...el.aws, ...el.service], other: [...el.federated, ...el.canonicalUser] };
}

// ─── Statement analysis helpers ────────────────────────────────────────────────────────────────

const N = ACTIONS.length;
/**
 * Keys whose value is a property of the principal or the key, never of the request; and the
 * request time (aws:CurrentTime, aws:EpochTime), the same for every request who-can asks
 * (WhoCanOptions.at): no witness request can choose it.
 */
const FIXED =
  /^(aws:currenttime|aws:epochtime|aws:principalarn|aws:principalaccount|aws:principaltype|aws:principaltag\/|aws:principalisawsservice|aws:principalservicename|aws:username|aws:userid|aws:resourceaccount|aws:resourcetag\/|aws:requestedregion|aws:securetransport|kms:calleraccount|kms:keyspec|kms:keyusage|kms:keyorigin|kms:customermasterkeyspec|kms:customermasterkeyusage|kms:multiregion|kms:resourcealiases)/;

/**
 * Context keys whose value differs between two callers of the same kind, account and
 * service-linkedness (everything else a request without context carries is the same for both:
 * the key's properties, the caller's account and type, the underivable keys of its kind).
 */
const PRINCIPAL_DEPENDENT = /^(aws:principalarn|aws:principaltag\/|aws:username|aws:userid|aws:rolesessionname|aws:principalservicename)/;
const VAR_RE = /\$\{([^}]*)\}/g;

/** The lower-case keys that `${…}` policy variables in the values read (as conditions.ts resolves them). */
function variableKeys(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (!v.includes('${')) continue;
    for (const m of v.matchAll(VAR_RE)) {
      const body = m[1]!.trim();
      if (body === '*' || body === '?' || body === '$') continue;
      const d = /^([^,]+?)\s*,\s*'([^']*)'$/.exec(body);
      out.push((d ? d[1]! : body).trim().toLowerCase());
    }
  }
  return out;
}

const principalDependentCache = new WeakMap<CompiledCondition, boolean>();
/** Does the clause read a principal-dependent key, as its key or through a policy variable? */
function principalDependent(c: CompiledCondition): boolean {
  let r = principalDependentCache.get(c);
  if (r === undefined) {
    r = PRINCIPAL_DEPENDENT.test(c.key) || (c.hasVariables && variableKeys(c.values).some((k) => PRINCIPAL_DEPENDENT.test(k)));
    principalDependentCache.set(c, r);
  }
  return r;
}

/** A Resource or NotResource with a policy variable: which keys it covers depends on the caller. */
function resourceHasVariables(cs: CompiledStatement): boolean {
  let v = variablesCache.get(cs);
  if (v === undefined) {
    v = false;
    for (const r of cs.st.resource ?? []) if (r.includes('${')) v = true;
    for (const r of cs.st.notResource ?? []) if (r.includes('${')) v = true;
    variablesCache.set(cs, v);
  }
  return v;
}
const variablesCache = new WeakMap<CompiledStatement, boolean>();

/** A principal-dependent value as a token: its values, "U" when unknown (unreadable or underivable), "A" when absent. */
function valueToken(ctx: RequestContext, key: string): string {
  const v = contextGet(ctx, key);
  if (v !== undefined) return JSON.stringify(v);
  return unknownKeyInfo(ctx, key) !== undefined ? 'U' : 'A';
}

const BIASES: UnknownBias[] = [null, 'allow', 'deny'];

/**
 * What a principal-dependent clause comes to for one caller: two callers with the same token get
 * the same result from the clause in every request who-can sends. A clause on a key that no
 * request can set (aws:PrincipalArn, aws:PrincipalTag/…, aws:username, aws:userid), without
 * policy variables, is decided by the caller alone: its token is its result (in each world of an
 * unknown value). Otherwise the token holds the caller's values of the principal-dependent keys it
 * reads (the tag values actually read, not "reads a tag").
 */
function clauseToken(ctx: RequestContext, c: CompiledCondition, effect: Effect): string {
  let t = '';
  if (c.hasVariables) for (const k of variableKeys(c.values)) if (PRINCIPAL_DEPENDENT.test(k)) t += `${k}=${valueToken(ctx, k)};`;
  if (PRINCIPAL_DEPENDENT.test(c.key)) {
    if (!c.hasVariables && FIXED.test(c.key)) {
      const touched = new Map();
      const r = evaluateConditions([c], { ctx, bias: null, touched }, effect);
      if (touched.size === 0) t += r ? 'T' : 'F';
      else for (const bias of BIASES) t += evaluateConditions([c], { ctx, bias }, effect) ? 't' : 'f';
    } else t += `${c.key}=${valueToken(ctx, c.key)};`;
  }
  return t;
}

let nextObjectId = 1;
const objectIds = new WeakMap<object, number>();
function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(o, id);
  }
  return id;
}

const coverageCache = new WeakMap<CompiledStatement, Uint8Array>();
const NO_COVERAGE = new Uint8Array(N);
/**
 * Per action index: 1 when the statement's Action/NotAction covers the action. Only key actions
 * and kms:CreateKey are recorded (no other action is ever asked, and partitions are read only at
 * the actions asked).
 */
function coverage(cp: CompiledPolicy, cs: CompiledStatement): Uint8Array {
  kmsStatements(cp);
  return coverageCache.get(cs) ?? NO_COVERAGE;
}
/** The coverage of a statement already seen through kmsStatements (which fills the cache). */
function coverageOfStatement(cs: CompiledStatement): Uint8Array {
  return coverageCache.get(cs) ?? NO_COVERAGE;
}

const coveredListCache = new WeakMap<CompiledStatement, number[]>();
/** The action indices coverageOfStatement marks, in order: a statement that covers few is checked in as few steps. */
function coveredList(cs: CompiledStatement): readonly number[] {
  return coveredListCache.get(cs) ?? NO_INDICES;
}
const NO_INDICES: readonly number[] = [];

const CREATE_KEY = ACTIONS.find((a) => a.short === 'CreateKey')!.index;
const REPLICATE_KEY = ACTIONS.find((a) => a.short === 'ReplicateKey')!.index;
/** The actions whose coverage who-can reads: ReplicateKey also needs kms:CreateKey (an IAM-only action) in the replica Region. */
const COVERED_ACTIONS: readonly ActionInfo[] = [...KEY_ACTIONS, ACTIONS[CREATE_KEY]!];
const kmsStatementCache = new WeakMap<CompiledPolicy, CompiledStatement[]>();
/**
 * The statements that cover at least one key action (or kms:CreateKey), in policy order, read
 * from each statement's set of actions (CompiledPolicy.actionCovers), so that a policy about
 * other services compiles nothing and no per-action list is made (thousands of roles' policies).
 */
function kmsStatements(cp: CompiledPolicy): CompiledStatement[] {
  let s = kmsStatementCache.get(cp);
  if (s === undefined) {
    s = [];
    const covers = cp.actionCovers();
    for (let i = 0; i < covers.length; i++) {
      const set = covers[i];
      const f = set === null || set === undefined ? null : keyActionCover(set);
      if (f === null) continue;
      const cs = cp.statementAt(i);
      s.push(cs);
      coverageCache.set(cs, f.c);
      coveredListCache.set(cs, f.list);
    }
    kmsStatementCache.set(cp, s);
  }
  return s;
}

const keyActionCovers = new WeakMap<Uint8Array, { c: Uint8Array; list: number[] } | null>();
/** A set of actions (actionCovers) as coverage reads it: the covered actions only, and their list (null: none). Shared, not to be changed. */
function keyActionCover(set: Uint8Array): { c: Uint8Array; list: number[] } | null {
  let f = keyActionCovers.get(set);
  if (f === undefined) {
    const list: number[] = [];
    for (const a of COVERED_ACTIONS) if (set[a.index] === 1) list.push(a.index);
    f = null;
    if (list.length > 0) {
      const c = new Uint8Array(N);
      for (const ix of list) c[ix] = 1;
      f = { c, list };
    }
    keyActionCovers.set(set, f);
  }
  return f;
}

const stamps = new Int32Array(64 * 64);
const dense = new Int32Array(64 * 64);
let stamp = 0;
/** Refines a partition of the action indices (values < 64) by a second one (values < 64), in place; `len`: of the first `len` only. */
function refine(cls: Int32Array, comp: ArrayLike<number>, len = N): void {
  stamp++;
  let next = 0;
  for (let a = 0; a < len; a++) {
    const k = cls[a]! * 64 + comp[a]!;
    if (stamps[k] !== stamp) {
      stamps[k] = stamp;
      dense[k] = next++;
    }
    cls[a] = dense[k]!;
  }
}

/** Context features: which action-dependent parts of a request the statements and grants read. */
const F_EC = 1;
const F_ALIAS = 2;
const F_ALG = 4;
const F_GIFAR = 8;
const F_GRANTS = 16;
const F_GRANT_EC = 32;
const F_CROSS = 64;
/** Some input is unreadable (or authorization is not reported before key state): a key-state error changes the verdict. */
const F_KEYSTATE = 128;

const grantCoverageCache = new WeakMap<Grant, Uint8Array>();
/** Per action index: 1 when one of the grant's operations is the action's. */
function grantCoverage(g: Grant): Uint8Array {
  let c = grantCoverageCache.get(g);
  if (c === undefined) {
    c = new Uint8Array(N);
    for (const a of ACTIONS) if (a.grantOperation !== undefined && g.operations.includes(a.grantOperation)) c[a.index] = 1;
    grantCoverageCache.set(g, c);
  }
  return c;
}

const featureCache = new WeakMap<CompiledStatement, number>();
function featuresOf(cs: CompiledStatement): number {
  let f = featureCache.get(cs);
  if (f === undefined) {
    f = 0;
    for (const c of cs.conditions) {
      // A policy variable may read any key.
      if (c.hasVariables) f |= F_EC | F_ALIAS | F_ALG | F_GIFAR;
      if (c.key.startsWith('kms:encryptioncontext')) f |= F_EC;
      else if (c.key === 'kms:requestalias') f |= F_ALIAS;
      else if (c.key === 'kms:encryptionalgorithm') f |= F_ALG;
      else if (c.key === 'kms:grantisforawsresource') f |= F_GIFAR;
    }
    featureCache.set(cs, f);
  }
  return f;
}

/**
 * The traits of an action that the flowchart reads, besides statement and grant coverage. A
 * trait that only feeds a context key or a grant check counts only when something reads it: the
 * encryption context (witness requests set it; kms:EncryptionContext… conditions and grant
 * constraints read it), kms:RequestAlias, kms:EncryptionAlgorithm (set for cryptographic
 * operations), kms:GrantIsForAWSResource (set for CreateGrant, ListGrants, RevokeGrant), and the
 * grant path (CreateGrant checks a parent grant). Cross-account scope counts for callers of other
 * accounts. Whether the key state fails the action counts only when some input is unreadable (the
 * evaluator then compares the two worlds' final verdicts, after the key state); otherwise it
 * changes neither the authorization verdict nor its reasons, and such actions are evaluated last
 * so that their class takes its deciding step from an action the key state does not fail.
 */
function traitKey(a: ActionInfo, key: Key, f: number, grantsUnknown: boolean, aliasElsewhere: boolean): string {
  return [
    a.cls,
    (f & F_CROSS) !== 0 && a.crossAccount,
    (f & F_KEYSTATE) !== 0 && keyStepError(a, key) !== undefined,
    // Unreadable metadata: the restrictive world fails every action that depends on the key state;
    // a fact the metadata does not record, those it may fail (keyStateDoubt).
    key.metadataUnknown !== undefined && dependsOnKeyState(a),
    key.metadataUnknown === undefined ? (keyStateDoubt(a, false, key.metadata)?.input.what ?? '') : '',
    (f & (F_EC | F_GRANT_EC)) !== 0 && a.takesEncryptionContext,
    (f & F_ALIAS) !== 0 && a.requestAlias,
    (f & F_ALG) !== 0 && a.encryptionAlgorithm,
    (f & F_GIFAR) !== 0 && (a.short === 'CreateGrant' || a.short === 'ListGrants' || a.short === 'RevokeGrant'),
    (f & F_GRANTS) !== 0 && a.grantOperation !== undefined,
    (f & F_GRANTS) !== 0 && a.short === 'CreateGrant',
    // With unreadable grants, the stand-in grant's operations decide: keep grant actions apart.
    grantsUnknown && a.grantOperation !== undefined ? a.short : '',
    // Actions that need a further permission (UpdateAlias, ReplicateKey, UpdatePrimaryRegion) or
    // take the grant path of their own (CreateGrant) are decided alone. UpdateAlias needs one only
    // when its alias points to another key now (Evaluator.companions); otherwise it is an alias
    // action like CreateAlias and DeleteAlias, decided by the same walk. Those that carry required
    // request parameters (whose keys a request without them leaves unknown) only with actions
    // that carry the same ones (GenerateDataKeyPair and …WithoutPlaintext, ReEncryptFrom and
    // ReEncryptTo, Sign and Verify, GenerateMac and VerifyMac).
    ALONE.has(a.short) && (a.short !== 'UpdateAlias' || aliasElsewhere) ? a.short : (REQUIRED_KEYS.get(a.short) ?? ''),
  ].join('|');
}

const ALONE = new Set(['UpdateAlias', 'ReplicateKey', 'UpdatePrimaryRegion', 'CreateGrant', 'RetireGrant']);
const REQUIRED_KEYS = new Map(ACTIONS.map((a) => [a.short, requiredParameterKeys(a.short).join(',')] as const).filter(([, keys]) => keys !== ''));

/** Actions always asked (never skipped as "nothing can allow"): decided alone, or with required request parameters, whose keys are unknown rather than absent. */
const OWN_CLASS = new Set([
  'UpdateAlias',
  'ReplicateKey',
  'UpdatePrimaryRegion',
  'CreateGrant',
  'RetireGrant',
  'Sign',
  'Verify',
  'GenerateMac',
  'VerifyMac',
  'DeriveSharedSecret',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'GetParametersForImport',
]);

const SCRATCH_COARSE = new Int32Array(N);
const SCRATCH_FINE = new Int32Array(N);
const SCRATCH_MAY_ALLOW = new Uint8Array(N);
const SCRATCH_PART = new Int32Array(N);
const SCRATCH_SIG = new Int32Array(N);
const SCRATCH_LOCAL = new Array<number>(N).fill(0);
const SCRATCH_DENY = new Uint8Array(N);
const SCRATCH_SETS = new Array<number | string>(N).fill(0);

/** Keys that a request without context may carry (every other key is absent from it). */
const MAYBE_PRESENT =
  /^(aws:principal|aws:username|aws:userid|aws:rolesessionname|aws:source|aws:vpcsourceip|aws:useragent|aws:referer|aws:multifactorauth|aws:tokenissuetime|aws:currenttime|aws:epochtime|aws:federatedprovider|aws:ec2instancesource|aws:calledvia|aws:viaawsservice|aws:securetransport|aws:resource|aws:requestedregion|kms:calleraccount|kms:keyspec|kms:customermasterkey|kms:keyusage|kms:keyorigin|kms:multiregion|kms:resourcealiases|kms:encryptionalgorithm|kms:grantisforawsresource|kms:trailingdayswithoutkeyusage|kms:rotationperiodindays|kms:schedulekeydeletionpendingwindowindays|kms:bypasspolicylockoutsafetycheck|kms:expirationmodel|kms:validto)/;

const settableCache = new WeakMap<CompiledStatement, boolean>();
/** Has a condition on a key that a request can set (not a property of the principal or the key). */
function hasSettableCondition(cs: CompiledStatement): boolean {
  let r = settableCache.get(cs);
  if (r === undefined) {
    r = cs.conditions.some((c) => !FIXED.test(c.key));
    settableCache.set(cs, r);
  }
  return r;
}

const deadCache = new WeakMap<CompiledStatement, boolean>();
/**
 * A statement that cannot apply to any request without context: one of its conditions needs a
 * key that such a request does not carry (StringEquals kms:ViaService, kms:EncryptionContext:…,
 * aws:SourceIp …, without IfExists, not negated, not ForAllValues; Null "false").
 */
function deadWithoutContext(cs: CompiledStatement): boolean {
  let d = deadCache.get(cs);
  if (d === undefined) {
    d = cs.conditions.some((c) => {
      if (c.hasVariables || MAYBE_PRESENT.test(c.key)) return false;
      if (c.op.base === 'Null') return c.values.length > 0 && c.values.every((v) => v.toLowerCase() === 'false');
      if (c.op.set === 'ForAllValues' || c.op.ifExists || c.op.negated) return false;
      return true;
    });
    deadCache.set(cs, d);
  }
  return d;
}

// ─── Witness requests ──────────────────────────────────────────────────────────────────────────

const OTHER_VALUE = 'kms-why-other-value';

/** A value that makes the condition true (forAllow) or false (!forAllow), when one is easy to give. */
function synthesize(c: ConditionClause, forAllow: boolean): string | undefined {
  const op = parseOperator(c.operator);
  const v = c.values[0];
  if (op === null || v === undefined) return undefined;
  const literal = (s: string): string => s.replace(/[*?]/g, 'x');
  // Whether we need the positive form of the operator to hold.
  const wantPositive = forAllow !== op.negated;
  switch (op.base) {
    case 'Null':
      // Null "false" holds when the key is present; "true" when absent, which a request cannot make.
      return (v.toLowerCase() === 'false') === forAllow ? 'x' : undefined;
    case 'Bool':
      return wantPositive ? v : v.toLowerCase() === 'true' ? 'false' : 'true';
    case 'IpAddress':
    case 'NotIpAddress':
      return wantPositive ? v.split('/')[0] : undefined;
    case 'NumericEquals':
    case 'NumericNotEquals':
      return wantPositive ? v : String(Number(v) + 1);
    case 'NumericLessThan':
      return forAllow ? String(Number(v) - 1) : v;
    case 'NumericLessThanEquals':
      return forAllow ? v : String(Number(v) + 1);
    case 'NumericGreaterThan':
      return forAllow ? String(Number(v) + 1) : v;
    case 'NumericGreaterThanEquals':
      return forAllow ? v : String(Number(v) - 1);
    case 'DateEquals':
    case 'DateNotEquals':
      return wantPositive ? v : '1970-01-01T00:00:00Z';
    case 'DateLessThan':
    case 'DateLessThanEquals':
      return forAllow ? '1970-01-01T00:00:00Z' : '2999-12-31T23:59:59Z';
    case 'DateGreaterThan':
    case 'DateGreaterThanEquals':
      return forAllow ? '2999-12-31T23:59:59Z' : '1970-01-01T00:00:00Z';
    default:
      // String*, Arn*, BinaryEquals.
      return wantPositive ? literal(v) : OTHER_VALUE;
  }
}

class WitnessDraft {
  ec: Record<string, string> = {};
  ecKeys = new Set<string>();
  viaService?: string;
  keyIdentifier?: string;
  encryptionAlgorithm?: string;
  grantIsForAwsResource?: boolean;
  context: Record<string, string> = {};
  empty = true;

  /** First value wins; a later conflicting one is dropped (the evaluator is the judge anyway). */
  set(clauseKey: string, value: string): void {
    const k = clauseKey.toLowerCase();
    if (FIXED.test(k)) return;
    this.empty = false;
    if (k.startsWith('kms:encryptioncontext:')) {
      const name = clauseKey.slice('kms:encryptioncontext:'.length);
      if (!this.ecKeys.has(name.toLowerCase())) {
        this.ecKeys.add(name.toLowerCase());
        this.ec[name] = value;
      }
    } else if (k === 'kms:encryptioncontextkeys') {
      if (!this.ecKeys.has(value.toLowerCase())) {
        this.ecKeys.add(value.toLowerCase());
        this.ec[value] = 'x';
      }
    } else if (k === 'kms:viaservice') this.viaService ??= value;
    else if (k === 'kms:grantisforawsresource') this.grantIsForAwsResource ??= value.toLowerCase() === 'true';
    else if (k === 'kms:requestalias') {
      if (value.startsWith('alias/')) this.keyIdentifier ??= value;
    } else if (k === 'kms:encryptionalgorithm') this.encryptionAlgorithm ??= value;
    else if (!(clauseKey in this.context)) this.context[clauseKey] = value;
  }

  addStatement(cs: CompiledStatement): void {
    const allow = cs.st.effect === 'Allow';
    for (const c of cs.st.condition) {
      const v = synthesize(c, allow);
      if (v !== undefined) this.set(c.key, v);
    }
  }

  addGrant(g: Grant): void {
    const c = g.constraints;
    for (const [k, v] of Object.entries(c?.encryptionContextEquals ?? {})) this.set(`kms:EncryptionContext:${k}`, v);
    for (const [k, v] of Object.entries(c?.encryptionContextSubset ?? {})) this.set(`kms:EncryptionContext:${k}`, v);
    if (c?.sourceArn !== undefined) this.set('aws:SourceArn', c.sourceArn);
  }

  witness(): Witness {
    const w: Witness = {};
    if (Object.keys(this.ec).length > 0) w.encryptionContext = { ...this.ec };
    if (this.viaService !== undefined) w.viaService = this.viaService;
    if (this.keyIdentifier !== undefined) w.keyIdentifier = this.keyIdentifier;
    if (this.encryptionAlgorithm !== undefined) w.encryptionAlgorithm = this.encryptionAlgorithm;
    if (this.grantIsForAwsResource !== undefined) w.grantIsForAwsResource = this.grantIsForAwsResource;
    if (Object.keys(this.context).length > 0) w.context = { ...this.context };
    return w;
  }
}

/** The request with a witness's context. */
export function withWitness(base: Request, w: Witness): Request {
  const r: Request = { ...base };
  if (w.encryptionContext !== undefined) r.encryptionContext = w.encryptionContext;
  if (w.viaService !== undefined) r.viaService = w.viaService;
  if (w.keyIdentifier !== undefined) r.keyIdentifier = w.keyIdentifier;
  if (w.encryptionAlgorithm !== undefined) r.encryptionAlgorithm = w.encryptionAlgorithm;
  if (w.grantIsForAwsResource !== undefined) r.grantIsForAwsResource = w.grantIsForAwsResource;
  if (w.context !== undefined) r.context = w.context;
  return r;
}

// ─── The engine ────────────────────────────────────────────────────────────────────────────────

interface Profile {
  ref: PrincipalRef;
  arn: string;
  /** callerKeys without the account key: what a naming statement or a grant to this principal is filed under. */
  ownKeys: string[];
  allKeys: string[];
  /** Known identity, boundary and session policies (own and its role's), and its account's SCPs. */
  policies: CompiledPolicy[];
  /** Their statements that cover a key action. */
  stmts: CompiledStatement[];
  /** Some of its inputs are unreadable or missing. */
  hasUnknown: boolean;
  /** What every caller it may share answers with has in common (kind, account, service-linked); null: evaluated on its own. */
  shareBase: string | null;
  /** Its identity (those with a KMS statement), boundary and session policies as the evaluator reads them, in canonical compiled form (see shareSig). */
  sigIdentity: CompiledPolicy[];
  sigBoundary: CompiledPolicy | null;
  sigSession: CompiledPolicy[];
  scps: CompiledPolicy[];
  /** The token of each principal-dependent clause of its identity-side policies and SCPs (clauseToken). */
  tokens: Map<CompiledCondition, string> | undefined;
}

/** What a policy brings to a signature on one key (see WhoCanEngine.policyInfo). */
interface PolicyInfo {
  /** Distinct per (policy content, key): names the statement list in a class key. */
  id: number;
  /**
   * The policy it was made for. Policies alike but for their name (contentOf: roles' inline
   * policies written from one template) share it, and so share answers: answers are kept in the
   * owner's names, and renamed for each caller (see Renames).
   */
  owner: CompiledPolicy;
  /** A statement of stmts has a Sid with `#`, which a renamed statement id (`Name#index`) could be mistaken for. */
  hashSid: boolean;
  /** The statements that can apply to a request on the key (Action covers an action asked, Resource may match). */
  stmts: CompiledStatement[];
  /** Their principal-dependent clauses, with the effect of their statement. */
  clauses: Array<[CompiledCondition, Effect]>;
  /** By action position (see WhoCanEngine.cover). */
  cover?: InfoCover;
}

interface InfoCover {
  /**
   * The key's number of the first set of statements that covers some action (see coverNum); the
   * sets are numbered in order of first position.
   */
  base: number;
  shape: CoverShape;
  clauses: Array<Array<[CompiledCondition, Effect]> | undefined> | undefined;
}

/**
 * Which positions the same statements of a policy cover, without naming the statements: most
 * policies have one of a few shapes, so a key keeps one object per shape, not arrays per policy
 * (those were a fifth of what a key kept while it was answered).
 */
interface CoverShape {
  /** Per position: the set of statements that covers the action, numbered from 0 in order of first position (a partition of the positions, for refine). */
  local: number[];
  /** The local number of the empty set (no statement covers the action), or -1. */
  empty: number;
  /** Per position: a Deny statement covers the action. */
  deny: Uint8Array;
}

function sameShape(x: CoverShape, local: number[], deny: Uint8Array, empty: number, n: number): boolean {
  if (x.empty !== empty || x.local.length !== n) return false;
  for (let i = 0; i < n; i++) if (x.local[i] !== local[i] || x.deny[i] !== deny[i]) return false;
  return true;
}

/** The caller is of the key's account and partition (a service principal is of none). */
function ofKeyAccount(p: Profile, k: KeyProfile): boolean {
  return p.ref.kind !== 'service' && p.ref.account === k.account && p.ref.partition === k.key.metadata.partition;
}

/** The key's number of the set of statements that covers position i (0: none): InfoCover.base onwards, the empty set left out. */
function coverNum(cv: InfoCover, i: number): number {
  const { local, empty } = cv.shape;
  const l = local[i]!;
  if (l === empty) return 0;
  return cv.base + (empty >= 0 && l > empty ? l - 1 : l);
}

/** Callers that get the same answers on one key (see WhoCanEngine.shareClass). */
interface SigClass {
  /**
   * Where its signatures start in the engine's sigPool: per position in the key's actions, the
   * signature (a node of the key's trie), which answers are shared by across classes. In one pool
   * for the key, not an array per class: classes live as long as the key, and an array each was
   * copied by every young-generation collection on the way to the old one.
   */
  sigsAt: number;
  /** The signature of the positions an unconditional public Allow decides (see shareClass). */
  publicSig: number;
  /** The row of answers, once every position is known (for a caller with no own grants or private positions). */
  row: Array<AccessEntry | null> | undefined;
  /**
   * Until the class is first used: the first trie node made for it. A signature from there on is
   * new, so no answer is shared by it yet (not worth a look-up).
   */
  newFrom: number;
}

interface KpSide {
  coarse: Int32Array;
  fine: Int32Array;
  fCoarse: number;
  fFine: number;
  allowNamed: Uint8Array;
  allowAccount: Uint8Array;
}

interface KeyProfile {
  key: Key;
  arn: string;
  account: string;
  /** The alias ARN that alias actions are evaluated on. */
  aliasArn: string | undefined;
  actions: ActionInfo[];
  /** Indices into actions: those the key state does not fail first. */
  order: number[];
  /** The key policy, its grants or its tags are unreadable. */
  hasUnknown: boolean;
  kp: CompiledPolicy | null;
  rcps: CompiledPolicy[];
  grantIndex: Map<string, Grant[]> | null;
  /** Partitions by the traits of each action that matter (see traitKey), with RCP coverage, by features. */
  traits: Map<number, Int32Array>;
  /** Context features read by the key's RCPs. */
  rcpFeatures: number;
  /** Effective key-policy statements, and which may concern whom. */
  kpStmts: CompiledStatement[];
  general: number[];
  byAccount: Map<string, number[]>;
  byName: Map<string, number[]>;
  kpPartitions: Map<string, KpSide>;
  /** The key-policy side of callers that no statement names, by account ('' for services). */
  kpGeneral: Map<string, KpSide>;
  relevant: Map<CompiledStatement, boolean>;
  namedKeys: Set<string>;
  /** Ordinary principals may share answers on this key. */
  shareable: boolean;
  /**
   * Answers by signature (a node of the trie, see shareClass) and position in actions: the
   * answer's number in sharedAnswers. One entry per answer known (an array per signature had room
   * for every position and was mostly empty).
   */
  shared: PairTable;
  /** The distinct answers `shared` holds (null, a denial, first), and their numbers. */
  sharedAnswers: Array<AccessEntry | null>;
  sharedNums: Map<AccessEntry, number>;
  /** Callers' classes by class key (a node of the trie), and the ids of their bases (shareClass). */
  classes: Map<number, SigClass>;
  bases: Map<string, number>;
  /** The ids of bases without clause tokens, by the caller's shareBase, for callers of the key's account and of others. */
  plainBasesSame: Map<string, number>;
  plainBasesOther: Map<string, number>;
  /**
   * Class keys and signatures as nodes of a trie of numbers (node 0 the root): the child of a node
   * for a label, each label a number with its kind in the low four bits (see shareClass). Equal
   * sequences of labels are one node, so comparing keys builds and hashes no strings; the child of
   * (node, label) is found in a PairTable.
   */
  trie: PairTable;
  /** The number of nodes of the trie (the next node's number). */
  trieNodes: number;
  /** The next number for a set of statements (see coverNum; 0 is the empty set). */
  coverCount: number;
  /** Cover shapes by a hash of their positions' local numbers, Deny marks and empty set (see InfoCover). */
  coverShapes: Map<number, CoverShape[]>;
  /** Per position: an unconditional `Principal: "*"` Allow of the key policy covers the action (see shareClass). */
  publicAllow: Uint8Array;
  /** 1 for the action indices evaluated on this key. */
  mask: Uint8Array;
  /** Positions (in actions) never shared: their further permissions are checked on another key (companions). */
  privatePositions: Uint8Array | null;
  /** Another key of the account and Region holds the alias UpdateAlias is asked on (it may be the alias's current key). */
  aliasElsewhere: boolean;
  policyInfo: Map<CompiledPolicy, PolicyInfo | null>;
  /** The same, by the policy's content (contentOf). */
  infoByContent: Map<number, PolicyInfo | null>;
  /** alikeInfo's, by content * 64 + the policy's rank among the caller's alike ones. */
  alikeInfo: Map<number, PolicyInfo | null>;
  /** Principal-dependent clauses of the key-policy statements that may concern a caller of this account, and of the RCPs. */
  kpClauses: Map<string, Array<[CompiledCondition, Effect]>>;
  rcpClauses: Array<[CompiledCondition, Effect]>;
}

const reasonRefs = new Map<string, ReasonRef>();
const reasonRefsByExcerpt = new WeakMap<object, ReasonRef>();
function reasonRef(r: Reason): ReasonRef {
  // A statement's (or grant's) excerpt is the same object every time it decides: a cheap key.
  const ex = typeof r.excerpt === 'object' && r.excerpt !== null ? r.excerpt : undefined;
  if (ex !== undefined) {
    const hit = reasonRefsByExcerpt.get(ex);
    if (
      hit !== undefined &&
      hit.id === r.id &&
      hit.source === r.source &&
      hit.effect === r.effect &&
      hit.policyName === (r.source === 'grant' ? undefined : r.policyName)
    )
      return hit;
  }
  const ref = internRef(r.source, r.id, r.effect, r.policyName);
  if (ex !== undefined) reasonRefsByExcerpt.set(ex, ref);
  return ref;
}

/** One ReasonRef object per distinct reference (a grant's carries no policy name). */
function internRef(source: ReasonSource, id: string, effect: Effect, policyName: string | undefined): ReasonRef {
  const k = `${source}|${policyName ?? ''}|${id}|${effect}`;
  let ref = reasonRefs.get(k);
  if (ref === undefined) {
    ref = { source, id, effect };
    if (policyName !== undefined && source !== 'grant') ref.policyName = policyName;
    reasonRefs.set(k, ref);
  }
  return ref;
}

const renamedRefs = new WeakMap<ReasonRef, Map<string, ReasonRef>>();
/** The reference to the same statement in the policy named `to` (`from` is the reference's policy). */
function renamedRef(ref: ReasonRef, from: string, to: string): ReasonRef {
  let byName = renamedRefs.get(ref);
  if (byName === undefined) renamedRefs.set(ref, (byName = new Map()));
  let out = byName.get(to);
  if (out === undefined) {
    const id = ref.id.startsWith(`${from}#`) ? `${to}#${ref.id.slice(from.length + 1)}` : ref.id;
    out = internRef(ref.source, id, ref.effect, to);
    byName.set(to, out);
  }
  return out;
}

const wordsCache = new WeakMap<AccessEntry, string>();
/** An answer's notes and reasons in words, as one text (undefined: it has none), where a policy name could hide. */
function wordsOf(e: AccessEntry): string | undefined {
  if (e.dependsOn === undefined && e.unreadable === undefined && e.unknownBecause === undefined) return undefined;
  let text = wordsCache.get(e);
  if (text === undefined) {
    text = JSON.stringify([e.dependsOn ?? null, e.unreadable ?? null, e.unknownBecause ?? null]);
    wordsCache.set(e, text);
  }
  return text;
}

const mentionsCache = new WeakMap<AccessEntry, readonly string[]>();
/** The names of the policies (of RENAMEABLE sources) whose statements an answer's reasons and guards name. */
function mentions(e: AccessEntry): readonly string[] {
  let out = mentionsCache.get(e);
  if (out === undefined) {
    const names: string[] = [];
    for (const r of e.reasons) if (RENAMEABLE.has(r.source) && r.policyName !== undefined) names.push(r.policyName);
    // A guard carries its statement's id alone: `Name#index` for a statement without a Sid.
    for (const c of e.conditions ?? []) {
      const hash = RENAMEABLE.has(c.source) ? c.id.indexOf('#') : -1;
      if (hash >= 0) names.push(c.id.slice(0, hash));
    }
    out = names;
    mentionsCache.set(e, out);
  }
  return out;
}

/** What a caller's policies are renamed by: parallel lists, the positions where its names differ from its class's (see PolicyInfo.owner). */
interface Renames {
  source: PolicySource[];
  from: string[];
  to: string[];
}

/** Answers already renamed for one caller (undefined: it cannot be). */
type RenameMemo = Map<AccessEntry, AccessEntry | null | undefined>;

/** Policies shared by content (contentOf), and renamed. */
const RENAMEABLE: ReadonlySet<ReasonSource> = new Set(['identity-policy', 'permissions-boundary', 'session-policy']);

/**
 * The renames from a class's policies (`infos`, by their owners' names) to a caller's (`mine`,
 * the same positions), or null when an answer's names could not be mapped one to one: a source
 * and name on one side paired with two on the other, or a `#` in a name or Sid (a statement id
 * `Name#index` is renamed by its prefix).
 */
function renamesOf(infos: readonly PolicyInfo[], mine: readonly CompiledPolicy[]): Renames | null {
  let r: Renames | null = null;
  for (let j = 0; j < infos.length; j++) {
    const info = infos[j]!;
    const o = info.owner.policy;
    const m = mine[j]!.policy;
    if (info.hashSid || o.name.includes('#') || m.name.includes('#')) return null;
    // A few policies: pairs are compared, not hashed. One source and name on either side must
    // pair with one on the other (the same policy attached twice pairs alike).
    for (let i = 0; i < j; i++) {
      const oi = infos[i]!.owner.policy;
      const mi = mine[i]!.policy;
      const sameFrom = oi.source === o.source && oi.name === o.name;
      const sameTo = mi.source === m.source && mi.name === m.name;
      if (sameFrom !== sameTo) return null;
    }
    if (o.name !== m.name) {
      r ??= { source: [], from: [], to: [] };
      r.source.push(o.source);
      r.from.push(o.name);
      r.to.push(m.name);
    }
  }
  return r ?? { source: [], from: [], to: [] };
}

interface AllowNode {
  next: Map<ReasonRef, AllowNode> | undefined;
  entry: AccessEntry | undefined;
  /** The same answer resting on assumptions (through a grant), by their ids joined. */
  assumed?: Map<string, AccessEntry>;
}

/** The layer of searchWitness of a statement of each source but SCPs (5 on, one per policy). */
const LAYER: Record<Exclude<PolicySource, 'scp'>, number> = {
  'key-policy': 0,
  'identity-policy': 2,
  'permissions-boundary': 3,
  'session-policy': 4,
  rcp: -1,
};

/** At most this many requests are asked in searchWitness for one answer. */
const WITNESS_SEARCH = 64;

interface Success {
  d: Decision;
  witness: Witness;
  /** The statements and grants whose conditions the witness was made from. */
  parts: ReadonlyArray<{ cs: CompiledStatement } | { grant: Grant }>;
}

let nextInfoId = 1;

/** Kinds of trie labels (the low four bits; see KeyProfile.trie). */
const L_BASE = 0;
const L_IDENTITY = 1;
const L_BOUNDARY = 2;
const L_SESSION = 3;
const L_TOKEN = 4;
/** Added to a group's kind: a policy's statements covering one action (coverNum) rather than the policy. */
const L_COVER = 4;
const L_PUBLIC = 9;

/** The child of a node of the key's trie for a label, made on first use. */
function step(k: KeyProfile, node: number, label: number): number {
  let child = k.trie.get(node, label);
  if (child < 0) {
    child = k.trieNodes++;
    k.trie.set(node, label, child);
  }
  return child;
}

/** The answer shared by signature `sig` at `position`, if one is known. */
function sharedAnswer(k: KeyProfile, sig: number, position: number): AccessEntry | null | undefined {
  const num = k.shared.get(sig, position);
  return num < 0 ? undefined : k.sharedAnswers[num];
}

function shareAnswer(k: KeyProfile, sig: number, position: number, e: AccessEntry | null): void {
  let num = e === null ? 0 : k.sharedNums.get(e);
  if (num === undefined) {
    num = k.sharedAnswers.length;
    k.sharedAnswers.push(e);
    k.sharedNums.set(e!, num);
  }
  k.shared.set(sig, position, num);
}
const UNIQUE = Int32Array.from({ length: N }, (_, i) => i);

export class WhoCanEngine {
  readonly evaluator: Evaluator;
  private readonly profiles = new Map<string, Profile>();
  private readonly prune: boolean;
  /** Distinct answers and rows of answers of the key being answered. */
  private readonly entries = new Map<string, AccessEntry>();
  private readonly allowed = new Map<DecidedBy, AllowNode>();
  private readonly rows = new Map<number, Array<Array<AccessEntry | null>>>();
  evaluations = 0;
  /** Of them, the explained evaluations of unknown answers no unreadable input explains. */
  explainedUnknowns = 0;
  sharedPairs = 0;

  /** When the requests are made (WhoCanOptions.at). */
  readonly at: string | undefined;

  constructor(
    readonly snapshot: Snapshot,
    opts: { prune?: boolean; evaluatorOptions?: Partial<EvaluatorOptions>; at?: string } = {},
  ) {
    this.prune = opts.prune !== false;
    this.at = opts.at;
    // Who can use a key depends on every grant: a list read in part is unknown for everyone.
    this.evaluator = new Evaluator(this.prune ? this.canonicalSnapshot(snapshot) : snapshot, opts.evaluatorOptions ?? {}, {
      wholeGrantLists: true,
      oneCallerAtATime: true,
    });
  }

  private compile(p: Policy): CompiledPolicy {
    return this.evaluator.compile(p);
  }

  /**
   * The snapshot the evaluator reads: the same, but with one Policy object per distinct identity,
   * boundary or session policy (same kind, name, version, Id and statements as written; where it
   * was read from aside, which no answer shows). A snapshot file repeats a policy under every role
   * it is attached to, each copy parsed on its own: compiled once per copy, thousands of copies
   * would hold thousands of compiled policies; and principals share answers only when their
   * statements are the same objects (shareClass). Managed policies with an ARN are already compiled
   * once by the evaluator (sharedManaged).
   */
  private canonicalSnapshot(s: Snapshot): Snapshot {
    const canonical = new Map<string, Policy>();
    const canon = (p: Policy): Policy => {
      if (p.arn !== undefined) return p;
      const key = `${p.source}|${p.name}|${p.version ?? ''}|${p.id ?? ''}|${JSON.stringify(p.statements.map((st) => st.raw))}`;
      const c = canonical.get(key);
      if (c !== undefined) return c;
      canonical.set(key, p);
      return p;
    };
    const list = (v: Unknowable<Policy[]>): Unknowable<Policy[]> => {
      if (isUnknown(v)) return v;
      const out = v.map(canon);
      return out.every((p, i) => p === v[i]) ? v : out;
    };
    const done = new Map<PrincipalPolicies, PrincipalPolicies>();
    const principals: Record<string, PrincipalPolicies> = {};
    let changed = false;
    for (const [arn, pp] of Object.entries(s.principals)) {
      let c = done.get(pp);
      if (c === undefined) {
        const identityPolicies = list(pp.identityPolicies);
        const sessionPolicies = list(pp.sessionPolicies);
        const b = pp.permissionsBoundary;
        const permissionsBoundary = isUnknown(b) || b === null ? b : canon(b);
        c =
          identityPolicies === pp.identityPolicies && sessionPolicies === pp.sessionPolicies && permissionsBoundary === b
            ? pp
            : { ...pp, identityPolicies, sessionPolicies, permissionsBoundary };
        if (c !== pp) changed = true;
        done.set(pp, c);
      }
      principals[arn] = c;
    }
    return changed ? { ...s, principals } : s;
  }

  private orgPolicies(kind: 'scp' | 'rcp', account: string): CompiledPolicy[] {
    const org = this.snapshot.organization;
    if (org === undefined) return [];
    const levels = (kind === 'scp' ? org.serviceControlPolicies : org.resourceControlPolicies)[account] ?? [];
    return levels.flatMap((l) => l.policies.map((p) => this.compile(p)));
  }

  profile(ref: PrincipalRef): Profile {
    const cached = this.profiles.get(ref.arn);
    if (cached !== undefined) return cached;
    const all = callerKeys(ref);
    const ownKeys = all.filter((k) => !k.startsWith('account:'));
    // What the evaluator reads for this caller (a session without an entry of its own: its role's).
    const src = this.evaluator.sourcesOf(ref.arn);
    const policies: CompiledPolicy[] = [];
    const sigIdentity: CompiledPolicy[] = [];
    let sigBoundary: CompiledPolicy | null = null;
    const sigSession: CompiledPolicy[] = [];
    let hasUnknown = false;
    if (src === null) hasUnknown = true;
    else {
      // Tags not given, or a role path not known, are this caller's own unknown input: an answer
      // shared with another caller would name the wrong one.
      if (
        isUnknown(src.identity) ||
        isUnknown(src.boundary) ||
        isUnknown(src.session) ||
        isUnknown(src.tags) ||
        src.tagsAbsent !== undefined ||
        src.principalArnUnknown !== undefined
      )
        hasUnknown = true;
      // The evaluator reads canonical policies (canonicalSnapshot): the same objects for the same policy.
      if (!isUnknown(src.identity)) {
        for (const p of src.identity) {
          const cp = this.compile(p);
          policies.push(cp);
          // An identity policy without a KMS statement brings nothing to a signature (shareClass).
          if (kmsStatements(cp).length > 0) sigIdentity.push(cp);
        }
      }
      if (!isUnknown(src.boundary) && src.boundary !== null) {
        sigBoundary = this.compile(src.boundary);
        policies.push(sigBoundary);
      }
      if (!isUnknown(src.session)) {
        for (const p of src.session) {
          const cp = this.compile(p);
          policies.push(cp);
          sigSession.push(cp);
        }
      }
    }
    const scps = ref.kind === 'service' ? [] : this.orgPolicies('scp', ref.account);
    policies.push(...scps);
    // The SCPs of its account are not known (Evaluator.orgPoliciesUnknown): its own unknown input too.
    if (ref.kind !== 'service' && this.evaluator.orgPoliciesUnknown('scp', ref.account) !== undefined) hasUnknown = true;
    const stmts = [...new Set(policies.flatMap(kmsStatements))];
    // Roles, users and sessions whose inputs are all known may share answers (shareSig).
    let shareBase: string | null = null;
    if (this.prune && !hasUnknown && (ref.kind === 'role' || ref.kind === 'user' || ref.kind === 'assumed-role')) {
      // SCPs do not restrict service-linked roles (docs/semantics.md#organization-policies).
      // The evaluator's own rule (SCPs do not restrict service-linked roles), so callers it tells apart stay apart.
      shareBase = `${ref.kind}|${ref.account}|${isServiceLinked(ref) ? 'slr' : ''}`;
    }
    const prof: Profile = {
      ref,
      arn: ref.arn,
      ownKeys,
      allKeys: all,
      policies,
      stmts,
      hasUnknown,
      shareBase,
      sigIdentity,
      sigBoundary,
      sigSession,
      scps,
      tokens: undefined,
    };
    this.profiles.set(ref.arn, prof);
    return prof;
  }

  private keyProfile(key: Key, actions: ActionInfo[]): KeyProfile {
    // Empty even if the last key's answering was cut short by an error.
    this.trieTable.clear();
    this.sharedTable.clear();
    this.sigPoolUsed = 0;
    const m = key.metadata;
    const kp = isUnknown(key.policy) ? null : this.compile(key.policy);
    const rcps = this.orgPolicies('rcp', m.account);
    let grantIndex: Map<string, Grant[]> | null = null;
    const grants = everyGrant(key);
    // Filed by grantee as the evaluator files them (one index per grant list, shared with it).
    if (!isUnknown(grants)) grantIndex = SnapshotIndex.grantsByGrantee(grants);
    const kpStmts = kp ? kp.statements.filter((cs) => cs.ineffective === undefined) : [];
    const general: number[] = [];
    const byAccount = new Map<string, number[]>();
    const byName = new Map<string, number[]>();
    const push = (map: Map<string, number[]>, k: string, i: number): void => {
      const l = map.get(k);
      if (l === undefined) map.set(k, [i]);
      else if (l[l.length - 1] !== i) l.push(i);
    };
    kpStmts.forEach((cs, i) => {
      if (cs.notPrincipal !== undefined || cs.principal === undefined || cs.principal.wildcard) {
        general.push(i);
        return;
      }
      for (const p of cs.principal.patterns) {
        if (p.kind === 'account') push(byAccount, p.account, i);
        else {
          const k = patternKey(p);
          if (k !== undefined) push(byName, k, i);
        }
      }
    });

    const namedKeys = new Set<string>();
    let hasNotPrincipal = false;
    let resourceVariables = false;
    if (kp) {
      for (const cs of kp.statements) {
        if (cs.notPrincipal) hasNotPrincipal = true;
        for (const p of cs.principal?.patterns ?? []) {
          if (p.kind === 'account') continue;
          const k = patternKey(p);
          if (k !== undefined) namedKeys.add(k);
        }
        if (resourceHasVariables(cs)) resourceVariables = true;
      }
    }
    for (const cp of rcps) if (cp.statements.some(resourceHasVariables)) resourceVariables = true;
    const shareable =
      this.prune &&
      kp !== null &&
      grantIndex !== null &&
      key.tagsUnknown === undefined &&
      key.metadataUnknown === undefined &&
      !hasNotPrincipal &&
      !resourceVariables;
    const alias = actions.some((a) => a.cls === 'alias') ? key.aliases[0] : undefined;
    const mask = new Uint8Array(N);
    for (const a of actions) mask[a.index] = 1;
    const rcpClauses: Array<[CompiledCondition, Effect]> = [];
    for (const cp of rcps) {
      for (const cs of cp.statements) {
        const cov = coverage(cp, cs);
        if (cs.ineffective !== undefined || !actions.some((a) => cov[a.index] === 1)) continue;
        for (const c of cs.conditions) if (principalDependent(c)) rcpClauses.push([c, cs.st.effect]);
      }
    }
    // Actions whose further permissions are checked on another key, whose policy may name callers:
    // UpdateAlias on the key the alias points to now (when the snapshot says it is another one),
    // UpdatePrimaryRegion on the replica (see Evaluator.companions).
    let privatePositions: Uint8Array | null = null;
    const aliasElsewhere =
      alias !== undefined &&
      this.snapshot.keys.some((x) => x !== key && x.aliases.includes(alias) && x.metadata.account === m.account && x.metadata.region === m.region);
    actions.forEach((a, i) => {
      let other = false;
      if (a.short === 'UpdateAlias') other = aliasElsewhere;
      if (a.short === 'UpdatePrimaryRegion')
        other = this.snapshot.keys.some((x) => x !== key && x.metadata.keyId === m.keyId && x.metadata.account === m.account);
      if (other) (privatePositions ??= new Uint8Array(actions.length))[i] = 1;
    });
    // Per position: an unconditional public Allow (every resource, no condition) covers the action.
    // Actions with further permissions (alias, replica, primary Region) are left out.
    const publicAllow = new Uint8Array(actions.length);
    actions.forEach((a, i) => {
      if (a.cls === 'alias' || a.short === 'ReplicateKey' || a.short === 'UpdatePrimaryRegion' || kp === null) return;
      for (const cs of statementsFor(kp, a)) {
        const st = cs.st;
        if (cs.ineffective !== undefined || st.effect !== 'Allow' || cs.principal?.wildcard !== true || cs.notPrincipal !== undefined) continue;
        if (st.condition.length > 0 || st.notResource !== undefined || st.resource === undefined || st.resource.length !== 1 || st.resource[0] !== '*')
          continue;
        publicAllow[i] = 1;
      }
    });
    return {
      key,
      arn: m.arn,
      account: m.account,
      aliasArn: alias === undefined ? undefined : `arn:${m.partition}:kms:${m.region}:${m.account}:${alias}`,
      actions,
      order: actions
        .map((a, i) => [keyStepError(a, key) === undefined ? 0 : 1, i] as const)
        .sort((x, y) => x[0] - y[0] || x[1] - y[1])
        .map(([, i]) => i),
      hasUnknown:
        kp === null ||
        grantIndex === null ||
        key.tagsUnknown !== undefined ||
        key.metadataUnknown !== undefined ||
        this.evaluator.orgPoliciesUnknown('rcp', m.account) !== undefined,
      kp,
      rcps,
      grantIndex,
      traits: new Map(),
      rcpFeatures: rcps.reduce((f, cp) => cp.statements.reduce((g, cs) => g | featuresOf(cs), f), 0),
      kpStmts,
      general,
      byAccount,
      byName,
      kpPartitions: new Map(),
      kpGeneral: new Map(),
      relevant: new Map(),
      namedKeys,
      shareable,
      shared: this.sharedTable,
      sharedAnswers: [null],
      sharedNums: new Map(),
      classes: new Map(),
      bases: new Map(),
      plainBasesSame: new Map(),
      plainBasesOther: new Map(),
      trie: this.trieTable,
      trieNodes: 1,
      coverCount: 1,
      coverShapes: new Map(),
      publicAllow,
      mask,
      privatePositions,
      aliasElsewhere,
      policyInfo: new Map(),
      infoByContent: new Map(),
      alikeInfo: new Map(),
      kpClauses: new Map(),
      rcpClauses,
    };
  }

  /**
   * What an identity-side policy brings to a signature on this key: the statements that can apply
   * to a request on it (Action covers one of the actions asked, or kms:CreateKey for ReplicateKey;
   * Resource may match the key or its alias), and their principal-dependent clauses. null: one of
   * them has a policy variable in its Resource, so the caller must be evaluated on its own.
   */
  private policyInfo(cp: CompiledPolicy, k: KeyProfile): PolicyInfo | null {
    let info = k.policyInfo.get(cp);
    if (info === undefined) {
      const content = this.contentOf(cp);
      info = content < 0 ? undefined : k.infoByContent.get(content);
      if (info === undefined) {
        info = this.newInfo(cp, k);
        if (content >= 0) k.infoByContent.set(content, info);
      }
      k.policyInfo.set(cp, info);
    }
    return info;
  }

  /**
   * policyInfo for the `nth` (from 1) further policy of a caller alike in content to one before
   * it: answers in the names of one info could not tell two of the caller's policies apart, so the
   * second is another info, shared with every caller's second policy of that content.
   */
  private alikeInfo(cp: CompiledPolicy, k: KeyProfile, nth: number): PolicyInfo | null {
    const content = this.contentOf(cp);
    const key = content < 0 ? -1 : content * 64 + nth;
    let info = content < 0 || nth >= 64 ? undefined : k.alikeInfo.get(key);
    if (info === undefined) {
      info = this.newInfo(cp, k);
      if (content >= 0 && nth < 64) k.alikeInfo.set(key, info);
    }
    return info;
  }

  private newInfo(cp: CompiledPolicy, k: KeyProfile): PolicyInfo | null {
    const info: PolicyInfo = { id: nextInfoId++, owner: cp, hashSid: false, stmts: [], clauses: [] };
    const replicate = k.mask[REPLICATE_KEY] === 1;
    for (const cs of kmsStatements(cp)) {
      if (cs.ineffective !== undefined) continue;
      let applies = false;
      for (const ix of coveredList(cs))
        if (k.mask[ix] === 1) {
          applies = true;
          break;
        }
      applies = (applies && this.relevantFor(cs, k)) || (replicate && coverageOfStatement(cs)[CREATE_KEY] === 1);
      if (!applies) continue;
      if (resourceHasVariables(cs)) return null;
      info.stmts.push(cs);
      if (cs.st.sid?.includes('#')) info.hashSid = true;
      for (const c of cs.conditions) if (principalDependent(c)) info.clauses.push([c, cs.st.effect]);
    }
    return info;
  }

  /** Principal-dependent clauses of the key-policy statements that may concern a caller of this account (not naming it). */
  private kpClausesFor(k: KeyProfile, account: string): Array<[CompiledCondition, Effect]> {
    let list = k.kpClauses.get(account);
    if (list === undefined) {
      list = [];
      const idx = [...k.general, ...(k.byAccount.get(account) ?? [])];
      for (const i of idx) {
        const cs = k.kpStmts[i]!;
        const cov = coverage(k.kp!, cs);
        let applies = false;
        for (const a of k.actions)
          if (cov[a.index] === 1) {
            applies = true;
            break;
          }
        if (!applies) continue;
        for (const c of cs.conditions) if (principalDependent(c)) list.push([c, cs.st.effect]);
      }
      k.kpClauses.set(account, list);
    }
    return list;
  }

  /** The caller's principal-dependent context keys (they do not depend on the key: one context per caller). */
  private contextOf(p: Profile, k: KeyProfile): RequestContext {
    // Kept for the last caller only (its tokens are read in a row): thousands of callers' contexts
    // kept for the whole run would be memory for nothing.
    if (this.lastContext?.[0] !== p) this.lastContext = [p, this.evaluator.callerContext(p.arn, k.key)];
    return this.lastContext[1];
  }
  private lastContext: [Profile, RequestContext] | undefined;

  /**
   * The token of a principal-dependent clause of an identity-side policy or SCP for this caller
   * (clauseToken), computed once per caller: the same clauses come back on every key. Key-policy
   * and RCP clauses are read once per key (shareClass) and not kept.
   */
  private token(p: Profile, k: KeyProfile, c: CompiledCondition, effect: Effect): string {
    p.tokens ??= new Map();
    let t = p.tokens.get(c);
    if (t === undefined) {
      t = clauseToken(this.contextOf(p, k), c, effect);
      p.tokens.set(c, t);
    }
    return t;
  }

  /**
   * Per position in the key's actions: the statements of a policy's PolicyInfo that cover the
   * action (their ids, in order), whether one of them is a Deny, and their principal-dependent
   * clauses; computed once per policy and key, read by every class (shareClass).
   */
  private cover(info: PolicyInfo, k: KeyProfile): InfoCover {
    if (info.cover === undefined) {
      const n = k.actions.length;
      const local = SCRATCH_LOCAL;
      const deny = SCRATCH_DENY.fill(0, 0, n);
      let clauses: Array<Array<[CompiledCondition, Effect]> | undefined> | undefined;
      // Positions covered by the same statements share a number. A statement belongs to one policy,
      // so a set of this info's statements is no other info's: each new set gets a new number of
      // the key's (0 for none, shared by all). The set is a bit mask of the statements' places, or
      // their list when there are too many for one.
      const stmts = info.stmts;
      const small = stmts.length <= 30;
      // The sets seen so far, in order of first position (at most one per position: a search of a
      // few numbers costs less than a Map per policy).
      const sets = SCRATCH_SETS;
      let nsets = 0;
      let empty = -1;
      let hash = 0x811c9dc5;
      const covs = stmts.map(coverageOfStatement);
      for (let i = 0; i < n; i++) {
        const ix = k.actions[i]!.index;
        const replicate = ix === REPLICATE_KEY;
        let mask = 0;
        let list = '';
        for (let j = 0; j < stmts.length; j++) {
          const cs = stmts[j]!;
          const cov = covs[j]!;
          if (cov[ix] !== 1 && !(replicate && cov[CREATE_KEY] === 1)) continue;
          if (cs.st.effect === 'Deny') deny[i] = 1;
          if (small) mask |= 1 << j;
          else list += `${j},`;
          for (const c of cs.conditions) {
            if (!principalDependent(c)) continue;
            clauses ??= new Array<Array<[CompiledCondition, Effect]> | undefined>(n);
            (clauses[i] ??= []).push([c, cs.st.effect]);
          }
        }
        const set = small ? mask : list;
        let known = 0;
        while (known < nsets && sets[known] !== set) known++;
        if (known === nsets) {
          sets[nsets++] = set;
          if (set === 0 || set === '') empty = known;
        }
        local[i] = known;
        hash = Math.imul(hash ^ (known * 2 + deny[i]!), 0x01000193);
      }
      // Equal local numbers may still differ in which set is the empty one.
      hash = Math.imul(hash ^ (empty + 1), 0x01000193);
      let bucket = k.coverShapes.get(hash);
      let shape = bucket?.find((x) => sameShape(x, local, deny, empty, n));
      if (shape === undefined) {
        shape = { local: local.slice(0, n), empty, deny: deny.slice(0, n) };
        if (bucket === undefined) k.coverShapes.set(hash, (bucket = []));
        bucket.push(shape);
      }
      info.cover = { base: k.coverCount, shape, clauses };
      k.coverCount += nsets - (empty >= 0 ? 1 : 0);
    }
    return info.cover;
  }

  /**
   * The class of a caller on a key: callers of one class get the same answer to every action asked
   * (own grants and actions checked on another key aside, see key()). Each action's answer is
   * decided by its signature (the class's signatures in sigPool), which holds what can differ
   * between callers of the same kind, partition, account and service-linkedness for that action:
   * the identity, boundary and session statements whose Action covers it and whose Resource may
   * match the key (not every statement about KMS, nor whole policies; a boundary or session policy
   * that covers nothing still counts, as it then blocks), and the token of every principal-dependent
   * clause that could concern the caller (clauseToken: the values it reads, not "reads a tag") — in
   * those statements, in the SCPs, in key-policy statements for its account or everyone, in RCPs.
   * Where an unconditional `Principal: "*"` Allow of the key policy covers the action, a caller of
   * the key's account with no Deny statement for it is allowed by that statement whatever its own
   * Allow statements say (the flowchart decides at step 5a, before IAM): the signature is then the
   * same for all of them. Signatures are shared across classes (two classes may differ only in
   * statements about other actions).
   *
   * The class key holds everything the signatures are made of, for all actions at once: the base
   * (kind, account, service-linkedness, the caller's account being the key's, and the tokens of
   * the SCP, key-policy and RCP clauses), and per policy the statements that can apply to the key
   * (PolicyInfo, by identity) with the tokens of their principal-dependent clauses. Callers with the
   * same key therefore have the same signatures; the signatures are built once per class.
   * null: evaluated on its own (an input unreadable, named by the key policy, or a Resource with a
   * policy variable).
   */
  shareClass(p: Profile, k: KeyProfile): SigClass | null {
    if (!k.shareable || p.shareBase === null) return null;
    for (const key of p.ownKeys) if (k.namedKeys.has(key)) return null;
    const sameAccount = ofKeyAccount(p, k);
    // What every action shares: the clauses of the SCPs, key-policy statements and RCPs.
    let toks = '';
    for (const cp of p.scps) {
      const info = this.policyInfo(cp, k);
      if (info === null) return null;
      for (const [c, effect] of info.clauses) toks += `${this.token(p, k, c, effect)},`;
    }
    const kpClauses = this.kpClausesFor(k, p.ref.account);
    if (kpClauses.length > 0 || k.rcpClauses.length > 0) {
      const ctx = this.contextOf(p, k);
      for (const [c, effect] of kpClauses) toks += `${clauseToken(ctx, c, effect)},`;
      for (const [c, effect] of k.rcpClauses) toks += `${clauseToken(ctx, c, effect)},`;
    }
    // Most callers read no such clause: their base is found by their shareBase alone, with no
    // string made for each of them.
    const plain = toks === '' ? (sameAccount ? k.plainBasesSame : k.plainBasesOther) : undefined;
    let baseId = plain?.get(p.shareBase);
    if (baseId === undefined) {
      const base = `${p.shareBase}|${sameAccount ? 'S' : 'X'}${toks !== '' ? `|T${toks}` : ''}`;
      baseId = k.bases.get(base);
      if (baseId === undefined) {
        baseId = k.bases.size;
        k.bases.set(base, baseId);
      }
      plain?.set(p.shareBase, baseId);
    }
    const newFrom = k.trieNodes;
    const baseNode = step(k, 0, baseId * 16 + L_BASE);
    // The class key: the caller's applicable statements by group (identity, boundary, session),
    // each policy with the tokens of its principal-dependent clauses.
    let ck = baseNode;
    const infos: PolicyInfo[] = [];
    const groupOf: number[] = [];
    const mine: CompiledPolicy[] = [];
    let renamed = false;
    const add = (g: number, shared: PolicyInfo, cp: CompiledPolicy): void => {
      let info = shared;
      const name = cp.policy.name;
      for (let nth = 1; ; nth++) {
        // The info stands for another name of this caller's already (a few policies: a scan).
        let clash = false;
        for (let j = 0; j < infos.length && !clash; j++) clash = infos[j] === info && mine[j]!.policy.name !== name;
        if (!clash) break;
        const alt = this.alikeInfo(cp, k, nth);
        // Content-equal, so never null where `shared` is not; a policy of no content class has an info of its own each time.
        if (alt === null) break;
        info = alt;
      }
      infos.push(info);
      groupOf.push(g);
      mine.push(cp);
      if (info.owner !== cp && info.owner.policy.name !== cp.policy.name) renamed = true;
      ck = step(k, ck, info.id * 16 + g);
      for (const [c, effect] of info.clauses) ck = step(k, ck, this.tokenNum(this.token(p, k, c, effect)));
    };
    for (const cp of p.sigIdentity) {
      const info = this.policyInfo(cp, k);
      if (info === null) return null;
      if (info.stmts.length > 0) add(L_IDENTITY, info, cp);
    }
    if (p.sigBoundary !== null) {
      const info = this.policyInfo(p.sigBoundary, k);
      if (info === null) return null;
      add(L_BOUNDARY, info, p.sigBoundary);
    }
    for (const cp of p.sigSession) {
      const info = this.policyInfo(cp, k);
      if (info === null) return null;
      add(L_SESSION, info, cp);
    }
    this.renames = null;
    if (renamed) {
      const r = renamesOf(infos, mine);
      // Names that could not be told apart in an answer: the caller is evaluated on its own.
      if (r === null) return null;
      this.renames = r;
    }
    let cls = k.classes.get(ck);
    if (cls !== undefined) return cls;

    const n = k.actions.length;
    const at = this.reserveSigs(n);
    const sigs = this.sigPool.subarray(at, at + n);
    const publicSig = sameAccount ? step(k, baseNode, L_PUBLIC) : -1;
    if (infos.length === 0) {
      for (let i = 0; i < n; i++) sigs[i] = sameAccount && k.publicAllow[i] === 1 ? publicSig : baseNode;
    } else {
      const covers = infos.map((info) => this.cover(info, k));
      // Positions covered by the same statements of every policy (and alike in the public
      // statement) get the same signature: it is worked out once per such part of the positions.
      const part = SCRATCH_PART;
      for (let i = 0; i < n; i++) part[i] = k.publicAllow[i]!;
      for (const cv of covers) refine(part, cv.shape.local, n);
      const sigOfPart = SCRATCH_SIG.fill(-1, 0, n);
      for (let i = 0; i < n; i++) {
        const known = sigOfPart[part[i]!]!;
        if (known !== -1) {
          sigs[i] = known;
          continue;
        }
        let sig = baseNode;
        let deny = false;
        for (let gi = 0; gi < covers.length; gi++) {
          const cv = covers[gi]!;
          const num = coverNum(cv, i);
          // An identity policy none of whose statements covers the action is not read for it (a
          // boundary or session policy that covers nothing still counts: it blocks).
          if (num === 0 && groupOf[gi] === L_IDENTITY) continue;
          sig = step(k, sig, num * 16 + groupOf[gi]! + L_COVER);
          if (cv.shape.deny[i] === 1) deny = true;
          const cl = cv.clauses?.[i];
          if (cl !== undefined) for (const [c, effect] of cl) sig = step(k, sig, this.tokenNum(this.token(p, k, c, effect)));
        }
        sigs[i] = sameAccount && !deny && k.publicAllow[i] === 1 ? publicSig : sig;
        sigOfPart[part[i]!] = sigs[i]!;
      }
    }
    cls = { sigsAt: at, publicSig, row: undefined, newFrom };
    k.classes.set(ck, cls);
    return cls;
  }

  /**
   * The renames of the caller shareClass last gave a class to, from the names its class's answers
   * are kept in (the owners' of its PolicyInfos) to its own; null when they are the same.
   */
  private renames: Renames | null = null;

  /**
   * A number per distinct policy content: source, version and statements as written, the name
   * aside (-1: the policy is not shared by content). Roles' inline policies are often written
   * from one template under a name of each role's; content-equal policies answer alike on every
   * key, their statement ids and reasons differing only in the policy name (compile.ts
   * statementId: the Sid, or `Name#index`). Policies with an ARN are one object already
   * (sharedManaged); SCPs and RCPs are the account's.
   */
  private contentOf(cp: CompiledPolicy): number {
    let id = this.contentIds.get(cp);
    if (id === undefined) {
      id = -1;
      const p = cp.policy;
      if (p.arn === undefined && RENAMEABLE.has(p.source) && !p.name.includes('#') && !p.statements.some((st) => st.sid?.includes('#'))) {
        const key = `${p.source}|${p.version ?? ''}|${JSON.stringify(p.statements.map((st) => st.raw))}`;
        id = this.contentNums.get(key);
        if (id === undefined) {
          id = this.contentNums.size;
          this.contentNums.set(key, id);
        }
      }
      this.contentIds.set(cp, id);
    }
    return id;
  }
  private readonly contentIds = new WeakMap<CompiledPolicy, number>();
  private readonly contentNums = new Map<string, number>();

  /**
   * An answer in other names (Renames; `toCaller`: from the owners' to the caller's, else back):
   * undefined when it cannot be renamed safely (a note or reason in words that may name a policy).
   */
  private renamed(e: AccessEntry | null, r: Renames, toCaller: boolean): AccessEntry | null | undefined {
    if (e === null) return null;
    const from = toCaller ? r.from : r.to;
    const to = toCaller ? r.to : r.from;
    const text = wordsOf(e);
    if (text !== undefined) for (let j = 0; j < from.length; j++) if (text.includes(from[j]!) || text.includes(to[j]!)) return undefined;
    // Most answers name none of the policies renamed (a key-policy statement, a managed policy decided).
    const named = mentions(e);
    let any = false;
    for (let j = 0; j < named.length && !any; j++) any = from.includes(named[j]!);
    if (!any) return e;
    const reasons = e.reasons.map((ref) => {
      for (let j = 0; j < from.length; j++) if (ref.source === r.source[j] && ref.policyName === from[j]) return renamedRef(ref, from[j]!, to[j]!);
      return ref;
    });
    const conditions = e.conditions?.map((c) => {
      for (let j = 0; j < from.length; j++) {
        // A guard names its statement by id alone: `Name#index` without a Sid (no Sid or name here holds a `#`).
        if (c.source !== r.source[j] || !c.id.startsWith(`${from[j]}#`)) continue;
        return { ...c, id: `${to[j]}#${c.id.slice(from[j]!.length + 1)}` };
      }
      return c;
    });
    if (e.access === 'allow') return this.allowFromRefs(e.decidedBy, reasons, e.assumptions);
    return this.intern(conditions === undefined ? { ...e, reasons } : { ...e, reasons, conditions });
  }

  /** renamed, once per answer for `done` (a row repeats answers). */
  private renamedOnce(e: AccessEntry | null, r: Renames, toCaller: boolean, done: RenameMemo): AccessEntry | null | undefined {
    if (e === null) return null;
    if (done.has(e)) return done.get(e);
    const x = this.renamed(e, r, toCaller);
    done.set(e, x);
    return x;
  }

  /** A row in other names (see renamed), or undefined when an answer cannot be renamed. */
  private renamedRow(row: Array<AccessEntry | null>, r: Renames, toCaller: boolean): Array<AccessEntry | null> | undefined {
    const done = new Map() as RenameMemo;
    const out = new Array<AccessEntry | null>(row.length);
    for (let i = 0; i < row.length; i++) {
      const x = this.renamedOnce(row[i]!, r, toCaller, done);
      if (x === undefined) return undefined;
      out[i] = x;
    }
    return this.internRow(out);
  }

  /** A clause token as a trie label (numbered once per engine: tokens are few). */
  private tokenNum(t: string): number {
    let num = this.tokenNums.get(t);
    if (num === undefined) {
      num = this.tokenNums.size;
      this.tokenNums.set(t, num);
    }
    return num * 16 + L_TOKEN;
  }
  private readonly tokenNums = new Map<string, number>();
  /** The tables of the key being answered (KeyProfile.trie and .shared): one pair, emptied after each key and kept at the size it grew to. */
  private readonly trieTable = new PairTable();
  private readonly sharedTable = new PairTable();
  /** The signatures of the key's classes (SigClass.sigsAt), kept at the size they grew to. */
  private sigPool = new Int32Array(1 << 16);
  private sigPoolUsed = 0;

  /** Room for n signatures in sigPool: where they start. */
  private reserveSigs(n: number): number {
    if (this.sigPoolUsed + n > this.sigPool.length) {
      const bigger = new Int32Array(Math.max(this.sigPool.length * 2, this.sigPoolUsed + n));
      bigger.set(this.sigPool.subarray(0, this.sigPoolUsed));
      this.sigPool = bigger;
    }
    const at = this.sigPoolUsed;
    this.sigPoolUsed += n;
    return at;
  }

  /** Positions (in k.actions) covered by grants to this caller itself (not to its account), or null. */
  private ownGrantPositions(p: Profile, k: KeyProfile): Uint8Array | null {
    if (k.grantIndex === null) return null;
    let out: Uint8Array | null = null;
    for (const key of p.ownKeys) {
      const gs = k.grantIndex.get(key);
      if (gs === undefined) continue;
      for (const g of gs) {
        const cov = grantCoverage(g);
        k.actions.forEach((a, i) => {
          if (cov[a.index] === 1) (out ??= new Uint8Array(k.actions.length))[i] = 1;
        });
      }
    }
    return out;
  }

  private grantsOf(p: Profile, k: KeyProfile): Grant[] {
    if (k.grantIndex === null) return [];
    const out: Grant[] = [];
    for (const key of p.allKeys) for (const g of k.grantIndex.get(key) ?? []) out.push(g);
    return out;
  }

  /** Could an identity-side statement apply to a request on this key? (Its resource could match.) */
  private relevantFor(cs: CompiledStatement, k: KeyProfile): boolean {
    let r = k.relevant.get(cs);
    if (r === undefined) {
      r = true;
      if (cs.ineffective !== undefined) r = false;
      else if (cs.resourcePatterns !== undefined) {
        r = cs.resourcePatterns.some((p) => typeof p === 'string' || p.test(k.arn) || (k.aliasArn !== undefined && p.test(k.aliasArn)));
      }
      k.relevant.set(cs, r);
    }
    return r;
  }

  /** The partition by the action traits that matter for these features (see traitKey), refined by RCP coverage. */
  private traitPartition(k: KeyProfile, features: number): Int32Array {
    let part = k.traits.get(features);
    if (part === undefined) {
      const ids = new Map<string, number>();
      const traits = new Int32Array(N);
      for (const a of ACTIONS) {
        const t = traitKey(a, k.key, features, k.grantIndex === null, k.aliasElsewhere);
        let id = ids.get(t);
        if (id === undefined) {
          id = ids.size;
          ids.set(t, id);
        }
        traits[a.index] = id;
      }
      part = new Int32Array(N);
      refine(part, traits);
      for (const cp of k.rcps) for (const cs of cp.statements) refine(part, coverage(cp, cs));
      k.traits.set(features, part);
    }
    return part;
  }

  /**
   * Two partitions of the key's actions for this principal. `fine`: classes of actions that must
   * get the same answer, conditional access included: covered by the same statements among those
   * that could concern the principal (key-policy statements whose principal could match,
   * identity-side statements whose resource could match), by the same grants of the principal,
   * and alike in every trait of the action that these statements and grants can tell apart
   * (traitKey). `coarse`: the same without the statements that cannot apply to a request without
   * context (deadWithoutContext), so classes of actions with the same verdict without context; it
   * decides which actions share the plain evaluation, `fine` which share the search for
   * conditional access. `fine` refines `coarse`; it is computed only when needed.
   */
  private partitionsFor(p: Profile, k: KeyProfile, grants: Grant[]): { coarse: Int32Array; fine: () => Int32Array; mayAllow: Uint8Array | undefined } {
    if (!this.prune) return { coarse: UNIQUE, fine: () => UNIQUE, mayAllow: undefined };
    const cross = p.ref.kind !== 'service' && p.ref.account !== k.account;
    // The key-policy statements whose principal may match: `*` and NotPrincipal ones, those that
    // name the principal (or its role), and those that name its account.
    let named = k.general;
    for (const key of p.ownKeys) {
      const l = k.byName.get(key);
      if (l !== undefined) named = [...named, ...l];
    }
    const acct = p.ref.kind === 'service' ? '' : p.ref.account;
    // Features: which action-dependent parts of the request context the statements and grants read.
    let fCoarse = k.rcpFeatures | (cross ? F_CROSS : 0) | (p.hasUnknown || k.hasUnknown || !this.evaluator.options.authorizeBeforeKeyState ? F_KEYSTATE : 0);
    let fDead = 0;
    const live: CompiledStatement[] = [];
    const dead: CompiledStatement[] = [];
    for (const cs of p.stmts) {
      if (!this.relevantFor(cs, k)) continue;
      if (deadWithoutContext(cs)) {
        dead.push(cs);
        fDead |= featuresOf(cs);
      } else {
        live.push(cs);
        fCoarse |= featuresOf(cs);
      }
    }
    if (grants.length > 0) {
      fCoarse |= F_GRANTS;
      for (const g of grants) if (hasEcConstraint(g.constraints)) fCoarse |= F_GRANT_EC;
    }
    // Most callers are named by no statement: their key-policy side is their account's.
    let kpSide = named === k.general ? k.kpGeneral.get(acct) : undefined;
    if (kpSide === undefined) kpSide = this.kpSide(k, named, acct);
    fCoarse |= kpSide.fCoarse;
    const fFine = fCoarse | fDead | kpSide.fFine;
    const coarse = SCRATCH_COARSE;
    coarse.set(this.traitPartition(k, fCoarse));
    refine(coarse, kpSide.coarse);
    for (const cs of live) refine(coarse, coverageOfStatement(cs));
    for (const g of grants) refine(coarse, grantCoverage(g));
    const side = kpSide;
    const fine = (): Int32Array => {
      const out = SCRATCH_FINE;
      out.set(coarse);
      if (fFine !== fCoarse) refine(out, this.traitPartition(k, fFine));
      refine(out, side.fine);
      for (const cs of dead) refine(out, coverageOfStatement(cs));
      return out;
    };
    // Which actions could be allowed without context at all. The flowchart allows a key action
    // only through a key-policy Allow statement that applies (naming the caller, or its account
    // together with an identity-policy Allow, or the account root's own IAM power), or through a
    // grant; cross-account and alias actions need as much and more. With every input readable,
    // an action nothing of that kind covers is denied: no need to ask.
    let mayAllow: Uint8Array | undefined;
    if (!p.hasUnknown && !k.hasUnknown) {
      mayAllow = SCRATCH_MAY_ALLOW;
      mayAllow.set(kpSide.allowNamed);
      const viaAccount = kpSide.allowAccount;
      if (p.ref.kind === 'root') for (let a = 0; a < N; a++) mayAllow[a] = mayAllow[a]! | viaAccount[a]!;
      else {
        for (const cs of live) {
          if (cs.st.effect !== 'Allow' || cs.policy.source !== 'identity-policy') continue;
          const cov = coverageOfStatement(cs);
          for (let a = 0; a < N; a++) mayAllow[a] = mayAllow[a]! | (viaAccount[a]! & cov[a]!);
        }
      }
      for (const g of grants) {
        const gc = grantCoverage(g);
        for (let a = 0; a < N; a++) mayAllow[a] = mayAllow[a]! | gc[a]!;
      }
    }
    return { coarse, fine, mayAllow };
  }

  /** The key-policy side of the partitions for a caller that these statements may concern (by index: `*` and NotPrincipal ones, those naming it) and of this account. */
  private kpSide(k: KeyProfile, namedGiven: number[], acct: string): KpSide {
    const general = namedGiven === k.general;
    const named = general ? namedGiven : [...new Set(namedGiven)].sort((x, y) => x - y);
    const byAcct = acct === '' ? [] : (k.byAccount.get(acct) ?? []);
    const idx = byAcct.length === 0 ? named : [...new Set([...named, ...byAcct])].sort((x, y) => x - y);
    const sig = `${named.join(',')}|${byAcct.join(',')}`;
    let kpSide = k.kpPartitions.get(sig);
    if (kpSide === undefined) {
      kpSide = { coarse: new Int32Array(N), fine: new Int32Array(N), fCoarse: 0, fFine: 0, allowNamed: new Uint8Array(N), allowAccount: new Uint8Array(N) };
      const namedSet = new Set(named);
      for (const i of idx) {
        const cs = k.kpStmts[i]!;
        const cov = coverage(k.kp!, cs);
        refine(kpSide.fine, cov);
        kpSide.fFine |= featuresOf(cs);
        if (!deadWithoutContext(cs)) {
          refine(kpSide.coarse, cov);
          kpSide.fCoarse |= featuresOf(cs);
          if (cs.st.effect === 'Allow') {
            const into = namedSet.has(i) ? kpSide.allowNamed : kpSide.allowAccount;
            for (let a = 0; a < N; a++) into[a] = into[a]! | cov[a]!;
          }
        }
      }
      k.kpPartitions.set(sig, kpSide);
    }
    if (general) k.kpGeneral.set(acct, kpSide);
    return kpSide;
  }

  /** Answers every action of the key (or those `need` marks) for one principal. */
  row(p: Profile, k: KeyProfile, need?: Uint8Array): Array<AccessEntry | null> {
    const grants = this.grantsOf(p, k);
    const { coarse, fine, mayAllow } = this.partitionsFor(p, k, grants);
    const sameAccount = ofKeyAccount(p, k);
    // The partitions are scratch buffers: read them before deciding.
    const n = k.actions.length;
    const coarseOf = new Array<number>(n);
    const skip = new Array<boolean>(n);
    for (let i = 0; i < n; i++) {
      const ix = k.actions[i]!.index;
      coarseOf[i] = coarse[ix]!;
      skip[i] = mayAllow !== undefined && mayAllow[ix] === 0 && !OWN_CLASS.has(k.actions[i]!.short);
    }
    let fineOf: number[] | undefined;
    const base: Array<Decision | undefined> = [];
    const byCoarse: Array<AccessEntry | null | undefined> = [];
    const byFine: Array<AccessEntry | null | undefined> = [];
    const row = new Array<AccessEntry | null>(n);
    // Actions the key state fails come last, so that a class is decided by one it does not fail.
    for (const i of k.order) {
      if (need !== undefined && need[i] === 0) continue;
      const a = k.actions[i]!;
      const c = coarseOf[i]!;
      let e = byCoarse[c];
      if (e === undefined) {
        if (skip[i]) e = null;
        else {
          const req = whoCanRequest(k.key, a, p.arn, this.at);
          const d = this.evaluate(req);
          if (authorizationUnsettled(d) || d.authorization === 'unknown') e = this.unknownEntry(req, d);
          else if (d.authorization === 'allow') e = this.allowEntry(d, p, k, a, grants);
          else {
            e = null;
            base[c] = d;
          }
        }
        byCoarse[c] = e;
      }
      if (e === null) {
        // Denied without context: is there a request with context that is allowed?
        if (fineOf === undefined) {
          const f = fine();
          fineOf = k.actions.map((x) => f[x.index]!);
        }
        const f = fineOf[i]!;
        let ce = byFine[f];
        if (ce === undefined) {
          const req = whoCanRequest(k.key, a, p.arn, this.at);
          // A class denied without asking: ask now, if the search for a witness needs it.
          const baseOf = (): Decision => (base[c] ??= this.evaluate(req));
          ce = this.conditional(p, k, a, req, baseOf, skip[i]!, grants, sameAccount && k.publicAllow[i] === 1);
          byFine[f] = ce;
        }
        e = ce;
      }
      row[i] = e;
    }
    return row;
  }

  private evaluate(req: Request): Decision {
    this.evaluations++;
    return this.evaluator.evaluate(req, { explain: false });
  }

  /**
   * An unknown answer. With an unreadable input, that input is the reason. Without one, the
   * verdict-only decision does not say why (the notes are recorded only when explained), but for
   * a request unknown only because a further permission cannot be named (UpdatePrimaryRegion
   * without the replica's Region, most of them), whose notes it carries beside it (UNKNOWN_NOTES):
   * the request is evaluated once more with the explanation, for the notes that name what it
   * depends on and the keys it would need. Such answers are few (one per coarse class of a
   * distinct row, like every evaluation).
   */
  private unknownEntry(req: Request, d: Decision): AccessEntry {
    const e: AccessEntry = { access: 'unknown', decidedBy: 'unknown', reasons: [], unreadable: d.unreadable.map((u) => `${u.what}: ${u.reason}`) };
    const carried = d.unreadable.length === 0 ? UNKNOWN_NOTES.get(d) : undefined;
    if (carried !== undefined && carried.length > 0) e.dependsOn = carried;
    else if (d.unreadable.length === 0) {
      this.evaluations++;
      this.explainedUnknowns++;
      // Only the notes that say why and the missing keys are read: no proposed change (none is a
      // note of that kind) is made or verified, and no trace is recorded. An unknown verdict of a
      // request without further permissions gets them from one explained walk (unknownNotes);
      // one that is unknown only in its authorization, or has further permissions, is explained.
      const x =
        d.decision === 'unknown' && !hasCompanions(req.action)
          ? this.evaluator.evaluate(req, { explain: false, unknownNotes: true, verifyHints: false, trace: false })
          : this.evaluator.evaluate(req, { explain: true, verifyHints: false, trace: false });
      const notes = x.hints.filter(decidesUnknown);
      if (notes.length === 0 && x.unknownBecause !== undefined) notes.push(x.unknownBecause);
      if (notes.length > 0) e.dependsOn = notes;
      if (x.missingContext.length > 0) e.missingContext = [...x.missingContext].sort();
    }
    return this.intern(e);
  }

  /** One object per distinct conditional or unknown answer (answers are shared, never mutated). */
  private intern(e: AccessEntry): AccessEntry {
    const sig = JSON.stringify(e);
    const hit = this.entries.get(sig);
    if (hit !== undefined) return hit;
    this.entries.set(sig, e);
    return e;
  }

  /** One array per distinct row of answers: most principals share theirs with others (rows are never mutated). */
  private internRow(row: Array<AccessEntry | null>): Array<AccessEntry | null> {
    let h = 0x811c9dc5 ^ row.length;
    for (const e of row) h = Math.imul(h ^ (e === null ? 0 : objectId(e)), 0x01000193);
    let bucket = this.rows.get(h);
    if (bucket === undefined) {
      bucket = [];
      this.rows.set(h, bucket);
    }
    for (const r of bucket) if (r.length === row.length && r.every((x, i) => x === row[i])) return r;
    bucket.push(row);
    return row;
  }

  /** One object per distinct allowed answer: found by its deciding step, then reason by reason (ReasonRefs are one object each). */
  private allowEntry(d: Decision, p: Profile, k: KeyProfile, a: ActionInfo, grants: readonly Grant[]): AccessEntry {
    const refs = d.reasons.map(reasonRef);
    return this.allowFromRefs(authorizedBy(d), refs, this.grantAssumed(p, k, a, refs, grants));
  }

  /**
   * The assumptions an answer through a grant rests on for this caller, as the evaluator records
   * them when it explains (grantAssumptions): the answers who-can asks for are not explained, and
   * these depend only on the grant that allowed (the first among the reasons, as the evaluator
   * takes it), the action and the caller's kind, account and limits, which every caller an answer
   * is shared with has alike (shareClass; positions of a grant naming the caller are its own).
   */
  private grantAssumed(p: Profile, k: KeyProfile, a: ActionInfo, refs: readonly ReasonRef[], grants: readonly Grant[]): AssumptionId[] | undefined {
    const ref = refs.find((r) => r.source === 'grant');
    if (ref === undefined) return undefined;
    const g = grants.find((x) => x.grantId === ref.id);
    if (g === undefined) return undefined;
    const caller = p.ref;
    const sameAccount = caller.kind === 'service' || caller.account === k.key.metadata.account;
    const isSession = caller.kind === 'assumed-role' || caller.kind === 'federated-user' || caller.kind === 'role';
    const limited = p.sigBoundary !== null || (isSession && p.sigSession.length > 0);
    const ids = grantAssumptions(g, matchGrantPrincipal(g.granteePrincipal, caller).via, caller.kind, a, sameAccount, limited);
    return ids.length > 0 ? ids : undefined;
  }

  private allowFromRefs(by: DecidedBy, refs: ReasonRef[], assumptions?: readonly AssumptionId[]): AccessEntry {
    let node = this.allowed.get(by);
    if (node === undefined) {
      node = { next: undefined, entry: undefined };
      this.allowed.set(by, node);
    }
    for (const ref of refs) {
      node.next ??= new Map();
      let child = node.next.get(ref);
      if (child === undefined) {
        child = { next: undefined, entry: undefined };
        node.next.set(ref, child);
      }
      node = child;
    }
    if (assumptions === undefined || assumptions.length === 0) {
      node.entry ??= { access: 'allow', decidedBy: by, reasons: refs };
      return node.entry;
    }
    const sig = assumptions.join(',');
    node.assumed ??= new Map();
    let e = node.assumed.get(sig);
    if (e === undefined) {
      e = { access: 'allow', decidedBy: by, reasons: refs, assumptions: [...assumptions] };
      node.assumed.set(sig, e);
    }
    return e;
  }

  /** The compiled statement a reason names. */
  private statementOf(p: Profile, k: KeyProfile, r: Reason | ReasonRef, index?: number): CompiledStatement | undefined {
    const pools: CompiledPolicy[] = r.source === 'key-policy' ? (k.kp ? [k.kp] : []) : r.source === 'rcp' ? k.rcps : p.policies;
    for (const cp of pools) {
      if (cp.policy.source !== r.source || (r.policyName !== undefined && cp.policy.name !== r.policyName)) continue;
      const cs = index !== undefined ? cp.statements.find((s) => s.st.index === index) : cp.statements.find((s) => s.id === r.id);
      if (cs !== undefined && cs.id === r.id) return cs;
    }
    return undefined;
  }

  /**
   * Is the action, denied without context, allowed with some context? `skipped`: it was not even
   * asked, since nothing could allow it without context (see partitionsFor). `keyAllows`: an
   * unconditional `Principal: "*"` Allow of the key policy covers the action and the caller is of
   * the key's account (KeyProfile.publicAllow).
   */
  private conditional(
    p: Profile,
    k: KeyProfile,
    a: ActionInfo,
    req: Request,
    baseOf: () => Decision,
    skipped: boolean,
    grants: Grant[],
    keyAllows: boolean,
  ): AccessEntry | null {
    type Cand = { cs: CompiledStatement } | { grant: Grant };
    const kpCands: Cand[] = [];
    const otherCands: Cand[] = [];
    // Conditional Allow statements that could concern this request, with a condition a request can satisfy.
    const conditionalAllow = (cs: CompiledStatement): boolean => cs.st.effect === 'Allow' && cs.ineffective === undefined && hasSettableCondition(cs);
    if (k.kp) for (const cs of statementsFor(k.kp, a)) if (conditionalAllow(cs) && principalVia(cs, p.ref).matched) kpCands.push({ cs });
    for (const cp of p.policies) {
      // Where the key policy allows the caller by itself, its identity, boundary and session
      // statements cannot help (the flowchart allows at the key policy, before IAM), and shareClass
      // gives such callers one signature whatever those say: their conditions are left out, so that
      // the search is the same for all of them (it tries a few candidates only, and a role's own
      // conditional statements would otherwise crowd out an SCP's that the request must satisfy).
      if (keyAllows && cp.policy.source !== 'scp') continue;
      for (const cs of statementsFor(cp, a)) if (conditionalAllow(cs) && this.relevantFor(cs, k)) otherCands.push({ cs });
    }
    for (const cp of k.rcps) for (const cs of statementsFor(cp, a)) if (conditionalAllow(cs)) otherCands.push({ cs });
    const op = a.grantOperation;
    if (op !== undefined) {
      for (const g of grants) {
        if (g.state !== 'active' || !g.operations.includes(op)) continue;
        if ((a.takesEncryptionContext && hasEcConstraint(g.constraints)) || g.constraints?.sourceArn !== undefined) otherCands.push({ grant: g });
      }
    }
    const cands = [...kpCands, ...otherCands];
    // Without a conditional Allow to satisfy, only avoiding an explicit Deny could help, and that
    // only when some Allow applies without context (else the witness could not make one apply).
    const denies: CompiledStatement[] = [];
    if (cands.length === 0 && skipped) return null;
    const base = baseOf();
    if (authorizedBy(base) === 'explicit-deny') {
      for (const r of base.reasons) {
        const cs = this.statementOf(p, k, r, r.statementIndex);
        // An unconditional Deny (or one we cannot find) cannot be avoided by any request.
        if (cs === undefined || cs.st.condition.length === 0) return null;
        denies.push(cs);
      }
    }
    if (cands.length === 0 && denies.length === 0) return null;

    // Each witness is asked once (two statements with the same conditions give the same witness).
    const tried = new Map<string, Decision>();
    /** The decision on the request with the conditions of `parts` (and avoiding `denies`); `again`: that request was asked before. */
    const ask = (parts: Cand[]): { d: Decision; witness: Witness; again: boolean } | undefined => {
      const w = new WitnessDraft();
      for (const c of parts) {
        if ('cs' in c) w.addStatement(c.cs);
        else w.addGrant(c.grant);
      }
      for (const cs of denies) w.addStatement(cs);
      if (w.empty) return undefined;
      const witness = w.witness();
      const key = JSON.stringify(witness);
      const known = tried.get(key);
      if (known !== undefined) return { d: known, witness, again: true };
      const d = this.evaluate(withWitness(req, witness));
      tried.set(key, d);
      return { d, witness, again: false };
    };
    const allowed = (d: Decision): boolean => d.authorization === 'allow' && !authorizationUnsettled(d);
    const attempt = (parts: Cand[]): Success | undefined => {
      const q = ask(parts);
      return q === undefined || q.again || !allowed(q.d) ? undefined : { d: q.d, witness: q.witness, parts };
    };
    const successes: Success[] = [];
    const MAX = 8;
    if (cands.length === 0) {
      const s = attempt([]);
      if (s) successes.push(s);
    }
    for (const c of cands.slice(0, MAX)) {
      const s = attempt([c]);
      if (s) successes.push(s);
    }
    if (successes.length === 0 && cands.length > 1) {
      const s = attempt(cands);
      if (s) successes.push(s);
      else {
        // An identity statement may need a key-policy statement's conditions too (delegation).
        let tries = 0;
        outer: for (const x of kpCands) {
          for (const y of otherCands) {
            if (tries++ >= MAX) break outer;
            const s2 = attempt([x, y]);
            if (s2) {
              successes.push(s2);
              break outer;
            }
          }
        }
      }
    }
    if (successes.length === 0) {
      const found = this.searchWitness(cands, ask, allowed, baseOf, denies.length > 0);
      if (found === null) return null;
      if (found === 'gave-up') {
        // Not every combination was tried: "denied" would claim what the search did not show.
        return this.intern({
          access: 'unknown',
          decidedBy: 'unknown',
          reasons: [],
          unreadable: [],
          dependsOn: [{ kind: 'witness-search-gave-up', tried: tried.size }],
        });
      }
      successes.push(found);
    }

    const conditions: GuardCondition[] = [];
    const seen = new Set<string>();
    const addCond = (g: GuardCondition): void => {
      const key = `${g.source}|${g.id}|${g.effect}|${g.operator}|${g.key}|${g.values.join(',')}`;
      if (seen.has(key)) return;
      seen.add(key);
      conditions.push(g);
    };
    const reasons: ReasonRef[] = [];
    for (const s of successes) {
      for (const r of s.d.reasons) {
        const ref = reasonRef(r);
        if (!reasons.includes(ref)) reasons.push(ref);
        if (r.source === 'grant') {
          const g = grants.find((x) => x.grantId === r.id);
          for (const c of grantConditions(g)) addCond(c);
        } else {
          const cs = this.statementOf(p, k, r, r.statementIndex);
          if (cs === undefined) continue;
          for (const c of cs.st.condition) {
            if (FIXED.test(c.key.toLowerCase())) continue;
            addCond({ source: r.source, id: r.id, effect: cs.st.effect, operator: c.operator, key: c.key, values: c.values });
          }
        }
      }
    }
    // A statement the request had to satisfy that is not among the reasons (an SCP's or a
    // boundary's Allow: the reasons name the statements that decided, not every level that had
    // to allow) is a condition too, where the request without its conditions is not allowed.
    for (const s of successes) {
      for (const part of s.parts) {
        if (!('cs' in part)) continue;
        const cs = part.cs;
        if (s.d.reasons.some((r) => r.source === cs.policy.source && r.id === cs.id)) continue;
        const q = ask(s.parts.filter((x) => x !== part));
        if (q !== undefined && allowed(q.d)) continue;
        for (const c of cs.st.condition) {
          if (FIXED.test(c.key.toLowerCase())) continue;
          addCond({ source: cs.policy.source, id: cs.id, effect: 'Allow', operator: c.operator, key: c.key, values: c.values });
        }
      }
    }
    for (const cs of denies) {
      for (const c of cs.st.condition) {
        if (FIXED.test(c.key.toLowerCase())) continue;
        addCond({ source: cs.policy.source, id: cs.id, effect: 'Deny', operator: c.operator, key: c.key, values: c.values });
      }
    }
    const first = successes[0]!;
    const assumptions = this.grantAssumed(p, k, a, reasons, grants);
    return this.intern({
      access: 'conditional',
      decidedBy: authorizedBy(first.d),
      reasons,
      conditions,
      witness: first.witness,
      ...(assumptions !== undefined ? { assumptions } : {}),
    });
  }

  /**
   * The search for a witness past conditional()'s first tries (each statement alone, all at once,
   * key-policy statements with others), which miss an allow that needs the conditions of
   * statements of two or three policies (an SCP's and an identity policy's, say) among many that
   * do not help. An allow needs every SCP policy and the key side (key policy, a grant, or
   * delegation with the identity, boundary and session policies) to allow: a request that one
   * statement of each layer allows is built from at most one statement of each. Requests are
   * asked breadth first, from the request without context, and each one denied is extended only by
   * statements of the layer that denied it (an SCP's when an SCP did, else the key side's): adding
   * another's conditions cannot open it. Returns the allowed request; null when none is (every
   * extension was tried); 'gave-up' when WITNESS_SEARCH requests more were not enough.
   */
  private searchWitness(
    cands: ReadonlyArray<{ cs: CompiledStatement } | { grant: Grant }>,
    ask: (parts: Array<{ cs: CompiledStatement } | { grant: Grant }>) => { d: Decision; witness: Witness; again: boolean } | undefined,
    allowed: (d: Decision) => boolean,
    baseOf: () => Decision,
    avoiding: boolean,
  ): Success | 'gave-up' | null {
    // The layer of each candidate: 0 key policy, 1 grants, 2 identity, 3 boundary, 4 session, 5 on:
    // one per SCP; -1 an RCP, whose Allow statements never decide (every level has RCPFullAWSAccess).
    const scps: Policy[] = [];
    const layer = cands.map((c) => {
      if (!('cs' in c)) return 1;
      const cp = c.cs.policy;
      if (cp.source !== 'scp') return LAYER[cp.source];
      let i = scps.indexOf(cp);
      if (i < 0) i = scps.push(cp) - 1;
      return 5 + i;
    });
    const queue: number[][] = [[]];
    const queued = new Set<string>(['']);
    let asked = 0;
    for (let at = 0; at < queue.length; at++) {
      const set = queue[at]!;
      let d: Decision;
      if (set.length === 0 && !avoiding) d = baseOf();
      else {
        if (asked >= WITNESS_SEARCH) return 'gave-up';
        const q = ask(set.map((i) => cands[i]!));
        if (q === undefined) continue;
        if (!q.again) asked++;
        if (allowed(q.d)) return { d: q.d, witness: q.witness, parts: set.map((i) => cands[i]!) };
        d = q.d;
      }
      const by = authorizedBy(d);
      // An unknown verdict, or a Deny the request's own conditions brought in: nothing to add helps.
      if (d.authorization !== 'deny' || by === 'explicit-deny' || by === 'unknown') continue;
      const wantScp = by === 'scp';
      for (let i = 0; i < cands.length; i++) {
        const l = layer[i]!;
        if (l < 0 || wantScp !== l >= 5 || set.some((j) => layer[j] === l)) continue;
        const next = [...set, i];
        const id = [...next].sort((x, y) => x - y).join(',');
        if (queued.has(id)) continue;
        queued.add(id);
        queue.push(next);
      }
    }
    return null;
  }

  /** Who can do what on one key. */
  key(key: Key, actionsGiven?: readonly ActionInfo[]): KeyWhoCan {
    const m = key.metadata;
    const notes: string[] = [];
    let actions: ActionInfo[];
    if (actionsGiven === undefined) actions = defaultActions(key);
    else {
      for (const a of actionsGiven) checkWhoCanAction(a);
      actions = actionsGiven.filter((a) => a.cls !== 'alias' || key.aliases.length > 0);
      const dropped = actionsGiven.filter((a) => a.cls === 'alias' && key.aliases.length === 0);
      if (dropped.length > 0) notes.push(`${dropped.map((a) => a.name).join(', ')} not evaluated: the key has no alias.`);
    }
    if (actions.some((a) => a.cls === 'alias')) notes.push(`Alias actions were evaluated on ${key.aliases[0]}.`);
    if (isUnknown(key.policy)) notes.push(`The key policy could not be read (${key.policy.reason}); verdicts that depend on it are unknown.`);
    const grants = everyGrant(key);
    if (key.grantsPartial !== undefined)
      notes.push(`The snapshot holds only part of the grants (${key.grantsPartial.whole.reason}); verdicts that depend on them are unknown.`);
    else if (isUnknown(grants)) notes.push(`The grants could not be read (${grants.reason}); verdicts that depend on them are unknown.`);
    const kprof = this.keyProfile(key, actions);

    // The principals to consider.
    const byKey = new Map<string, Candidate>();
    const skipped: Array<{ principal: string; why: string }> = [];
    // Candidates are shared between keys (iamCandidates): one found again is replaced, not changed.
    const add = (c: Candidate): void => {
      const prev = byKey.get(c.idKey);
      if (prev === undefined) byKey.set(c.idKey, c);
      else if (!prev.info.origins.includes(c.info.origins[0]!))
        byKey.set(c.idKey, { ...prev, info: { ...prev.info, origins: [...prev.info.origins, c.info.origins[0]!] } });
    };
    for (const c of this.iamCandidates(m.account)) add(c);
    const root = parsePrincipal(m.account)!;
    add(candidateOf(root, m.account, 'account-root'));
    const publicStatements: PublicStatement[] = [];
    if (kprof.kp) {
      for (const cs of kprof.kp.statements) {
        const el = cs.principal ?? cs.notPrincipal;
        if (el === undefined) continue;
        const isPublic = cs.principal !== undefined ? cs.principal.wildcard : !el.wildcard;
        if (cs.st.effect === 'Allow' && cs.ineffective === undefined && isPublic) {
          const all = actions.filter((a) => statementsFor(kprof.kp!, a).includes(cs));
          // A caller the statement's conditions confine to other accounts cannot call an action
          // that does not work across accounts, so those are not offered to `*` for it.
          const confinedBy = otherAccountsOnly(cs, m.account);
          const covered = all.filter((a) => confinedBy === undefined || a.crossAccount).map((a) => a.name);
          if (confinedBy !== undefined && covered.length < all.length)
            notes.push(
              `Key-policy statement "${cs.id}" lets "*" in only from accounts other than ${m.account} (its ${confinedBy} condition), and ${all
                .filter((a) => !a.crossAccount)
                .map((a) => a.name)
                .join(', ')} cannot be called from another account: "*" is not listed for them through it.`,
            );
          if (covered.length > 0) {
            publicStatements.push({
              id: cs.id,
              notPrincipal: cs.notPrincipal !== undefined,
              actions: covered,
              conditions: cs.st.condition.map((c) => ({
                source: 'key-policy',
                id: cs.id,
                effect: 'Allow',
                operator: c.operator,
                key: c.key,
                values: c.values,
              })),
            });
          }
        }
        const { values, other } = principalValues(cs.st.principal ?? cs.st.notPrincipal!);
        for (const v of values) {
          // IAM names cannot hold `*` or `?`: a principal ARN with one names nobody (a wildcard
          // means everyone only as the whole value, "*"), as the evaluator matches it.
          if (hasWildcard(v)) {
            skipped.push({
              principal: v,
              why: `named in key-policy statement "${cs.id}": a wildcard inside a principal ARN matches nobody (only "*" alone means everyone)`,
            });
            continue;
          }
          const ref = parsePrincipal(v);
          if (ref === null) skipped.push({ principal: v, why: 'not a principal form kms-why knows' });
          else if (ref.kind === 'unique-id')
            skipped.push({ principal: v, why: `named in key-policy statement "${cs.id}": the unique id of a deleted principal, which matches nobody` });
          else add(candidateOf(ref, m.account, 'key-policy', v));
        }
        for (const v of other)
          skipped.push({ principal: v, why: `named in key-policy statement "${cs.id}": federated and canonical-user principals never call KMS directly` });
      }
    }
    if (!isUnknown(grants)) {
      for (const g of grants) {
        if (g.state === 'retired') continue;
        const ref = parsePrincipal(g.granteePrincipal);
        if (ref === null) skipped.push({ principal: g.granteePrincipal, why: `grantee of grant ${g.grantId}: not a principal form kms-why knows` });
        else if (ref.kind === 'unique-id')
          skipped.push({ principal: g.granteePrincipal, why: `grantee of grant ${g.grantId}: the unique id of a deleted principal, which matches nobody` });
        else add(candidateOf(ref, m.account, 'grantee', g.granteePrincipal));
      }
    }
    const cands = [...byKey.values()].sort((x, y) => (x.info.arn < y.info.arn ? -1 : x.info.arn > y.info.arn ? 1 : 0));
    const dedupSkipped = [...new Map(skipped.map((s) => [`${s.principal}|${s.why}`, s])).values()];

    const principals: WhoCanPrincipal[] = [];
    const access: Array<Array<AccessEntry | null>> = [];
    const n = actions.length;
    for (const c of cands) {
      const prof = (c.prof ??= this.profile(c.ref));
      const cls = this.shareClass(prof, kprof);
      // Answers are shared in the names of the class's policies: renamed for this caller, and back.
      const ren = this.renames;
      let row: Array<AccessEntry | null>;
      if (cls === null) row = this.internRow(this.row(prof, kprof));
      else {
        // Actions covered by the caller's own grants, and those checked on another key, are its
        // own; every other answer is the class's (or the signature's, from another class),
        // computed by whichever caller needs it first.
        const own = this.ownGrantPositions(prof, kprof);
        const priv = kprof.privatePositions;
        const whole = own !== null || priv !== null || cls.row === undefined ? undefined : ren === null ? cls.row : this.renamedRow(cls.row, ren, true);
        if (whole !== undefined) {
          row = whole;
          this.sharedPairs++;
        } else {
          let need: Uint8Array | undefined;
          const out = new Array<AccessEntry | null>(n);
          const done = ren === null ? undefined : (new Map() as RenameMemo);
          for (let i = 0; i < n; i++) {
            // Where the public statement allows (see shareClass), the flowchart never reaches the grants.
            const sig = this.sigPool[cls.sigsAt + i]!;
            if (own !== null && own[i] === 1 && kprof.publicAllow[i] === 1 && sig === cls.publicSig) own[i] = 0;
            let hit: AccessEntry | null | undefined;
            if ((own === null || own[i] === 0) && (priv === null || priv[i] === 0) && sig < cls.newFrom) {
              hit = sharedAnswer(kprof, sig, i);
              if (hit !== undefined && ren !== null) hit = this.renamedOnce(hit, ren, true, done!);
            }
            if (hit === undefined) (need ??= new Uint8Array(n))[i] = 1;
            else out[i] = hit;
          }
          if (need === undefined) this.sharedPairs++;
          else {
            const mine = this.row(prof, kprof, need);
            let back: RenameMemo | undefined;
            let any = false;
            for (let i = 0; i < n; i++) {
              if (need[i] !== 1) {
                any = true;
                continue;
              }
              out[i] = mine[i]!;
              if ((own === null || own[i] === 0) && (priv === null || priv[i] === 0)) {
                const kept = ren === null ? mine[i]! : this.renamedOnce(mine[i]!, ren, false, (back ??= new Map()));
                if (kept !== undefined) shareAnswer(kprof, this.sigPool[cls.sigsAt + i]!, i, kept);
              }
            }
            if (any) this.sharedPairs++;
          }
          // Its answers are shared from now on (or, at own positions, looked up and not found).
          cls.newFrom = Number.MAX_SAFE_INTEGER;
          row = this.internRow(out);
          // Every position is the class's: later callers of the class take the row as it is (renamed).
          if (own === null && priv === null) {
            const kept = ren === null ? row : this.renamedRow(row, ren, false);
            if (kept !== undefined) cls.row = kept;
          }
        }
      }
      principals.push(c.info);
      access.push(row);
    }
    if (publicStatements.length > 0) {
      principals.push({ arn: '*', kind: 'public', external: true, origins: ['public'] });
      access.push(actions.map((a) => publicEntry(a, publicStatements)));
    }
    kprof.shared.clear();
    kprof.sharedAnswers.length = 1;
    kprof.sharedNums.clear();
    kprof.classes.clear();
    kprof.bases.clear();
    kprof.plainBasesSame.clear();
    kprof.plainBasesOther.clear();
    kprof.trie.clear();
    kprof.trieNodes = 1;
    // Answers and rows are shared within a key only: what stays between keys is bounded by the principals.
    this.rows.clear();
    this.entries.clear();
    this.allowed.clear();
    this.lastContext = undefined;
    kprof.kpPartitions.clear();
    kprof.kpGeneral.clear();
    kprof.relevant.clear();
    kprof.policyInfo.clear();
    kprof.infoByContent.clear();
    kprof.alikeInfo.clear();
    kprof.coverShapes.clear();
    kprof.kpClauses.clear();

    const out: KeyWhoCan = {
      keyArn: m.arn,
      aliases: [...key.aliases],
      account: m.account,
      keyState: m.keyState,
      keyManager: m.keyManager,
      actions,
      // Unreadable metadata: the evaluator fails key-state-dependent actions in one world only, so the verdicts say unknown themselves.
      keyStateErrors: actions.map((a) => (key.metadataUnknown !== undefined ? undefined : keyStepError(a, key))),
      principals,
      access,
      publicStatements,
      notes,
      skipped: dedupSkipped,
    };
    if (actions.some((a) => a.cls === 'alias')) out.aliasForAliasActions = key.aliases[0]!;
    const unlisted = unlistedPrincipals(this.snapshot, key);
    if (unlisted.length > 0) out.unlisted = unlisted;
    const notGiven = this.orgPoliciesNotGiven(key, out);
    if (notGiven.length > 0) out.orgPoliciesNotGiven = notGiven;
    return out;
  }

  /**
   * The SCPs and RCPs no input gives that would restrict some access (allow or conditional) the
   * key's answers show, as the evaluator says whom they restrict: the SCPs of each such
   * principal's account (anyone "*" has none to name), the RCPs of the key's account for the
   * actions they restrict. SCPs first.
   */
  private orgPoliciesNotGiven(key: Key, k: KeyWhoCan): OrgPoliciesNotGiven[] {
    const scps = new Map<string, OrgPoliciesNotGiven>();
    let rcp: OrgPoliciesNotGiven | undefined;
    const rcps = k.actions.map((a) => this.evaluator.rcpsNotGiven(a, key));
    const granted = (e: AccessEntry | null | undefined): boolean => e != null && e.access !== 'unknown';
    k.principals.forEach((p, pi) => {
      const row = k.access[pi]!;
      if (!row.some(granted)) return;
      if (p.kind !== 'public' && (p.account === undefined || !scps.has(p.account))) {
        const n = this.evaluator.scpsNotGiven(p.arn);
        if (n !== undefined && !scps.has(n.account)) scps.set(n.account, n);
      }
      rcp ??= rcps.find((n, ai) => n !== undefined && granted(row[ai]));
    });
    return [...scps.values(), ...(rcp !== undefined ? [rcp] : [])];
  }

  private iamList: Array<{ ref: PrincipalRef; policies: PrincipalPolicies }> | undefined;
  private readonly iamByAccount = new Map<string, Candidate[]>();
  /** The snapshot's roles, users and sessions as candidates for keys of this account. */
  private iamCandidates(keyAccount: string): Candidate[] {
    this.iamList ??= snapshotPrincipals(this.snapshot);
    let list = this.iamByAccount.get(keyAccount);
    if (list === undefined) {
      list = this.iamList.map(({ ref, policies }) => candidateOf(ref, keyAccount, 'iam', policies.resolvedArn));
      this.iamByAccount.set(keyAccount, list);
    }
    return list;
  }
}

function grantConditions(g: Grant | undefined): GuardCondition[] {
  if (g === undefined) return [];
  const out: GuardCondition[] = [];
  const c = g.constraints;
  for (const [k, v] of Object.entries(c?.encryptionContextEquals ?? {}))
    out.push({ source: 'grant', id: g.grantId, effect: 'Allow', operator: 'EncryptionContextEquals', key: k, values: [v] });
  for (const [k, v] of Object.entries(c?.encryptionContextSubset ?? {}))
    out.push({ source: 'grant', id: g.grantId, effect: 'Allow', operator: 'EncryptionContextSubset', key: k, values: [v] });
  if (c?.sourceArn !== undefined)
    out.push({ source: 'grant', id: g.grantId, effect: 'Allow', operator: 'SourceArn', key: 'aws:SourceArn', values: [c.sourceArn] });
  return out;
}

/** The public `*` row: what the public statements allow, and the conditions that guard them. */
function publicEntry(a: ActionInfo, stmts: PublicStatement[]): AccessEntry | null {
  const covering = stmts.filter((s) => s.actions.includes(a.name));
  if (covering.length === 0) return null;
  const reasons: ReasonRef[] = covering.map((s) => ({ source: 'key-policy', id: s.id, effect: 'Allow', policyName: 'key policy' }));
  const open = covering.filter((s) => s.conditions.length === 0);
  if (open.length > 0) return { access: 'allow', decidedBy: 'key-policy', reasons: reasons.filter((r) => open.some((s) => s.id === r.id)) };
  return { access: 'conditional', decidedBy: 'key-policy', reasons, conditions: covering.flatMap((s) => s.conditions) };
}

/** The condition keys that name the caller's account (a service principal's request carries neither). */
const ACCOUNT_KEYS: ReadonlySet<string> = new Set(['kms:calleraccount', 'aws:principalaccount']);

/**
 * The condition key (as written) by which a statement admits no caller in `keyAccount`, if one does:
 * a condition on the caller's account that fails, as the evaluator decides it, both for a caller in
 * `keyAccount` and for a request without the key (a service principal, which kms-why counts as in
 * the key's account). Every caller the statement admits is then in another account.
 */
function otherAccountsOnly(cs: CompiledStatement, keyAccount: string): string | undefined {
  for (const c of cs.conditions) {
    if (!ACCOUNT_KEYS.has(c.key) || c.hasVariables) continue;
    const env = (values: Map<string, string[]>) => ({
      ctx: { values, multiValued: new Set<string>(), unknownPrefixes: [], underivable: [] },
      bias: null,
    });
    if (evaluateConditions([c], env(new Map([[c.key, [keyAccount]]])), 'Allow')) continue;
    if (evaluateConditions([c], env(new Map()), 'Allow')) continue;
    return c.clause.key;
  }
  return undefined;
}

/**
 * Why a who-can answer for `key` may leave principals out: every principal it considers comes from
 * the key policy, the grants and the snapshot's IAM, so where one of them could not be read, or the
 * snapshot holds only the principals it was made for, a principal that is not listed is not known
 * to be denied (`kms-why diff` then cannot compare it).
 */
export function unlistedPrincipals(snapshot: Snapshot, key: Key): UnlistedPrincipals[] {
  const out: UnlistedPrincipals[] = [];
  const asked = snapshot.principalsAskedFor;
  if (asked !== undefined)
    out.push({
      why: `the snapshot lists only the principals it was asked for (${asked.length > 0 ? asked.join(', ') : 'none'}); the others were not read`,
    });
  if (isUnknown(key.policy)) out.push({ why: `the key policy could not be read (${key.policy.reason})` });
  const grants = everyGrant(key);
  if (key.grantsPartial !== undefined) out.push({ why: `the snapshot holds only part of the grants (${key.grantsPartial.whole.reason})` });
  else if (isUnknown(grants)) out.push({ why: `the grants could not be read (${grants.reason})` });
  for (const r of snapshot.inputs ?? []) {
    const m = r.status === 'unreadable' ? IAM_DETAILS_WHAT.exec(r.what) : null;
    if (m !== null) out.push({ account: m[1]!, why: `${r.what} could not be read${r.detail !== undefined ? ` (${r.detail})` : ''}` });
  }
  return out;
}

/**
 * who-can --principal PATTERN: an ARN pattern with * and ?; without a wildcard, ARNs that contain it. Matched
 * with the evaluator's wildcard matcher, which never backtracks: a pattern such as `*a*a*a*a*b` costs
 * at most (ARN length) × (pattern length) comparisons, where a regular expression could take forever.
 * Anyone ("*", the public statements' answers) is always kept. `kms-why diff` asks it which principals
 * a report filtered with --principal left out. `realArn`: the ARN a principal's (redacted) ARN stands
 * for, matched instead (--redact: the patterns are the user's, with the real names).
 */
export function principalFilter(patterns: readonly string[], realArn: (arn: string) => string = (arn) => arn): ((p: WhoCanPrincipal) => boolean) | undefined {
  if (patterns.length === 0) return undefined;
  const tests = patterns.map((pat): ((arn: string) => boolean) => {
    if (!hasWildcard(pat)) return (arn) => arn.includes(pat);
    const w = new Wildcard(pat);
    return (arn) => w.test(arn);
  });
  return (p) => p.kind === 'public' || tests.some((test) => test(realArn(p.arn)) || (p.arnWithPath !== undefined && test(realArn(p.arnWithPath))));
}

/** Resolves --key values (and --all-keys) to keys of the snapshot. */
export function selectKeys(snapshot: Snapshot, evaluator: Evaluator, idents: readonly string[], allKeys: boolean): Key[] {
  const keys: Key[] = [];
  if (allKeys) for (const k of snapshot.keys) if (k.metadata.keyManager === 'CUSTOMER' && !keys.includes(k)) keys.push(k);
  for (const ident of idents) {
    const k = evaluator.findKey(ident);
    if (k === undefined) {
      throw new InputError(`key "${ident}" is not in the snapshot`, {
        hint: `The snapshot has: ${snapshot.keys.map((x) => [x.metadata.arn, ...x.aliases].join(' / ')).join('; ') || 'no keys'}.`,
      });
    }
    if (!keys.includes(k)) keys.push(k);
  }
  return keys;
}

/** Who can do what on each key. */
export function whoCan(snapshot: Snapshot, keys: readonly Key[], opts: WhoCanOptions = {}): WhoCanResult {
  const engine = new WhoCanEngine(snapshot, {
    ...(opts.prune !== undefined ? { prune: opts.prune } : {}),
    ...(opts.evaluatorOptions ? { evaluatorOptions: opts.evaluatorOptions } : {}),
    ...(opts.at !== undefined ? { at: opts.at } : {}),
  });
  return whoCanWith(engine, keys, opts);
}

/** Like whoCan, with an engine (and its caches) of the caller's. */
export function whoCanWith(engine: WhoCanEngine, keys: readonly Key[], opts: WhoCanOptions = {}): WhoCanResult {
  const out: KeyWhoCan[] = [];
  let decisions = 0;
  const startEvaluations = engine.evaluations;
  const startShared = engine.sharedPairs;
  for (const key of keys) {
    const k = engine.key(key, opts.actions);
    out.push(k);
    const evaluated = k.principals.filter((p) => p.kind !== 'public').length;
    decisions += evaluated * k.actions.length;
    opts.onProgress?.(out.length, keys.length);
  }
  const result: WhoCanResult = {
    keys: out,
    stats: { keys: out.length, decisions, evaluations: engine.evaluations - startEvaluations, sharedPairs: engine.sharedPairs - startShared },
  };
  if (engine.snapshot.capturedAt !== undefined) result.capturedAt = engine.snapshot.capturedAt;
  if (engine.at !== undefined) result.at = engine.at;
  return result;
}

/** Does any answer depend on an input that could not be read? */
export function hasUnknown(r: WhoCanResult): boolean {
  return r.keys.some(keyHasUnknown);
}

/** Does some final verdict on this key depend on an unreadable input? (An action the key state fails is denied whatever the inputs say.) */
export function keyHasUnknown(k: KeyWhoCan): boolean {
  return k.access.some(
    (row, i) => k.principals[i]!.kind !== 'public' && row.some((e, ai) => e !== null && e.access === 'unknown' && k.keyStateErrors[ai] === undefined),
  );
}

/** Unknown access of a request denied without context, for which no request with context was found before the search stopped. */
export function searchGaveUp(e: AccessEntry): boolean {
  return e.access === 'unknown' && e.dependsOn !== undefined && e.dependsOn.some((n) => n.kind === 'witness-search-gave-up');
}

/**
 * The verdict `check` prints for the request who-can asked (no request context): the key state
 * fails an authorized request; conditional access is denied without its context.
 */
export function finalVerdict(e: AccessEntry | null, keyStateError: string | undefined): 'allow' | 'deny' | 'unknown' {
  if (keyStateError !== undefined || e === null || e.access === 'conditional' || searchGaveUp(e)) return 'deny';
  return e.access;
}
