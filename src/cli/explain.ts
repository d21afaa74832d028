// `kms-why explain-error "MESSAGE"` and `kms-why explain-event EVENT.json`: start from what a
// support ticket carries, extract the request, evaluate it against today's inputs (AWS, or --from
// files), say whether it is still denied and whether that agrees with the error's own clue, and
// with --fix propose the smallest verified change that would allow it. Lambda's environment-variable
// error also runs the analysis of `kms-why lambda FUNCTION`; `explain-event --lookup` reads the
// events themselves from CloudTrail.
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { findAction, KEY_ACTIONS } from '../model/actions.js';
import { keyStateRuleError, keyUsageError } from '../model/key-state.js';
import { parseArn, parseKeyIdentifier, parsePrincipal } from '../model/arn.js';
import type { Decision } from '../model/decision.js';
import { InputError } from '../model/errors.js';
import { RE_ENCRYPT_ON_SAME_KEY, reEncryptOnSameKey, type Request } from '../model/request.js';
import type { Snapshot } from '../model/snapshot.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { analyzeLambda, findFunction, parseFunction } from '../analyses/lambda.js';
import { isUnknown, type UnknownInput } from '../model/unknown.js';
import { checkClue, proposeFixes, type CallOutcome } from '../analyses/fix.js';
import { buildReport, exitCodeFor } from '../report/build.js';
import {
  explainJson,
  explainMarkdown,
  explainText,
  type EventSummary,
  type ExplainDocument,
  type ExplainFormat,
  type Explanation,
  type ExtractedField,
} from '../report/fix.js';
import { renderJson } from '../report/json.js';
import { disagreementWarning } from '../report/fix-phrases.js';
import { eventLabel, parseCloudTrail, type CloudTrailKmsEvent, type CloudTrailRequest } from '../sources/cloudtrail.js';
import { FIELD_FLAG, parseErrorMessage, type ErrorClue, type MissingPart, type ParsedErrorMessage, type RequestField } from '../sources/error-message.js';
import { displayName, readJsonText } from '../sources/json-file.js';
import { EXIT } from './errors.js';
import type { Run } from './command.js';
import type { CliIo } from './io.js';
import { outputWidth, renderReport } from './output.js';
import { renderAndWrite } from './write-output.js';
import { collect, addRequestOptions, requestFromFlags, suggestAction, type RequestFlags } from './request-flags.js';
import {
  addLiveOptions,
  hasOrganizationFiles,
  liveRequested,
  loadFromFiles,
  loadSnapshot as loadSnapshotFrom,
  lookupEventsLive,
  tryReadFunctionLive,
  type LiveFlags,
  type LiveTargetSpec,
} from './live.js';

interface ExplainFlags extends RequestFlags, LiveFlags {
  action?: string;
  messageFile?: string;
  lookup?: boolean;
  since?: string;
  output?: ExplainFormat;
  fix?: boolean;
  redact?: boolean;
  color?: boolean;
  debug?: boolean;
  all?: boolean;
  eventId?: string;
  /** explain-event: the destination key of a ReEncrypt record (kms:ReEncryptTo); --key is its source key. */
  destinationKey?: string;
}

const EXIT_HELP = `
Exit codes:
  0  today's policies allow the request (with --all: every request)
  1  today's policies still deny it (at least one)
  2  usage error or invalid input (a message or event kms-why cannot read, a bad flag or file)
  3  the verdict is unknown: an input was unreadable, or (--all) an event could not be explained`;

function addCommonOptions(cmd: Command): Command {
  return addLiveOptions(
    addRequestOptions(cmd.option('--action <action>', 'the KMS action, when the message or event does not say it (e.g. kms:Decrypt)')).option(
      '--from <file>',
      'snapshot file, or AWS CLI output (describe-key, get-key-policy, list-grants …); - reads stdin (repeatable, merged); without it, kms-why reads AWS for the key and principal the message or event names',
      collect,
    ),
  )
    .option('--fix', 'propose the smallest changes that would allow the request, each verified by evaluating it again')
    .addOption(new Option('--output <format>', 'output format (default: table on a terminal, text otherwise)').choices(['table', 'text', 'json', 'markdown']))
    .option('--redact', 'replace account ids, resource names and grant ids with stable placeholders')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .option('--debug', 'show stack traces for errors');
}

/** A value of the request and where it came from. */
interface Sourced {
  value: string;
  from: string;
}

interface Draft {
  principal?: Sourced;
  action?: Sourced;
  key?: Sourced;
  /** The key ARN, when the event names it besides the KeyId as sent. */
  keyArn?: string;
  context: Record<string, Sourced>;
  /** Request context keys the event shows: a value (--condition KEY=VALUE), or null for a key the request had none of (--absent KEY). */
  conditions: Record<string, { value: string | null; from: string }>;
  viaService?: Sourced;
  /** The message or event shows a service calling on the principal's behalf, but not which kms:ViaService value. */
  viaServiceUnknown?: boolean;
  /** The message or event does not carry the request's encryption context. */
  contextUnknown?: boolean;
  /** The key as sent is an alias the event bounds (CloudTrailRequest.keyCheck), with which key it is: source or destination. */
  keyCheck?: NonNullable<CloudTrailRequest['keyCheck']> & { role: 'source' | 'destination' };
  notes: string[];
}

