// IAM wildcards (`*` any run of characters, `?` exactly one; everything else literal) matched
// without regular expressions. A pattern is split once at its `*`s into fixed-width segments; a
// value then matches when the first segment is its prefix, the last its suffix, and the middle
// segments occur in order in between. Taking each middle segment at its leftmost place is always
// right (a later place only leaves less room for the rest), so nothing is ever retried: the work is
// at most (value length) × (pattern length) character comparisons, and usually the value length.
// A backtracking regular expression built from `kms:**…*Z` instead takes exponential time on a
// value that almost matches, which a hostile policy could use to hang the process.
//
// [IAM-WILDCARDS] https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards

import { InternalError } from './errors.js';

/**
 * Character comparisons made by every matcher since the process started. Diagnostic only (tests
 * assert that hostile patterns stay within a bound); nothing reads it to decide anything.
 */
let steps = 0;

export function wildcardSteps(): number {
  return steps;
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/**
 * One compiled pattern. `test` has the shape of RegExp#test so callers can hold either.
 * `literals`: positions in `pattern` of `*` and `?` that stand for themselves (written `${*}` and
 * `${?}` in a policy [IAM policy variables, "Special characters"]); only for a pattern matched
 * with case.
 */
export class Wildcard {
  readonly pattern: string;
  readonly ignoreCase: boolean;
  /** Segments between `*`s (lower-cased when ignoring case); one segment means no `*`. */
  private readonly segs: string[];
  /** Per segment, where its `?`s that match any one character are (null: none, a literal run). */
  private readonly anyAt: Array<Uint8Array | null>;
  /** Sum of the segments' lengths: the shortest value that can match. */
  private readonly minLength: number;
  private readonly kind: 'all' | 'exact' | 'glob';

  /** `starOnly`: `?` is literal (kms-why's own expectation patterns know only `*`). */
  constructor(pattern: string, ignoreCase = false, starOnly = false, literals?: readonly number[]) {
    if (ignoreCase && literals !== undefined && literals.length > 0) throw new InternalError('Wildcard: literal positions in a pattern matched without case');
    this.pattern = pattern;
    this.ignoreCase = ignoreCase;
    const p = ignoreCase ? pattern.toLowerCase() : pattern;
    const literal = literals !== undefined && literals.length > 0 ? new Set(literals) : undefined;
    // The pattern cut at each `*` that is a wildcard: [start, end) of each piece.
    const raw: Array<[number, number]> = [];
    let from = 0;
    for (let i = p.indexOf('*'); i >= 0; i = p.indexOf('*', i + 1)) {
      if (literal?.has(i)) continue;
      raw.push([from, i]);
      from = i + 1;
    }
    raw.push([from, p.length]);
    // `a**b` is `a*b`: consecutive stars make empty middle segments, which match anywhere.
    const kept = raw.filter(([a, b], i) => i === 0 || i === raw.length - 1 || b > a);
    this.segs = kept.map(([a, b]) => p.slice(a, b));
    this.anyAt = kept.map(([a, b]) => {
      if (starOnly) return null;
      let mask: Uint8Array | null = null;
      for (let i = p.indexOf('?', a); i >= 0 && i < b; i = p.indexOf('?', i + 1)) if (!literal?.has(i)) (mask ??= new Uint8Array(b - a))[i - a] = 1;
      return mask;
    });
    const segs = this.segs;
    this.minLength = segs.reduce((n, s) => n + s.length, 0);
    this.kind = segs.length === 2 && segs[0] === '' && segs[1] === '' ? 'all' : segs.length === 1 && this.anyAt[0] === null ? 'exact' : 'glob';
  }

  test(value: string): boolean {
    return this.matchRange(value, 0, value.length);
  }

  /** `test` for a value already lower-cased (action names, lowered once). */
  testLower(value: string): boolean {
    return this.kind === 'all' || this.run(value, 0, value.length);
  }

  /** Matches `value.slice(start, end)` without making the slice. */
  matchRange(value: string, start: number, end: number): boolean {
    if (this.kind === 'all') return true;
    if (this.ignoreCase) {
      // Lower-casing can change the length only for a few non-ASCII characters; do it on the slice.
      const v = (start === 0 && end === value.length ? value : value.slice(start, end)).toLowerCase();
      return this.run(v, 0, v.length);
    }
    return this.run(value, start, end);
  }

  private run(v: string, start: number, end: number): boolean {
    const segs = this.segs;
    const anyAt = this.anyAt;
    const len = end - start;
    if (len < this.minLength) return false;
    if (this.kind === 'exact') {
      if (len !== this.minLength) return false;
      if (start !== 0 || end !== v.length) return segAt(v, start, segs[0]!, null);
      // The whole value: string equality is the engine's fastest comparison (a key ARN against
      // the key ARNs a policy lists, most of which differ), several times startsWith's cost.
      const ok = v === segs[0];
      steps += ok ? len : 1;
      return ok;
    }
    if (segs.length === 1) return len === segs[0]!.length && segAt(v, start, segs[0]!, anyAt[0]!);
    const n = segs.length;
    const last = segs[n - 1]!;
    if (!segAt(v, start, segs[0]!, anyAt[0]!)) return false;
    const tailStart = end - last.length;
    if (!segAt(v, tailStart, last, anyAt[n - 1]!)) return false;
    let pos = start + segs[0]!.length;
    for (let i = 1; i < n - 1; i++) {
      const s = segs[i]!;
      const at = find(v, pos, tailStart, s, anyAt[i]!);
      if (at < 0) return false;
      pos = at + s.length;
    }
    return true;
  }
}

/** Does `seg` (with a `?` where `any` marks one matching any one character) occur in `v` at `at`? (The caller keeps `at + seg.length` within its range.) */
function segAt(v: string, at: number, seg: string, any: Uint8Array | null): boolean {
  const n = seg.length;
  if (any === null) {
    // Without `?` the segment is literal: the engine's own comparison (a key ARN is ~75 characters).
    const ok = v.startsWith(seg, at);
    steps += ok ? n : 1;
    return ok;
  }
  for (let j = 0; j < n; j++) {
    if (seg.charCodeAt(j) !== v.charCodeAt(at + j) && any[j] !== 1) {
      // Counted once per call, not per character: this loop runs on every resource and action test.
      steps += j + 1;
      return false;
    }
  }
  steps += n;
  return true;
}

/** The leftmost place in v[from, to) where `seg` fits entirely, or -1. */
function find(v: string, from: number, to: number, seg: string, any: Uint8Array | null): number {
  const last = to - seg.length;
  if (any === null) {
    // The leftmost occurrence from `from`; it fits only if it starts by `last`.
    const at = last < from ? -1 : v.indexOf(seg, from);
    const found = at >= 0 && at <= last;
    steps += found ? at - from + seg.length : Math.max(last - from + 1, 1);
    return found ? at : -1;
  }
  for (let i = from; i <= last; i++) {
    steps++;
    if (segAt(v, i, seg, any)) return i;
  }
  return -1;
}

const cache = new Map<string, Wildcard>();
const icache = new Map<string, Wildcard>();
const scache = new Map<string, Wildcard>();

/**
 * The compiled pattern, shared by every policy that writes the same text (managed policies
 * repeat the same resources and actions across thousands of roles). The cache is bounded so a
 * run over a huge account does not keep every pattern it ever saw.
 */
export function wildcard(pattern: string, ignoreCase = false, starOnly = false): Wildcard {
  const c = starOnly ? scache : ignoreCase ? icache : cache;
  let w = c.get(pattern);
  if (w === undefined) {
    w = new Wildcard(pattern, ignoreCase && !starOnly, starOnly);
    if (c.size >= 20000) c.clear();
    c.set(pattern, w);
  }
  return w;
}

/** One-off match (patterns that change per request, e.g. after policy-variable substitution). */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  return new Wildcard(pattern, ignoreCase).test(value);
}
