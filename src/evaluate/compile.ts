// Policies compiled once for many requests: actions indexed, patterns pre-built. Matching a
// statement ("does it apply?") lives here; combining effects lives in flowchart.ts only.
import { ACTIONS, type ActionInfo } from '../model/actions.js';
import type { ConditionMatch, ElementMatch, IneffectiveReason, MismatchReason, StatementMatch } from '../model/decision.js';
import type { Effect, Policy, PolicySource, Statement } from '../model/policy.js';
import type { PrincipalRef } from '../model/principal.js';
import { biased, compileCondition, evaluateConditions, resolveVariables, type CompiledCondition, type ConditionEnv } from './conditions.js';
import { compilePrincipalElement, matchPrincipalElement, notPrincipalExempts, type CompiledPrincipalElement, type PrincipalMatch } from './principals.js';
import { Wildcard, wildcard } from '../model/wildcard.js';

export interface CompiledStatement {
  st: Statement;
  policy: Policy;
  id: string;
  conditions: CompiledCondition[];
  resourcePatterns: ResourcePattern[] | undefined;
  notResourcePatterns: ResourcePattern[] | undefined;
  principal: CompiledPrincipalElement | undefined;
  notPrincipal: CompiledPrincipalElement | undefined;
  /** The policy is resource-based (a key policy or an RCP): its Principal element counts. */
  resourceBased: boolean;
  /** Principal (or NotPrincipal) as written, for the explanation: built once, shared by every record. */
  principalWritten: string[];
  /** Why the statement can never apply, when it cannot (docs/semantics.md#statement-matching). */
  ineffective?: IneffectiveReason;
  /** Whether a condition reads an aws:PrincipalTag key (by key or policy variable): found on first ask. */
  readsPrincipalTags?: boolean;
}

/** `'*'`, a compiled wildcard, or the text of a pattern with policy variables (compiled per request). */
export type ResourcePattern = Wildcard | string;

const RESOURCE_POLICY: ReadonlySet<PolicySource> = new Set(['key-policy', 'rcp']);

/** Action names lower-cased once, so that case-insensitive matching never lower-cases per test. */
const LOWER_NAMES: readonly string[] = ACTIONS.map((a) => a.name.toLowerCase());

/**
 * A policy compiled on demand. A request touches one action, so only the statements whose
 * Action/NotAction covers that action are compiled (conditions, resources, principals), and each
 * only once; `statements` and `byAction` compile the rest for callers that want everything.
 */
export class CompiledPolicy {
  readonly policy: Policy;
  private readonly compiledStatements: Array<CompiledStatement | undefined>;
  private readonly forAction: Array<CompiledStatement[] | undefined>;
  /**
   * covering's lists split by effect (by effectSlot). Made on first use: a caller's identity policies are read through StatementLists instead, and
   * a large account has tens of thousands of them.
   */
  private forEffect: Array<CompiledStatement[] | undefined> | undefined;
  /** Per statement, the actions its Action/NotAction covers (by ActionInfo.index), or null without either. */
  private covers: Array<Uint8Array | null> | undefined;
  private all: CompiledStatement[] | undefined;
  private allByAction: CompiledStatement[][] | undefined;

  /** Whether any statement is a Deny (an Allow): a scan for the other effect skips the policy without reading its lists. */
  readonly hasDeny: boolean;
  readonly hasAllow: boolean;

  constructor(policy: Policy) {
    this.policy = policy;
    let deny = false;
    let allow = false;
    for (const st of policy.statements) {
      if (st.effect === 'Deny') deny = true;
      else allow = true;
    }
    this.hasDeny = deny;
    this.hasAllow = allow;
    this.compiledStatements = new Array<CompiledStatement | undefined>(policy.statements.length);
    this.forAction = new Array<CompiledStatement[] | undefined>(ACTIONS.length);
  }

  /** Every statement, compiled. */
  get statements(): CompiledStatement[] {
    if (this.all === undefined) this.all = this.policy.statements.map((_, i) => this.statement(i));
    return this.all;
  }

  /** Statements whose Action/NotAction covers the action, by ActionInfo.index (all actions). */
  get byAction(): CompiledStatement[][] {
    if (this.allByAction === undefined) this.allByAction = ACTIONS.map((a) => this.covering(a));
    return this.allByAction;
  }

  /** Statements whose Action/NotAction covers the action, compiled on first use. */
  covering(action: ActionInfo): CompiledStatement[] {
    // Small enough to be inlined where a walk scans a policy: the list is made once, elsewhere.
    return this.forAction[action.index] ?? this.coverFirst(action);
  }

