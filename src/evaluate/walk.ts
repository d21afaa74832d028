// The state of one walk through the flowchart: the request resolved, the world it is decided in,
// the recorder, and what every step reads (the policies that apply, scans, the caller's side). Each
// action class (flowchart.ts and the files it dispatches to) is a short sequence of steps over it.
import type { ActionInfo } from '../model/actions.js';
import type {
  ConditionMatch,
  DecidedBy,
  Decision,
  HintNote,
  Limit,
  LimitedAllow,
  Reason,
  StatementMatch,
  StatementRef,
  TraceFinding,
  TraceQuestion,
  Verdict,
} from '../model/decision.js';
import type { Grant } from '../model/grant.js';
import type { Key } from '../model/key.js';
import type { Policy } from '../model/policy.js';
import { roleArnToFillIn } from '../model/arn.js';
import type { PrincipalRef } from '../model/principal.js';
import type { Request } from '../model/request.js';
import { parseOperator } from '../model/condition-operators.js';
import { parseDate } from '../model/condition-values.js';
import { ROOT_USER_POLICY_NAME } from '../model/decision.js';
import {
  aliasPlacementError,
  aliasRequestError,
  dependsOnKeyState,
  grantOperationOutsideKeyStore,
  grantRequestError,
  crossAccountKeyIdentifier,
  keyDefaultsDeciding,
  keyIdentifierError,
  keyStateDoubt,
  keyStateError,
  keyStateRuleError,
  keyUsageError,
  replicaAsPrimaryError,
  unreadableKeyStateError,
} from '../model/key-state.js';
import { matchRecorded, matchStatement, statementsFor, type CompiledPolicy, type CompiledStatement, type StatementLists } from './compile.js';
import type { ConditionEnv, UnknownBias } from './conditions.js';
import { binaryPolicyText } from './conditions.js';
import type { GrantCheck } from './grants.js';
import { statement, withCondition, withNotPrincipal, withResource, type HintEdit, type HintProposal } from './hint-edits.js';
import type { EvaluatorOptions } from './options.js';
import type { Recorder } from './recorder.js';

export interface World {
  keyPolicy: CompiledPolicy | null;
  grants: Grant[];
  /** The grants that may concern the caller (indexed by grantee); with `explain`, also orphaned grants for its session name. */
  grantsFor: (caller: PrincipalRef, explain: boolean) => Grant[];
  identity: CompiledPolicy[];
  /** `identity` read as one list per action and effect (made with the compiled list, Evaluator.compileAll). */
  identityLists: StatementLists;
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
  /** The snapshot's grants that record their token, by token (SnapshotIndex.grantTokens). */
  grantTokens: ReadonlyMap<string, Grant>;
  /** For alias actions: the key of the snapshot the alias is associated with now, if any. */
  aliasCurrent?: Key;
  options: EvaluatorOptions;
  /** Notes on how the caller was read (e.g. a role ARN given as the caller). */
  notes: HintNote[];
  /** Authorize an action by identity policies alone, on this resource (a companion permission, e.g. TagResource on a replica). */
  iamResource?: string;
  /** A role session whose aws:PrincipalTag values are its role's tags (CallerSources.roleTags). */
  roleTags?: boolean;
}

export interface Scan {
  matched: CompiledStatement[];
  records: StatementMatch[];
}

/** The caller's side: identity policies, limited by its permissions boundary and session policies. */
export interface CallerSide {
  ok: boolean;
  iam: CompiledStatement[];
  root: boolean;
  blockedBy?: Limit;
  records: StatementMatch[];
}

