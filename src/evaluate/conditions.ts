// Condition operators (docs/semantics.md#conditions, [IAM-OPS], [IAM-MULTI]) and policy variables.
import { parseOperator, type ParsedOperator } from '../model/condition-operators.js';
import type { ConditionMatch, ConditionNote } from '../model/decision.js';
import type { ConditionClause, Effect } from '../model/policy.js';
import { BlockList } from 'node:net';
import { dateLacksOffset, parseCidr, parseDate, parseNumber } from '../model/condition-values.js';
import { contextGet, keyAssumption, missingKeyInfo, type RequestContext, type UnknownKeyInfo } from './context.js';
import { Wildcard, wildcard } from '../model/wildcard.js';

export interface CompiledCondition {
  clause: ConditionClause;
  op: ParsedOperator;
  key: string;
  values: string[];
  hasVariables: boolean;
  /** Pre-built matchers for wildcard operators without variables. */
  patterns?: Wildcard[];
  /** ARN operators without variables: each value taken apart into its six parts once. */
  arnPatterns?: ArnPattern[];
  /** A Date operator (its values may lack an offset: an assumption to record). */
  isDate: boolean;
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
  /**
   * Every unknown key a condition consulted (by lower-case name), made on the first one (most
   * requests consult none). A verdict reached without consulting one does not depend on it;
   * otherwise the evaluator decides in both worlds.
   */
  touched?: Map<string, UnknownKeyInfo>;
  /** Filled with the ids of assumptions a condition relied on (e.g. a date read as UTC). */
  assumed?: Set<string>;
  /**
   * The effects of the statements an unknown key was consulted for (1: an Allow, 2: a Deny). A
   * walk in the actual world that consulted unknowns for Allow statements only took every branch
   * the restrictive world takes (both count such a condition as not holding), and one for Deny
   * statements only every branch the permissive world takes (evaluator.ts reuses it).
   */
  biasedSides?: number;
}

const VAR_RE = /\$\{([^}]*)\}/g;

export function compileCondition(clause: ConditionClause): CompiledCondition {
  const op = parseOperator(clause.operator);
  if (op === null) throw new Error(`unknown operator ${clause.operator}`); // validated by the parser
  const hasVariables = clause.values.some((v) => v.includes('${'));
  const c: CompiledCondition = { clause, op, key: clause.key.toLowerCase(), values: clause.values, hasVariables, isDate: op.base.startsWith('Date') };
  if (!hasVariables && (op.base === 'StringLike' || op.base === 'StringNotLike')) {
    c.patterns = clause.values.map((v) => wildcard(v));
  }
  if (!hasVariables && op.base.startsWith('Arn')) c.arnPatterns = clause.values.map((v) => arnPattern(v));
  return c;
}

/**
 * A policy value after substitution: its text, or why it has none. `literals`: where the text
 * holds a `*` or `?` written `${*}` or `${?}`, which a wildcard operator matches as the character
 * itself [IAM policy variables, "Special characters"] (absent: none).
 */
export type Resolution = { text: string; literals?: number[] } | { noValue: true } | { unknown: UnknownKeyInfo };

/**
 * Substitutes `${key}` and `${key, 'default'}` from the request context. `${*}`, `${?}`, `${$}`
 * stand for the literal characters. A variable whose key the request does not carry (and no
 * default) leaves the value with *no value*: it then matches nothing — positive operators are
 * false on it, negated ones true, and a Resource entry with it matches no resource [IAM policy
 * variables, "Policy variables with no value"]. A variable whose key is unknown (unreadable or
 * underivable) leaves the value unknown.
 */
export function resolveVariables(text: string, ctx: RequestContext): Resolution {
  if (!text.includes('${')) return { text };
  let noValue = false;
  let unknown: UnknownKeyInfo | undefined;
  let out = '';
  let literals: number[] | undefined;
  for (const seg of templateOf(text)) {
    if (typeof seg === 'string') {
      out += seg;
      continue;
    }
    if ('literal' in seg) {
      if (seg.literal !== '$') (literals ??= []).push(out.length);
      out += seg.literal;
      continue;
    }
    const vals = contextGet(ctx, seg.name);
    if (vals !== undefined && vals.length === 1) {
      out += vals[0]!;
      continue;
    }
    const u = vals === undefined ? missingKeyInfo(ctx, seg.name) : undefined;
    if (u !== undefined) unknown ??= u;
    else if (seg.fallback !== undefined) out += seg.fallback;
    else noValue = true;
  }
  if (unknown !== undefined) return { unknown };
  if (noValue) return { noValue: true };
  return literals === undefined ? { text: out } : { text: out, literals };
}

