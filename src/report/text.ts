// `--output text`: the table output's content as plain lines: no colour, no box characters, at most
// MAX_WIDTH columns (only an unbreakable token could exceed it, and wrap() breaks those too).
import type { CheckResult } from '../model/decision.js';
import type { Report } from '../model/report.js';
import { answerWord, decidedByWhat, MAX_WIDTH, ROW_HEADERS, rowCells, rowWidths, wrap, wrapHanging, wrapWithMarker } from './explain.js';
import { displayWidth, padColumns } from './width.js';
import type { RenderOptions } from './json.js';
import { reportView, type Section, type WalkLine } from './sections.js';

export { verdictWord } from './explain.js';

/** A sentence naming what decided the verdict (kept for callers of the first text renderer). */
export function decidedByText(d: CheckResult): string {
  const ids = d.reasons.map((r) =>
    r.source === 'grant' ? `grant ${r.id}` : `${r.source === 'key-policy' ? 'key policy' : (r.policyName ?? r.source)} "${r.id}"`,
  );
  switch (d.decidedBy) {
    case 'explicit-deny':
      return `explicit Deny: ${ids.join(', ')}`;
    case 'key-policy':
      return `key policy: ${ids.join(', ')}`;
    case 'key-policy-and-iam':
      return `key policy + IAM: ${ids.join(', ')}`;
    case 'iam-policy':
      return `IAM policy: ${ids.join(', ')}`;
    case 'grant':
      return `grant: ${ids.join(', ')}`;
    case 'implicit-deny':
      return 'no statement or grant applied';
    case 'scp':
      return 'an SCP level does not allow it';
    case 'rcp':
      return 'an RCP level does not allow it';
    case 'permissions-boundary':
      return 'the permissions boundary does not allow it';
    case 'session-policy':
      return 'the session policy does not allow it';
    case 'key-state':
      return d.keyStateError ?? 'key state';
    case 'unknown':
      return d.unreadable.length > 0 ? `depends on unreadable input: ${d.unreadable.map((u) => u.what).join(', ')}` : `depends on: ${decidedByWhat(d)}`;
  }
}

const GAP = '  ';

/**
 * A table without borders: columns separated by two spaces, a dashed line under the headings. A
 * first cell with no space that is wider than its column (kms:GenerateDataKeyPairWithoutPlaintext)
 * is never broken: it goes on a line of its own across the table, above the rest of its row, as
 * in the bordered table.
 */
export function plainTable(headers: readonly string[], rows: readonly string[][], widths: readonly number[]): string[] {
  const out: string[] = [];
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : padColumns(c, widths[i]!)))
      .join(GAP)
      .trimEnd();
  out.push(line(headers));
  out.push(line(widths.map((w) => '-'.repeat(w))));
  const alone = rows.map((r) => r[0] !== undefined && displayWidth(r[0]) > widths[0]! && !/\s/.test(r[0]));
  const wrapped = rows.map((r, ri) => r.map((c, i) => (i === 0 && alone[ri] ? [] : wrap(c, widths[i]!))));
  const tall = wrapped.some((r, ri) => alone[ri] || r.some((c) => c.length > 1));
  wrapped.forEach((cells, ri) => {
    if (tall && ri > 0) out.push('');
    if (alone[ri]) out.push(rows[ri]![0]!);
    const h = Math.max(...cells.map((c) => c.length));
    for (let k = 0; k < h; k++) out.push(line(cells.map((c) => c[k] ?? '')));
  });
  return out;
}

function walkMark(w: WalkLine): string {
  if (w.step === 'action') return '[-]'.padEnd(5);
  return `[${answerWord(w.answer)}]`.padEnd(5);
}

export function textWalk(walk: { action: string; lines: WalkLine[]; outcome: string }, width: number): string[] {
  const out: string[] = [`Flowchart walk (${walk.action}):`];
  for (const w of walk.lines) {
    const mark = walkMark(w);
    const first = `  ${mark} `;
    const q = w.deciding ? wrapWithMarker(w.question, '<- decides', width - first.length) : wrap(w.question, width - first.length);
    out.push(...q.map((l, i) => (i === 0 ? first : ' '.repeat(first.length)) + l));
    out.push(...wrapHanging(w.detail, width, ' '.repeat(3 + mark.length)));
  }
  out.push(...wrapHanging(walk.outcome, width, '  => '));
  return out;
}

export function textSection(s: Section, width: number): string[] {
  // A title can be long ("Not evaluated (the request lacks …)"): wrapped like the rest.
  const out: string[] = wrap(`${s.title}:`, width);
  for (const it of s.items) {
    out.push(...wrapHanging(it.text, width, '  - '));
    for (const sub of it.sub) out.push(...wrapHanging(sub, width, '      '));
  }
  return out;
}

export function renderText(report: Report, options: RenderOptions = {}): string {
  const width = Math.min(options.width ?? MAX_WIDTH, MAX_WIDTH);
  const v = reportView(report);
  const out: string[] = [];
  out.push(...wrap(v.headline, width));
  const labelWidth = Math.max(...v.header.map(([k]) => k.length)) + 2;
  for (const [k, val] of v.header) out.push(...wrapHanging(val, width, `${k}:`.padEnd(labelWidth)));
  out.push('');
  const widths = rowWidths(v.rows, width - GAP.length * (ROW_HEADERS.length - 1));
  out.push(...plainTable(ROW_HEADERS, v.rows.map(rowCells), widths));
  if (v.walk) {
    out.push('');
    out.push(...textWalk(v.walk, width));
  }
  for (const s of v.sections) {
    out.push('');
    out.push(...textSection(s, width));
  }
  return out.map((l) => l.trimEnd()).join('\n') + '\n';
}
