import { appendFile } from 'node:fs/promises';
// `kms-why grants`: the grants inventory and audit for people and CI.
import { Command, Option } from 'commander';
import { auditGrants, expectationsFrom, severityAtLeast, SEVERITIES, type Finding, type Severity } from '../evaluate/grants-audit.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { InputError } from '../model/errors.js';
import type { Key } from '../model/key.js';
import { renderGrantsGithub, renderGrantsJson, renderGrantsMarkdown, renderGrantsTable, renderGrantsText } from '../report/grants.js';
import { parseExpectations } from '../sources/expect-file.js';
import { readJsonText } from '../sources/json-file.js';
import { loadFrom } from '../sources/load.js';
import { EXIT } from './errors.js';
import { writeAtomically, type CliIo } from './io.js';
import { collect } from './request-flags.js';
import { addLiveOptions, liveRequested, readKeysLive, timeoutMs, type LiveFlags } from './live.js';
import { outputWidth, resolveColor } from './output.js';

interface GrantsFlags extends LiveFlags {
  key?: string[];
  allKeys?: boolean;
  expect?: string;
  writeExpect?: string;
  force?: boolean;
  inventory?: boolean;
  maxAge?: string;
  failOn?: Severity;
  output?: 'table' | 'text' | 'json' | 'markdown' | 'github';
  redact?: boolean;
  color?: boolean;
  now?: string;
  debug?: boolean;
}



export function addGrantsCommand(program: Command, io: CliIo, setExit: (code: number) => void, setDebug: (d: boolean) => void): void {
  addLiveOptions(program
    .command('grants'))
    .description('List every grant on the keys, with findings; fail CI on a grant nobody expected')
    .option('--key <key>', 'key id, key ARN, alias name or alias ARN (repeatable)', collect)
    .option('--all-keys', 'every customer managed key of the region (or of the snapshot)')
    .option('--concurrency <n>', 'AWS calls in flight at once when reading AWS (default 16)')
    .option('--from <file>', 'snapshot file, or AWS CLI output (describe-key, list-grants …); - reads stdin (repeatable, merged); without it, kms-why reads AWS', collect)
    .option('--expect <file>', 'JSON array of expected grants; any other grant is unexpected (exit 1)')
    .option('--inventory', 'list every grant (default: findings and unexpected grants first; the inventory only when short)')
    .option('--write-expect <file>', "write today's grants as a starting expectation file")
    .option('--force', 'with --write-expect: also replace a file reached through a symbolic link')
    .option('--max-age <days>', 'report grants older than this many days')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe').choices([...SEVERITIES]))
    .addOption(new Option('--output <format>', 'output format (default: table on a terminal, text otherwise)').choices(['table', 'text', 'json', 'markdown', 'github']))
    .option('--redact', 'replace account ids, resource names and grant ids with stable placeholders')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .addOption(new Option('--now <time>', 'the time the audit is made (ISO 8601), for reproducible ages').hideHelp())
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
  kms-why grants --from snapshot.json --all-keys --write-expect kms-grants.json`,
    )
    .action(async (flags: GrantsFlags) => {
      setDebug(flags.debug === true);
      // SCPs and RCPs never change which grants a key has: refused rather than silently ignored.
      if ((flags.scpFile ?? []).length > 0 || (flags.rcpFile ?? []).length > 0) {
        throw new InputError('--scp-file and --rcp-file do not apply to kms-why grants', { hint: 'The grants audit lists grants; check what SCPs and RCPs allow with kms-why check or decrypt.' });
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
      // Read the expectations first: a bad file is a usage error, before any AWS call.
      const expectDoc = flags.expect !== undefined ? await readJsonText(flags.expect) : undefined;
      const expectations = flags.expect !== undefined ? parseExpectations(io.redactor !== undefined ? io.redactor.json(expectDoc) : expectDoc, io.redactor?.file(flags.expect) ?? flags.expect) : undefined;
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
        if (k === undefined) throw new InputError(`key "${ident}" is not in the snapshot`, { hint: `The snapshot has: ${snapshot.keys.map((x) => [x.metadata.arn, ...x.aliases].join(' / ')).join('; ') || 'no keys'}.` });
        if (!keys.includes(k)) keys.push(k);
      }
      const audit = auditGrants(keys, { now, ...(maxAgeDays !== undefined ? { maxAgeDays } : {}), ...(expectations ? { expectations } : {}) });
      const failing = (f: Finding): boolean => flags.failOn !== undefined && severityAtLeast(f.severity, flags.failOn);

      if (flags.writeExpect !== undefined) {
        const list = expectationsFrom(audit, now);
        const written = JSON.stringify(list, null, 2) + '\n';
        await writeAtomically(flags.writeExpect, io.redactor !== undefined ? io.redactor.text(written) : written, { force: flags.force === true });
        io.stderr(`kms-why: wrote ${list.length} matcher${list.length === 1 ? '' : 's'} (one per grant shape) to ${flags.writeExpect}\n`);
        // Only the file: the report would be noise where the expectation file is the point.
        setExit(EXIT.allow);
        return;
      }

      const opts = { now, color: resolveColor(flags.color, io), width: outputWidth(io), ...(flags.failOn ? { failOn: flags.failOn } : {}), ...(flags.inventory === true ? { inventory: true } : {}) };
      const output = flags.output ?? (io.stdoutIsTTY ? 'table' : 'text');
      let text: string;
      switch (output) {
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
      }
      io.stdout(text);
      // In GitHub Actions, the Markdown report as the job summary.
      const summaryFile = io.env.GITHUB_STEP_SUMMARY;
      if (summaryFile !== undefined && summaryFile !== '') {
        let md = renderGrantsMarkdown(audit, opts);
        if (io.redactor !== undefined) md = io.redactor.text(md);
        await appendFile(summaryFile, `${md}\n`, 'utf8');
      }

      const failed = audit.unexpected.length > 0 || audit.findings.some(failing);
      const incomplete = audit.keys.some((k) => k.unreadable !== undefined);
      setExit(failed ? EXIT.deny : incomplete ? EXIT.unknown : EXIT.allow);
    });
}
