// The KMS authorization flowchart (docs/semantics.md#evaluation-order): the only module that combines effects.
// Input is one "world": every source known (an unreadable one has been replaced by its most
// permissive or most restrictive stand-in by evaluator.ts).
import { roleArnOf } from '../model/arn.js';
import type { ActionInfo } from '../model/actions.js';
import { ASSUMPTION_IDS, type AssumptionId, type HintNote, type Limit, type LimitedAllow, type RetireRole, type StatementRef } from '../model/decision.js';
import type {
  ConditionMatch,
  DecidedBy,
  Decision,
  GrantMatch,
  Reason,
  StatementMatch,
  StepAnswer,
  StepId,
  TraceFact,
  TraceFinding,
  TraceQuestion,
  Verdict,
} from '../model/decision.js';
import type { Grant } from '../model/grant.js';
import type { Key } from '../model/key.js';
import type { PrincipalRef } from '../model/principal.js';
import type { Request } from '../model/request.js';
import { matchStatement, newStatementMatch, principalVia, statementsFor, type CompiledPolicy, type CompiledStatement } from './compile.js';
import { biased, type ConditionEnv, type UnknownBias } from './conditions.js';
import { parseOperator } from '../model/condition-operators.js';
import { parseDate } from '../model/condition-values.js';
import { checkGrant, checkParentGrant, grantMatchRecord, grantStateDetail, grantStateUsable, hasEcConstraint, type GrantCheck } from './grants.js';
import { dependsOnKeyState, keyStateError } from './key-state.js';
import type { EvaluatorOptions } from './options.js';
import { accountOf, matchGrantPrincipal } from './principals.js';
import { statement, withCondition, withNotPrincipal, withResource, type HintEdit, type HintProposal } from './hint-edits.js';
import type { Policy } from '../model/policy.js';

export interface World {
  keyPolicy: CompiledPolicy | null;
  grants: Grant[];
  /** The grants that may concern the caller (indexed by grantee); with `explain`, also orphaned grants for its session name. */
  grantsFor: (caller: PrincipalRef, explain: boolean) => Grant[];
  identity: CompiledPolicy[];
  boundary: CompiledPolicy | null;
  session: CompiledPolicy[];
  /** SCP hierarchy levels that apply to the caller (empty when none apply). */
  scps: CompiledPolicy[][];
  /** RCP hierarchy levels that apply to the key (empty when none apply). */
  rcps: CompiledPolicy[][];
  /** How a condition that cannot be evaluated counts (null: as unknown). */
  bias: UnknownBias;
  /** Some policy (key policy, identity policies, boundary, session policies) could not be read. */
  unreadPolicies?: boolean;
  /**
   * Set when `grants` is a list read in part (Key.grantsPartial) that holds every grant for this
   * caller: how many grants the first, unfiltered page held.
   */
  grantsFirstPage?: number;
}

export interface Resolved {
  request: Request;
  action: ActionInfo;
  caller: PrincipalRef;
  callerAccount: string | undefined;
  key: Key | undefined;
  keyArn: string | undefined;
  aliasArn: string | undefined;
  /** For RetireGrant. */
  targetGrant: Grant | undefined;
  options: EvaluatorOptions;
  /** Notes on how the caller was read (e.g. a role ARN given as the caller). */
  notes: HintNote[];
  /** Authorize an action by identity policies alone, on this resource (a companion permission, e.g. TagResource on a replica). */
  iamResource?: string;
}

/**
 * A further permission a request needs (UpdateAlias on the alias's current key, ReplicateKey's
 * kms:CreateKey…), decided as a request of its own; or, when the inputs cannot say what it is,
 * what is missing and how to supply it.
 */
export type Part =
  | { what: string; decision: Decision; authorizationOnly?: boolean }
  | { what: string; missing: string; supply: string };

/**
 * A request that needs several permissions is allowed only if each is: the first denial decides,
 * otherwise any unknown makes it unknown [IAM-DENYALLOW: every required permission must be allowed].
 * When the key state fails the main request, the final verdict stays that deny whatever the
 * further permissions say; they still decide its authorization, as on a key in a working state,
 * and a denied one is reported before the key state when `authorizeBeforeKeyState` (as decide does).
 */
export function combineParts(main: Decision, parts: Part[], explain: boolean, authorizeBeforeKeyState = true): Decision {
  const out = combine(main, parts, explain, authorizeBeforeKeyState);
  if (explain) {
    // The proposals of each part, named by the part, are verified on the whole request (evaluator.ts).
    const proposals = [...(HINT_PROPOSALS.get(main) ?? [])];
    for (const p of parts) if (!('missing' in p)) for (const q of HINT_PROPOSALS.get(p.decision) ?? []) proposals.push({ ...q, note: { kind: 'part', what: p.what, note: q.note } });
    if (proposals.length > 0) HINT_PROPOSALS.set(out, proposals);
  }
  return out;
}

function combine(main: Decision, parts: Part[], explain: boolean, authorizeBeforeKeyState: boolean): Decision {
  const verdictOf = (p: Part): Verdict => ('missing' in p ? 'unknown' : p.authorizationOnly ? p.decision.authorization : p.decision.decision);
  const out: Decision = { ...main, reasons: [...main.reasons], trace: [...main.trace], hints: [...main.hints], missingContext: [...main.missingContext], assumptions: [...main.assumptions], unreadable: [...main.unreadable] };
  if (explain && !out.assumptions.includes('companionPermissions')) out.assumptions.push('companionPermissions');
  const add = <T>(list: T[], items: T[]): void => {
    for (const i of items) if (!list.includes(i)) list.push(i);
  };
  const addNotes = (list: HintNote[], items: HintNote[]): void => {
    for (const i of items) if (!list.some((x) => sameNote(x, i))) list.push(i);
  };
  for (const p of parts) {
    if ('missing' in p) {
      if (explain) {
        out.trace.push({ step: 'identity-policy', ask: { kind: 'companion', principal: main.principal, action: main.action, what: p.what }, answer: 'unknown', why: { kind: 'companion-unknown', missing: p.missing } });
        addNotes(out.hints, [{ kind: 'companion-unknown', action: main.action, what: p.what, missing: p.missing, supply: p.supply }]);
      }
      continue;
    }
    const d = p.decision;
    if (explain) {
      for (const t of d.trace) if (t.step !== 'action') out.trace.push({ ...t, within: [p.what, ...(t.within ?? [])] });
      addNotes(out.hints, d.hints.map((h): HintNote => ({ kind: 'part', what: p.what, note: h })));
      add(out.missingContext, d.missingContext);
      add(out.assumptions, d.assumptions);
    }
    for (const u of d.unreadable) if (!out.unreadable.some((x) => x.what === u.what)) out.unreadable.push(u);
  }
  const keyStateFails = main.decision === 'deny' && main.decidedBy === 'key-state';
  if (keyStateFails && main.keyStateError !== undefined && parts.some((p) => verdictOf(p) !== 'allow')) {
    // Not (known to be) authorized after all: say so as decide does for a request it does not authorize.
    const i = out.hints.findIndex((h) => h.kind === 'key-state' && h.authorized && h.error === main.keyStateError);
    if (i >= 0) out.hints[i] = { kind: 'key-state', error: main.keyStateError, authorized: false };
  }
  const denied = parts.find((p) => verdictOf(p) === 'deny');
  if (denied !== undefined && !('missing' in denied)) {
    const d = denied.decision;
    if (keyStateFails && !authorizeBeforeKeyState) return { ...out, decision: 'deny', authorization: 'deny', decidedBy: 'key-state', reasons: d.reasons };
    const r: Decision = { ...out, decision: 'deny', authorization: 'deny', decidedBy: d.decidedBy === 'key-state' && denied.authorizationOnly ? 'implicit-deny' : d.decidedBy, reasons: d.reasons };
    if (r.decidedBy !== 'key-state') delete r.keyStateError;
    return r;
  }
  if (main.authorization === 'unknown' || main.decision === 'unknown' || parts.some((p) => verdictOf(p) === 'unknown')) {
    if (keyStateFails) return { ...out, authorization: 'unknown', reasons: [] };
    const r: Decision = { ...out, decision: 'unknown', authorization: 'unknown', decidedBy: 'unknown', reasons: [] };
    delete r.keyStateError;
    const because = out.hints[out.hints.length - 1];
    if (because !== undefined) r.unknownBecause = because;
    return r;
  }
  for (const p of parts) if (!('missing' in p)) for (const reason of p.decision.reasons) if (!out.reasons.some((x) => x.source === reason.source && x.id === reason.id && x.policyName === reason.policyName)) out.reasons.push(reason);
  return out;
}

