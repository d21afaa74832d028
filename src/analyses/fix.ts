// What an error said against what today's inputs say, and the smallest change that would make a
// denied request succeed (`--fix`). Pure: a Snapshot and a Request in, data out.
//
// Every proposed change is applied to a copy of the Snapshot and the request is evaluated again;
// only changes that turn the verdict into allow are proposed. What else a change allows is found
// the same way: the caller's other actions, another session of its role, the same action without
// the request's encryption context or kms:ViaService, and the snapshot's other principals, are
// evaluated before and after.
import { findAction, KEY_ACTIONS, type ActionClass, type ActionInfo } from '../model/actions.js';
import { hasRolePathToFillIn, parseArn, parsePrincipal, roleArnToFillIn } from '../model/arn.js';
import type { DecidedBy, Decision, Reason, Verdict } from '../model/decision.js';
import type { Grant } from '../model/grant.js';
import type { Key } from '../model/key.js';
import type { Policy, PolicySource, Statement } from '../model/policy.js';
import { policyFromJson } from '../model/policy-document.js';
import type { PrincipalPolicies, PrincipalRef } from '../model/principal.js';
import type { Request } from '../model/request.js';
import type { Snapshot } from '../model/snapshot.js';
import { isUnknown } from '../model/unknown.js';
import type { ErrorClue, PolicyLayer } from '../model/error-clue.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { keyStateError, keyUsageError } from '../evaluate/key-state.js';
import { crossAccountKeyIdentifier, keyIdentifierError, keyStateRuleError } from '../model/key-state.js';

// ─────────────────────────────────────────────────────────────────────────────────────────────
// The error's clue against the verdict

/** Which denial today's inputs imply: what KMS would say if the request were made now. */
export interface ImpliedDenial {
  kind: 'no-allow' | 'explicit-deny' | 'key-state';
  /** The layers named (several for Deny statements in several layers). */
  layers: PolicyLayer[];
}

export interface ClueCheck {
  /**
   * Today's verdict against what happened. An access denial (an error message, an AccessDenied
   * event): allowed-now or still-denied. A call that succeeded: still-allowed or denied-now. A
   * call that failed for another reason (throttling, a key state, a bad ciphertext), which says
   * nothing about authorization: allowed or denied. unknown: kms-why cannot tell.
   */
  status: 'allowed-now' | 'still-denied' | 'still-allowed' | 'denied-now' | 'allowed' | 'denied' | 'unknown';
  /** true: the verdict agrees with what the error implies; false: it disagrees; null: nothing to compare. */
  agrees: boolean | null;
  implied: ImpliedDenial | null;
  /** What was found, as data: src/report/fix.ts phrases it (clueFindingText). */
  finding: ClueFinding;
  /** Inputs that are probably missing or changed, when they disagree (phrased by missingInputText). */
  missing: MissingInput[];
}

/** Whether the clue came from an error message or a CloudTrail event, for the wording. */
export type ClueSource = 'event' | 'error';

/** When the error happened against when the snapshot was taken. */
export type ClueTiming =
  | { kind: 'unknown' }
  /** The event's time is known, the snapshot's is not (or one of them does not parse). */
  | { kind: 'event'; eventTime: string }
  /** The snapshot was taken at or after the event. */
  | { kind: 'snapshot-after'; eventTime: string; capturedAt: string }
  /** The snapshot was taken before the event: it is out of date. */
  | { kind: 'snapshot-before'; eventTime: string; capturedAt: string };

/** What today's verdict says against the error's clue. */
export type ClueFinding =
  /** Unknown: these inputs could not be read. */
  | { kind: 'unreadable'; inputs: string[] }
  /** Unknown: every input was read, but the verdict depends on these condition keys, which the error or event does not give (none: on another part of the request it leaves open). */
  | { kind: 'undecided'; what: ClueSource; keys: string[] }
  /** Allowed today, as when the event shows the call succeeded. */
  | { kind: 'still-allowed' }
  /** Denied today, though the event shows the call succeeded. */
  | { kind: 'denied-now'; timing: ClueTiming; implied: ImpliedDenial | null }
  /**
   * The error is a key-state error (`errorCode`: the key was `state` then), which says nothing about
   * authorization. Today: the key's state (`keyState`, undefined when it could not be read), the
   * error it gives `action` (`refusal`, none when the state allows it), the operations it refuses
   * (`refuses`), and the verdict and authorization of the request.
   */
  | {
      kind: 'key-state-error';
      errorCode: string;
      state: string;
      action: string;
      keyState?: string;
      refusal?: string;
      refuses?: string[];
      verdict: Verdict;
      authorization: Verdict;
      implied: ImpliedDenial | null;
    }
  /** The event failed with `errorCode`, which is not an authorization error: nothing to compare; today's verdict. */
  | { kind: 'not-an-authorization-error'; errorCode: string; allowed: boolean; implied: ImpliedDenial | null }
  /** Allowed today, though the error or event says denied; `keyInaccessible`: its message also means another key or region. */
  | { kind: 'allowed-now'; what: ClueSource; timing: ClueTiming; keyInaccessible: boolean }
  /** Denied today, and the error gives no clue to compare. */
  | { kind: 'still-denied'; implied: ImpliedDenial | null }
  /** Authorized today but the key state refuses it (`refusal`: KMS's error, or the deciding step), while the error reported an authorization failure. */
  | { kind: 'key-state-refuses'; what: ClueSource; timing: ClueTiming; refusal: string }
  /** Denied today, as the error (which names no reason) says. */
  | { kind: 'denied-as-said'; what: ClueSource; implied: ImpliedDenial | null }
  /** Denied today for the reason the error gives (no policy at that layer allows it). */
  | { kind: 'same-reason'; what: ClueSource; implied: ImpliedDenial }
  /** Denied today, but the error says no `clueLayer` allows it and kms-why finds `implied`. */
  | { kind: 'other-reason'; what: ClueSource; timing: ClueTiming; clueLayer: PolicyLayer; implied: ImpliedDenial | null }
  /** Denied today by an explicit Deny, as the error says: these statements. */
  | { kind: 'explicit-deny-as-said'; what: ClueSource; statements: Array<{ id: string; policyName?: string }> }
  /** Denied today, but the error names an explicit deny (in `clueLayer`, when it says) and kms-why finds `implied`. */
  | { kind: 'not-as-said'; what: ClueSource; timing: ClueTiming; clueLayer: PolicyLayer | null; implied: ImpliedDenial | null };

/** An input that is probably missing or out of date when the verdict and the error disagree. */
export type MissingInput =
  /** An input that could not be read, and why (as the evaluator recorded it). */
  | { kind: 'unreadable'; what: string; reason: string }
  /** The request as it was made (its context, kms:ViaService and caller), when today allows it. */
  | { kind: 'request-as-made-allowed' }
  /** The request as it was made, when the reasons disagree. */
  | { kind: 'request-as-made' }
  | { kind: 'vpc-endpoint-policy' }
  /** The SCPs or RCPs of an account; `inSnapshot` false: the snapshot has none for it. */
  | { kind: 'organization-policies'; level: 'scp' | 'rcp'; account: string; inSnapshot: boolean }
  /** The permissions boundary of a principal; `recorded` false: the snapshot records none (or has no entry). */
  | { kind: 'permissions-boundary'; principal: string; recorded: boolean }
  | { kind: 'session-policies'; principal: string }
  /** The identity policies of a principal; `inSnapshot` false: the snapshot has no entry for it. */
  | { kind: 'identity-policies'; principal: string; inSnapshot: boolean }
  /** The key policy and grants (`keyArn` undefined: the key is not known). */
  | { kind: 'key-policy-and-grants'; keyArn: string | undefined }
  /** The Deny statements kms-why finds would have made the error an explicit deny. */
  | { kind: 'deny-would-be-explicit'; statementIds: string[] };

const LAYER_OF_SOURCE: Record<string, PolicyLayer> = {
  'key-policy': 'resource-based policy',
  'identity-policy': 'identity-based policy',
  'permissions-boundary': 'permissions boundary',
  'session-policy': 'session policy',
  scp: 'service control policy',
  rcp: 'resource control policy',
};

/** The denial a decision corresponds to, in the words of AWS error messages. */
export function impliedDenial(d: Decision): ImpliedDenial | null {
  if (d.decision !== 'deny') return null;
  switch (d.decidedBy) {
    case 'explicit-deny':
      return { kind: 'explicit-deny', layers: [...new Set(d.reasons.map((r) => LAYER_OF_SOURCE[r.source]).filter((l): l is PolicyLayer => l !== undefined))] };
    case 'scp':
      return { kind: 'no-allow', layers: ['service control policy'] };
    case 'rcp':
      return { kind: 'no-allow', layers: ['resource control policy'] };
    case 'permissions-boundary':
      return { kind: 'no-allow', layers: ['permissions boundary'] };
    case 'session-policy':
      return { kind: 'no-allow', layers: ['session policy'] };
    case 'key-state':
      if (d.authorization === 'allow') return { kind: 'key-state', layers: [] };
      break;
    default:
      break;
  }
  const step = (id: string): string | undefined => d.trace.find((t) => t.step === id)?.answer;
  // IAM-only actions are authorized by identity policies alone: nothing else can fail to allow.
  const cls = findAction(d.action)?.cls;
  if (cls === 'iam-only') return { kind: 'no-allow', layers: ['identity-based policy'] };
  if (cls === 'alias') {
    // The alias is authorized by identity policies alone; the key by its key policy, or by IAM when
    // the key policy delegates (the trace does not say which): either layer for the key's half.
    const layers: PolicyLayer[] = [];
    if (step('alias') === 'no') layers.push('identity-based policy');
    if (step('key-policy') === 'no') for (const l of ['identity-based policy', 'resource-based policy'] as const) if (!layers.includes(l)) layers.push(l);
    if (layers.length > 0) return { kind: 'no-allow', layers };
  }
  // Implicit deny: "no identity-based policy" when the key policy let IAM decide (or, cross-account,
  // allowed the caller's account) and IAM did not allow; otherwise "no resource-based policy".
  const crossAccount = d.trace.some((t) => t.step === 'cross-account' && t.answer === 'yes');
  const keySideAllowed = crossAccount ? step('key-policy') === 'yes' : step('account-delegation') === 'yes';
  return { kind: 'no-allow', layers: [keySideAllowed ? 'identity-based policy' : 'resource-based policy'] };
}

