// `--output table` (the default on a terminal): a table (src/report/layout.ts) with one row per action, then
// for a single action the flowchart walk as a tree, then near misses, hints and assumptions.
// Colour comes only from options.color (a chalk instance of its own, never chalk's global level),
// so that nothing depends on the environment. Everything is laid out to options.width (the terminal's).
import { Chalk, type ChalkInstance } from 'chalk';
import type { Report } from '../model/report.js';
import { answerWord, MAX_WIDTH, ROW_HEADERS, rowCells, wrap, wrapHanging, wrapWithMarker, type ActionRow } from './explain.js';
import { layoutTable, type Cell, type Row } from './layout.js';
import type { RenderOptions } from './json.js';
import { reportView, type ReportView, type Section, type WalkLine } from './sections.js';

function verdictColour(c: ChalkInstance, verdict: string): (s: string) => string {
  switch (verdict) {
    case 'ALLOW':
    case 'allow':
    case 'yes':
      return c.green;
    case 'DENY':
    case 'deny':
    case 'no':
      return c.red;
    case 'UNKNOWN':
    case 'unknown':
      return c.yellow;
    default:
      return c.dim;
  }
}

function colourVerdictWords(c: ChalkInstance, s: string): string {
  return s.replace(/\b(ALLOW|DENY|UNKNOWN)\b/g, (w) => c.bold(verdictColour(c, w)(w)));
}

function rowsTable(c: ChalkInstance, rows: readonly ActionRow[], width: number): string {
  const body: Row[] = rows.map((r) => {
    const cells: Array<string | Cell> = rowCells(r);
    const verdict = cells[1] as string;
    cells[1] = { text: verdict, style: (s) => c.bold(verdictColour(c, verdict)(s)) };
    return cells;
  });
  return layoutTable(ROW_HEADERS, body, width, { head: (s) => c.bold(s), soft: [42, 7, 24, 30], hard: [12, 7, 12, 16], whole: [true, false, false, false] });
}

function treeWalk(c: ChalkInstance, walk: NonNullable<ReportView['walk']>, width: number): string[] {
  const out: string[] = [c.bold(`Flowchart walk (${walk.action})`)];
  const markOf = (w: WalkLine): string => (w.step === 'action' ? '-' : answerWord(w.answer));
  const markWidth = 8;
  for (const w of walk.lines) {
    const mark = markOf(w);
    const marker = '◀ decides';
    const q = w.deciding ? wrapWithMarker(w.question, marker, width - 3 - markWidth) : wrap(w.question, width - 3 - markWidth);
    const det = wrap(w.detail, width - 3 - markWidth);
    q.forEach((l, i) => {
      const lead = i === 0 ? '├─ ' : '│  ';
      const m = i === 0 ? verdictColour(c, w.step === 'action' ? 'n/a' : w.answer)(mark.padEnd(markWidth)) : ' '.repeat(markWidth);
      const last = w.deciding && i === q.length - 1 && l.endsWith(marker);
      const body = last ? l.slice(0, -marker.length) : l;
      out.push(lead + m + (w.deciding ? c.bold(body) : body) + (last ? c.bold.cyan(marker) : ''));
    });
    for (const l of det) out.push('│  ' + ' '.repeat(markWidth) + c.dim(l));
  }
  const outcome = wrap(walk.outcome, width - 3);
  outcome.forEach((l, i) => {
    out.push((i === 0 ? '└─ ' : '   ') + colourVerdictWords(c, l));
  });
  return out;
}

function section(c: ChalkInstance, s: Section, width: number): string[] {
  const out: string[] = wrap(s.title, width).map((l) => c.bold(l));
  for (const it of s.items) {
    out.push(...wrapHanging(it.text, width, '  • '));
    for (const sub of it.sub) out.push(...wrapHanging(sub, width, '      ').map((l) => c.dim(l)));
  }
  return out;
}

export function renderTable(report: Report, options: RenderOptions = {}): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const width = Math.min(options.width ?? MAX_WIDTH, MAX_WIDTH);
  const v = reportView(report);
  const out: string[] = [];
  out.push(...wrap(v.headline, width).map((l) => c.bold(colourVerdictWords(c, l))));
  const labelWidth = Math.max(...v.header.map(([k]) => k.length)) + 2;
  for (const [k, val] of v.header) {
    const lines = wrapHanging(val, width, `${k}:`.padEnd(labelWidth));
    out.push(...lines.map((l) => c.dim(l.slice(0, labelWidth)) + l.slice(labelWidth)));
  }
  out.push(rowsTable(c, v.rows, width));
  if (v.walk) {
    out.push('');
    out.push(...treeWalk(c, v.walk, width));
  }
  for (const s of v.sections) {
    out.push('');
    out.push(...section(c, s, width));
  }
  return out.map((l) => l.trimEnd()).join('\n') + '\n';
}
