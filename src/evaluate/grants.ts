// Grant matching (docs/semantics.md#grants): grantee, operation, state, constraints. Grants only allow.
import type { ActionInfo } from '../model/actions.js';
import type { AssumptionId, ChildConstraint, GrantDetail, GrantMatch, MismatchReason, PrincipalMatchVia } from '../model/decision.js';
import type { Grant, GrantConstraints } from '../model/grant.js';
import type { Key } from '../model/key.js';
import type { PrincipalRef } from '../model/principal.js';
import type { GrantRequest, Request } from '../model/request.js';
import { newGrantInEffect, type UnknownInput } from '../model/unknown.js';
import { accountOf, matchGrantPrincipal, type PrincipalMatch } from './principals.js';

export interface GrantOptions {
  /** AMBIGUOUS (docs/semantics.md#grant-constraints, case C09): the API Reference says keys are case-insensitive. */
  grantConstraintKeyCaseInsensitive: boolean;
}

export interface GrantCheck {
  grant: Grant;
  /** Grantee (or, for RetireGrant, retiring principal) match. */
  principal: PrincipalMatch;
  matched: boolean;
  failed?: MismatchReason;
  detail: GrantDetail;
  neededContext?: Record<string, string>;
  /** The grantee is an account: its IAM principals need an IAM allow (docs/semantics.md#grant-session-match, AMBIGUOUS). */
  needsIamDelegation?: boolean;
  /** The check depends on request details that were not given (the grant a CreateGrant would create). */
  needsRequestDetails?: boolean;
  /** The grant's SourceArn constraint, still to be compared with the request's aws:SourceArn (grantPath). */
  sourceArn?: string;
  /**
   * The grant matches but for its encryption-context constraint, and the request's context is not
   * known (Request.encryptionContextUnknown): what the check fails with when the context turns out
   * not to hold the pairs (grantPath decides, as a condition on an unknown key).
   */
  contextUnknown?: { detail: GrantDetail; neededContext: Record<string, string> };
  /** A grant created too shortly before the request to be sure it is in effect (grantMayNotBeInEffect). */
  maybeNotInEffect?: UnknownInput;
  /** Such a grant, taken to be in effect since a grant token the snapshot does not attribute was presented (assumption grantTokenPresented). */
  tokenAssumed?: boolean;
}

/** An empty constraint map counts as not specified (Access Analyzer's KmsGrantConstraints; docs/semantics.md#grant-constraints). */
function nonEmpty(m: Record<string, string> | undefined): Record<string, string> | undefined {
  return m !== undefined && Object.keys(m).length > 0 ? m : undefined;
}

export function hasEcConstraint(c: GrantConstraints | undefined): boolean {
  return nonEmpty(c?.encryptionContextEquals) !== undefined || nonEmpty(c?.encryptionContextSubset) !== undefined;
}

/**
 * Why KMS could not have created this grant on this key, when it could not: an encryption-context
 * constraint on a key that is not a symmetric encryption key (asymmetric or HMAC). Such a grant is
 * invalid and allows nothing (docs/semantics.md#invalid-grant); the evaluator and the grants audit
 * both read it here.
 */
export function invalidGrant(g: Grant, key: Key): GrantDetail | undefined {
  const keySpec = key.metadata.keySpec;
  return hasEcConstraint(g.constraints) && keySpec !== 'SYMMETRIC_DEFAULT' ? { kind: 'constraint-on-asymmetric', keySpec } : undefined;
}

function normKey(k: string, ci: boolean): string {
  return ci ? k.toLowerCase() : k;
}

/**
 * A context's values by key (lower-cased when keys are compared without case): with keys compared
 * without case, `Dept` and `dept` are still two pairs of the request, each of which may match.
 */
function valuesByKey(ec: Record<string, string>, ci: boolean): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of Object.entries(ec)) {
    const nk = normKey(k, ci);
    const had = m.get(nk);
    if (had === undefined) m.set(nk, [v]);
    else had.push(v);
  }
  return m;
}

/** Every pair of `want` is a pair of `have` (keys compared as `ci` says, values exactly). */
function holdsPairs(want: Record<string, string>, have: Map<string, string[]>, ci: boolean): boolean {
  for (const [k, v] of Object.entries(want)) if (!(have.get(normKey(k, ci))?.includes(v) ?? false)) return false;
  return true;
}

