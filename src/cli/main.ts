// The command line: commander wiring and the single place that decides the exit code.
import { Argument, Command, CommanderError, Help, InvalidArgumentError, Option } from 'commander';
import { ACTIONS, findAction, KEY_ACTIONS, type ActionInfo } from '../model/actions.js';
import { isAccountId, parsePrincipal } from '../model/arn.js';
import type { Decision } from '../model/decision.js';
import { InputError } from '../model/errors.js';
import type { NotEvaluated } from '../model/report.js';
import { RE_ENCRYPT_ON_SAME_KEY, reEncryptOnSameKey, type Request } from '../model/request.js';
import type { Snapshot } from '../model/snapshot.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { keyUsageError } from '../evaluate/key-state.js';
import { buildReport, exitCodeFor } from '../report/build.js';
import { escapeControls } from '../report/escape.js';
import { MAX_WIDTH } from '../report/explain.js';
import { EXIT, formatError } from './errors.js';
import { layoutHelp } from './help-layout.js';
import { processIo, type CliIo } from './io.js';
import { outputWidth, renderReport, resolveColor, type OutputFormat } from './output.js';
import { refuseOutputOverInput, renderAndWrite } from './write-output.js';
import { collect, addRequestOptions, missingDetails, namedActions, parseActions, requestFromFlags, type RequestFlags } from './request-flags.js';
import { addLiveOptions, liveRequested, loadSnapshot, type LiveFlags, type LiveTargetSpec } from './live.js';
import { VERSION } from './version.js';
import { completionScript, SHELLS, type Shell } from './completion.js';
import type { AddCommand, Run } from './command.js';

interface CommonFlags extends RequestFlags, LiveFlags {
  output?: OutputFormat;
  expect?: 'allow' | 'deny';
  redact?: boolean;
  color?: boolean;
  debug?: boolean;
  fix?: boolean;
}

interface CheckFlags extends CommonFlags {
  action?: string[];
}

interface ReEncryptFlags extends CommonFlags {
  destinationKey?: string;
  destinationContext?: string[];
  destinationEncryptionAlgorithm?: string;
}

const EXIT_HELP = `
Exit codes:
  0  every evaluated action is allowed (with --expect: every verdict matches it)
  1  at least one action is denied (with --expect: a known verdict does not
     match, even when another is unknown)
  2  usage error or invalid input (bad flag, unreadable or malformed file,
     invalid ARN or policy, no usable AWS credentials, an AWS endpoint that
     cannot be reached), or output that could not be written (a refused or
     failed file write, a full stdout)
  3  at least one verdict is unknown because an input was missing or unreadable
  4  internal error (a bug: please report it with --debug)`;

/**
 * Commander's usage errors in kms-why's own shape: the `kms-why: error:` line every other error
 * has, and its suggestion ("(Did you mean --from?)") or a pointer to the help on a `hint:` line.
 */
export function usageError(text: string): string {
  const m = /^error: ([^\n]*)\n(?:\(Did you mean ([^\n]*)\?\)\n)?$/.exec(text);
  if (m === null) return text;
  const hint = m[2] !== undefined ? `Did you mean ${m[2]}?` : '`kms-why --help` lists the commands, and `kms-why COMMAND --help` their options.';
  return `kms-why: error: ${m[1]}\nhint: ${hint}\n`;
}

const EXAMPLE_PRINCIPAL = 'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function';

/** Options every evaluating command shares (after the request flags). */
function addOutputOptions(cmd: Command): Command {
  return addLiveOptions(
    cmd.option(
      '--from <file>',
      'snapshot file, or AWS CLI output (describe-key, get-key-policy, list-grants …); - reads stdin (repeatable, merged); without it, kms-why reads AWS',
      collect,
    ),
  )
    .addOption(new Option('--output <format>', 'output format (default: table on a terminal, text otherwise)').choices(['table', 'text', 'json', 'markdown']))
    .addOption(new Option('--expect <verdict>', 'exit 0 when every verdict is this one, 1 otherwise').choices(['allow', 'deny']))
    .option(
      '--fix',
      'for each action not allowed, propose the smallest changes that would allow it, each verified by evaluating it again, with what else it allows',
    )
    .option('--redact', 'replace account ids, resource names and grant ids with stable placeholders')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .option('--debug', 'show stack traces for errors');
}