interface Scan {
  matched: CompiledStatement[];
  records: StatementMatch[];
}

/**
 * Records the explanation: the trace, hints, proposals, assumptions and missing keys. Every method
 * does nothing when explanation is off (SILENT), so the walk calls it bare: the fast path pays a
 * call, never a sentence. What a call costs to build is built only when recording (the edits a
 * proposal makes are built by builders that return nothing when off).
 */
class Recorder {
  readonly trace: TraceFact[] = [];
  readonly hints: HintNote[] = [];
  readonly assumptions = new Set<AssumptionId>();
  readonly missing = new Set<string>();
  /** Hints that propose a change (to the request or the inputs): printed only once re-evaluation confirms them. */
  readonly proposals: HintProposal[] = [];
  constructor(readonly on: boolean) {}
  /** A step of the walk; the statements and grants it involved are gathered only when recording. */
  step(step: StepId, ask: TraceQuestion, answer: StepAnswer, why: TraceFinding, involved?: () => { statements?: StatementMatch[]; grants?: GrantMatch[] }): void {
    if (!this.on) return;
    const t: TraceFact = { step, ask, answer, why };
    const extra = involved?.();
    if (extra?.statements && extra.statements.length > 0) t.statements = extra.statements;
    if (extra?.grants && extra.grants.length > 0) t.grants = extra.grants;
    this.trace.push(t);
  }
  /** A fact: why the verdict is what it is, when no change kms-why can write would turn it. */
  hint(note: HintNote): void {
    if (this.on && !this.hints.some((h) => sameNote(h, note))) this.hints.push(note);
  }
  /** A change to the inputs: printed only if the request, evaluated again with it, is allowed. */
  propose(note: HintNote, edits: HintEdit[]): void {
    if (this.on && !this.proposals.some((p) => sameNote(p.note, note))) this.proposals.push({ note, set: [], edits });
  }
  /** A proposal whose request change is built only when recording (it is not checked for duplicates). */
  offer(make: () => HintProposal): void {
    if (this.on) this.proposals.push(make());
  }
  assume(id: AssumptionId): void {
    if (this.on) this.assumptions.add(id);
  }
  /** A condition key whose absence (or value) decided: the request should say. */
  miss(key: string): void {
    if (this.on) this.missing.add(key);
  }
  /** The assumptions behind the unknown keys a condition consulted. */
  assumeTouched(touched: ConditionEnv['touched'], retireGrant: boolean): void {
    if (!this.on || touched === undefined) return;
    for (const [k, u] of touched) {
      if (u.supply !== undefined) this.assume('unknownContextKeys');
      if (retireGrant && k.startsWith('kms:encryptioncontext')) this.assume('retireGrantEncryptionContext');
    }
  }
  /** The explanation part of a decision (empty when not recording), and its proposals beside it. */
  explanation(env: ConditionEnv): Pick<Decision, 'trace' | 'missingContext' | 'hints' | 'assumptions'> {
    if (!this.on) return { trace: [], missingContext: [], hints: [], assumptions: [] };
    return {
      trace: this.trace,
      missingContext: [...this.missing],
      hints: this.hints,
      assumptions: [...this.assumptions, ...[...(env.assumed ?? [])].filter(isAssumptionId)].filter((id, i, all) => all.indexOf(id) === i),
    };
  }
  keep(d: Decision): void {
    if (this.on && this.proposals.length > 0) HINT_PROPOSALS.set(d, this.proposals);
  }
}

function reasonOf(cs: CompiledStatement): Reason {
  const r: Reason = { source: cs.policy.source, id: cs.id, effect: cs.st.effect, policyName: cs.policy.name, statementIndex: cs.st.index };
  r.excerpt = cs.st.raw;
  return r;
}

function grantReason(g: Grant): Reason {
  return { source: 'grant', id: g.grantId, effect: 'Allow', excerpt: g };
}

/** Two notes that say the same (a hint is listed once). */
export function sameNote(a: HintNote, b: HintNote): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function refOf(cs: CompiledStatement): StatementRef {
  return { source: cs.policy.source, policyName: cs.policy.name, id: cs.id };
}

export type { HintProposal } from './hint-edits.js';

/** The proposals of each explained decision (kept beside it, not in the JSON contract): printed once verified. */
export const HINT_PROPOSALS = new WeakMap<Decision, HintProposal[]>();

