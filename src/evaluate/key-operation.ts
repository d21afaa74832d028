// Key operations (Decrypt, Encrypt, GenerateDataKey, DescribeKey, ScheduleKeyDeletion…, and
// CreateGrant): the key policy decides, directly (it names the caller), through IAM (it delegates
// to the caller's account and an identity policy allows), or a grant allows
// [KMS "Determining access to a KMS key"; docs/semantics.md#evaluation-order steps 5a-5c].
// Another account's caller needs both sides: the key policy and its own IAM [KMS cross-account access].
import { type Decision, GRANT_TO_CREATE, type HintNote, type Limit, type TraceFinding } from '../model/decision.js';
import type { Grant } from '../model/grant.js';
import type { Key } from '../model/key.js';
import { principalVia, type CompiledStatement } from './compile.js';
import { biased, type ConditionEnv } from './conditions.js';
import { contextGet, missingKeyInfo } from './context.js';
import { checkGrant, checkParentGrant, grantAssumptions, grantMatchRecord, hasEcConstraint, pendingDetail, type GrantCheck } from './grants.js';
import {
  aliasResourceNote,
  collectMissing,
  grantReason,
  grantsDeny,
  hasKeyCi,
  hasNonStarResource,
  nearMiss,
  nearMissOrMatch,
  noIamAllow,
  reasonOf,
  refOf,
  sideFinding,
  type Scan,
  type Walk,
} from './walk.js';

/** The key-policy statements that allow the request on the key: naming the caller, or its account. */
export interface KeyPolicyScan {
  allows: Scan;
  /** Statements whose principal names the caller (its ARN, its role, "*", a NotPrincipal that leaves it out). */
  named: CompiledStatement[];
  /** Statements that name the caller's account: they delegate to its IAM policies. */
  account: CompiledStatement[];
}

export function keyPolicyScan(k: Walk): KeyPolicyScan {
  const { ex, caller, w, action, keyArn } = k;
  const allows = keyArn !== undefined ? k.scan(k.keyPolicies, 'Allow', keyArn) : { matched: [], records: [] };
  const named: CompiledStatement[] = [];
  const account: CompiledStatement[] = [];
  for (const cs of allows.matched) {
    const via = principalVia(cs, caller).via;
    if (via === 'account') account.push(cs);
    else named.push(cs);
    if (via === 'wildcard') ex.assume('wildcardPrincipalBoundary');
    if (via === 'not-principal') ex.assume('notPrincipal');
  }
  if (ex.on && w.keyPolicy && hasNonStarResource(w.keyPolicy, action)) ex.assume('keyPolicyResource');
  return { allows, named, account };
}

/** How a grant allows the request: used as it is, or (CreateGrant) as the parent of the grant to create. */
interface GrantRule {
  check(k: Walk, g: Grant, key: Key): GrantCheck;
  /** Said when a grant allowed. */
  allowed?(k: Walk, c: GrantCheck): void;
}

const USE_GRANT: GrantRule = {
  check: (k, g, key) => checkGrant(g, k.action, k.caller, k.r.request, key, k.grantOpts(), k.r.grantTokens),
};

/**
 * A grant whose operations include CreateGrant lets its grantee create a child grant with no more
 * operations and constraints at least as strict [KMS grant concepts, "Granting CreateGrant permission"].
 */
const PARENT_GRANT: GrantRule = {
  check: (k, g, key) => checkParentGrant(g, k.action, k.caller, k.r.request, key, k.grantOpts(), k.r.grantTokens),
  allowed: (k, c) => k.ex.hint({ kind: 'child-grant', parentGrantId: c.grant.grantId }),
};

/** CreateGrant: a key operation whose grant path is a parent grant's. */
export function createGrant(k: Walk, kp: KeyPolicyScan, key: Key): Decision {
  return keyOperation(k, kp, key, PARENT_GRANT);
}

/** Step 5a allows: the key-policy statements that name the caller decide alone. */
function keyPolicyAllowsAlone(k: Walk, kp: KeyPolicyScan, stmts: CompiledStatement[]): Decision {
  if (k.ex.on)
    k.ex.step(
      'key-policy',
      { kind: 'key-policy', principal: k.caller.arn, action: k.a },
      'yes',
      (): TraceFinding => ({ kind: 'statements', statements: stmts.map(refOf) }),
      () => ({ statements: kp.allows.records.filter((s) => s.matched) }),
    );
  return k.finish('allow', 'key-policy', stmts.map(reasonOf));
}

