// who-can --principal PATTERN: * and ? wildcards over the whole ARN, a plain text anywhere in it,
// matched without backtracking (a hostile pattern on a long ARN is answered, not hung on).
import { describe, expect, it } from 'vitest';
import { principalFilter } from '../../src/cli/who-can.js';
import { wildcardSteps } from '../../src/model/wildcard.js';
import type { WhoCanPrincipal } from '../../src/model/who-can.js';

const role = (arn: string, arnWithPath?: string): WhoCanPrincipal => ({
  arn,
  kind: 'role',
  external: false,
  origins: [],
  ...(arnWithPath !== undefined ? { arnWithPath } : {}),
});

describe('who-can --principal', () => {
  it('wildcards match the whole ARN (or the ARN with its path); plain text matches anywhere; public access is kept', () => {
    const keep = principalFilter(['arn:aws:iam::111122223333:role/app-*', 'web'])!;
    expect(keep(role('arn:aws:iam::111122223333:role/app-1'))).toBe(true);
    expect(keep(role('arn:aws:iam::111122223333:role/xapp-1'))).toBe(false);
    expect(keep(role('arn:aws:iam::111122223333:role/my-web-role'))).toBe(true);
    expect(keep(role('arn:aws:iam::111122223333:role/other', 'arn:aws:iam::111122223333:role/web/other'))).toBe(true);
    expect(keep({ ...role('*'), kind: 'public' })).toBe(true);
    const one = principalFilter(['arn:aws:iam::111122223333:role/a?c'])!;
    expect(one(role('arn:aws:iam::111122223333:role/abc'))).toBe(true);
    expect(one(role('arn:aws:iam::111122223333:role/abbc'))).toBe(false);
    // Regular-expression characters are literal.
    const dot = principalFilter(['role/a.c*'])!;
    expect(dot(role('role/a.c1'))).toBe(true);
    expect(dot(role('role/abc1'))).toBe(false);
    expect(principalFilter([])).toBeUndefined();
  });

  it('a pattern made to backtrack, on a long ARN: the answer, in comparisons bounded by ARN × pattern length', () => {
    const hostile = '*a*a*a*a*a*a*a*a*a*a*a*a*b';
    const keep = principalFilter([hostile])!;
    const long = `arn:aws:iam::111122223333:role/${'a'.repeat(20000)}`;
    const before = wildcardSteps();
    expect(keep(role(long))).toBe(false);
    expect(keep(role(`${long}b`))).toBe(true);
    expect(keep(role(`${long}c`, `${long}b`))).toBe(true);
    const steps = wildcardSteps() - before;
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThanOrEqual(3 * 2 * (long.length + 1) * hostile.length);
  });
});
