// `--fix` on the evaluating commands (decrypt, encrypt, every per-action command, re-encrypt,
// check): for each action that is not allowed, the verified, ranked proposals of
// analyses/fix.ts, rendered after the report in the same format. Loaded only with --fix.
import type { Decision } from '../model/decision.js';
import type { Report } from '../model/report.js';
import type { Request } from '../model/request.js';
import type { Snapshot } from '../model/snapshot.js';
import { proposeFixes } from '../analyses/fix.js';
import { fixesJson, fixesMarkdown, fixesText, type ActionFix } from '../report/fix.js';
import { renderReport, type OutputFormat } from './output.js';

/** The proposals for every request whose verdict is not allow. */
export function fixesFor(snapshot: Snapshot, requests: readonly Request[], decisions: readonly Decision[]): ActionFix[] {
  const out: ActionFix[] = [];
  requests.forEach((r, i) => {
    if (decisions[i]?.decision === 'allow') return;
    out.push({ action: r.action, fix: proposeFixes(snapshot, r) });
  });
  return out;
}

/** The report and its fixes, in one format (JSON: the report with a `fixes` field). */
export async function renderWithFixes(
  report: Report,
  fixes: readonly ActionFix[],
  format: OutputFormat,
  opts: { color: boolean; redact: boolean; width: number },
): Promise<string> {
  let text: string;
  if (format === 'json') {
    const json = JSON.parse(await renderReport(report, 'json', { color: false, redact: false, width: opts.width })) as Record<string, unknown>;
    json.fixes = fixesJson(fixes);
    text = JSON.stringify(json, null, 2) + '\n';
  } else if (format === 'markdown') {
    // Under GitHub's comment limit together: the fixes first (up to half of it), the report in what is left.
    const { MARKDOWN_BUDGET } = await import('../report/markdown.js');
    const fixesMd = fixesMarkdown(fixes, MARKDOWN_BUDGET / 2);
    text = (await renderReport(report, format, { color: false, redact: false, width: opts.width, markdownBudget: MARKDOWN_BUDGET - fixesMd.length })) + fixesMd;
  } else {
    const body = await renderReport(report, format, { color: opts.color, redact: false, width: opts.width });
    text = body + fixesText(fixes, opts.width);
  }
  if (opts.redact) text = (await import('../report/redact.js')).redact(text);
  return text;
}