function pairsOf(list: string[] | undefined): Array<[string, string]> {
  return (list ?? []).map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new InputError(`--context "${item}" is not KEY=VALUE`, { hint: 'Write it as --context Department=IT.', quotes: [item] });
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

/** Flags fill or override what the message or event gave; an override that differs is noted. */
function applyFlags(d: Draft, flags: ExplainFlags, what: string): void {
  const over = (cur: Sourced | undefined, value: string | undefined, flag: string): Sourced | undefined => {
    if (value === undefined) return cur;
    if (cur !== undefined && cur.value !== value) d.notes.push(`${flag} ${value} overrides the ${what}'s ${cur.value}.`);
    return { value, from: flag };
  };
  d.principal = over(d.principal, flags.principal, '--principal');
  if (flags.action !== undefined) {
    const a = findAction(flags.action);
    if (a === undefined) throw new InputError(`unknown KMS action "${flags.action}"`, { hint: suggestAction(flags.action) });
    d.action = over(d.action, a.name, '--action');
  }
  if (flags.key !== undefined) {
    d.key = over(d.key, flags.key, '--key');
    delete d.keyArn;
    delete d.keyCheck;
  }
  for (const [k, v] of pairsOf(flags.context)) {
    const cur = d.context[k];
    if (cur !== undefined && cur.value !== v) d.notes.push(`--context ${k}=${v} overrides the ${what}'s ${k}=${cur.value}.`);
    d.context[k] = { value: v, from: '--context' };
  }
  d.viaService = over(d.viaService, flags.viaService, '--via-service');
  for (const item of [...(flags.condition ?? []), ...(flags.absent ?? [])]) {
    const eq = item.indexOf('=');
    const k = eq > 0 ? item.slice(0, eq) : item;
    const v = eq > 0 ? item.slice(eq + 1) : null;
    // The event's value of a key the flags set again gives way to theirs (requestOf).
    const cur = Object.keys(d.conditions).find((x) => x.toLowerCase() === k.toLowerCase());
    if (cur === undefined) continue;
    const was = d.conditions[cur]!.value;
    if (was !== v) d.notes.push(`${v === null ? '--absent' : '--condition'} ${item} overrides the ${what}'s ${cur}${was === null ? ' (none)' : `=${was}`}.`);
    delete d.conditions[cur];
  }
}

/** The values of a draft read with the real names, redacted as the flags and inputs are (cli/redact.ts redactFlags). */
function redactDraft(d: Draft, r: import('../report/redact.js').Redactor): void {
  const value = (s: Sourced): Sourced => ({ ...s, value: r.value(s.value) });
  if (d.principal !== undefined) d.principal = value(d.principal);
  if (d.key !== undefined) d.key = value(d.key);
  if (d.keyArn !== undefined) d.keyArn = r.value(d.keyArn);
  if (d.viaService !== undefined) d.viaService = value(d.viaService);
  for (const [k, s] of Object.entries(d.context)) d.context[k] = { ...s, value: r.contextValue(s.value) };
  for (const [k, s] of Object.entries(d.conditions)) if (s.value !== null) d.conditions[k] = { ...s, value: r.conditionValue(k, s.value) };
}

function extractedOf(d: Draft, flags: ExplainFlags): ExtractedField[] {
  const out: ExtractedField[] = [];
  if (d.principal) out.push({ field: 'principal', ...d.principal });
  if (d.action) out.push({ field: 'action', ...d.action });
  if (d.key) out.push({ field: 'key', ...d.key });
  if (d.keyArn !== undefined && d.keyArn !== d.key?.value) out.push({ field: 'key', value: d.keyArn, from: 'the event (resources)' });
  for (const [k, s] of Object.entries(d.context)) out.push({ field: 'encryptionContext', value: `${k}=${s.value}`, from: s.from });
  if (d.viaService) out.push({ field: 'viaService', ...d.viaService });
  for (const [k, s] of Object.entries(d.conditions)) out.push({ field: 'condition', value: s.value === null ? `${k}: none` : `${k}=${s.value}`, from: s.from });
  if (flags.callerAccount !== undefined) out.push({ field: 'callerAccount', value: flags.callerAccount, from: '--caller-account' });
  return out;
}

/** The request the draft describes; throws (exit 2) naming what is still missing. */
function requestOf(d: Draft, flags: ExplainFlags, missing: MissingPart[], what: string, more?: string): Request {
  const required: Array<[RequestField, boolean]> = [
    ['principal', d.principal !== undefined],
    ['action', d.action !== undefined],
    ['key', d.key !== undefined || d.keyArn !== undefined || (d.action !== undefined && findAction(d.action.value)?.cls === 'iam-only')],
  ];
  const lacking = required.filter(([, ok]) => !ok).map(([f]) => f);
  const { principal, action } = d;
  // Lacking the principal or the action puts it in `lacking`: the checks narrow their types.
  if (lacking.length > 0 || principal === undefined || action === undefined) {
    const why = lacking.map((f) => missing.find((m) => m.field === f)?.why ?? `give ${FIELD_FLAG[f]}`);
    const read = [d.principal && `principal ${d.principal.value}`, d.action && `action ${d.action.value}`, d.key && `key ${d.key.value}`]
      .filter(Boolean)
      .join(', ');
    throw new InputError(`the ${what} does not say ${lacking.map((f) => (f === 'key' ? 'which key' : `the ${f}`)).join(' or ')}: ${why.join('; ')}`, {
      hint: `${read ? `Read from the ${what}: ${read}. ` : ''}Add ${lacking.map((f) => FIELD_FLAG[f]).join(' and ')}.${more !== undefined ? ` ${more}` : ''}`,
    });
  }
  const merged: RequestFlags = { ...flags };
  merged.principal = principal.value;
  if (d.key !== undefined) merged.key = d.key.value;
  else delete merged.key;
  merged.context = Object.entries(d.context).map(([k, s]) => `${k}=${s.value}`);
  if (d.viaService !== undefined) merged.viaService = d.viaService.value;
  const given = Object.entries(d.conditions);
  merged.condition = [...given.filter(([, s]) => s.value !== null).map(([k, s]) => `${k}=${s.value}`), ...(flags.condition ?? [])];
  merged.absent = [...given.filter(([, s]) => s.value === null).map(([k]) => k), ...(flags.absent ?? [])];
  const req = requestFromFlags(merged, action.value);
  if (d.keyArn !== undefined) req.keyArn = d.keyArn;
  // What the message or event shows the request had, without its value, is unknown rather than
  // absent, unless the flags give it or say the request had none (--absent).
  const absent = (k: string): boolean => (merged.absent ?? []).some((x) => x.toLowerCase() === k);
  if (d.viaServiceUnknown === true && req.viaService === undefined && !absent('kms:viaservice')) req.viaServiceUnknown = true;
  if (d.contextUnknown === true && req.encryptionContext === undefined && !absent('kms:encryptioncontextkeys')) req.encryptionContextUnknown = true;
  return req;
}

/** A key-state error's key as the snapshot has it today: its state, and what that state refuses. */
function keyStateToday(snapshot: Snapshot, keyArn: string | undefined): string | undefined {
  const key = keyArn === undefined ? undefined : snapshot.keys.find((k) => k.metadata.arn === keyArn);
  if (key === undefined || key.metadataUnknown !== undefined) return undefined;
  const m = key.metadata;
  const refused = KEY_ACTIONS.filter((a) => keyUsageError(a, m) === undefined && keyStateRuleError(a, m) !== undefined).map((a) => a.short);
  return `Today the snapshot shows the key ${m.keyState}${refused.length > 0 ? `, a state that refuses ${refused.join(', ')}` : ', a state that refuses none of its operations'}.`;
}

function stillMissing(parsed: MissingPart[], d: Draft): MissingPart[] {
  return parsed.filter((m) => {
    switch (m.field) {
      case 'principal':
        return d.principal === undefined;
      case 'action':
        return d.action === undefined;
      case 'key':
        return d.key === undefined && d.keyArn === undefined;
      case 'encryptionContext':
        return Object.keys(d.context).length === 0;
      case 'viaService':
        return d.viaService === undefined;
      default: {
        // Every field is handled above; a new one fails to compile here.
        const unhandled: never = m.field;
        return unhandled;
      }
    }
  });
}

interface Evaluated {
  explanation: Explanation;
  decision: Decision;
}

function explainOne(
  snapshot: Snapshot,
  evaluator: Evaluator,
  req: Request,
  base: {
    title: string;
    extracted: ExtractedField[];
    missing: MissingPart[];
    notes: string[];
    clue: ErrorClue | null;
    what: 'error' | 'event';
    eventTime?: string;
    /** What happened to the call (explain-event); an error message is an access denial. */
    outcome?: CallOutcome;
  },
  fix: boolean,
): Evaluated {
  const decision = evaluator.evaluate(req);
  const report = buildReport(req, [decision], snapshot.inputs ? { inputs: snapshot.inputs } : {});
  const today = checkClue(base.clue ?? undefined, decision, {
    snapshot,
    request: req,
    what: base.what,
    ...(base.eventTime !== undefined ? { eventTime: base.eventTime } : {}),
    ...(base.outcome !== undefined ? { outcome: base.outcome } : {}),
  });
  const explanation: Explanation = {
    title: base.title,
    extracted: base.extracted,
    missing: base.missing,
    notes: base.notes,
    clue: base.clue,
    action: decision.action,
    report,
    today,
  };
  if (fix) {
    const f = proposeFixes(snapshot, req);
    if (today.agrees === false && (today.status === 'still-denied' || today.status === 'denied-now') && f.proposals.length > 0) {
      f.warnings.push(disagreementWarning(base.what, today.missing[0]));
    }
    explanation.fix = f;
  }
  return { explanation, decision };
}

function checkStdin(flags: ExplainFlags, stdinTaken: boolean): void {
  if (stdinTaken && (flags.from ?? []).includes('-')) {
    throw new InputError('stdin can be read only once: the message or event and --from - cannot both come from it', { hint: 'Give one of them as a file.' });
  }
}

/** The (key, principal) pairs to read from AWS; their Region from the event when the key is not an ARN. */
async function loadSnapshot(flags: ExplainFlags, targets: LiveTargetSpec[], io: CliIo): Promise<Snapshot> {
  // With --from, the snapshot is read from it (liveRequested: --from absent or empty).
  if (flags.from !== undefined && !liveRequested(flags)) return loadFromFiles(flags, targets, io);
  const seen = new Set<string>();
  const unique = targets.filter((t) => {
    const k = `${t.key}|${t.principal}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (unique.length === 0)
    throw new InputError('nothing to read from AWS: no request names both a principal and a key', {
      hint: 'Give --principal and --key, or --from snapshot.json.',
    });
  if (io.redactor === undefined) return (await loadSnapshotFrom(flags, unique, io)).snapshot;
  // --redact: read as is (the request names the real principal and key) and learned by the
  // Redactor, so that everything written is redacted.
  const { redactor, ...plain } = io;
  const s = (await loadSnapshotFrom(flags, unique, plain)).snapshot;
  const red = await import('./redact.js');
  red.learnSnapshot(s, redactor);
  red.learnContextFlags(flags, redactor);
  return s;
}

/** --redact with --from: the snapshot learned and redacted before the message or event is read. */
async function preload(flags: ExplainFlags, io: CliIo): Promise<{ snapshot: Snapshot; r: import('../report/redact.js').Redactor } | undefined> {
  if (io.redactor === undefined || flags.from === undefined || liveRequested(flags)) return undefined;
  // With --scp-file or --rcp-file, read (and learned) with them, before the request is known.
  if (hasOrganizationFiles(flags)) {
    const snapshot = await loadFromFiles(flags, [], io);
    (await import('./redact.js')).redactFlags(flags, io.redactor);
    return { snapshot, r: io.redactor };
  }
  return (await import('./redact.js')).preloadRedacted(flags.from, flags, io);
}

/** Lambda's function: named by --context aws:lambda:FunctionArn, or by the session name (Lambda names the session after it). */
function lambdaFunctionRef(d: Draft, parsed: ParsedErrorMessage): { name: string; arn?: string } | undefined {
  if (!parsed.lambda) return undefined;
  const given = Object.entries(d.context).find(([k]) => k.toLowerCase() === 'aws:lambda:functionarn');
  if (given !== undefined) {
    const v = given[1].value;
    const m = /^arn:[^:]+:lambda:[^:]+:\d{12}:function:([^:]+)/.exec(v);
    if (m) return { name: m[1]!, arn: v };
  }
  const p = d.principal !== undefined ? parsePrincipal(d.principal.value) : null;
  if (p === null || p.kind !== 'assumed-role' || p.sessionName === undefined) return undefined;
  const keyArn = parseArn(d.keyArn ?? d.key?.value ?? '');
  const region = keyArn?.service === 'kms' && keyArn.region !== '' ? keyArn.region : undefined;
  return region !== undefined
    ? { name: p.sessionName, arn: `arn:${p.partition}:lambda:${region}:${p.account}:function:${p.sessionName}` }
    : { name: p.sessionName };
}

function functionName(raw: unknown): string | undefined {
  return typeof raw === 'object' && raw !== null && typeof (raw as Record<string, unknown>).FunctionName === 'string'
    ? ((raw as Record<string, unknown>).FunctionName as string)
    : undefined;
}

async function readStdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function readMessage(args: string[], flags: ExplainFlags): Promise<string> {
  if (flags.messageFile !== undefined) {
    if (args.length > 0) throw new InputError('give the message either as an argument or with --message-file, not both');
    if (flags.messageFile === '-') return readStdinText();
    try {
      return await readFile(flags.messageFile, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${(e as Error).message})`, {
        file: flags.messageFile,
      });
    }
  }
  if (args.length === 1 && args[0] === '-') return readStdinText();
  if (args.length === 0) {
    throw new InputError('give the error message', {
      hint: 'Quote it as one argument: kms-why explain-error "User: arn:… is not authorized to perform: kms:Decrypt on resource: arn:… because …" --from snapshot.json; or use --message-file FILE (- for stdin).',
    });
  }
  return args.join(' ');
}

