// The live AWS path of the CLI: AWS CLI-like flags, and loading a Snapshot either from files
// (--from) or from AWS. The SDK is imported only here, and only when AWS is read.
import { type Command, Option } from 'commander';
import { Evaluator } from '../evaluate/evaluator.js';
import { parseKeyIdentifier, parsePrincipal } from '../model/arn.js';
import { dict } from '../model/dict.js';
import { AwsError, InputError } from '../model/errors.js';
import type { Key } from '../model/key.js';
import type { Organization, Snapshot } from '../model/snapshot.js';
import { isUnknown } from '../model/unknown.js';
import { loadFrom } from '../sources/load.js';
import { readOrganizationFiles } from '../sources/live/organization.js';
import { partialGrants } from '../sources/unreadable.js';
import type { CliIo } from './io.js';
import { collect } from './request-flags.js';

export interface LiveFlags {
  from?: string[];
  region?: string;
  profile?: string;
  endpointUrl?: string;
  principalProfile?: string;
  scpFile?: string[];
  rcpFile?: string[];
  timeout?: string;
  concurrency?: string;
}

/**
 * The options of every command that reads AWS. `principalSide: false` (grants, which evaluates no
 * principal): --principal-profile, --scp-file and --rcp-file are left out of the help; the command
 * still takes them, to refuse them with a reason rather than as unknown options.
 */
export function addLiveOptions(cmd: Command, opts: { principalSide?: boolean } = {}): Command {
  const shown = opts.principalSide !== false;
  const option = (o: Option): Option => (shown ? o : o.hideHelp());
  return cmd
    .option('--region <region>', 'AWS Region (default: from the key ARN, AWS_REGION or the profile)')
    .option('--profile <name>', "AWS profile for the key's account (default: the standard credential chain)")
    .option('--endpoint-url <url>', 'override the AWS endpoint (also AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_KMS …)')
    .addOption(
      option(new Option('--principal-profile <name>', "AWS profile for the principal's account, to read its IAM policies when it is in another account")),
    )
    .addOption(
      option(
        new Option(
          '--scp-file <file>',
          'an SCP of the caller\'s account, as a JSON file (repeatable): the files given are all the SCPs attached at one level of its hierarchy, and a level without any Allow statement (deny-list SCPs only) is taken to have FullAWSAccess too; for several levels, give one file {"ACCOUNT": [{"Target": …, "Policies": […]}, …]} (root first)',
        ).argParser(collect),
      ),
    )
    .addOption(
      option(
        new Option(
          '--rcp-file <file>',
          "an RCP of the key's account, as a JSON file (repeatable): the files given are the RCPs attached at one level of its hierarchy, beside RCPFullAWSAccess, which is always attached; only their Deny statements limit access",
        ).argParser(collect),
      ),
    )
    .option('--timeout <seconds>', 'per-request timeout for AWS calls (default 5)');
}

export interface LiveTargetSpec {
  key: string;
  principal: string;
  grantId?: string;
  functions?: Array<{ name: string; qualifier?: string }>;
  /** Read every grant of the key (`kms-why snapshot --all-grants`), not only those that can apply to the principal. */
  allGrants?: boolean;
  /** The Region to use when --region is not given and the key is not an ARN (a CloudTrail event's awsRegion). */
  region?: string;
  /** For UpdateAlias: also read the key this alias points to now. */
  aliasTarget?: string;
}

export function liveRequested(flags: LiveFlags): boolean {
  return !flags.from || flags.from.length === 0;
}

/** --timeout as milliseconds; checked in every mode, so that a typo fails the same with --from as without. */
export function timeoutMs(flags: LiveFlags): number | undefined {
  if (flags.timeout === undefined) return undefined;
  const text = flags.timeout.trim();
  const s = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(s) || s <= 0 || s > 3600) {
    throw new InputError(`--timeout "${flags.timeout}" is not a number of seconds between 0 and 3600`, {
      hint: 'Give the per-request timeout in seconds, e.g. --timeout 10 or --timeout 0.5.',
    });
  }
  return Math.max(1, Math.round(s * 1000));
}