/** Evaluates one request in one world. Pure; `explain` only adds the explanation. */
export function decide(r: Resolved, w: World, env: ConditionEnv, explain: boolean): Decision {
  const ex = explain ? new Recorder(true) : SILENT;
  const { action, caller } = r;
  const a = action.name;
  const keyArn = r.keyArn;
  const isSession = caller.kind === 'assumed-role' || caller.kind === 'federated-user' || caller.kind === 'role';
  // A service principal has no account and no identity policies: the key policy (or a grant)
  // alone decides, as for a same-account caller.
  const sameAccount = r.key === undefined || caller.kind === 'service' || caller.account === r.key.metadata.account;

  const scan = (policies: readonly CompiledPolicy[], effect: 'Allow' | 'Deny', resource: string): Scan => {
    const out: Scan = { matched: [], records: ex.on ? [] : NO_RECORDS };
    for (const p of policies) {
      for (const cs of statementsFor(p, action)) {
        if (cs.st.effect !== effect) continue;
        if (ex.on) {
          const rec = newStatementMatch(cs, a);
          if (matchStatement(cs, { caller, resource, env }, rec)) out.matched.push(cs);
          out.records.push(rec);
        } else if (matchStatement(cs, { caller, resource, env })) out.matched.push(cs);
      }
    }
    return out;
  };

  // The resources this request is authorized against, per policy kind.
  const identityResources: string[] =
    action.cls === 'iam-only' ? [r.iamResource ?? '*'] : action.cls === 'alias' ? [r.aliasArn ?? '', keyArn ?? ''] : [keyArn ?? ''];
  const keyPolicies: CompiledPolicy[] = action.cls !== 'iam-only' && w.keyPolicy ? [w.keyPolicy] : [];
  const sessionPolicies = isSession ? w.session : [];
  const boundaryPolicies = w.boundary ? [w.boundary] : [];

  // ── The changes hints propose (each applied and evaluated again before it is printed) ────
  /** aws:PrincipalArn: what a policy names for this caller (a session's role ARN, with its path). */
  const policyPrincipal = (): string => env.ctx.values.get('aws:principalarn')?.[0] ?? env.ctx.base?.get('aws:principalarn')?.[0] ?? caller.arn;
  /** A key-policy statement allowing `actionName` to the caller (or to `aws`, e.g. its account). */
  const keyPolicyAllow = (sid: string, aws?: string[]): HintEdit[] => {
    if (!ex.on || w.keyPolicy === null) return NO_EDITS;
    const who = aws !== undefined ? { principal: aws } : caller.kind === 'service' ? { service: [caller.name] } : { principal: [policyPrincipal()] };
    return [{ kind: 'add-statement', policy: w.keyPolicy.policy, statement: statement({ sid, ...who, action: [a], resource: ['*'] }) }];
  };
  /** An inline identity policy on the caller allowing `actionName` on `resource`. */
  const iamAllow = (sid: string, resource: string, actionName: string = a): HintEdit[] =>
    !ex.on || caller.kind === 'service' || caller.kind === 'root' ? NO_EDITS : [{ kind: 'attach-identity-policy', principal: caller.arn, statement: statement({ sid, action: [actionName], resource: [resource] }) }];
  /** A new grant like `g` with `change` (grants cannot be changed: a new one is created). */
  const newGrant = (g: Grant, change: Partial<Grant>): HintEdit[] => {
    if (!ex.on || keyArn === undefined) return NO_EDITS;
    const grant: Grant = { ...g, ...change, grantId: `${g.grantId}-new`, state: 'active' };
    delete grant.grantToken;
    return [{ kind: 'add-grant', keyArn, grant }];
  };
  const addTo = (policy: Policy | undefined, sid: string, resource: string): HintEdit[] =>
    !ex.on || policy === undefined ? NO_EDITS : [{ kind: 'add-statement', policy, statement: statement({ sid, action: [a], resource: [resource] }) }];

  const finish = (
    decision: Verdict,
    decidedBy: DecidedBy,
    reasons: Reason[],
  ): Decision => {
    let final: Verdict = decision;
    let by: DecidedBy = decidedBy;
    let keyStateErr: string | undefined;
    ex.assumeTouched(env.touched, action.short === 'RetireGrant');
    if (action.short === 'GetKeyRotationStatus' && r.key !== undefined && (r.key.metadata.keySpec !== 'SYMMETRIC_DEFAULT' || r.key.metadata.origin !== 'AWS_KMS')) ex.assume('rotationStatusApi');
    if (r.key !== undefined && action.cls !== 'iam-only') {
      // An unreadable key state fails the request in the restrictive world only (evaluator.ts).
      keyStateErr = r.key.metadataUnknown !== undefined
        ? env.bias === 'deny' && dependsOnKeyState(action) ? `the key's state and type could not be read (${r.key.metadataUnknown.reason})` : undefined
        : keyStateError(action, r.key.metadata);
      if (keyStateErr !== undefined) {
        ex.assume('keyStateOrder');
        // An unknown authorization still fails on the key state, whatever the unreadable input says.
        if (decision !== 'deny' || !r.options.authorizeBeforeKeyState) {
          final = 'deny';
          by = 'key-state';
          ex.step('key-state', { kind: 'key-state', keyState: r.key.metadata.keyState, keySpec: r.key.metadata.keySpec, keyUsage: r.key.metadata.keyUsage, action: a }, 'no', { kind: 'key-state-error', error: keyStateErr });
          ex.hint({ kind: 'key-state', error: keyStateErr, authorized: true });
        } else {
          ex.step('key-state', { kind: 'key-state', keyState: r.key.metadata.keyState, keySpec: r.key.metadata.keySpec, keyUsage: r.key.metadata.keyUsage, action: a }, 'no', { kind: 'key-state-error', error: keyStateErr });
          ex.hint({ kind: 'key-state', error: keyStateErr, authorized: false });
        }
      } else {
        ex.step('key-state', { kind: 'key-state', keyState: r.key.metadata.keyState, keySpec: r.key.metadata.keySpec, keyUsage: r.key.metadata.keyUsage, action: a }, 'yes', { kind: 'key-state-ok' });
      }
    }
    const d: Decision = {
      action: a,
      principal: caller.arn,
      decision: final,
      decidedBy: by,
      authorization: decision,
      reasons,
      ...ex.explanation(env),
      unreadable: [],
    };
    if (keyArn !== undefined) d.keyArn = keyArn;
    if (by === 'key-state' && keyStateErr !== undefined) d.keyStateError = keyStateErr;
    ex.keep(d);
    return d;
  };

  ex.step('action', { kind: 'action-class', action: a }, 'yes', { kind: 'action-class', cls: action.cls, grantable: action.grantOperation !== undefined });
  for (const n of r.notes) ex.hint(n);
  if (caller.kind === 'service') ex.assume('servicePrincipalAccount');

  if (action.cls === 'internal') {
    ex.hint({ kind: 'internal-action', action: a });
    return finish('deny', 'implicit-deny', []);
  }

  // Partitions are separate: no principal of one can use a key of another, whatever a policy says
  // ("Principal": "*" included).
  if (r.key !== undefined && caller.kind !== 'service' && caller.partition !== r.key.metadata.partition) {
    ex.step('action', { kind: 'same-partition', principal: caller.arn }, 'no', { kind: 'partitions', caller: caller.partition, key: r.key.metadata.partition });
    return finish('deny', 'implicit-deny', []);
  }

  // ── Step 3: explicit deny in any policy ───────────────────────────────────────────────────
  const denyMatches: CompiledStatement[] = [];
  const denyRecords: StatementMatch[] = [];
  const addDeny = (s: Scan): void => {
    denyMatches.push(...s.matched);
    denyRecords.push(...s.records);
  };
  if (keyArn !== undefined) addDeny(scan(keyPolicies, 'Deny', keyArn));
  for (const res of identityResources) {
    addDeny(scan(w.identity, 'Deny', res));
    addDeny(scan(boundaryPolicies, 'Deny', res));
    addDeny(scan(sessionPolicies, 'Deny', res));
    for (const level of w.scps) addDeny(scan(level, 'Deny', res));
  }
  if (keyArn !== undefined) for (const level of w.rcps) addDeny(scan(level, 'Deny', keyArn));
  const uniqueDenies = [...new Set(denyMatches)];
  // A Deny that matched because a key was absent (a negated operator, …IfExists): the absence decided.
  for (const rec of denyRecords) if (rec.matched) for (const c of rec.conditions) if (c.missing && c.matched) ex.miss(c.key);
  if (w.keyPolicy && keyPolicies.length > 0 && usesNotPrincipal(w.keyPolicy, action)) ex.assume('notPrincipal');
  if (uniqueDenies.length > 0) {
    ex.step('explicit-deny', { kind: 'explicit-deny', action: a }, 'yes', { kind: 'statements', statements: uniqueDenies.map(refOf) }, () => ({ statements: denyRecords.filter((s) => s.matched) }));
    // Every Deny that applies must go: one hint names them all (each alone would leave the request denied).
    for (const cs of uniqueDenies) if (conditionMentions(cs, 'aws:principalisawsservice')) ex.assume('principalIsAwsService');
    ex.offer(() => liftDenies(uniqueDenies, caller, policyPrincipal()));
    return finish('deny', 'explicit-deny', uniqueDenies.map(reasonOf));
  }
  // With a policy unread, "no Deny applies" would claim what kms-why
  // could not see: the unread policy may hold the Deny.
  const unread = w.unreadPolicies === true && env.bias !== null && env.bias !== undefined;
  ex.step('explicit-deny', { kind: 'explicit-deny', action: a }, unread ? 'unknown' : 'no', { kind: 'no-deny', unread }, () => ({ statements: denyRecords.filter(nearMiss) }));

  // ── Step 4: organization guardrails: every level must allow ───────────────────────────────
  if (w.rcps.length > 0 && keyArn !== undefined) {
    // RCPFullAWSAccess is attached to every root, OU and account and cannot be detached, so an RCP
    // level always allows; only RCP Deny statements (above) bite (docs/semantics.md#organization-policies, [ORG-RCP]).
    ex.assume('rcpFullAccess');
    ex.step('rcp', { kind: 'rcp', account: r.key!.metadata.account, action: a }, 'yes', { kind: 'rcp-full-access' });
  }
  if (w.scps.length > 0) {
    // SCP levels are looked up only for a known caller account (evaluator.ts orgLevels), so the
    // account the question names is always the one whose SCPs these are.
    const scpAccount = r.callerAccount ?? caller.account;
    for (const res of identityResources) {
      const gap = w.scps.findIndex((level) => scan(level, 'Allow', res).matched.length === 0);
      if (gap >= 0) {
        const policies = w.scps[gap]!.map((p) => p.policy.name);
        ex.step('scp', { kind: 'scp', account: scpAccount, action: a }, 'no', { kind: 'scp-gap', level: gap + 1, policies, resource: res });
        ex.propose({ kind: 'scp-gap', action: a, level: gap + 1, policies }, addTo(w.scps[gap]![0]?.policy, `Allow${action.short}`, res));
        return finish('deny', 'scp', []);
      }
    }
    ex.step('scp', { kind: 'scp', account: scpAccount, action: a }, 'yes', { kind: 'scp-allows' });
  }

  // ── The caller's side: identity policies, limited by boundary and session policy ──────────
  interface CallerSide {
    ok: boolean;
    iam: CompiledStatement[];
    root: boolean;
    blockedBy?: 'permissions-boundary' | 'session-policy';
    records: StatementMatch[];
  }
  let callerSideCache: Map<string, CallerSide> | undefined;
  const callerSide = (resource: string): CallerSide => {
    callerSideCache ??= new Map();
    const hit = callerSideCache.get(resource);
    if (hit) return hit;
    const root = caller.kind === 'root';
    const iamScan = root ? { matched: [], records: [] } : scan(w.identity, 'Allow', resource);
    const res: CallerSide = { ok: false, iam: iamScan.matched, root, records: iamScan.records };
    // The account root user has full access within IAM; only the key policy can limit it [IAM-DENYALLOW].
    if (root || iamScan.matched.length > 0) {
      res.ok = true;
      if (!root && w.boundary && scan([w.boundary], 'Allow', resource).matched.length === 0) {
        res.ok = false;
        res.blockedBy = 'permissions-boundary';
      } else if (!root && sessionPolicies.length > 0 && scan(sessionPolicies, 'Allow', resource).matched.length === 0) {
        res.ok = false;
        res.blockedBy = 'session-policy';
      }
    }
    callerSideCache.set(resource, res);
    return res;
  };
  /** Limits on a key-policy allow that names the role ARN (generic IAM rule, docs/semantics.md#boundaries-and-session-policies). */
  const roleLimits = (): 'permissions-boundary' | 'session-policy' | undefined => {
    if (keyArn === undefined) return undefined;
    if (w.boundary && scan([w.boundary], 'Allow', keyArn).matched.length === 0) return 'permissions-boundary';
    if (sessionPolicies.length > 0 && scan(sessionPolicies, 'Allow', keyArn).matched.length === 0) return 'session-policy';
    return undefined;
  };

  let blockedBy: 'permissions-boundary' | 'session-policy' | undefined;
  const noteBlocked = (b: Limit | undefined, allow: LimitedAllow, resource: string = keyArn ?? r.iamResource ?? '*'): void => {
    if (b === undefined) return;
    blockedBy ??= b;
    const target = b === 'permissions-boundary' ? w.boundary?.policy : sessionPolicies[0]?.policy;
    const note: HintNote = { kind: 'limited', allow, limit: b, action: a };
    if (b === 'permissions-boundary' && w.boundary) note.boundary = w.boundary.policy.name;
    ex.propose(note, addTo(target, `Allow${action.short}`, resource));
  };
  const denyResult = (): Decision => {
    if (blockedBy !== undefined) return finish('deny', blockedBy, []);
    return finish('deny', 'implicit-deny', []);
  };

  // ── IAM-only actions ──────────────────────────────────────────────────────────────────────
  if (action.cls === 'iam-only') {
    const cs = callerSide(r.iamResource ?? '*');
    ex.step('identity-policy', { kind: 'iam-only', action: a, resource: r.iamResource ?? '*' }, cs.root ? 'yes' : cs.iam.length > 0 ? 'yes' : 'no', cs.root ? { kind: 'root', ownAccount: false } : cs.iam.length > 0 ? { kind: 'statements', statements: cs.iam.map(refOf) } : { kind: 'no-iam-allow' }, () => ({ statements: cs.records.filter(nearMissOrMatch) }));
    if (cs.ok) return finish('allow', 'iam-policy', cs.root ? [ROOT_REASON] : cs.iam.map(reasonOf));
    if (cs.blockedBy) noteBlocked(cs.blockedBy, { kind: 'identity-policy', action: a });
    else ex.propose({ kind: 'attach-iam-only', action: a, principal: caller.arn, ...(r.iamResource !== undefined ? { resource: r.iamResource } : {}) }, iamAllow(`Allow${action.short}`, r.iamResource ?? '*'));
    collectMissing(ex, cs.records);
    return denyResult();
  }

  // ── Cross-account scope (docs/semantics.md#cross-account) ───────────────────────────────────────────────────────
  if (!sameAccount && r.key) {
    if (!action.crossAccount) {
      ex.step('cross-account', { kind: 'cross-account', action: a }, 'no', { kind: 'not-cross-account', action: a, keyAccount: r.key.metadata.account });
      ex.hint({ kind: 'not-cross-account', action: a, keyAccount: r.key.metadata.account });
      return denyResult();
    }
    ex.step('cross-account', { kind: 'cross-account', action: a }, 'yes', { kind: 'cross-account', retire: action.cls === 'retire-grant', account: caller.account });
  }

  // ── RetireGrant: the grant decides (docs/semantics.md#retiregrant) ────────────────────────────────────────────
  if (action.cls === 'retire-grant') return retireGrant();

  const keyPolicyAllows = keyArn !== undefined ? scan(keyPolicies, 'Allow', keyArn) : { matched: [], records: [] };
  const named: CompiledStatement[] = [];
  const accountStmts: CompiledStatement[] = [];
  for (const cs of keyPolicyAllows.matched) {
    const via = principalVia(cs, caller).via;
    if (via === 'account') accountStmts.push(cs);
    else named.push(cs);
    if (via === 'wildcard') ex.assume('wildcardPrincipalBoundary');
    if (via === 'not-principal') ex.assume('notPrincipal');
  }
  if (w.keyPolicy && hasNonStarResource(w.keyPolicy, action)) ex.assume('keyPolicyResource');

  // ── Alias actions: IAM on the alias and authorization on the key ──────────────────────────
  if (action.cls === 'alias') return aliasAction();

  // ── Cross-account: both sides must allow (or a grant) ─────────────────────────────────────
  if (!sameAccount) {
    const keySide = keyPolicyAllows.matched;
    ex.step('key-policy', { kind: 'key-policy-or-account', principal: caller.arn, account: caller.account }, keySide.length > 0 ? 'yes' : 'no', keySide.length > 0 ? { kind: 'statements', statements: keySide.map(refOf) } : { kind: 'no-key-policy-or-account' }, () => ({ statements: keyPolicyAllows.records.filter(nearMissOrMatch) }));
    const cs = callerSide(keyArn!);
    ex.step('identity-policy', { kind: 'iam-in-account', account: caller.account, action: a, keyArn: keyArn! }, cs.ok ? 'yes' : 'no', cs.root ? { kind: 'root', ownAccount: true } : cs.iam.length > 0 ? { kind: 'statements', statements: cs.iam.map(refOf) } : noIamAllow(aliasResourceNote(ex, cs.records, a, w.identity)), () => ({ statements: cs.records.filter(nearMissOrMatch) }));
    if (keySide.length > 0 && cs.ok) {
      return finish('allow', 'key-policy-and-iam', [...keySide.map(reasonOf), ...cs.iam.map(reasonOf)]);
    }
    if (keySide.length > 0 && cs.blockedBy) noteBlocked(cs.blockedBy, { kind: 'identity-policy', action: a });
    const g = grantPath();
    if (g) return g;
    // Both sides must allow: when neither does, one hint names both changes.
    const keyText: HintNote = { kind: 'cross-account-key-policy', action: a, principal: caller.arn, account: caller.account, partition: caller.partition };
    const keyEdit = keyPolicyAllow(`Allow${action.short}ForAccount${caller.account}`, [`arn:${caller.partition}:iam::${caller.account}:root`]);
    const iamText: HintNote = { kind: 'cross-account-iam', action: a, principal: caller.arn, account: caller.account, keyArn: keyArn! };
    const iamEdit = iamAllow(`Allow${action.short}OnKey`, keyArn!);
    if (keySide.length === 0 && !cs.ok && !cs.blockedBy) ex.propose({ kind: 'both', notes: [keyText, iamText] }, [...keyEdit, ...iamEdit]);
    else if (keySide.length === 0) ex.propose(keyText, keyEdit);
    else if (!cs.ok && !cs.blockedBy) ex.propose(iamText, iamEdit);
    collectMissing(ex, keyPolicyAllows.records);
    return denyResult();
  }

  // ── 5a: the key policy names the caller ───────────────────────────────────────────────────
  if (named.length > 0) {
    const unlimited = named.filter((cs) => principalVia(cs, caller).via !== 'role');
    if (unlimited.length > 0) {
      ex.step('key-policy', { kind: 'key-policy', principal: caller.arn, action: a }, 'yes', { kind: 'statements', statements: unlimited.map(refOf) }, () => ({ statements: keyPolicyAllows.records.filter((s) => s.matched) }));
      return finish('allow', 'key-policy', unlimited.map(reasonOf));
    }
    // Only role-ARN statements: limited by the session's boundary and session policy.
    if (w.boundary || sessionPolicies.length > 0) ex.assume('roleArnBoundary');
    const limit = roleLimits();
    if (limit === undefined) {
      ex.step('key-policy', { kind: 'key-policy', principal: caller.arn, action: a }, 'yes', { kind: 'statements', statements: named.map(refOf) }, () => ({ statements: keyPolicyAllows.records.filter((s) => s.matched) }));
      return finish('allow', 'key-policy', named.map(reasonOf));
    }
    ex.step('key-policy', { kind: 'key-policy', principal: caller.arn, action: a }, 'yes', { kind: 'role-limited', statements: named.map(refOf), limit, action: a }, () => ({ statements: keyPolicyAllows.records.filter((s) => s.matched) }));
    ex.step(limit, { kind: 'limit', limit, action: a }, 'no', { kind: 'role-allow-limited' });
    noteBlocked(limit, { kind: 'key-policy-role', action: a });
  } else {
    ex.step('key-policy', { kind: 'key-policy', principal: caller.arn, action: a }, 'no', { kind: 'no-key-policy-names' }, () => ({ statements: keyPolicyAllows.records.filter((s) => s.principal?.via !== 'account' && nearMiss(s)) }));
  }

  // ── 5b: the key policy delegates to the account, and IAM allows ───────────────────────────
  const cs = callerSide(keyArn!);
  ex.step(
    'account-delegation',
    { kind: 'account-delegation', account: caller.account, action: a },
    accountStmts.length > 0 ? 'yes' : 'no',
    accountStmts.length > 0 ? { kind: 'statements', statements: accountStmts.map(refOf) } : { kind: 'no-account-statement', action: a },
    () => ({ statements: keyPolicyAllows.records.filter((s) => s.principal?.via === 'account') }));
  ex.step(
    'identity-policy',
    { kind: 'iam-on-key', principal: caller.arn, action: a, keyArn: keyArn! },
    cs.root || cs.iam.length > 0 ? 'yes' : 'no',
    cs.root ? { kind: 'root', ownAccount: false } : cs.iam.length > 0 ? { kind: 'statements', statements: cs.iam.map(refOf) } : noIamAllow(aliasResourceNote(ex, cs.records, a, w.identity)),
    () => ({ statements: cs.records.filter(nearMissOrMatch) }));
  if (accountStmts.length > 0 && cs.ok) {
    return finish('allow', 'key-policy-and-iam', [...accountStmts.map(reasonOf), ...cs.iam.map(reasonOf)]);
  }
  if (accountStmts.length > 0 && cs.blockedBy) {
    ex.step(cs.blockedBy, { kind: 'limit', limit: cs.blockedBy, action: a }, 'no', { kind: 'iam-intersection' });
    noteBlocked(cs.blockedBy, { kind: 'identity-policy', action: a });
  }
  if (accountStmts.length === 0 && cs.iam.length > 0) {
    ex.propose({ kind: 'not-delegated', statements: cs.iam.map(refOf), action: a, account: caller.account, partition: caller.partition, principal: caller.arn, ...(caller.kind === 'assumed-role' ? { role: roleArnOf(caller) } : {}) }, keyPolicyAllow(`Allow${action.short}ForAccount${caller.account}`, [`arn:${caller.partition}:iam::${caller.account}:root`]));
  }
  if (accountStmts.length > 0 && !cs.ok && !cs.blockedBy) {
    ex.propose({ kind: 'delegated-no-iam', action: a, principal: caller.arn, account: caller.account, keyArn: keyArn! }, iamAllow(`Allow${action.short}OnKey`, keyArn!));
  }

  // ── 5c: grants ────────────────────────────────────────────────────────────────────────────
  const g = grantPath();
  if (g) return g;
  collectMissing(ex, keyPolicyAllows.records);
  if (named.length === 0 && accountStmts.length === 0 && cs.iam.length === 0 && blockedBy === undefined) {
    ex.propose({ kind: 'nothing-allows', action: a, principal: caller.arn, to: caller.kind === 'service' ? caller.name : policyPrincipal() }, keyPolicyAllow(`Allow${action.short}`));
  }
  return denyResult();

  // ── helpers that need the closure ─────────────────────────────────────────────────────────
  function grantPath(): Decision | undefined {
    if (action.grantOperation === undefined || r.key === undefined) {
      if (action.cls === 'key') ex.step('grant', { kind: 'any-grant', action: a }, 'not-applicable', { kind: 'not-grantable', action: a });
      return undefined;
    }
    const checks: GrantCheck[] = [];
    const candidates = w.grantsFor(caller, ex.on);
    for (const gr of candidates) {
      const c = action.short === 'CreateGrant' ? checkParentGrant(gr, action, caller, r.request, r.key, grantOpts()) : checkGrant(gr, action, caller, r.request, r.key, grantOpts());
      checks.push(c);
    }
    const usable: GrantCheck[] = [];
    for (const c of checks) {
      if (c.needsRequestDetails) {
        // CreateGrant from a parent grant without saying which grant: the parent may or may not
        // allow it, so the verdict it can change is unknown (never a confident deny).
        c.matched = biased(env, 'Allow', { name: 'the grant to create', supply: '--grantee ARN --grant-operations OPS' }, '(grant request)');
        if (!c.matched) continue;
      }
      if (!c.matched) continue;
      if (c.needsIamDelegation && r.options.accountGranteeRequiresIamDelegation) {
        ex.assume('accountGrantee');
        const side = callerSide(keyArn!);
        if (!side.ok) {
          c.matched = false;
          c.failed = 'grantee';
          c.detail += side.blockedBy ? ` (the ${side.blockedBy} blocks it)` : ', and no identity policy allows it';
          ex.propose({ kind: 'account-grant-needs-iam', grantId: c.grant.grantId, action: a, principal: caller.arn, account: caller.account, keyArn: keyArn! }, iamAllow(`Allow${action.short}OnKey`, keyArn!));
          continue;
        }
      }
      if (r.options.grantsLimitedByBoundary && (w.boundary || sessionPolicies.length > 0)) {
        const limit = roleLimits();
        if (limit) {
          c.matched = false;
          c.detail += ` (limited by the ${limit})`;
          noteBlocked(limit, { kind: 'grant', grantId: c.grant.grantId });
          continue;
        }
      }
      usable.push(c);
    }
    const relevant = checks;
    if (usable.length > 0) {
      const first = usable[0]!;
      noteGrantAssumptions(first);
      ex.step('grant', { kind: 'grant', principal: caller.arn, action: a }, 'yes', { kind: 'grants-allow', details: usable.map((u) => u.detail) }, () => ({ grants: relevant.map(grantMatchRecord) }));
      if (action.short === 'CreateGrant') ex.hint({ kind: 'child-grant', parentGrantId: first.grant.grantId });
      return finish('allow', 'grant', usable.map((u) => grantReason(u.grant)));
    }
    ex.step('grant', { kind: 'grant', principal: caller.arn, action: a }, 'no', grantsDeny(relevant, w), () => ({ grants: relevant.map(grantMatchRecord) }));
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
        ex.propose({ kind: 'orphaned-grant', grantId: c.grant.grantId, grantee: c.grant.granteePrincipal, principal: caller.arn }, newGrant(c.grant, { granteePrincipal: caller.arn }));
      } else if (c.failed === 'operation' && c.principal.matched) {
        ex.propose({ kind: 'grant-operation', grantId: c.grant.grantId, operation: action.grantOperation! }, newGrant(c.grant, { operations: [...c.grant.operations, action.grantOperation!] }));
      } else if (c.failed === 'grant-state' && c.principal.matched) {
        const token = c.grant.state === 'pending-consistency' ? c.grant.grantToken : undefined;
        if (token !== undefined) ex.offer(() => ({ note: { kind: 'grant-state', grantId: c.grant.grantId, detail: c.detail, token: true }, set: [], grantTokens: [...(r.request.grantTokens ?? []), token] }));
        else ex.propose({ kind: 'grant-state', grantId: c.grant.grantId, detail: c.detail, token: false }, newGrant(c.grant, {}));
      } else if (c.failed === 'grant-invalid') {
        ex.assume('invalidGrant');
      }
    }
    return undefined;
  }

  function grantOpts(): { grantConstraintKeyCaseInsensitive: boolean } {
    return { grantConstraintKeyCaseInsensitive: r.options.grantConstraintKeyCaseInsensitive };
  }

  function noteGrantAssumptions(c: GrantCheck): void {
    if (c.principal.via === 'role') ex.assume('roleGranteeSessions');
    if (c.principal.via === 'session') ex.assume('sessionGranteeExact');
    if (hasEcConstraint(c.grant.constraints) && action.takesEncryptionContext) ex.assume('grantConstraintKeyCase');
    if (c.grant.constraints && !hasEcConstraint(c.grant.constraints) && (c.grant.constraints.encryptionContextEquals || c.grant.constraints.encryptionContextSubset)) ex.assume('emptyConstraint');
    if (!sameAccount) ex.assume('crossAccountGrant');
    if (w.boundary || sessionPolicies.length > 0) ex.assume('grantsNotLimitedByBoundary');
  }

  function aliasAction(): Decision {
    if (r.aliasArn === undefined) {
      ex.step('alias', { kind: 'alias', action: a }, 'unknown', { kind: 'alias-not-named' });
      ex.hint({ kind: 'give-alias', action: a });
      return finish('unknown', 'unknown', []);
    }
    if (!sameAccount) {
      ex.step('cross-account', { kind: 'cross-account', action: a }, 'no', { kind: 'alias-not-cross-account' });
      return denyResult();
    }
    const aliasSide = callerSide(r.aliasArn);
    ex.step('alias', { kind: 'alias', action: a, alias: r.aliasArn }, aliasSide.ok ? 'yes' : 'no', aliasSide.root ? { kind: 'root', ownAccount: false } : aliasSide.iam.length > 0 ? { kind: 'statements', statements: aliasSide.iam.map(refOf) } : { kind: 'no-iam-allow', on: 'alias' }, () => ({ statements: aliasSide.records.filter(nearMissOrMatch) }));
    const keySide = callerSide(keyArn!);
    let keyReasons: Reason[] | undefined;
    const namedOk = named.filter((cs) => principalVia(cs, caller).via !== 'role' || roleLimits() === undefined);
    if (namedOk.length > 0) keyReasons = namedOk.map(reasonOf);
    else if (accountStmts.length > 0 && keySide.ok) keyReasons = [...accountStmts.map(reasonOf), ...keySide.iam.map(reasonOf)];
    ex.step('key-policy', { kind: 'alias-key', principal: caller.arn, action: a, keyArn: keyArn! }, keyReasons ? 'yes' : 'no', keyReasons ? { kind: 'reasons', reasons: keyReasons.map((x) => ({ source: x.source, id: x.id })) } : { kind: 'not-on-key' }, () => ({ statements: keyPolicyAllows.records.filter(nearMissOrMatch) }));
    if (aliasSide.ok && keyReasons) return finish('allow', 'key-policy-and-iam', dedupeReasons([...keyReasons, ...aliasSide.iam.map(reasonOf)]));
    const aliasText: HintNote = { kind: 'alias-iam', action: a, alias: r.aliasArn, principal: caller.arn };
    const aliasEdit = iamAllow(`Allow${action.short}OnAlias`, r.aliasArn);
    const keyText: HintNote = { kind: 'alias-key', action: a, keyArn: keyArn!, to: policyPrincipal(), account: caller.account };
    const keyEdit = keyPolicyAllow(`Allow${action.short}`);
    const aliasMissing = !aliasSide.ok && !aliasSide.blockedBy;
    const keyMissing = !keyReasons && !(keySide.blockedBy && accountStmts.length > 0);
    if (!aliasSide.ok && aliasSide.blockedBy) noteBlocked(aliasSide.blockedBy, { kind: 'identity-policy', action: a, on: 'alias' }, r.aliasArn);
    if (!keyReasons && keySide.blockedBy && accountStmts.length > 0) noteBlocked(keySide.blockedBy, { kind: 'identity-policy', action: a, on: 'key' });
    if (aliasMissing && keyMissing) ex.propose({ kind: 'both', notes: [aliasText, keyText] }, [...aliasEdit, ...keyEdit]);
    else if (aliasMissing) ex.propose(aliasText, aliasEdit);
    else if (keyMissing) ex.propose(keyText, keyEdit);
    return denyResult();
  }

  function retireGrant(): Decision {
    const grantId = r.request.grantId;
    const target = r.targetGrant;
    if (grantId === undefined && target === undefined) {
      ex.step('retire-grant', { kind: 'which-grant' }, 'unknown', { kind: 'no-grant-id' });
      ex.hint({ kind: 'give-grant-id' });
      return finish('unknown', 'unknown', []);
    }
    // kms:RetireGrant in a key policy "is not effective" [KMS-GRANTDEL].
    if (keyArn !== undefined) {
      const kp = scan(keyPolicies, 'Allow', keyArn);
      if (kp.matched.length > 0) ex.hint({ kind: 'retire-grant-in-key-policy', statements: kp.matched.map(refOf) });
    }
    if (target === undefined) {
      ex.step('retire-grant', { kind: 'grant-exists', grantId: grantId! }, 'no', { kind: 'no-such-grant' });
      return denyResult();
    }
    if (!grantStateUsable(target, r.request)) {
      ex.step('retire-grant', { kind: 'grant-current', grantId: target.grantId }, 'no', { kind: 'grant-state', detail: grantStateDetail(target) });
      return denyResult();
    }
    const record: GrantMatch = grantMatchRecord({ grant: target, principal: { matched: false }, matched: false, detail: '' });
    const yes = (why: TraceFinding, by: DecidedBy, reasons: Reason[]): Decision => {
      ex.step('retire-grant', { kind: 'may-retire', principal: caller.arn, grantId: target.grantId }, 'yes', why, () => ({ grants: [{ ...record, matched: true }] }));
      return finish('allow', by, reasons);
    };
    /**
     * An account named by the grant (as grantee or retiring principal): its root user may act on
     * it, its IAM principals with an identity-policy allow — one rule for use and retirement
     * (assumption accountGrantee).
     */
    const viaAccount = (as: RetireRole): Decision | undefined => {
      ex.assume('accountGrantee');
      if (caller.kind === 'root') return yes({ kind: 'account-may-retire', as, account: caller.account, root: true }, 'grant', [grantReason(target)]);
      if (!r.options.accountGranteeRequiresIamDelegation) return yes({ kind: 'account-may-retire', as, account: caller.account, root: false }, 'grant', [grantReason(target)]);
      const side = callerSide(keyArn!);
      if (side.ok) return yes({ kind: 'account-may-retire', as, account: caller.account, root: false, statements: side.iam.map(refOf) }, 'grant', [grantReason(target), ...side.iam.map(reasonOf)]);
      ex.propose({ kind: 'retire-as-account', grantId: target.grantId, as: as === 'retiring-principal' ? 'retiring-principal' : 'grantee', principal: caller.arn, account: caller.account, keyArn: keyArn! }, iamAllow('AllowRetireGrant', keyArn!));
      return undefined;
    };
    if (target.retiringPrincipal !== undefined) {
      const m = matchGrantPrincipal(target.retiringPrincipal, caller);
      if (m.matched && m.via !== 'account') {
        if (m.via === 'role') ex.assume('roleGranteeSessions');
        return yes({ kind: 'retiring-principal', retiringPrincipal: target.retiringPrincipal }, 'grant', [grantReason(target)]);
      }
    }
    const grantee = matchGrantPrincipal(target.granteePrincipal, caller);
    const retireOp = target.operations.includes('RetireGrant');
    if (grantee.matched && grantee.via !== 'account' && retireOp) {
      if (grantee.via === 'role') ex.assume('roleGranteeSessions');
      return yes({ kind: 'grantee-with-retire' }, 'grant', [grantReason(target)]);
    }
    if (grantee.matched && grantee.via === 'account' && retireOp) {
      const d = viaAccount('grantee-with-retire');
      if (d !== undefined) return d;
    }
    const retiringAcct = target.retiringPrincipal !== undefined ? accountOf(target.retiringPrincipal) : undefined;
    if (retiringAcct !== undefined && caller.kind !== 'service' && caller.account === retiringAcct) {
      const d = viaAccount('retiring-principal');
      if (d !== undefined) return d;
    }
    // The account that created the grant (API: IssuingAccount) may retire it by IAM alone: its
    // root user, and its IAM principals with kms:RetireGrant in an identity policy; the key
    // policy plays no part [API RetireGrant; KMS grant-delete].
    const issuing = target.issuingAccount !== undefined ? accountOf(target.issuingAccount) : undefined;
    if (issuing) ex.assume('retireByIssuingAccount');
    if (issuing !== undefined && caller.kind !== 'service' && caller.account === issuing) {
      if (caller.kind === 'root') return yes({ kind: 'issuer-root', account: caller.account }, 'iam-policy', [ROOT_REASON]);
      const side = callerSide(keyArn!);
      ex.step('identity-policy', { kind: 'issuer-iam', account: caller.account }, side.ok ? 'yes' : 'no', side.iam.length > 0 ? { kind: 'statements', statements: side.iam.map(refOf) } : { kind: 'no-iam-allow' }, () => ({ statements: side.records.filter(nearMissOrMatch) }));
      if (side.ok) return finish('allow', 'iam-policy', side.iam.map(reasonOf));
      if (side.blockedBy) noteBlocked(side.blockedBy, { kind: 'identity-policy', action: 'kms:RetireGrant' });
      else ex.propose({ kind: 'retire-as-issuer', grantId: target.grantId, principal: caller.arn, account: caller.account, keyArn: keyArn! }, iamAllow('AllowRetireGrant', keyArn!));
      return denyResult();
    }
    const why: TraceFinding = grantee.matched && !target.operations.includes('RetireGrant')
      ? { kind: 'grantee-without-retire' }
      : { kind: 'may-not-retire', ...(target.retiringPrincipal ? { retiringPrincipal: target.retiringPrincipal } : {}) };
    ex.step('retire-grant', { kind: 'may-retire', principal: caller.arn, grantId: target.grantId }, 'no', why, () => ({ grants: [record] }));
    ex.hint({ kind: 'retire-not-allowed', grantId: target.grantId });
    return denyResult();
  }
}

