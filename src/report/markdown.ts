// `--output markdown`: a report to paste into a ticket. A headline verdict, the action table, the
// deciding statement or grant as a JSON excerpt, the flowchart as a Mermaid diagram with the path
// this request took highlighted, the walk, near misses, hints, assumptions, the inputs that were
// read and the command line that produced it.
//
// Identifiers (ARNs, ids, condition keys, actions) are put in code spans, so that they render as
// written and so that `--redact` placeholders such as <role-1> are not taken for HTML.
import type { CheckResult, Reason } from '../model/decision.js';
import type { Report } from '../model/report.js';
import {
  actionRow,
  answerWord,
  decidedByWhat,
  decidingIndex,
  decidingReasons,
  describeGrantReason,
  groupByAction,
  nearMisses,
  reasonLine,
  reasonRef,
  requestLines,
  STEP_ORDER,
  STEP_TITLE,
  summaryCounts,
  unique,
  unreadableInputs,
  verdictWord,
} from './explain.js';
import type { RenderOptions } from './json.js';
import { notEvaluatedCount, notEvaluatedLines, reportAssumptions } from './sections.js';

// ---------------------------------------------------------------------------------------------
// Markdown text

/** A code span that survives any content (backticks inside choose a longer fence). */
export function code(s: string): string {
  const runs = s.match(/`+/g) ?? [];
  const n = runs.reduce((m, r) => Math.max(m, r.length), 0) + 1;
  const fence = '`'.repeat(n);
  const pad = s.startsWith('`') || s.endsWith('`') || n > 1 ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** Escapes Markdown's special characters in prose. */
export function escapeMd(s: string): string {
  return s.replace(/[\\`*_[\]<>|~&#]/g, (c) => `\\${c}`);
}

/** A fenced block whose fence is longer than any backtick run inside. */
export function fenced(lang: string, body: string): string {
  const runs = body.match(/`{3,}/g) ?? [];
  const n = Math.max(3, ...runs.map((r) => r.length + 1));
  const f = '`'.repeat(n);
  return `${f}${lang}\n${body.replace(/\n+$/, '')}\n${f}`;
}

/** Tokens that read better (and redact safely) as code: ARNs, actions, condition keys, ids. */
function looksLikeCode(core: string): boolean {
  return (
    /^arn:/i.test(core) ||
    /^[A-Za-z0-9-]+:[A-Za-z0-9*${]/.test(core) ||
    /\d{12}/.test(core) ||
    /^[0-9a-f]{16,}$/i.test(core) ||
    /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(core) ||
    /^--[a-z]/.test(core) ||
    /[=/*{}]/.test(core) ||
    /^A[A-Z]{3}[A-Z0-9]{12,}$/.test(core)
  );
}

/** Prose with identifiers in code spans and everything else escaped. */
export function prose(text: string): string {
  return text
    .split(/(\s+)/)
    .map((tok) => {
      if (tok === '' || /^\s+$/.test(tok)) return tok === '' ? '' : ' ';
      const m = /^([("'[]*)(.*?)([)"'\].,;:?!]*)$/.exec(tok);
      const lead = m?.[1] ?? '';
      let core = m?.[2] ?? tok;
      let trail = m?.[3] ?? '';
      // A closing bracket that belongs to the token ("{k=v}") stays in it.
      if (core.includes('{') && trail.startsWith('}')) {
        core += '}';
        trail = trail.slice(1);
      }
      if (core !== '' && looksLikeCode(core)) return escapeMd(lead) + code(core) + escapeMd(trail);
      return escapeMd(tok);
    })
    .join('');
}

/**
 * A table cell: one line, pipes escaped (also inside code spans, as GFM requires). A pipe that
 * prose() escaped already (an odd run of backslashes before it) stays as it is: escaped again, its
 * backslash escaped the backslash and the pipe split the cell (a Sid "a| **DENY** |" forged cells).
 */
export function cell(md: string): string {
  return md.replace(/\r?\n/g, '<br>').replace(/(\\*)\|/g, (m, bs: string) => (bs.length % 2 === 1 ? m : `${bs}\\|`));
}

/** A table row of Markdown cells (each made one line, its pipes escaped, by cell()). */
export function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function table(headers: string[], rows: string[][]): string[] {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map(row)];
}

function verdictBadge(v: CheckResult['decision']): string {
  return v === 'allow' ? '✅ **ALLOW**' : v === 'deny' ? '⛔ **DENY**' : '❓ **UNKNOWN**';
}

function refMd(r: Reason): string {
  if (r.source === 'grant') return `grant ${code(r.id)}`;
  return prose(reasonRef(r));
}

// ---------------------------------------------------------------------------------------------
// Mermaid

/**
 * Text for a Mermaid label: every character that Mermaid's grammar or its HTML labels could take
 * as syntax becomes an entity code (#quot; #35; …), so the diagram always parses.
 */
export function mermaidText(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/[#"&<>[\]{}()|`;:\\]/g, (c) => {
    switch (c) {
      case '"':
        return '#quot;';
      case '&':
        return '#amp;';
      case '<':
        return '#lt;';
      case '>':
        return '#gt;';
      default:
        return `#${c.charCodeAt(0)};`;
    }
  });
}

function answerLabel(a: CheckResult['trace'][number]['answer']): string {
  return answerWord(a);
}

/** The mermaid node id of trace entry i. */
export function mermaidNodeId(i: number): string {
  return `s${i}`;
}

/**
 * The KMS flowchart for one decision: one box per step in the trace (in flowchart order), each
 * annotated with its answer, ending in the verdict. Visited boxes, the deciding box and the
 * verdict are styled with classDef/class.
 */
export function mermaidFlowchart(d: CheckResult): string {
  const rank = (s: string): number => {
    const i = STEP_ORDER.indexOf(s as (typeof STEP_ORDER)[number]);
    return i === -1 ? STEP_ORDER.length : i;
  };
  const order = d.trace.map((t, i) => ({ t, i })).sort((a, b) => rank(a.t.step) - rank(b.t.step) || a.i - b.i);
  const di = decidingIndex(d);
  const lines: string[] = ['flowchart TD'];
  for (const { t, i } of order) {
    const title = t.step === 'action' ? `Which kind of action is ${d.action}?` : STEP_TITLE[t.step];
    const parts = [mermaidText(title), `answer: ${mermaidText(answerLabel(t.answer))}`];
    if (i === di) parts.push(mermaidText('decided here'));
    lines.push(`  ${mermaidNodeId(i)}["${parts.join('<br/>')}"]`);
  }
  const verdictLabel = d.decidedBy === 'implicit-deny' ? [verdictWord(d), 'nothing allowed it'] : [verdictWord(d), `decided by ${decidedByWhat(d)}`];
  lines.push(`  verdict(["${verdictLabel.map(mermaidText).join('<br/>')}"])`);
  for (let k = 0; k < order.length; k++) {
    const from = order[k]!;
    const to = k + 1 < order.length ? mermaidNodeId(order[k + 1]!.i) : 'verdict';
    lines.push(`  ${mermaidNodeId(from.i)} -->|"${mermaidText(answerLabel(from.t.answer))}"| ${to}`);
  }
  // A step that decided before the end of the walk gets its own arrow to the verdict.
  const last = order[order.length - 1];
  if (di >= 0 && last !== undefined && last.i !== di) lines.push(`  ${mermaidNodeId(di)} ==>|"${mermaidText('decides')}"| verdict`);
  if (order.length === 0) lines.push('  start(["request"]) --> verdict');
  lines.push('  classDef visited fill:#dbeafe,stroke:#1d4ed8,stroke-width:2px,color:#111827;');
  lines.push('  classDef deciding fill:#fde68a,stroke:#b45309,stroke-width:4px,color:#111827;');
  lines.push('  classDef allow fill:#bbf7d0,stroke:#15803d,stroke-width:3px,color:#111827;');
  lines.push('  classDef deny fill:#fecaca,stroke:#b91c1c,stroke-width:3px,color:#111827;');
  lines.push('  classDef unknown fill:#fef3c7,stroke:#a16207,stroke-width:3px,color:#111827;');
  const visited = order.filter((o) => o.i !== di).map((o) => mermaidNodeId(o.i));
  if (visited.length > 0) lines.push(`  class ${visited.join(',')} visited;`);
  if (di >= 0) lines.push(`  class ${mermaidNodeId(di)} deciding;`);
  lines.push(`  class verdict ${d.decision};`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Sections

function walkList(d: CheckResult): string[] {
  const di = decidingIndex(d);
  const out = d.trace.map((t, i) => {
    const mark = t.step === 'action' ? '' : ` — **${answerWord(t.answer)}**`;
    const decides = i === di ? ' _(decided here)_' : '';
    return `${i + 1}. ${prose(t.question)}${mark}${decides}<br>${prose(t.detail)}`;
  });
  out.push(
    `${d.trace.length + 1}. ⇒ ${verdictBadge(d.decision)}, ${d.decidedBy === 'implicit-deny' ? 'nothing allowed it (implicit deny)' : `decided by ${escapeMd(decidedByWhat(d))}`}`,
  );
  return out;
}

function excerptBlock(r: Reason, actions?: string[]): string[] {
  const out: string[] = [];
  const title = r.source === 'grant' ? prose(describeGrantReason(r)) : `${r.effect} ${refMd(r)}`;
  out.push(`- ${title}${actions ? ` — for ${actions.map(code).join(', ')}` : ''}`);
  if (r.excerpt !== undefined) {
    out.push('');
    out.push(
      ...fenced('json', JSON.stringify(r.excerpt, null, 2))
        .split('\n')
        .map((l) => `  ${l}`),
    );
    out.push('');
  }
  return out;
}

function bulletList(lines: Array<{ text: string; sub?: string[] }>): string[] {
  const out: string[] = [];
  for (const l of lines) {
    out.push(`- ${l.text}`);
    for (const s of l.sub ?? []) out.push(`  - ${s}`);
  }
  return out;
}

function nearMissLines(results: readonly CheckResult[]): Array<{ text: string; sub: string[] }> {
  const lines = (d: CheckResult): string[] => nearMisses(d).map((n) => [`${n.what} ${n.why}`, ...n.details].join('\n'));
  return groupByAction(results, lines).map((g) => {
    const [text = '', ...sub] = g.text.split('\n');
    return { text: prose(text), sub: [...sub.map(prose), ...(g.actions.length > 0 ? [`for ${g.actions.map(code).join(', ')}`] : [])] };
  });
}

function groupedLines(results: readonly CheckResult[], pick: (d: CheckResult) => readonly string[]): Array<{ text: string; sub: string[] }> {
  return groupByAction(results, pick).map((g) => ({ text: prose(g.text), sub: g.actions.length > 0 ? [`for ${g.actions.map(code).join(', ')}`] : [] }));
}

function headlineOf(report: Report): string[] {
  const rs = report.results;
  if (rs.length === 1) {
    const d = rs[0]!;
    const by = d.reasons.length > 0 ? `: ${d.reasons.map(refMd).join(', ')}` : '';
    return [
      `# ${escapeMd(d.action)}: ${verdictWord(d)}`,
      '',
      `${verdictBadge(d.decision)} — decided by **${escapeMd(decidedByWhat(d))}**${by}. ${sentence(prose(capitalize(reasonLine(d))))}`,
    ];
  }
  const worst = rs.some((d) => d.decision === 'unknown') ? 'unknown' : rs.some((d) => d.decision === 'deny') ? 'deny' : 'allow';
  return [
    `# kms-why: ${escapeMd(summaryCounts(rs) + notEvaluatedCount(report))}`,
    '',
    `${verdictBadge(worst)} overall (the least favourable verdict of all actions).`,
  ];
}

function capitalize(s: string): string {
  return s.length > 0 ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/**
 * GitHub refuses a comment over 65,536 characters: every Markdown report (check, who-can, grants,
 * diff) stays under this, leaving room for what a redaction's stand-ins add. check leaves out
 * per-action flowchart walks to fit.
 */
export const MARKDOWN_BUDGET = 60_000;

export function renderMarkdown(report: Report, options: RenderOptions & { budget?: number } = {}): string {
  const budget = options.budget ?? MARKDOWN_BUDGET;
  const rs = report.results;
  const out: string[] = [];
  /** With several actions: each one's walk (inserted at walksAt once the rest is laid out, as many as fit). */
  const walks: string[][] = [];
  let walksAt = -1;
  const section = (title: string, body: string[]): void => {
    const b = [...body];
    while (b.length > 0 && b[b.length - 1] === '') b.pop();
    if (b.length === 0) return;
    out.push('', `## ${title}`, '', ...b);
  };

  out.push(...headlineOf(report));
  out.push('');
  out.push(
    ...table(
      ['Request', ''],
      [
        ['Key', report.key === null ? '_(none)_' : code(report.key)],
        ['Principal', code(report.principal)],
        ...requestLines(report).map(([k, v]) => [escapeMd(capitalize(k)), code(v)]),
      ],
    ),
  );

  section(
    rs.length === 1 ? 'Verdict' : 'Verdicts',
    table(
      ['Action', 'Verdict', 'Decided by', 'Statement / grant', 'Reason'],
      rs.map((d) => {
        const row = actionRow(d);
        return [
          code(row.action),
          verdictBadge(d.decision),
          escapeMd(row.decidedBy),
          d.reasons.length > 0 ? d.reasons.map(refMd).join('<br>') : '—',
          prose(row.reason),
        ];
      }),
    ),
  );

  section('Not evaluated', [
    ...(report.notEvaluated !== undefined && report.notEvaluated.length > 0
      ? ['The request lacks a detail these actions need; they do not affect the exit code.', '']
      : []),
    ...bulletList(notEvaluatedLines(report).map((t) => ({ text: prose(t) }))),
  ]);

  if (rs.length === 1) {
    const d = rs[0]!;
    const title = d.reasons.length === 1 ? `Deciding ${d.reasons[0]!.source === 'grant' ? 'grant' : 'statement'}` : 'Deciding statements and grants';
    section(
      title,
      d.reasons.flatMap((r) => excerptBlock(r)),
    );
    section('Flowchart', [fenced('mermaid', mermaidFlowchart(d))]);
    section('Walk', walkList(d));
  } else {
    section(
      'Deciding statements and grants',
      decidingReasons(rs).flatMap((x) => excerptBlock(x.reason, x.actions)),
    );
    for (const d of rs) {
      walks.push([
        `<details><summary>${escapeMd(d.action)}: ${verdictWord(d)} (${escapeMd(decidedByWhat(d))})</summary>`,
        '',
        fenced('mermaid', mermaidFlowchart(d)),
        '',
        ...walkList(d),
        '',
        '</details>',
      ]);
    }
    walksAt = out.length;
  }

  section('Near misses', bulletList(nearMissLines(rs)));
  const missing = unique(rs.flatMap((d) => d.missingContext));
  section('Missing from the request', bulletList(missing.map((m) => ({ text: code(m) }))));
  section('Hints', bulletList(groupedLines(rs, (d) => d.hints)));
  section('Assumptions', bulletList([...reportAssumptions(report), ...unique(rs.flatMap((d) => d.assumptions))].map((a) => ({ text: prose(a) }))));
  section('Unreadable inputs', bulletList(unreadableInputs(report).map((u) => ({ text: `${prose(u.what)}: ${prose(u.why)}` }))));
  if (report.inputs !== undefined && report.inputs.length > 0) {
    section(
      'Inputs',
      table(
        ['Input', 'Read from', 'Status'],
        report.inputs.map((i) => [prose(i.what), code(i.from), escapeMd(i.status) + (i.detail ? `: ${prose(i.detail)}` : '')]),
      ),
    );
  }
  if (report.commandLine !== undefined) section('Command', [fenced('sh', report.commandLine)]);
  if (walksAt >= 0) out.splice(walksAt, 0, ...fittedWalks(walks, budget - (out.join('\n').length + 1)));
  return out.join('\n') + '\n';
}

/** The walks section: the walks that fit in `room` characters, in order, and a line naming those left out. */
function fittedWalks(walks: readonly string[][], room: number): string[] {
  const head = ['', '## Flowchart walks', ''];
  const body: string[] = [];
  // Room for the heading and the closing note.
  let left = room - 400;
  let shown = 0;
  for (const w of walks) {
    const size = w.join('\n').length + 2;
    if (size > left) break;
    if (shown > 0) body.push('');
    body.push(...w);
    left -= size;
    shown++;
  }
  if (shown < walks.length) {
    if (shown > 0) body.push('');
    body.push(
      `_The walks of ${walks.length - shown} more action${walks.length - shown === 1 ? '' : 's'} are left out to keep this under GitHub's comment limit; \`--output text\` or \`--output json\` has every one._`,
    );
  }
  return [...head, ...body];
}

/** Ends a sentence with one full stop (a reason may already end with one). */
function sentence(text: string): string {
  return text.endsWith('.') ? text : `${text}.`;
}
