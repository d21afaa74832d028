// What a check's text and Markdown name as deciding an unknown verdict: an unreadable input only
// when one decides; otherwise what the verdict depends on (a condition key kms-why cannot derive, a
// further permission the inputs cannot name, the grant to create, a detail the request leaves out).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { buildReport } from '../../src/report/build.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';
import { scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';

const casesDir = fileURLToPath(new URL('../../fixtures/cases/', import.meta.url));

function allCases(): Array<{ c: ScenarioCase; file: string }> {
  const out: Array<{ c: ScenarioCase; file: string }> = [];
  for (const f of readdirSync(casesDir).filter((x) => x.endsWith('.json'))) {
    const doc = JSON.parse(readFileSync(casesDir + f, 'utf8')) as ScenarioCase[] | { cases: ScenarioCase[] };
    for (const c of Array.isArray(doc) ? doc : doc.cases) if (c.expected.error === undefined) out.push({ c, file: casesDir + f });
  }
  return out;
}

function rendered(c: ScenarioCase, file: string) {
  const { snapshot, request } = scenarioToInput(c, file);
  const d = new Evaluator(snapshot).evaluate(request);
  const report = buildReport(request, [d], {});
  return { d, text: renderText(report, { width: 80 }), markdown: renderMarkdown(report, { width: 80 }) };
}

const byId = new Map(allCases().map((x) => [x.c.id, x]));

function headline(id: string): string {
  const x = byId.get(id);
  if (x === undefined) throw new Error(`no case ${id}`);
  return rendered(x.c, x.file).text.split('\n')[0]!;
}

describe('the label of an unknown verdict', () => {
  it('names the condition key kms-why cannot derive', () => {
    expect(headline('XL138')).toBe('kms:Decrypt: UNKNOWN (decided by condition key aws:SourceIp)');
    expect(headline('XL133')).toBe('kms:Decrypt: UNKNOWN (decided by condition key aws:CurrentTime)');
  });

  it('names a further permission the inputs cannot name, and the grant to create', () => {
    expect(headline('XL103')).toBe('kms:UpdateAlias: UNKNOWN (decided by further permission)');
    expect(headline('XL118')).toBe('kms:UpdatePrimaryRegion: UNKNOWN (decided by further permission)');
    expect(headline('XL161')).toBe('kms:CreateGrant: UNKNOWN (decided by grant to create)');
  });

  it('still names an unreadable input when one decides', () => {
    expect(headline('XK001')).toBe('kms:Decrypt: UNKNOWN (decided by unknown input)');
  });

  it('says "unknown input" in text and Markdown exactly when an unreadable input decides, over every scenario case', () => {
    let unknowns = 0;
    let without = 0;
    for (const { c, file } of byId.values()) {
      const { d, text, markdown } = rendered(c, file);
      if (d.decision !== 'unknown') continue;
      unknowns++;
      const unreadable = d.unreadable.length > 0;
      if (!unreadable) without++;
      expect(text.includes('decided by unknown input'), `${c.id} text`).toBe(unreadable);
      expect(markdown.includes('decided by **unknown input**'), `${c.id} markdown`).toBe(unreadable);
      for (const line of text.split('\n').slice(0, 1)) expect(line.length, `${c.id}: ${line}`).toBeLessThanOrEqual(80);
    }
    // Both kinds occur, so the check above can fail either way.
    expect(unknowns - without).toBeGreaterThan(0);
    expect(without).toBeGreaterThan(3);
  });
});
