// scanJson's duplicate key against an oracle built with the text: random objects whose keys repeat or not,
// written plainly or with \u escapes (so equal keys can differ in their text), nested, with more
// keys than the in-place comparison holds (so the scan switches to a set mid-object).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKeepingNumbers, scanJson, type DuplicateKey } from '../../src/sources/json-scan.js';

type Tree = { kind: 'obj'; members: Array<{ key: string; escape: boolean; value: Tree }> } | { kind: 'arr'; items: Tree[] } | { kind: 'leaf'; text: string };

const key = fc.constantFrom('a', 'b', 'ab', 'x"y', 'k\\', 'é', 'long-key-0', 'long-key-1', 'odd key');
const leaf = fc.constantFrom('1', 'null', '"a"', '"{\\"a\\":1,\\"a\\":2}"', '[]', '{}', '"\\\\"');
const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf.map((text): Tree => ({ kind: 'leaf', text })),
    fc.array(fc.record({ key, escape: fc.boolean(), value: tie('t') }), { maxLength: 16 }).map((members): Tree => ({ kind: 'obj', members })),
    fc.array(tie('t'), { maxLength: 4 }).map((items): Tree => ({ kind: 'arr', items })),
  ),
})).t;

const PLAIN = /^[A-Za-z0-9_$:/*@+-]+$/;
/** Every character as \uXXXX: the same key, another text. */
const escaped = (k: string): string => `"${[...k].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`;

/** The text, and the first duplicate in text order as the scan should report it. */
function write(t: Tree): { text: string; dup: DuplicateKey | undefined } {
  let text = '';
  let dup: DuplicateKey | undefined;
  const go = (n: Tree, path: string): void => {
    if (n.kind === 'leaf') text += n.text;
    else if (n.kind === 'arr') {
      text += '[';
      n.items.forEach((x, i) => {
        if (i > 0) text += ',';
        go(x, `${path}[${i}]`);
      });
      text += ']';
    } else {
      text += '{';
      const seen = new Set<string>();
      n.members.forEach((m, i) => {
        if (i > 0) text += ',';
        if (dup === undefined && seen.has(m.key)) dup = { key: m.key, path, offset: text.length };
        seen.add(m.key);
        text += `${m.escape ? escaped(m.key) : JSON.stringify(m.key)}:`;
        go(m.value, PLAIN.test(m.key) ? (path === '' ? m.key : `${path}.${m.key}`) : `${path}[${JSON.stringify(m.key)}]`);
      });
      text += '}';
    }
  };
  go(t, '');
  return { text, dup };
}

describe('scanJson: the first duplicate key', () => {
  it('finds the first key an object repeats (decoded), with the JSON path of the object and the offset of the second', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const { text, dup } = write(t);
        expect(() => JSON.parse(text)).not.toThrow();
        expect(scanJson(text).duplicate).toEqual(dup);
      }),
      { numRuns: 2000 },
    );
  });

  it('an object with many distinct keys has no duplicate; one more repeat past the in-place limit is found', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`);
    expect(scanJson(`{${keys.join(',')}}`).duplicate).toBeUndefined();
    expect(scanJson(`{"o":{${keys.join(',')},"\\u006b3":1}}`).duplicate).toEqual({ key: 'k3', path: 'o', offset: 6 + keys.join(',').length + 1 });
  });
});

// IAM reads an unquoted condition value as written; a double would round 12345678901234567890 and
// turn 1.0 into 1, so that a condition on the text compares against another value.
describe('numbers a double would change', () => {
  it.each(['12345678901234567890', '1.0', '1e2', '-0', '0.10', '1E400'])('%s is found, and parseKeepingNumbers keeps its text', (n) => {
    const text = `{"Condition": {"NumericEquals": {"k": ${n}}}, "other": [1, 2.5, "9.0"]}`;
    expect(scanJson(text)).toEqual({ duplicate: undefined, lossyNumber: true });
    expect(parseKeepingNumbers(text)).toEqual({ Condition: { NumericEquals: { k: n } }, other: [1, 2.5, '9.0'] });
  });

  it('numbers a double gives back, and number-like text inside strings, are not', () => {
    expect(scanJson('{"a": [0, -1, 2.5, 1e+21, 123456789012, "1.0", "12345678901234567890"]}').lossyNumber).toBe(false);
  });

  it('property: the scan says lossy exactly when some number token differs from String(Number(token))', () => {
    const token = fc.oneof(
      fc.integer().map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.constantFrom('1.0', '10.50', '1e3', '-0', '99999999999999999999', '0.30000000000000004'),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), (tokens) => {
        const text = `[${tokens.join(',')}]`;
        expect(scanJson(text).lossyNumber).toBe(tokens.some((t) => String(Number(t)) !== t));
      }),
    );
  });
});