/** The Lambda runtime-init Decrypt (docs/semantics.md#lambda-environment-variables): the function's session, its FunctionArn as encryption context. */
function lambdaEnrichment(d: Draft, parsed: ParsedErrorMessage, snapshot: Snapshot, evaluator: Evaluator): void {
  if (!parsed.lambda || d.principal === undefined) return;
  const p = parsePrincipal(d.principal.value);
  if (p === null || p.kind !== 'assumed-role') return;
  const fnName = p.sessionName;
  let fnArn: string | undefined;
  let fnFrom = '';
  for (const f of snapshot.functions ?? []) {
    if (typeof f !== 'object' || f === null) continue;
    const o = f as Record<string, unknown>;
    if (o.FunctionName !== fnName) continue;
    if (typeof o.Role === 'string' && !o.Role.endsWith(`/${p.roleName}`)) continue;
    if (typeof o.FunctionArn === 'string') {
      fnArn = o.FunctionArn;
      fnFrom = `the snapshot (configuration of function ${fnName})`;
    }
    if (d.key === undefined && d.keyArn === undefined && typeof o.KMSKeyArn === 'string') {
      d.key = { value: o.KMSKeyArn, from: `the snapshot (KMSKeyArn of function ${fnName})` };
    }
  }
  if (fnArn === undefined) {
    const keyIdent = d.keyArn ?? d.key?.value;
    const region =
      (keyIdent !== undefined ? parseArn(keyIdent)?.region : undefined) ||
      (keyIdent !== undefined ? evaluator.findKey(keyIdent)?.metadata.region : undefined) ||
      snapshot.region;
    if (region) {
      fnArn = `arn:${p.partition}:lambda:${region}:${p.account}:function:${fnName}`;
      fnFrom = `inferred: Lambda names the session after the function (${fnName}); region ${region} of the key`;
    }
  }
  const has = Object.keys(d.context).some((k) => k.toLowerCase() === 'aws:lambda:functionarn');
  if (fnArn !== undefined && !has) {
    d.context['aws:lambda:FunctionArn'] = { value: fnArn, from: fnFrom };
    d.notes.push(
      "Lambda's runtime-init Decrypt: the execution role session calls KMS itself with encryption context aws:lambda:FunctionArn and no kms:ViaService (docs/semantics.md#lambda-environment-variables). Override with --context or --via-service if the request differed.",
    );
  } else if (fnArn === undefined && !has) {
    d.contextUnknown = true;
    d.notes.push(
      "Lambda decrypts with encryption context aws:lambda:FunctionArn=FUNCTION_ARN: give it with --context (the key's region was not known to build it).",
    );
  }
}

/** What the record shows happened to the call: success (no errorCode), an access denial, or another error. */
function outcomeOf(ev: CloudTrailKmsEvent): CallOutcome {
  if (ev.errorCode === undefined) return { kind: 'succeeded' };
  return ev.accessDenied ? { kind: 'access-denied' } : { kind: 'other-error', errorCode: ev.errorCode };
}

function summaryOf(ev: CloudTrailKmsEvent): EventSummary {
  const s: EventSummary = { eventName: ev.eventName };
  if (ev.eventId !== undefined) s.eventId = ev.eventId;
  if (ev.eventTime !== undefined) s.eventTime = ev.eventTime;
  if (ev.awsRegion !== undefined) s.awsRegion = ev.awsRegion;
  if (ev.errorCode !== undefined) s.errorCode = ev.errorCode;
  if (ev.errorMessage !== undefined) s.errorMessage = ev.errorMessage;
  return s;
}

