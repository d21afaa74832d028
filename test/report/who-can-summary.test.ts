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
});