/**
 * Reads --scp-file and --rcp-file and adds them to a snapshot read from files (they apply with
 * --from exactly as they do live). A single-policy file needs to know the account it applies to:
 * the principal's for SCPs, the key's for RCPs.
 */
export async function applyOrganizationFiles(snapshot: Snapshot, flags: LiveFlags, targets: LiveTargetSpec[]): Promise<void> {
  const scp = flags.scpFile ?? [];
  const rcp = flags.rcpFile ?? [];
  if (scp.length === 0 && rcp.length === 0) return;
  const t = targets[0];
  const principalAccounts = new Set<string>();
  if (t !== undefined && t.principal !== '') {
    const p = parsePrincipal(t.principal);
    if (p !== null && p.account !== '') principalAccounts.add(p.account);
  } else {
    for (const arn of Object.keys(snapshot.principals)) {
      const p = parsePrincipal(arn);
      if (p !== null && p.account !== '') principalAccounts.add(p.account);
    }
  }
  let keyAccount: string | undefined;
  if (t !== undefined && t.key !== '') keyAccount = new Evaluator(snapshot).findKey(t.key)?.metadata.account ?? parseKeyIdentifier(t.key)?.arn?.account;
  else if (snapshot.keys.length === 1) keyAccount = snapshot.keys[0]!.metadata.account;
  const { organization, records } = await readOrganizationFiles(scp, rcp, {
    principal: principalAccounts.size === 1 ? [...principalAccounts][0] : undefined,
    key: keyAccount,
  });
  if (organization === undefined) return;
  const into: Organization = snapshot.organization ?? { serviceControlPolicies: dict(), resourceControlPolicies: dict() };
  for (const [field, flag] of [
    ['serviceControlPolicies', '--scp-file'],
    ['resourceControlPolicies', '--rcp-file'],
  ] as const) {
    for (const [account, levels] of Object.entries(organization[field])) {
      if (into[field][account] !== undefined) {
        throw new InputError(`account ${account} has an ${flag === '--scp-file' ? 'SCP' : 'RCP'} hierarchy both in the --from snapshot and in ${flag}`, {
          hint: "Give each account's hierarchy once: drop it from the snapshot or leave out the file.",
        });
      }
      into[field][account] = levels;
    }
  }
  snapshot.organization = into;
  snapshot.inputs = [...(snapshot.inputs ?? []), ...records];
}

function liveOptions(flags: LiveFlags, io: CliIo): import('../sources/live/index.js').LiveOptions {
  const o: import('../sources/live/index.js').LiveOptions = {};
  if (flags.region !== undefined) o.region = flags.region;
  if (flags.profile !== undefined) o.profile = flags.profile;
  if (flags.endpointUrl !== undefined) o.endpointUrl = flags.endpointUrl;
  if (flags.principalProfile !== undefined) o.principalProfile = flags.principalProfile;
  if (flags.scpFile !== undefined) o.scpFiles = flags.scpFile;
  if (flags.rcpFile !== undefined) o.rcpFiles = flags.rcpFile;
  const ms = timeoutMs(flags);
  if (ms !== undefined) o.timeoutMs = ms;
  if (flags.concurrency !== undefined) {
    const n = Number(flags.concurrency);
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new InputError(`--concurrency "${flags.concurrency}" is not a whole number from 1 to 256`);
    o.concurrency = n;
  }
  // Progress only on a terminal, on one line that the report then replaces.
  if (io.stderrIsTTY) o.progress = (m) => io.stderr(`\r\u001b[2K${m}`);
  return o;
}

function endProgress(io: CliIo): void {
  if (io.stderrIsTTY) io.stderr('\r\u001b[2K');
}

/** Whether --scp-file or --rcp-file was given. */
export function hasOrganizationFiles(flags: Pick<LiveFlags, 'scpFile' | 'rcpFile'>): boolean {
  return (flags.scpFile?.length ?? 0) + (flags.rcpFile?.length ?? 0) > 0;
}