/**
 * The flags for one request of an event: --key is the key of every request, but a ReEncrypt's
 * destination key (kms:ReEncryptTo), which --destination-key gives — as in kms-why re-encrypt,
 * --key is the source key. kms:ReEncryptOnSameKey compares the two keys: a flag that gives a key
 * the record does not name keeps what the record says of it (two keys in resources are not the
 * same key), or takes it from the two keys when both are key ARNs; a flag that replaces a key the
 * record names replaces it too, with the two keys as they are then — or, when they are not both
 * key ARNs, leaves it unknown (a note says so).
 */
function unitFlags(ev: CloudTrailKmsEvent, r: CloudTrailRequest, d: Draft, flags: ExplainFlags): ExplainFlags {
  if (ev.eventName !== 'ReEncrypt') return flags;
  const keys = ev.reEncryptKeys ?? {};
  const source = flags.key ?? keys.source;
  const destination = flags.destinationKey ?? keys.destination;
  const given = [...(flags.key !== undefined ? ['--key'] : []), ...(flags.destinationKey !== undefined ? ['--destination-key'] : [])].join(' and ');
  const replaced =
    (flags.key !== undefined && keys.source !== undefined && flags.key !== keys.source) ||
    (flags.destinationKey !== undefined && keys.destination !== undefined && flags.destinationKey !== keys.destination);
  const had = d.conditions[RE_ENCRYPT_ON_SAME_KEY];
  if (given === '' || (!replaced && had !== undefined)) return forRequest(r, flags);
  const arn = (k: string | undefined): string | undefined => (k !== undefined && parseKeyIdentifier(k)?.kind === 'key-arn' ? k : undefined);
  const same = reEncryptOnSameKey(arn(source), arn(destination));
  if (same !== undefined) d.conditions[RE_ENCRYPT_ON_SAME_KEY] = { value: same, from: `ReEncrypt from ${source} to ${destination} (${given})` };
  else if (had !== undefined) {
    delete d.conditions[RE_ENCRYPT_ON_SAME_KEY];
    d.notes.push(
      `kms:ReEncryptOnSameKey: not known, ${given} replacing a key of the record's (which gave ${had.value}), and the keys ${source ?? '(none)'} and ${destination ?? '(none)'} not both key ARNs: give --condition ${RE_ENCRYPT_ON_SAME_KEY}=true or false.`,
    );
  }
  return forRequest(r, flags);
}

/** The flags of a ReEncrypt's request: for its destination key, --destination-key as --key. */
function forRequest(r: CloudTrailRequest, flags: ExplainFlags): ExplainFlags {
  if (r.action !== 'kms:ReEncryptTo') return flags;
  const out: ExplainFlags = { ...flags };
  delete out.key;
  if (flags.destinationKey !== undefined) out.key = flags.destinationKey;
  return out;
}

/**
 * A ReEncrypt key sent as an alias the record does not tell apart (Draft.keyCheck), against the
 * key the alias names in the snapshot today: one the record cannot have meant (not one of the keys
 * its resources name, or the key the other alias names when they name two) shows that the alias
 * named another key then, and which the record does not say: the key is not known.
 */
function boundAlias(d: Draft, missing: MissingPart[], evaluator: Evaluator, flags: ExplainFlags): void {
  const c = d.keyCheck;
  if (c === undefined || d.key === undefined || d.keyArn !== undefined) return;
  const account = flags.callerAccount ?? (d.principal !== undefined ? parsePrincipal(d.principal.value)?.account : undefined);
  // A key the snapshot does not have is left to the evaluation's error.
  const today = evaluator.findKey(d.key.value, account)?.metadata.arn;
  if (today === undefined) return;
  let why: string | undefined;
  if (c.among.length > 0 && !c.among.includes(today)) why = `a key the record does not name (resources name ${c.among.join(' and ')})`;
  else if (c.notSameAs !== undefined && evaluator.findKey(c.notSameAs, account)?.metadata.arn === today)
    why = `the key ${c.notSameAs} names too, where the record names two keys`;
  if (why === undefined) return;
  missing.push({
    field: 'key',
    required: true,
    why: `the record gives the ${c.role} key as ${d.key.value}, which names ${today} in the snapshot today, ${why}: the alias named another key then, and the record does not say which: give ${c.role === 'source' ? '--key' : '--destination-key'}`,
  });
  delete d.key;
}

function draftFromEvent(ev: CloudTrailKmsEvent, r: CloudTrailRequest): Draft {
  const d: Draft = { context: {}, conditions: {}, notes: [...ev.notes] };
  if (ev.principal !== undefined) d.principal = { value: ev.principal, from: `the event: ${ev.principalNote ?? 'userIdentity'}` };
  else if (ev.principalNote) d.notes.push(`Principal: ${ev.principalNote}.`);
  // The action is the event's own, or (a ReEncrypt's one permission, another action) the one its
  // error message names: a ReEncrypt evaluated as both of its permissions takes each from eventName.
  const fromMessage = ev.eventName === 'ReEncrypt' ? ev.requests.length === 1 : !r.action.endsWith(ev.eventName);
  d.action = {
    value: r.action,
    from: fromMessage
      ? `the event's error message (${ev.eventName})`
      : `the event: eventSource kms.amazonaws.com, eventName ${ev.eventName}${ev.eventName === 'ReEncrypt' ? ` (${r.action === 'kms:ReEncryptFrom' ? 'on the source key' : 'on the destination key'})` : ''}`,
  };
  const keyFrom =
    r.keyFrom === 'requestParameters'
      ? 'the event (requestParameters, the KeyId as sent)'
      : r.keyFrom === 'resources'
        ? 'the event (resources)'
        : "the event's error message";
  if (r.keyIdentifier !== undefined) d.key = { value: r.keyIdentifier, from: keyFrom };
  if (r.keyArn !== undefined) d.keyArn = r.keyArn;
  if (r.keyCheck !== undefined) d.keyCheck = { ...r.keyCheck, role: r.action === 'kms:ReEncryptFrom' ? 'source' : 'destination' };
  for (const [k, v] of Object.entries(r.encryptionContext ?? {})) d.context[k] = { value: v, from: 'the event (requestParameters)' };
  if (r.encryptionContextUnknown === true) {
    d.contextUnknown = true;
    d.notes.push('Encryption context: the record has no requestParameters, so the encryption context of the request is not known: give --context KEY=VALUE.');
  }
  if (ev.viaService !== undefined) d.viaService = { value: ev.viaService, from: `the event: ${ev.viaServiceNote}` };
  else d.notes.push(`kms:ViaService: ${ev.viaServiceNote}.`);
  if (ev.viaServiceUnknown === true) d.viaServiceUnknown = true;
  for (const c of ev.conditionKeys) d.conditions[c.key] = { value: c.value ?? null, from: c.from };
  return d;
}

function eventMissing(d: Draft, ev: CloudTrailKmsEvent): MissingPart[] {
  const out: MissingPart[] = [];
  if (d.principal === undefined) out.push({ field: 'principal', required: true, why: ev.principalNote ?? 'give --principal ARN' });
  if (d.key === undefined && d.keyArn === undefined)
    out.push({
      field: 'key',
      required: true,
      why:
        d.action?.value === 'kms:ReEncryptFrom'
          ? 'the record does not name the source key (no requestParameters.sourceKeyId, and resources do not say which key was the source: they name no key besides the destination key, or the destination key is not known by its ARN): give --key'
          : d.action?.value === 'kms:ReEncryptTo'
            ? 'the record does not name the destination key (no requestParameters.destinationKeyId, and resources do not say which key was the destination: they name no key besides the source key, or the source key is not known by its ARN): give --destination-key'
            : 'the record names no key (no resources, no requestParameters.keyId, no key ARN in errorMessage): give --key',
    });
  return out;
}

/** Renders the document in --output's format and writes it (write-output.ts). */
function writeExplanation(doc: ExplainDocument, flags: ExplainFlags, io: CliIo): Promise<void> {
  return renderAndWrite(io, flags, (format: ExplainFormat, { color }) => renderExplain(doc, format, color, outputWidth(io)));
}

