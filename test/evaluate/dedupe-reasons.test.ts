// A statement that allowed on two resources (an alias and its key) is one reason: dedupeReasons
// keeps the first reason of each (source, policy name, id), in order, whatever the names and ids
// hold (newlines, digits and colons included) and however many reasons there are.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reason } from '../../src/model/decision.js';
import { dedupeReasons } from '../../src/evaluate/walk.js';

const text = fc.constantFrom('', 'a', 'b', 'a\nb', 'a\n1:b', '1:a', 'b\n', '\n', 'ab', 'a:b', '3:abc');
const reasonArb = fc.record({
  source: fc.constantFrom('key-policy' as const, 'identity-policy' as const, 'grant' as const),
  id: text,
  policyName: fc.option(text, { nil: undefined }),
});

describe('dedupeReasons', () => {
  it('keeps the first reason of each source, policy name and id, in order', () => {
    fc.assert(
      fc.property(fc.array(reasonArb, { minLength: 0, maxLength: 60 }), (raw) => {
        const reasons: Reason[] = raw.map((r) => ({
          source: r.source,
          id: r.id,
          effect: 'Allow',
          ...(r.policyName !== undefined ? { policyName: r.policyName } : {}),
        }));
        const seen = new Set<string>();
        const expected = reasons.filter((r) => {
          const k = JSON.stringify([r.source, r.policyName ?? '', r.id]);
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        });
        expect(dedupeReasons(reasons)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('tells apart names and ids that read alike when joined (more than 16 reasons)', () => {
    const filler: Reason[] = Array.from({ length: 17 }, (_, i) => ({ source: 'key-policy', id: `S${i}`, effect: 'Allow', policyName: 'key policy' }));
    const a: Reason = { source: 'identity-policy', id: 'b\n', effect: 'Allow', policyName: 'a' };
    const b: Reason = { source: 'identity-policy', id: '', effect: 'Allow', policyName: 'a\nb' };
    expect(dedupeReasons([...filler, a, b])).toEqual([...filler, a, b]);
  });
});