/** Whether `--action` values (comma-separated, repeatable) name kms:UpdateAlias or `all`. */
function namesUpdateAlias(values: string[] | undefined): boolean {
  return (values ?? []).some((v) => v.split(',').some((x) => /^(kms:)?updatealias$|^all$/i.test(x.trim())));
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-.,:/=@%+]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The key actions worth showing for `--action all`: those the key's type can perform. */
function actionsForKey(keyIdent: string | undefined, evaluator: Evaluator): ActionInfo[] {
  const key = keyIdent !== undefined ? evaluator.findKey(keyIdent) : undefined;
  if (key === undefined) return [...KEY_ACTIONS];
  return KEY_ACTIONS.filter((a) => keyUsageError(a, key.metadata) === undefined);
}

/**
 * A single-value flag given twice (`--principal A --principal B`) is a usage error, not "the last
 * one wins": commander would keep B silently. Repeatable flags use `collect` and are left alone.
 */
function forbidRepeats(cmd: Command): void {
  for (const opt of cmd.options as Option[]) {
    if (!(opt.required || opt.optional) || opt.variadic || opt.parseArg === collect) continue;
    // A flag its help calls repeatable must accumulate: a local accumulator of the same shape is
    // not `collect`, and would make every repeat a usage error here.
    if (/\brepeatable\b/.test(opt.description)) throw new Error(`${cmd.name()} ${opt.long ?? opt.flags}: documented as repeatable but does not use collect`);
    const parse = opt.parseArg;
    let seen = false;
    opt.argParser((value: string, previous: unknown) => {
      if (seen) throw new InvalidArgumentError(`${opt.long ?? opt.flags} is given more than once; it takes one value.`);
      seen = true;
      return parse !== undefined ? (parse as (v: string, p: unknown) => unknown)(value, previous) : value;
    });
  }
  for (const sub of cmd.commands) forbidRepeats(sub);
}

type Loaded = { add: AddCommand };

const EXTRA_COMMANDS: Record<string, () => Promise<Loaded>> = {
  grants: async () => ({ add: (await import('./grants.js')).addGrantsCommand }),
  lambda: async () => ({ add: (await import('./lambda.js')).addLambdaCommand }),
  snapshot: async () => ({ add: (await import('./snapshot.js')).addSnapshotCommand }),
  'explain-error': async () => ({ add: (await import('./explain.js')).explainCommands }),
  'explain-event': async () => ({ add: (await import('./explain.js')).explainCommands }),
  'who-can': async () => ({ add: (await import('./who-can.js')).addWhoCanCommand }),
  diff: async () => ({ add: (await import('./diff.js')).addDiffCommand }),
};

/** `check`, `re-encrypt` and the per-action commands, which main.ts defines itself. */
function isCoreCommand(name: string | undefined): boolean {
  return name === 'check' || name === 're-encrypt' || ACTIONS.some((a) => a.cliName === name);
}

/** Top-level help headings, in order: what to run first is listed first. */
const GROUPS: Array<[string, (name: string) => boolean]> = [
  ['Diagnose a failure:', (n) => n === 'explain-error' || n === 'explain-event' || n === 'lambda'],
  ['Audit keys and accounts:', (n) => n === 'who-can' || n === 'grants' || n === 'diff'],
  ['Evaluate one action:', (n) => n === 'check' || n === 're-encrypt' || isCoreCommand(n)],
  ['Capture inputs:', (n) => n === 'snapshot'],
  ['Other:', () => true],
];

