// The text, table and JSON renderers on reports from the real evaluator.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.js';
import { fitColumns, wrap } from '../../src/report/explain.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderTable } from '../../src/report/table.js';
import { renderText, textSection } from '../../src/report/text.js';
import { allExampleReports, ANSI, FUNCTION_ARN, LAMBDA_GRANT_ID, lambdaCase, MANY_ACTIONS, patternCase, reportFor, stripAnsi } from './helpers.js';

const BOX = /[\u2500-\u257f]/;

let all: Array<{ name: string; report: Report }>;
let allow: Report;
let nearMiss: Report;
let retired: Report;
let several: Report;

beforeAll(async () => {
  all = await allExampleReports();
  allow = (await reportFor(lambdaCase())).report;
  nearMiss = (await reportFor(lambdaCase({ functionArn: `${FUNCTION_ARN}-other` }))).report;
  retired = (await reportFor(lambdaCase({ file: 'lambda-env-grant-retired.json' }))).report;
  several = (await reportFor(patternCase('pattern-3-delegation-with-iam.json', MANY_ACTIONS))).report;
});

const renderers = {
  json: (r: Report) => renderJson(r, {}),
  text: (r: Report) => renderText(r, {}),
  'table (no colour)': (r: Report) => renderTable(r, { color: false }),
  'table (colour)': (r: Report) => renderTable(r, { color: true }),
  markdown: (r: Report) => renderMarkdown(r, {}),
};

describe('every format', () => {
  it('names the deciding grant by its full id', () => {
    expect(allow.results[0]!.decidedBy).toBe('grant');
    for (const [name, render] of Object.entries(renderers)) {
      expect(stripAnsi(render(allow)), name).toContain(LAMBDA_GRANT_ID);
    }
  });

  it('is deterministic: the same report renders the same, and so does a fresh evaluation', async () => {
    const again = (await reportFor(lambdaCase())).report;
    for (const [name, render] of Object.entries(renderers)) {
      expect(render(allow), name).toBe(render(allow));
      expect(render(again), name).toBe(render(allow));
    }
  });

  it('uses colour codes only in the table, and only when asked', () => {
    for (const { name, report } of all) {
      expect(renderTable(report, { color: true }), name).toMatch(ANSI);
      expect(renderTable(report, { color: false }), name).not.toMatch(ANSI);
      expect(renderText(report, { color: true }), name).not.toMatch(ANSI);
      expect(renderJson(report, { color: true }), name).not.toMatch(ANSI);
      expect(renderMarkdown(report, { color: true }), name).not.toMatch(ANSI);
    }
  });

  it('ends with one newline and has nothing before the report', () => {
    for (const { name, report } of all) {
      for (const [fmt, render] of Object.entries(renderers)) {
        const out = render(report);
        expect(out.endsWith('\n') && !out.endsWith('\n\n'), `${name} ${fmt}`).toBe(true);
      }
      expect(renderJson(report).startsWith('{')).toBe(true);
      expect(renderMarkdown(report).startsWith('# ')).toBe(true);
    }
  });
});

