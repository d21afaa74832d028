// The content of the text and table outputs, independent of how it is drawn: the header, one row
// per action, the flowchart walk (single action) and titled sections of bullet items.
import type { CheckResult, StepAnswer, StepId } from '../model/decision.js';
import type { Report } from '../model/report.js';
import {
  actionRow,
  decidedByWhat,
  decidingIndex,
  decidingReasons,
  describeGrantReason,
  nearMisses,
  reasonRef,
  requestLines,
  groupByAction,
  summaryCounts,
  unique,
  unreadableInputs,
  verdictWord,
  type ActionRow,
} from './explain.js';
import { orgPoliciesNotGivenText } from './phrases.js';

export interface Item {
  text: string;
  sub: string[];
}

export interface Section {
  title: string;
  items: Item[];
}

export interface WalkLine {
  step: StepId;
  answer: StepAnswer;
  question: string;
  detail: string;
  deciding: boolean;
}

export interface ReportView {
  headline: string;
  header: Array<[string, string]>;
  rows: ActionRow[];
  /** Only for a single action. */
  walk?: { action: string; lines: WalkLine[]; outcome: string };
  sections: Section[];
}

const item = (text: string, sub: string[] = []): Item => ({ text, sub });

export function headline(report: Report): string {
  const rs = report.results;
  if (rs.length === 1) {
    const d = rs[0]!;
    return `${d.action}: ${verdictWord(d)} (decided by ${decidedByWhat(d)})`;
  }
  return summaryCounts(rs) + notEvaluatedCount(report);
}

/** ", 3 not evaluated" after the counts (check --action all without --grant-id …). */
export function notEvaluatedCount(report: Report): string {
  const n = report.notEvaluated?.length ?? 0;
  return n > 0 ? `; ${n} not evaluated` : '';
}

/** "kms:RetireGrant: not evaluated: needs --grant-id". */
export function notEvaluatedLines(report: Report): string[] {
  return (report.notEvaluated ?? []).map((x) => `${x.action}: not evaluated: needs ${x.needs.join(' and ')}`);
}

/** The report's own assumptions, once per report (not per action): the organization policies no input gives. */
export function reportAssumptions(report: Report): string[] {
  return report.orgPoliciesNotGiven !== undefined && report.orgPoliciesNotGiven.length > 0 ? [orgPoliciesNotGivenText(report.orgPoliciesNotGiven)] : [];
}

export function walkOf(d: CheckResult): { action: string; lines: WalkLine[]; outcome: string } {
  const di = decidingIndex(d);
  const lines = d.trace.map((t, i) => ({ step: t.step, answer: t.answer, question: t.question, detail: t.detail, deciding: i === di }));
  const outcome =
    d.decidedBy === 'implicit-deny'
      ? `${verdictWord(d)}: nothing allowed it (implicit deny)`
      : `${verdictWord(d)}, decided by ${decidedByWhat(d)}${d.reasons.length > 0 ? `: ${d.reasons.map(reasonRef).join(', ')}` : ''}`;
  return { action: d.action, lines, outcome };
}

function nearMissSection(results: readonly CheckResult[]): Section {
  const lines = (d: CheckResult): string[] => nearMisses(d).map((n) => [`${n.what} ${n.why}`, ...n.details].join('\n'));
  return {
    title: 'Near misses',
    items: groupByAction(results, lines).map((g) => {
      const [text = '', ...sub] = g.text.split('\n');
      return item(text, g.actions.length > 0 ? [...sub, `for ${g.actions.join(', ')}`] : sub);
    }),
  };
}

function listSection(title: string, results: readonly CheckResult[], pick: (d: CheckResult) => readonly string[]): Section {
  return {
    title,
    items: groupByAction(results, pick).map((g) => item(g.text, g.actions.length > 0 ? [`for ${g.actions.join(', ')}`] : [])),
  };
}

export function reportView(report: Report): ReportView {
  const rs = report.results;
  const header: Array<[string, string]> = [['key', report.key ?? '(none)'], ['principal', report.principal], ...requestLines(report)];
  const sections: Section[] = [];
  const notEvaluated = notEvaluatedLines(report);
  if (notEvaluated.length > 0)
    sections.push({
      title: 'Not evaluated (the request lacks a detail these actions need; they do not affect the exit code)',
      items: notEvaluated.map((t) => item(t)),
    });
  if (rs.length === 1) {
    const d = rs[0]!;
    if (d.reasons.length > 0) {
      sections.push({
        title: d.decision === 'allow' ? 'Allowed by' : d.decidedBy === 'explicit-deny' ? 'Denied by' : 'Authorized by',
        items: d.reasons.map((r) => item(r.source === 'grant' ? describeGrantReason(r) : `${r.effect} ${reasonRef(r)}`)),
      });
    }
  } else {
    const dr = decidingReasons(rs);
    if (dr.length > 0) {
      sections.push({
        title: 'Deciding statements and grants',
        items: dr.map((x) =>
          item(x.reason.source === 'grant' ? describeGrantReason(x.reason) : `${x.reason.effect} ${reasonRef(x.reason)}`, [`for ${x.actions.join(', ')}`]),
        ),
      });
    }
  }
  sections.push(nearMissSection(rs));
  const missing = unique(rs.flatMap((d) => d.missingContext));
  if (missing.length > 0) sections.push({ title: 'Missing from the request', items: missing.map((m) => item(m)) });
  const keyErrors = rs.flatMap((d) => (d.keyStateError !== undefined && d.decidedBy !== 'key-state' ? [{ action: d.action, error: d.keyStateError }] : []));
  if (keyErrors.length > 0) sections.push({ title: 'Key state', items: keyErrors.map((d) => item(rs.length > 1 ? `${d.action}: ${d.error}` : d.error)) });
  sections.push(listSection('Hints', rs, (d) => d.hints));
  // What kms-why took as none because no input gives it, then what it assumes where AWS is silent.
  sections.push({ title: 'Assumptions', items: [...reportAssumptions(report), ...unique(rs.flatMap((d) => d.assumptions))].map((a) => item(a)) });
  sections.push({ title: 'Unreadable inputs', items: unreadableInputs(report).map((u) => item(`${u.what}: ${u.why}`)) });
  const view: ReportView = {
    headline: headline(report),
    header,
    rows: rs.map(actionRow),
    sections: sections.filter((s) => s.items.length > 0),
  };
  if (rs.length === 1) view.walk = walkOf(rs[0]!);
  return view;
}