/** A text with policy variables taken apart once: literal runs, special characters, and variables (lower-case key, default). */
type TemplateSegment = string | { literal: '*' | '?' | '$' } | { name: string; fallback: string | undefined };

const templates = new Map<string, TemplateSegment[]>();

function templateOf(text: string): TemplateSegment[] {
  let t = templates.get(text);
  if (t !== undefined) return t;
  t = [];
  let last = 0;
  for (const m of text.matchAll(VAR_RE)) {
    if (m.index > last) t.push(text.slice(last, m.index));
    last = m.index + m[0].length;
    const body = m[1]!.trim();
    if (body === '*' || body === '?' || body === '$') {
      t.push({ literal: body });
      continue;
    }
    const d = /^([^,]+?)\s*,\s*'([^']*)'$/.exec(body);
    t.push({ name: (d ? d[1]! : body).trim().toLowerCase(), fallback: d ? d[2]! : undefined });
  }
  if (last < text.length) t.push(text.slice(last));
  if (templates.size >= 10_000) templates.clear();
  templates.set(text, t);
  return t;
}

/** The substituted text, or null when a variable has no value or an unknown one. */
export function substituteVariables(text: string, ctx: RequestContext): string | null {
  const r = resolveVariables(text, ctx);
  return 'text' in r ? r.text : null;
}

/** The result an unknown condition or element takes in a biased world (false in the actual one). */
export function biased(env: ConditionEnv, effect: Effect, info: UnknownKeyInfo, lowerKey: string): boolean {
  (env.touched ??= new Map()).set(lowerKey, info);
  env.biasedSides = (env.biasedSides ?? 0) | (effect === 'Allow' ? 1 : 2);
  return env.bias === null ? false : (effect === 'Allow') === (env.bias === 'allow');
}

const blockLists = new Map<string, BlockList | null>();

/** Is the address inside the CIDR block? IPv4 and IPv6 never match each other. */
export function ipInCidr(value: string, cidr: string): boolean {
  const a = parseCidr(value);
  if (a === null || a.prefix !== (a.type === 'ipv4' ? 32 : 128)) return false;
  let bl = blockLists.get(cidr);
  if (bl === undefined) {
    const c = parseCidr(cidr);
    if (c === null) bl = null;
    else {
      bl = new BlockList();
      bl.addSubnet(c.address, c.prefix, c.type);
    }
    if (blockLists.size > 10_000) blockLists.clear();
    blockLists.set(cidr, bl);
  }
  if (bl === null) return false;
  return bl.check(a.address, a.type);
}

/** An ARN pattern taken apart: its six colon-separated parts, the last keeping its colons. */
export type ArnPattern = Wildcard[] | 'any' | 'none';

export function arnPattern(pattern: string, literals?: readonly number[]): ArnPattern {
  if (literals !== undefined && literals.length > 0) {
    // `${*}` as the whole value is a literal star, not "any ARN".
    const cuts: number[] = [];
    for (let i = pattern.indexOf(':'); i >= 0 && cuts.length < 5; i = pattern.indexOf(':', i + 1)) cuts.push(i);
    if (cuts.length < 5) return 'none';
    const starts = [0, ...cuts.map((c) => c + 1)];
    return starts.map((a, i) => {
      const b = i < 5 ? cuts[i]! : pattern.length;
      const own = literals.filter((l) => l >= a && l < b).map((l) => l - a);
      return own.length > 0 ? new Wildcard(pattern.slice(a, b), false, false, own) : wildcard(pattern.slice(a, b));
    });
  }
  if (pattern === '*') return 'any';
  const pp = pattern.split(':');
  if (pp.length < 6) return 'none';
  return [...pp.slice(0, 5), pp.slice(5).join(':')].map((p) => wildcard(p));
}

/**
 * ARN operators compare each of the six colon-separated parts separately, case-sensitively
 * [IAM-OPS]. The value is walked in place (no split) since this runs on every evaluation.
 */
function arnMatches(value: string, pattern: ArnPattern): boolean {
  if (pattern === 'any') return true;
  if (pattern === 'none') return false;
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const colon = value.indexOf(':', start);
    if (colon < 0) return false;
    if (!pattern[i]!.matchRange(value, start, colon)) return false;
    start = colon + 1;
  }
  return pattern[5]!.matchRange(value, start, value.length);
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const decodedPolicyValues = new Map<string, Buffer | null>();

