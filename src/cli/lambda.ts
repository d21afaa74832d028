// `kms-why lambda FUNCTION`: the seed story as a command (issue #6).
import { Command, Option } from 'commander';
import { analyzeLambda, findFunction, parseFunction, type LambdaAnalysis } from '../evaluate/lambda.js';
import type { Snapshot } from '../model/snapshot.js';
import { buildReport, exitCodeFor } from '../report/build.js';
import type { CliIo } from './io.js';
import { collect } from './request-flags.js';
import { addLiveOptions, liveRequested, loadSnapshot, readFunctionLive, type LiveFlags, type LiveTargetSpec } from './live.js';
import { outputWidth, renderReport, resolveColor, type OutputFormat } from './output.js';

interface LambdaFlags extends LiveFlags {
  qualifier?: string;
  as?: string;
  output?: OutputFormat;
  redact?: boolean;
  color?: boolean;
  debug?: boolean;
}


function lambdaText(a: LambdaAnalysis): string {
  const out: string[] = ['', `Lambda function ${a.fn.name}`, `  execution role: ${a.fn.roleArn}`, `  key:            ${a.keyIdentifier}${a.fn.kmsKeyArn ? '' : ' (AWS managed key: the function has no KMSKeyArn)'}`];
  out.push(`  runtime Decrypt at init: ${a.runtime.decision.toUpperCase()} (${a.runtime.decidedBy})`);
  if (a.controlPlane.length > 0) {
    out.push(`  configuring through Lambda as ${a.controlPlane[0]!.principal}:`);
    for (const d of a.controlPlane) out.push(`    ${d.action}: ${d.decision.toUpperCase()} (${d.decidedBy})`);
  }
  if (a.traps.length > 0) {
    out.push('', 'Traps:');
    for (const t of a.traps) out.push(`  - ${t.message}`);
  }
  if (a.fixes.length > 0) {
    out.push('', 'Fix:');
    a.fixes.forEach((f, i) => {
      out.push(`  ${i + 1}. ${f.title}${f.verified ? ' [verified: kms-why re-evaluated Decrypt with this change: allow]' : ' [NOT verified: re-evaluation did not allow]'}`);
      for (const c of f.commands ?? []) out.push(`       ${c}`);
      if (f.json !== undefined && f.kind !== 'recreate-grant') for (const l of JSON.stringify(f.json, null, 2).split('\n')) out.push(`       ${l}`);
      if (f.alsoAllows) out.push(`     It also allows: ${f.alsoAllows}.`);
    });
  }
  out.push('', 'Notes:');
  for (const n of a.notes) out.push(`  - ${n}`);
  return out.join('\n') + '\n';
}