export class Walk {
  readonly action: ActionInfo;
  readonly caller: PrincipalRef;
  /** The action's name (kms:Decrypt). */
  readonly a: string;
  readonly keyArn: string | undefined;
  /**
   * A service principal has no account and no identity policies: the key policy (or a grant)
   * alone decides, as for a same-account caller.
   */
  readonly sameAccount: boolean;
  /** The resources this request is authorized against in identity policies. */
  readonly identityResources: string[];
  readonly keyPolicies: CompiledPolicy[];
  /** Session policies limit sessions only (of a role, or a federated user). */
  readonly sessionPolicies: CompiledPolicy[];
  readonly boundaryPolicies: CompiledPolicy[];
  /** The caller's side per resource: read by several steps, scanned once (a cache, not state). */
  /** callerSide's answers by resource: the first in fields (a walk nearly always asks about one resource), the rest in a map. */
  private side: CallerSide | undefined;
  private sideResource: string | undefined;
  private sides: Map<string, CallerSide> | undefined;

  constructor(
    readonly r: Resolved,
    readonly w: World,
    readonly env: ConditionEnv,
    readonly ex: Recorder,
  ) {
    const { action, caller } = r;
    this.action = action;
    this.caller = caller;
    this.a = action.name;
    this.keyArn = r.keyArn;
    this.sameAccount = r.key === undefined || caller.kind === 'service' || caller.account === r.key.metadata.account;
    this.identityResources =
      action.cls === 'iam-only' ? [r.iamResource ?? '*'] : action.cls === 'alias' ? [r.aliasArn ?? '', r.keyArn ?? ''] : [r.keyArn ?? ''];
    this.keyPolicies = action.cls !== 'iam-only' && w.keyPolicy ? [w.keyPolicy] : [];
    const isSession = caller.kind === 'assumed-role' || caller.kind === 'federated-user' || caller.kind === 'role';
    this.sessionPolicies = isSession ? w.session : [];
    this.boundaryPolicies = w.boundary ? [w.boundary] : [];
  }

  /** The statements of `effect` in `policies` that match the request on `resource` (and, when recording, how each matched). */
  scan(policies: readonly CompiledPolicy[], effect: 'Allow' | 'Deny', resource: string): Scan {
    return this.scanInto(policies, effect, resource, this.newScan());
  }

  /** An empty scan (records only when recording). */
  newScan(): Scan {
    return { matched: [], records: this.ex.on ? [] : NO_RECORDS };
  }

  /** scan, adding to `out` (several scans gathered in one, in order). */
  scanInto(policies: readonly CompiledPolicy[], effect: 'Allow' | 'Deny', resource: string, out: Scan): Scan {
    // Indexed loops: no iterator objects while the code is still interpreted (a cold pass).
    for (let i = 0; i < policies.length; i++) {
      // Empty where the policy has no statement of this effect for the action (most have no Deny).
      const list = policies[i]!.coveringEffect(this.action, effect);
      if (list.length > 0) this.scanStatements(list, resource, out);
    }
    return out;
  }

  /** scanInto for statements already of one effect and covering the action (coveringEffect, StatementLists), in order. */
  scanStatements(list: readonly CompiledStatement[], resource: string, out: Scan): Scan {
    if (list.length === 0) return out;
    const { ex, caller, env, a } = this;
    const args = { caller, resource, env };
    for (let j = 0; j < list.length; j++) {
      const cs = list[j]!;
      if (ex.on) {
        const rec = matchRecorded(cs, args, a);
        if (rec === undefined) continue;
        if (rec.matched) out.matched.push(cs);
        out.records.push(rec);
      } else if (matchStatement(cs, args)) out.matched.push(cs);
    }
    return out;
  }

  /** Whether the caller's identity policies allow on `resource`, within its boundary and session policies. */
  callerSide(resource: string): CallerSide {
    if (this.sideResource === resource && this.side !== undefined) return this.side;
    const hit = this.sides?.get(resource);
    if (hit) return hit;
    const { w, sessionPolicies } = this;
    const root = this.caller.kind === 'root';
    const iamScan = root ? { matched: [], records: [] } : this.scanStatements(w.identityLists.of(this.action, 'Allow'), resource, this.newScan());
    const res: CallerSide = { ok: false, iam: iamScan.matched, root, records: iamScan.records };
    // The account root user has full access within IAM; only the key policy can limit it [IAM-DENYALLOW].
    if (root || iamScan.matched.length > 0) {
      res.ok = true;
      if (!root && w.boundary && this.scan([w.boundary], 'Allow', resource).matched.length === 0) {
        res.ok = false;
        res.blockedBy = 'permissions-boundary';
      } else if (!root && sessionPolicies.length > 0 && this.scan(sessionPolicies, 'Allow', resource).matched.length === 0) {
        res.ok = false;
        res.blockedBy = 'session-policy';
      }
    }
    if (this.side === undefined) {
      this.side = res;
      this.sideResource = resource;
    } else (this.sides ??= new Map()).set(resource, res);
    return res;
  }

