// Policies compiled once for many requests: actions indexed, patterns pre-built. Matching a
// statement ("does it apply?") lives here; combining effects lives in flowchart.ts only.
import { ACTIONS, type ActionInfo } from '../model/actions.js';
import type { ConditionMatch, ElementMatch, MismatchReason, StatementMatch } from '../model/decision.js';
import type { Policy, PolicySource, Statement } from '../model/policy.js';
import type { PrincipalRef } from '../model/principal.js';
import { compileCondition, evaluateConditions, globToRegExp, substituteVariables, type CompiledCondition, type ConditionEnv } from './conditions.js';
import { compilePrincipalElement, matchPrincipalElement, notPrincipalExempts, type CompiledPrincipalElement, type PrincipalMatch } from './principals.js';

export interface CompiledStatement {
  st: Statement;
  policy: Policy;
  id: string;
  conditions: CompiledCondition[];
  resourcePatterns: Array<RegExp | string> | undefined;
  notResourcePatterns: Array<RegExp | string> | undefined;
  principal: CompiledPrincipalElement | undefined;
  notPrincipal: CompiledPrincipalElement | undefined;
  /** Why the statement can never apply, when it cannot (docs/semantics.md#statement-matching). */
  ineffective?: string;
}

export interface CompiledPolicy {
  policy: Policy;
  statements: CompiledStatement[];
  /** Statements whose Action/NotAction covers the action, by ActionInfo.index. */
  byAction: CompiledStatement[][];
}

const RESOURCE_POLICY: ReadonlySet<PolicySource> = new Set(['key-policy', 'rcp']);

type ActionMatcher = (action: string) => boolean;

function actionMatcher(pattern: string): ActionMatcher {
  if (pattern === '*') return () => true;
  if (!pattern.includes('*') && !pattern.includes('?')) {
    const lower = pattern.toLowerCase();
    return (action) => action.toLowerCase() === lower;
  }
  const re = globToRegExp(pattern, true);
  return (action) => re.test(action);
}

/** Action/NotAction applies to the action (names and prefixes are case-insensitive [IAM-ACTION]). */
function coversWith(st: Statement, matchers: ActionMatcher[], action: string): boolean {
  if (st.action) return matchers.some((m) => m(action));
  if (st.notAction) return !matchers.some((m) => m(action));
  return false;
}

export function statementCoversAction(st: Statement, action: string): boolean {
  return coversWith(st, (st.action ?? st.notAction ?? []).map(actionMatcher), action);
}

function compileResource(list: string[] | undefined): Array<RegExp | string> | undefined {
  if (list === undefined) return undefined;
  return list.map((r) => (r.includes('${') ? r : r === '*' ? '*' : globToRegExp(r, false)));
}

export function statementId(policy: Policy, st: Statement): string {
  return st.sid !== undefined && st.sid !== '' ? st.sid : `${policy.name}#${st.index}`;
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  const statements = policy.statements.map((st): CompiledStatement => {
    const cs: CompiledStatement = {
      st,
      policy,
      id: statementId(policy, st),
      conditions: st.condition.map(compileCondition),
      resourcePatterns: compileResource(st.resource),
      notResourcePatterns: compileResource(st.notResource),
      principal: st.principal ? compilePrincipalElement(st.principal) : undefined,
      notPrincipal: st.notPrincipal ? compilePrincipalElement(st.notPrincipal) : undefined,
    };
    if (st.action === undefined && st.notAction === undefined) cs.ineffective = 'the statement has no Action, so it has no effect';
    else if (st.resource === undefined && st.notResource === undefined && policy.source !== 'scp') {
      // SCPs may omit Resource; key policies and identity policies may not [KMS-OVERVIEW].
      cs.ineffective = 'the statement has no Resource, so it has no effect';
    } else if (policy.source === 'key-policy' && st.principal === undefined && st.notPrincipal === undefined) {
      cs.ineffective = 'the statement has no Principal, so it applies to nobody';
    }
    return cs;
  });
  const matchers = statements.map((cs) => (cs.st.action ?? cs.st.notAction ?? []).map(actionMatcher));
  const byAction = ACTIONS.map((a) => statements.filter((cs, i) => coversWith(cs.st, matchers[i]!, a.name)));
  return { policy, statements, byAction };
}

export function statementsFor(cp: CompiledPolicy, action: ActionInfo): CompiledStatement[] {
  return cp.byAction[action.index] ?? [];
}

function resourceMatches(patterns: Array<RegExp | string>, resource: string, env: ConditionEnv): boolean | null {
  let unresolved = false;
  for (const p of patterns) {
    if (p === '*') return true;
    if (typeof p === 'string') {
      const s = substituteVariables(p, env.ctx);
      if (s === null) {
        unresolved = true;
        continue;
      }
      if (globToRegExp(s, false).test(resource)) return true;
    } else if (p.test(resource)) return true;
  }
  return unresolved ? null : false;
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
export function matchStatement(cs: CompiledStatement, args: MatchArgs, out?: StatementMatch): boolean {
  const { st, policy } = cs;
  let failed: MismatchReason | undefined;
  if (cs.ineffective !== undefined) {
    failed = 'ineffective-statement';
    if (out === undefined) return false;
    out.note = cs.ineffective;
  }
  // Principal: only resource-based policies have one.
  let pm: PrincipalMatch | undefined;
  if (RESOURCE_POLICY.has(policy.source)) {
    if (cs.principal) pm = matchPrincipalElement(cs.principal, args.caller);
    else if (cs.notPrincipal) {
      const exempt = notPrincipalExempts(cs.notPrincipal, args.caller);
      pm = exempt ? { matched: false } : { matched: true, via: 'not-principal' };
    } else if (policy.source === 'rcp') pm = { matched: true, via: 'wildcard' };
    if (pm && !pm.matched) {
      failed ??= st.notPrincipal ? 'not-principal' : 'principal';
      if (out === undefined) return false;
    }
  }
  // Resource
  let resOk: boolean | null = true;
  if (cs.resourcePatterns) resOk = resourceMatches(cs.resourcePatterns, args.resource, args.env);
  else if (cs.notResourcePatterns) {
    const r = resourceMatches(cs.notResourcePatterns, args.resource, args.env);
    resOk = r === null ? null : !r;
  } else if (cs.ineffective === undefined && policy.source === 'scp') resOk = true;
  if (resOk !== true) {
    failed ??= cs.notResourcePatterns ? 'not-resource' : 'resource';
    if (out === undefined) return false;
  }
  const condOut: ConditionMatch[] | undefined = out ? [] : undefined;
  const condOk = evaluateConditions(cs.conditions, args.env, st.effect, condOut);
  if (!condOk) failed ??= 'condition';
  if (out) {
    if (pm) {
      const written = st.principal ? principalStrings(st.principal) : st.notPrincipal ? principalStrings(st.notPrincipal) : ['*'];
      const e: ElementMatch = { written, against: args.caller.arn, matched: pm.matched };
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
