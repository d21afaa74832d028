// The live AWS path of the CLI: AWS CLI-like flags, and loading a Snapshot either from files
// (--from) or from AWS. The SDK is imported only here, and only when AWS is read.
import type { Command } from 'commander';
import { InputError } from '../model/errors.js';
import type { Snapshot } from '../model/snapshot.js';
import { isUnknown } from '../model/unknown.js';
import { loadFrom } from '../sources/load.js';
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
}


export function addLiveOptions(cmd: Command): Command {
  return cmd
    .option('--region <region>', 'AWS Region (default: from the key ARN, AWS_REGION or the profile)')
    .option('--profile <name>', 'AWS profile for the key\'s account (default: the standard credential chain)')
    .option('--endpoint-url <url>', 'override the AWS endpoint (also AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_KMS …)')
    .option('--principal-profile <name>', "AWS profile for the principal's account, to read its IAM policies when it is in another account")
    .option('--scp-file <file>', 'SCPs that apply to the caller\'s account, as a JSON file (repeatable)', collect)
    .option('--rcp-file <file>', 'RCPs that apply to the key\'s account, as a JSON file (repeatable)', collect)
    .option('--timeout <seconds>', 'per-request timeout for AWS calls (default 5)');
}

export interface LiveTargetSpec {
  key: string;
  principal: string;
  grantId?: string;
  functions?: Array<{ name: string; qualifier?: string }>;
  /** `kms-why snapshot` needs every grant. */
  allGrants?: boolean;
}

export function liveRequested(flags: LiveFlags): boolean {
  return !flags.from || flags.from.length === 0;
}

function liveOptions(flags: LiveFlags, io: CliIo): import('../sources/live/index.js').LiveOptions {
  const o: import('../sources/live/index.js').LiveOptions = {};
  if (flags.region !== undefined) o.region = flags.region;
  if (flags.profile !== undefined) o.profile = flags.profile;
  if (flags.endpointUrl !== undefined) o.endpointUrl = flags.endpointUrl;
  if (flags.principalProfile !== undefined) o.principalProfile = flags.principalProfile;
  if (flags.scpFile !== undefined) o.scpFiles = flags.scpFile;
  if (flags.rcpFile !== undefined) o.rcpFiles = flags.rcpFile;
  if (flags.timeout !== undefined) {
    const s = Number(flags.timeout);
    if (!Number.isFinite(s) || s <= 0) throw new InputError(`--timeout "${flags.timeout}" is not a positive number of seconds`);
    o.timeoutMs = Math.round(s * 1000);
  }
  // Progress only on a terminal, on one line that the report then replaces.
  if (io.stderrIsTTY) o.progress = (m) => io.stderr(`\r\u001b[2K${m}`);
  return o;
}

function endProgress(io: CliIo): void {
  if (io.stderrIsTTY) io.stderr('\r\u001b[2K');
}

/** Reads from files, or from AWS when no --from is given. Returns the principal as resolved (`me`). */
export async function loadSnapshot(flags: LiveFlags, targets: LiveTargetSpec[], io: CliIo): Promise<{ snapshot: Snapshot; principal: string | undefined }> {
  if (!liveRequested(flags)) {
    if (io.redactor !== undefined) return { snapshot: await (await import('./redact.js')).loadInputs(flags.from!, io), principal: undefined };
    return { snapshot: await loadFrom(flags.from!), principal: undefined };
  }
  const live = await import('../sources/live/index.js');
  const opts = liveOptions(flags, io);
  let merged: Snapshot | undefined;
  let principal: string | undefined;
  try {
    for (const t of targets) {
      const target: import('../sources/live/index.js').LiveTarget = { key: t.key, principal: t.principal };
      if (t.grantId !== undefined) target.grantId = t.grantId;
      const res = await live.readLive(target, { ...opts, ...(t.functions ? { functions: t.functions } : {}), ...(t.allGrants ? { grants: 'all' as const } : {}) });
      principal ??= res.principal;
      if (merged === undefined) merged = res.snapshot;
      else {
        for (const k of res.snapshot.keys) if (!merged.keys.some((m) => m.metadata.arn === k.metadata.arn)) merged.keys.push(k);
        merged.principals = { ...res.snapshot.principals, ...merged.principals };
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

/** A function's configuration from AWS (for `kms-why lambda` without --from). */
export async function readFunctionLive(flags: LiveFlags, name: string, qualifier: string | undefined, io: CliIo): Promise<Record<string, unknown>> {
  const live = await import('../sources/live/index.js');
  const fn = await live.readFunction(name, qualifier, liveOptions(flags, io));
  endProgress(io);
  if (!isUnknown(fn) && io.redactor !== undefined) io.redactor.learn(fn);
  if (isUnknown(fn)) {
    throw new InputError(`could not read function ${name}: ${fn.reason}`, { hint: fn.neededPermission ? `kms-why needs ${fn.neededPermission}.` : 'Check the function name, --region and --profile.' });
  }
  return fn;
}

/** Keys with every grant, from AWS (for `kms-why grants`). */
export async function readKeysLive(flags: LiveFlags, keys: string[], all: boolean, io: CliIo): Promise<Snapshot> {
  const live = await import('../sources/live/index.js');
  try {
    const s = (await live.readKeys(keys, { ...liveOptions(flags, io), allCustomerManaged: all })).snapshot;
    return io.redactor !== undefined ? (await import('./redact.js')).redactSnapshot(s, io.redactor) : s;
  } finally {
    endProgress(io);
  }
}