/** The explainer of every decision made without explanation: it records nothing. */
const SILENT = new Recorder(false);

/** The edits of a proposal made while not recording: none (never written to). */
const NO_EDITS: HintEdit[] = [];

/**
 * Every Deny that applies must go: one hint names them all (each alone would leave the request
 * denied). A NotPrincipal Deny is lifted by listing the caller (a session: its role, session ARN
 * and account, the IAM rule for NotPrincipal); any other is removed or narrowed.
 */
function liftDenies(denies: readonly CompiledStatement[], caller: PrincipalRef, roleArn: string): HintProposal {
  const notes: HintNote[] = [];
  const edits: HintEdit[] = [];
  for (const cs of denies) {
    if (cs.st.notPrincipal !== undefined) {
      const exempt = caller.kind === 'assumed-role' ? [roleArn, caller.arn, `arn:${caller.partition}:iam::${caller.account}:root`] : [caller.arn];
      notes.push({ kind: 'exempt-from-deny', statement: refOf(cs), principal: caller.arn, ...(caller.kind === 'assumed-role' ? { session: { roleArn, account: caller.account } } : {}) });
      edits.push({ kind: 'replace-statement', policy: cs.policy, index: cs.st.index, statement: withNotPrincipal(cs.st, exempt) });
    } else {
      notes.push({ kind: 'narrow-deny', statement: refOf(cs) });
      edits.push({ kind: 'replace-statement', policy: cs.policy, index: cs.st.index, statement: null });
    }
  }
  return { note: notes.length === 1 ? notes[0]! : { kind: 'each', notes }, set: [], edits };
}