/** An explanation document in one format (table and text share a layout; tables in colour when asked). */
async function renderExplain(doc: ExplainDocument, format: ExplainFormat, color: boolean, width: number): Promise<string> {
  const renderOne = (r: Parameters<typeof renderReport>[0], f: ExplainFormat): Promise<string> =>
    renderReport(r, f, { color: f === 'table' && color, redact: false, width });
  // --redact: the inputs, flags and message were redacted, and io redacts the output.
  switch (format) {
    case 'json':
      return explainJson(doc, (r) => JSON.parse(renderJson(r)) as unknown);
    case 'markdown':
      return explainMarkdown(doc, renderOne);
    case 'text':
    case 'table':
      return explainText(doc, format, renderOne, width);
  }
}

/** Registers explain-error and explain-event; `run` turns each action's returned exit code into the command's (command.ts). */
export function explainCommands(program: Command, io: CliIo, run: Run): void {
  addCommonOptions(
    program
      .command('explain-error')
      .description(
        "Explain an AWS KMS error message: the request it describes, whether today's policies still deny it, and (--fix) the smallest change that would allow it",
      )
      .argument('[message...]', 'the error message as the client printed it (quote it; - reads stdin)')
      .option('--message-file <file>', 'read the error message from a file (- for stdin)'),
  )
    .addHelpText(
      'after',
      `
Reads the KMS AccessDeniedException forms ("User: ARN is not authorized to perform: kms:ACTION on resource:
KEY_ARN because no resource-based policy allows …", "… with an explicit deny in …", "… because no identity-based
policy allows …"), "The ciphertext refers to a customer master key that does not exist …", and Lambda's "Lambda was
unable to decrypt the environment variables …", inside AWS CLI, boto3, SDK (JavaScript v3, Java, Go) or JSON output.
Also reads the key-state errors ("DisabledException: KEY_ARN is disabled.", "KMSInvalidStateException: KEY_ARN is
pending deletion." …), which are no access denials: it says what the key's state was then, is today, and refuses.
What the message does not say (often the key and the encryption context) is asked for as flags; flags also
override what the message says.

Without --from, kms-why reads the key and the principal's policies from AWS (the key, account and Region from the
message). Lambda's environment-variable error also reads the function's configuration and runs the analysis of
kms-why lambda FUNCTION (the function is the role session's name).
${EXIT_HELP}

Examples:
  kms-why explain-error "Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's KMS key settings. KMS Exception: AccessDeniedException KMS Message: User: arn:aws:sts::111122223333:assumed-role/app/my-function is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the kms:Decrypt action"
  kms-why explain-error "An error occurred (AccessDeniedException) when calling the Decrypt operation: User: arn:aws:sts::111122223333:assumed-role/app/s1 is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the kms:Decrypt action" --from snapshot.json --fix
  kms-why explain-error --message-file ticket.txt --from snapshot.json --key alias/app --context Department=IT --output markdown`,
    )
    .action(run((args: string[], flags: ExplainFlags) => explainError(args, flags, io)));

  addCommonOptions(
    program
      .command('explain-event')
      .description(
        "Explain a CloudTrail event of a KMS call: the request it shows, whether today's policies still deny it, and (--fix) the smallest change that would allow it",
      )
      .argument('[file]', 'one CloudTrail record, a trail file ({"Records": […]}) or aws cloudtrail lookup-events output; - reads stdin')
      .option('--all', 'explain every KMS AccessDenied event in the file, grouped by (principal, key, action)')
      .option('--event-id <id>', 'the event to explain when the file holds several')
      .option('--destination-key <key>', "a ReEncrypt event's destination key (kms:ReEncryptTo); --key is its source key (kms:ReEncryptFrom)")
      .option(
        '--lookup',
        "instead of a file, read the KMS AccessDenied events of CloudTrail's event history (LookupEvents, in --region) and explain each (principal, key, action) group, newest first; --principal and --key then filter the events",
      )
      .option('--since <when>', 'with --lookup: how far back, as 30m, 1h, 2d, or an ISO 8601 time (default 1h)'),
  )
    .addHelpText(
      'after',
      `
The principal comes from userIdentity (arn; invokedBy for AWS services), the action from eventName (ReEncrypt:
ReEncryptFrom/ReEncryptTo), the key from resources or requestParameters.keyId, the encryption context from
requestParameters (unknown when the record has none), kms:ReEncryptOnSameKey from a ReEncrypt's two key ARNs
(unknown when the record does not name both), and kms:ViaService from userIdentity.invokedBy or a
service host as sourceIPAddress (a service calling on the principal's behalf: SERVICE.awsRegion.amazonaws.com);
a record that shows a service without naming it ("AWS Internal") leaves kms:ViaService unknown. Flags fill or
override each of them (--absent kms:ViaService: no service made the call).

A ReEncrypt's source and destination key come from sourceKeyId and destinationKeyId, and from resources only
where the record says which key is which (one key named, and one other); a key sent as an alias the record does
not tell apart is the key the alias names in the snapshot today, and is not known when that cannot be the key
the record names. For a ReEncrypt, --key gives the source key (kms:ReEncryptFrom) and --destination-key the
destination key (kms:ReEncryptTo), as in kms-why re-encrypt; a key they replace no longer gives
kms:ReEncryptOnSameKey, which is then taken from the keys as given (when both are key ARNs).

Without --from, kms-why reads the key policy, grants and the principal's IAM policies from AWS for each request
(the key's Region from its ARN, or the event's awsRegion).
${EXIT_HELP}

Examples:
  kms-why explain-event event.json --fix
  kms-why explain-event --lookup --since 2d --principal arn:aws:iam::111122223333:role/app --fix
  aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventSource,AttributeValue=kms.amazonaws.com > events.json
  kms-why explain-event events.json --all --from snapshot.json --output markdown`,
    )
    .action(run((file: string | undefined, flags: ExplainFlags) => explainEvent(file, flags, io)));
}