/**
 * What the event shows happened to the call: an access denial (the default: every error message
 * kms-why reads is one), success (no errorCode), or another error (`errorCode`), which says
 * nothing about authorization (KMS does not document whether it checks the key state first,
 * docs/semantics.md#key-state-order).
 */
export type CallOutcome = { kind: 'access-denied' } | { kind: 'succeeded' } | { kind: 'other-error'; errorCode: string };

export interface ClueContext {
  snapshot: Snapshot;
  request: Request;
  /** What happened to the call (default: an access denial). */
  outcome?: CallOutcome;
  /** When the error happened (CloudTrail eventTime), if known. */
  eventTime?: string;
  /** "event" or "error", for the wording. */
  what?: ClueSource;
}

/** Compares the error's own clue with kms-why's verdict on today's inputs. */
export function checkClue(clue: ErrorClue | undefined, d: Decision, ctx: ClueContext): ClueCheck {
  const what = ctx.what ?? 'error';
  const implied = impliedDenial(d);
  const timing = clueTiming(ctx);
  if (clue?.kind === 'key-state') {
    // Not an access denial: nothing to compare with; the key's state today and today's verdict.
    const finding: Extract<ClueFinding, { kind: 'key-state-error' }> = {
      kind: 'key-state-error',
      errorCode: clue.errorCode,
      state: clue.state,
      action: d.action,
      verdict: d.decision,
      authorization: d.authorization,
      implied,
    };
    const key = d.keyArn === undefined ? undefined : ctx.snapshot.keys.find((k) => k.metadata.arn === d.keyArn);
    const action = findAction(d.action);
    if (key !== undefined && key.metadataUnknown === undefined) {
      const m = key.metadata;
      finding.keyState = m.keyState;
      const refusal = action === undefined ? undefined : keyStateRuleError(action, m);
      if (refusal !== undefined) finding.refusal = refusal;
      // The operations its state refuses, among those the key's type can do.
      finding.refuses = KEY_ACTIONS.filter((a) => keyUsageError(a, m) === undefined && keyStateRuleError(a, m) !== undefined).map((a) => a.name);
    }
    return {
      status: d.decision === 'allow' ? 'allowed' : d.decision === 'deny' ? 'denied' : 'unknown',
      agrees: null,
      implied,
      finding,
      missing: d.unreadable.map((u) => ({ kind: 'unreadable', what: u.what, reason: u.reason })),
    };
  }
  if (d.decision === 'unknown') {
    return {
      status: 'unknown',
      agrees: null,
      implied: null,
      finding: d.unreadable.length > 0 ? { kind: 'unreadable', inputs: d.unreadable.map((u) => u.what) } : { kind: 'undecided', what, keys: d.missingContext },
      missing: d.unreadable.map((u) => ({ kind: 'unreadable', what: u.what, reason: u.reason })),
    };
  }
  const outcome = ctx.outcome ?? { kind: 'access-denied' };
  if (outcome.kind === 'succeeded') {
    if (d.decision === 'allow') return { status: 'still-allowed', agrees: true, implied: null, finding: { kind: 'still-allowed' }, missing: [] };
    return {
      status: 'denied-now',
      agrees: false,
      implied,
      finding: { kind: 'denied-now', timing, implied },
      missing: [...(implied?.layers ?? []).flatMap((l) => layerInputs(l, d, ctx)), { kind: 'request-as-made' }],
    };
  }
  if (outcome.kind === 'other-error') {
    const allowed = d.decision === 'allow';
    return {
      status: allowed ? 'allowed' : 'denied',
      agrees: null,
      implied,
      finding: { kind: 'not-an-authorization-error', errorCode: outcome.errorCode, allowed, implied },
      missing: [],
    };
  }
  if (d.decision === 'allow') {
    const missing: MissingInput[] = [{ kind: 'request-as-made-allowed' }];
    if (clue?.kind === 'explicit-deny' && clue.layer !== null) missing.unshift(...layerInputs(clue.layer, d, ctx));
    if (clue?.kind === 'no-allow' && clue.layer === 'VPC endpoint policy') missing.unshift({ kind: 'vpc-endpoint-policy' });
    return {
      status: 'allowed-now',
      agrees: false,
      implied: null,
      finding: { kind: 'allowed-now', what, timing, keyInaccessible: clue?.kind === 'key-inaccessible' },
      missing,
    };
  }
  // Denied today.
  if (clue === undefined) return { status: 'still-denied', agrees: null, implied, finding: { kind: 'still-denied', implied }, missing: [] };
  if (implied?.kind === 'key-state') {
    return {
      status: 'still-denied',
      agrees: false,
      implied,
      finding: { kind: 'key-state-refuses', what, timing, refusal: d.keyStateError ?? d.decidedBy },
      missing: [],
    };
  }
  switch (clue.kind) {
    case 'not-authorized':
    case 'key-inaccessible':
      return { status: 'still-denied', agrees: true, implied, finding: { kind: 'denied-as-said', what, implied }, missing: [] };
    case 'no-allow': {
      if (implied?.kind === 'no-allow' && implied.layers.includes(clue.layer))
        return { status: 'still-denied', agrees: true, implied, finding: { kind: 'same-reason', what, implied }, missing: [] };
      return {
        status: 'still-denied',
        agrees: false,
        implied,
        finding: { kind: 'other-reason', what, timing, clueLayer: clue.layer, implied },
        missing: disagreementInputs(clue, implied, d, ctx),
      };
    }
    case 'explicit-deny': {
      if (implied?.kind === 'explicit-deny' && (clue.layer === null || implied.layers.includes(clue.layer))) {
        return {
          status: 'still-denied',
          agrees: true,
          implied,
          finding: {
            kind: 'explicit-deny-as-said',
            what,
            statements: d.reasons.map((r) => (r.policyName ? { id: r.id, policyName: r.policyName } : { id: r.id })),
          },
          missing: [],
        };
      }
      return {
        status: 'still-denied',
        agrees: false,
        implied,
        finding: { kind: 'not-as-said', what, timing, clueLayer: clue.layer, implied },
        missing: disagreementInputs(clue, implied, d, ctx),
      };
    }
  }
}

function clueTiming(ctx: ClueContext): ClueTiming {
  const cap = ctx.snapshot.capturedAt;
  if (ctx.eventTime !== undefined && cap !== undefined) {
    const e = Date.parse(ctx.eventTime);
    const c = Date.parse(cap);
    if (!Number.isNaN(e) && !Number.isNaN(c)) return { kind: c >= e ? 'snapshot-after' : 'snapshot-before', eventTime: ctx.eventTime, capturedAt: cap };
  }
  if (ctx.eventTime !== undefined) return { kind: 'event', eventTime: ctx.eventTime };
  return { kind: 'unknown' };
}

function disagreementInputs(
  clue: Extract<ErrorClue, { kind: 'no-allow' | 'explicit-deny' }>,
  implied: ImpliedDenial | null,
  d: Decision,
  ctx: ClueContext,
): MissingInput[] {
  const out: MissingInput[] = [];
  if (clue.layer !== null) out.push(...layerInputs(clue.layer, d, ctx));
  if (implied?.kind === 'explicit-deny' && clue.kind === 'no-allow') out.push({ kind: 'deny-would-be-explicit', statementIds: d.reasons.map((r) => r.id) });
  out.push({ kind: 'request-as-made' });
  return out;
}

