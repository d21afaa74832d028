// `--output json`: the report contract, stable field order.
import type { CheckResult, Reason } from '../model/decision.js';
import type { Report } from '../model/report.js';

/** Options every renderer takes: `(report, options) => string`. */
export interface RenderOptions {
  /** ANSI colour; only the table renderer draws in colour, and only when this is true. */
  color?: boolean;
  /** The width tables are laid out to (the terminal's; 80 when not a terminal). */
  width?: number;
}

function reasonJson(r: Reason): Record<string, unknown> {
  const o: Record<string, unknown> = { source: r.source, id: r.id, effect: r.effect };
  if (r.policyName !== undefined) o.policyName = r.policyName;
  if (r.statementIndex !== undefined) o.statementIndex = r.statementIndex;
  return o;
}

function resultJson(d: CheckResult): Record<string, unknown> {
  const o: Record<string, unknown> = {
    action: d.action,
    decision: d.decision,
    decidedBy: d.decidedBy,
    authorization: d.authorization,
    reasons: d.reasons.map(reasonJson),
    trace: d.trace,
    missingContext: d.missingContext,
    hints: d.hints,
    assumptions: d.assumptions,
  };
  if (d.keyStateError !== undefined) o.keyStateError = d.keyStateError;
  if (d.unreadable.length > 0)
    o.unreadable = d.unreadable.map((u) => ({ what: u.what, reason: u.reason, ...(u.neededPermission ? { neededPermission: u.neededPermission } : {}) }));
  if (d.keyArn !== undefined && d.keyArn !== undefined) o.key = d.keyArn;
  return o;
}

export function renderJson(report: Report, _options: RenderOptions = {}): string {
  const o: Record<string, unknown> = {
    kmsWhyReport: report.kmsWhyReport,
    key: report.key,
    principal: report.principal,
    request: report.request,
    results: report.results.map(resultJson),
  };
  if (report.notEvaluated !== undefined) o.notEvaluated = report.notEvaluated;
  if (report.orgPoliciesNotGiven !== undefined) o.orgPoliciesNotGiven = report.orgPoliciesNotGiven;
  if (report.inputs !== undefined) o.inputs = report.inputs;
  if (report.commandLine !== undefined) o.commandLine = report.commandLine;
  return JSON.stringify(o, null, 2) + '\n';
}