/** Shared by every scan that does not explain: never written to. */
const NO_RECORDS: StatementMatch[] = [];

/** The account root user's implicit IAM permission: no statement, but it is what allowed. */
const ROOT_REASON: Reason = { source: 'identity-policy', id: 'account-root-user', effect: 'Allow', policyName: '(the account root user has full IAM access)' };

/** A statement that allowed on two resources (an alias and its key) is one reason. */
function dedupeReasons(reasons: Reason[]): Reason[] {
  if (reasons.length < 2) return reasons;
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const k = `${r.source}|${r.policyName ?? ''}|${r.id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function hasKeyCi(ec: Record<string, string>, k: string): boolean {
  const lk = k.toLowerCase();
  return Object.keys(ec).some((x) => x.toLowerCase() === lk);
}

/** A statement that failed only on its conditions (or matched): worth showing. */
function nearMiss(s: StatementMatch): boolean {
  return !s.matched && s.failed === 'condition';
}
function nearMissOrMatch(s: StatementMatch): boolean {
  return s.matched || s.failed === 'condition';
}

function collectMissing(ex: Recorder, records: StatementMatch[]): void {
  if (!ex.on) return;
  for (const s of records) {
    if (s.matched || s.failed !== 'condition' || s.effect !== 'Allow') continue;
    const failing = s.conditions.filter((c) => !c.matched);
    for (const c of failing) if (c.missing) ex.missing.add(c.key);
    // One hint per statement, naming every condition it failed on: each alone would not be enough.
    const set: Array<[string, string[]]> = [];
    for (const c of failing) {
      const v = satisfyingValues(c);
      if (v === undefined) {
        set.length = 0;
        break;
      }
      set.push([c.key, v]);
    }
    if (set.length === 0) continue;
    const conditions = failing.map((c) => ({ key: c.key, operator: c.operator, expected: c.expected, actual: c.actual }));
    ex.proposals.push({ note: { kind: 'satisfy-conditions', statement: { source: s.source, policyName: s.policyName, id: s.id }, conditions }, set });
  }
}

/** Keys a request cannot choose: properties of the caller, the key or the transport. */
const FIXED_KEYS = /^(aws:principal|aws:username|aws:userid|aws:rolesessionname|aws:resource|aws:securetransport|aws:viaawsservice|aws:requestedregion|kms:calleraccount|kms:keyspec|kms:keyusage|kms:keyorigin|kms:multiregion|kms:customermasterkey|kms:resourcealiases|kms:grantisforawsresource|kms:encryptioncontextkeys)/i;

/** A value that satisfies a failed positive condition, when one can be written down; else undefined. */
function satisfyingValues(c: ConditionMatch): string[] | undefined {
  if (FIXED_KEYS.test(c.key) || c.unknown === true || c.expected.length === 0) return undefined;
  const op = parseOperator(c.operator);
  if (op === null || op.negated || op.base === 'Null') return undefined;
  const first = c.expected[0]!;
  switch (op.base) {
    case 'StringLike':
    case 'ArnLike':
      return [first.replace(/[*?]/g, 'x')];
    case 'IpAddress': {
      const slash = first.indexOf('/');
      return [slash < 0 ? first : first.slice(0, slash)];
    }
    case 'NumericLessThan':
    case 'NumericGreaterThan': {
      const n = Number(first);
      if (!Number.isFinite(n)) return undefined;
      return [String(op.base === 'NumericLessThan' ? n - 1 : n + 1)];
    }
    case 'DateLessThan':
    case 'DateGreaterThan': {
      const t = parseDate(first);
      if (t === null) return undefined;
      return [new Date(op.base === 'DateLessThan' ? t - 86_400_000 : t + 86_400_000).toISOString()];
    }
    case 'DateEquals':
    case 'DateLessThanEquals':
    case 'DateGreaterThanEquals': {
      const t = parseDate(first);
      return t === null ? undefined : [new Date(t).toISOString()];
    }
    default:
      return [first];
  }
}

/**
 * An identity-policy statement whose Resource names an alias ARN never matches a key operation
 * (the resource is the key) [Controlling access to aliases]: point it out, with the form that works.
 */
function aliasResourceNote(ex: Recorder, records: StatementMatch[], action: string, identity: readonly CompiledPolicy[]): string[] {
  if (!ex.on) return [];
  const hits = records.filter((s) => s.effect === 'Allow' && s.failed === 'resource' && (s.resource?.written ?? []).some((w) => /:alias\//.test(w)));
  if (hits.length === 0) return [];
  for (const h of hits) {
    const alias = h.resource!.written.find((w) => /:alias\//.test(w))!;
    const name = alias.slice(alias.indexOf('alias/'));
    const statementRef: StatementRef = { source: h.source, policyName: h.policyName, id: h.id };
    // The change verified: the statement with Resource "*" and the kms:ResourceAliases condition.
    const policy = identity.find((p) => p.policy.name === h.policyName)?.policy;
    const st = policy?.statements.find((x) => x.index === h.statementIndex);
    const edits: HintEdit[] = policy !== undefined && st !== undefined ? [{ kind: 'replace-statement', policy, index: st.index, statement: withCondition(withResource(st, ['*']), { operator: 'ForAnyValue:StringEquals', key: 'kms:ResourceAliases', values: [name] }) }] : [];
    ex.propose({ kind: 'alias-in-resource', statement: statementRef, alias, action }, edits);
  }
  return hits.map((h) => h.id);
}

/** No identity-policy statement allows it; naming those that name an alias ARN in Resource. */
function noIamAllow(aliasResource: string[]): TraceFinding {
  return aliasResource.length > 0 ? { kind: 'no-iam-allow', aliasResource } : { kind: 'no-iam-allow' };
}

/** No grant allows: each grant for the caller with why not, and how many are for others. */
function grantsDeny(relevant: readonly GrantCheck[], w: World): TraceFinding {
  const f: TraceFinding = { kind: 'grants-deny', grants: relevant.map((c) => ({ grantId: c.grant.grantId, detail: c.detail })), others: w.grants.length - relevant.length };
  if (w.grantsFirstPage !== undefined) f.firstPage = w.grantsFirstPage;
  return f;
}

function usesNotPrincipal(p: CompiledPolicy, action: ActionInfo): boolean {
  return statementsFor(p, action).some((cs) => cs.st.notPrincipal !== undefined);
}

function hasNonStarResource(p: CompiledPolicy, action: ActionInfo): boolean {
  return statementsFor(p, action).some((cs) => (cs.st.resource && cs.st.resource.some((x) => x !== '*')) || cs.st.notResource !== undefined);
}

const ASSUMPTION_SET: ReadonlySet<string> = new Set(ASSUMPTION_IDS);

/** An id the condition evaluator recorded (conditions.ts) that names an assumption. */
function isAssumptionId(id: string): id is AssumptionId {
  return ASSUMPTION_SET.has(id);
}

function conditionMentions(cs: CompiledStatement, lowerKey: string): boolean {
  return cs.conditions.some((c) => c.key === lowerKey);
}
