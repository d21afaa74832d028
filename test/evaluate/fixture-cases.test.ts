// Our own scenario cases (fixtures/cases/*.json), written from the rules of the spec. Their
// decidedBy uses the report contract's finer vocabulary, so it is compared exactly.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { phraseDecision } from '../../src/report/phrases.js';
import { scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';

const dir = fileURLToPath(new URL('../../fixtures/cases/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const all: Array<{ file: string; c: ScenarioCase }> = files.flatMap((file) =>
  (JSON.parse(readFileSync(dir + file, 'utf8')) as ScenarioCase[]).map((c) => ({ file, c })),
);

describe('fixture scenario cases', () => {
  it('has at least 200 cases with unique ids', () => {
    expect(all.length).toBeGreaterThanOrEqual(200);
    const ids = all.map((x) => x.c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
  for (const { file, c } of all) {
    it(`${file} ${c.id} ${c.title}`, () => {
      if (c.expected.error !== undefined) {
        // An input that cannot apply is refused with where it is, never dropped.
        expect(() => new Evaluator(scenarioToInput(c, file).snapshot).evaluate(scenarioToInput(c, file).request)).toThrow(c.expected.error);
        return;
      }
      const { snapshot, request } = scenarioToInput(c, file);
      const d = new Evaluator(snapshot).evaluate(request);
      expect({ decision: d.decision, decidedBy: d.decidedBy }).toEqual({
        decision: c.expected.decision.toLowerCase(),
        decidedBy: c.expected.decidedBy,
      });
      if (c.expected.missingContext !== undefined) expect(d.missingContext).toEqual(expect.arrayContaining(c.expected.missingContext));
      if (c.expected.hint !== undefined) expect(phraseDecision(d).hints.join('\n')).toContain(c.expected.hint);
      if (c.expected.reasonIds !== undefined) {
        expect(d.reasons.map((r) => r.id).sort()).toEqual([...c.expected.reasonIds].sort());
      }
      // Every verdict says what decided it.
      if (d.decision === 'allow' || d.decidedBy === 'explicit-deny') expect(d.reasons.length).toBeGreaterThan(0);
      if (d.decision === 'unknown') expect(d.unreadable.length + d.hints.length).toBeGreaterThan(0);
    });
  }
});