/** What kms-why needs to see a denial at this layer, and whether the snapshot has it. */
function layerInputs(layer: PolicyLayer, d: Decision, ctx: ClueContext): MissingInput[] {
  const s = ctx.snapshot;
  const caller = parsePrincipal(ctx.request.principal);
  const callerAccount = ctx.request.callerAccount ?? caller?.account ?? '';
  const keyAccount = d.keyArn !== undefined ? (parseArn(d.keyArn)?.account ?? '') : '';
  const entry = caller !== null ? principalEntry(s, caller) : undefined;
  switch (layer) {
    case 'service control policy':
      return [
        {
          kind: 'organization-policies',
          level: 'scp',
          account: callerAccount,
          inSnapshot: s.organization?.serviceControlPolicies[callerAccount] !== undefined,
        },
      ];
    case 'resource control policy':
      return [
        { kind: 'organization-policies', level: 'rcp', account: keyAccount, inSnapshot: s.organization?.resourceControlPolicies[keyAccount] !== undefined },
      ];
    case 'permissions boundary':
      return entry?.pp.permissionsBoundary === null || entry === undefined
        ? [{ kind: 'permissions-boundary', principal: entry?.arn ?? ctx.request.principal, recorded: false }]
        : [{ kind: 'permissions-boundary', principal: entry.arn, recorded: true }];
    case 'session policy':
      return [{ kind: 'session-policies', principal: ctx.request.principal }];
    case 'identity-based policy':
      return entry === undefined
        ? [{ kind: 'identity-policies', principal: ctx.request.principal, inSnapshot: false }]
        : [{ kind: 'identity-policies', principal: entry.arn, inSnapshot: true }];
    case 'resource-based policy':
      return [{ kind: 'key-policy-and-grants', keyArn: d.keyArn }];
    case 'VPC endpoint policy':
      return [{ kind: 'vpc-endpoint-policy' }];
  }
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Where things live in a Snapshot

/** The role or user entry that holds a caller's identity policies (a session takes its role's). */
export function principalEntry(s: Snapshot, caller: PrincipalRef): { arn: string; pp: PrincipalPolicies } | undefined {
  const direct = s.principals[caller.arn];
  if (direct !== undefined && caller.kind !== 'assumed-role') return { arn: caller.arn, pp: direct };
  const kind = caller.kind === 'assumed-role' ? 'role' : caller.kind;
  const name = caller.kind === 'assumed-role' ? caller.roleName : caller.name;
  for (const [arn, pp] of Object.entries(s.principals)) {
    const p = parsePrincipal(arn);
    if (p && p.kind === kind && p.account === caller.account && p.name === name) return { arn, pp };
  }
  return undefined;
}

/**
 * The ARN to name the caller by in a policy: for a session, its role's ARN with the path, as the
 * role's entry gives it or the session's own entry names it (aws:PrincipalArn, as the evaluator
 * reads it); without either, the role ARN with the path to fill in (roleArnToFillIn), never the
 * session ARN (a policy naming it names that one session) nor a guess of no path.
 */
export function policyPrincipalArn(s: Snapshot, caller: PrincipalRef): string {
  if (caller.kind === 'assumed-role' || caller.kind === 'role' || caller.kind === 'user') {
    const e = principalEntry(s, caller);
    if (e !== undefined) return e.pp.resolvedArn ?? e.arn;
    if (caller.kind === 'assumed-role') {
      const given = s.principals[caller.arn]?.resolvedArn;
      const r = given !== undefined ? parsePrincipal(given) : null;
      if (r?.kind === 'role' && r.partition === caller.partition && r.account === caller.account && r.name === caller.roleName) return given!;
      return roleArnToFillIn(caller);
    }
  }
  return caller.arn;
}

export type Slot =
  | { type: 'key'; keyIndex: number }
  | { type: 'identity'; principal: string; index: number }
  | { type: 'boundary'; principal: string }
  | { type: 'session'; principal: string; index: number }
  | { type: 'org'; which: 'serviceControlPolicies' | 'resourceControlPolicies'; account: string; level: number; index: number };

interface SlotPolicy {
  slot: Slot;
  policy: Policy;
  /** Where it is, for people (src/report/fix-phrases.ts phrases it). */
  where: PolicyPlace;
}

/** Where a policy is: the key's, a principal's (by kind), or an organization policy at a target of the hierarchy. */
export type PolicyPlace =
  | { kind: 'key-policy'; keyArn: string }
  | { kind: 'identity-policy'; policyName: string; principal: string }
  | { kind: 'permissions-boundary'; policyName: string; principal: string }
  | { kind: 'session-policy'; policyName: string; principal: string }
  | { kind: 'organization-policy'; level: 'scp' | 'rcp'; policyName: string; target: string; account: string };

function allPolicies(s: Snapshot): SlotPolicy[] {
  const out: SlotPolicy[] = [];
  s.keys.forEach((k, keyIndex) => {
    if (!isUnknown(k.policy)) out.push({ slot: { type: 'key', keyIndex }, policy: k.policy, where: { kind: 'key-policy', keyArn: k.metadata.arn } });
  });
  for (const [arn, pp] of Object.entries(s.principals)) {
    if (!isUnknown(pp.identityPolicies))
      pp.identityPolicies.forEach((p, index) => {
        out.push({ slot: { type: 'identity', principal: arn, index }, policy: p, where: { kind: 'identity-policy', policyName: p.name, principal: arn } });
      });
    if (!isUnknown(pp.permissionsBoundary) && pp.permissionsBoundary !== null)
      out.push({
        slot: { type: 'boundary', principal: arn },
        policy: pp.permissionsBoundary,
        where: { kind: 'permissions-boundary', policyName: pp.permissionsBoundary.name, principal: arn },
      });
    if (!isUnknown(pp.sessionPolicies))
      pp.sessionPolicies.forEach((p, index) => {
        out.push({ slot: { type: 'session', principal: arn, index }, policy: p, where: { kind: 'session-policy', policyName: p.name, principal: arn } });
      });
  }
  const org = s.organization;
  if (org !== undefined) {
    for (const which of ['serviceControlPolicies', 'resourceControlPolicies'] as const) {
      for (const [account, levels] of Object.entries(org[which])) {
        levels.forEach((lvl, level) => {
          lvl.policies.forEach((p, index) => {
            out.push({
              slot: { type: 'org', which, account, level, index },
              policy: p,
              where: {
                kind: 'organization-policy',
                level: which === 'serviceControlPolicies' ? 'scp' : 'rcp',
                policyName: p.name,
                target: lvl.target,
                account,
              },
            });
          });
        });
      }
    }
  }
  return out;
}

function policyAt(s: Snapshot, slot: Slot): Policy | undefined {
  switch (slot.type) {
    case 'key': {
      const p = s.keys[slot.keyIndex]?.policy;
      return p === undefined || isUnknown(p) ? undefined : p;
    }
    case 'identity': {
      const l = s.principals[slot.principal]?.identityPolicies;
      return l === undefined || isUnknown(l) ? undefined : l[slot.index];
    }
    case 'boundary': {
      const b = s.principals[slot.principal]?.permissionsBoundary;
      return b === undefined || b === null || isUnknown(b) ? undefined : b;
    }
    case 'session': {
      const l = s.principals[slot.principal]?.sessionPolicies;
      return l === undefined || isUnknown(l) ? undefined : l[slot.index];
    }
    case 'org':
      return s.organization?.[slot.which][slot.account]?.[slot.level]?.policies[slot.index];
  }
}

/** The statement a Reason points at. */
function locateReason(s: Snapshot, r: Reason): { sp: SlotPolicy; statement: Statement } | undefined {
  if (r.source === 'grant') return undefined;
  const candidates = allPolicies(s).filter((sp) => sp.policy.source === r.source);
  for (const sp of candidates) {
    const st = sp.policy.statements.find((x) => x.raw === r.excerpt);
    if (st) return { sp, statement: st };
  }
  for (const sp of candidates) {
    if (r.policyName !== undefined && sp.policy.name !== r.policyName) continue;
    const st = sp.policy.statements.find((x) => x.index === r.statementIndex && (x.sid === undefined || x.sid === r.id));
    if (st) return { sp, statement: st };
  }
  return undefined;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Changes

export type JsonObject = Record<string, unknown>;

export type FixChange =
  | { kind: 'add-key-policy-statement'; keyArn: string; statement: JsonObject }
  | { kind: 'add-identity-policy'; principalArn: string; principalKind: 'role' | 'user'; policyName: string; document: JsonObject }
  | { kind: 'add-boundary-statement'; principalArn: string; policyName: string; policyArn?: string; statement: JsonObject }
  | {
      kind: 'remove-statement';
      source: PolicySource;
      policyName: string;
      policyArn?: string;
      where: PolicyPlace;
      statementId: string;
      statement: unknown;
      slot: Slot;
      statementIndex: number;
    }
  | {
      kind: 'replace-statement';
      source: PolicySource;
      policyName: string;
      policyArn?: string;
      where: PolicyPlace;
      statementId: string;
      before: unknown;
      after: JsonObject;
      slot: Slot;
      statementIndex: number;
    }
  | { kind: 'recreate-lambda-grant'; keyArn: string; functionName: string; functionArn: string; roleArn: string; grant: Grant }
  | { kind: 'enable-key'; keyArn: string; keyState: string }
  /** Send the request with `identifier` (the key ARN or alias ARN) as its KeyId instead of `keyIdentifier`: a change to the request, not the inputs. */
  | { kind: 'name-key-by'; keyIdentifier: string; identifier: string; alias: boolean };

export interface SideEffect {
  /** Who gains: the request's principal, another session of its role, or another principal. */
  who: 'same-principal' | 'other-session' | 'other-principal';
  principal: string;
  /** with-context: with the request's encryption context and kms:ViaService; without-context: without them. */
  variant: 'with-context' | 'without-context';
  actions: string[];
  /** Whom to name: the caller's session, every session of its role (the role's ARN), or a principal. */
  subject: { kind: 'this-session' } | { kind: 'every-session'; roleArn: string } | { kind: 'principal'; arn: string };
  /** What the request gave that `variant` is with or without. */
  requestContext: { encryptionContext: boolean; viaService?: string };
}

/** One change a proposal makes, for its title (a proposal combining several has several). */
export type FixTitle =
  | { kind: 'enable-key'; keyState: string }
  /** Name the key by its key ARN or alias ARN (a caller in another account). */
  | { kind: 'name-key-by'; identifier: string; alias: boolean }
  | { kind: 'narrow-deny'; principal: string; statementId: string; where: PolicyPlace }
  | { kind: 'remove-deny'; statementId: string; where: PolicyPlace }
  | { kind: 'recreate-lambda-grant'; functionName: string }
  /** An IAM policy allowing `action` on the key to the role or user `principal`. */
  | { kind: 'iam-statement'; action: string; principalKind: 'role' | 'user'; principal: string }
  /** A key policy statement naming `principal` (an ARN, or a service name). */
  | { kind: 'key-policy-statement'; principal: string }
  /** Both at once; `sameAccount`: the key and the caller are in one account. */
  | { kind: 'key-policy-and-iam'; sameAccount: boolean }
  /** `action` allowed in the permissions boundary `policyName` too. */
  | { kind: 'boundary-statement'; action: string; policyName: string };

export interface FixProposal {
  /** 1 is the narrowest. */
  rank: number;
  id: string;
  /** What it does, one entry per change it combines (src/report/fix.ts phrases them). */
  titles: FixTitle[];
  changes: FixChange[];
  /** The request evaluated again on the changed inputs. */
  verified: { decision: Verdict; decidedBy: DecidedBy; reasons: Reason[] };
  /** What else the change allows that was not allowed before. */
  alsoAllows: SideEffect[];
  /** What was evaluated to find alsoAllows. */
  checked?: FixChecked;
  notes: FixNote[];
}

/**
 * What a fix result (or one proposal) adds for the reader, as data: src/report/fix.ts phrases it
 * (fixNoteText).
 */
export type FixNote =
  // On the result.
  | { kind: 'allowed-today' }
  | { kind: 'cannot-evaluate' }
  /** The verdict is unknown because these inputs could not be read. */
  | { kind: 'depends-on-unreadable'; inputs: string[] }
  /** …because the request does not give these condition keys. */
  | { kind: 'depends-on-missing-context'; keys: string[] }
  /** …because of a request detail left open (see the report's hints). */
  | { kind: 'depends-on-open-request' }
  /** No fix is proposed for an action of this class (or a key action on a key not in the snapshot). */
  | { kind: 'not-a-key-operation'; action: string; cls: ActionClass }
  /** The key cannot do the action at all (its key spec or usage): `error` is KMS's. */
  | { kind: 'key-usage'; error: string; action: string }
  | { kind: 'aws-managed-key' }
  /** The key's state refuses the action and no change kms-why writes alters it: `error` is KMS's. */
  | { kind: 'key-state'; error: string; action: string }
  /** Deny statements that decided but are not in the snapshot to change. */
  | { kind: 'deny-not-found'; statementIds: string[] }
  /** An SCP or RCP does not allow the action; organization policies are not changed. */
  | { kind: 'organization-policy'; level: 'scp' | 'rcp'; action: string }
  | { kind: 'session-policy' }
  | { kind: 'no-verified-change' }
  // On a proposal.
  /** The narrowed Deny still applies to everyone but `principal`. */
  | { kind: 'deny-exemption'; principal: string }
  /** The Deny to remove is its policy's only statement. */
  | { kind: 'only-statement' }
  /** How Lambda comes to create its grant again. */
  | { kind: 'lambda-grant-recreation' }
  /** What the commands re-creating Lambda's grant need. */
  | { kind: 'lambda-temp-role' }
  | { kind: 'permissions-boundary' }
  /** The proposal names the caller's role as `roleArn`, whose path (FILL_IN_ROLE_PATH) the inputs do not give. */
  | { kind: 'role-path-unknown'; roleArn: string }
  /**
   * The proposal allows kms:CreateGrant: which grants it allows (the request's, by the grant
   * condition keys), and which parts of the grant it leaves open because the request does not name them.
   */
  | { kind: 'grant-scope'; scope: GrantScope };

/**
 * Groups of the side-effect probes evaluated before and after a change: the caller's other key
 * actions, another session of its role, the snapshot's other principals (how many), and the
 * request's own action without its encryption context and kms:ViaService. Other requests of the
 * same action (another grant, another encryption context) are not among them.
 */
export interface ProbeGroups {
  otherActions: boolean;
  otherSession: boolean;
  otherPrincipals: number;
  withoutContext: boolean;
}

/**
 * What was evaluated to find what else a proposal allows (its alsoAllows is what it gains among
 * these, and nothing more is known).
 */
export interface FixChecked {
  /** The groups whose verdicts after the change are known where it matters (checkedOf). */
  decided: ProbeGroups;
  /** The groups with a request denied before the change and unknown after it: the change may allow it. */
  undecided: ProbeGroups;
}

/** A change considered and not proposed, as data: src/report/fix.ts phrases it. */
export interface RejectedFix {
  what: RejectedWhat;
  why: RejectedWhy;
}

export type RejectedWhat =
  | { kind: 'recreate-lambda-grant' }
  | { kind: 'iam-statement' }
  | { kind: 'key-policy-statement' }
  /** A combination that was tried. */
  | { kind: 'tried'; titles: FixTitle[] };

export type RejectedWhy =
  | { kind: 'grants-unreadable' }
  /** The function is configured with another key (`keyArn` undefined: the AWS managed key aws/lambda). */
  | { kind: 'function-uses-other-key'; functionName: string; keyArn: string | undefined }
  | { kind: 'identity-policies-unreadable'; principal: string }
  | { kind: 'key-policy-unreadable' }
  /** The change could not be applied to the snapshot. */
  | { kind: 'not-applicable'; failure: ApplyFailure }
  /** Applying it failed with this (model) error message. */
  | { kind: 'error'; message: string }
  /** The request would still not be allowed. */
  | {
      kind: 'still-denied';
      verdict: 'deny' | 'unknown';
      decidedBy: DecidedBy;
      /** The explicit Deny statements, when one decides. */
      denyIds: string[];
      /** Why the allow added was not enough, when it is one of these. */
      gap: StillDeniedGap | undefined;
    };

/** Why an implicit deny remains after a change. */
export type StillDeniedGap =
  /** Cross-account: the key policy allows neither the caller nor its account. */
  | { kind: 'key-policy-must-allow'; principal: string; account: string }
  /** Cross-account: the caller's account allows it in no IAM policy. */
  | { kind: 'iam-must-allow'; account: string }
  /** The key policy does not delegate `action` to IAM for the account. */
  | { kind: 'no-delegation'; action: string; account: string };

/** Why a change cannot be applied to a snapshot. */
export type ApplyFailure =
  | { kind: 'key-policy-unreadable'; keyArn: string }
  | { kind: 'identity-policies-unreadable'; principal: string }
  | { kind: 'boundary-unreadable'; principal: string }
  | { kind: 'policy-not-found' }
  | { kind: 'grants-unreadable'; keyArn: string };

/** Thrown by applyChanges when a change cannot be applied; `failure` says why. */
export class ChangeNotApplicable extends Error {
  constructor(readonly failure: ApplyFailure) {
    super(`${failure.kind}${'keyArn' in failure ? `: ${failure.keyArn}` : 'principal' in failure ? `: ${failure.principal}` : ''}`);
    this.name = 'ChangeNotApplicable';
  }
}

export interface FixResult {
  /** Whether a fix was needed at all. */
  needed: boolean;
  /** To read before applying any proposal. */
  warnings: string[];
  proposals: FixProposal[];
  rejected: RejectedFix[];
  notes: FixNote[];
}

/** Applies changes to a deep copy of the snapshot (the original is not touched). */
export function applyChanges(s: Snapshot, changes: readonly FixChange[]): Snapshot {
  const c = structuredClone(s);
  for (const ch of changes) applyOne(c, ch);
  return c;
}

function statementFrom(raw: JsonObject, source: PolicySource, index: number): Statement {
  const p = policyFromJson({ Version: '2012-10-17', Statement: [raw] }, { source, name: 'kms-why fix', path: 'fix' });
  const st = p.statements[0]!;
  st.index = index;
  st.raw = raw;
  return st;
}

function findKeyIndex(s: Snapshot, keyArn: string): number {
  return s.keys.findIndex((k) => k.metadata.arn === keyArn);
}

function applyOne(s: Snapshot, ch: FixChange): void {
  switch (ch.kind) {
    case 'add-key-policy-statement': {
      const k = s.keys[findKeyIndex(s, ch.keyArn)];
      if (k === undefined || isUnknown(k.policy)) throw new ChangeNotApplicable({ kind: 'key-policy-unreadable', keyArn: ch.keyArn });
      k.policy.statements.push(statementFrom(ch.statement, 'key-policy', nextIndex(k.policy)));
      return;
    }
    case 'add-identity-policy': {
      const p = policyFromJson(ch.document, { source: 'identity-policy', name: ch.policyName, path: 'fix' });
      const targets = identityTargets(s, ch.principalArn);
      for (const pp of targets) {
        if (isUnknown(pp.identityPolicies)) throw new ChangeNotApplicable({ kind: 'identity-policies-unreadable', principal: ch.principalArn });
        pp.identityPolicies.push(p);
      }
      if (targets.length === 0) {
        s.principals[ch.principalArn] = { identityPolicies: [p], permissionsBoundary: null, sessionPolicies: [], tags: {} };
      }
      return;
    }
    case 'add-boundary-statement': {
      const pp = s.principals[ch.principalArn];
      const b = pp?.permissionsBoundary;
      if (b === undefined || b === null || isUnknown(b)) throw new ChangeNotApplicable({ kind: 'boundary-unreadable', principal: ch.principalArn });
      b.statements.push(statementFrom(ch.statement, 'permissions-boundary', nextIndex(b)));
      return;
    }
    case 'remove-statement':
    case 'replace-statement': {
      for (const p of sharedCopies(s, ch.slot, ch.policyArn, ch.source)) {
        p.statements =
          ch.kind === 'remove-statement'
            ? p.statements.filter((x) => x.index !== ch.statementIndex)
            : p.statements.map((x) => (x.index === ch.statementIndex ? statementFrom(ch.after, p.source, x.index) : x));
      }
      return;
    }
    case 'recreate-lambda-grant': {
      const k = s.keys[findKeyIndex(s, ch.keyArn)];
      if (k === undefined || isUnknown(k.grants)) throw new ChangeNotApplicable({ kind: 'grants-unreadable', keyArn: ch.keyArn });
      k.grants.push(structuredClone(ch.grant));
      return;
    }
    case 'enable-key': {
      const k = s.keys[findKeyIndex(s, ch.keyArn)];
      if (k !== undefined) k.metadata.keyState = 'Enabled';
      return;
    }
    // A change to the request: proposeFixes evaluates the request so named.
    case 'name-key-by':
      return;
  }
}

/**
 * The policy at the slot and, for a managed policy (one ARN), every other copy of it in the
 * snapshot: changing a managed policy changes it for every principal it is attached to.
 */
function sharedCopies(s: Snapshot, slot: Slot, policyArn: string | undefined, source: PolicySource): Policy[] {
  const p = policyAt(s, slot);
  if (p === undefined) throw new ChangeNotApplicable({ kind: 'policy-not-found' });
  if (policyArn === undefined) return [p];
  const out = new Set<Policy>([p]);
  for (const sp of allPolicies(s)) if (sp.policy.arn === policyArn && sp.policy.source === source) out.add(sp.policy);
  return [...out];
}

function nextIndex(p: Policy): number {
  return p.statements.reduce((m, x) => Math.max(m, x.index + 1), 0);
}

/**
 * The entries an identity policy attached to a role or user lands in (a session entry listing its
 * own copy too). A role whose path is to be filled in has no entry (policyPrincipalArn): its
 * sessions' entries hold its policies, and no entry is made under a made-up path.
 */
function identityTargets(s: Snapshot, principalArn: string): PrincipalPolicies[] {
  const out: PrincipalPolicies[] = [];
  const own = s.principals[principalArn];
  if (own !== undefined) out.push(own);
  const ref = parsePrincipal(principalArn);
  const noRoleEntry = hasRolePathToFillIn(principalArn);
  if (ref?.kind === 'role') {
    for (const [arn, pp] of Object.entries(s.principals)) {
      const p = parsePrincipal(arn);
      if (
        p?.kind === 'assumed-role' &&
        p.account === ref.account &&
        p.roleName === ref.name &&
        !isUnknown(pp.identityPolicies) &&
        (pp.identityPolicies.length > 0 || noRoleEntry)
      )
        out.push(pp);
    }
  }
  return out;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Building the candidate changes

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function uniqueSid(base: string, taken: ReadonlySet<string>): string {
  const b = base.slice(0, 90) || 'KmsWhyFix';
  if (!taken.has(b)) return b;
  for (let i = 2; ; i++) if (!taken.has(`${b}${i}`)) return `${b}${i}`;
}

/**
 * Conditions that keep an allow to this request: its encryption context and kms:ViaService, and
 * for CreateGrant the grant it asks for (grantScope).
 */
function requestConditions(req: Request, action: ActionInfo): JsonObject | undefined {
  const eq: Record<string, string> = {};
  if (action.takesEncryptionContext) for (const [k, v] of Object.entries(req.encryptionContext ?? {})) eq[`kms:EncryptionContext:${k}`] = v;
  if (req.viaService !== undefined) eq['kms:ViaService'] = req.viaService;
  const cond: JsonObject = {};
  const scope = action.short === 'CreateGrant' ? grantScope(req) : undefined;
  if (scope?.granteePrincipal !== undefined) eq['kms:GranteePrincipal'] = scope.granteePrincipal;
  if (scope?.granteeServicePrincipal !== undefined) eq['kms:GranteeServicePrincipal'] = scope.granteeServicePrincipal;
  if (Object.keys(eq).length > 0) cond.StringEquals = eq;
  if (scope?.operations !== undefined) cond['ForAllValues:StringEquals'] = { 'kms:GrantOperations': scope.operations };
  if (scope?.forAwsResource === true) cond.Bool = { 'kms:GrantIsForAWSResource': 'true' };
  return Object.keys(cond).length > 0 ? cond : undefined;
}

/**
 * What an allow of kms:CreateGrant is limited to: the grant the request asks for. A statement
 * allowing kms:CreateGrant without conditions lets the caller create any grant on the key (any
 * operations, any grantee, the caller itself included); AWS's guidance is to limit it with the
 * grant condition keys kms:GrantOperations, kms:GranteePrincipal and kms:GrantIsForAWSResource
 * (KMS Developer Guide, "Controlling access to grants" and "AWS KMS condition keys"). Each part is
 * the value the request carries (a value given for the key itself wins, as in the evaluation);
 * a part the request leaves open is not limited, and the fix says so (FixNote grant-scope).
 */
export interface GrantScope {
  /** The grant's operations (ForAllValues:StringEquals: a grant of any of them). */
  operations?: string[];
  granteePrincipal?: string;
  granteeServicePrincipal?: string;
  /** Only grants an AWS service creates on the caller's behalf (Bool kms:GrantIsForAWSResource true). */
  forAwsResource: boolean;
}

/** The values the request carries for a condition key, when it names the key itself (--condition). */
function givenValues(req: Request, name: string): string[] | undefined {
  const lower = name.toLowerCase();
  const hit = Object.entries(req.context ?? {}).find(([k]) => k.toLowerCase() === lower);
  if (hit === undefined) return undefined;
  return (Array.isArray(hit[1]) ? hit[1] : [hit[1]]).map(String);
}

function grantScope(req: Request): GrantScope {
  const g = req.grantRequest;
  const absent = new Set((req.absent ?? []).map((k) => k.toLowerCase()));
  const value = (name: string, fromRequest: string[] | undefined): string[] | undefined => {
    if (absent.has(name.toLowerCase())) return undefined;
    const v = givenValues(req, name) ?? fromRequest;
    return v !== undefined && v.length > 0 ? v : undefined;
  };
  const one = (v: string[] | undefined): string | undefined => (v?.length === 1 ? v[0] : undefined);
  const out: GrantScope = { forAwsResource: false };
  const ops = value('kms:GrantOperations', g?.operations);
  if (ops !== undefined) out.operations = [...new Set(ops)];
  const grantee = one(value('kms:GranteePrincipal', g?.granteePrincipal !== undefined ? [g.granteePrincipal] : undefined));
  if (grantee !== undefined) out.granteePrincipal = grantee;
  const service = one(value('kms:GranteeServicePrincipal', g?.granteeServicePrincipal !== undefined ? [g.granteeServicePrincipal] : undefined));
  if (service !== undefined) out.granteeServicePrincipal = service;
  // As the evaluation sets kms:GrantIsForAWSResource (src/evaluate/context.ts).
  const forAws = value('kms:GrantIsForAWSResource', [String(req.grantIsForAwsResource ?? (req.viaService !== undefined || req.viaServiceUnknown === true))]);
  out.forAwsResource = forAws?.length === 1 && forAws[0]!.toLowerCase() === 'true';
  return out;
}

function keyPolicyStatement(s: Snapshot, key: Key, caller: PrincipalRef, req: Request, action: ActionInfo): JsonObject {
  const taken = new Set(isUnknown(key.policy) ? [] : key.policy.statements.map((x) => x.sid).filter((x): x is string => x !== undefined));
  const who = caller.kind === 'service' ? caller.name : policyPrincipalArn(s, caller);
  const name = caller.kind === 'assumed-role' ? caller.roleName : caller.kind === 'root' ? `Account${caller.account}` : caller.name;
  const st: JsonObject = {
    Sid: uniqueSid(`Allow${action.short}For${pascal(name)}`, taken),
    Effect: 'Allow',
    Principal: caller.kind === 'service' ? { Service: who } : { AWS: who },
    Action: action.name,
    Resource: '*',
  };
  const cond = requestConditions(req, action);
  if (cond !== undefined) st.Condition = cond;
  return st;
}

function iamStatement(key: Key, req: Request, action: ActionInfo): JsonObject {
  const st: JsonObject = { Sid: `Allow${action.short}OnKey`, Effect: 'Allow', Action: action.name, Resource: key.metadata.arn };
  const cond = requestConditions(req, action);
  if (cond !== undefined) st.Condition = cond;
  return st;
}

/**
 * The statement that lets a permissions boundary allow the action too. For CreateGrant it keeps the
 * request's conditions: a boundary allowing any grant would let any identity-policy allow of
 * kms:CreateGrant the caller has create any grant.
 */
function boundaryStatement(key: Key, req: Request, action: ActionInfo): JsonObject {
  const st: JsonObject = { Sid: `Allow${action.short}OnKey`, Effect: 'Allow', Action: action.name, Resource: key.metadata.arn };
  const cond = action.short === 'CreateGrant' ? requestConditions(req, action) : undefined;
  if (cond !== undefined) st.Condition = cond;
  return st;
}

function iamPolicyName(key: Key, action: ActionInfo): string {
  return `kms-${action.short.toLowerCase()}-${key.metadata.keyId.replace(/^mrk-/, '').slice(0, 8)}`;
}

/** The Deny statement with an exception for the caller (aws:PrincipalArn), or undefined when it cannot be written. */
function narrowedDeny(raw: unknown, principalArn: string): JsonObject | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const st = structuredClone(raw) as JsonObject;
  const cond = (typeof st.Condition === 'object' && st.Condition !== null && !Array.isArray(st.Condition) ? st.Condition : {}) as Record<
    string,
    Record<string, unknown>
  >;
  // A "not any of" operator on aws:PrincipalArn already there takes one more value.
  for (const op of Object.keys(cond)) {
    if (!/^(StringNotEquals|StringNotLike|ArnNotEquals|ArnNotLike)(IfExists)?$/i.test(op)) continue;
    const block = cond[op];
    if (block === undefined) continue;
    const k = Object.keys(block).find((x) => x.toLowerCase() === 'aws:principalarn');
    if (k === undefined) continue;
    const cur = block[k];
    const list = Array.isArray(cur) ? cur.map(String) : [String(cur)];
    if (!list.includes(principalArn)) list.push(principalArn);
    block[k] = list;
    st.Condition = cond;
    return st;
  }
  const block = (cond.ArnNotEquals ?? {}) as Record<string, unknown>;
  block['aws:PrincipalArn'] = principalArn;
  cond.ArnNotEquals = block;
  st.Condition = cond;
  return st;
}

interface Candidate {
  id: string;
  titles: FixTitle[];
  changes: FixChange[];
  notes: FixNote[];
  /** Tie-breaker among equally narrow proposals. */
  order: number;
}

function lambdaCase(req: Request, caller: PrincipalRef, action: ActionInfo): { functionName: string; functionArn: string; region: string } | undefined {
  if (action.short !== 'Decrypt' || caller.kind !== 'assumed-role') return undefined;
  const ec = req.encryptionContext ?? {};
  const fnArn = Object.entries(ec).find(([x]) => x.toLowerCase() === 'aws:lambda:functionarn')?.[1];
  if (fnArn === undefined) return undefined;
  const m = /^arn:[^:]+:lambda:([^:]+):(\d{12}):function:([^:]+)(?::.*)?$/.exec(fnArn);
  if (!m || m[3] !== caller.sessionName) return undefined;
  return { functionName: m[3]!, functionArn: fnArn, region: m[1]! };
}

/** The key a function in the snapshot is configured with (keyArn undefined: the aws/lambda key); undefined when the function is not in the snapshot. */
function functionKey(s: Snapshot, fnName: string, fnArn: string): { keyArn: string | undefined } | undefined {
  for (const f of s.functions ?? []) {
    if (typeof f !== 'object' || f === null) continue;
    const o = f as Record<string, unknown>;
    if (o.FunctionName === fnName || o.FunctionArn === fnArn)
      return { keyArn: typeof o.KMSKeyArn === 'string' && o.KMSKeyArn !== '' ? o.KMSKeyArn : undefined };
  }
  return undefined;
}

function functionRole(s: Snapshot, fnName: string, fnArn: string): string | undefined {
  for (const f of s.functions ?? []) {
    if (typeof f !== 'object' || f === null) continue;
    const o = f as Record<string, unknown>;
    if ((o.FunctionName === fnName || o.FunctionArn === fnArn) && typeof o.Role === 'string') return o.Role;
  }
  return undefined;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Proposing

export interface FixOptions {
  /** Evaluate the snapshot's other principals for side effects (default true; at most this many). */
  maxOtherPrincipals?: number;
}

const OTHER_SESSION = 'kms-why-other-session';

/**
 * Proposes the least-privilege changes that make a denied request succeed, each verified by
 * evaluating the request again on a changed copy of the snapshot, ranked narrowest first.
 */
export function proposeFixes(snapshot: Snapshot, request: Request, opts: FixOptions = {}): FixResult {
  const ev = new Evaluator(snapshot);
  const before = ev.evaluate(request);
  const notes: FixNote[] = [];
  const rejected: RejectedFix[] = [];
  if (before.decision === 'allow') return { needed: false, warnings: [], proposals: [], rejected, notes: [{ kind: 'allowed-today' }] };
  const action = findAction(request.action);
  const caller = parsePrincipal(request.principal);
  if (action === undefined || caller === null) return { needed: true, warnings: [], proposals: [], rejected, notes: [{ kind: 'cannot-evaluate' }] };
  // The key the evaluator decided on: a name is the caller's account's key first.
  const key = action.cls === 'iam-only' ? undefined : ev.findKey(request.keyArn ?? request.keyIdentifier ?? '', request.callerAccount ?? caller.account);
  if (before.decision === 'unknown') {
    // Unknown without an unreadable input: an underivable condition key or an open request detail decides.
    notes.push(
      before.unreadable.length > 0
        ? { kind: 'depends-on-unreadable', inputs: before.unreadable.map((u) => u.what) }
        : before.missingContext.length > 0
          ? { kind: 'depends-on-missing-context', keys: [...before.missingContext] }
          : { kind: 'depends-on-open-request' },
    );
  }
  if (action.cls !== 'key' || key === undefined) {
    notes.push({ kind: 'not-a-key-operation', action: action.name, cls: action.cls });
    return { needed: true, warnings: [], proposals: [], rejected, notes };
  }
  const usageErr = keyUsageError(action, key.metadata);
  if (usageErr !== undefined) {
    notes.push({ kind: 'key-usage', error: usageErr, action: action.short });
    return { needed: true, warnings: [], proposals: [], rejected, notes };
  }
  // A caller in another account that names the key by a key id or alias name never reaches it (the
  // name is looked up in its own account): name it by its ARN, and fix what that request still needs.
  const renamed = caller.kind === 'service' ? undefined : keyIdentifierFix(request, action, caller.account, key);
  if (renamed !== undefined) return renamed(proposeFixes(snapshot, renamed.request, opts), ev.evaluate(renamed.request));
  if (key.metadata.keyManager === 'AWS') notes.push({ kind: 'aws-managed-key' });

  // ── Stage 1: the key state ──
  const stateFixes: Candidate[][] = [[]];
  const stateErr = keyStateError(action, key.metadata);
  if (stateErr !== undefined) {
    if (key.metadata.keyState === 'Disabled' || key.metadata.keyState === 'PendingDeletion') {
      stateFixes[0] = [
        {
          id: 'enable-key',
          titles: [{ kind: 'enable-key', keyState: key.metadata.keyState }],
          changes: [{ kind: 'enable-key', keyArn: key.metadata.arn, keyState: key.metadata.keyState }],
          notes: [],
          order: 0,
        },
      ];
    } else {
      notes.push({ kind: 'key-state', error: stateErr, action: action.short });
      return { needed: true, warnings: [], proposals: [], rejected, notes };
    }
  }

  // ── Stage 2: explicit denies ──
  const denyFixes: Candidate[][] = [[]];
  if (before.decidedBy === 'explicit-deny') {
    const located = before.reasons.filter((r) => r.effect === 'Deny').map((r) => ({ r, at: locateReason(snapshot, r) }));
    if (located.length > 0) {
      if (located.some((x) => x.at === undefined)) {
        notes.push({ kind: 'deny-not-found', statementIds: located.filter((x) => x.at === undefined).map((x) => x.r.id) });
      } else {
        const pArn = policyPrincipalArn(snapshot, caller);
        const narrow: Candidate[] = [];
        const remove: Candidate[] = [];
        for (const { r, at } of located) {
          const { sp, statement } = at!;
          const base = {
            source: sp.policy.source,
            policyName: sp.policy.name,
            where: sp.where,
            statementId: r.id,
            slot: sp.slot,
            statementIndex: statement.index,
            ...(sp.policy.arn ? { policyArn: sp.policy.arn } : {}),
          };
          const after = caller.kind === 'service' ? undefined : narrowedDeny(statement.raw, pArn);
          if (after !== undefined) {
            narrow.push({
              id: 'narrow-deny',
              titles: [{ kind: 'narrow-deny', principal: pArn, statementId: r.id, where: sp.where }],
              changes: [{ kind: 'replace-statement', ...base, before: statement.raw, after }],
              notes: [{ kind: 'deny-exemption', principal: pArn }],
              order: 1,
            });
          }
          remove.push({
            id: 'remove-deny',
            titles: [{ kind: 'remove-deny', statementId: r.id, where: sp.where }],
            changes: [{ kind: 'remove-statement', ...base, statement: statement.raw }],
            notes: sp.policy.statements.length === 1 ? [{ kind: 'only-statement' }] : [],
            order: 6,
          });
        }
        denyFixes.length = 0;
        if (narrow.length === located.length) denyFixes.push(narrow);
        denyFixes.push(remove);
      }
    }
  }

  // ── Stage 3: something that allows ──
  const allowFixes: Candidate[][] = [[]];
  const lc = lambdaCase(request, caller, action);
  const fnKey = lc !== undefined ? functionKey(snapshot, lc.functionName, lc.functionArn) : undefined;
  if (lc !== undefined) {
    if (isUnknown(key.grants)) rejected.push({ what: { kind: 'recreate-lambda-grant' }, why: { kind: 'grants-unreadable' } });
    // A function without a KMSKeyArn uses the account's AWS managed key aws/lambda [Lambda environment variables].
    else if (fnKey !== undefined && (fnKey.keyArn !== undefined ? fnKey.keyArn !== key.metadata.arn : !key.aliases.includes('alias/aws/lambda'))) {
      rejected.push({
        what: { kind: 'recreate-lambda-grant' },
        why: { kind: 'function-uses-other-key', functionName: lc.functionName, keyArn: fnKey.keyArn },
      });
    } else {
      const roleArn = functionRole(snapshot, lc.functionName, lc.functionArn) ?? policyPrincipalArn(snapshot, caller);
      const grant: Grant = {
        grantId: 'new-grant-from-lambda',
        name: `${lc.functionName}/(new)`,
        keyArn: key.metadata.arn,
        granteePrincipal: caller.arn,
        retiringPrincipal: `lambda.${lc.region}.amazonaws.com`,
        issuingAccount: `arn:${key.metadata.partition}:iam::${key.metadata.account}:root`,
        operations: ['Decrypt', 'RetireGrant'],
        constraints: { encryptionContextEquals: { 'aws:lambda:FunctionArn': lc.functionArn } },
        state: 'active',
      };
      allowFixes.push([
        {
          id: 'recreate-lambda-grant',
          titles: [{ kind: 'recreate-lambda-grant', functionName: lc.functionName }],
          changes: [{ kind: 'recreate-lambda-grant', keyArn: key.metadata.arn, functionName: lc.functionName, functionArn: lc.functionArn, roleArn, grant }],
          notes: [{ kind: 'lambda-grant-recreation' }, { kind: 'lambda-temp-role' }],
          order: 2,
        },
      ]);
    }
  }
  const entry = principalEntry(snapshot, caller);
  const sameAccount = caller.kind === 'service' || caller.account === key.metadata.account;
  const iamCandidate = (): Candidate | undefined => {
    if (caller.kind === 'service' || caller.kind === 'root' || caller.kind === 'federated-user') return undefined;
    if (entry !== undefined && isUnknown(entry.pp.identityPolicies)) {
      rejected.push({ what: { kind: 'iam-statement' }, why: { kind: 'identity-policies-unreadable', principal: entry.arn } });
      return undefined;
    }
    // A caller the snapshot has no entry for (neither its own nor its role's) has unknown identity
    // policies: an entry made for it would claim it has no other policy, and "verify" on that.
    if (entry === undefined && !Object.hasOwn(snapshot.principals, caller.arn)) {
      rejected.push({ what: { kind: 'iam-statement' }, why: { kind: 'identity-policies-unreadable', principal: caller.arn } });
      return undefined;
    }
    const target = policyPrincipalArn(snapshot, caller);
    const kind = caller.kind === 'user' ? 'user' : 'role';
    return {
      id: 'iam-statement',
      titles: [{ kind: 'iam-statement', action: action.name, principalKind: kind, principal: target }],
      changes: [
        {
          kind: 'add-identity-policy',
          principalArn: entry?.arn ?? target,
          principalKind: kind,
          policyName: iamPolicyName(key, action),
          document: { Version: '2012-10-17', Statement: [iamStatement(key, request, action)] },
        },
      ],
      notes: [],
      order: 3,
    };
  };
  const keyPolicyCandidate = (): Candidate | undefined => {
    if (isUnknown(key.policy)) {
      rejected.push({ what: { kind: 'key-policy-statement' }, why: { kind: 'key-policy-unreadable' } });
      return undefined;
    }
    if (key.metadata.keyManager === 'AWS') return undefined;
    const st = keyPolicyStatement(snapshot, key, caller, request, action);
    const who = caller.kind === 'service' ? caller.name : policyPrincipalArn(snapshot, caller);
    return {
      id: 'key-policy-statement',
      titles: [{ kind: 'key-policy-statement', principal: who }],
      changes: [{ kind: 'add-key-policy-statement', keyArn: key.metadata.arn, statement: st }],
      notes: [],
      order: 4,
    };
  };
  const iam = iamCandidate();
  const kp = keyPolicyCandidate();
  if (iam) allowFixes.push([iam]);
  if (kp) allowFixes.push([kp]);
  if (iam && kp) {
    allowFixes.push([
      {
        id: 'key-policy-and-iam',
        titles: [{ kind: 'key-policy-and-iam', sameAccount }],
        changes: [...kp.changes, ...iam.changes],
        notes: [],
        order: 5,
      },
    ]);
  }

  // ── Try the combinations, smallest first ──
  const tried: Array<{ cand: Candidate; after: Decision; snap: Snapshot }> = [];
  const verify = (changes: FixChange[]): { after: Decision; snap: Snapshot } | { error: RejectedWhy } => {
    try {
      const snap = applyChanges(snapshot, changes);
      return { after: new Evaluator(snap).evaluate(request), snap };
    } catch (e) {
      return { error: e instanceof ChangeNotApplicable ? { kind: 'not-applicable', failure: e.failure } : { kind: 'error', message: (e as Error).message } };
    }
  };
  const merge = (parts: Candidate[]): Candidate => ({
    id: parts.map((p) => p.id).join('+'),
    titles: parts.flatMap((p) => p.titles),
    changes: parts.flatMap((p) => p.changes),
    notes: parts.flatMap((p) => p.notes),
    order: Math.max(...parts.map((p) => p.order)),
  });
  for (const st of stateFixes) {
    for (const dn of denyFixes) {
      const prefix = [...st, ...dn];
      const worked = new Set<string>();
      for (const al of allowFixes) {
        if (prefix.length === 0 && al.length === 0) continue;
        // A combination that contains a change that already works is not narrower.
        if (worked.has('') || (al.some((x) => x.id === 'key-policy-and-iam') && (worked.has('iam-statement') || worked.has('key-policy-statement')))) continue;
        const cand = merge([...prefix, ...al]);
        const r = verify(cand.changes);
        if ('error' in r) {
          rejected.push({ what: { kind: 'tried', titles: cand.titles }, why: r.error });
          continue;
        }
        let found: { cand: Candidate; after: Decision; snap: Snapshot } | undefined =
          r.after.decision === 'allow' ? { cand, after: r.after, snap: r.snap } : undefined;
        // A role-ARN or IAM allow is limited by the permissions boundary: allow it there too.
        if (
          found === undefined &&
          r.after.decidedBy === 'permissions-boundary' &&
          entry !== undefined &&
          !isUnknown(entry.pp.permissionsBoundary) &&
          entry.pp.permissionsBoundary !== null
        ) {
          const b = entry.pp.permissionsBoundary;
          const extra: Candidate = {
            id: 'boundary-statement',
            titles: [{ kind: 'boundary-statement', action: action.name, policyName: b.name }],
            changes: [
              {
                kind: 'add-boundary-statement',
                principalArn: entry.arn,
                policyName: b.name,
                ...(b.arn ? { policyArn: b.arn } : {}),
                statement: boundaryStatement(key, request, action),
              },
            ],
            notes: [{ kind: 'permissions-boundary' }],
            order: cand.order,
          };
          const withB = merge([cand, extra]);
          const r2 = verify(withB.changes);
          if (!('error' in r2) && r2.after.decision === 'allow') found = { cand: withB, after: r2.after, snap: r2.snap };
        }
        if (found !== undefined) {
          tried.push(found);
          if (al.length === 0) worked.add('');
          for (const x of al) worked.add(x.id);
        } else {
          rejected.push({ what: { kind: 'tried', titles: cand.titles }, why: stillDeniedWhy(r.after, caller, action) });
        }
      }
    }
  }

  // ── What else each change allows, and the ranking ──
  const probes = probeRequests(snapshot, request, caller, key, opts);
  const beforeVerdicts = probes.map((p) => safeVerdict(ev, p.req));
  // A session's role ARN with its path to fill in (policyPrincipalArn): a proposal that writes it says so.
  const roleToFillIn =
    caller.kind === 'assumed-role' && hasRolePathToFillIn(policyPrincipalArn(snapshot, caller)) ? policyPrincipalArn(snapshot, caller) : undefined;
  const proposals: FixProposal[] = tried.map(({ cand, after, snap }) => {
    const evAfter = new Evaluator(snap);
    const afterVerdicts = probes.map((p) => safeVerdict(evAfter, p.req));
    const gained = probes.filter((_, i) => beforeVerdicts[i] !== 'allow' && afterVerdicts[i] === 'allow');
    const checked = checkedOf(probes, beforeVerdicts, afterVerdicts);
    // An allow of kms:CreateGrant says which grants it allows: the probes vary no grant.
    const allows = cand.changes.some((c) => c.kind === 'add-identity-policy' || c.kind === 'add-key-policy-statement' || c.kind === 'add-boundary-statement');
    const scopeNote: FixNote[] = action.short === 'CreateGrant' && allows ? [{ kind: 'grant-scope', scope: grantScope(request) }] : [];
    return {
      rank: 0,
      id: cand.id,
      titles: cand.titles,
      changes: cand.changes,
      verified: { decision: after.decision, decidedBy: after.decidedBy, reasons: after.reasons.map(({ excerpt: _e, ...r }) => r) },
      alsoAllows: sideEffects(gained, request, caller, snapshot),
      checked,
      notes: [
        ...cand.notes,
        ...(roleToFillIn !== undefined && JSON.stringify(cand.changes).includes(roleToFillIn)
          ? [{ kind: 'role-path-unknown' as const, roleArn: roleToFillIn }]
          : []),
        ...scopeNote,
      ],
      _order: cand.order,
      _gained: gained.length,
    } as FixProposal & { _order: number; _gained: number };
  });
  proposals.sort((a, b) => {
    const x = a as FixProposal & { _order: number; _gained: number };
    const y = b as FixProposal & { _order: number; _gained: number };
    return x._gained - y._gained || x.changes.length - y.changes.length || x._order - y._order;
  });
  proposals.forEach((p, i) => {
    p.rank = i + 1;
    delete (p as Partial<FixProposal & { _order: number; _gained: number }>)._order;
    delete (p as Partial<FixProposal & { _order: number; _gained: number }>)._gained;
  });
  if (proposals.length === 0) {
    if (before.decidedBy === 'scp' || before.decidedBy === 'rcp') notes.push({ kind: 'organization-policy', level: before.decidedBy, action: action.name });
    if (before.decidedBy === 'session-policy') notes.push({ kind: 'session-policy' });
    notes.push({ kind: 'no-verified-change' });
  }
  return { needed: true, warnings: [], proposals, rejected, notes };
}

/** The group a probe belongs to (ProbeGroups): other principals one group each. */
function probeGroup(p: Probe): string {
  if (p.variant === 'without-context') return 'without-context';
  return p.who === 'other-principal' ? `principal ${p.req.principal}` : p.who;
}

function probeGroups(groups: ReadonlySet<string>): ProbeGroups {
  return {
    otherActions: groups.has('same-principal'),
    otherSession: groups.has('other-session'),
    otherPrincipals: [...groups].filter((g) => g.startsWith('principal ')).length,
    withoutContext: groups.has('without-context'),
  };
}

/**
 * What the probes tell of a change: a group is undecided when one of its probes was denied before
 * the change and is unknown after it (the change may allow it); decided otherwise. A probe unknown
 * both before and after tells nothing either way.
 */
function checkedOf(probes: readonly Probe[], before: ReadonlyArray<Verdict | 'error'>, after: ReadonlyArray<Verdict | 'error'>): FixChecked {
  const known = (v: Verdict | 'error' | undefined): boolean => v === 'allow' || v === 'deny';
  const undecided = new Set(probes.filter((_, i) => before[i] === 'deny' && !known(after[i])).map(probeGroup));
  const decided = new Set(probes.map(probeGroup).filter((g) => !undecided.has(g)));
  return { decided: probeGroups(decided), undecided: probeGroups(undecided) };
}

/**
 * For a request whose KeyId its caller's account cannot resolve to the key (keyIdentifierError):
 * the request named by the key ARN or alias ARN, and how to make the fixes of that request this
 * one's (each preceded by the renaming; the renaming alone when that request is allowed).
 */
function keyIdentifierFix(
  request: Request,
  action: ActionInfo,
  callerAccount: string,
  key: Key,
): (((inner: FixResult, after: Decision) => FixResult) & { request: Request }) | undefined {
  const given = request.keyIdentifier;
  if (given === undefined || keyIdentifierError(action, given, request.callerAccount ?? callerAccount, key.metadata) === undefined) return undefined;
  const instead = crossAccountKeyIdentifier(action, given, key.metadata, key.aliases);
  const change: FixChange = { kind: 'name-key-by', keyIdentifier: given, ...instead };
  const title: FixTitle = { kind: 'name-key-by', ...instead };
  const wrap = (inner: FixResult, after: Decision): FixResult => {
    const proposals: FixProposal[] = inner.needed
      ? inner.proposals.map((p) => ({ ...p, id: `name-key-by+${p.id}`, titles: [title, ...p.titles], changes: [change, ...p.changes] }))
      : [
          {
            rank: 1,
            id: 'name-key-by',
            titles: [title],
            changes: [change],
            verified: { decision: after.decision, decidedBy: after.decidedBy, reasons: after.reasons.map(({ excerpt: _e, ...r }) => r) },
            // No policy or grant changes: nothing else is allowed.
            alsoAllows: [],
            notes: [],
          },
        ];
    return {
      needed: true,
      warnings: inner.warnings,
      proposals,
      rejected: inner.rejected.map((r) => (r.what.kind === 'tried' ? { ...r, what: { kind: 'tried', titles: [title, ...r.what.titles] } } : r)),
      notes: inner.notes.filter((n) => n.kind !== 'allowed-today'),
    };
  };
  return Object.assign(wrap, { request: { ...request, keyIdentifier: instead.identifier } });
}

function stillDeniedWhy(d: Decision, caller: PrincipalRef, action: ActionInfo): RejectedWhy {
  return {
    kind: 'still-denied',
    verdict: d.decision === 'unknown' ? 'unknown' : 'deny',
    decidedBy: d.decidedBy,
    denyIds: d.decidedBy === 'explicit-deny' ? d.reasons.map((r) => r.id) : [],
    gap: d.decidedBy === 'implicit-deny' ? stillDeniedGap(d, caller, action) : undefined,
  };
}

function stillDeniedGap(d: Decision, caller: PrincipalRef, action: ActionInfo): StillDeniedGap | undefined {
  const step = (id: string): string | undefined => d.trace.find((t) => t.step === id)?.answer;
  if (step('cross-account') === 'yes' && step('key-policy') === 'no') return { kind: 'key-policy-must-allow', principal: caller.arn, account: caller.account };
  if (step('cross-account') === 'yes' && step('identity-policy') === 'no') return { kind: 'iam-must-allow', account: caller.account };
  if (step('account-delegation') === 'no' && step('identity-policy') === 'yes') return { kind: 'no-delegation', action: action.name, account: caller.account };
  return undefined;
}

function safeVerdict(ev: Evaluator, req: Request): Verdict | 'error' {
  try {
    return ev.evaluate(req, { explain: false }).decision;
  } catch {
    return 'error';
  }
}

interface Probe {
  req: Request;
  who: SideEffect['who'];
  variant: SideEffect['variant'];
}

/** The requests whose verdicts show what else a change allows. */
function probeRequests(s: Snapshot, req: Request, caller: PrincipalRef, key: Key, opts: FixOptions): Probe[] {
  const actions = KEY_ACTIONS.filter((a) => a.cls === 'key' && keyUsageError(a, key.metadata) === undefined);
  const keyRef: Pick<Request, 'keyArn' | 'keyIdentifier'> = {};
  if (req.keyArn !== undefined) keyRef.keyArn = req.keyArn;
  if (req.keyIdentifier !== undefined) keyRef.keyIdentifier = req.keyIdentifier;
  const withCtx = (principal: string, a: ActionInfo): Request => {
    const r: Request = { ...keyRef, action: a.name, principal };
    if (req.encryptionContext !== undefined && a.takesEncryptionContext) r.encryptionContext = req.encryptionContext;
    if (req.viaService !== undefined) r.viaService = req.viaService;
    if (req.context !== undefined) r.context = req.context;
    if (req.callerAccount !== undefined && principal === req.principal) r.callerAccount = req.callerAccount;
    // CreateGrant by another session or principal: the same grant (without it, an allow limited to
    // that grant would be unknown for them, and not shown as gained).
    if (a.short === 'CreateGrant' && req.grantRequest !== undefined) r.grantRequest = req.grantRequest;
    if (a.short === 'CreateGrant' && req.grantIsForAwsResource !== undefined) r.grantIsForAwsResource = req.grantIsForAwsResource;
    return r;
  };
  const out: Probe[] = [];
  const principals: Array<{ arn: string; who: SideEffect['who'] }> = [{ arn: req.principal, who: 'same-principal' }];
  if (caller.kind === 'assumed-role')
    principals.push({ arn: `arn:${caller.partition}:sts::${caller.account}:assumed-role/${caller.roleName}/${OTHER_SESSION}`, who: 'other-session' });
  const max = opts.maxOtherPrincipals ?? 25;
  let n = 0;
  for (const arn of Object.keys(s.principals)) {
    if (n >= max) break;
    const p = parsePrincipal(arn);
    if (p === null || p.kind === 'unique-id') continue;
    if (p.kind === 'role' && caller.kind === 'assumed-role' && p.account === caller.account && p.name === caller.roleName) continue;
    if (arn === req.principal) continue;
    if (
      p.kind === 'assumed-role' &&
      caller.kind === 'assumed-role' &&
      p.account === caller.account &&
      p.roleName === caller.roleName &&
      p.sessionName !== caller.sessionName
    ) {
      continue;
    }
    principals.push({ arn, who: 'other-principal' });
    n++;
  }
  for (const p of principals) {
    for (const a of actions) {
      const r = withCtx(p.arn, a);
      if (p.who === 'same-principal' && a.name === findAction(req.action)?.name) continue;
      out.push({ req: r, who: p.who, variant: 'with-context' });
    }
  }
  // The request's own action without its encryption context and kms:ViaService.
  const a = findAction(req.action)!;
  const hasCtx =
    (req.encryptionContext !== undefined && Object.keys(req.encryptionContext).length > 0 && a.takesEncryptionContext) || req.viaService !== undefined;
  if (hasCtx) {
    for (const p of principals.slice(0, caller.kind === 'assumed-role' ? 2 : 1)) {
      const r: Request = { ...keyRef, action: a.name, principal: p.arn };
      if (req.context !== undefined) r.context = req.context;
      if (a.short === 'CreateGrant' && req.grantRequest !== undefined) r.grantRequest = req.grantRequest;
      out.push({ req: r, who: p.who, variant: 'without-context' });
    }
  }
  return out;
}

function sideEffects(gained: Probe[], req: Request, caller: PrincipalRef, s: Snapshot): SideEffect[] {
  const groups = new Map<string, SideEffect>();
  const requestContext: SideEffect['requestContext'] = {
    encryptionContext: req.encryptionContext !== undefined && Object.keys(req.encryptionContext).length > 0,
    ...(req.viaService !== undefined ? { viaService: req.viaService } : {}),
  };
  for (const g of gained) {
    const k = `${g.who}|${g.req.principal}|${g.variant}`;
    let e = groups.get(k);
    if (e === undefined) {
      const subject: SideEffect['subject'] =
        g.who === 'same-principal'
          ? caller.kind === 'assumed-role'
            ? { kind: 'this-session' }
            : { kind: 'principal', arn: g.req.principal }
          : g.who === 'other-session'
            ? { kind: 'every-session', roleArn: policyPrincipalArn(s, caller) }
            : { kind: 'principal', arn: g.req.principal };
      e = { who: g.who, principal: g.req.principal, variant: g.variant, actions: [], subject, requestContext };
      groups.set(k, e);
    }
    e.actions.push(g.req.action);
  }
  return [...groups.values()];
}

/** The JSON a person pastes for a change (a statement, a whole policy document, or a grant). */
export function changeJson(c: FixChange): unknown {
  switch (c.kind) {
    case 'add-key-policy-statement':
      return c.statement;
    case 'add-identity-policy':
      return c.document;
    case 'add-boundary-statement':
      return c.statement;
    case 'remove-statement':
      return c.statement;
    case 'replace-statement':
      return c.after;
    case 'recreate-lambda-grant': {
      const g = c.grant;
      return {
        GranteePrincipal: g.granteePrincipal,
        RetiringPrincipal: g.retiringPrincipal,
        Operations: g.operations,
        Constraints: { EncryptionContextEquals: g.constraints?.encryptionContextEquals },
      };
    }
    case 'enable-key':
    case 'name-key-by':
      return undefined;
  }
}
