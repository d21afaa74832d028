// `kms-why lambda FUNCTION`: the seed story as a command (issue #6).
import { type Command, Option } from 'commander';
import { analyzeLambda, findFunction, parseFunction } from '../analyses/lambda.js';
import { lambdaJson, lambdaMarkdown, lambdaText } from '../report/lambda.js';
import type { Snapshot } from '../model/snapshot.js';
import { buildReport, exitCodeFor } from '../report/build.js';
import type { Run } from './command.js';
import type { CliIo } from './io.js';
import { collect } from './request-flags.js';
import { addLiveOptions, liveRequested, loadSnapshot, readFunctionLive, type LiveFlags, type LiveTargetSpec } from './live.js';
import { outputWidth, renderReport, type OutputFormat } from './output.js';
import { renderAndWrite } from './write-output.js';

interface LambdaFlags extends LiveFlags {
  qualifier?: string;
  as?: string;
  output?: OutputFormat;
  redact?: boolean;
  color?: boolean;
  debug?: boolean;
}

export function addLambdaCommand(program: Command, io: CliIo, run: Run): void {
  addLiveOptions(program.command('lambda'))
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
    .action(
      run(async (name: string, flags: LambdaFlags): Promise<number> => {
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
        const report = buildReport(a.runtimeRequest, decisions, {
          ...(snapshot.inputs ? { inputs: snapshot.inputs } : {}),
          commandLine: ['kms-why', 'lambda', name, ...(flags.as ? ['--as', flags.as] : [])].join(' '),
        });
        await renderAndWrite(io, flags, async (output: OutputFormat, { color }) => {
          if (output === 'json') {
            const json = JSON.parse(await renderReport(report, 'json', { color: false, redact: false, width: outputWidth(io) })) as Record<string, unknown>;
            json.lambda = lambdaJson(a);
            return JSON.stringify(json, null, 2) + '\n';
          }
          let tail = output === 'markdown' ? lambdaMarkdown(a) : lambdaText(a, outputWidth(io));
          if (output === 'table') {
            // Fitted to the terminal like the table above it: each line lambdaText does not wrap
            // (commands, JSON) wrapped under its own indent.
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
          return (await renderReport(report, output, { color, redact: false, width: outputWidth(io) })) + tail;
        });
        return exitCodeFor(decisions);
      }),
    );
}
