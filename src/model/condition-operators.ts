// The condition operators IAM accepts (docs/semantics.md#conditions). Qualifiers ForAnyValue:/ForAllValues: and the
// IfExists suffix are handled separately.
export const BASE_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
] as const;

export type BaseOperator = (typeof BASE_OPERATORS)[number];

export interface ParsedOperator {
  base: BaseOperator;
  set: 'ForAnyValue' | 'ForAllValues' | null;
  ifExists: boolean;
  negated: boolean;
}

const NEGATED = new Set<BaseOperator>([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
  'ArnNotEquals',
  'ArnNotLike',
]);

const BY_LOWER = new Map<string, BaseOperator>(BASE_OPERATORS.map((op) => [op.toLowerCase(), op]));

/** Parses `ForAnyValue:StringLikeIfExists` and friends; null for an unknown operator. */
export function parseOperator(written: string): ParsedOperator | null {
  let rest = written;
  let set: ParsedOperator['set'] = null;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const q = rest.slice(0, colon).toLowerCase();
    if (q === 'foranyvalue') set = 'ForAnyValue';
    else if (q === 'forallvalues') set = 'ForAllValues';
    else return null;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  // Operator names are matched case-insensitively: IAM's parser accepts `stringequals`.
  if (rest.toLowerCase().endsWith('ifexists')) {
    ifExists = true;
    rest = rest.slice(0, -'ifexists'.length);
  }
  const base = BY_LOWER.get(rest.toLowerCase());
  if (base === undefined) return null;
  if (base === 'Null' && (ifExists || set !== null)) return null;
  return { base, set, ifExists, negated: NEGATED.has(base) };
}

/** The nearest known operator name, for "did you mean" hints. */
export function nearestOperator(written: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const w = written.replace(/^(ForAnyValue|ForAllValues):/i, '').replace(/IfExists$/i, '');
  for (const op of BASE_OPERATORS) {
    const d = editDistance(w.toLowerCase(), op.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = op;
    }
  }
  return bestDistance <= 3 ? best : undefined;
}

export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