  /**
   * covering's statements of one effect, in order: a walk's scan for Deny (for Allow) reads no
   * statement of the other effect, nor a list at all where the policy has none.
   */
  coveringEffect(action: ActionInfo, effect: Effect): CompiledStatement[] {
    return this.forEffect?.[effectSlot(action, effect)] ?? this.effectFirst(action, effect);
  }

  private effectFirst(action: ActionInfo, effect: Effect): CompiledStatement[] {
    const list = this.ofEffect(action, effect, EMPTY);
    (this.forEffect ??= new Array<CompiledStatement[] | undefined>(ACTIONS.length * 2))[effectSlot(action, effect)] = list;
    return list;
  }

  /** covering's statements of one effect, appended to `into` (EMPTY: a new list, or EMPTY when there are none). */
  ofEffect(action: ActionInfo, effect: Effect, into: CompiledStatement[]): CompiledStatement[] {
    let list = into;
    if (effect === 'Deny' ? this.hasDeny : this.hasAllow) {
      for (const cs of this.covering(action)) {
        if (cs.st.effect !== effect) continue;
        if (list === EMPTY) list = [];
        list.push(cs);
      }
    }
    return list;
  }

  /**
   * Per statement, the actions its Action/NotAction covers (by ActionInfo.index; null without
   * either): one array per distinct list, shared with other policies. Not to be changed.
   */
  actionCovers(): ReadonlyArray<Uint8Array | null> {
    // Each statement's Action/NotAction as the set of actions it covers, made once per
    // statement from its patterns' sets (actionsMatched): no pattern is tested per action.
    this.covers ??= this.policy.statements.map((st) => {
      const written = st.action ?? st.notAction;
      return written === undefined ? null : actionSet(written, st.action === undefined);
    });
    return this.covers;
  }

  /** The statement at `index` in the policy, compiled (the object every list of this policy holds). */
  statementAt(index: number): CompiledStatement {
    return this.statement(index);
  }

  private coverFirst(action: ActionInfo): CompiledStatement[] {
    let list = this.forAction[action.index];
    if (list === undefined) {
      list = EMPTY;
      const sts = this.policy.statements;
      const covers = this.actionCovers();
      for (let i = 0; i < sts.length; i++) {
        const c = covers[i];
        if (c === null || c === undefined || c[action.index] === 0) continue;
        if (list === EMPTY) list = [];
        list.push(this.statement(i));
      }
      this.forAction[action.index] = list;
    }
    return list;
  }

  private statement(i: number): CompiledStatement {
    let cs = this.compiledStatements[i];
    if (cs === undefined) {
      cs = compileStatement(this.policy, this.policy.statements[i]!);
      this.compiledStatements[i] = cs;
    }
    return cs;
  }
}

const EMPTY: CompiledStatement[] = [];

/** Where the lists of one action and effect are kept (forEffect, StatementLists): Allow at 2 × action index, Deny after it. */
function effectSlot(action: ActionInfo, effect: Effect): number {
  return action.index * 2 + (effect === 'Deny' ? 1 : 0);
}

/**
 * The actions an Action (or, `not`, NotAction) list covers: one set per distinct list, shared by
 * every statement that writes it. Bounded like the wildcard cache, so that a huge account does
 * not keep every list.
 */
const setsByList = new Map<string, Uint8Array>();
function actionSet(written: readonly string[], not: boolean): Uint8Array {
  // Each pattern with its length first: no two lists read alike, whatever their patterns hold.
  let k = not ? '!' : '=';
  for (const p of written) k += `${p.length}:${p}`;
  let set = setsByList.get(k);
  if (set === undefined) {
    set = new Uint8Array(ACTIONS.length);
    for (const a of written) {
      const m = actionsMatched(a);
      for (let x = 0; x < set.length; x++) set[x] = set[x]! | m[x]!;
    }
    if (not) for (let x = 0; x < set.length; x++) set[x] = set[x]! ^ 1;
    if (setsByList.size >= 20000) setsByList.clear();
    setsByList.set(k, set);
  }
  return set;
}
/**
 * The actions an Action pattern matches (1 by ActionInfo.index), tested once per pattern text:
 * policies repeat the same few patterns (kms:*, kms:Decrypt, kms:Describe*…) across thousands of
 * roles.
 */
const matchedBy = new Map<string, Uint8Array>();
function actionsMatched(pattern: string): Uint8Array {
  let m = matchedBy.get(pattern);
  if (m === undefined) {
    m = new Uint8Array(ACTIONS.length);
    const w = wildcard(pattern, true);
    for (let x = 0; x < ACTIONS.length; x++) if (w.testLower(LOWER_NAMES[x]!)) m[x] = 1;
    if (matchedBy.size >= 20000) matchedBy.clear();
    matchedBy.set(pattern, m);
  }
  return m;
}
const STAR: string[] = ['*'];

