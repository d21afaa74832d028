// The change a hint proposes, as data, and how it is applied to a copy of the inputs. A hint is
// printed only when the request, evaluated again with its change, is allowed (evaluator.ts): so
// every change a hint names is one that kms-why has checked. Pure: the snapshot and request in,
// changed copies out; the originals are never touched (copy on write: unchanged policies are the
// same objects, so their compiled forms are shared with the evaluation they came from).
import type { Decision, HintNote } from '../model/decision.js';
import type { Grant } from '../model/grant.js';
import type { ConditionClause, Policy, PrincipalElement, Statement } from '../model/policy.js';
import type { PrincipalPolicies } from '../model/principal.js';
import { parsePrincipal } from '../model/arn.js';
import type { ContextValue, GrantRequest, Request } from '../model/request.js';
import type { OrgPolicyLevel, Snapshot } from '../model/snapshot.js';
import { isUnknown } from '../model/unknown.js';

/** One change to the inputs. Policies are named by the object the evaluation read. */
export type HintEdit =
  /** Append a statement to a policy (key policy, identity policy, boundary, session policy, SCP). */
  | { kind: 'add-statement'; policy: Policy; statement: Statement }
  /** Replace (or, with null, remove) the statement at `index` of a policy. */
  | { kind: 'replace-statement'; policy: Policy; index: number; statement: Statement | null }
  /** A new inline identity policy on the caller's role or user (its snapshot entry). */
  | { kind: 'attach-identity-policy'; principal: string; statement: Statement }
  /** A new grant on a key. */
  | { kind: 'add-grant'; keyArn: string; grant: Grant };

/** A hint that proposes a change: to the request (condition values, encryption context), the inputs, or both. */
export interface HintProposal {
  /** What the hint says (src/report/phrases.ts has the words). */
  note: HintNote;
  /** Condition keys (as written) and the values that would satisfy them (at least one each). */
  set: Array<[string, [string, ...string[]]]>;
  /** The encryption context to send instead (a grant constraint). */
  encryptionContext?: Record<string, string>;
  /** The grant tokens to present. */
  grantTokens?: string[];
  /** The KeyId to send instead (the key ARN or alias ARN, for a caller in another account). */
  keyIdentifier?: string;
  /** Changes to the policies and grants. */
  edits?: HintEdit[];
  /** A further change, made on the inputs this one produced (a hint that needs two changes). */
  next?: HintProposal;
}

/** The snapshot and request with the proposal (and the changes it chains) applied. */
export function applyProposal(s: Snapshot, request: Request, p: HintProposal): { snapshot: Snapshot; request: Request } {
  let snapshot = applyEdits(s, p.edits ?? []);
  let req = applyToRequest(request, p);
  if (p.next !== undefined) ({ snapshot, request: req } = applyProposal(snapshot, req, p.next));
  return { snapshot, request: req };
}

/** The proposals printed as hints of each explained decision, verified (kept beside it, not in the JSON contract; none when it has no entry). */
export const VERIFIED_HINTS = new WeakMap<Decision, HintProposal[]>();

/** Why a change cannot be applied to these inputs. */
export type NotApplicableReason =
  /** A statement to replace or remove is not in its policy. */
  | 'statement-missing'
  /** The key's grants, to add one to, could not be read (`arn`: the key). */
  | 'grants-unreadable'
  /** The principal to attach a policy to is not in the snapshot (`arn`: the principal). */
  | 'principal-missing'
  /** The identity policies, to add one to, could not be read (`arn`: the principal). */
  | 'identity-policies-unreadable'
  /** A policy or key the change names is not in the snapshot. */
  | 'input-missing'
  /** The key policy of an AWS managed key, which nobody can change (`arn`: the key). */
  | 'aws-managed-key-policy';

/**
 * A change that could not be applied to these inputs: the hint is then not printed (the evaluator
 * drops it without reading why; `reason` and `arn` say it, for a test or a debugger).
 */
export class EditNotApplicable extends Error {
  readonly reason: NotApplicableReason;
  readonly arn: string | undefined;
  constructor(reason: NotApplicableReason, arn?: string) {
    super(arn === undefined ? reason : `${reason}: ${arn}`);
    this.name = 'EditNotApplicable';
    this.reason = reason;
    this.arn = arn;
  }
}