/**
 * The bytes a BinaryEquals policy value names: the value must be base64 [IAM-OPS, "Binary
 * condition operators": "The value of the policy must be base64 encoded"], read strictly (the
 * standard alphabet, padded, no stray characters, and the encoding of its own bytes). null: not
 * base64. AWS documents no error for such a value, so the policy is not rejected; it names no
 * bytes, and the condition never matches — as a Numeric or Date value that is no number or date.
 */
function base64PolicyBytes(policy: string): Buffer | null {
  let b = decodedPolicyValues.get(policy);
  if (b !== undefined) return b;
  b = BASE64_RE.test(policy) ? Buffer.from(policy, 'base64') : null;
  if (b !== null && b.toString('base64') !== policy) b = null;
  if (decodedPolicyValues.size >= 10_000) decodedPolicyValues.clear();
  decodedPolicyValues.set(policy, b);
  return b;
}

/** The text whose UTF-8 bytes a BinaryEquals policy value names (undefined: not base64, or bytes no text encodes). */
export function binaryPolicyText(policy: string): string | undefined {
  const bytes = base64PolicyBytes(policy);
  if (bytes === null) return undefined;
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

/** BinaryEquals: the request value's bytes (UTF-8) against the bytes the base64 policy value names. */
function base64Equal(value: string, policy: string): boolean {
  const bytes = base64PolicyBytes(policy);
  return bytes !== null && Buffer.from(value, 'utf8').equals(bytes);
}

/** The positive comparison of one request value with one policy value. */
function compare(c: CompiledCondition, value: string, policy: string, index: number, resolved: boolean, literals: readonly number[] | undefined): boolean {
  switch (c.op.base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return value === policy;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return value.toLowerCase() === policy.toLowerCase();
    case 'StringLike':
    case 'StringNotLike': {
      const w = !resolved && c.patterns ? c.patterns[index]! : literals !== undefined ? new Wildcard(policy, false, false, literals) : wildcard(policy);
      return w.test(value);
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
      return arnMatches(value, !resolved && c.arnPatterns ? c.arnPatterns[index]! : arnPattern(policy, literals));
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

const NO_VALUE: ConditionNote = { kind: 'variable-no-value' };

/**
 * Evaluates one condition clause. With `out`, records what was compared. Returns whether the
 * clause holds; a clause on a key that could not be read resolves by `env.bias` and the
 * statement's effect.
 */
export function evaluateCondition(c: CompiledCondition, env: ConditionEnv, effect: Effect, out?: ConditionMatch[]): boolean {
  const { ctx } = env;
  const actual = contextGet(ctx, c.key);
  let policyValues = c.values;
  let noValue = false;
  let unknownVar: UnknownKeyInfo | undefined;
  // Where a resolved value holds `${*}` or `${?}`: those characters' places, by value.
  let literals: Array<number[] | undefined> | undefined;
  if (c.hasVariables) {
    const resolved: string[] = [];
    for (const v of c.values) {
      const r = resolveVariables(v, ctx);
      if ('text' in r) {
        if (r.literals !== undefined) (literals ??= [])[resolved.length] = r.literals;
        resolved.push(r.text);
      } else if ('unknown' in r) unknownVar ??= r.unknown;
      else noValue = true;
    }
    policyValues = resolved;
  }

  if (env.assumed !== undefined && ctx.assumedKeys !== undefined) {
    // A key whose value (or absence) kms-why derived under an assumption: the verdict rests on it.
    const id = keyAssumption(ctx, c.key);
    if (id !== undefined) env.assumed.add(id);
  }
  const found = actual === undefined ? missingKeyInfo(ctx, c.key) : undefined;
  // Named as the policy writes it (a prefix match reports the key it matched).
  const unknownKey =
    found !== undefined && found.name === c.key
      ? { ...found, name: c.clause.key, ...(found.supply !== undefined ? { supply: found.supply.replace(c.key, c.clause.key) } : {}) }
      : found;
  const unknown = unknownKey ?? unknownVar;
  if (unknown !== undefined) {
    const result = biased(env, effect, unknown, unknown === unknownKey ? c.key : unknown.name.toLowerCase());
    if (out) {
      const rec: ConditionMatch = {
        operator: c.clause.operator,
        key: c.clause.key,
        expected: policyValues,
        actual: actual ?? null,
        matched: result,
        missing: false,
        unknown: true,
      };
      const name = unknown === unknownKey ? undefined : unknown.name;
      rec.note =
        unknown.supply === undefined
          ? name === undefined
            ? { kind: 'unreadable' }
            : { kind: 'unreadable', name }
          : name === undefined
            ? { kind: 'underivable', supply: unknown.supply }
            : { kind: 'underivable', name, supply: unknown.supply };
      out.push(rec);
    }
    return result;
  }

  if (env.assumed !== undefined && c.isDate && (policyValues.some(dateLacksOffset) || (actual ?? []).some(dateLacksOffset)))
    env.assumed.add('dateWithoutOffset');
  if (env.assumed !== undefined && actual !== undefined && ctx.defaulted?.has(c.key) === true) env.assumed.add('requestParameterDefaults');
  let matched: boolean;
  let note: ConditionNote | undefined;
  if (c.op.base === 'Null') {
    // Null: "true" means the key must be absent; "false" that it is present [IAM-OPS].
    const absent = actual === undefined || actual.length === 0;
    matched = policyValues.some((p) => (p.toLowerCase() === 'true' ? absent : !absent));
  } else {
    matched = evaluatePresentOrAbsent(c, actual, policyValues, literals);
    // Several request values under an operator without a set qualifier: undocumented (evaluatePresentOrAbsent's reading).
    if (env.assumed !== undefined && c.op.set === null && actual !== undefined && actual.length > 1) env.assumed.add('plainOperatorSeveralValues');
    if (noValue) {
      note = NO_VALUE;
      // AWS: an unresolvable variable "might cause the entire statement to be invalid" [IAM
      // policy variables]: where the condition holds, that reading (the statement does not apply)
      // differs from kms-why's (the value matches nothing), so the verdict rests on an assumption.
      if (matched && env.assumed !== undefined) env.assumed.add('variableNoValue');
    } else if (out && actual === undefined && env.ctx.noEncryptionContext !== undefined && c.key.startsWith('kms:encryptioncontext'))
      note = { kind: 'no-encryption-context', action: env.ctx.noEncryptionContext };
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

function evaluatePresentOrAbsent(
  c: CompiledCondition,
  actual: string[] | undefined,
  policyValues: string[],
  literals: ReadonlyArray<number[] | undefined> | undefined,
): boolean {
  const { op } = c;
  const resolved = c.hasVariables;
  if (actual === undefined || actual.length === 0) {
    // Missing key: IfExists → true, whatever the set operator ("if the key is not present,
    // evaluate the condition element as true": ForAnyValue:…IfExists included); ForAllValues →
    // true (absent or empty set); ForAnyValue → false; a negated operator → true; anything else →
    // false [IAM-OPS, IAM-MULTI].
    if (op.ifExists) return true;
    if (op.set === 'ForAllValues') return true;
    if (op.set === 'ForAnyValue') return false;
    return op.negated;
  }
  // ForAllValues: every request value matches; ForAnyValue: some does. A plain operator on a
  // multi-valued key: positive operators need one matching value; negated operators need every
  // value to match none of the policy values.
  const every = op.set === 'ForAllValues' || (op.set !== 'ForAnyValue' && op.negated);
  for (let i = 0; i < actual.length; i++) {
    const m = valueMatches(c, actual[i]!, policyValues, resolved, literals);
    if (every ? !m : m) return !every;
  }
  return every;
}

/** One request value against all policy values: OR for positive operators, NOR for negated ones. */
function valueMatches(
  c: CompiledCondition,
  v: string,
  policyValues: string[],
  resolved: boolean,
  literals: ReadonlyArray<number[] | undefined> | undefined,
): boolean {
  let any = false;
  for (let i = 0; i < policyValues.length; i++) {
    if (compare(c, v, policyValues[i]!, i, resolved, literals?.[i])) {
      any = true;
      break;
    }
  }
  return c.op.negated ? !any : any;
}

export function evaluateConditions(conds: CompiledCondition[], env: ConditionEnv, effect: Effect, out?: ConditionMatch[]): boolean {
  let all = true;
  for (let i = 0; i < conds.length; i++) {
    if (!evaluateCondition(conds[i]!, env, effect, out)) {
      all = false;
      if (out === undefined) return false;
    }
  }
  return all;
}