/** The same pairs, in any order: as many, and each side's among the other's. */
function samePairs(a: Record<string, string>, b: Record<string, string>, ci: boolean): boolean {
  return Object.keys(a).length === Object.keys(b).length && holdsPairs(a, valuesByKey(b, ci), ci) && holdsPairs(b, valuesByKey(a, ci), ci);
}

/**
 * EncryptionContextEquals: the same pairs exactly, in any order; Subset: the request holds every
 * pair [KMS-CREATEGRANT, API-GC]. Pairs are compared one by one, never folded into one map: a
 * request with `Dept` and `dept` has two pairs whatever the case of the constraint's keys.
 */
export function constraintSatisfied(c: GrantConstraints | undefined, ec: Record<string, string> | undefined, ci: boolean): boolean {
  const given = ec ?? {};
  const eq = nonEmpty(c?.encryptionContextEquals);
  if (eq !== undefined && !samePairs(eq, given, ci)) return false;
  const sub = nonEmpty(c?.encryptionContextSubset);
  if (sub !== undefined && !holdsPairs(sub, valuesByKey(given, ci), ci)) return false;
  return true;
}

/**
 * A child grant's constraints are "at least as strict" as the parent's: Subset may gain pairs or
 * become Equals; Equals must stay the same; no constraint stays no constraint only if the parent
 * had none [KMS-CREATEGRANT].
 */
export function childConstraintsAtLeastAsStrict(parent: GrantConstraints | undefined, child: GrantConstraints | undefined, ci: boolean): boolean {
  const pEq = nonEmpty(parent?.encryptionContextEquals);
  const pSub = nonEmpty(parent?.encryptionContextSubset);
  const cEq = nonEmpty(child?.encryptionContextEquals);
  const cSub = nonEmpty(child?.encryptionContextSubset);
  if (pEq === undefined && pSub === undefined) return true;
  if (pEq !== undefined) {
    if (cEq === undefined) return false;
    return samePairs(pEq, cEq, ci);
  }
  if (pSub === undefined) return true;
  // Parent is Subset S: the child must require every pair of S.
  const childPairs = cEq ?? cSub;
  return childPairs !== undefined && holdsPairs(pSub, valuesByKey(childPairs, ci), ci);
}

/** The snapshot's grants that record their grant token, by token (SnapshotIndex.grantTokens). */
export type GrantTokens = ReadonlyMap<string, Grant>;

function stateUsable(g: Grant, req: Request): boolean {
  if (g.state === 'active') return true;
  // A grant that is not yet consistent works only for requests that present its token [KMS-GRANTTOKEN].
  if (g.state === 'pending-consistency') return g.grantToken !== undefined && (req.grantTokens ?? []).includes(g.grantToken);
  return false;
}

/** How long a new grant may take to be in effect: "usually less than five minutes" [KMS "Eventual consistency"]. */
const GRANT_CONSISTENCY_MS = 5 * 60 * 1000;
const newGrantInputs = new WeakMap<Grant, Map<string, UnknownInput>>();

/**
 * An active grant created less than five minutes before the request time (or after it): it may
 * not be in effect yet, and until it is, only a request that presents its grant token can use it
 * [KMS "Eventual consistency", "Using a grant token"]. Such a grant is
 * - in effect (undefined) when the request presents its token (the snapshot records it);
 * - taken to be in effect ('token-assumed', assumption grantTokenPresented) when the request
 *   presents a token the snapshot does not attribute to any grant: ListGrants does not return
 *   tokens, so it may be this grant's;
 * - otherwise of unknown effect (the input returned): the request presents no token, or only
 *   tokens the snapshot shows are other grants', or the grant was created after the request.
 * One input object per grant, request time and tokens, so that every walk names the same input.
 */
export function grantMayNotBeInEffect(g: Grant, req: Request, tokens: GrantTokens): UnknownInput | 'token-assumed' | undefined {
  if (g.state !== 'active' || g.creationDate === undefined || req.at === undefined) return undefined;
  const created = Date.parse(g.creationDate);
  const at = Date.parse(req.at);
  if (Number.isNaN(created) || Number.isNaN(at) || at - created >= GRANT_CONSISTENCY_MS) return undefined;
  const presented = req.grantTokens ?? [];
  const after = created > at;
  if (!after) {
    if (g.grantToken !== undefined && presented.includes(g.grantToken)) return undefined;
    if (presented.some((t) => !tokens.has(t))) return 'token-assumed';
  }
  // The grants whose tokens the request presents (the snapshot says whose they are).
  const others = [...new Set(presented.map((t) => tokens.get(t)?.grantId).filter((id): id is string => id !== undefined))];
  const cacheKey = `${req.at}|${others.join(',')}`;
  let byAt = newGrantInputs.get(g);
  if (byAt === undefined) {
    byAt = new Map();
    newGrantInputs.set(g, byAt);
  }
  let u = byAt.get(cacheKey);
  if (u === undefined) {
    u = newGrantInEffect(g.grantId, g.creationDate, req.at, after, others);
    byAt.set(cacheKey, u);
  }
  return u;
}