export function keyOperation(k: Walk, kp: KeyPolicyScan, key: Key, rule: GrantRule = USE_GRANT): Decision {
  if (!k.sameAccount) return crossAccount(k, kp, key, rule);
  const { w, ex, action, caller, a } = k;
  const keyArn = key.metadata.arn;
  const { allows: keyPolicyAllows, named, account: accountStmts } = kp;
  let blocked: Limit | undefined;

  // ── 5a: the key policy names the caller ───────────────────────────────────────────────────
  if (named.length > 0) {
    const unlimited = named.filter((cs) => principalVia(cs, caller).via !== 'role');
    if (unlimited.length > 0) return keyPolicyAllowsAlone(k, kp, unlimited);
    // Only role-ARN statements: limited by the session's boundary and session policy.
    if (w.boundary || k.sessionPolicies.length > 0) ex.assume('roleArnBoundary');
    const limit = k.roleLimits();
    if (limit === undefined) return keyPolicyAllowsAlone(k, kp, named);
    if (ex.on)
      ex.step(
        'key-policy',
        { kind: 'key-policy', principal: caller.arn, action: a },
        'yes',
        (): TraceFinding => ({ kind: 'role-limited', statements: named.map(refOf), limit, action: a }),
        () => ({ statements: keyPolicyAllows.records.filter((s) => s.matched) }),
      );
    if (ex.on) ex.step(limit, { kind: 'limit', limit, action: a }, 'no', { kind: 'role-allow-limited' });
    blocked ??= k.limited(limit, { kind: 'key-policy-role', action: a });
  } else {
    if (ex.on)
      ex.step('key-policy', { kind: 'key-policy', principal: caller.arn, action: a }, 'no', { kind: 'no-key-policy-names' }, () => ({
        statements: keyPolicyAllows.records.filter((s) => s.principal?.via !== 'account' && nearMiss(s)),
      }));
  }

  // ── 5b: the key policy delegates to the account, and IAM allows ───────────────────────────
  const cs = k.callerSide(keyArn);
  if (ex.on)
    ex.step(
      'account-delegation',
      { kind: 'account-delegation', account: caller.account, action: a },
      accountStmts.length > 0 ? 'yes' : 'no',
      (): TraceFinding => (accountStmts.length > 0 ? { kind: 'statements', statements: accountStmts.map(refOf) } : { kind: 'no-account-statement', action: a }),
      () => ({ statements: keyPolicyAllows.records.filter((s) => s.principal?.via === 'account') }),
    );
  if (ex.on)
    ex.step(
      'identity-policy',
      { kind: 'iam-on-key', principal: caller.arn, action: a, keyArn: keyArn },
      cs.root || cs.iam.length > 0 ? 'yes' : 'no',
      () => sideFinding(cs, false, () => noIamAllow(aliasResourceNote(ex, cs.records, a, w.identity))),
      () => ({ statements: cs.records.filter(nearMissOrMatch) }),
    );
  if (accountStmts.length > 0 && cs.ok) {
    return k.finish('allow', 'key-policy-and-iam', [...accountStmts.map(reasonOf), ...cs.iam.map(reasonOf)]);
  }
  if (accountStmts.length > 0 && cs.blockedBy) {
    if (ex.on) ex.step(cs.blockedBy, { kind: 'limit', limit: cs.blockedBy, action: a }, 'no', { kind: 'iam-intersection' });
    blocked ??= k.limited(cs.blockedBy, { kind: 'identity-policy', action: a });
  }
  if (accountStmts.length === 0 && cs.iam.length > 0) {
    if (ex.on)
      ex.propose(
        {
          kind: 'not-delegated',
          statements: cs.iam.map(refOf),
          action: a,
          account: caller.account,
          partition: caller.partition,
          principal: caller.arn,
          // The role as a policy names it: with its path (or the path to fill in, walk.ts policyPrincipal).
          ...(caller.kind === 'assumed-role' ? { role: k.policyPrincipal() } : {}),
        },
        k.keyPolicyAllow(`Allow${action.short}ForAccount${caller.account}`, [`arn:${caller.partition}:iam::${caller.account}:root`]),
      );
  }
  if (accountStmts.length > 0 && !cs.ok && !cs.blockedBy) {
    if (ex.on)
      ex.propose(
        { kind: 'delegated-no-iam', action: a, principal: caller.arn, account: caller.account, keyArn: keyArn },
        k.iamAllow(`Allow${action.short}OnKey`, keyArn),
      );
  }

  // ── 5c: grants ────────────────────────────────────────────────────────────────────────────
  const g = grantPath(k, rule, key);
  blocked ??= g.blocked;
  if (g.decision) return g.decision;
  collectMissing(ex, keyPolicyAllows.records);
  if (named.length === 0 && accountStmts.length === 0 && cs.iam.length === 0 && blocked === undefined) {
    if (ex.on)
      ex.propose(
        { kind: 'nothing-allows', action: a, principal: caller.arn, to: caller.kind === 'service' ? caller.name : k.policyPrincipal() },
        k.keyPolicyAllow(`Allow${action.short}`),
      );
  }
  return k.deny(blocked);
}