/** Action/NotAction applies to the action (names and prefixes are case-insensitive [IAM-ACTION]). */
export function statementCoversAction(st: Statement, action: string): boolean {
  const name = action.toLowerCase();
  if (st.action) return st.action.some((a) => wildcard(a, true).testLower(name));
  if (st.notAction) return !st.notAction.some((a) => wildcard(a, true).testLower(name));
  return false;
}

function compileResource(list: string[] | undefined): ResourcePattern[] | undefined {
  if (list === undefined) return undefined;
  return list.map((r) => (r.includes('${') ? r : wildcard(r)));
}

export function statementId(policy: Policy, st: Statement): string {
  return st.sid !== undefined && st.sid !== '' ? st.sid : `${policy.name}#${st.index}`;
}

function compileStatement(policy: Policy, st: Statement): CompiledStatement {
  const cs: CompiledStatement = {
    st,
    policy,
    id: statementId(policy, st),
    conditions: st.condition.map(compileCondition),
    resourcePatterns: compileResource(st.resource),
    notResourcePatterns: compileResource(st.notResource),
    principal: st.principal ? compilePrincipalElement(st.principal) : undefined,
    notPrincipal: st.notPrincipal ? compilePrincipalElement(st.notPrincipal) : undefined,
    resourceBased: RESOURCE_POLICY.has(policy.source),
    principalWritten: st.principal ? principalStrings(st.principal) : st.notPrincipal ? principalStrings(st.notPrincipal) : STAR,
  };
  if (st.action === undefined && st.notAction === undefined) cs.ineffective = 'no-action';
  else if (st.resource === undefined && st.notResource === undefined && policy.source !== 'scp') {
    // SCPs may omit Resource; key policies and identity policies may not [KMS-OVERVIEW].
    cs.ineffective = 'no-resource';
  } else if (policy.source === 'key-policy' && st.principal === undefined && st.notPrincipal === undefined) {
    cs.ineffective = 'no-principal';
  }
  return cs;
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  return new CompiledPolicy(policy);
}

export function statementsFor(cp: CompiledPolicy, action: ActionInfo): CompiledStatement[] {
  return cp.covering(action);
}

/**
 * A list of policies read as one (a caller's identity policies): per action and effect, the
 * statements of every policy in order, gathered on first use. A walk's scan then reads one list
 * instead of each policy's, most of which have no statement of that effect for the action.
 */
export class StatementLists {
  private readonly lists: Array<CompiledStatement[] | undefined> = new Array<CompiledStatement[] | undefined>(ACTIONS.length * 2);
  constructor(readonly policies: CompiledPolicy[]) {}

  of(action: ActionInfo, effect: Effect): CompiledStatement[] {
    return this.lists[effectSlot(action, effect)] ?? this.first(action, effect);
  }

  private first(action: ActionInfo, effect: Effect): CompiledStatement[] {
    let list = EMPTY;
    for (const cp of this.policies) list = cp.ofEffect(action, effect, list);
    this.lists[effectSlot(action, effect)] = list;
    return list;
  }
}

/**
 * Whether a Resource/NotResource list covers the resource. An entry whose policy variable has no
 * value matches no resource [IAM policy variables]; one whose variable is unknown goes the way
 * of the world's bias (for Resource; the reverse for NotResource, `negate`).
 */
function resourceMatches(patterns: ResourcePattern[], resource: string, env: ConditionEnv, effect: Effect, negate: boolean): boolean {
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i]!;
    if (p === '*') return true;
    if (typeof p === 'string') {
      const r = resolveVariables(p, env.ctx);
      if ('unknown' in r) {
        const applies = biased(env, effect, r.unknown, r.unknown.name.toLowerCase());
        if (applies !== negate) return true;
        continue;
      }
      if ('noValue' in r) continue;
      if ((r.literals !== undefined ? new Wildcard(r.text, false, false, r.literals) : wildcard(r.text)).test(resource)) return true;
    } else if (p.test(resource)) return true;
  }
  return false;
}

export interface MatchArgs {
  caller: PrincipalRef;
  /** The resources the request is authorized against in this policy (all must match). */
  resource: string;
  env: ConditionEnv;
}

/**
 * Does the statement apply to the request? Action is assumed to be covered already (the caller
 * took the statement from `statementsFor`). With `out`, fills the explanation.
 */