/** explain-error: reads the message, builds the request it describes, evaluates it today; returns the exit code. */
async function explainError(args: string[], flags: ExplainFlags, io: CliIo): Promise<number> {
  const fromStdin = flags.messageFile === '-' || (args.length === 1 && args[0] === '-');
  checkStdin(flags, fromStdin);
  const text = await readMessage(args, flags);
  const pre = await preload(flags, io);
  // --redact: the message read with the snapshot's placeholders.
  const parsed = parseErrorMessage(pre !== undefined ? pre.r.text(text) : text);
  const d: Draft = { context: {}, conditions: {}, notes: [...parsed.notes] };
  if (parsed.principal !== undefined) d.principal = { value: parsed.principal, from: 'the message' };
  if (parsed.action !== undefined) {
    d.action = {
      value: parsed.action,
      from:
        parsed.actionFrom === 'message'
          ? 'the message'
          : parsed.actionFrom === 'operation'
            ? `the ${parsed.operation} operation the client called`
            : parsed.lambda
              ? "Lambda's environment-variable decryption"
              : 'assumed: KMS returns this message for Decrypt',
    };
  }
  if (parsed.keyArn !== undefined) d.key = { value: parsed.keyArn, from: 'the message' };
  // The message shows another service's operation (kms:ViaService present, its value not said), and
  // never carries the encryption context: both unknown unless flags give them.
  if (parsed.missing.some((m) => m.field === 'viaService')) d.viaServiceUnknown = true;
  if (parsed.missing.some((m) => m.field === 'encryptionContext')) d.contextUnknown = true;
  applyFlags(d, flags, 'message');
  let fnRef = lambdaFunctionRef(d, parsed);
  let fnUnreadable: UnknownInput | undefined;
  let snapshot: Snapshot;
  if (liveRequested(flags)) {
    // Lambda's error: the function's configuration first; it names the key when the message does not.
    let fnRaw: Record<string, unknown> | undefined;
    if (fnRef !== undefined) {
      const r = await tryReadFunctionLive(flags, fnRef.arn ?? fnRef.name, io);
      if (isUnknown(r)) fnUnreadable = r;
      else fnRaw = r;
      if (fnRaw !== undefined && d.key === undefined && d.keyArn === undefined) {
        const k = typeof fnRaw.KMSKeyArn === 'string' && fnRaw.KMSKeyArn !== '' ? fnRaw.KMSKeyArn : 'alias/aws/lambda';
        d.key = {
          value: k,
          from: `AWS (${k === 'alias/aws/lambda' ? 'function ' + fnRef.name + ' has no KMSKeyArn: the AWS managed key' : 'KMSKeyArn of function ' + fnRef.name})`,
        };
      }
    }
    // What the message lacks is asked for by flag name before anything is read.
    requestOf(d, flags, stillMissing(parsed.missing, d), 'message');
    const targets: LiveTargetSpec[] = [{ key: d.keyArn ?? d.key!.value, principal: d.principal!.value }];
    let fnRegion: string | undefined;
    if (fnRaw !== undefined) {
      const f = parseFunction(fnRaw);
      fnRegion = f.region;
      // The function today may use another key or role than the failed request: read those too.
      targets.push({
        key: f.kmsKeyArn ?? 'alias/aws/lambda',
        principal: `arn:${f.partition}:sts::${f.account}:assumed-role/${f.roleName}/${f.name}`,
        region: f.region,
      });
    }
    if (fnRegion !== undefined) targets[0]!.region = fnRegion;
    snapshot = pre?.snapshot ?? (await loadSnapshot(flags, targets, io));
    if (fnRaw !== undefined) snapshot.functions = [fnRaw];
    if (pre === undefined && io.redactor !== undefined) {
      // --redact, the snapshot read from AWS for the request's real names: now redacted (the
      // function's configuration with it), and the request's values with the same placeholders, as
      // the --from path redacts them before reading. Every value of the request is then a
      // placeholder where it is printed, even one free text cannot tell from other words (an
      // encryption-context value "7").
      const red = await import('./redact.js');
      snapshot = red.redactSnapshot(snapshot, io.redactor);
      red.redactFlags(flags, io.redactor);
      redactDraft(d, io.redactor);
      fnRef = lambdaFunctionRef(d, parsed);
    }
  } else snapshot = pre?.snapshot ?? (await loadSnapshot(flags, [], io));
  const evaluator = new Evaluator(snapshot);
  lambdaEnrichment(d, parsed, snapshot, evaluator);
  const missing = stillMissing(parsed.missing, d);
  const req = requestOf(d, flags, missing, 'message', parsed.clue.kind === 'key-state' ? keyStateToday(snapshot, parsed.keyArn) : undefined);
  const { explanation, decision } = explainOne(
    snapshot,
    evaluator,
    req,
    {
      title: `${req.principal} — ${requestLabel(req)}`,
      extracted: extractedOf(d, flags),
      missing: missing.filter((m) => !m.required),
      notes: d.notes,
      clue: parsed.clue,
      what: 'error',
    },
    flags.fix === true,
  );
  // Lambda's error: the analysis of `kms-why lambda FUNCTION`, when the function's configuration is at hand.
  const lambdaDecisions: Decision[] = [];
  if (fnRef !== undefined) {
    const inSnapshot = (snapshot.functions ?? []).some((f) => functionName(f) === fnRef.name);
    if (inSnapshot) {
      try {
        const a = analyzeLambda(snapshot, findFunction(snapshot, fnRef.name));
        explanation.lambda = a;
        lambdaDecisions.push(a.runtime);
        const msgRole = parsePrincipal(req.principal);
        if (msgRole?.kind === 'assumed-role' && msgRole.roleName !== a.fn.roleName) {
          explanation.notes.push(
            `The message names role ${msgRole.roleName}, but function ${a.fn.name} runs as ${a.fn.roleArn} today: the Lambda analysis below is for its role today.`,
          );
        }
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        explanation.notes.push(`The analysis of kms-why lambda ${fnRef.name} could not run: ${e.message}.`);
      }
    } else if (fnUnreadable !== undefined) {
      explanation.lambdaUnreadable = {
        function: fnRef.name,
        reason: fnUnreadable.reason,
        ...(fnUnreadable.neededPermission !== undefined ? { neededPermission: fnUnreadable.neededPermission } : {}),
      };
    } else {
      explanation.notes.push(
        `For the whole picture of function ${fnRef.name} (its key and role today, the traps, the fix), run kms-why lambda ${fnRef.name} without --from (it reads AWS), or add its configuration (aws lambda get-function-configuration) to the snapshot as "Functions".`,
      );
    }
  }
  const input: ExplainDocument['input'] = { kind: 'error-message', client: parsed.client, message: parsed.kmsMessage };
  if (parsed.errorCode !== undefined) input.errorCode = parsed.errorCode;
  if (parsed.kmsErrorCode !== undefined) input.kmsErrorCode = parsed.kmsErrorCode;
  if (parsed.operation !== undefined) input.operation = parsed.operation;
  const doc: ExplainDocument = { command: 'explain-error', input, explanations: [explanation], skipped: [] };
  await writeExplanation(doc, flags, io);
  // A function whose configuration could not be read: whether it can decrypt today is unknown.
  return explanation.lambdaUnreadable !== undefined ? EXIT.unknown : exitCodeFor([decision, ...lambdaDecisions]);
}

/** explain-event's input: the events of a file, or of CloudTrail's event history with --lookup (then --all is implied). */
async function readEvents(
  file: string | undefined,
  flags: ExplainFlags,
  io: CliIo,
  pre: { r: import('../report/redact.js').Redactor } | undefined,
): Promise<{ name: string; ct: ReturnType<typeof parseCloudTrail>; raw: unknown; lookupNote: string | undefined; flags: ExplainFlags }> {
  const lookup = flags.lookup === true;
  let name: string;
  let ct: ReturnType<typeof parseCloudTrail>;
  let raw: unknown;
  let lookupNote: string | undefined;
  if (lookup) {
    if (file !== undefined) throw new InputError('give either an event file or --lookup, not both');
    if (flags.eventId !== undefined)
      throw new InputError('--event-id picks an event of a file; with --lookup every AccessDenied is explained', {
        hint: 'Narrow --lookup with --since, --principal and --key.',
      });
    const since = parseSince(flags.since ?? '1h', new Date());
    const got = await lookupEventsLive(flags, { since }, io);
    name = `CloudTrail event history (${got.region}, since ${since.toISOString()})`;
    // A batch: an event of an operation kms-why does not know is skipped, and counted.
    ct = parseCloudTrail(got.output, name, { skipUnknown: true });
    raw = got.output;
    // --redact: the events are explained as read (the snapshot is read from AWS for their real
    // names); their names and encryption-context values are learned, so that the output is redacted.
    io.redactor?.learn(got.output);
    lookupNote = `Read ${got.output.Events.length} KMS event${got.output.Events.length === 1 ? '' : 's'} in ${got.pages} page${got.pages === 1 ? '' : 's'} of LookupEvents${got.truncated ? ' (stopped at the limit: narrow --since)' : ''}.`;
    flags = { ...flags, all: true };
  } else {
    if (flags.since !== undefined) throw new InputError('--since goes with --lookup');
    if (file === undefined)
      throw new InputError('give the event file, or --lookup to read CloudTrail', {
        hint: 'kms-why explain-event event.json, or kms-why explain-event --lookup --since 1h.',
      });
    name = displayName(file);
    checkStdin(flags, file === '-');
    const doc = await readJsonText(file);
    raw = doc;
    // --redact: the events read with the snapshot's placeholders.
    // With --all, an event of an operation kms-why does not know is skipped and counted, not refused.
    const opts = { skipUnknown: flags.all === true };
    ct = pre !== undefined ? parseCloudTrail(pre.r.json(doc), pre.r.file(name), opts) : parseCloudTrail(doc, name, opts);
    // --redact without --from: read as is, and learned (see --lookup above).
    if (pre === undefined) io.redactor?.learn(doc);
  }
  return { name, ct, raw, lookupNote, flags };
}

