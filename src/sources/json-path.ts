// Small readers for parsed JSON that keep track of where they are (file and JSON path), so that
// every complaint about an input says exactly which value is wrong: `keys[0].Grants[3].Operations[1]`.
import { editDistance } from '../model/condition-operators.js';
import { dict } from '../model/dict.js';
import { InputError } from '../model/errors.js';
import { typeName } from '../model/policy-document.js';

export type JsonObject = Record<string, unknown>;

/** A position in an input: the file as the user named it, and the JSON path inside it ('' = the root). */
export interface Where {
  file: string;
  path: string;
}

const PLAIN_KEY = /^[A-Za-z0-9_$:/*@+-]+$/;

/** The path of a member: `a.b`, or `a["odd key"]` when the key would be ambiguous in dotted form. */
export function member(where: Where, key: string): Where {
  if (!PLAIN_KEY.test(key)) return { file: where.file, path: `${where.path}[${JSON.stringify(key)}]` };
  return { file: where.file, path: where.path === '' ? key : `${where.path}.${key}` };
}

export function index(where: Where, i: number): Where {
  return { file: where.file, path: `${where.path}[${i}]` };
}

export function fail(where: Where, message: string, hint?: string): never {
  const opts: { file: string; path?: string; hint?: string } = { file: where.file };
  if (where.path !== '') opts.path = where.path;
  if (hint !== undefined) opts.hint = hint;
  throw new InputError(message, opts);
}

/** `file: path` (or just the file at the root), for InputRecord.from and Policy.origin. */
export function describeWhere(where: Where): string {
  return where.path === '' ? where.file : `${where.file}: ${where.path}`;
}

export { typeName };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function expectObject(v: unknown, where: Where, what = 'an object'): JsonObject {
  if (!isObject(v)) fail(where, `expected ${what}, got ${typeName(v)}`);
  return v;
}

export function expectArray(v: unknown, where: Where, what = 'an array'): unknown[] {
  if (!Array.isArray(v)) fail(where, `expected ${what}, got ${typeName(v)}`);
  return v;
}

export function expectString(v: unknown, where: Where, opts: { nonEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') fail(where, `expected a string, got ${typeName(v)}`);
  if (opts.nonEmpty === true && v.trim() === '') fail(where, 'must not be empty');
  return v;
}

export function expectBoolean(v: unknown, where: Where): boolean {
  if (typeof v !== 'boolean') fail(where, `expected true or false, got ${typeName(v)}`);
  return v;
}

/** An optional string member: undefined when absent (null counts as absent, as the AWS CLI prints it). */
export function optionalString(obj: JsonObject, key: string, where: Where): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  return expectString(v, member(where, key));
}

export function requiredString(obj: JsonObject, key: string, where: Where): string {
  const v = obj[key];
  if (v === undefined || v === null) fail(member(where, key), `${key} is missing`);
  return expectString(v, member(where, key), { nonEmpty: true });
}

/** One of a closed set of strings, with a did-you-mean hint. */
export function expectOneOf<T extends string>(v: unknown, allowed: readonly T[], where: Where): T {
  const s = expectString(v, where);
  if ((allowed as readonly string[]).includes(s)) return s as T;
  const near = nearest(s, allowed);
  fail(
    where,
    `${JSON.stringify(s)} is not one of ${allowed.join(', ')}`,
    near !== undefined ? `Did you mean "${near}"? These values are case-sensitive.` : undefined,
  );
}

/** The closest candidate by edit distance (case-insensitive), if it is close enough to be a typo. */
export function nearest(written: string, candidates: Iterable<string>, maxDistance = 3): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const w = written.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= Math.min(maxDistance, Math.max(1, Math.floor(written.length / 2))) ? best : undefined;
}

/**
 * For shapes that kms-why owns: every member must be known, so that a typo (`Grant` for `Grants`)
 * is an error rather than a silently missing input.
 */
export function rejectUnknownFields(obj: JsonObject, known: readonly string[], where: Where, what: string): void {
  for (const k of Object.keys(obj)) {
    if (known.includes(k)) continue;
    const near = nearest(k, known);
    fail(member(where, k), `unknown field "${k}" in ${what}`, `${near !== undefined ? `Did you mean "${near}"? ` : ''}Known fields: ${known.join(', ')}.`);
  }
}

/**
 * For AWS output shapes: AWS adds members over time, so unknown ones are ignored; but one that is a
 * near miss of a member kms-why reads (`Constraint`, `keyState`) would silently drop an input, so it is refused.
 */
export function rejectNearMisses(obj: JsonObject, known: readonly string[], read: readonly string[], where: Where, what: string): void {
  for (const k of Object.keys(obj)) {
    if (known.includes(k)) continue;
    const near = nearest(k, read, 2);
    if (near !== undefined) {
      fail(member(where, k), `unknown field "${k}" in ${what}`, `Did you mean "${near}"? Field names are case-sensitive.`);
    }
  }
}

/** A string-to-string map such as an encryption context. */
export function stringMap(v: unknown, where: Where): Record<string, string> {
  const obj = expectObject(v, where, 'an object of string values');
  // Without a prototype: a key named __proto__ or constructor is an ordinary key (model/dict.ts).
  const out = dict<string>();
  for (const [k, val] of Object.entries(obj)) {
    out[k] = expectString(val, member(where, k));
  }
  return out;
}