/** The request with a proposal's values set (the proposal's condition keys no longer `--absent`). */
export function applyToRequest(request: Request, p: HintProposal): Request {
  if (p.set.length === 0 && p.encryptionContext === undefined && p.grantTokens === undefined && p.keyIdentifier === undefined) return request;
  const changed: Request = { ...request };
  if (p.grantTokens !== undefined) changed.grantTokens = p.grantTokens;
  if (p.keyIdentifier !== undefined) changed.keyIdentifier = p.keyIdentifier;
  if (p.encryptionContext !== undefined) changed.encryptionContext = p.encryptionContext;
  const context: Record<string, ContextValue> = { ...(request.context ?? {}) };
  // CreateGrant takes no encryption context: its kms:EncryptionContext keys are read from the
  // constraint of the grant to create (assumption createGrantEncryptionContext).
  const grantConstraint = request.grantRequest !== undefined && request.action.toLowerCase() === 'kms:creategrant';
  for (const [key, values] of p.set) {
    const lower = key.toLowerCase();
    if (lower.startsWith('kms:encryptioncontext:') && grantConstraint)
      changed.grantRequest = withConstraintPair(changed.grantRequest!, key.slice('kms:encryptioncontext:'.length), values[0]);
    else if (lower.startsWith('kms:encryptioncontext:'))
      changed.encryptionContext = { ...(changed.encryptionContext ?? {}), [key.slice('kms:encryptioncontext:'.length)]: values[0] };
    else if (lower === 'kms:viaservice') changed.viaService = values[0];
    else if (lower === 'aws:currenttime') changed.at = values[0];
    else if (lower === 'kms:encryptionalgorithm') changed.encryptionAlgorithm = values[0];
    else context[key] = values.length === 1 ? values[0] : values;
  }
  if (Object.keys(context).length > 0) changed.context = context;
  if (changed.absent !== undefined) changed.absent = changed.absent.filter((k) => !p.set.some(([key]) => key.toLowerCase() === k.toLowerCase()));
  return changed;
}

/** The grant to create with one more pair in its encryption-context constraint (its Equals one if it has one, else its Subset one). */
function withConstraintPair(g: GrantRequest, k: string, v: string): GrantRequest {
  const c = g.constraints ?? {};
  const eq = c.encryptionContextEquals;
  return {
    ...g,
    constraints:
      eq !== undefined && Object.keys(eq).length > 0
        ? { ...c, encryptionContextEquals: { ...eq, [k]: v } }
        : { ...c, encryptionContextSubset: { ...(c.encryptionContextSubset ?? {}), [k]: v } },
  };
}

/**
 * The snapshot with the edits applied. A managed policy (one ARN) is changed in every copy, as
 * changing it in IAM changes it for every principal it is attached to. Throws EditNotApplicable
 * when a policy to change is not in the snapshot or the input to change could not be read.
 */