/** Which events of the input to explain (--all, --event-id, or the only one / the only AccessDenied), with a note to put first. */
function chooseEvents(
  ct: ReturnType<typeof parseCloudTrail>,
  denied: CloudTrailKmsEvent[],
  flags: ExplainFlags,
  name: string,
): { chosen: CloudTrailKmsEvent[]; preNotes: string[] } {
  let chosen: CloudTrailKmsEvent[];
  const preNotes: string[] = [];
  if (flags.all === true) {
    if (flags.eventId !== undefined) throw new InputError('give either --all or --event-id, not both');
    chosen = denied;
  } else if (flags.eventId !== undefined) {
    const ev = ct.events.find((e) => e.eventId === flags.eventId);
    if (ev === undefined) {
      throw new InputError(`no KMS event with id ${flags.eventId}`, {
        file: name,
        hint:
          ct.events.length > 0
            ? `KMS events in the file: ${ct.events.slice(0, 10).map(eventLabel).join('; ')}${ct.events.length > 10 ? '; …' : ''}.`
            : 'The file holds no KMS events.',
      });
    }
    chosen = [ev];
  } else if (ct.events.length === 1) {
    chosen = ct.events;
  } else if (denied.length === 1) {
    chosen = denied;
    preNotes.push(`The file holds ${ct.events.length} KMS events; the one AccessDenied among them is explained.`);
  } else if (ct.events.length === 0) {
    const other = [
      ...Object.entries(ct.otherSources).map(([k, v]) => `${v} from ${k}`),
      ...Object.entries(ct.serviceEvents).map(([k, v]) => `${v} KMS service event${v === 1 ? '' : 's'} ${k}, made by KMS itself`),
    ].join(', ');
    const none = Object.keys(ct.serviceEvents).length > 0 ? 'no KMS event to explain' : 'no KMS event';
    throw new InputError(`${none} in the file${other ? ` (${other})` : ''}`, {
      file: name,
      hint: 'explain-event reads KMS events (eventSource kms.amazonaws.com).',
    });
  } else {
    throw new InputError(`the file holds ${ct.events.length} KMS events (${denied.length} AccessDenied): say which to explain`, {
      file: name,
      hint: `Give --all to explain every AccessDenied, or --event-id ID: ${ct.events.slice(0, 10).map(eventLabel).join('; ')}${ct.events.length > 10 ? '; …' : ''}.`,
    });
  }
  return { chosen, preNotes };
}

/** Keeps the groups of one (principal, key, action) together; with --lookup, newest first. */
function orderExplanations(explanations: Explanation[], lookup: boolean): Explanation[] {
  const newest = (e: Explanation): string =>
    (e.events ?? [])
      .map((x) => x.eventTime ?? '')
      .sort()
      .pop() ?? '';
  const order = explanations.map((e, i) => ({ e, i, k: e.group ? `${e.group.principal}|${e.group.key}|${e.group.action}` : String(i), t: newest(e) }));
  const firstIndex = new Map<string, number>();
  const groupNewest = new Map<string, string>();
  for (const o of order) {
    if (!firstIndex.has(o.k)) firstIndex.set(o.k, o.i);
    if ((groupNewest.get(o.k) ?? '') < o.t) groupNewest.set(o.k, o.t);
  }
  // Each explanation with its group's first position (set for every key above) and newest time
  // (none for a group without times: it ties with every other group, as it always has).
  const ranked = order.map((o) => ({ ...o, first: firstIndex.get(o.k) ?? o.i, groupT: groupNewest.get(o.k) }));
  const newer = (x: string | undefined, y: string | undefined): number => (x === undefined || y === undefined ? 0 : compareDesc(x, y));
  if (lookup) ranked.sort((a, b) => newer(a.groupT, b.groupT) || a.first - b.first || compareDesc(a.t, b.t) || a.i - b.i);
  else ranked.sort((a, b) => a.first - b.first || a.i - b.i);
  return ranked.map((o) => o.e);
}

