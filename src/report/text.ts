// `--output text`: plain lines, no colour, no box characters.
import type { Decision, TraceStep } from '../model/decision.js';
import type { Report } from '../model/report.js';
import type { RenderOptions } from './json.js';

export function verdictWord(d: Decision): string {
  switch (d.decision) {
    case 'allow':
      return 'ALLOW';
    case 'deny':
      return 'DENY';
    case 'unknown':
      return 'UNKNOWN';
  }
}

export function decidedByText(d: Decision): string {
  const ids = d.reasons.map((r) => (r.source === 'grant' ? `grant ${r.id}` : `${r.source === 'key-policy' ? 'key policy' : r.policyName ?? r.source} "${r.id}"`));
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
      return `depends on unreadable input: ${d.unreadable.map((u) => u.what).join(', ') || 'missing request details'}`;
  }
}

function stepLine(t: TraceStep): string {
  const mark = t.answer === 'yes' ? 'yes' : t.answer === 'no' ? 'no ' : t.answer === 'unknown' ? '?  ' : 'n/a';
  return `  [${mark}] ${t.question} ${t.detail}`;
}

export function renderText(report: Report, _options: RenderOptions = {}): string {
  const out: string[] = [];
  out.push(`key:       ${report.key ?? '(none)'}`);
  out.push(`principal: ${report.principal}`);
  out.push('');
  for (const d of report.results) {
    out.push(`${d.action}: ${verdictWord(d)} (${d.decidedBy}) — ${decidedByText(d)}`);
    if (report.results.length === 1) {
      out.push('flowchart:');
      for (const t of d.trace) out.push(stepLine(t));
    }
    for (const h of d.hints) out.push(`  hint: ${h}`);
    for (const a of d.assumptions) out.push(`  assumed: ${a}`);
    if (d.missingContext.length > 0) out.push(`  missing context: ${d.missingContext.join(', ')}`);
  }
  return out.join('\n') + '\n';
}