export function applyEdits(s: Snapshot, edits: readonly HintEdit[]): Snapshot {
  if (edits.length === 0) return s;
  const policyEdits = edits.filter((e): e is Extract<HintEdit, { policy: Policy }> => 'policy' in e);
  const found = new Set<HintEdit>();
  const memo = new Map<Policy, Policy>();
  const editPolicy = (p: Policy): Policy => {
    const hit = memo.get(p);
    if (hit !== undefined) return hit;
    let out = p;
    for (const e of policyEdits) {
      const same = e.policy === p || (e.policy.arn !== undefined && e.policy.arn === p.arn && e.policy.source === p.source && e.policy.name === p.name);
      if (!same) continue;
      found.add(e);
      if (e.kind === 'add-statement') {
        const index = out.statements.reduce((m, x) => Math.max(m, x.index + 1), 0);
        out = { ...out, statements: [...out.statements, { ...e.statement, index }] };
      } else {
        const i = out.statements.findIndex((x) => x.index === e.index);
        if (i < 0) throw new EditNotApplicable('statement-missing');
        const next = [...out.statements];
        if (e.statement === null) next.splice(i, 1);
        else next[i] = { ...e.statement, index: e.index };
        out = { ...out, statements: next };
      }
    }
    memo.set(p, out);
    return out;
  };
  const list = (ps: Policy[]): Policy[] => {
    const out = ps.map(editPolicy);
    return out.every((p, i) => p === ps[i]) ? ps : out;
  };
  const levels = (m: Record<string, OrgPolicyLevel[]>): Record<string, OrgPolicyLevel[]> => {
    const out: Record<string, OrgPolicyLevel[]> = {};
    for (const [acct, ls] of Object.entries(m))
      out[acct] = ls.map((l) => {
        const ps = list(l.policies);
        return ps === l.policies ? l : { ...l, policies: ps };
      });
    return out;
  };

  const keys = s.keys.map((k) => {
    let out = k;
    if (!isUnknown(k.policy)) {
      const p = editPolicy(k.policy);
      // An AWS managed key's policy cannot be changed [KMS "AWS managed keys"]: no hint may ask it.
      if (p !== k.policy && k.metadata.keyManager === 'AWS') throw new EditNotApplicable('aws-managed-key-policy', k.metadata.arn);
      if (p !== k.policy) out = { ...out, policy: p };
    }
    for (const e of edits) {
      if (e.kind !== 'add-grant' || e.keyArn !== k.metadata.arn) continue;
      if (isUnknown(out.grants)) throw new EditNotApplicable('grants-unreadable', k.metadata.arn);
      found.add(e);
      out = { ...out, grants: [...out.grants, e.grant] };
    }
    return out;
  });

  const principals: Record<string, PrincipalPolicies> = {};
  for (const [arn, pp] of Object.entries(s.principals)) {
    let out = pp;
    if (!isUnknown(pp.identityPolicies)) {
      const ids = list(pp.identityPolicies);
      if (ids !== pp.identityPolicies) out = { ...out, identityPolicies: ids };
    }
    if (pp.permissionsBoundary !== null && !isUnknown(pp.permissionsBoundary)) {
      const b = editPolicy(pp.permissionsBoundary);
      if (b !== pp.permissionsBoundary) out = { ...out, permissionsBoundary: b };
    }
    if (pp.sessionPolicies !== undefined && !isUnknown(pp.sessionPolicies)) {
      const sp = list(pp.sessionPolicies);
      if (sp !== pp.sessionPolicies) out = { ...out, sessionPolicies: sp };
    }
    principals[arn] = out;
  }
  for (const e of edits) {
    if (e.kind !== 'attach-identity-policy') continue;
    const targets = identityEntries(principals, e.principal);
    if (targets.length === 0) throw new EditNotApplicable('principal-missing', e.principal);
    const policy: Policy = { source: 'identity-policy', name: 'kms-why-hint', statements: [{ ...e.statement, index: 0 }] };
    for (const [arn, pp] of targets) {
      if (isUnknown(pp.identityPolicies)) throw new EditNotApplicable('identity-policies-unreadable', arn);
      principals[arn] = { ...pp, identityPolicies: [...pp.identityPolicies, policy] };
    }
    found.add(e);
  }

  const out: Snapshot = { ...s, keys, principals };
  if (s.organization !== undefined) {
    out.organization = {
      ...s.organization,
      serviceControlPolicies: levels(s.organization.serviceControlPolicies),
      resourceControlPolicies: levels(s.organization.resourceControlPolicies),
    };
  }
  for (const e of edits) if (!found.has(e)) throw new EditNotApplicable('input-missing');
  return out;
}

/**
 * The entries whose identity policies the caller's evaluation reads: its own entry and, for a
 * session or a role given by name, the role's (a session reads its role's policies).
 */
function identityEntries(principals: Record<string, PrincipalPolicies>, principal: string): Array<[string, PrincipalPolicies]> {
  const out: Array<[string, PrincipalPolicies]> = [];
  const own = Object.hasOwn(principals, principal) ? principals[principal] : undefined;
  if (own !== undefined) out.push([principal, own]);
  const ref = parsePrincipal(principal);
  if (ref === null) return out;
  const kind = ref.kind === 'assumed-role' ? 'role' : ref.kind;
  const name = ref.kind === 'assumed-role' ? ref.roleName : ref.name;
  if (kind !== 'role' && kind !== 'user') return out;
  for (const [arn, pp] of Object.entries(principals)) {
    if (arn === principal) continue;
    const p = parsePrincipal(arn);
    if (p !== null && p.kind === kind && p.account === ref.account && p.name === name) {
      out.push([arn, pp]);
      break;
    }
  }
  return out;
}

// ── Statements the hints write ─────────────────────────────────────────────────────────────

export interface StatementSpec {
  sid: string;
  effect?: 'Allow' | 'Deny';
  /** AWS principal(s) for a key-policy statement; omitted in identity policies. */
  principal?: string[];
  service?: string[];
  action: string[];
  resource: string[];
  condition?: ConditionClause[];
}