/**
 * The snapshot --from names, with --scp-file and --rcp-file added (every command that takes them
 * reads them here), and redacted with --redact. `targets`: the requests, when known, which tell a
 * single-policy file's account.
 */
export async function loadFromFiles(flags: LiveFlags, targets: LiveTargetSpec[], io: CliIo): Promise<Snapshot> {
  if (io.redactor !== undefined && !hasOrganizationFiles(flags)) return (await import('./redact.js')).loadInputs(flags.from!, io);
  const snapshot = await loadFrom(flags.from!);
  await applyOrganizationFiles(snapshot, flags, targets);
  // SCPs/RCPs are matched to the accounts as written, so they are applied before redaction.
  if (io.redactor !== undefined) return (await import('./redact.js')).redactSnapshot(snapshot, io.redactor);
  return snapshot;
}

/** Reads from files, or from AWS when no --from is given. Returns the principal as resolved (`me`). */
export async function loadSnapshot(flags: LiveFlags, targets: LiveTargetSpec[], io: CliIo): Promise<{ snapshot: Snapshot; principal: string | undefined }> {
  timeoutMs(flags);
  if (!liveRequested(flags)) return { snapshot: await loadFromFiles(flags, targets, io), principal: undefined };
  // A missing or malformed --scp-file/--rcp-file is the user's to fix before any AWS call.
  await validateOrganizationFiles(flags);
  const live = await import('../sources/live/index.js');
  const opts = liveOptions(flags, io);
  let merged: Snapshot | undefined;
  let principal: string | undefined;
  try {
    for (const t of targets) {
      const target: import('../sources/live/index.js').LiveTarget = { key: t.key, principal: t.principal };
      if (t.grantId !== undefined) target.grantId = t.grantId;
      if (t.aliasTarget !== undefined) target.aliasTarget = t.aliasTarget;
      const res = await live.readLive(target, {
        ...opts,
        ...(t.region !== undefined && opts.region === undefined ? { region: t.region } : {}),
        ...(t.functions ? { functions: t.functions } : {}),
        ...(t.allGrants ? { grants: 'all' as const } : {}),
      });
      principal ??= res.principal;
      if (merged === undefined) merged = res.snapshot;
      else {
        for (const k of res.snapshot.keys) {
          const i = merged.keys.findIndex((m) => m.metadata.arn === k.metadata.arn);
          if (i < 0) merged.keys.push(k);
          else merged.keys[i] = mergeGrantReads(merged.keys[i]!, k);
        }
        merged.principals = { ...res.snapshot.principals, ...merged.principals };
        merged.principalsAskedFor = [...new Set([...(merged.principalsAskedFor ?? []), ...(res.snapshot.principalsAskedFor ?? [])])];
        merged.keysAskedFor = [...new Set([...(merged.keysAskedFor ?? []), ...(res.snapshot.keysAskedFor ?? [])])];
        merged.inputs = [...(merged.inputs ?? []), ...(res.snapshot.inputs ?? [])];
      }
    }
  } finally {
    endProgress(io);
  }
  if (merged === undefined) throw new InputError('nothing to read');
  if (io.redactor !== undefined) merged = (await import('./redact.js')).redactSnapshot(merged, io.redactor);
  return { snapshot: merged, principal };
}

/**
 * One key read twice (for two principals): grant lists read in part for each are merged, so that
 * the key answers for both principals (never only for the first one read).
 */
function mergeGrantReads(a: Key, b: Key): Key {
  if (isUnknown(a.grants) || a.grantsPartial === undefined) return a;
  if (isUnknown(b.grants)) return a;
  if (b.grantsPartial === undefined) {
    const { grantsPartial: _, ...whole } = a;
    return { ...whole, grants: b.grants };
  }
  const ids = new Set(a.grants.map((g) => g.grantId));
  const grants = [...a.grants, ...b.grants.filter((g) => !ids.has(g.grantId))];
  const pa = a.grantsPartial;
  const pb = b.grantsPartial;
  const partial = partialGrants(a.metadata.arn, {
    firstPage: Math.max(pa.firstPage, pb.firstPage),
    granteePrincipals: [...new Set([...pa.granteePrincipals, ...pb.granteePrincipals])],
    grantIds: [...new Set([...pa.grantIds, ...pb.grantIds])],
  });
  return { ...a, grants, grantsPartial: partial };
}