const RETIRED: GrantDetail = { kind: 'retired' };
const PENDING: GrantDetail = { kind: 'pending' };
const PENDING_OTHER_TOKEN: GrantDetail = { kind: 'pending', otherToken: true };

/** Why a grant that is not usable is not (its state): not yet in effect, the request presents no token or another grant's. */
function stateDetail(g: Grant, req: Request): GrantDetail {
  return g.state === 'retired' ? RETIRED : pendingDetail(req);
}

/** A grant not yet in effect, for this request. */
export function pendingDetail(req: Request): GrantDetail {
  return (req.grantTokens ?? []).length > 0 ? PENDING_OTHER_TOKEN : PENDING;
}

/** Checks one grant for a grant-authorizable action other than RetireGrant. */
export function checkGrant(g: Grant, action: ActionInfo, caller: PrincipalRef, req: Request, key: Key, opts: GrantOptions, tokens: GrantTokens): GrantCheck {
  const principal = matchGrantPrincipal(g.granteePrincipal, caller);
  const base = { grant: g, principal };
  if (!principal.matched) {
    if (principal.orphaned) {
      return {
        ...base,
        matched: false,
        failed: 'orphaned-grantee',
        detail: { kind: 'orphaned-grantee', grantee: g.granteePrincipal },
      };
    }
    return { ...base, matched: false, failed: 'grantee', detail: { kind: 'other-grantee', grantee: g.granteePrincipal, principal: caller.arn } };
  }
  const op = action.grantOperation;
  if (op === undefined || !g.operations.includes(op)) {
    return {
      ...base,
      matched: false,
      failed: 'operation',
      detail: { kind: 'operation', operations: g.operations, operation: op ?? action.short, grantable: op !== undefined },
    };
  }
  if (!stateUsable(g, req)) return { ...base, matched: false, failed: 'grant-state', detail: stateDetail(g, req) };
  const invalid = invalidGrant(g, key);
  if (invalid !== undefined) return { ...base, matched: false, failed: 'grant-invalid', detail: invalid };
  const ecConstraint = hasEcConstraint(g.constraints);
  let contextUnknown: GrantCheck['contextUnknown'];
  if (ecConstraint && action.takesEncryptionContext && !constraintSatisfied(g.constraints, req.encryptionContext, opts.grantConstraintKeyCaseInsensitive)) {
    const eq = nonEmpty(g.constraints?.encryptionContextEquals);
    // hasEcConstraint: one of the two is non-empty.
    const needed = eq ?? nonEmpty(g.constraints?.encryptionContextSubset) ?? {};
    const given = req.encryptionContext ?? {};
    const detail: GrantDetail = eq ? { kind: 'context-exactly', needed: eq, given } : { kind: 'context-include', needed, given };
    if (req.encryptionContextUnknown === true && Object.keys(given).length === 0) contextUnknown = { detail, neededContext: needed };
    else
      return {
        ...base,
        matched: false,
        failed: 'encryption-context',
        detail,
        neededContext: needed,
      };
  }
  // SourceArn is "effectively the same as having the aws:SourceArn global condition key in the
  // grant" [API GrantConstraints]: read from the request context by the walk (grantPath), where a
  // value kms-why cannot derive is unknown, not a mismatch.
  const sourceArn = action.short !== 'RetireGrant' ? g.constraints?.sourceArn : undefined;
  const fresh = grantMayNotBeInEffect(g, req, tokens);
  const pending = {
    ...(sourceArn !== undefined ? { sourceArn } : {}),
    ...(contextUnknown !== undefined ? { contextUnknown } : {}),
    ...(fresh === 'token-assumed' ? { tokenAssumed: true } : fresh !== undefined ? { maybeNotInEffect: fresh } : {}),
  };
  if (principal.via === 'account' && caller.kind !== 'root') {
    return {
      ...base,
      ...pending,
      matched: true,
      detail: { kind: 'gives-account', grantId: g.grantId, account: accountOf(g.granteePrincipal) ?? g.granteePrincipal, operation: op },
      needsIamDelegation: true,
    };
  }
  return { ...base, ...pending, matched: true, detail: { kind: 'gives', grantId: g.grantId, principal: caller.arn, operation: op } };
}

