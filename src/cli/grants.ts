// `kms-why grants`: the grants inventory and audit for people and CI.
import { type Command, Option } from 'commander';
import { auditGrants, expectationsFrom, findingFails, SEVERITIES, type Finding, type Severity } from '../analyses/grants-audit.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { InputError, RequestError } from '../model/errors.js';
import type { Key } from '../model/key.js';
import { renderGrantsGithub, renderGrantsJson, renderGrantsMarkdown, renderGrantsTable, renderGrantsText } from '../report/grants.js';
import { parseExpectationFile, type ExpectationFile } from '../sources/expect-file.js';
import { readJsonWithText } from '../sources/json-file.js';
import { jsonPositions } from '../sources/json-lines.js';
import { loadFrom } from '../sources/load.js';
import { EXIT } from './errors.js';
import type { Run } from './command.js';
import { writeAtomically, type CliIo } from './io.js';
import { collect } from './request-flags.js';
import { addLiveOptions, hasOrganizationFiles, liveRequested, readKeysLive, timeoutMs, type LiveFlags } from './live.js';
import { outputWidth } from './output.js';
import { artifactUri, parseReportFlags } from './reports.js';
import { renderAndWrite } from './write-output.js';
import { VERSION } from './version.js';

const FORMATS = ['table', 'text', 'json', 'markdown', 'github', 'sarif'] as const;
type GrantsFormat = (typeof FORMATS)[number];

interface GrantsFlags extends LiveFlags {
  key?: string[];
  allKeys?: boolean;
  expect?: string;
  writeExpect?: string;
  force?: boolean;
  inventory?: boolean;
  maxAge?: string;
  failOn?: Severity;
  output?: GrantsFormat;
  report?: string[];
  redact?: boolean;
  color?: boolean;
  now?: string;
  debug?: boolean;
}

