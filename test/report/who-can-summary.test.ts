// The who-can summary (summarizeKey) against a plain count: for random keys whose answers name
// statements, every group's access paths are the largest MAX_PATHS in order (allowed before
// conditional, more principals first, then by text), each with its principals and actions, and
// the rest are counted. summarizeKey keeps only the largest paths as it goes rather than sorting
// them all, and marks actions and rows instead of searching lists: this is what keeps it honest.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findAction } from '../../src/model/actions.js';
import type { AccessEntry, KeyWhoCan, WhoCanPrincipal } from '../../src/model/who-can.js';
import { MAX_PATHS, summarizeKey } from '../../src/report/who-can.js';

const ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:CreateGrant', 'kms:ListGrants'].map((a) => findAction(a)!);

function entry(access: 'allow' | 'conditional', statement: number): AccessEntry {
  return {
    access,
    decidedBy: 'key-policy',
    reasons: [{ source: 'key-policy', id: `S${statement}`, effect: 'Allow', policyName: 'key policy' }],
    ...(access === 'conditional'
      ? {
          conditions: [
            { source: 'key-policy', id: `S${statement}`, effect: 'Allow', operator: 'StringEquals', key: 'kms:ViaService', values: ['s3.amazonaws.com'] },
          ],
        }
      : {}),
  } as AccessEntry;
}

function keyOf(rows: Array<Array<AccessEntry | null>>): KeyWhoCan {
  const principals: WhoCanPrincipal[] = rows.map((_, i) => ({
    arn: `arn:aws:iam::111122223333:role/r-${i}`,
    kind: 'role',
    account: '111122223333',
    external: i % 5 === 0,
    origins: ['iam'],
  }));
  return {
    keyArn: 'arn:aws:kms:us-east-1:111122223333:key/00000000-12ab-34cd-56ef-1234567890ab',
    aliases: [],
    account: '111122223333',
    keyState: 'Enabled',
    keyManager: 'CUSTOMER',
    actions: ACTIONS,
    keyStateErrors: ACTIONS.map(() => undefined),
    principals,
    access: rows,
    publicStatements: [],
    notes: [],
    skipped: [],
  };
}

/** The paths of one group as a plain count: every path, sorted. */
function expected(rows: Array<Array<AccessEntry | null>>, group: string) {
  const paths = new Map<string, { access: string; text: string; principals: number; external: number; actions: Set<number> }>();
  rows.forEach((row, pi) => {
    const counted = new Set<string>();
    ACTIONS.forEach((a, ai) => {
      const e = row[ai];
      if (a.group !== group || e === null || e === undefined) return;
      const text = `key-policy statement \`${e.reasons[0]!.id}\`${e.access === 'conditional' ? ', needs `kms:ViaService`' : ''}`;
      const key = `${e.access}|${text}`;
      let p = paths.get(key);
      if (p === undefined) {
        p = { access: e.access, text, principals: 0, external: 0, actions: new Set() };
        paths.set(key, p);
      }
      p.actions.add(ai);
      if (!counted.has(key)) {
        counted.add(key);
        p.principals++;
        if (pi % 5 === 0) p.external++;
      }
    });
  });
  const rank = (access: string): number => (access === 'allow' ? 0 : 1);
  return [...paths.values()].sort((x, y) => rank(x.access) - rank(y.access) || y.principals - x.principals || (x.text < y.text ? -1 : 1));
}

