// Condition operators (docs/semantics.md#conditions, [IAM-OPS], [IAM-MULTI]) and policy variables.
import { parseOperator, type ParsedOperator } from '../model/condition-operators.js';
import type { ConditionMatch } from '../model/decision.js';
import type { ConditionClause, Effect } from '../model/policy.js';
import { contextGet, isUnknownKey, type RequestContext } from './context.js';

export interface CompiledCondition {
  clause: ConditionClause;
  op: ParsedOperator;
  key: string;
  values: string[];
  hasVariables: boolean;
  /** Pre-built matchers for wildcard operators without variables. */
  patterns?: RegExp[];
}

/**
 * In a world where some input could not be read, a condition on such a key resolves in favour
 * of one verdict: 'allow' makes it help Allow statements and not Deny statements; 'deny' the
 * reverse. With both worlds computed, a verdict that holds in each does not depend on the key.
 */
export type UnknownBias = 'allow' | 'deny' | null;

export interface ConditionEnv {
  ctx: RequestContext;
  bias: UnknownBias;
}

const VAR_RE = /\$\{([^}]*)\}/g;

export function compileCondition(clause: ConditionClause): CompiledCondition {
  const op = parseOperator(clause.operator);
  if (op === null) throw new Error(`unknown operator ${clause.operator}`); // validated by the parser
  const hasVariables = clause.values.some((v) => v.includes('${'));
  const c: CompiledCondition = { clause, op, key: clause.key.toLowerCase(), values: clause.values, hasVariables };
  if (!hasVariables && (op.base === 'StringLike' || op.base === 'StringNotLike')) {
    c.patterns = clause.values.map((v) => globToRegExp(v, false));
  }
  return c;
}

/** IAM wildcards: `*` any run, `?` one character; everything else literal. */
export function globToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(re + '$', ignoreCase ? 'is' : 's');
}

/**
 * Substitutes `${key}` and `${key, 'default'}` from the request context. `${*}`, `${?}`, `${$}`
 * stand for the literal characters. Returns null when a variable has no value and no default:
 * "If AWS cannot resolve a variable this can cause the entire statement to be invalid"
 * [IAM policy variables], so the caller treats the element as not matching.
 */
export function substituteVariables(text: string, ctx: RequestContext): string | null {
  if (!text.includes('${')) return text;
  let failed = false;
  const out = text.replace(VAR_RE, (_m, inner: string) => {
    const body = inner.trim();
    if (body === '*' || body === '?' || body === '$') return body;
    const m = /^([^,]+?)\s*,\s*'([^']*)'$/.exec(body);
    const name = (m ? m[1]! : body).trim().toLowerCase();
    const vals = contextGet(ctx, name);
    if (vals !== undefined && vals.length === 1) return vals[0]!;
    if (m) return m[2]!;
    failed = true;
    return '';
  });
  return failed ? null : out;
}

function parseNumber(s: string): number | null {
  if (s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function parseDate(s: string): number | null {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000; // epoch seconds
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

function parseIp(s: string): { v6: boolean; bits: bigint; prefix: number } | null {
  const [addr, pfx] = s.trim().split('/') as [string, string | undefined];
  if (addr.includes(':')) {
    const bits = parseIpv6(addr);
    if (bits === null) return null;
    const prefix = pfx === undefined ? 128 : Number(pfx);
    return Number.isInteger(prefix) && prefix >= 0 && prefix <= 128 ? { v6: true, bits, prefix } : null;
  }
  const parts = addr.split('.');
  if (parts.length !== 4) return null;
  let bits = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    bits = (bits << 8n) | BigInt(Number(p));
  }
  const prefix = pfx === undefined ? 32 : Number(pfx);
  return Number.isInteger(prefix) && prefix >= 0 && prefix <= 32 ? { v6: false, bits, prefix } : null;
}

function parseIpv6(addr: string): bigint | null {
  const halves = addr.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8) return null;
  let bits = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    bits = (bits << 16n) | BigInt(parseInt(g, 16));
  }
  return bits;
}

function ipInCidr(value: string, cidr: string): boolean {
  const v = parseIp(value);
  const c = parseIp(cidr);
  if (v === null || c === null || v.v6 !== c.v6) return false;
  const width = c.v6 ? 128 : 32;
  const shift = BigInt(width - c.prefix);
  return v.bits >> shift === c.bits >> shift;
}

/** ARN operators compare each of the six colon-separated parts separately, case-sensitively [IAM-OPS]. */
function arnLike(value: string, pattern: string): boolean {
  const vp = value.split(':');
  const pp = pattern.split(':');
  if (pp.length < 6 || vp.length < 6) return pattern === '*' ? true : false;
  const vParts = [...vp.slice(0, 5), vp.slice(5).join(':')];
  const pParts = [...pp.slice(0, 5), pp.slice(5).join(':')];
  for (let i = 0; i < 6; i++) {
    if (!globToRegExp(pParts[i]!, false).test(vParts[i]!)) return false;
  }
  return true;
}

function base64Equal(value: string, policy: string): boolean {
  // BinaryEquals compares bytes; the request value is given base64-encoded like the policy value.
  try {
    return Buffer.from(value, 'base64').equals(Buffer.from(policy, 'base64'));
  } catch {
    return false;
  }
}

