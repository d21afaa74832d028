// Properties every verdict must keep, over random scenarios (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import type { Decision } from '../../src/model/decision.js';
import { scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';
import { scenario } from '../helpers/arbitrary.js';

type Doc = { Version: string; Statement: Array<Record<string, unknown>> };

function run(c: ScenarioCase, explain = true): Decision {
  const { snapshot, request } = scenarioToInput(c);
  return new Evaluator(snapshot).evaluate(request, { explain });
}

const clone = <T>(x: T): T => structuredClone(x);
const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 400) };

/** Every policy document of the case, with a name for where it sits. */
function documents(c: ScenarioCase): Doc[] {
  const docs: Doc[] = [c.keyPolicy as Doc, ...((c.identityPolicies ?? []) as Doc[])];
  if (c.permissionsBoundary) docs.push(c.permissionsBoundary as Doc);
  for (const s of c.scps ?? []) docs.push(s.policy as Doc);
  return docs;
}

describe('verdict properties', () => {
  it('adding a Deny statement never turns a deny into an allow', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), fc.constantFrom('kms:*', 'kms:Decrypt', '*'), (c, which, act) => {
        const before = run(c, false);
        const after = clone(c);
        const docs = documents(after);
        const doc = docs[which % docs.length]!;
        const deny: Record<string, unknown> = { Effect: 'Deny', Action: act, Resource: '*' };
        if (doc === after.keyPolicy) deny.Principal = '*';
        doc.Statement.push(deny);
        const d = run(after, false);
        if (before.decision === 'deny') expect(d.decision).toBe('deny');
        if (d.decision === 'allow') expect(before.decision).toBe('allow');
      }),
      RUNS,
    );
  });

  it('removing an Allow statement never turns a deny into an allow', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), fc.nat(), (c, which, idx) => {
        const before = run(c, false);
        const after = clone(c);
        const docs = documents(after);
        const doc = docs[which % docs.length]!;
        const allows = doc.Statement.map((s, i) => [s, i] as const).filter(([s]) => s.Effect === 'Allow');
        if (allows.length === 0) return;
        // Keep at least one statement so the document stays valid.
        if (doc.Statement.length === 1)
          doc.Statement[0] = { Effect: 'Deny', Action: 'none:None', Resource: '*', ...(doc === after.keyPolicy ? { Principal: '*' } : {}) };
        else doc.Statement.splice(allows[idx % allows.length]![1], 1);
        // An SCP level left without any Allow statement is taken to have FullAWSAccess attached
        // (docs/semantics.md#scp-full-access): an allow-list emptied of Allows is no longer one.
        if ((after.scps ?? []).some((l) => l.policy === doc) && !doc.Statement.some((st) => st.Effect === 'Allow')) return;
        const d = run(after, false);
        if (before.decision === 'deny') expect(d.decision).toBe('deny');
      }),
      RUNS,
    );
  });

  it('removing a grant never turns a deny into an allow', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (c, idx) => {
        if ((c.grants ?? []).length === 0) return;
        const before = run(c, false);
        const after = clone(c);
        after.grants!.splice(idx % after.grants!.length, 1);
        if (before.decision === 'deny') expect(run(after, false).decision).toBe('deny');
      }),
      RUNS,
    );
  });

  it('statement order and string-vs-array forms never change a verdict', () => {
    fc.assert(
      fc.property(scenario, (c) => {
        const before = run(c, false);
        const after = clone(c);
        for (const doc of documents(after)) {
          doc.Statement.reverse();
          for (const s of doc.Statement) {
            if (typeof s.Action === 'string') s.Action = [s.Action];
            else if (Array.isArray(s.Action) && s.Action.length === 1) s.Action = s.Action[0];
            if (typeof s.Resource === 'string') s.Resource = [s.Resource];
            const p = s.Principal as Record<string, unknown> | string | undefined;
            if (p && typeof p === 'object' && typeof p.AWS === 'string') p.AWS = [p.AWS];
          }
        }
        if (after.grants) after.grants.reverse();
        // A single statement may also be written as an object instead of an array.
        const kp = after.keyPolicy as { Statement: unknown };
        if (Array.isArray(kp.Statement) && kp.Statement.length === 1) kp.Statement = kp.Statement[0];
        const d = run(after, false);
        expect(d.decision).toBe(before.decision);
        expect(d.decidedBy === 'explicit-deny').toBe(before.decidedBy === 'explicit-deny');
      }),
      RUNS,
    );
  });

  it('identical input gives identical output', () => {
    fc.assert(
      fc.property(scenario, (c) => {
        expect(JSON.stringify(run(clone(c)))).toBe(JSON.stringify(run(clone(c))));
      }),
      { numRuns: 150 },
    );
  });

  it('the fast path (no explanation) reaches the same verdict as the explaining path', () => {
    fc.assert(
      fc.property(scenario, (c) => {
        const slow = run(c, true);
        const fast = run(c, false);
        expect({ decision: fast.decision, decidedBy: fast.decidedBy, reasons: fast.reasons.map((r) => r.id) }).toEqual({
          decision: slow.decision,
          decidedBy: slow.decidedBy,
          reasons: slow.reasons.map((r) => r.id),
        });
      }),
      RUNS,
    );
  });

  it('an unreadable input yields the true verdict or unknown, never the opposite', () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom('keyPolicy', 'identityPolicies', 'permissionsBoundary', 'grants'), (c, what) => {
        const truth = run(c, false);
        const hidden = clone(c);
        hidden.unknownInputs = [what];
        const d = run(hidden, false);
        expect([truth.decision, 'unknown']).toContain(d.decision);
      }),
      RUNS,
    );
  });

  it('every allow names what allowed it, and every verdict is explained', () => {
    fc.assert(
      fc.property(scenario, (c) => {
        const d = run(c);
        if (d.authorization === 'allow') expect(d.reasons.length).toBeGreaterThan(0);
        if (d.decidedBy === 'explicit-deny') expect(d.reasons.every((r) => r.effect === 'Deny')).toBe(true);
        expect(d.trace.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });
});