/** explain-event: reads CloudTrail events (a file or --lookup), groups them, evaluates each group today; returns the exit code. */
async function explainEvent(file: string | undefined, flags: ExplainFlags, io: CliIo): Promise<number> {
  const lookup = flags.lookup === true;
  const pre = lookup ? undefined : await preload(flags, io);
  const read = await readEvents(file, flags, io, pre);
  const { name, raw, lookupNote } = read;
  let ct = read.ct;
  flags = read.flags;
  // One unit per request; with --all, units with the same (principal, key, action) are grouped.
  interface Unit {
    ev: CloudTrailKmsEvent;
    d: Draft;
    missing: MissingPart[];
  }
  const unitsOf = (ct: ReturnType<typeof parseCloudTrail>, flags: ExplainFlags): { units: Unit[]; draftFlags: ExplainFlags } => {
    // With --lookup, --principal and --key choose the events; they do not override them.
    const filter = lookup ? { principal: flags.principal, key: flags.key } : undefined;
    const draftFlags: ExplainFlags = { ...flags };
    if (lookup) {
      delete draftFlags.principal;
      delete draftFlags.key;
    }
    const denied = ct.events.filter((e) => e.accessDenied);
    const { chosen, preNotes } = chooseEvents(ct, denied, flags, name);
    const units: Unit[] = [];
    for (const ev of chosen) {
      for (const r of ev.requests) {
        const d = draftFromEvent(ev, r);
        d.notes.unshift(...preNotes);
        applyFlags(d, unitFlags(ev, r, d, draftFlags), 'event');
        if (filter !== undefined && !matchesFilter(d, filter)) continue;
        units.push({ ev, d, missing: eventMissing(d, ev) });
      }
    }
    return { units, draftFlags };
  };
  let { units, draftFlags } = unitsOf(ct, flags);
  if (flags.destinationKey !== undefined) {
    if (lookup) throw new InputError('--destination-key names the destination key of a ReEncrypt event of a file; with --lookup, --key filters the events');
    if (!units.some((u) => u.ev.eventName === 'ReEncrypt' && u.d.action?.value === 'kms:ReEncryptTo'))
      throw new InputError('--destination-key names the destination key of a ReEncrypt event, and no event explained here evaluates kms:ReEncryptTo', {
        hint: 'Give the key with --key.',
      });
  }
  // The snapshot: files, or AWS for each (key, principal) the events name.
  const targets: LiveTargetSpec[] = [];
  if (liveRequested(flags)) {
    for (const u of units) {
      if (u.d.principal === undefined || (u.d.key === undefined && u.d.keyArn === undefined)) {
        // Without --all this throws naming the flags; with --all the unit is reported as skipped.
        if (flags.all !== true) requestOf(u.d, draftFlags, u.missing, 'event');
        continue;
      }
      targets.push({ key: u.d.keyArn ?? u.d.key!.value, principal: u.d.principal.value, ...(u.ev.awsRegion !== undefined ? { region: u.ev.awsRegion } : {}) });
    }
  }
  let snapshot = pre?.snapshot ?? (units.length === 0 && liveRequested(flags) ? emptySnapshot() : await loadSnapshot(flags, targets, io));
  if (pre === undefined && io.redactor !== undefined) {
    // --redact, the events read before the snapshot (its reads are named by them): now that every
    // input is learned, the snapshot (when read from AWS: files were redacted as they were read),
    // the flags and the events are redacted as the --from path redacts them before reading, and
    // the requests are made again from them. Every value of a request is then a placeholder where
    // it is printed, even one free text cannot tell from other words (an encryption-context value
    // "7", or one given with --context).
    const red = await import('./redact.js');
    if (liveRequested(flags)) snapshot = red.redactSnapshot(snapshot, io.redactor);
    red.redactFlags(flags, io.redactor);
    ct = parseCloudTrail(io.redactor.json(raw), name, { skipUnknown: flags.all === true });
    ({ units, draftFlags } = unitsOf(ct, flags));
  }
  const evaluator = new Evaluator(snapshot);
  for (const u of units) boundAlias(u.d, u.missing, evaluator, draftFlags);
  const groups = new Map<string, Unit[]>();
  const skipped: ExplainDocument['skipped'] = [];
  for (const u of units) {
    if (flags.all === true && u.missing.some((m) => m.required)) {
      skipped.push({
        title: eventLabel(u.ev),
        why: `${u.missing.map((m) => m.why).join('; ')} (explain it with --event-id ${u.ev.eventId ?? 'ID'} and the flags)`,
      });
      continue;
    }
    const gk =
      flags.all === true
        ? `${u.d.principal?.value}|${u.d.keyArn ?? u.d.key?.value}|${u.d.action?.value}|${JSON.stringify(
            Object.entries(u.d.context)
              .map(([k, s]) => [k, s.value])
              .sort(),
          )}|${u.d.viaService?.value ?? ''}|${u.d.viaServiceUnknown === true}|${u.d.contextUnknown === true}|${JSON.stringify(
            Object.entries(u.d.conditions)
              .map(([k, s]) => [k, s.value])
              .sort(),
          )}`
        : `${units.indexOf(u)}`;
    const list = groups.get(gk);
    if (list) list.push(u);
    else groups.set(gk, [u]);
  }
  const groupCount = new Map<string, number>();
  for (const list of groups.values()) {
    const u = list[0]!;
    const k = `${u.d.principal?.value}|${u.d.keyArn ?? u.d.key?.value}|${u.d.action?.value}`;
    groupCount.set(k, (groupCount.get(k) ?? 0) + list.length);
  }
  const explanations: Explanation[] = [];
  const decisions: Decision[] = [];
  for (const list of groups.values()) {
    const u = list[list.length - 1]!;
    const events = list.map((x) => x.ev);
    let req: Request;
    let evaluated: Evaluated;
    const keyLabel = u.d.keyArn ?? u.d.key?.value ?? '';
    const times = events
      .map((e) => e.eventTime)
      .filter((t): t is string => t !== undefined)
      .sort();
    try {
      req = requestOf(u.d, draftFlags, u.missing, 'event');
      const title = `${req.principal} — ${req.action} on ${keyLabel}${events.length > 1 ? ` (${events.length} events)` : ''}`;
      const base = {
        title,
        extracted: extractedOf(u.d, flags),
        missing: [] as MissingPart[],
        notes: u.d.notes,
        clue: u.ev.clue ?? null,
        what: 'event' as const,
        ...(times.length > 0 ? { eventTime: times[times.length - 1]! } : {}),
        outcome: outcomeOf(u.ev),
      };
      evaluated = explainOne(snapshot, evaluator, req, base, flags.fix === true);
    } catch (e) {
      // With --all, one event that cannot be evaluated (a key not in the snapshot …) does not stop the others.
      if (flags.all !== true || !(e instanceof InputError)) throw e;
      skipped.push({ title: `${events.map(eventLabel).join(', ')}`, why: `${e.message}${e.hint ? ` (${e.hint})` : ''}` });
      continue;
    }
    const { explanation, decision } = evaluated;
    explanation.events = events.map(summaryOf);
    if (flags.all === true) {
      const k = `${u.d.principal?.value}|${keyLabel}|${u.d.action?.value}`;
      explanation.group = { principal: req.principal, key: keyLabel, action: req.action, events: groupCount.get(k) ?? events.length };
    }
    explanations.push(explanation);
    decisions.push(decision);
  }
  const ordered = orderExplanations(explanations, lookup);
  if (lookupNote !== undefined && ordered.length > 0) ordered[0]!.notes.unshift(lookupNote);
  const doc: ExplainDocument = {
    command: 'explain-event',
    input: {
      kind: 'cloudtrail',
      file: name,
      format: ct.format,
      records: ct.recordCount,
      kmsEvents: ct.events.length,
      accessDenied: ct.events.filter((e) => e.accessDenied).length,
      otherSources: ct.otherSources,
      serviceEvents: ct.serviceEvents,
      ...(Object.keys(ct.unknownEvents).length > 0 ? { unknownEvents: ct.unknownEvents } : {}),
    },
    explanations: ordered,
    skipped,
  };
  await writeExplanation(doc, flags, io);
  let code = decisions.length > 0 ? exitCodeFor(decisions) : EXIT.allow;
  if (skipped.length > 0) code = EXIT.unknown;
  return code;
}

function requestLabel(req: Request): string {
  return `${req.action} on ${req.keyArn ?? req.keyIdentifier ?? '(no key)'}`;
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

function emptySnapshot(): Snapshot {
  return { keys: [], principals: {}, inputs: [] };
}

/**
 * `--since`: 30m, 1h, 2d (before now) or an ISO 8601 time. CloudTrail's event history holds 90
 * days.
 */
export function parseSince(text: string, now: Date): Date {
  const m = /^(\d+)\s*([mhd])$/i.exec(text.trim());
  let t: Date;
  if (m) {
    const n = Number(m[1]);
    const unit = m[2]!.toLowerCase() === 'm' ? 60_000 : m[2]!.toLowerCase() === 'h' ? 3_600_000 : 86_400_000;
    t = new Date(now.getTime() - n * unit);
  } else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    t = new Date(text.trim());
  } else {
    throw new InputError(`--since "${text}" is not a duration or a time`, { hint: 'Give 30m, 1h, 2d, or an ISO 8601 time such as 2026-11-20T10:00:00Z.' });
  }
  if (Number.isNaN(t.getTime())) throw new InputError(`--since "${text}" is not a valid time`);
  if (t.getTime() > now.getTime()) throw new InputError(`--since ${text} is in the future`);
  if (now.getTime() - t.getTime() > 90 * 86_400_000)
    throw new InputError(`--since ${text} is more than 90 days ago: CloudTrail's event history holds 90 days`, {
      hint: 'Query a trail in S3 or CloudTrail Lake for older events, and give them as a file.',
    });
  return t;
}

/** --lookup's --principal and --key: which events to explain. A role matches its sessions; an account id, its principals. */
function matchesFilter(d: Draft, f: { principal?: string | undefined; key?: string | undefined }): boolean {
  if (f.principal !== undefined) {
    const got = d.principal?.value;
    if (got === undefined) return false;
    if (got !== f.principal) {
      const want = parsePrincipal(f.principal);
      const p = parsePrincipal(got);
      if (want === null || p === null) return false;
      const ok =
        (want.kind === 'role' && p.kind === 'assumed-role' && p.account === want.account && p.roleName === want.name) ||
        ((want.kind === 'root' || /^\d{12}$/.test(f.principal)) && p.account === want.account);
      if (!ok) return false;
    }
  }
  if (f.key !== undefined) {
    const want = f.key;
    const vals = [d.keyArn, d.key?.value].filter((x): x is string => x !== undefined);
    const ok = vals.some(
      (v) => v === want || v.endsWith(`:key/${want}`) || v.endsWith(`:${want}`) || (want.includes(':key/') && v === want.slice(want.indexOf(':key/') + 5)),
    );
    if (!ok) return false;
  }
  return true;
}