  /** Limits on a key-policy allow that names the role ARN (generic IAM rule, docs/semantics.md#boundaries-and-session-policies). */
  roleLimits(): Limit | undefined {
    const { w, keyArn, sessionPolicies } = this;
    if (keyArn === undefined) return undefined;
    if (w.boundary && this.scan([w.boundary], 'Allow', keyArn).matched.length === 0) return 'permissions-boundary';
    if (sessionPolicies.length > 0 && this.scan(sessionPolicies, 'Allow', keyArn).matched.length === 0) return 'session-policy';
    return undefined;
  }

  /** An allow that `limit` takes away: proposes allowing it there too, and returns the limit (the verdict's decider if nothing else allows). */
  limited(limit: Limit, allow: LimitedAllow, resource: string = this.keyArn ?? this.r.iamResource ?? '*'): Limit {
    const { w } = this;
    const target = limit === 'permissions-boundary' ? w.boundary?.policy : this.sessionPolicies[0]?.policy;
    const note: HintNote = { kind: 'limited', allow, limit, action: this.a };
    if (limit === 'permissions-boundary' && w.boundary) note.boundary = w.boundary.policy.name;
    if (this.ex.proposing) this.ex.propose(note, this.addTo(target, `Allow${this.action.short}`, resource));
    return limit;
  }

  /** Nothing allows: an implicit deny, or the limit that took an allow away. */
  deny(blocked: Limit | undefined): Decision {
    return this.finish('deny', blocked ?? 'implicit-deny', []);
  }