describe('table and text', () => {
  it('never exceed 120 columns', () => {
    for (const { name, report } of all) {
      for (const out of [renderText(report), renderTable(report, { color: true }), renderTable(report, { color: false })]) {
        for (const line of stripAnsi(out).split('\n')) expect([...line].length, `${name}: ${line}`).toBeLessThanOrEqual(120);
      }
    }
  });

  it('fit 80 columns, and never break an action name: one too long for its column has a line of its own', async () => {
    const { report } = await reportFor(patternCase('pattern-3-delegation-with-iam.json', ['kms:GenerateDataKeyPairWithoutPlaintext', 'kms:Decrypt']));
    for (const out of [renderText(report, { width: 80 }), stripAnsi(renderTable(report, { color: false, width: 80 }))]) {
      const lines = out.split('\n');
      for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
      expect(lines.some((l) => /kms:GenerateDataKeyPairWithoutPlaintext/.test(l))).toBe(true);
      expect(lines.some((l) => /^\W*WithoutPlaintext|^\W*outPlaintext/.test(l))).toBe(false);
    }
    // A long section title wraps too ("Not evaluated (the request lacks …)").
    const title = 'Not evaluated (the request lacks a detail these actions need; they do not affect the exit code)';
    const lines = textSection({ title, items: [] }, 60);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(60);
  });

  it('text has no box characters; the table is drawn with them', () => {
    for (const { name, report } of all) {
      expect(renderText(report), name).not.toMatch(BOX);
      expect(renderTable(report, { color: false }), name).toMatch(BOX);
    }
  });

  it('colour the verdict: allow green, deny red, unknown yellow', () => {
    expect(renderTable(allow, { color: true })).toContain('\u001b[32mALLOW');
    expect(renderTable(retired, { color: true })).toContain('\u001b[31mDENY');
    const unknown = all.find((x) => x.name.startsWith('unreadable'))!.report;
    expect(unknown.results[0]!.decision).toBe('unknown');
    expect(renderTable(unknown, { color: true })).toContain('\u001b[33mUNKNOWN');
  });

  it('carry the same information: rows, walk, near misses, hints, assumptions', () => {
    for (const { name, report } of all) {
      const text = renderText(report);
      const table = stripAnsi(renderTable(report, { color: false }));
      for (const d of report.results) {
        expect(text, name).toContain(d.action);
        expect(table, name).toContain(d.action);
        if (report.results.length === 1) {
          for (const t of d.trace) {
            // The question's first words (lines may wrap after them).
            const head = t.question.split(' ').slice(0, 4).join(' ');
            expect(text, `${name} ${t.step}`).toContain(head);
            expect(table, `${name} ${t.step}`).toContain(head);
          }
        }
      }
      const words = (s: string): string => s.replace(/\s+/g, ' ');
      const flatText = words(text);
      const flatTable = words(table.replace(/[│┃]/g, ' '));
      for (const a of report.results.flatMap((d) => d.assumptions)) {
        expect(flatText, name).toContain(words(a));
        expect(flatTable, name).toContain(words(a));
      }
    }
  });

  it('show the walk for a single action with yes/no per step and the verdict', () => {
    const text = renderText(allow);
    expect(text).toContain('Flowchart walk (kms:Decrypt):');
    expect(text).toMatch(/\[no\] +Does any policy explicitly deny kms:Decrypt\?/);
    expect(text).toMatch(/\[yes\] +Does a grant allow .* <- decides/);
    expect(text).toContain('=> ALLOW, decided by grant');
    expect(text).toContain('allowed by a grant for this principal, not by the key policy or IAM');
    const table = renderTable(allow, { color: false });
    expect(table).toMatch(/├─ no +Does any policy explicitly deny kms:Decrypt\?/);
    expect(table).toMatch(/◀ decides/);
    expect(table).toMatch(/└─ ALLOW, decided by grant/);
  });

  it('show a grant that failed only on its encryption context, with the context it needs', () => {
    const d = nearMiss.results[0]!;
    expect(d.decision).toBe('deny');
    for (const out of [renderText(nearMiss), stripAnsi(renderTable(nearMiss, { color: true }))]) {
      const flat = out.replace(/\s+/g, ' ');
      expect(out).toContain('Near misses');
      expect(flat).toContain(`grant ${LAMBDA_GRANT_ID}`);
      expect(flat).toContain('failed on its encryption context');
      expect(flat).toContain(`--context aws:lambda:FunctionArn=${FUNCTION_ARN}`);
      for (const h of d.hints) expect(flat).toContain(h.replace(/\s+/g, ' '));
    }
  });

  it('show one row per action, and the deciding statements once, for several actions', () => {
    const text = renderText(several);
    const table = renderTable(several, { color: false });
    for (const a of MANY_ACTIONS) {
      expect(text.split('\n').filter((l) => l.startsWith(`${a} `)).length, a).toBe(1);
      expect(table.split('\n').filter((l) => l.startsWith(`│ ${a} `)).length, a).toBe(1);
    }
    expect(text).not.toContain('Flowchart walk');
    expect(text).toContain('Deciding statements and grants:');
    expect(text).toContain('Allow key policy "Enable IAM User Permissions"');
    expect(text).toContain('Allow identity policy app-kms "UseAppKey"');
    expect(text).toMatch(/^7 actions: 2 allowed, 4 denied, 1 unknown$/m);
    // A hint that differs between actions only by the action's name is said once.
    const hintLines = text.split('\n').filter((l) => l.includes('use IAM policies for'));
    expect(hintLines.length).toBe(1);
  });

  it('list unreadable inputs', () => {
    const unknown = all.find((x) => x.name.startsWith('unreadable'))!.report;
    for (const out of [renderText(unknown), stripAnsi(renderTable(unknown, { color: false }))]) {
      expect(out).toContain('Unreadable inputs');
      expect(out).toMatch(/grants of arn:aws:kms:.*: not in the snapshot/);
    }
  });
});

describe('json', () => {
  it('keeps the report contract', () => {
    const o = JSON.parse(renderJson(allow)) as Record<string, unknown>;
    expect(Object.keys(o)).toEqual(['kmsWhyReport', 'key', 'principal', 'request', 'results', 'orgPoliciesNotGiven', 'inputs', 'commandLine']);
    const r = (o.results as Array<Record<string, unknown>>)[0]!;
    expect(r.decision).toBe('allow');
    expect(r.reasons).toEqual([{ source: 'grant', id: LAMBDA_GRANT_ID, effect: 'Allow' }]);
  });
});

describe('layout helpers', () => {
  it('wrap keeps words whole and breaks long tokens at ":" or "/"', () => {
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    const arn = 'arn:aws:iam::111122223333:role/some-long-role-name';
    for (const line of wrap(arn, 20)) expect(line.length).toBeLessThanOrEqual(20);
    expect(wrap(arn, 20).join('')).toBe(arn);
    expect(wrap(arn, 20)[0]!.endsWith(':')).toBe(true);
    expect(wrap('a\nb', 10)).toEqual(['a', 'b']);
  });

  it('fitColumns fits the budget and keeps natural widths when they fit', () => {
    expect(fitColumns([10, 5, 20], [4, 4, 4], 100)).toEqual([10, 5, 20]);
    const w = fitColumns([40, 7, 30, 60], [42, 7, 24, 30], 104, [12, 7, 12, 16]);
    expect(w.reduce((a, b) => a + b, 0)).toBe(104);
    expect(w[1]).toBe(7);
  });
});
