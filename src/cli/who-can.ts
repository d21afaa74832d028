// `kms-why who-can`: who can do what on a key, and through which statement or grant.
import { type Command, Option } from 'commander';
import { Evaluator } from '../evaluate/evaluator.js';
import { keyHasUnknown, principalFilter, selectKeys, WhoCanEngine, type KeyWhoCan, type WhoCanFilters, type WhoCanPrincipal } from '../analyses/who-can.js';
import { InputError } from '../model/errors.js';
import type { Snapshot } from '../model/snapshot.js';
import { WhoCanWriter, type WhoCanFormat } from '../report/who-can.js';
import { IAM_DETAILS_WHAT } from '../sources/unreadable.js';
import { EXIT } from './errors.js';
import type { Run } from './command.js';
import { keyActionsFlag } from './diff.js';
import { AtomicFile, StreamOut, type CliIo } from './io.js';
import { outputWidth, resolveColor } from './output.js';
import { addLiveOptions, type LiveFlags } from './live.js';
// The shared `collect`: forbidRepeats (main.ts) knows repeatable flags by it.
import { AT_FLAG, AT_HELP, collect, requestTime } from './request-flags.js';

// --principal is matched in analyses/who-can.ts (kms-why diff asks it too); exported here as it always was.
export { principalFilter };

interface WhoCanFlags extends LiveFlags {
  key?: string[];
  principals?: boolean;
  principal?: string[];
  allKeys?: boolean;
  action?: string[];
  at?: string;
  from?: string[];
  output?: WhoCanFormat;
  outputFile?: string;
  force?: boolean;
  redact?: boolean;
  color?: boolean;
  debug?: boolean;
}

/** A progress bar on stderr, only when stderr is a terminal. */
function progressBar(io: CliIo, enabled: boolean): { update: (done: number, total: number) => void; done: () => void } {
  if (!enabled || !io.stderrIsTTY) return { update: () => undefined, done: () => undefined };
  let shown = false;
  return {
    update: (done, total) => {
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      io.stderr(`\rkms-why who-can [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} keys`);
      shown = true;
    },
    done: () => {
      if (shown) io.stderr('\r\x1b[2K');
    },
  };
}

function filterKey(k: KeyWhoCan, keep: (p: WhoCanPrincipal) => boolean): KeyWhoCan {
  const principals: WhoCanPrincipal[] = [];
  const access: KeyWhoCan['access'] = [];
  k.principals.forEach((p, i) => {
    if (!keep(p)) return;
    principals.push(p);
    access.push(k.access[i]!);
  });
  return { ...k, principals, access };
}

const WHO_CAN_HELP = `
For each action (default: every action the key can do, grouped as use, manage grants,
administer), the principals that are allowed and through which statement or grant; admin-level
powers (PutKeyPolicy, ScheduleKeyDeletion, DisableKey, unconstrained CreateGrant) and external
accounts are called out; "conditional" marks access that needs request context (an encryption
context, kms:ViaService …), with the condition and an example request.

Principals considered: every role and user of the snapshot (including get-account-authorization-
details), the account root, every principal and account named in the key policy, every grantee,
and "*" for public statements. A role is evaluated as one of its sessions.

Exit codes:
  0  done
  2  usage error or invalid input
  3  some verdict is unknown because an input was missing or unreadable, or
     the account's IAM (roles, users and policies) could not be read whole:
     principals that no key policy or grant names may then be missing from
     the report, whose counts cover only the principals it lists; or the
     snapshot holds only the principals it was asked for (snapshot
     --principal: other principals may be missing), or, with --all-keys,
     only the keys it was asked for (snapshot --key: other keys are missing)
  4  internal error, or out of memory (the hint says how to give node more:
     NODE_OPTIONS=--max-old-space-size=MB)

Examples:
  kms-why who-can --from snapshot.json --key alias/app
  kms-why who-can --from snapshot.json --all-keys --action kms:Decrypt,kms:PutKeyPolicy --output json > who-can.json`;