  /** The verdict of authorization, then the key state and usage (docs/semantics.md#key-state-and-usage). */
  finish(decision: Verdict, decidedBy: DecidedBy, reasons: Reason[]): Decision {
    const { ex, env, r, action, a, caller, keyArn } = this;
    let final: Verdict = decision;
    let by: DecidedBy = decidedBy;
    let keyStateErr: string | undefined;
    // A request that never reaches the key (named in a way the caller's account cannot resolve) was allowed or denied by none of its policies.
    let unreached = false;
    ex.assumeTouched(env.touched, action.short === 'RetireGrant');
    if (
      action.short === 'GetKeyRotationStatus' &&
      r.key !== undefined &&
      (r.key.metadata.keySpec !== 'SYMMETRIC_DEFAULT' || r.key.metadata.origin !== 'AWS_KMS')
    )
      ex.assume('rotationStatusApi');
    // ReEncryptTo read a destination context the request did not give (the source's stands for it).
    if (ex.on && r.request.destinationContextFromSource === true && (ex.assumptions.has('reEncryptContext') || env.assumed?.has('reEncryptContext') === true))
      ex.hint({ kind: 're-encrypt-destination-context' });
    // The key an UpdateAlias moves its alias away from: no key state refuses that (the key-state
    // table of the KMS Developer Guide: UpdateAlias fails only when the new key is pending deletion).
    if (r.key !== undefined && action.cls !== 'iam-only' && r.request.aliasSourcePart !== true) {
      // An unreadable key state fails the request in the restrictive world only (evaluator.ts).
      // A key named in a way its caller's account cannot resolve is not reached at all.
      const identifierErr = caller.kind === 'service' ? undefined : keyIdentifierError(action, r.request.keyIdentifier, r.callerAccount, r.key.metadata);
      const placementErr =
        identifierErr ??
        aliasPlacementError(action, r.aliasArn, r.key.metadata) ??
        (r.key.metadataUnknown !== undefined || r.aliasCurrent?.metadataUnknown !== undefined
          ? undefined
          : aliasRequestError(action, r.aliasArn, r.key.metadata, r.aliasCurrent?.metadata));
      keyStateErr =
        placementErr ??
        (r.key.metadataUnknown !== undefined
          ? env.bias === 'deny' && dependsOnKeyState(action)
            ? unreadableKeyStateError(r.key.metadataUnknown.reason)
            : undefined
          : (replicaAsPrimaryError(action, r.request.replicaPart === true, r.key.metadata) ??
            keyStateError(action, r.key.metadata) ??
            grantRequestError(action, r.request.grantRequest, r.key.metadata)));
      if (keyStateErr === undefined && r.key.metadataUnknown === undefined && grantOperationOutsideKeyStore(action, r.request.grantRequest, r.key.metadata))
        ex.assume('grantOperationKeyStore');
      // A member of the metadata the file left out, whose default decides whether the key fails the request.
      if (ex.on && placementErr === undefined && r.key.metadataUnknown === undefined)
        for (const id of keyDefaultsDeciding(action, r.request.replicaPart === true, r.request.grantRequest, r.key.metadata)) ex.assume(id);
      const md = r.key.metadata;
      // A failure that turns on what the metadata does not record: the restrictive world's only.
      const doubt = keyStateErr === undefined && r.key.metadataUnknown === undefined ? keyStateDoubt(action, r.request.replicaPart === true, md) : undefined;
      if (doubt !== undefined && env.bias === 'deny') keyStateErr = doubt.error;
      const ask = (): TraceQuestion => ({ kind: 'key-state', keyState: md.keyState, keySpec: md.keySpec, keyUsage: md.keyUsage, action: a });
      // Both the state and the type refuse it: which error KMS returns is not documented.
      if (
        keyStateErr !== undefined &&
        r.key.metadataUnknown === undefined &&
        keyStateErr === keyStateRuleError(action, md) &&
        keyUsageError(action, md) !== undefined
      )
        ex.assume('keyStateBeforeUsage');
      if (identifierErr !== undefined) {
        // The name is looked up in the caller's own account: the request never reaches this key,
        // whatever its policies say, so no order between authorization and key state is assumed.
        final = 'deny';
        by = 'key-state';
        unreached = true;
        if (ex.on) {
          const { keyIdentifier } = r.request as { keyIdentifier: string };
          ex.step('key-state', { kind: 'key-identifier', keyIdentifier, callerAccount: r.callerAccount!, keyAccount: md.account }, 'no', {
            kind: 'key-state-error',
            error: identifierErr,
          });
          ex.hint({ kind: 'key-identifier', error: identifierErr });
          const instead = crossAccountKeyIdentifier(action, keyIdentifier, md, r.key.aliases);
          ex.offer(() => ({ note: { kind: 'name-key-by', ...instead }, set: [], keyIdentifier: instead.identifier }));
        }
      } else if (doubt !== undefined && keyStateErr === undefined) {
        if (ex.on) ex.step('key-state', ask(), 'unknown', { kind: 'key-state-doubt', what: doubt.input.what });
      } else if (keyStateErr !== undefined) {
        ex.assume('keyStateOrder');
        // An unknown authorization still fails on the key state, whatever the unreadable input says.
        const fails = decision !== 'deny' || !r.options.authorizeBeforeKeyState;
        if (fails) {
          final = 'deny';
          by = 'key-state';
        }
        if (ex.on) {
          ex.step('key-state', ask(), 'no', { kind: 'key-state-error', error: keyStateErr });
          ex.hint({ kind: 'key-state', error: keyStateErr, authorized: fails });
        }
      } else if (ex.on) ex.step('key-state', ask(), 'yes', { kind: 'key-state-ok' });
    }
    // Without the explanation its lists are empty: written out, not spread from an object made for it.
    const why = unreached ? [] : reasons;
    const d: Decision = ex.on
      ? { action: a, principal: caller.arn, decision: final, decidedBy: by, authorization: decision, reasons: why, ...ex.explanation(env), unreadable: [] }
      : {
          action: a,
          principal: caller.arn,
          decision: final,
          decidedBy: by,
          authorization: decision,
          reasons: why,
          trace: [],
          missingContext: [],
          hints: [],
          assumptions: [],
          unreadable: [],
        };
    if (keyArn !== undefined) d.keyArn = keyArn;
    if (by === 'key-state' && keyStateErr !== undefined) {
      d.keyStateError = keyStateErr;
      if (decision === 'allow' && !unreached) d.authorizedBy = decidedBy;
    }
    ex.keep(d);
    return d;
  }

