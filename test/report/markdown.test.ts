// `--output markdown`: the ticket report.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/model/decision.js';
import type { Report } from '../../src/model/report.js';
import { code, mermaidFlowchart, mermaidText, prose, renderMarkdown } from '../../src/report/markdown.js';
import {
  allExampleReports,
  blocks,
  checkMermaid,
  EXAMPLES,
  FUNCTION_ARN,
  LAMBDA_GRANT_ID,
  lambdaCase,
  MANY_ACTIONS,
  patternCase,
  reportFor,
} from './helpers.js';

let allow: Report;
let nearMiss: Report;
let pattern1: Report;
let several: Report;
let all: Array<{ name: string; report: Report }>;

beforeAll(async () => {
  allow = (await reportFor(lambdaCase())).report;
  nearMiss = (await reportFor(lambdaCase({ functionArn: `${FUNCTION_ARN}-other` }))).report;
  pattern1 = (await reportFor(patternCase('pattern-1-key-policy-names-role.json'))).report;
  several = (await reportFor(patternCase('pattern-3-delegation-with-iam.json', MANY_ACTIONS))).report;
  all = await allExampleReports();
});

describe('markdown report', () => {
  it('starts with the verdict as its headline', () => {
    const md = renderMarkdown(allow);
    expect(md.split('\n')[0]).toBe('# kms:Decrypt: ALLOW');
    expect(md).toContain(`decided by **grant**: grant ${code(LAMBDA_GRANT_ID)}`);
    expect(renderMarkdown(nearMiss).split('\n')[0]).toBe('# kms:Decrypt: DENY');
    expect(renderMarkdown(several).split('\n')[0]).toBe('# kms-why: 7 actions: 2 allowed, 4 denied, 1 unknown');
  });

  it('has the action table with the deciding grant id', () => {
    const md = renderMarkdown(allow);
    expect(md).toContain('| Action | Verdict | Decided by | Statement / grant | Reason |');
    const row = md.split('\n').find((l) => l.startsWith('| `kms:Decrypt` |'))!;
    expect(row).toContain('✅ **ALLOW**');
    expect(row).toContain(LAMBDA_GRANT_ID);
  });

  it('quotes the deciding grant as a JSON excerpt that parses', () => {
    const md = renderMarkdown(allow);
    const json = blocks(md, 'json');
    expect(json.length).toBe(1);
    const ex = JSON.parse(json[0]!) as Record<string, unknown>;
    expect(ex.grantId).toBe(LAMBDA_GRANT_ID);
    expect(ex).toEqual(allow.results[0]!.reasons[0]!.excerpt);
  });

  it('quotes the deciding statement as written in the key policy', () => {
    const md = renderMarkdown(pattern1);
    const json = blocks(md, 'json');
    expect(json.length).toBe(1);
    const st = JSON.parse(json[0]!) as Record<string, unknown>;
    expect(st.Sid).toBe('Key users');
    expect(st.Principal).toEqual({ AWS: 'arn:aws:iam::111122223333:role/app' });
  });

  it('draws the flowchart in Mermaid with the visited and deciding boxes styled', () => {
    const md = renderMarkdown(allow);
    const mm = blocks(md, 'mermaid');
    expect(mm.length).toBe(1);
    const d = allow.results[0]!;
    const { nodes, classes } = checkMermaid(mm[0]!);
    // One box per trace step, annotated with its answer, plus the verdict.
    d.trace.forEach((t, i) => {
      const lbl = nodes.get(`s${i}`)!;
      expect(lbl, t.step).toContain(`answer: ${t.answer === 'not-applicable' ? 'n/a' : t.answer}`);
      expect(classes.get(`s${i}`)!.length, t.step).toBe(1);
    });
    const grantIndex = d.trace.findIndex((t) => t.step === 'grant');
    expect(classes.get(`s${grantIndex}`)).toEqual(['deciding']);
    expect(nodes.get(`s${grantIndex}`)).toContain('decided here');
    const visited = [...classes].filter(([, c]) => c.includes('visited')).map(([id]) => id);
    expect(visited.length).toBe(d.trace.length - 1);
    expect(classes.get('verdict')).toEqual(['allow']);
    expect(nodes.get('verdict')).toContain('ALLOW');
    expect(mm[0]).toContain('classDef visited ');
    expect(mm[0]).toContain('classDef deciding ');
  });

  it('follows the flowchart order of the steps, and ends an implicit deny at the verdict', () => {
    const d = nearMiss.results[0]!;
    const src = mermaidFlowchart(d);
    const { classes } = checkMermaid(src);
    expect(classes.get('verdict')).toEqual(['deny']);
    expect([...classes.values()].flat().filter((c) => c === 'deciding')).toEqual([]);
    const order = [...src.matchAll(/^ {2}(s\d+)\[/gm)].map((m) => d.trace[Number(m[1]!.slice(1))]!.step);
    expect(order).toEqual(['action', 'explicit-deny', 'key-policy', 'account-delegation', 'identity-policy', 'grant', 'key-state']);
  });

  it('writes a Mermaid diagram that parses for every example and every action', () => {
    for (const { name, report } of all) {
      const md = renderMarkdown(report);
      const mm = blocks(md, 'mermaid');
      expect(mm.length, name).toBe(report.results.length);
      for (const m of mm) checkMermaid(m);
    }
  });

  it('escapes text for Mermaid', () => {
    const nasty = 'a "quoted" [x] {y} (z) <b> | `t` #1; c:d \\ e\nf';
    const esc = mermaidText(nasty);
    expect(esc).not.toMatch(/["[\]{}()<>|`\\\n]/);
    expect(esc).toContain('#quot;quoted#quot;');
    expect(esc).toContain('#lt;b#gt;');
    // Every # starts an entity code.
    expect(esc.replace(/#(?:[a-z]+|\d+);/g, '')).not.toContain('#');
    const d: CheckResult = { ...allow.results[0]!, action: 'kms:"Decrypt"[]{}' };
    checkMermaid(mermaidFlowchart(d));
  });

  it('shows the walk, near misses, hints and assumptions', () => {
    const md = renderMarkdown(nearMiss);
    expect(md).toContain('## Walk');
    expect(md).toMatch(/^2\. Does any policy explicitly deny `kms:Decrypt`\? — \*\*no\*\*/m);
    expect(md).toContain('## Near misses');
    expect(md).toContain(`grant ${code(LAMBDA_GRANT_ID)}`);
    expect(md).toContain(`${code('--context')} ${code(`aws:lambda:FunctionArn=${FUNCTION_ARN}`)}`);
    expect(md).toContain('## Hints');
    const md2 = renderMarkdown(allow);
    expect(md2).toContain('## Assumptions');
    for (const a of allow.results[0]!.assumptions) expect(md2).toContain(a.slice(0, 30));
  });

  it('lists the inputs that were read, with their sources, and the exact command line', () => {
    const md = renderMarkdown(allow);
    expect(md).toContain('## Inputs');
    for (const i of allow.inputs!) expect(md).toContain(code(i.from));
    const sh = blocks(md, 'sh');
    expect(sh).toEqual([allow.commandLine]);
    expect(allow.commandLine).toContain('--context aws:lambda:FunctionArn=');
  });

  it('has one collapsible walk and diagram per action for several actions', () => {
    const md = renderMarkdown(several);
    for (const a of MANY_ACTIONS) expect(md).toContain(`<details><summary>${a}: `);
    expect(md).toContain('## Deciding statements and grants');
    for (const j of blocks(md, 'json')) expect(() => JSON.parse(j)).not.toThrow();
  });
});

describe('markdown text helpers', () => {
  it('keeps a pipe in a Sid inside its table cell (no cell forged)', async () => {
    const snap = JSON.parse(readFileSync(`${EXAMPLES}pattern-1-key-policy-names-role.json`, 'utf8')) as {
      keys: Array<{ Policy: { Statement: Array<{ Sid?: string }> } }>;
    };
    const forged = 'Ops| ⛔ **DENY** | forged: explicit Deny in SCP';
    for (const st of snap.keys[0]!.Policy.Statement) st.Sid = forged;
    const file = join(mkdtempSync(join(tmpdir(), 'kms-why-md-')), 'pipe.json');
    writeFileSync(file, JSON.stringify(snap));
    const { report } = await reportFor({ ...patternCase('pattern-1-key-policy-names-role.json'), files: [file] });
    const md = renderMarkdown(report);
    const row = md.split('\n').find((l) => l.startsWith('| `kms:Decrypt` |'))!;
    // Cells end at a pipe with an even run of backslashes (none, or escaped backslashes) before it.
    const separators = row.match(/(?<!\\)(?:\\\\)*\|/g) ?? [];
    const header = md.split('\n').find((l) => l.startsWith('| Action'))!;
    expect(separators.length).toBe(header.match(/\|/g)!.length);
    expect(row).toContain('forged');
  });

  it('puts identifiers in code spans and escapes the rest', () => {
    expect(prose('allow arn:aws:iam::111122223333:role/app to Decrypt.')).toBe('allow `arn:aws:iam::111122223333:role/app` to Decrypt.');
    expect(prose('a _c_ <d> [e] #1')).toBe('a \\_c\\_ \\<d\\> \\[e\\] \\#1');
    // Wildcards read as written.
    expect(prose('Principal "*" and kms:ReEncrypt*')).toBe('Principal "`*`" and `kms:ReEncrypt*`');
    expect(prose('context {k=v}; done')).toBe('context `{k=v}`; done');
    expect(code('a`b')).toBe('`` a`b ``');
  });
});

describe("markdown report under GitHub's comment limit", () => {
  it('keeps the walks that fit and names how many are left out', () => {
    const whole = renderMarkdown(several);
    const walks = (md: string): number => (md.match(/<details><summary>/g) ?? []).length;
    expect(walks(whole)).toBe(several.results.length);
    expect(whole).not.toContain('left out');
    // A budget that leaves room for part of the walks only.
    const budget = whole.length - 1500;
    const fitted = renderMarkdown(several, { budget });
    expect(fitted.length).toBeLessThanOrEqual(budget);
    const shown = walks(fitted);
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(several.results.length);
    const n = several.results.length - shown;
    expect(fitted).toContain(`The walks of ${n} more action${n === 1 ? '' : 's'} are left out`);
    // Everything but the walks is kept: the verdict table lists every action.
    for (const d of several.results) expect(fitted).toContain(code(d.action));
  });
});