// ── Cross-account: both sides must allow (or a grant) ─────────────────────────────────────
function crossAccount(k: Walk, kp: KeyPolicyScan, key: Key, rule: GrantRule): Decision {
  const { w, ex, action, caller, a } = k;
  const keyArn = key.metadata.arn;
  const { allows: keyPolicyAllows } = kp;
  let blocked: Limit | undefined;
  const keySide = keyPolicyAllows.matched;
  if (ex.on)
    ex.step(
      'key-policy',
      { kind: 'key-policy-or-account', principal: caller.arn, account: caller.account },
      keySide.length > 0 ? 'yes' : 'no',
      (): TraceFinding => (keySide.length > 0 ? { kind: 'statements', statements: keySide.map(refOf) } : { kind: 'no-key-policy-or-account' }),
      () => ({ statements: keyPolicyAllows.records.filter(nearMissOrMatch) }),
    );
  const cs = k.callerSide(keyArn);
  if (ex.on)
    ex.step(
      'identity-policy',
      { kind: 'iam-in-account', account: caller.account, action: a, keyArn: keyArn },
      cs.ok ? 'yes' : 'no',
      () => sideFinding(cs, true, () => noIamAllow(aliasResourceNote(ex, cs.records, a, w.identity))),
      () => ({ statements: cs.records.filter(nearMissOrMatch) }),
    );
  if (keySide.length > 0 && cs.ok) {
    return k.finish('allow', 'key-policy-and-iam', [...keySide.map(reasonOf), ...cs.iam.map(reasonOf)]);
  }
  if (keySide.length > 0 && cs.blockedBy) blocked ??= k.limited(cs.blockedBy, { kind: 'identity-policy', action: a });
  const g = grantPath(k, rule, key);
  blocked ??= g.blocked;
  if (g.decision) return g.decision;
  // Both sides must allow: when neither does, one hint names both changes.
  const keyText: HintNote = { kind: 'cross-account-key-policy', action: a, principal: caller.arn, account: caller.account, partition: caller.partition };
  const keyEdit = k.keyPolicyAllow(`Allow${action.short}ForAccount${caller.account}`, [`arn:${caller.partition}:iam::${caller.account}:root`]);
  const iamText: HintNote = { kind: 'cross-account-iam', action: a, principal: caller.arn, account: caller.account, keyArn: keyArn };
  const iamEdit = k.iamAllow(`Allow${action.short}OnKey`, keyArn);
  if (keySide.length === 0 && !cs.ok && !cs.blockedBy) ex.propose({ kind: 'both', notes: [keyText, iamText] }, [...keyEdit, ...iamEdit]);
  else if (keySide.length === 0) ex.propose(keyText, keyEdit);
  else if (!cs.ok && !cs.blockedBy) ex.propose(iamText, iamEdit);
  collectMissing(ex, keyPolicyAllows.records);
  return k.deny(blocked);
}