function lambdaMarkdown(a: LambdaAnalysis): string {
  const out: string[] = ['', '## Lambda function', '', `- Function: \`${a.fn.arn}\``, `- Execution role: \`${a.fn.roleArn}\``, `- Key: \`${a.keyIdentifier}\``, `- Runtime Decrypt at init: **${a.runtime.decision.toUpperCase()}** (${a.runtime.decidedBy})`];
  for (const d of a.controlPlane) out.push(`- Through Lambda as \`${d.principal}\`: \`${d.action}\` **${d.decision.toUpperCase()}** (${d.decidedBy})`);
  if (a.traps.length > 0) out.push('', '### Traps', '', ...a.traps.map((t) => `- ${t.message}`));
  if (a.fixes.length > 0) {
    out.push('', '### Fix', '');
    a.fixes.forEach((f, i) => {
      out.push(`${i + 1}. ${f.title} ${f.verified ? '_(verified by re-evaluation)_' : '_(not verified)_'}`);
      if (f.commands) out.push('', '   ```sh', ...f.commands.map((c) => `   ${c}`), '   ```');
      if (f.json !== undefined && f.kind !== 'recreate-grant') out.push('', '   ```json', ...JSON.stringify(f.json, null, 2).split('\n').map((l) => `   ${l}`), '   ```');
      if (f.alsoAllows) out.push('', `   It also allows: ${f.alsoAllows}.`);
    });
  }
  out.push('', '### Notes', '', ...a.notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}

export function addLambdaCommand(program: Command, io: CliIo, setExit: (code: number) => void, setDebug: (d: boolean) => void): void {
  addLiveOptions(program
    .command('lambda'))
    .description("Why can (or can't) a Lambda function decrypt its environment variables?")
    .argument('<function>', 'function name or ARN')
    .option('--qualifier <q>', 'version or alias')
    .option('--as <arn>', 'also check a person configuring the function through Lambda: kms:Encrypt, kms:CreateGrant, kms:Decrypt with kms:ViaService')
    .option('--from <file>', 'snapshot with "Functions": [<get-function-configuration output>] (repeatable, merged); without it, kms-why reads AWS', collect)
    .addOption(new Option('--output <format>', 'output format (default: table on a terminal, text otherwise)').choices(['table', 'text', 'json', 'markdown']))
    .option('--redact', 'replace account ids, resource names and grant ids with stable placeholders')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .option('--debug', 'show stack traces for errors')
    .addHelpText(
      'after',
      `
Exit codes: 0 the function can decrypt (and --as can configure it), 1 denied, 2 bad input, 3 unknown.

Examples:
  kms-why lambda my-function --from fixtures/examples/lambda-env-grant.json
  kms-why lambda my-function --from snapshot.json --as arn:aws:iam::111122223333:role/deployer --output markdown`,
    )
    .action(async (name: string, flags: LambdaFlags) => {
      setDebug(flags.debug === true);
      let snapshot: Snapshot;
      if (liveRequested(flags)) {
        // Read the function first: it names the role and the key that the rest depends on.
        const raw = await readFunctionLive(flags, name, flags.qualifier, io);
        const f = parseFunction(raw);
        const session = `arn:${f.partition}:sts::${f.account}:assumed-role/${f.roleName}/${f.name}`;
        const targets: LiveTargetSpec[] = [{ key: f.kmsKeyArn ?? 'alias/aws/lambda', principal: session }];
        if (flags.as !== undefined) targets.push({ key: f.kmsKeyArn ?? 'alias/aws/lambda', principal: flags.as });
        snapshot = (await loadSnapshot({ ...flags, region: flags.region ?? f.region }, targets, io)).snapshot;
        snapshot.functions = [io.redactor !== undefined ? io.redactor.json(raw) : raw];
      } else snapshot = (await loadSnapshot(flags, [], io)).snapshot;
      if (io.redactor !== undefined) {
        (await import('./redact.js')).redactFlags(flags, io.redactor);
        name = io.redactor.value(name);
      }
      const fn = findFunction(snapshot, name);
      const a = analyzeLambda(snapshot, fn, flags.as);
      const decisions = [a.runtime, ...a.controlPlane];
      const report = buildReport(a.runtimeRequest, decisions, { ...(snapshot.inputs ? { inputs: snapshot.inputs } : {}), commandLine: ['kms-why', 'lambda', name, ...(flags.as ? ['--as', flags.as] : [])].join(' ') });
      const output: OutputFormat = flags.output ?? (io.stdoutIsTTY ? 'table' : 'text');
      const color = resolveColor(flags.color, io);
      let text: string;
      if (output === 'json') {
        const json = JSON.parse(await renderReport(report, 'json', { color: false, redact: false })) as Record<string, unknown>;
        json.lambda = {
          function: a.fn,
          key: a.keyIdentifier,
          runtime: { decision: a.runtime.decision, decidedBy: a.runtime.decidedBy },
          controlPlane: a.controlPlane.map((d) => ({ action: d.action, decision: d.decision, decidedBy: d.decidedBy })),
          traps: a.traps,
          fixes: a.fixes,
          notes: a.notes,
        };
        text = JSON.stringify(json, null, 2) + '\n';
      } else {
        let tail = output === 'markdown' ? lambdaMarkdown(a) : lambdaText(a);
        if (output === 'table') {
          // Fitted to the terminal like the table above it: each line wrapped under its own indent.
          const { wrap } = await import('../report/explain.js');
          const width = outputWidth(io);
          tail = tail
            .split('\n')
            .flatMap((l) => {
              const indent = /^ */.exec(l)![0];
              return l.length <= width ? [l] : wrap(l.slice(indent.length), width - indent.length - 2).map((x, i) => (i === 0 ? indent : `${indent}  `) + x);
            })
            .join('\n');
        }
        text = (await renderReport(report, output, { color, redact: false, width: outputWidth(io) })) + tail;
      }
      io.stdout(text);
      setExit(exitCodeFor(decisions));
    });
}
