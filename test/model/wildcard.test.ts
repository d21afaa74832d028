// IAM wildcards without backtracking (issue 17.7): the matcher agrees with a reference regular
// expression on small inputs, and hostile patterns that hang a backtracking matcher cost a bounded
// number of character comparisons (counted by the matcher, never timed).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { auditGrants } from '../../src/analyses/grants-audit.js';
import { whoCan } from '../../src/analyses/who-can.js';
import { Wildcard, wildcard, wildcardSteps } from '../../src/model/wildcard.js';
import { scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const APP = 'arn:aws:sts::111122223333:assumed-role/AppRole/app-session';

/** The obvious translation, for comparison on inputs too small to hurt it. */
function reference(pattern: string, value: string, ignoreCase = false): boolean {
  let re = '^';
  for (const ch of pattern) re += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(re + '$', ignoreCase ? 'is' : 's').test(value);
}

/** Comparisons made by `fn`. */
function stepsOf(fn: () => void): number {
  const before = wildcardSteps();
  fn();
  return wildcardSteps() - before;
}

const HOSTILE_ACTION = 'kms:' + '*'.repeat(50) + 'Z';
const HOSTILE = '(*?)'.repeat(20) + 'z';
// Long values that match the pattern's first and last parts, so the middle is really searched.
const LONG = '('.repeat(5000);

describe('the wildcard matcher', () => {
  it('agrees with a regular expression on small patterns and values', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?', ':', '.', 'A');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }),
        fc.array(fc.constantFrom('a', 'b', ':', '.', 'A', '*', '?'), { maxLength: 10 }),
        fc.boolean(),
        (p, v, ic) => {
          const pattern = p.join('');
          const value = v.join('');
          expect(new Wildcard(pattern, ic).test(value)).toBe(reference(pattern, value, ic));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('matches a `*` or `?` at a literal position as the character itself (`${*}`, `${?}`), like the reference with it escaped', () => {
    const referenceWith = (pattern: string, literals: ReadonlySet<number>, value: string): boolean => {
      let re = '^';
      [...pattern].forEach((ch, i) => {
        re += !literals.has(i) && ch === '*' ? '.*' : !literals.has(i) && ch === '?' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      });
      return new RegExp(`${re}$`, 's').test(value);
    };
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', '*', '?'), { maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.array(fc.constantFrom('a', 'b', '*', '?'), { maxLength: 10 }),
        (p, lit, v) => {
          const pattern = p.join('');
          const literals = p.flatMap((ch, i) => ((ch === '*' || ch === '?') && lit[i] ? [i] : []));
          const value = v.join('');
          expect(new Wildcard(pattern, false, false, literals).test(value)).toBe(referenceWith(pattern, new Set(literals), value));
        },
      ),
      { numRuns: 3000 },
    );
    expect(new Wildcard('a*', false, false, [1]).test('abc')).toBe(false);
    expect(new Wildcard('a*', false, false, [1]).test('a*')).toBe(true);
    expect(() => new Wildcard('a*', true, false, [1])).toThrow();
  });

  it('treats regular-expression characters literally and `?` as exactly one character', () => {
    expect(wildcard('a.b*').test('a.bcd')).toBe(true);
    expect(wildcard('a.b*').test('axbcd')).toBe(false);
    expect(wildcard('(x)+').test('(x)+')).toBe(true);
    expect(wildcard('a?c').test('abc')).toBe(true);
    expect(wildcard('a?c').test('ac')).toBe(false);
    expect(wildcard('a*b*a').test('aba')).toBe(true);
    expect(wildcard('a*b*a').test('ab')).toBe(false);
    expect(wildcard('kms:*Key', true).test('KMS:DescribeKEY')).toBe(true);
    expect(wildcard('x:??:z').matchRange('p:x:ab:z:q', 2, 8)).toBe(true);
  });

  it('compares at most (value length + 1) × (pattern length + 1) characters', () => {
    for (const [p, v] of [
      [HOSTILE_ACTION, 'kms:' + 'a'.repeat(20000)],
      [HOSTILE, LONG],
      ['*a*a*a*a*a*a*a*b', 'a'.repeat(10000)],
      ['?'.repeat(30) + '*y', 'x'.repeat(20000)],
    ] as const) {
      const n = stepsOf(() => expect(wildcard(p).test(v)).toBe(false));
      expect(n).toBeLessThanOrEqual((v.length + 1) * (p.length + 1));
    }
  });
});

describe('hostile wildcards in policies cannot hang an evaluation', () => {
  const limit = 4_000_000;
  const decide = (partial: Partial<ScenarioCase> & { request: Record<string, unknown> }) => {
    const c: ScenarioCase = {
      id: 't',
      title: 't',
      keyPolicy: { Statement: [] },
      identityPolicies: [],
      grants: [],
      expected: { decision: 'Allow', decidedBy: 'x' },
      ...partial,
      request: { keyArn: KEY, ...partial.request },
    };
    const { snapshot, request } = scenarioToInput(c);
    return { snapshot, decide: () => new Evaluator(snapshot).evaluate(request) };
  };

  it('an Action of kms: and fifty stars then Z (decrypt, check)', () => {
    const { decide: run } = decide({
      keyPolicy: {
        Statement: [
          { Sid: 'Hostile', Effect: 'Allow', Principal: '*', Action: HOSTILE_ACTION, Resource: '*' },
          { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
        ],
      },
      request: { action: 'kms:GenerateDataKeyPairWithoutPlaintext', principal: APP },
    });
    let verdict = '';
    expect(stepsOf(() => (verdict = run().decision))).toBeLessThan(limit);
    expect(verdict).toBe('deny');
  });

  it('a Resource of (*?) twenty times then z against a long key ARN', () => {
    const longKey = `arn:aws:kms:us-east-1:111122223333:key/${'('.repeat(3000)}`;
    const { decide: run } = decide({
      keyPolicy: { Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] },
      identityPolicies: [{ Statement: [{ Sid: 'Hostile', Effect: 'Allow', Action: 'kms:Decrypt', Resource: HOSTILE }] }],
      request: { action: 'kms:Decrypt', principal: APP, keyArn: longKey },
    });
    let verdict = '';
    expect(stepsOf(() => (verdict = run().decision))).toBeLessThan(limit);
    expect(verdict).toBe('deny');
  });

  it('StringLike and ArnLike values like it against long context values', () => {
    const { decide: run, snapshot } = decide({
      keyPolicy: {
        Statement: [
          { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
          {
            Sid: 'Like',
            Effect: 'Allow',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringLike: { 'kms:EncryptionContext:app': HOSTILE } },
          },
          {
            Sid: 'Arn',
            Effect: 'Allow',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:${HOSTILE}:*:*:${HOSTILE}` } },
          },
        ],
      },
      request: {
        action: 'kms:Decrypt',
        principal: APP,
        encryptionContext: { app: LONG + ')z' },
        context: { 'aws:SourceArn': `arn:aws:${LONG})z:us-east-1:1:${LONG})z` },
      },
    });
    let verdict = '';
    const n = stepsOf(() => (verdict = run().decision));
    expect(n).toBeLessThan(limit);
    expect(n).toBeGreaterThan(LONG.length); // the long values were really compared
    expect(verdict).toBe('deny');
    // who-can reads the same statements for every action of the key.
    expect(stepsOf(() => whoCan(snapshot, snapshot.keys))).toBeLessThan(limit * 4);
  });

  it('a grants expectation with many stars against long grantees', () => {
    const { snapshot } = decide({
      grants: Array.from({ length: 20 }, (_, i) => ({
        grantId: `g${i}`,
        granteePrincipal: `arn:aws:iam::111122223333:role/${'('.repeat(2000)}${i}`,
        operations: ['Decrypt'],
        state: 'active',
      })),
      request: { action: 'kms:Decrypt', principal: APP },
    });
    const grantee = 'arn:' + '*('.repeat(30) + 'z';
    let unexpected = -1;
    const n = stepsOf(
      () => (unexpected = auditGrants(snapshot.keys, { now: '2026-01-01T00:00:00Z', expectations: [{ grantee, operations: ['Decrypt'] }] }).unexpected.length),
    );
    expect(n).toBeLessThan(limit);
    expect(unexpected).toBe(20);
  });
});
