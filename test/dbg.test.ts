import { it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Evaluator } from '../src/evaluate/evaluator.js';
import { scenarioToInput } from '../src/sources/scenario.js';
it('dbg', () => {
  const cs = JSON.parse(readFileSync('fixtures/cases/l-documented-edges.json', 'utf8'));
  for (const id of (process.env.IDS ?? '').split(',')) {
    const c = cs.find((x: any) => x.id === id);
    const { snapshot, request } = scenarioToInput(c);
    const d = new Evaluator(snapshot).evaluate(request);
    console.log(id, d.decision, d.decidedBy, JSON.stringify(d.reasons.map(r=>r.id)), '\n', d.trace.map(t => `${t.step} ${t.answer}: ${t.question} -- ${t.detail}`).join('\n'), '\nHINTS', d.hints.join('\n'), '\nMISSING', d.missingContext, '\nASSUME', d.assumptions.length);
  }
});