describe('summarizeKey', () => {
  it('keeps the largest access paths of each group, in order, and counts the rest', () => {
    const answer = fc.oneof(
      { weight: 2, arbitrary: fc.constant(null) },
      { weight: 3, arbitrary: fc.record({ access: fc.constantFrom('allow' as const, 'conditional' as const), statement: fc.integer({ min: 0, max: 14 }) }) },
    );
    fc.assert(
      fc.property(fc.array(fc.array(answer, { minLength: ACTIONS.length, maxLength: ACTIONS.length }), { minLength: 1, maxLength: 60 }), (shapes) => {
        // Entries are shared between rows, as who-can shares them.
        const made = new Map<string, AccessEntry>();
        const rows = shapes.map((shape) =>
          shape.map((s) => {
            if (s === null) return null;
            const k = `${s.access}${s.statement}`;
            let e = made.get(k);
            if (e === undefined) {
              e = entry(s.access, s.statement);
              made.set(k, e);
            }
            return e;
          }),
        );
        const s = summarizeKey(keyOf(rows));
        for (const group of ['use', 'grant']) {
          const g = s.groups.find((x) => x.id === group)!;
          const all = expected(rows, group);
          expect(g.paths.length).toBe(Math.min(all.length, MAX_PATHS));
          expect(g.morePaths).toBe(all.length - g.paths.length);
          expect(g.paths.map((p) => ({ access: p.access, text: p.text, principals: p.principals, external: p.external, actions: p.actions }))).toEqual(
            all
              .slice(0, MAX_PATHS)
              .map((p) => ({ access: p.access, text: p.text, principals: p.principals, external: p.external, actions: [...p.actions].sort((x, y) => x - y) })),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives each shown path its first principals and admin flag, each group its counts, and each failing action its authorized principals', () => {
    const answer = fc.oneof(
      { weight: 2, arbitrary: fc.constant(null) },
      { weight: 3, arbitrary: fc.record({ access: fc.constantFrom('allow' as const, 'conditional' as const), statement: fc.integer({ min: 0, max: 3 }) }) },
    );
    // Few distinct shapes, so that principals share rows (as they do in who-can).
    const shapesArb = fc.array(fc.array(answer, { minLength: ACTIONS.length, maxLength: ACTIONS.length }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        shapesArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        fc.option(fc.nat({ max: ACTIONS.length - 1 })),
        (shapes, picks, failingAt) => {
          const made = new Map<string, AccessEntry>();
          const byShape = shapes.map((shape) =>
            shape.map((x) => {
              if (x === null) return null;
              const k = `${x.access}${x.statement}`;
              let e = made.get(k);
              if (e === undefined) {
                e = entry(x.access, x.statement);
                made.set(k, e);
              }
              return e;
            }),
          );
          // Principals share the very row arrays of their shape, as internRow makes them.
          const rows = picks.map((i) => byShape[i % byShape.length]!);
          const key = keyOf(rows);
          if (failingAt !== null) key.keyStateErrors = ACTIONS.map((_, i) => (i === failingAt ? 'KMSInvalidStateException' : undefined));
          const s = summarizeKey(key);

          // Distinct rows in order of their first principal, each with its first three principals.
          const firsts = new Map<Array<AccessEntry | null>, WhoCanPrincipal[]>();
          rows.forEach((row, pi) => {
            const l = firsts.get(row) ?? [];
            if (l.length < 3) l.push(key.principals[pi]!);
            firsts.set(row, l);
          });
          for (const g of s.groups) {
            const live = ACTIONS.map((a, i) => [a, i] as const).filter(([a, i]) => a.group === g.id && i !== failingAt);
            expect(g.actions).toEqual(live.map(([, i]) => i));
            // A principal counts where its best answer in the group is.
            const best = rows.map((row) => {
              const acc = live.map(([, i]) => row[i]?.access).filter((x) => x !== undefined);
              return acc.includes('allow') ? 'allow' : acc.includes('conditional') ? 'conditional' : acc.length > 0 ? 'unknown' : 'none';
            });
            expect(g.allowed).toBe(best.filter((b) => b === 'allow').length);
            expect(g.conditional).toBe(best.filter((b) => b === 'conditional').length);
            for (const p of g.paths) {
              const holds = (row: Array<AccessEntry | null>): Array<AccessEntry | null> =>
                live
                  .map(([, i]) => row[i] ?? null)
                  .filter((e) => e !== null && `${e.access}|${e.reasons[0]!.id}` === `${p.access}|${p.text.match(/`(S\d+)`/)![1]}`);
              const sample: WhoCanPrincipal[] = [];
              for (const [row, l] of firsts) if (holds(row).length > 0) for (const x of l) if (sample.length < 3) sample.push(x);
              expect(p.sample).toEqual(sample);
              const adminAt = live.filter(([a]) => a.name === 'kms:CreateGrant').map(([, i]) => i);
              expect(p.adminLevel).toBe(rows.some((row) => adminAt.some((i) => row[i] !== null && row[i]!.access === 'allow' && holds(row).includes(row[i]!))));
            }
            const failing = ACTIONS.map((a, i) => [a, i] as const).filter(([a, i]) => a.group === g.id && i === failingAt);
            expect(g.failing).toEqual(
              failing.map(([a, i]) => ({ action: a, error: 'KMSInvalidStateException', authorized: rows.filter((row) => row[i]?.access === 'allow').length })),
            );
          }
          expect(s.considered).toBe(rows.length);
          expect(s.withAccess).toBe(rows.filter((row) => row.some((e) => e !== null)).length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