/** The positive comparison of one request value with one policy value. */
function compare(c: CompiledCondition, value: string, policy: string, index: number, resolved: boolean): boolean {
  switch (c.op.base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return value === policy;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return value.toLowerCase() === policy.toLowerCase();
    case 'StringLike':
    case 'StringNotLike': {
      const re = !resolved && c.patterns ? c.patterns[index]! : globToRegExp(policy, false);
      return re.test(value);
    }
    case 'NumericEquals':
    case 'NumericNotEquals':
    case 'NumericLessThan':
    case 'NumericLessThanEquals':
    case 'NumericGreaterThan':
    case 'NumericGreaterThanEquals': {
      const a = parseNumber(value);
      const b = parseNumber(policy);
      if (a === null || b === null) return false;
      return numericCompare(c.op.base, a, b);
    }
    case 'DateEquals':
    case 'DateNotEquals':
    case 'DateLessThan':
    case 'DateLessThanEquals':
    case 'DateGreaterThan':
    case 'DateGreaterThanEquals': {
      const a = parseDate(value);
      const b = parseDate(policy);
      if (a === null || b === null) return false;
      return numericCompare(c.op.base.replace('Date', 'Numeric'), a, b);
    }
    case 'Bool':
      return value.toLowerCase() === policy.toLowerCase();
    case 'BinaryEquals':
      return base64Equal(value, policy);
    case 'IpAddress':
    case 'NotIpAddress':
      return ipInCidr(value, policy);
    case 'ArnEquals':
    case 'ArnLike':
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return arnLike(value, policy);
    case 'Null':
      return false; // handled separately
  }
}

function numericCompare(base: string, a: number, b: number): boolean {
  switch (base) {
    case 'NumericEquals':
    case 'NumericNotEquals':
      return a === b;
    case 'NumericLessThan':
      return a < b;
    case 'NumericLessThanEquals':
      return a <= b;
    case 'NumericGreaterThan':
      return a > b;
    default:
      return a >= b;
  }
}

/**
 * Evaluates one condition clause. With `out`, records what was compared. Returns whether the
 * clause holds; a clause on a key that could not be read resolves by `env.bias` and the
 * statement's effect.
 */
export function evaluateCondition(c: CompiledCondition, env: ConditionEnv, effect: Effect, out?: ConditionMatch[]): boolean {
  const { ctx } = env;
  const actual = contextGet(ctx, c.key);
  let policyValues = c.values;
  let unresolved = false;
  if (c.hasVariables) {
    const resolved: string[] = [];
    for (const v of c.values) {
      const r = substituteVariables(v, ctx);
      if (r === null) unresolved = true;
      else resolved.push(r);
    }
    policyValues = resolved;
  }

  if (actual === undefined && isUnknownKey(ctx, c.key)) {
    const result = env.bias === null ? false : (effect === 'Allow') === (env.bias === 'allow');
    out?.push({ operator: c.clause.operator, key: c.clause.key, expected: policyValues, actual: null, matched: result, missing: false, unknown: true, note: 'the value of this key could not be read' });
    return result;
  }

  let matched: boolean;
  let note: string | undefined;
  if (unresolved) {
    matched = false;
    note = 'a policy variable in this condition has no value in the request, which makes the statement invalid';
  } else if (c.op.base === 'Null') {
    // Null: "true" means the key must be absent; "false" that it is present [IAM-OPS].
    const absent = actual === undefined || actual.length === 0;
    matched = policyValues.some((p) => (p.toLowerCase() === 'true' ? absent : !absent));
  } else {
    matched = evaluatePresentOrAbsent(c, actual, policyValues);
  }
  if (out) {
    const rec: ConditionMatch = {
      operator: c.clause.operator,
      key: c.clause.key,
      expected: policyValues,
      actual: actual ?? null,
      matched,
      missing: actual === undefined,
    };
    if (note !== undefined) rec.note = note;
    out.push(rec);
  }
  return matched;
}

function evaluatePresentOrAbsent(c: CompiledCondition, actual: string[] | undefined, policyValues: string[]): boolean {
  const { op } = c;
  const resolved = c.hasVariables;
  if (actual === undefined || actual.length === 0) {
    // Missing key: IfExists → true; ForAllValues → true (absent or empty set); ForAnyValue →
    // false; a negated operator → true; anything else → false [IAM-OPS, IAM-MULTI].
    if (op.set === 'ForAllValues') return true;
    if (op.set === 'ForAnyValue') return false;
    if (op.ifExists) return true;
    return op.negated;
  }
  // One request value against all policy values: OR for positive operators, NOR for negated ones.
  const valueMatches = (v: string): boolean => {
    let any = false;
    for (let i = 0; i < policyValues.length; i++) {
      if (compare(c, v, policyValues[i]!, i, resolved)) {
        any = true;
        break;
      }
    }
    return op.negated ? !any : any;
  };
  if (op.set === 'ForAllValues') return actual.every(valueMatches);
  if (op.set === 'ForAnyValue') return actual.some(valueMatches);
  // A plain operator on a multi-valued key: positive operators need one matching value; negated
  // operators need every value to match none of the policy values.
  return op.negated ? actual.every(valueMatches) : actual.some(valueMatches);
}

export function evaluateConditions(conds: CompiledCondition[], env: ConditionEnv, effect: Effect, out?: ConditionMatch[]): boolean {
  let all = true;
  for (const c of conds) {
    if (!evaluateCondition(c, env, effect, out)) {
      all = false;
      if (out === undefined) return false;
    }
  }
  return all;
}