export function matchStatement(cs: CompiledStatement, args: MatchArgs, out?: StatementMatch, principal?: PrincipalMatch): boolean {
  const { st, policy } = cs;
  let failed: MismatchReason | undefined;
  if (cs.ineffective !== undefined) {
    failed = 'ineffective-statement';
    if (out === undefined) return false;
    out.note = cs.ineffective;
  }
  // Principal: only resource-based policies have one.
  let pm: PrincipalMatch | undefined;
  if (cs.resourceBased) {
    pm = principal ?? statementPrincipal(cs, args.caller);
    if (pm && !pm.matched) {
      failed ??= st.notPrincipal ? 'not-principal' : 'principal';
      if (out === undefined) return false;
    }
  }
  // Resource
  let resOk = true;
  if (cs.resourcePatterns) resOk = resourceMatches(cs.resourcePatterns, args.resource, args.env, st.effect, false);
  else if (cs.notResourcePatterns) resOk = !resourceMatches(cs.notResourcePatterns, args.resource, args.env, st.effect, true);
  else if (cs.ineffective === undefined && policy.source === 'scp') resOk = true;
  if (resOk !== true) {
    failed ??= cs.notResourcePatterns ? 'not-resource' : 'resource';
    if (out === undefined) return false;
  }
  const condOut: ConditionMatch[] | undefined = out ? [] : undefined;
  // A statement that failed already is evaluated on for its record only (a near miss shows its
  // conditions too): in an environment of its own, so that the unknown keys and assumptions its
  // conditions read count for nothing, as in the verdict-only walk, which stops at the failure.
  const env = failed === undefined ? args.env : { ctx: args.env.ctx, bias: args.env.bias };
  const condOk = evaluateConditions(cs.conditions, env, st.effect, condOut);
  if (!condOk) failed ??= 'condition';
  if (out) {
    if (pm) {
      const e: ElementMatch = { written: cs.principalWritten, against: args.caller.arn, matched: pm.matched };
      if (pm.via !== undefined) e.via = pm.via;
      out.principal = e;
    }
    out.resource = { written: st.resource ?? st.notResource ?? [], against: args.resource, matched: resOk === true };
    out.conditions = condOut ?? [];
    out.matched = failed === undefined;
    if (failed !== undefined) out.failed = failed;
  }
  return failed === undefined;
}

const NOT_PRINCIPAL_EXEMPT: PrincipalMatch = { matched: false };
const NOT_PRINCIPAL_APPLIES: PrincipalMatch = { matched: true, via: 'not-principal' };
const RCP_PRINCIPAL: PrincipalMatch = { matched: true, via: 'wildcard' };

/** How the Principal (or NotPrincipal) of a statement of a resource-based policy covers the caller (undefined: it has neither, and is no RCP). */
function statementPrincipal(cs: CompiledStatement, caller: PrincipalRef): PrincipalMatch | undefined {
  if (cs.principal) return matchPrincipalElement(cs.principal, caller);
  if (cs.notPrincipal) return notPrincipalExempts(cs.notPrincipal, caller) ? NOT_PRINCIPAL_EXEMPT : NOT_PRINCIPAL_APPLIES;
  if (cs.policy.source === 'rcp') return RCP_PRINCIPAL;
  return undefined;
}

/**
 * matchStatement with the explanation: the record of how the statement matched, or undefined for
 * a statement of a resource-based policy whose Principal does not cover the caller. No
 * explanation lists such a record (the walk lists matches, near misses — failed on a condition —,
 * account delegations and statements failed on their Resource), so none is built; nor are its
 * Resource and conditions evaluated, as the verdict-only walk does not: a key only such a
 * statement reads decides nothing, and the explanation must not say it was consulted.
 */
export function matchRecorded(cs: CompiledStatement, args: MatchArgs, action: string): StatementMatch | undefined {
  const pm = cs.resourceBased ? statementPrincipal(cs, args.caller) : undefined;
  if (pm !== undefined && !pm.matched) return undefined;
  const rec = newStatementMatch(cs, action);
  matchStatement(cs, args, rec, pm);
  return rec;
}

export function principalStrings(el: { wildcard: boolean; aws: string[]; service: string[]; federated: string[]; canonicalUser: string[] }): string[] {
  return [...(el.wildcard ? ['*'] : []), ...el.aws, ...el.service, ...el.federated, ...el.canonicalUser];
}

/** The principal match of a statement, for combining (named vs account vs `*`). */
export function principalVia(cs: CompiledStatement, caller: PrincipalRef): PrincipalMatch {
  if (cs.principal) return matchPrincipalElement(cs.principal, caller);
  if (cs.notPrincipal) return notPrincipalExempts(cs.notPrincipal, caller) ? { matched: false } : { matched: true, via: 'not-principal' };
  return { matched: true, via: 'wildcard' };
}

export function newStatementMatch(cs: CompiledStatement, action: string): StatementMatch {
  return {
    source: cs.policy.source,
    policyName: cs.policy.name,
    id: cs.id,
    statementIndex: cs.st.index,
    effect: cs.st.effect,
    matched: false,
    conditions: [],
    action: { written: cs.st.action ?? cs.st.notAction ?? [], against: action, matched: true },
  };
}
