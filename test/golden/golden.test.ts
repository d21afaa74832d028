// Golden outputs: every scenario case (fixtures/cases/*.json and fixtures/public/cases-public.json)
// rendered, in-process, the way the CLI renders a `check` (src/cli/output.ts renderReport and, for a
// verdict that is not allow, the --fix section src/cli/fix-output.ts appends) in every output
// format: text and table (80 columns), JSON and Markdown, and the --fix section in text, JSON and
// Markdown (only the section: the report before it is the one above). Redaction and colour are
// applied after rendering, so they add nothing here (about 8 MB as it is). The outputs live beside
// this file, one .golden file per fixture file, and are compared byte for byte: any change to what
// kms-why prints fails here.
//
// A deliberate change of output: regenerate them with
//   UPDATE_GOLDEN=1 npx vitest run test/golden/golden.test.ts
// and review the diff of test/golden/*.golden before committing it.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixesFor } from '../../src/cli/fix-output.js';
import { renderReport, type OutputFormat } from '../../src/cli/output.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { buildReport } from '../../src/report/build.js';
import { fixesJson, fixesMarkdown, fixesText } from '../../src/report/fix.js';
import { scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const here = fileURLToPath(new URL('./', import.meta.url));
const casesDir = fileURLToPath(new URL('../../fixtures/cases/', import.meta.url));
const publicFile = fileURLToPath(new URL('../../fixtures/public/cases-public.json', import.meta.url));

const sources: Array<{ name: string; path: string }> = [
  ...readdirSync(casesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f, path: casesDir + f })),
  { name: 'cases-public.json', path: publicFile },
];

/** Every output of one case, each under a header line that names the case and the format. */
async function outputsOf(c: ScenarioCase, file: string): Promise<string> {
  const head = (what: string): string => `==== ${c.id} ${what}\n`;
  if (c.expected.error !== undefined) {
    let message: string;
    try {
      const { snapshot, request } = scenarioToInput(c, file);
      new Evaluator(snapshot).evaluate(request);
      message = '(no error)';
    } catch (e) {
      message = `${(e as Error).name}: ${(e as Error).message}`;
    }
    return head('error') + message + '\n';
  }
  const { snapshot, request } = scenarioToInput(c, file);
  const d = new Evaluator(snapshot).evaluate(request);
  const report = buildReport(request, [d], { commandLine: `kms-why check --principal ${request.principal}` });
  let out = '';
  for (const format of ['text', 'table', 'json', 'markdown'] as const satisfies OutputFormat[]) {
    out += head(format) + (await renderReport(report, format, { color: false, redact: false, width: 80 }));
  }
  if (d.decision !== 'allow') {
    const fixes = fixesFor(snapshot, [request], [d]);
    out += head('text --fix (the section after the report)') + fixesText(fixes, 80);
    out += head('json --fix (the "fixes" field)') + JSON.stringify(fixesJson(fixes), null, 2) + '\n';
    out += head('markdown --fix (the section after the report)') + fixesMarkdown(fixes);
  }
  return out;
}

describe('golden outputs of every scenario case', () => {
  for (const src of sources) {
    it(src.name, async () => {
      const cases = JSON.parse(readFileSync(src.path, 'utf8')) as ScenarioCase[];
      let all = '';
      for (const c of cases) all += await outputsOf(c, src.name);
      const golden = `${here}${src.name.replace(/\.json$/, '')}.golden`;
      if (UPDATE || !existsSync(golden)) {
        if (!UPDATE) throw new Error(`${golden} is missing: run UPDATE_GOLDEN=1 npx vitest run test/golden/golden.test.ts`);
        writeFileSync(golden, all);
        return;
      }
      const want = readFileSync(golden, 'utf8');
      if (all === want) return;
      // Name the first case that differs, then let vitest show the difference.
      const split = (s: string): string[] => s.split(/(?=^==== )/m);
      const got = split(all);
      const exp = split(want);
      const i = got.findIndex((b, k) => b !== exp[k]);
      expect(got[i], `first difference in ${src.name}`).toBe(exp[i]);
      expect(all).toBe(want);
    }, 300_000);
  }
});
