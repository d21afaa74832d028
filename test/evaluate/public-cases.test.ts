import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { acceptedDecidedBy, scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';

// The project's shared/ folder beside the repository is the source; a copy is kept in fixtures/
// for clones that do not have it (the public GitHub workflow).
const shared = fileURLToPath(new URL('../../../shared/cases-public.json', import.meta.url));
const file = existsSync(shared) ? shared : fileURLToPath(new URL('../../fixtures/public/cases-public.json', import.meta.url));
const cases = JSON.parse(readFileSync(file, 'utf8')) as ScenarioCase[];

describe('public scenario cases (shared/cases-public.json)', () => {
  it('loads them all', () => {
    expect(cases.length).toBeGreaterThanOrEqual(46);
  });
  for (const c of cases) {
    it(`${c.id} ${c.title}`, () => {
      const { snapshot, request } = scenarioToInput(c, 'cases-public.json');
      const d = new Evaluator(snapshot).evaluate(request);
      expect(d.decision).toBe(c.expected.decision.toLowerCase());
      expect(acceptedDecidedBy(c.expected.decidedBy, request.action)).toContain(d.decidedBy);
    });
  }
});
