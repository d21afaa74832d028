// The exit code of a set of verdicts (README "Exit codes"): what CI reads. With --expect, a verdict
// that is known and differs is a confirmed mismatch, whatever the other verdicts are.
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/report/build.js';

const v = (...ds: Array<'allow' | 'deny' | 'unknown'>) => ds.map((decision) => ({ decision }));

describe('exitCodeFor', () => {
  it('without --expect: unknown (3) over deny (1) over allow (0)', () => {
    expect(exitCodeFor(v('allow', 'allow'))).toBe(0);
    expect(exitCodeFor(v('allow', 'deny'))).toBe(1);
    expect(exitCodeFor(v('deny', 'unknown'))).toBe(3);
    expect(exitCodeFor(v('allow', 'unknown'))).toBe(3);
  });

  it('with --expect: a known verdict that differs is 1 even beside an unknown one', () => {
    expect(exitCodeFor(v('deny', 'unknown'), 'allow')).toBe(1);
    expect(exitCodeFor(v('allow', 'unknown'), 'deny')).toBe(1);
  });

  it('with --expect: every known verdict matching and one unknown is 3; all matching is 0', () => {
    expect(exitCodeFor(v('allow', 'unknown'), 'allow')).toBe(3);
    expect(exitCodeFor(v('deny', 'deny'), 'deny')).toBe(0);
    expect(exitCodeFor(v('allow', 'deny'), 'deny')).toBe(1);
  });
});
