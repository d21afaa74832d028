import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairTable } from '../../src/analyses/pair-table.js';

const int31 = fc.integer({ min: 0, max: 0x7fffffff });

describe('PairTable', () => {
  it('answers as a Map keyed by the pair does, through growth and clearing', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('set' as const), x: fc.oneof(fc.integer({ min: 0, max: 40 }), int31), y: fc.integer({ min: 0, max: 40 }), v: int31 }),
            fc.record({ op: fc.constant('get' as const), x: fc.integer({ min: 0, max: 40 }), y: fc.integer({ min: 0, max: 40 }) }),
            fc.record({ op: fc.constant('clear' as const) }),
          ),
          { maxLength: 400 },
        ),
        (ops) => {
          // Two slots to start with: most runs grow the table several times.
          const t = new PairTable(2);
          const oracle = new Map<string, number>();
          for (const o of ops) {
            if (o.op === 'set') {
              t.set(o.x, o.y, o.v);
              oracle.set(`${o.x},${o.y}`, o.v);
            } else if (o.op === 'get') expect(t.get(o.x, o.y)).toBe(oracle.get(`${o.x},${o.y}`) ?? -1);
            else {
              t.clear();
              oracle.clear();
            }
            expect(t.size).toBe(oracle.size);
          }
          for (const [k, v] of oracle) {
            const [x, y] = k.split(',').map(Number) as [number, number];
            expect(t.get(x, y)).toBe(v);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps pairs that differ only in order or by one apart', () => {
    const t = new PairTable(4);
    t.set(1, 2, 10);
    t.set(2, 1, 20);
    t.set(0x7fffffff, 0, 30);
    t.set(0, 0x7fffffff, 40);
    expect([t.get(1, 2), t.get(2, 1), t.get(0x7fffffff, 0), t.get(0, 0x7fffffff), t.get(1, 1)]).toEqual([10, 20, 30, 40, -1]);
  });

  it('refuses what an Int32Array would wrap (a collision, not an error, if let through)', () => {
    const t = new PairTable();
    expect(() => t.set(2 ** 31, 0, 1)).toThrow(/31-bit/);
    expect(() => t.set(0, -1, 1)).toThrow(/31-bit/);
    expect(() => t.set(0, 0, 1.5)).toThrow(/31-bit/);
    expect(() => new PairTable(12)).toThrow(/power of two/);
  });
});