export function addWhoCanCommand(program: Command, io: CliIo, run: Run): void {
  addLiveOptions(program.command('who-can'))
    .description('List every principal that can use, grant or administer a key, and through which statement or grant')
    .option('--key <key>', 'key id, key ARN, alias name or alias ARN (repeatable)', collect)
    .option('--all-keys', 'every customer managed key in the snapshot')
    .option('--action <actions>', 'kms:Decrypt, several comma-separated (repeatable); default: every action the key can do', collect)
    .option(
      '--from <file>',
      'snapshot file, or AWS CLI output (describe-key, get-key-policy, list-grants, get-account-authorization-details …); - reads stdin (repeatable, merged); without it, kms-why reads the account from AWS',
      collect,
    )
    .option(AT_FLAG, AT_HELP)
    .option('--principals', 'list every principal with access under each action (default: a summary by access path; short lists are shown anyway)')
    .option('--principal <pattern>', 'only principals whose ARN matches (* and ? wildcards; without one, ARNs containing it; repeatable)', collect)
    .addOption(
      new Option('--output <format>', 'output format (default: table on a terminal, text otherwise); jsonl: one line per answer, streamed').choices([
        'table',
        'text',
        'json',
        'jsonl',
        'markdown',
      ]),
    )
    .option('--output-file <file>', 'write the report here (whole or not at all) instead of stdout')
    .option('--force', 'with --output-file: also replace a file reached through a symbolic link')
    .option('--redact', 'replace account ids, resource names and grant ids with stable placeholders')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .option('--debug', 'show stack traces for errors')
    .addHelpText('after', WHO_CAN_HELP)
    .action(
      run(async (flags: WhoCanFlags): Promise<number> => {
        if ((flags.key ?? []).length === 0 && flags.allKeys !== true) throw new InputError('give --key (repeatable) or --all-keys');
        const actions = keyActionsFlag(flags.action);
        // Every request is made at this one time, as `check` makes its request at --at or now.
        const at = requestTime(flags.at);
        const snapshot = await loadWhoCanSnapshot(flags, io);
        // --principal as typed, with the real names: --redact redacts the flags below, but what a
        // substring or a wildcard matches is not kept by placeholders (role-1 is in role-10).
        const patterns = [...(flags.principal ?? [])];
        (await import('./redact.js')).redactFlags(flags, io.redactor);
        const keys = selectKeys(snapshot, new Evaluator(snapshot), flags.key ?? [], flags.allKeys === true);
        if (keys.length === 0) throw new InputError('the snapshot has no customer managed key', { hint: 'Give --key for an AWS managed key.' });
        const toFile = flags.outputFile !== undefined;
        const format: WhoCanFormat = flags.output ?? (io.stdoutIsTTY && !toFile ? 'table' : 'text');
        // Colour is for a terminal: never in a file.
        const writer = new WhoCanWriter(format, {
          color: !toFile && resolveColor(flags.color, io),
          width: outputWidth(io),
          principals: flags.principals === true,
        });
        await writer.ready();
        const redactor = io.redactor;
        // --redact: the principals' ARNs are placeholders; the patterns are matched against the
        // ARNs they stand for, so that the same principals are kept as without --redact.
        const keep = redactor !== undefined ? principalFilter(patterns, (arn) => redactor.original(arn)) : principalFilter(patterns);
        // Recorded in the JSON report: kms-why diff must not read a principal or key left out as
        // denied. Redacted patterns only name what was matched (WhoCanFilters.redacted).
        // --all-keys of a snapshot made for some keys only (keysAskedFor): those keys, not every key.
        const filters: WhoCanFilters = {
          keys: flags.allKeys === true ? (snapshot.keysAskedFor ?? null) : (flags.key ?? []),
          principals: patterns.length === 0 ? null : redactor !== undefined ? patterns.map((p) => redactor.principalPattern(p)) : patterns,
          actions: actions === undefined ? null : actions.map((a) => a.name),
        };
        if (redactor !== undefined && patterns.length > 0) filters.redacted = true;
        // --redact: the inputs were redacted, and io redacts every chunk (src/cli/redact.ts).
        // --output-file: the report appears whole or not at all (a run that fails or is killed leaves the file as it was).
        const file = flags.outputFile !== undefined ? await AtomicFile.create(flags.outputFile, { force: flags.force === true }) : undefined;
        const out =
          file !== undefined
            ? new StreamOut(
                (t) => file.write(redactor !== undefined ? redactor.text(t) : t),
                () => file.settle(),
              )
            : new StreamOut(writer.escaped && io.stdoutEscaped !== undefined ? io.stdoutEscaped : io.stdout, io.drain);
        // One key at a time: compute, render, write, drop (memory is one key's answers).
        const engine = new WhoCanEngine(snapshot, { at });
        const bar = progressBar(io, keys.length > 1);
        let unknown = false;
        // Without the account's IAM (GetAccountAuthorizationDetails failed), roles and users that no statement or grant names are missing from every answer.
        for (const r of snapshot.inputs ?? []) {
          if (r.status !== 'unreadable' || !IAM_DETAILS_WHAT.test(r.what)) continue;
          unknown = true;
          io.exitSoFar?.(EXIT.unknown);
          io.stderr(
            `kms-why: ${r.what} could not be read (${r.detail ?? 'unreadable'}): principals that no key policy or grant names are missing from this report.\n`,
          );
        }
        // A snapshot made for some principals (snapshot --principal) or keys (snapshot --key) only:
        // the others were not read, so they are missing from the answers (never known to be denied).
        const list = (xs: readonly string[]): string => (xs.length > 0 ? xs.join(', ') : 'none');
        const partial: string[] = [];
        if (snapshot.principalsAskedFor !== undefined)
          partial.push(
            `the snapshot holds only the principals it was asked for (${list(snapshot.principalsAskedFor)}): other principals may be missing from this report`,
          );
        if (flags.allKeys === true && snapshot.keysAskedFor !== undefined)
          partial.push(
            `the snapshot holds only the keys it was asked for (${list(snapshot.keysAskedFor)}): --all-keys does not cover the account's other keys`,
          );
        for (const why of partial) {
          unknown = true;
          io.exitSoFar?.(EXIT.unknown);
          io.stderr(`kms-why: ${why}.\n`);
        }
        try {
          writer.head(snapshot.capturedAt, out.put, filters, at);
          for (let i = 0; i < keys.length; i++) {
            let k = engine.key(keys[i]!, actions);
            if (keep) k = filterKey(k, keep);
            if (keyHasUnknown(k)) {
              unknown = true;
              io.exitSoFar?.(EXIT.unknown);
            }
            // Written as it is made, waiting whenever stdout has a piece queued: a slow reader
            // (a pipe) never makes the process hold more than a piece or two.
            for (const piece of writer.pieces(k)) if (out.put(piece)) await out.settle();
            bar.update(i + 1, keys.length);
            await out.flush();
          }
          writer.tail(out.put);
          await out.flush();
          await file?.commit();
        } catch (e) {
          await file?.abort();
          throw e;
        } finally {
          bar.done();
        }
        if (file !== undefined) io.stderr(`kms-why: wrote ${flags.outputFile}\n`);
        return unknown ? EXIT.unknown : EXIT.allow;
      }),
    );
}

/** --from files, or (without --from) the whole account read from AWS (as `kms-why snapshot --account`). */
async function loadWhoCanSnapshot(flags: WhoCanFlags, io: CliIo): Promise<Snapshot> {
  if (flags.from !== undefined && flags.from.length > 0) return (await import('./live.js')).loadFromFiles(flags, [], io);
  const { readAccountLive } = await import('./live.js');
  return readAccountLive(flags, { keys: flags.allKeys === true ? undefined : (flags.key ?? []), lambdaFunctions: false }, io);
}
