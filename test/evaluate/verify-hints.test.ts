// `verifyHints: false` (who-can's explained evaluations of unknown answers) skips re-evaluating
// each proposed change. It may only leave out the proposals: the verdict, the reasons, the missing
// keys, the reason for an unknown verdict and every note that says what it depends on must be
// those of the full explanation, on every scenario case we have. `trace: false` leaves out the
// trace alone.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { decidesUnknown } from '../../src/evaluate/recorder.js';
import { scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';

const dir = fileURLToPath(new URL('../../fixtures/cases/', import.meta.url));
const publicFile = fileURLToPath(new URL('../../fixtures/public/cases-public.json', import.meta.url));
const all: Array<{ file: string; c: ScenarioCase }> = [
  ...readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((file) => (JSON.parse(readFileSync(dir + file, 'utf8')) as ScenarioCase[]).map((c) => ({ file, c }))),
  ...(JSON.parse(readFileSync(publicFile, 'utf8')) as ScenarioCase[]).map((c) => ({ file: 'cases-public.json', c })),
].filter(({ c }) => c.expected.error === undefined);

describe('explained evaluation without verifying hints', () => {
  it('covers cases whose verdict is unknown, and cases with verified hints', () => {
    let unknown = 0;
    let verified = 0;
    for (const { file, c } of all) {
      const { snapshot, request } = scenarioToInput(c, file);
      const full = new Evaluator(snapshot).evaluate(request);
      const bare = new Evaluator(snapshot).evaluate(request, { verifyHints: false });
      if (full.decision === 'unknown') unknown++;
      if (full.hints.length > bare.hints.length) verified++;
    }
    expect(unknown).toBeGreaterThanOrEqual(20);
    expect(verified).toBeGreaterThanOrEqual(20);
  });

  for (const { file, c } of all) {
    it(`${file} ${c.id}`, () => {
      const { snapshot, request } = scenarioToInput(c, file);
      const full = new Evaluator(snapshot).evaluate(request);
      const bare = new Evaluator(snapshot).evaluate(request, { verifyHints: false });
      expect(bare.decision).toBe(full.decision);
      expect(bare.authorization).toBe(full.authorization);
      expect(bare.decidedBy).toBe(full.decidedBy);
      expect(bare.reasons).toEqual(full.reasons);
      expect(bare.missingContext).toEqual(full.missingContext);
      expect(bare.unknownBecause).toEqual(full.unknownBecause);
      expect(bare.hints.filter(decidesUnknown)).toEqual(full.hints.filter(decidesUnknown));
      // Verification only adds the proposals that allow, after the notes.
      expect(full.hints.slice(0, bare.hints.length)).toEqual(bare.hints);
      // Without the trace too (who-can's unknown answers): everything but the trace is the same.
      const notes = new Evaluator(snapshot).evaluate(request, { verifyHints: false, trace: false });
      expect(notes.trace).toEqual([]);
      expect({ ...notes, trace: bare.trace }).toEqual(bare);
    });
  }
});