/** 5c: does a grant allow it? (`blocked`: a boundary or session policy took a grant's allow away.) */
function grantPath(k: Walk, rule: GrantRule, key: Key): { decision?: Decision; blocked?: Limit } {
  const { r, w, env, ex, action, caller, a } = k;
  const keyArn = key.metadata.arn;
  const operation = action.grantOperation;
  if (operation === undefined) {
    if (action.cls === 'key') ex.step('grant', { kind: 'any-grant', action: a }, 'not-applicable', { kind: 'not-grantable', action: a });
    return {};
  }
  let blocked: Limit | undefined;
  let accountGrantFailed = false;
  const checks: GrantCheck[] = [];
  const candidates = w.grantsFor(caller, ex.on);
  for (const gr of candidates) {
    checks.push(rule.check(k, gr, key));
  }
  if (action.short === 'ReEncryptFrom' || action.short === 'ReEncryptTo') {
    // A grant's encryption-context constraint compared with one of ReEncrypt's two contexts
    // (docs/semantics.md#re-encrypt-context).
    if (checks.some((c) => (c.matched || c.failed === 'encryption-context') && hasEcConstraint(c.grant.constraints))) ex.assume('reEncryptContext');
  }
  const usable: GrantCheck[] = [];
  for (const c of checks) {
    if (c.matched && c.contextUnknown !== undefined && !contextMayHold(env)) {
      // The request's encryption context is not known: the constraint may or may not hold.
      c.matched = false;
      c.failed = 'encryption-context';
      c.detail = c.contextUnknown.detail;
      c.neededContext = c.contextUnknown.neededContext;
      continue;
    }
    if (c.matched && c.sourceArn !== undefined && !sourceArnHolds(env, c.sourceArn)) {
      c.matched = false;
      c.failed = 'source-arn';
      c.detail = { kind: 'source-arn', sourceArn: c.sourceArn };
      continue;
    }
    if (c.matched && c.maybeNotInEffect !== undefined) {
      // A grant created moments before the request: it may not be in effect yet (grantMayNotBeInEffect).
      if (!biased(env, 'Allow', { name: c.grant.grantId, input: c.maybeNotInEffect }, `grant-in-effect:${c.grant.grantId}`)) {
        c.matched = false;
        c.failed = 'grant-state';
        c.detail = pendingDetail(r.request);
        continue;
      }
    }
    if (c.needsRequestDetails) {
      // CreateGrant from a parent grant without saying which grant: the parent may or may not
      // allow it, so the verdict it can change is unknown (never a confident deny).
      c.matched = biased(env, 'Allow', { name: GRANT_TO_CREATE, supply: '--grantee ARN --grant-operations OPS' }, GRANT_TO_CREATE);
      if (!c.matched) continue;
    }
    if (!c.matched) continue;
    if (c.needsIamDelegation && r.options.accountGranteeRequiresIamDelegation) {
      const side = k.callerSide(keyArn);
      if (!side.ok) {
        // The account grant allows nothing without the IAM side (assumption accountGrantee): said
        // when no grant allows; a grant that allows says its own (noteGrantAssumptions).
        accountGrantFailed = true;
        c.matched = false;
        c.failed = 'grantee';
        c.detail = side.blockedBy ? { kind: 'no-iam-side', of: c.detail, blockedBy: side.blockedBy } : { kind: 'no-iam-side', of: c.detail };
        if (ex.on)
          ex.propose(
            { kind: 'account-grant-needs-iam', grantId: c.grant.grantId, action: a, principal: caller.arn, account: caller.account, keyArn: keyArn },
            k.iamAllow(`Allow${action.short}OnKey`, keyArn),
          );
        continue;
      }
    }
    if (r.options.grantsLimitedByBoundary && (w.boundary || k.sessionPolicies.length > 0)) {
      const limit = k.roleLimits();
      if (limit) {
        c.matched = false;
        c.detail = { kind: 'limited', of: c.detail, limit };
        blocked ??= k.limited(limit, { kind: 'grant', grantId: c.grant.grantId });
        continue;
      }
    }
    usable.push(c);
  }
  const relevant = checks;
  if (usable.length > 0) {
    const first = usable[0]!;
    noteGrantAssumptions(k, first);
    if (ex.on)
      ex.step(
        'grant',
        { kind: 'grant', principal: caller.arn, action: a },
        'yes',
        (): TraceFinding => ({ kind: 'grants-allow', details: usable.map((u) => u.detail) }),
        () => ({ grants: relevant.map(grantMatchRecord) }),
      );
    rule.allowed?.(k, first);
    return {
      decision: k.finish(
        'allow',
        'grant',
        usable.map((u) => grantReason(u.grant)),
      ),
    };
  }
  if (accountGrantFailed) ex.assume('accountGrantee');
  if (ex.on)
    ex.step(
      'grant',
      { kind: 'grant', principal: caller.arn, action: a },
      'no',
      (): TraceFinding => grantsDeny(relevant, w),
      () => ({ grants: relevant.map(grantMatchRecord) }),
    );
  for (const c of relevant) {
    if (c.failed === 'encryption-context' && c.neededContext) {
      const needed = c.neededContext;
      ex.offer(() => {
        const exact = c.grant.constraints?.encryptionContextEquals !== undefined && Object.keys(c.grant.constraints.encryptionContextEquals).length > 0;
        return {
          note: { kind: 'grant-context', grantId: c.grant.grantId, context: needed, exact },
          set: [],
          encryptionContext: exact ? { ...needed } : { ...(r.request.encryptionContext ?? {}), ...needed },
        };
      });
      for (const k of Object.keys(needed)) if (!r.request.encryptionContext || !hasKeyCi(r.request.encryptionContext, k)) ex.miss(`kms:EncryptionContext:${k}`);
    } else if (c.failed === 'orphaned-grantee') {
      if (ex.on)
        ex.propose(
          { kind: 'orphaned-grant', grantId: c.grant.grantId, grantee: c.grant.granteePrincipal, principal: caller.arn },
          k.newGrant(c.grant, { granteePrincipal: caller.arn }),
        );
    } else if (c.failed === 'operation' && c.principal.matched) {
      if (ex.on)
        ex.propose({ kind: 'grant-operation', grantId: c.grant.grantId, operation }, k.newGrant(c.grant, { operations: [...c.grant.operations, operation] }));
    } else if (c.failed === 'grant-state' && c.principal.matched && c.maybeNotInEffect === undefined) {
      const token = c.grant.state === 'pending-consistency' ? c.grant.grantToken : undefined;
      if (token !== undefined)
        ex.offer(() => ({
          note: { kind: 'grant-state', grantId: c.grant.grantId, detail: c.detail, token: true },
          set: [],
          grantTokens: [...(r.request.grantTokens ?? []), token],
        }));
      else ex.propose({ kind: 'grant-state', grantId: c.grant.grantId, detail: c.detail, token: false }, k.newGrant(c.grant, {}));
    } else if (c.failed === 'grant-invalid') {
      ex.assume('invalidGrant');
    }
  }
  return { blocked };
}

