// The command line: commander wiring and the single place that decides the exit code.
import { Command, CommanderError, Option } from 'commander';
import { KEY_ACTIONS } from '../model/actions.js';
import { InputError } from '../model/errors.js';
import type { Report } from '../model/report.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { buildReport, exitCodeFor } from '../report/build.js';
import { renderJson } from '../report/json.js';
import { renderText } from '../report/text.js';
import { loadFrom } from '../sources/load.js';
import { EXIT, formatError } from './errors.js';
import { processIo, type CliIo } from './io.js';
import { addRequestOptions, parseActions, requestFromFlags, type RequestFlags } from './request-flags.js';
import { VERSION } from './version.js';

type Output = 'json' | 'text';

interface CheckFlags extends RequestFlags {
  action?: string[];
  from?: string[];
  output?: Output;
  expect?: 'allow' | 'deny';
  debug?: boolean;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function render(report: Report, output: Output): string {
  switch (output) {
    case 'json':
      return renderJson(report);
    case 'text':
      return renderText(report);
  }
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = EXIT.allow;
  let debug = argv.includes('--debug');
  const program = new Command('kms-why')
    .description('Why can (or can\'t) this principal use this AWS KMS key?')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  const check = addRequestOptions(
    program
      .command('check')
      .description('Evaluate one or more KMS actions for a principal on a key')
      .option('--action <actions>', 'kms:Decrypt, several comma-separated, or all (repeatable)', collect)
      .option('--from <file>', 'snapshot file, or AWS CLI output (describe-key, get-key-policy, list-grants …); - for stdin (repeatable)', collect),
  )
    .addOption(new Option('--output <format>', 'output format').choices(['json', 'text']))
    .addOption(new Option('--expect <verdict>', 'exit 0 when every verdict is this one, 1 otherwise').choices(['allow', 'deny']))
    .option('--debug', 'show stack traces for errors')
    .exitOverride()
    .action(async (flags: CheckFlags) => {
      debug = flags.debug === true;
      if (!flags.from || flags.from.length === 0) {
        throw new InputError('--from is required (live AWS reads come in a later version)', { hint: 'Give a snapshot: --from snapshot.json.' });
      }
      const actions = parseActions(flags.action ?? [], KEY_ACTIONS);
      const snapshot = await loadFrom(flags.from);
      const evaluator = new Evaluator(snapshot);
      const base = requestFromFlags(flags, actions[0]!.name);
      const decisions = actions.map((a) => evaluator.evaluate({ ...base, action: a.name }));
      const report = buildReport(base, decisions, snapshot.inputs ? { inputs: snapshot.inputs } : {});
      const output: Output = flags.output ?? 'text';
      io.stdout(render(report, output));
      exitCode = exitCodeFor(decisions, flags.expect);
    });
  void check;

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      return e.exitCode === 0 ? 0 : EXIT.usage;
    }
    const f = formatError(e, debug);
    io.stderr(f.text);
    return f.code;
  }
}