/** CreateGrant through a parent grant: child operations ⊆ parent's, constraints at least as strict. */
export function checkParentGrant(
  g: Grant,
  action: ActionInfo,
  caller: PrincipalRef,
  req: Request,
  key: Key,
  opts: GrantOptions,
  tokens: GrantTokens,
): GrantCheck {
  const c = checkGrant(g, action, caller, req, key, opts, tokens);
  if (!c.matched) return c;
  const child: GrantRequest | undefined = req.grantRequest;
  if (child === undefined) {
    return {
      ...c,
      matched: false,
      failed: 'child-grant',
      needsRequestDetails: true,
      detail: { kind: 'child-unknown' },
    };
  }
  const extra = child.operations.filter((o) => !g.operations.includes(o));
  if (extra.length > 0) {
    return {
      ...c,
      matched: false,
      failed: 'child-grant',
      detail: { kind: 'child-operations', parentGrantId: g.grantId, extra },
    };
  }
  if (!childConstraintsAtLeastAsStrict(g.constraints, child.constraints, opts.grantConstraintKeyCaseInsensitive)) {
    return {
      ...c,
      matched: false,
      failed: 'child-grant',
      detail: { kind: 'child-constraints', parentGrantId: g.grantId, needs: neededChildConstraint(g.constraints) },
    };
  }
  return c;
}

export function grantMatchRecord(c: GrantCheck): GrantMatch {
  const r: GrantMatch = {
    grantId: c.grant.grantId,
    granteePrincipal: c.grant.granteePrincipal,
    operations: c.grant.operations,
    matched: c.matched,
    detail: c.detail,
  };
  if (c.grant.name !== undefined) r.name = c.grant.name;
  if (c.failed !== undefined) r.failed = c.failed;
  if (c.neededContext !== undefined) r.neededContext = c.neededContext;
  return r;
}

export { stateUsable as grantStateUsable, stateDetail as grantStateDetail };
/** Re-exported for the grants audit, which quotes constraints (model/grant.ts has it). */
export { ecText } from '../model/grant.js';

/** The constraint a child grant needs to be at least as strict as its parent's. */
export function neededChildConstraint(parent: GrantConstraints | undefined): ChildConstraint {
  const eq = nonEmpty(parent?.encryptionContextEquals);
  if (eq !== undefined) return { kind: 'equals', context: eq };
  const sub = nonEmpty(parent?.encryptionContextSubset);
  if (sub !== undefined) return { kind: 'subset', context: sub };
  return { kind: 'none' };
}

/**
 * The assumptions (docs/semantics.md#assumptions) a grant that allows a request rests on: how its
 * grantee matched the caller (`via`), its encryption-context constraint, the caller's account
 * (`sameAccount`: the key's, or a service) and whether a permissions boundary or session policy
 * applies to the caller (`limited`). One list for the evaluator and for who-can, which derives it
 * for answers it reached without an explanation.
 */
export function grantAssumptions(
  g: Grant,
  via: PrincipalMatchVia | undefined,
  callerKind: PrincipalRef['kind'],
  action: ActionInfo,
  sameAccount: boolean,
  limited: boolean,
): AssumptionId[] {
  const out: AssumptionId[] = [];
  if (via === 'role') out.push('roleGranteeSessions');
  if (via === 'session') out.push('sessionGranteeExact');
  if (via === 'account' && callerKind !== 'root') out.push('accountGrantee');
  // The constraint compared with the request's context, or (CreateGrant) with the constraint of the
  // grant to create, which must be at least as strict: keys compared without case either way.
  if (hasEcConstraint(g.constraints) && (action.takesEncryptionContext || action.short === 'CreateGrant')) out.push('grantConstraintKeyCase');
  if (g.constraints && !hasEcConstraint(g.constraints) && (g.constraints.encryptionContextEquals || g.constraints.encryptionContextSubset))
    out.push('emptyConstraint');
  if (!sameAccount) out.push('crossAccountGrant');
  if (limited) out.push('grantsNotLimitedByBoundary');
  return out;
}