  grantOpts(): { grantConstraintKeyCaseInsensitive: boolean } {
    return { grantConstraintKeyCaseInsensitive: this.r.options.grantConstraintKeyCaseInsensitive };
  }

  // ── The changes hints propose (each applied and evaluated again before it is printed) ────
  /**
   * aws:PrincipalArn: what a policy names for this caller (a session's role ARN, with its path). A
   * session whose role's path is not known gets its role ARN with the path to fill in, never its
   * own ARN: that would name this one session, not the role.
   */
  policyPrincipal(): string {
    const { env, caller } = this;
    const known = env.ctx.values.get('aws:principalarn')?.[0] ?? env.ctx.base?.get('aws:principalarn')?.[0];
    return known ?? (caller.kind === 'assumed-role' ? roleArnToFillIn(caller) : caller.arn);
  }
  /** A key-policy statement allowing the action to the caller (or to `aws`, e.g. its account). */
  keyPolicyAllow(sid: string, aws?: string[]): HintEdit[] {
    const { w, caller } = this;
    if (!this.ex.proposing || w.keyPolicy === null) return NO_EDITS;
    const who = aws !== undefined ? { principal: aws } : caller.kind === 'service' ? { service: [caller.name] } : { principal: [this.policyPrincipal()] };
    return [{ kind: 'add-statement', policy: w.keyPolicy.policy, statement: statement({ sid, ...who, action: [this.a], resource: ['*'] }) }];
  }
  /** An inline identity policy on the caller allowing `actionName` on `resource`. */
  iamAllow(sid: string, resource: string, actionName: string = this.a): HintEdit[] {
    const { caller } = this;
    if (!this.ex.proposing || caller.kind === 'service' || caller.kind === 'root') return NO_EDITS;
    return [{ kind: 'attach-identity-policy', principal: caller.arn, statement: statement({ sid, action: [actionName], resource: [resource] }) }];
  }
  /** A new grant like `g` with `change` (grants cannot be changed: a new one is created). */
  newGrant(g: Grant, change: Partial<Grant>): HintEdit[] {
    const { keyArn } = this;
    if (!this.ex.proposing || keyArn === undefined) return NO_EDITS;
    const grant: Grant = { ...g, ...change, grantId: `${g.grantId}-new`, state: 'active' };
    delete grant.grantToken;
    delete grant.standIn;
    return [{ kind: 'add-grant', keyArn, grant }];
  }
  addTo(policy: Policy | undefined, sid: string, resource: string): HintEdit[] {
    if (!this.ex.proposing || policy === undefined) return NO_EDITS;
    return [{ kind: 'add-statement', policy, statement: statement({ sid, action: [this.a], resource: [resource] }) }];
  }
}

export function reasonOf(cs: CompiledStatement): Reason {
  const r: Reason = { source: cs.policy.source, id: cs.id, effect: cs.st.effect, policyName: cs.policy.name, statementIndex: cs.st.index };
  r.excerpt = cs.st.raw;
  return r;
}

export function grantReason(g: Grant): Reason {
  return { source: 'grant', id: g.grantId, effect: 'Allow', excerpt: g };
}

export function refOf(cs: CompiledStatement): StatementRef {
  return { source: cs.policy.source, policyName: cs.policy.name, id: cs.id };
}