export function addGrantsCommand(program: Command, io: CliIo, run: Run): void {
  addLiveOptions(program.command('grants'), { principalSide: false })
    .description('List every grant on the keys, with findings; fail CI on a grant nobody expected')
    .option('--key <key>', 'key id, key ARN, alias name or alias ARN (repeatable)', collect)
    .option('--all-keys', 'every customer managed key of the region (or of the snapshot)')
    .option('--concurrency <n>', 'AWS calls in flight at once to each service when reading AWS (default 16)')
    .option(
      '--from <file>',
      'snapshot file, or AWS CLI output (describe-key, list-grants …); - reads stdin (repeatable, merged); without it, kms-why reads AWS',
      collect,
    )
    .option('--expect <file>', 'expected grants and accepted findings (docs/expect-file.md); any other grant is unexpected (exit 1)')
    .option('--inventory', 'list every grant (default: findings and unexpected grants first; the inventory only when short)')
    .option('--write-expect <file>', "write today's grants as a starting expectation file")
    .option('--force', 'with --write-expect: also replace a file reached through a symbolic link')
    .option('--max-age <days>', 'report grants older than this many days')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe').choices([...SEVERITIES]))
    .addOption(new Option('--output <format>', 'output format (default: table on a terminal, text otherwise)').choices([...FORMATS]))
    .option('--report <format=file>', 'also write this format to this file (repeatable), e.g. --report sarif=kms-grants.sarif', collect)
    .option('--redact', 'replace account ids, resource names and grant ids with stable placeholders')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .option('--now <time>', 'the time of the audit (ISO 8601; default: now), for reproducible ages and acceptance expiries')
    .option('--debug', 'show stack traces for errors')
    .addHelpText(
      'after',
      `
Exit codes:
  0  no unexpected grant, and no finding at or above --fail-on
  1  an unexpected grant, or a finding at or above --fail-on
  2  usage error, or an invalid expectation file (the message names the JSON path)
  3  the grants of a key could not be read completely (never a silent pass on a partial list)

Examples:
  kms-why grants --from snapshot.json --key alias/app
  kms-why grants --from snapshot.json --key alias/app --expect kms-grants.json --fail-on high --output github
  kms-why grants --from snapshot.json --all-keys --write-expect kms-grants.json
  kms-why grants --key alias/app --expect kms-grants.json --fail-on high --output github --report sarif=kms-grants.sarif --report markdown=kms-grants.md`,
    )
    .action(
      run(async (flags: GrantsFlags): Promise<number> => {
        // SCPs and RCPs never change which grants a key has, and the audit reads no principal's
        // IAM: refused rather than silently ignored (and left out of the help).
        if (hasOrganizationFiles(flags)) {
          throw new InputError('--scp-file and --rcp-file do not apply to kms-why grants', {
            hint: 'The grants audit lists grants; check what SCPs and RCPs allow with kms-why check or decrypt.',
          });
        }
        if (flags.principalProfile !== undefined) {
          throw new InputError('--principal-profile does not apply to kms-why grants', {
            hint: "The grants audit reads the keys' grants with --profile; it reads no principal's IAM policies.",
          });
        }
        timeoutMs(flags);
        const now = flags.now ?? new Date().toISOString();
        if (Number.isNaN(Date.parse(now))) throw new InputError(`--now "${flags.now}" is not an ISO 8601 time`);
        let maxAgeDays: number | undefined;
        if (flags.maxAge !== undefined) {
          maxAgeDays = Number(flags.maxAge);
          if (!Number.isInteger(maxAgeDays) || maxAgeDays < 0) throw new InputError(`--max-age "${flags.maxAge}" is not a whole number of days`);
        }
        if ((flags.key ?? []).length === 0 && flags.allKeys !== true) throw new InputError('give --key (repeatable) or --all-keys');
        const reports = parseReportFlags(flags.report, FORMATS);
        // Read the expectations first: a bad file is a usage error, before any AWS call.
        let expectFile: (ExpectationFile & { text: string }) | undefined;
        if (flags.expect !== undefined) {
          const { value, text } = await readJsonWithText(flags.expect);
          // --redact: the expectations name the snapshot's placeholders.
          expectFile = {
            ...parseExpectationFile(io.redactor !== undefined ? io.redactor.json(value) : value, io.redactor?.file(flags.expect) ?? flags.expect),
            text,
          };
        }
        const expectations = expectFile?.grants;
        const snapshot = liveRequested(flags)
          ? await readKeysLive(flags, flags.key ?? [], flags.allKeys === true, io)
          : io.redactor !== undefined
            ? await (await import('./redact.js')).loadInputs(flags.from!, io)
            : await loadFrom(flags.from!);
        if (io.redactor !== undefined) flags.key = (flags.key ?? []).map((k) => io.redactor!.value(k));
        const ev = new Evaluator(snapshot);
        const keys: Key[] = [];
        if (flags.allKeys === true) for (const k of snapshot.keys) if (k.metadata.keyManager === 'CUSTOMER' && !keys.includes(k)) keys.push(k);
        for (const ident of flags.key ?? []) {
          const k = ev.findKey(ident);
          if (k === undefined)
            throw new RequestError({ kind: 'key-not-in-snapshot', key: ident, snapshotKeys: snapshot.keys.map((x) => [x.metadata.arn, ...x.aliases]) });
          if (!keys.includes(k)) keys.push(k);
        }
        const audit = auditGrants(keys, {
          now,
          ...(maxAgeDays !== undefined ? { maxAgeDays } : {}),
          ...(expectations ? { expectations } : {}),
          ...(expectFile && expectFile.accept.length > 0 ? { accept: expectFile.accept } : {}),
        });
        // An accepted finding does not fail the run until its acceptance expires.
        const failing = (f: Finding): boolean => findingFails(f, flags.failOn);

        if (flags.writeExpect !== undefined) {
          const list = expectationsFrom(audit, now);
          const written = JSON.stringify(list, null, 2) + '\n';
          await writeAtomically(flags.writeExpect, io.redactor !== undefined ? io.redactor.text(written) : written, { force: flags.force === true });
          io.stderr(`kms-why: wrote ${list.length} matcher${list.length === 1 ? '' : 's'} (one per grant shape) to ${flags.writeExpect}\n`);
          // Only the file: the report would be noise where the expectation file is the point.
          return EXIT.allow;
        }

        const render = async (format: GrantsFormat, { color }: { color: boolean }): Promise<string> => {
          const opts = {
            now,
            color,
            width: outputWidth(io),
            ...(flags.failOn ? { failOn: flags.failOn } : {}),
            ...(flags.inventory === true ? { inventory: true } : {}),
          };
          let text: string;
          switch (format) {
            case 'json':
              text = renderGrantsJson(audit, opts);
              break;
            case 'text':
              text = renderGrantsText(audit, opts);
              break;
            case 'table':
              text = await renderGrantsTable(audit, opts);
              break;
            case 'markdown':
              text = renderGrantsMarkdown(audit, opts);
              break;
            case 'github':
              text = renderGrantsGithub(audit, { ...opts, failing });
              break;
            case 'sarif': {
              const { renderGrantsSarif } = await import('../report/sarif.js');
              const from = flags.from?.length === 1 && flags.from[0] !== '-' ? flags.from[0] : undefined;
              text = renderGrantsSarif(audit, now, {
                version: VERSION,
                failing,
                ...(expectFile && flags.expect !== '-'
                  ? { expectFile: { uri: artifactUri(flags.expect!), positions: jsonPositions(expectFile.text), grantsPath: expectFile.grantsPath } }
                  : {}),
                ...(from !== undefined ? { fallback: { uri: artifactUri(from) } } : {}),
              });
              break;
            }
          }
          return text;
        };
        // In GitHub Actions, the Markdown report as the job summary too.
        await renderAndWrite(io, flags, render, { reports, jobSummary: 'markdown' });

        const failed = audit.unexpected.length > 0 || audit.findings.some(failing);
        const incomplete = audit.keys.some((k) => k.unreadable !== undefined);
        return failed ? EXIT.deny : incomplete ? EXIT.unknown : EXIT.allow;
      }),
    );
}
