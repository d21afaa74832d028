// Assembles the report from decisions (pure).
import type { Decision, OrgPoliciesNotGiven } from '../model/decision.js';
import type { NotEvaluated, Report } from '../model/report.js';
import type { Request } from '../model/request.js';
import type { InputRecord } from '../model/snapshot.js';
import { phraseDecision } from './phrases.js';

export function buildReport(
  request: Request,
  decisions: Decision[],
  meta: { inputs?: InputRecord[]; commandLine?: string; notEvaluated?: NotEvaluated[] } = {},
): Report {
  const report: Report = {
    kmsWhyReport: 1,
    key: decisions.find((d) => d.keyArn !== undefined)?.keyArn ?? request.keyArn ?? null,
    principal: request.principal,
    request: {
      encryptionContext: request.encryptionContext ?? {},
      viaService: request.viaService ?? null,
      conditions: request.context ?? {},
    },
    results: decisions.map(phraseDecision),
  };
  if (request.keyIdentifier !== undefined) report.request.keyIdentifier = request.keyIdentifier;
  if (request.grantId !== undefined) report.request.grantId = request.grantId;
  if (request.at !== undefined) report.request.at = request.at;
  if (request.absent !== undefined && request.absent.length > 0) report.request.absent = request.absent;
  if (meta.inputs !== undefined) report.inputs = meta.inputs;
  if (meta.commandLine !== undefined) report.commandLine = meta.commandLine;
  if (meta.notEvaluated !== undefined) report.notEvaluated = meta.notEvaluated;
  const notGiven = orgPoliciesNotGiven(decisions);
  if (notGiven.length > 0) report.orgPoliciesNotGiven = notGiven;
  return report;
}

/**
 * The organization policies no input gives that could deny what the report allows: those of its
 * allowed decisions (they can only deny; a verdict that is not an allow already says the request
 * may not be allowed), each once, SCPs first.
 */
export function orgPoliciesNotGiven(decisions: readonly Pick<Decision, 'decision' | 'orgPoliciesNotGiven'>[]): OrgPoliciesNotGiven[] {
  const seen = new Map<string, OrgPoliciesNotGiven>();
  for (const d of decisions) {
    if (d.decision !== 'allow') continue;
    for (const n of d.orgPoliciesNotGiven ?? []) if (!seen.has(`${n.kind}|${n.account}`)) seen.set(`${n.kind}|${n.account}`, n);
  }
  const all = [...seen.values()];
  return [...all.filter((n) => n.kind === 'scp'), ...all.filter((n) => n.kind === 'rcp')];
}

/**
 * Exit code for a set of verdicts (README "Exit codes"): 3 unknown > 1 deny > 0 allow. With
 * `expect`, a verdict that is known and differs is a confirmed mismatch: 1, even beside an unknown
 * one (3 would let a CI step that tolerates unknown verdicts pass it).
 */
export function exitCodeFor(decisions: readonly Pick<Decision, 'decision'>[], expect?: 'allow' | 'deny'): number {
  if (expect !== undefined && decisions.some((d) => d.decision !== 'unknown' && d.decision !== expect)) return 1;
  if (decisions.some((d) => d.decision === 'unknown')) return 3;
  if (expect !== undefined) return 0;
  return decisions.every((d) => d.decision === 'allow') ? 0 : 1;
}
