// `kms-why diff`: who gained or lost which action on which key between two snapshots (or who-can
// reports), and what decided in each. The action returns its exit code (command.ts).
import { Option, type Command } from 'commander';
import { hasGain } from '../analyses/diff.js';
import { checkWhoCanAction } from '../analyses/who-can.js';
import { KEY_ACTIONS, type ActionInfo } from '../model/actions.js';
import { InputError } from '../model/errors.js';
import { diffJsonChunks, diffMarkdownChunks, diffTableChunks, diffTextChunks } from '../report/diff.js';
import { displayName } from '../sources/json-file.js';
import type { Run } from './command.js';
import { diffSides, openDiffSide } from './diff-input.js';
import { EXIT } from './errors.js';
import { StreamOut, type CliIo } from './io.js';
import { outputWidth, resolveColor } from './output.js';
import { artifactUri, parseReportFlags, writeReports } from './reports.js';
import { AT_FLAG, collect, parseActions, requestTime } from './request-flags.js';
import { VERSION } from './version.js';

const DIFF_FORMATS = ['table', 'text', 'json', 'markdown', 'sarif'] as const;
type DiffFormat = (typeof DIFF_FORMATS)[number];

interface DiffFlags {
  key?: string[];
  action?: string[];
  at?: string;
  failOnGain?: boolean;
  output?: DiffFormat;
  report?: string[];
  redact?: boolean;
  color?: boolean;
  debug?: boolean;
}

const DIFF_HELP = `
OLD and NEW are snapshots (or any input --from accepts, one file each) or who-can JSON reports
(kms-why who-can --output json). Prints who gained or lost which action on which key, and what
decided in the old and the new state (a new statement, a new grant, a changed IAM policy).

Exit codes:
  0  done, every change known (with --fail-on-gain: and no access was gained)
  1  with --fail-on-gain: some access was gained, or may have been: it became unknown, or
     it is allowed now and was unknown or not evaluated before (this wins over 3)
  2  usage error or invalid input
  3  some access could not be compared (changes marked unknown, with why): an input of one
     side could not be read, or one side did not evaluate it (a who-can report made with
     --key or --principal, or an input that could not list every principal, such as a
     snapshot made with snapshot --principal, or a snapshot made with snapshot --key that
     does not hold the key: it is then neither removed nor new)
  4  internal error, or out of memory (the hint says how to give node more:
     NODE_OPTIONS=--max-old-space-size=MB)

Examples:
  kms-why diff before.json after.json
  kms-why diff before.json after.json --fail-on-gain --output markdown`;

/** --action values as who-can reads them: undefined for the default (every action the key can do). */
export function keyActionsFlag(values: string[] | undefined): ActionInfo[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const names = values
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length > 0 && names.every((n) => n.toLowerCase() === 'all')) return undefined;
  const list = parseActions(
    names.filter((n) => n.toLowerCase() !== 'all'),
    KEY_ACTIONS,
  );
  for (const a of list) checkWhoCanAction(a);
  return list;
}

export function addDiffCommand(program: Command, io: CliIo, run: Run): void {
  program
    .command('diff')
    .description('Compare two snapshots (or who-can reports): who gained or lost which action on which key, and why')
    .argument('<old>', 'the snapshot or who-can JSON report before the change')
    .argument('<new>', 'the snapshot or who-can JSON report after the change')
    .option('--key <key>', 'compare only this key (repeatable; default: every customer managed key)', collect)
    .option('--action <actions>', 'compare only these actions (comma-separated, repeatable)', collect)
    .option(AT_FLAG, 'for a snapshot: when its requests are made, ISO 8601 (aws:CurrentTime, aws:EpochTime; default: now; no offset = UTC)')
    .option('--fail-on-gain', 'exit 1 when some principal gained access (for change-control pipelines)')
    .addOption(new Option('--output <format>', 'output format (default: table on a terminal, text otherwise)').choices([...DIFF_FORMATS]))
    .option('--report <format=file>', 'also write this format to this file (repeatable), e.g. --report sarif=kms-access.sarif', collect)
    .option('--redact', 'replace account ids, resource names and grant ids with stable placeholders')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .option('--debug', 'show stack traces for errors')
    .addHelpText('after', DIFF_HELP)
    .action(run((oldFile: string, newFile: string, flags: DiffFlags) => diff(oldFile, newFile, flags, io)));
}

/** Compares OLD and NEW, writes the result (stdout and --report files), and returns the exit code. */
export async function diff(oldFile: string, newFile: string, flags: DiffFlags, io: CliIo): Promise<number> {
  if (oldFile === '-' && newFile === '-') throw new InputError('only one of OLD and NEW can be stdin (-)');
  const reports = parseReportFlags(flags.report, DIFF_FORMATS);
  const actions = keyActionsFlag(flags.action);
  const idents = (flags.key ?? []).map((k) => io.redactor?.value(k) ?? k);
  // A snapshot side's requests are made at this one time, as who-can's (a report records its own).
  const at = requestTime(flags.at);
  const before = await openDiffSide(oldFile, idents, actions, io, { at });
  const after = await openDiffSide(newFile, idents, actions, io, { at });
  const nowhere = idents.filter((i) => before.missingKeys.includes(i) && after.missingKeys.includes(i));
  if (nowhere.length > 0) throw new InputError(`key "${nowhere[0]}" is in neither ${displayName(oldFile)} nor ${displayName(newFile)}`);
  const d = await diffSides(before, after);
  const color = resolveColor(flags.color, io);
  const render = async (format: string, toFile: boolean): Promise<Iterable<string>> => {
    const opts = { color: color && !toFile, oldName: displayName(oldFile), newName: displayName(newFile), width: outputWidth(io) };
    let chunks: Iterable<string>;
    switch (format as DiffFormat) {
      case 'json':
        chunks = diffJsonChunks(d, opts);
        break;
      case 'text':
        chunks = diffTextChunks(d, opts);
        break;
      case 'table':
        chunks = await diffTableChunks(d, opts);
        break;
      case 'markdown':
        chunks = diffMarkdownChunks(d, opts);
        break;
      case 'sarif':
        chunks = [
          (await import('../report/sarif.js')).renderDiffSarif(d, {
            ...opts,
            version: VERSION,
            ...(newFile !== '-' ? { artifact: { uri: artifactUri(newFile) } } : {}),
          }),
        ];
        break;
    }
    // stdout is redacted as it is written (src/cli/redact.ts); report files here.
    const redactor = io.redactor;
    if (toFile && redactor !== undefined)
      return (function* redacted(): Generator<string> {
        for (const c of chunks) yield redactor.text(c);
      })();
    return chunks;
  };
  // Written as it is rendered, in batches of at least 64 KiB, waiting for stdout to take each (as who-can).
  const out = new StreamOut(io.stdout, io.drain);
  for (const chunk of await render(flags.output ?? (io.stdoutIsTTY ? 'table' : 'text'), false)) if (out.put(chunk)) await out.settle();
  await out.flush();
  await writeReports(reports, (f) => render(f, true), io.stderr);
  if (flags.failOnGain === true && hasGain(d)) return EXIT.deny;
  // What could not be compared is no "no change" (never confidently wrong): exit as unknown.
  return d.summary.unknown > 0 ? EXIT.unknown : EXIT.allow;
}
