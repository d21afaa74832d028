// Every scenario case of fixtures/cases through every renderer and --redact: a wide net for layout
// (120 columns), Mermaid syntax, JSON validity and identifiers left behind.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { buildReport } from '../../src/report/build.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { redact } from '../../src/report/redact.js';
import { renderTable } from '../../src/report/table.js';
import { renderText } from '../../src/report/text.js';
import { scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';
import { assertContract } from '../helpers/schemas.js';
import { blocks, checkMermaid, stripAnsi } from './helpers.js';

const dir = fileURLToPath(new URL('../../fixtures/cases/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('renderers on every scenario case', () => {
  for (const file of files) {
    it(file, () => {
      const cases = JSON.parse(readFileSync(dir + file, 'utf8')) as ScenarioCase[];
      for (const c of cases) {
        if (c.expected.error !== undefined) continue; // refused inputs have no report
        const { snapshot, request } = scenarioToInput(c, file);
        const d = new Evaluator(snapshot).evaluate(request);
        const report = buildReport(request, [d], { commandLine: `kms-why check --principal ${request.principal}` });
        const outs = {
          text: renderText(report, {}),
          table: renderTable(report, { color: true }),
          json: renderJson(report, {}),
          markdown: renderMarkdown(report, {}),
        };
        for (const fmt of ['text', 'table'] as const) {
          for (const line of stripAnsi(outs[fmt]).split('\n')) expect([...line].length, `${c.id} ${fmt}: ${line}`).toBeLessThanOrEqual(120);
        }
        for (const m of blocks(outs.markdown, 'mermaid')) checkMermaid(m);
        for (const [fmt, out] of Object.entries(outs)) {
          const red = stripAnsi(redact(out));
          // Account ids become placeholders (000000000001 …), shaped like account ids.
          for (const m of red.matchAll(/(?<![0-9A-Za-z])\d{12}(?![0-9A-Za-z])/g)) expect(m[0], `${c.id} ${fmt}`).toMatch(/^0{6}\d{6}$/);
          for (const r of d.reasons.filter((x) => x.source === 'grant')) {
            expect(out, `${c.id} ${fmt}`).toContain(r.id);
            expect(red, `${c.id} ${fmt}`).not.toMatch(new RegExp(`(?<![A-Za-z0-9_-])${escapeRe(r.id)}(?![A-Za-z0-9_-])`));
          }
        }
        expect(() => JSON.parse(redact(outs.json)), c.id).not.toThrow();
        // The report contract (schema/check-report-1.schema.json), before and after redaction.
        assertContract(outs.json, `${c.id} json`);
        assertContract(redact(outs.json), `${c.id} json --redact`);
      }
    });
  }
});