/** Puts each command under its heading and lists the groups in GROUPS order (stable within one). */
function groupCommands(program: Command): void {
  const groupOf = (c: Command): number => GROUPS.findIndex(([, test]) => test(c.name()));
  for (const c of program.commands) c.helpGroup(GROUPS[groupOf(c)]![0]);
  const sorted = [...program.commands].sort((a, b) => groupOf(a) - groupOf(b));
  (program.commands as Command[]).splice(0, program.commands.length, ...sorted);
  program.commandsGroup('Other:');
}

export async function main(argv: string[], rawIo: CliIo = processIo()): Promise<number> {
  // --redact: one Redactor for every input and output of the run.
  if (argv.includes('--redact')) rawIo = (await import('./redact.js')).redactingIo(rawIo, argv);
  // The last line of defence for every command and renderer: no control character from the input
  // reaches stdout, except the layout and the colours kms-why itself draws (report/escape.ts).
  const keepColor = resolveColor(undefined, rawIo);
  // Output escaped as it was built (who-can's JSON) skips the pass: it is a third of a large JSON report's time.
  const io: CliIo = { ...rawIo, stdout: (t) => rawIo.stdout(escapeControls(t, { keepLayout: true, keepColor })), stdoutEscaped: rawIo.stdout };
  let exitCode: number = EXIT.allow;
  let debug = argv.includes('--debug');
  // Only the command being run is registered (each per-action command builds ~30 option objects;
  // all of them cost a third of a plain check's start-up). Help, completion, a typo or no command
  // at all register everything, so that listings and suggestions stay complete.
  const sub = argv.find((a) => !a.startsWith('-'));
  const only = sub !== undefined && (isCoreCommand(sub) || sub in EXTRA_COMMANDS) ? sub : undefined;
  const wantCore = (name: string): boolean => only === undefined || only === name;
  // With --redact, the request's key=value pairs redacted as their flags are (once the inputs are learned).
  const commandLine = async (): Promise<string> =>
    ['kms-why', ...(rawIo.redactor !== undefined ? (await import('./redact.js')).redactCommandLine(argv, rawIo.redactor) : argv)].map(shellQuote).join(' ');

  const helpWidth = Math.min(outputWidth(io), MAX_WIDTH);
  const program = new Command('kms-why')
    .description(
      "Why can (or can't) this principal use this AWS KMS key? Reads the key policy, the principal's IAM policies, the key's grants and organization policies, and prints each verdict with the statement or grant that decided it.",
    )
    .version(VERSION, '-V, --version')
    .exitOverride()
    // Help fits the output width (help-layout.ts); a command's entry in the list without
    // "[options]" (every command has some; its own help says which).
    .configureOutput({
      writeOut: (t) => io.stdout(layoutHelp(t, helpWidth)),
      // Help on stderr (a bare `kms-why`) is laid out too; an error line is left whole, for scripts
      // that look for it, but for the control characters of what the user typed (an unknown option
      // or command is quoted back): escaped, as in every other error, never sent to the terminal.
      writeErr: (t) => io.stderr(t.startsWith('Usage:') ? layoutHelp(t, helpWidth) : usageError(escapeControls(t, { keepLayout: true }))),
      getOutHelpWidth: () => helpWidth,
      getErrHelpWidth: () => helpWidth,
    })
    .configureHelp({
      // Commander's own term, its arguments as it writes them, less the "[options]".
      subcommandTerm(this: Help, cmd: Command): string {
        return Help.prototype.subcommandTerm.call(this, cmd).replace(' [options]', '');
      },
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `${EXIT_HELP}

Examples:
  kms-why decrypt --from snapshot.json --key alias/app --principal ${EXAMPLE_PRINCIPAL}
  kms-why check --action all --from snapshot.json --key alias/app --principal arn:aws:iam::111122223333:role/app --output markdown`,
    );

  // Each action returns its exit code; main() returns the last one kept here.
  const run: Run =
    (action) =>
    async (...args) => {
      exitCode = await action(...args);
    };
  // --debug (stack traces) as the command being run parsed it.
  program.hook('preAction', (_program, command) => {
    if (command.options.some((o) => o.long === '--debug')) debug = command.opts().debug === true;
    refuseOutputOverInput(command.opts(), command.args);
  });

  /** Loads the inputs, evaluates, renders, and returns the exit code. */
  const evaluateAndPrint = async (
    flags: CommonFlags,
    pickActions: (s: Snapshot, ev: Evaluator) => ActionInfo[] | { actions: ActionInfo[]; notEvaluated: NotEvaluated[] },
    requests?: (base: Request, ev: Evaluator) => Request[],
    extraKeys?: (flags: CommonFlags) => string[],
    updatesAlias = false,
  ): Promise<number> => {
    const live = liveRequested(flags);
    if (live && flags.key === undefined)
      throw new InputError('--key is required to read AWS', { hint: 'Give --key alias/app (or a key ARN), or --from snapshot.json to work offline.' });
    const isMe = live && flags.principal === 'me';
    const base = requestFromFlags(isMe ? { ...flags, principal: 'arn:aws:iam::000000000000:root' } : flags, 'kms:DescribeKey');
    // UpdateAlias also needs the key the alias points to now: the live read resolves and reads it.
    const aliasTarget =
      flags.alias !== undefined && (updatesAlias || namesUpdateAlias((flags as { action?: string[] }).action)) ? { aliasTarget: flags.alias } : {};
    const targets: LiveTargetSpec[] = [
      { key: flags.key ?? '', principal: flags.principal ?? '', ...(flags.grantId ? { grantId: flags.grantId } : {}), ...aliasTarget },
    ];
    if (extraKeys) for (const k of extraKeys(flags)) targets.push({ key: k, principal: flags.principal ?? '' });
    const { snapshot, principal } = await loadSnapshot(flags, targets, io);
    if (io.redactor !== undefined) {
      // The request names the snapshot's placeholders (flags redacted in place, for the closures below too).
      (await import('./redact.js')).redactFlags(flags, io.redactor);
      Object.assign(base, requestFromFlags(isMe ? { ...flags, principal: 'arn:aws:iam::000000000000:root' } : flags, 'kms:DescribeKey'));
      if (isMe && principal !== undefined) base.principal = io.redactor.value(principal);
    } else if (isMe && principal !== undefined) base.principal = principal;
    const evaluator = new Evaluator(snapshot);
    // A bare account id the key's partition was not known for (requestFromFlags): the report names
    // the root user the evaluator reads it as, in the key's partition (accountRootIn).
    if (isAccountId(base.principal)) {
      const partition = (flags.key !== undefined ? evaluator.findKey(flags.key, base.callerAccount ?? base.principal) : undefined)?.metadata.partition;
      base.principal = `arn:${partition ?? 'aws'}:iam::${base.principal}:root`;
    }
    const picked = pickActions(snapshot, evaluator);
    const actions = Array.isArray(picked) ? picked : picked.actions;
    const notEvaluated = Array.isArray(picked) ? undefined : picked.notEvaluated;
    const reqs = requests ? requests(base, evaluator) : actions.map((a) => ({ ...base, action: a.name }));
    const decisions: Decision[] = reqs.map((r) => evaluator.evaluate(r));
    const report = buildReport(base, decisions, {
      ...(snapshot.inputs ? { inputs: snapshot.inputs } : {}),
      commandLine: await commandLine(),
      ...(notEvaluated ? { notEvaluated } : {}),
    });
    await renderAndWrite(io, flags, async (output: OutputFormat, { color }) => {
      if (flags.fix !== true) return renderReport(report, output, { color, redact: flags.redact === true, width: outputWidth(io) });
      const f = await import('./fix-output.js');
      return f.renderWithFixes(report, f.fixesFor(snapshot, reqs, decisions), output, { color, redact: flags.redact === true, width: outputWidth(io) });
    });
    return exitCodeFor(decisions, flags.expect);
  };

  if (wantCore('check'))
    addOutputOptions(
      addRequestOptions(
        program
          .command('check')
          .description('Evaluate one or more KMS actions for a principal on a key (for scripts)')
          .option('--action <actions>', 'kms:Decrypt, several comma-separated, or all: every action the key can do (repeatable)', collect),
      ),
    )
      .addHelpText(
        'after',
        `${EXIT_HELP}

Example:
  kms-why check --action kms:Decrypt,kms:Encrypt --from snapshot.json --key alias/app --principal ${EXAMPLE_PRINCIPAL} --output json`,
      )
      .action(
        run(async (flags: CheckFlags) => {
          return evaluateAndPrint(flags, (_snapshot, ev) => {
            // `all` leaves out what cannot be evaluated without a detail the user did not give; an
            // action named on its own is evaluated (and is unknown without it).
            const named = namedActions(flags.action ?? []);
            const all = parseActions(flags.action ?? [], actionsForKey(flags.key, ev));
            const notEvaluated: NotEvaluated[] = [];
            const actions = all.filter((a) => {
              const needs = named.has(a.name) ? [] : missingDetails(a, flags);
              if (needs.length > 0) notEvaluated.push({ action: a.name, needs });
              return needs.length === 0;
            });
            if (actions.length === 0)
              throw new InputError('no action left to evaluate', { hint: `Give ${[...new Set(notEvaluated.flatMap((n) => n.needs))].join(', ')}.` });
            return { actions, notEvaluated };
          });
        }),
      );

  // One command per KMS API operation, named as the AWS CLI names it (aws kms decrypt …).
  for (const action of ACTIONS) {
    if (action.cls === 'internal' || action.short === 'ReEncryptFrom' || action.short === 'ReEncryptTo' || !wantCore(action.cliName)) continue;
    const extra =
      action.cls === 'alias'
        ? ' --alias alias/app'
        : action.short === 'RetireGrant'
          ? ' --grant-id GRANT_ID'
          : action.short === 'CreateGrant'
            ? ' --grantee arn:aws:iam::111122223333:role/worker --grant-operations Decrypt'
            : '';
    const cmd = addOutputOptions(
      addRequestOptions(
        program
          .command(action.cliName)
          .description(`Can the principal call ${action.short}? (evaluates ${action.name})`)
          // In the list of commands: the action, under "Evaluate one action:".
          .summary(action.name),
      ),
    );
    cmd
      .addHelpText(
        'after',
        `${EXIT_HELP}

Example:
  kms-why ${action.cliName} --from snapshot.json${action.cls === 'iam-only' ? '' : ' --key alias/app'}${extra} --principal ${EXAMPLE_PRINCIPAL}`,
      )
      .action(run(async (flags: CommonFlags) => evaluateAndPrint(flags, () => [action], undefined, undefined, action.short === 'UpdateAlias')));
  }

  // ReEncrypt is one API but two permissions: ReEncryptFrom on the source key and ReEncryptTo on
  // the destination key (docs/semantics.md#action-classes notes).
  if (wantCore('re-encrypt'))
    addOutputOptions(
      addRequestOptions(
        program
          .command('re-encrypt')
          .description('Can the principal re-encrypt? Checks kms:ReEncryptFrom on --key and kms:ReEncryptTo on --destination-key')
          .option('--destination-key <key>', 'the destination key (default: --key)')
          .option('--destination-context <key=value>', 'encryption context for the destination (repeatable; default: --context)', collect)
          .option(
            '--destination-encryption-algorithm <alg>',
            "the destination's kms:EncryptionAlgorithm (--encryption-algorithm is the source's; default SYMMETRIC_DEFAULT on symmetric keys)",
          ),
      ),
    )
      .addHelpText(
        'after',
        `${EXIT_HELP}

Example:
  kms-why re-encrypt --from snapshot.json --key alias/old --destination-key alias/new --principal ${EXAMPLE_PRINCIPAL}`,
      )
      .action(
        run(async (flags: ReEncryptFlags) => {
          const from = findAction('kms:ReEncryptFrom')!;
          const to = findAction('kms:ReEncryptTo')!;
          return evaluateAndPrint(
            flags,
            () => [from, to],
            (base, ev) => {
              const dest: Request = { ...base, action: to.name };
              if (flags.destinationKey !== undefined) dest.keyIdentifier = flags.destinationKey;
              // Both keys are named: kms:ReEncryptOnSameKey ("whether the source and destination
              // key are the same") is known, for both permissions [KMS condition keys], unless
              // --condition gives it. A key the snapshot does not have is left to the evaluation's error.
              const given = Object.keys(base.context ?? {}).some((k) => k.toLowerCase() === 'kms:reencryptonsamekey');
              const account = parsePrincipal(base.principal)?.account;
              const source = base.keyIdentifier !== undefined ? ev.findKey(base.keyIdentifier, account) : undefined;
              const target = dest.keyIdentifier !== undefined ? ev.findKey(dest.keyIdentifier, account) : undefined;
              const sameKey = reEncryptOnSameKey(source?.metadata.arn, target?.metadata.arn);
              if (flags.destinationContext !== undefined) {
                const d = requestFromFlags({ ...flags, context: flags.destinationContext }, to.name);
                if (d.encryptionContext !== undefined) dest.encryptionContext = d.encryptionContext;
              } else if (Object.keys(base.encryptionContext ?? {}).length > 0) {
                // The source context stands for the destination's: a verdict that reads it says so.
                dest.destinationContextFromSource = true;
              }
              // ReEncrypt takes SourceEncryptionAlgorithm and DestinationEncryptionAlgorithm, each
              // defaulting to SYMMETRIC_DEFAULT: the source's never carries over to the destination
              // (RSA-encrypted data re-encrypted under a symmetric key) [API ReEncrypt].
              delete dest.encryptionAlgorithm;
              if (flags.destinationEncryptionAlgorithm !== undefined)
                dest.encryptionAlgorithm = requestFromFlags({ ...flags, encryptionAlgorithm: flags.destinationEncryptionAlgorithm }, to.name)
                  .encryptionAlgorithm!;
              const withSame = (r: Request): Request =>
                given || sameKey === undefined ? r : { ...r, context: { ...r.context, [RE_ENCRYPT_ON_SAME_KEY]: sameKey } };
              return [withSame({ ...base, action: from.name }), withSame(dest)];
            },
            () => (flags.destinationKey !== undefined && flags.destinationKey !== flags.key ? [flags.destinationKey] : []),
          );
        }),
      );

  // The other commands live in modules of their own, loaded only when they can be needed, so
  // that a plain check starts fast (README "Speed").
  const wanted = only === undefined ? Object.keys(EXTRA_COMMANDS) : only in EXTRA_COMMANDS ? [only] : [];
  const seen = new Set<AddCommand>();
  for (const name of wanted) {
    const { add } = await EXTRA_COMMANDS[name]!();
    if (seen.has(add)) continue;
    seen.add(add);
    add(program, io, run);
  }

  forbidRepeats(program);

  if (only === undefined) {
    program
      .command('completion')
      .description('Print a shell completion script (bash, zsh or fish), generated from the commands and flags')
      .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
      .addHelpText(
        'after',
        `
Examples:
  kms-why completion bash > ~/.local/share/bash-completion/completions/kms-why
  kms-why completion zsh > "\${fpath[1]}/_kms-why"
  kms-why completion fish > ~/.config/fish/completions/kms-why.fish`,
      )
      .action(
        run(async (shell: Shell) => {
          io.stdout(completionScript(program, shell));
          return EXIT.allow;
        }),
      );
    groupCommands(program);
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      return e.exitCode === 0 ? 0 : EXIT.usage;
    }
    const f = formatError(e, debug, io.redactor, outputWidth(io));
    io.stderr(f.text);
    return f.code;
  }
}