function noteGrantAssumptions(k: Walk, c: GrantCheck): void {
  if (!k.ex.on) return;
  if (c.tokenAssumed === true) k.ex.assume('grantTokenPresented');
  const limited = k.w.boundary !== null || k.sessionPolicies.length > 0;
  for (const id of grantAssumptions(c.grant, c.principal.via, k.caller.kind, k.action, k.sameAccount, limited)) k.ex.assume(id);
}

/**
 * A grant's SourceArn constraint on this request: the request's aws:SourceArn, as a condition on
 * the key reads it (ArnEquals, one value). Absent (a caller's own request): not met. Present but
 * not derivable (a service's request): the grant may or may not allow, as such a condition.
 */
function sourceArnHolds(env: ConditionEnv, sourceArn: string): boolean {
  const values = contextGet(env.ctx, SOURCE_ARN);
  if (values !== undefined) return values.length === 1 && values[0] === sourceArn;
  const unknown = missingKeyInfo(env.ctx, SOURCE_ARN);
  return unknown !== undefined && biased(env, 'Allow', unknown, SOURCE_ARN);
}
const SOURCE_ARN = 'aws:sourcearn';

/**
 * A grant's encryption-context constraint on a request whose context is not known
 * (Request.encryptionContextUnknown, unknown in the context as kms:EncryptionContextKeys): it may
 * or may not hold, as a condition on that key. Given as absent (--absent): it does not.
 */
function contextMayHold(env: ConditionEnv): boolean {
  const unknown = missingKeyInfo(env.ctx, EC_KEYS);
  return unknown !== undefined && biased(env, 'Allow', unknown, EC_KEYS);
}
const EC_KEYS = 'kms:encryptioncontextkeys';