/** The edits of a proposal made while not recording: none (never written to). */
const NO_EDITS: HintEdit[] = [];

/**
 * Every Deny that applies must go: one hint names them all (each alone would leave the request
 * denied). A NotPrincipal Deny is lifted by listing the caller (a session: its role, session ARN
 * and account, the IAM rule for NotPrincipal); any other is removed or narrowed.
 */
export function liftDenies(denies: readonly CompiledStatement[], caller: PrincipalRef, roleArn: string): HintProposal {
  const notes: HintNote[] = [];
  const edits: HintEdit[] = [];
  for (const cs of denies) {
    // A role caller stands for a session it does not name: no listing exempts it (notPrincipalExempts).
    if (cs.st.notPrincipal !== undefined && caller.kind !== 'role') {
      const exempt = caller.kind === 'assumed-role' ? [roleArn, caller.arn, `arn:${caller.partition}:iam::${caller.account}:root`] : [caller.arn];
      notes.push({
        kind: 'exempt-from-deny',
        statement: refOf(cs),
        principal: caller.arn,
        ...(caller.kind === 'assumed-role' ? { session: { roleArn, account: caller.account } } : {}),
      });
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
export const ROOT_REASON: Reason = {
  source: 'identity-policy',
  id: 'account-root-user',
  effect: 'Allow',
  policyName: ROOT_USER_POLICY_NAME,
};

/** A statement that allowed on two resources (an alias and its key) is one reason. */
export function dedupeReasons(reasons: Reason[]): Reason[] {
  if (reasons.length < 2) return reasons;
  // Few reasons (nearly always): compared in place, no key built for each.
  if (reasons.length <= 16) {
    const out: Reason[] = [];
    for (const r of reasons) if (!out.some((x) => x.source === r.source && (x.policyName ?? '') === (r.policyName ?? '') && x.id === r.id)) out.push(r);
    return out.length === reasons.length ? reasons : out;
  }
  // Many: grouped by id (no key text built for each reason), then compared within the group.
  const byId = new Map<string, Reason[]>();
  const out: Reason[] = [];
  for (const r of reasons) {
    const group = byId.get(r.id);
    if (group === undefined) byId.set(r.id, [r]);
    else if (group.some((x) => x.source === r.source && (x.policyName ?? '') === (r.policyName ?? ''))) continue;
    else group.push(r);
    out.push(r);
  }
  return out.length === reasons.length ? reasons : out;
}

export function hasKeyCi(ec: Record<string, string>, k: string): boolean {
  const lk = k.toLowerCase();
  return Object.keys(ec).some((x) => x.toLowerCase() === lk);
}

/** A statement that failed only on its conditions (or matched): worth showing. */
export function nearMiss(s: StatementMatch): boolean {
  return !s.matched && s.failed === 'condition';
}
export function nearMissOrMatch(s: StatementMatch): boolean {
  return s.matched || s.failed === 'condition';
}

export function collectMissing(ex: Recorder, records: StatementMatch[]): void {
  if (!ex.on) return;
  for (const s of records) {
    if (s.matched || s.failed !== 'condition' || s.effect !== 'Allow') continue;
    const failing = s.conditions.filter((c) => !c.matched);
    // A condition on an encryption context the action never carries can never hold: nothing is
    // missing from the request, and no value would help.
    if (failing.some((c) => c.note?.kind === 'no-encryption-context')) continue;
    for (const c of failing) if (c.missing) ex.missing.add(c.key);
    if (!ex.proposing) continue;
    // One hint per statement, naming every condition it failed on: each alone would not be enough.
    const set: HintProposal['set'] = [];
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
const FIXED_KEYS =
  /^(aws:principal|aws:username|aws:userid|aws:rolesessionname|aws:resource|aws:securetransport|aws:viaawsservice|aws:requestedregion|kms:calleraccount|kms:keyspec|kms:keyusage|kms:keyorigin|kms:multiregion|kms:customermasterkey|kms:resourcealiases|kms:grantisforawsresource|kms:encryptioncontextkeys)/i;

/** A value that satisfies a failed positive condition, when one can be written down; else undefined. */
function satisfyingValues(c: ConditionMatch): [string] | undefined {
  const first = c.expected[0];
  if (FIXED_KEYS.test(c.key) || c.unknown === true || first === undefined) return undefined;
  const op = parseOperator(c.operator);
  if (op === null || op.negated || op.base === 'Null') return undefined;
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
    case 'BinaryEquals': {
      // The request value whose bytes the base64 policy value names.
      const text = binaryPolicyText(first);
      return text === undefined ? undefined : [text];
    }
    default:
      return [first];
  }
}

/**
 * An identity-policy statement whose Resource names an alias ARN never matches a key operation
 * (the resource is the key) [Controlling access to aliases]: point it out, with the form that works.
 */
export function aliasResourceNote(ex: Recorder, records: StatementMatch[], action: string, identity: readonly CompiledPolicy[]): string[] {
  if (!ex.on) return [];
  const hits = records.flatMap((h) => {
    const alias = h.effect === 'Allow' && h.failed === 'resource' ? h.resource?.written.find((w) => /:alias\//.test(w)) : undefined;
    return alias === undefined ? [] : [{ h, alias }];
  });
  if (hits.length === 0) return [];
  for (const { h, alias } of hits) {
    if (!ex.proposing) break;
    const name = alias.slice(alias.indexOf('alias/'));
    const statementRef: StatementRef = { source: h.source, policyName: h.policyName, id: h.id };
    // The change verified: the statement with Resource "*" and the kms:ResourceAliases condition.
    const policy = identity.find((p) => p.policy.name === h.policyName)?.policy;
    const st = policy?.statements.find((x) => x.index === h.statementIndex);
    const edits: HintEdit[] =
      policy !== undefined && st !== undefined
        ? [
            {
              kind: 'replace-statement',
              policy,
              index: st.index,
              statement: withCondition(withResource(st, ['*']), { operator: 'ForAnyValue:StringEquals', key: 'kms:ResourceAliases', values: [name] }),
            },
          ]
        : [];
    ex.propose({ kind: 'alias-in-resource', statement: statementRef, alias, action }, edits);
  }
  return hits.map(({ h }) => h.id);
}

/**
 * What a step finds on the caller's side: the root user (of the key's account when `ownAccount`),
 * the identity statements that allow, or else `none()` (made only then: it may read the records).
 */
export function sideFinding(cs: CallerSide, ownAccount: boolean, none: () => TraceFinding): TraceFinding {
  return cs.root ? { kind: 'root', ownAccount } : cs.iam.length > 0 ? { kind: 'statements', statements: cs.iam.map(refOf) } : none();
}

/** No identity-policy statement allows it; naming those that name an alias ARN in Resource. */
export function noIamAllow(aliasResource: string[]): TraceFinding {
  return aliasResource.length > 0 ? { kind: 'no-iam-allow', aliasResource } : { kind: 'no-iam-allow' };
}

/** No grant allows: each grant for the caller with why not, and how many are for others. */
export function grantsDeny(relevant: readonly GrantCheck[], w: World): TraceFinding {
  const f: TraceFinding = {
    kind: 'grants-deny',
    grants: relevant.map((c) => ({ grantId: c.grant.grantId, detail: c.detail })),
    others: w.grants.length - relevant.length,
  };
  if (w.grantsFirstPage !== undefined) f.firstPage = w.grantsFirstPage;
  return f;
}

export function usesNotPrincipal(p: CompiledPolicy, action: ActionInfo): boolean {
  return statementsFor(p, action).some((cs) => cs.st.notPrincipal !== undefined);
}

export function hasNonStarResource(p: CompiledPolicy, action: ActionInfo): boolean {
  return statementsFor(p, action).some((cs) => cs.st.resource?.some((x) => x !== '*') || cs.st.notResource !== undefined);
}

export function conditionMentions(cs: CompiledStatement, lowerKey: string): boolean {
  return cs.conditions.some((c) => c.key === lowerKey);
}