/** Reads the SCP and RCP files once for their syntax and shape (the accounts are placeholders). */
async function validateOrganizationFiles(flags: LiveFlags): Promise<void> {
  if (!hasOrganizationFiles(flags)) return;
  await readOrganizationFiles(flags.scpFile ?? [], flags.rcpFile ?? [], { principal: '000000000000', key: '000000000000' });
}

/** A function's configuration from AWS (for `kms-why lambda` without --from). */
export async function readFunctionLive(flags: LiveFlags, name: string, qualifier: string | undefined, io: CliIo): Promise<Record<string, unknown>> {
  const live = await import('../sources/live/index.js');
  const fn = await live.readFunction(name, qualifier, liveOptions(flags, io));
  endProgress(io);
  if (!isUnknown(fn) && io.redactor !== undefined) io.redactor.learn(fn);
  if (isUnknown(fn)) {
    // Not the user's input: AWS did not answer (denied, throttled, malformed …). Every verdict of
    // the analysis depends on it, so the answer is unknown (exit 3), with the call that failed.
    throw new AwsError(`cannot analyse function ${name}: lambda:GetFunctionConfiguration could not be read: ${fn.reason}`, {
      operation: 'GetFunctionConfiguration',
      hint:
        fn.neededPermission !== undefined
          ? `kms-why needs ${fn.neededPermission}.`
          : 'Try again; kms-why needs lambda:GetFunctionConfiguration on the function.',
    });
  }
  return fn;
}

/** Keys with every grant, from AWS (for `kms-why grants`). */
export async function readKeysLive(flags: LiveFlags, keys: string[], all: boolean, io: CliIo): Promise<Snapshot> {
  const live = await import('../sources/live/index.js');
  try {
    const s = (await live.readKeys(keys, { ...liveOptions(flags, io), allCustomerManaged: all, grantsAudit: true })).snapshot;
    return io.redactor !== undefined ? (await import('./redact.js')).redactSnapshot(s, io.redactor) : s;
  } finally {
    endProgress(io);
  }
}

/**
 * A whole account from AWS (`kms-why snapshot --account`, and who-can without --from): IAM through
 * GetAccountAuthorizationDetails, every key (or the keys named) with every grant.
 */
export async function readAccountLive(flags: LiveFlags, what: { keys: string[] | undefined; lambdaFunctions: boolean }, io: CliIo): Promise<Snapshot> {
  const live = await import('../sources/live/index.js');
  try {
    const s = (await live.readAccount({ ...liveOptions(flags, io), keys: what.keys, lambdaFunctions: what.lambdaFunctions })).snapshot;
    return io.redactor !== undefined ? (await import('./redact.js')).redactSnapshot(s, io.redactor) : s;
  } finally {
    endProgress(io);
  }
}

/** A function's configuration from AWS, or why it could not be read (explain-error on Lambda's error). */
export async function tryReadFunctionLive(
  flags: LiveFlags,
  name: string,
  io: CliIo,
): Promise<import('../model/unknown.js').Unknowable<Record<string, unknown>>> {
  const live = await import('../sources/live/index.js');
  try {
    return await live.readFunction(name, undefined, liveOptions(flags, io));
  } finally {
    endProgress(io);
  }
}

/** Recent KMS events from CloudTrail's event history (explain-event --lookup). */
export async function lookupEventsLive(
  flags: LiveFlags,
  lookup: import('../sources/live/cloudtrail.js').LookupOptions,
  io: CliIo,
): Promise<import('../sources/live/cloudtrail.js').LookupResult> {
  const ct = await import('../sources/live/cloudtrail.js');
  try {
    return await ct.lookupKmsEvents(lookup, liveOptions(flags, io));
  } finally {
    endProgress(io);
  }
}
