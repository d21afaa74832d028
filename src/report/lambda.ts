// The Lambda analysis (`kms-why lambda FUNCTION`, and `kms-why explain-error` on Lambda's
// environment-variable error) in words: the function, the runtime Decrypt, traps and fixes.
import type { LambdaAnalysis } from '../analyses/lambda.js';
import { escapeShared } from './escape.js';
import { MAX_WIDTH, wrapHanging } from './explain.js';
import { fixAlsoAllowsText, fixCommands, fixTitleText, fixView, lambdaNoteText, trapText, trapView } from './lambda-phrases.js';
import { code, prose } from './markdown.js';

export function lambdaJson(a: LambdaAnalysis): Record<string, unknown> {
  return {
    function: a.fn,
    key: a.keyIdentifier,
    runtime: { decision: a.runtime.decision, decidedBy: a.runtime.decidedBy },
    controlPlane: a.controlPlane.map((d) => ({ action: d.action, decision: d.decision, decidedBy: d.decidedBy })),
    traps: a.traps.map((t) => trapView(t, a.fn)),
    fixes: a.fixes.map((f) => fixView(f, a.fn)),
    notes: a.notes.map(lambdaNoteText),
  };
}

export function lambdaText(given: LambdaAnalysis, widthGiven: number = MAX_WIDTH): string {
  // Laid out as text: the input's strings escaped first (a name with a newline must not forge a line).
  const a = escapeShared(given);
  const width = Math.min(widthGiven, MAX_WIDTH);
  const out: string[] = [
    '',
    `Lambda function ${a.fn.name}`,
    ...wrapHanging(a.fn.roleArn, width, '  execution role: '),
    ...wrapHanging(`${a.keyIdentifier}${a.fn.kmsKeyArn ? '' : ' (AWS managed key: the function has no KMSKeyArn)'}`, width, '  key:            '),
  ];
  out.push(`  runtime Decrypt at init: ${a.runtime.decision.toUpperCase()} (${a.runtime.decidedBy})`);
  if (a.controlPlane.length > 0) {
    out.push(`  configuring through Lambda as ${a.controlPlane[0]!.principal}:`);
    for (const d of a.controlPlane) out.push(`    ${d.action}: ${d.decision.toUpperCase()} (${d.decidedBy})`);
  }
  if (a.traps.length > 0) {
    out.push('', 'Traps:');
    for (const t of a.traps) out.push(...wrapHanging(trapText(t, a.fn), width, '  - '));
  }
  if (a.fixes.length > 0) {
    out.push('', 'Fix:');
    a.fixes.forEach((f, i) => {
      out.push(
        ...wrapHanging(
          `${fixTitleText(f, a.fn)}${f.verified ? ' [verified: kms-why re-evaluated Decrypt with this change: allow]' : ' [NOT verified: re-evaluation did not allow]'}`,
          width,
          `  ${i + 1}. `,
        ),
      );
      for (const c of fixCommands(f, a.fn) ?? []) out.push(`       ${c}`);
      if (f.json !== undefined && f.kind !== 'recreate-grant') for (const l of JSON.stringify(f.json, null, 2).split('\n')) out.push(`       ${l}`);
      out.push(...wrapHanging(`It also allows: ${fixAlsoAllowsText(f, a.fn)}.`, width, '     '));
    });
  }
  out.push('', 'Notes:');
  for (const n of a.notes) out.push(...wrapHanging(lambdaNoteText(n), width, '  - '));
  return out.map((l) => l.trimEnd()).join('\n') + '\n';
}

export function lambdaMarkdown(given: LambdaAnalysis): string {
  const a = escapeShared(given);
  const out: string[] = [
    '',
    '## Lambda function',
    '',
    `- Function: ${code(a.fn.arn)}`,
    `- Execution role: ${code(a.fn.roleArn)}`,
    `- Key: ${code(a.keyIdentifier)}`,
    `- Runtime Decrypt at init: **${a.runtime.decision.toUpperCase()}** (${a.runtime.decidedBy})`,
  ];
  for (const d of a.controlPlane) out.push(`- Through Lambda as ${code(d.principal)}: ${code(d.action)} **${d.decision.toUpperCase()}** (${d.decidedBy})`);
  if (a.traps.length > 0) out.push('', '### Traps', '', ...a.traps.map((t) => `- ${prose(trapText(t, a.fn))}`));
  if (a.fixes.length > 0) {
    out.push('', '### Fix', '');
    a.fixes.forEach((f, i) => {
      const commands = fixCommands(f, a.fn);
      out.push(`${i + 1}. ${prose(fixTitleText(f, a.fn))} ${f.verified ? '_(verified by re-evaluation)_' : '_(not verified)_'}`);
      if (commands) out.push('', '   ```sh', ...commands.map((c) => `   ${c}`), '   ```');
      if (f.json !== undefined && f.kind !== 'recreate-grant')
        out.push(
          '',
          '   ```json',
          ...JSON.stringify(f.json, null, 2)
            .split('\n')
            .map((l) => `   ${l}`),
          '   ```',
        );
      out.push('', `   It also allows: ${prose(fixAlsoAllowsText(f, a.fn))}.`);
    });
  }
  // Notes name placeholders such as lambda.<region>.amazonaws.com, which Markdown would take for HTML.
  out.push('', '### Notes', '', ...a.notes.map((n) => `- ${prose(lambdaNoteText(n))}`));
  return out.join('\n') + '\n';
}