/** A statement in the model, with the JSON it would be written as. */
export function statement(spec: StatementSpec): Statement {
  const raw: Record<string, unknown> = { Sid: spec.sid, Effect: spec.effect ?? 'Allow' };
  let principal: PrincipalElement | undefined;
  if (spec.principal !== undefined || spec.service !== undefined) {
    principal = { wildcard: false, aws: spec.principal ?? [], service: spec.service ?? [], federated: [], canonicalUser: [] };
    const p: Record<string, unknown> = {};
    if (principal.aws.length > 0) p.AWS = one(principal.aws);
    if (principal.service.length > 0) p.Service = one(principal.service);
    raw.Principal = p;
  }
  raw.Action = one(spec.action);
  raw.Resource = one(spec.resource);
  const condition = spec.condition ?? [];
  if (condition.length > 0) raw.Condition = conditionJson(condition);
  const st: Statement = { index: 0, sid: spec.sid, effect: spec.effect ?? 'Allow', action: spec.action, resource: spec.resource, condition, raw };
  if (principal !== undefined) st.principal = principal;
  return st;
}

/** The statement with one more condition clause (or the same operator and key with more values). */
export function withCondition(st: Statement, clause: ConditionClause): Statement {
  const condition = [...st.condition];
  const i = condition.findIndex((c) => c.operator === clause.operator && c.key.toLowerCase() === clause.key.toLowerCase());
  if (i >= 0) condition[i] = { ...condition[i]!, values: [...new Set([...condition[i]!.values, ...clause.values])] };
  else condition.push(clause);
  const raw = typeof st.raw === 'object' && st.raw !== null && !Array.isArray(st.raw) ? { ...(st.raw as Record<string, unknown>) } : {};
  raw.Condition = conditionJson(condition);
  return { ...st, condition, raw };
}

/** The statement with more entries in its NotPrincipal. */
export function withNotPrincipal(st: Statement, aws: string[]): Statement {
  const np = st.notPrincipal ?? { wildcard: false, aws: [], service: [], federated: [], canonicalUser: [] };
  const merged: PrincipalElement = { ...np, aws: [...new Set([...np.aws, ...aws])] };
  const raw = typeof st.raw === 'object' && st.raw !== null && !Array.isArray(st.raw) ? { ...(st.raw as Record<string, unknown>) } : {};
  const written = typeof raw.NotPrincipal === 'object' && raw.NotPrincipal !== null ? { ...(raw.NotPrincipal as Record<string, unknown>) } : {};
  written.AWS = one(merged.aws);
  raw.NotPrincipal = written;
  return { ...st, notPrincipal: merged, raw };
}

/** The statement with another Resource (and, optionally, one more condition). */
export function withResource(st: Statement, resource: string[]): Statement {
  const raw = typeof st.raw === 'object' && st.raw !== null && !Array.isArray(st.raw) ? { ...(st.raw as Record<string, unknown>) } : {};
  raw.Resource = one(resource);
  const out: Statement = { ...st, resource, raw };
  delete out.notResource;
  delete (raw as Record<string, unknown>).NotResource;
  return out;
}

function one(xs: string[]): string | string[] {
  return xs.length === 1 ? xs[0]! : xs;
}

function conditionJson(cs: ConditionClause[]): Record<string, Record<string, string | string[]>> {
  const out: Record<string, Record<string, string | string[]>> = {};
  for (const c of cs) (out[c.operator] ??= {})[c.key] = one(c.values);
  return out;
}

/** Two proposals that make the same changes (in any order) are one. */
export function editSignature(p: HintProposal): string {
  const parts = [
    ...p.set.map(([k, v]) => `set ${k.toLowerCase()}=${v.join(',')}`),
    ...(p.encryptionContext !== undefined ? [`ec ${JSON.stringify(p.encryptionContext)}`] : []),
    ...(p.grantTokens !== undefined ? [`tokens ${p.grantTokens.join(',')}`] : []),
    ...(p.keyIdentifier !== undefined ? [`key ${p.keyIdentifier}`] : []),
    ...(p.edits ?? []).map((e) =>
      e.kind === 'add-grant'
        ? `grant ${e.keyArn} ${JSON.stringify(e.grant)}`
        : e.kind === 'attach-identity-policy'
          ? `iam ${e.principal} ${JSON.stringify(e.statement.raw)}`
          : `${e.kind} ${e.policy.source}|${e.policy.arn ?? e.policy.name} ${e.kind === 'replace-statement' ? e.index : ''} ${JSON.stringify(e.statement?.raw ?? null)}`,
    ),
  ];
  if (p.next !== undefined) parts.push(editSignature(p.next));
  return parts.sort().join('\n');
}
