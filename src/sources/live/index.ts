// Reads a Snapshot from AWS for one key and one principal: the live path of `kms-why decrypt …`
// and of `kms-why snapshot`. Load it with a dynamic import: it is the only part of kms-why that
// needs the AWS SDK.
//
// The reads run in parallel (at most `concurrency` at once to each service: see CallContext). Their
// dependencies make the critical path, three round trips deep: GetCallerIdentity / DescribeKey /
// GetRole, ListRolePolicies, ListAttachedRolePolicies first; then GetKeyPolicy, ListResourceTags,
// ListAliases, ListGrants, GetRolePolicy, GetPolicy; then GetPolicyVersion and, for keys with more
// than 100 grants, the filtered ListGrants (see key.ts). A managed policy needs its two calls
// after the list that names it: GetPolicy says which version is the default, and only
// GetPolicyVersion returns a document (ListPolicyVersions does not; GetAccountAuthorizationDetails
// would, but needs a far wider permission and reads the whole account). IAM is read with the main credentials
// at once, before GetCallerIdentity has said which account they are for; the answers are used only
// when GetCallerIdentity and the ARN IAM reports agree that the principal is in that account.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ListKeysCommand } from '@aws-sdk/client-kms';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { accountRootIn, parseArn, parseKeyIdentifier, partitionOfRegion, requirePrincipal } from '../../model/arn.js';
import type { KeyIdentifier } from '../../model/arn.js';
import { AwsError, InputError, KmsWhyError } from '../../model/errors.js';
import type { PrincipalPolicies, PrincipalRef } from '../../model/principal.js';
import type { InputRecord, Snapshot } from '../../model/snapshot.js';
import { isUnknown, unknownInput } from '../../model/unknown.js';
import type { Unknowable, UnknownInput } from '../../model/unknown.js';
import {
  accountAliasesWhat,
  functionsWhat,
  iamDetailsWhat,
  boundaryWhat,
  identityPoliciesWhat,
  principalRecord,
  principalTagsWhat,
  principalWhat,
  sessionPoliciesWhat,
} from '../unreadable.js';
import { AwsSession, CallContext, checkRegion, defaultRegion, describeFailure } from './aws.js';
import type { ClientSettings, CredentialSource, Failure, Outcome, StaticCredentials } from './aws.js';
import { liveRecord, plain, unknownFrom } from './failures.js';
import { accountAliases, aliasesOf, aliasesWhat, listKms, readKey } from './key.js';
import type { Key, KeyMetadata } from '../../model/key.js';
import type { Accounts, GrantsMode } from './key.js';
import { readOrganizationFiles } from './organization.js';
import { PageMarkers } from './paging.js';
import { mentionsOrgId, readOrganizationId } from './org-id.js';
import type { Policy } from '../../model/policy.js';
import { ManagedPolicies, readRole, readUser } from './principal.js';
import type { IamRead } from './principal.js';

export type { StaticCredentials } from './aws.js';
export type { GrantsMode } from './key.js';

export interface LiveOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** Credentials for the principal's account, when it is not the account of the main credentials. */
  principalProfile?: string;
  /** Per-request timeout (default 5000 ms). */
  timeoutMs?: number;
  /** Attempts per request, with adaptive retries (default 3). */
  maxAttempts?: number;
  /** Requests in flight at once to each AWS service (default 16). */
  concurrency?: number;
  /** Progress messages (for stderr). Nothing is reported without it. */
  progress?: (message: string) => void;
  scpFiles?: string[];
  rcpFiles?: string[];
  functions?: Array<{ name: string; qualifier?: string }>;
  /**
   * 'auto' (default): for a key with more than 100 grants, read only the grants that can apply to
   * the principal (filtered ListGrants; see key.ts). 'all': page every grant. A snapshot meant to
   * be written (`kms-why snapshot`) needs 'all': snapshotToJson refuses a partial grant list.
   */
  grants?: GrantsMode;
  /** Explicit credentials instead of the standard chain (library use and tests). */
  credentials?: StaticCredentials;
  /** Explicit credentials for the principal's account, instead of principalProfile. */
  principalCredentials?: StaticCredentials;
}

export interface LiveTarget {
  key: string;
  /** A principal ARN (or account id), or 'me' for the caller of the main credentials. */
  principal: string;
  /** For RetireGrant: the grant in question. */
  grantId?: string;
  /**
   * For UpdateAlias: the alias whose current target key is read too (UpdateAlias needs permission
   * on the key the alias points to now, besides the new one).
   */
  aliasTarget?: string;
}

export interface LiveResult {
  snapshot: Snapshot;
  /** The principal's ARN (for 'me', the caller's ARN as GetCallerIdentity reports it). */
  principal: string;
  keyArn: string;
  /** AWS API calls made (retries of one call count once). */
  calls: number;
}

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_ATTEMPTS = 3;
// 16 per service keeps a check at its three round trips for a role with 15 policies
// (bench/live.mjs) while staying well under the per-account request quotas of KMS and IAM.
export const DEFAULT_CONCURRENCY = 16;

interface Setup {
  ctx: CallContext;
  main: AwsSession;
  principalSession: AwsSession | undefined;
  region: string;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new InputError(`${name} must be a positive whole number, got ${value}`);
  return value;
}

async function setup(opts: LiveOptions, regionHint: string | undefined): Promise<Setup> {
  const timeoutMs = positiveInt(opts.timeoutMs, DEFAULT_TIMEOUT_MS, 'the timeout (ms)');
  const maxAttempts = positiveInt(opts.maxAttempts, DEFAULT_MAX_ATTEMPTS, 'the number of attempts');
  const concurrency = positiveInt(opts.concurrency, DEFAULT_CONCURRENCY, 'the concurrency');
  const mainCreds: CredentialSource =
    opts.credentials !== undefined
      ? { credentials: opts.credentials, label: 'the given credentials' }
      : opts.profile !== undefined
        ? { profile: opts.profile, label: `profile ${opts.profile}` }
        : { label: process.env.AWS_PROFILE !== undefined ? `profile ${process.env.AWS_PROFILE}` : 'the default credential chain' };
  if (opts.endpointUrl !== undefined) {
    try {
      new URL(opts.endpointUrl);
    } catch {
      throw new InputError(`"${opts.endpointUrl}" is not a URL`, {
        hint: 'Give the endpoint as a URL, e.g. https://kms.us-east-1.amazonaws.com or http://127.0.0.1:4566.',
      });
    }
  }
  let region: string;
  if (opts.region !== undefined) region = checkRegion(opts.region, '--region');
  else if (regionHint !== undefined) region = regionHint;
  else {
    const r = await defaultRegion(mainCreds);
    if (r === undefined) {
      throw new InputError('no AWS region is configured', {
        hint: 'Give --region, set AWS_REGION, add a region to the profile, or give the key as an ARN (which names its region).',
      });
    }
    region = checkRegion(r, 'from the environment or profile');
  }
  const settings: ClientSettings = opts.endpointUrl === undefined ? { timeoutMs, maxAttempts } : { timeoutMs, maxAttempts, endpointUrl: opts.endpointUrl };
  // HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as the AWS CLI honours them; nothing is loaded without them.
  const agents = await (await import('./proxy.js')).proxyAgents(process.env);
  if (agents !== undefined) settings.agents = agents;
  const ctx = new CallContext(concurrency, settings, opts.progress);
  const main = new AwsSession(ctx, mainCreds, region);
  let principalSession: AwsSession | undefined;
  if (opts.principalCredentials !== undefined)
    principalSession = new AwsSession(ctx, { credentials: opts.principalCredentials, label: "the principal's credentials" }, region);
  else if (opts.principalProfile !== undefined)
    principalSession = new AwsSession(ctx, { profile: opts.principalProfile, label: `profile ${opts.principalProfile}` }, region);
  return { ctx, main, principalSession, region };
}

/**
 * The main session alone, for readers that live in modules of their own (CloudTrail, loaded only
 * for `explain-event --lookup`). The caller destroys it.
 */
export async function openSession(opts: LiveOptions, regionHint?: string): Promise<{ ctx: CallContext; main: AwsSession; region: string }> {
  const { ctx, main, principalSession, region } = await setup(opts, regionHint);
  principalSession?.destroy();
  return { ctx, main, region };
}

function callerIdentity(s: AwsSession): Promise<Outcome<{ Arn?: string | undefined; Account?: string | undefined }>> {
  return s.call('sts:GetCallerIdentity', () => s.sts().send(new GetCallerIdentityCommand({})), 9);
}

export async function readLive(target: LiveTarget, opts: LiveOptions = {}): Promise<LiveResult> {
  const ident = parseKeyIdentifier(target.key);
  if (ident === null) {
    throw new InputError(`invalid key "${target.key}"`, {
      quotes: [target.key],
      hint: 'Give a key id, a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), an alias name (alias/app) or an alias ARN.',
    });
  }
  const me = target.principal === 'me';
  let given: PrincipalRef | undefined;
  if (!me) {
    given = requirePrincipal(target.principal);
    if (given.kind === 'unique-id') {
      throw new InputError(`"${target.principal}" is a unique id, not a principal ARN`, {
        hint: 'Give the role, user or session ARN.',
        quotes: [target.principal],
      });
    }
  }
  const keyRegion = ident.arn !== undefined && ident.arn.region !== '' ? ident.arn.region : undefined;
  const { ctx, main, principalSession, region } = await setup(opts, keyRegion);
  const kmsRegion = keyRegion ?? region;
  // A bare account id is the root user in the key's partition (accountRootIn): its grantee forms
  // (the root ARN) must be the ones grants to it carry there.
  if (given !== undefined) given = accountRootIn(target.principal, ident.arn?.partition ?? partitionOfRegion(kmsRegion)) ?? given;
  const fail = (e: unknown): never => {
    throw ctx.fatal ?? e;
  };
  /** A reader that gives up stops the others at their next call; the first error wins. */
  const guard = <T>(p: Promise<T>): Promise<T> =>
    p.catch((e: unknown) => {
      if (e instanceof KmsWhyError) ctx.fatal ??= e;
      throw e;
    });
  try {
    ctx.say(`reading ${target.key} and ${target.principal} from AWS…`);
    const mainIdentity = callerIdentity(main);
    const principalIdentity = principalSession !== undefined ? callerIdentity(principalSession) : undefined;
    const accounts: Promise<Accounts> = Promise.all([mainIdentity, principalIdentity]).then(([m, p]) => {
      const a: Accounts = {};
      if (m.ok && m.value.Account !== undefined) a.main = m.value.Account;
      if (p?.ok === true && p.value.Account !== undefined) a.principal = p.value.Account;
      return a;
    });
    const ref: Promise<PrincipalRef> = me
      ? mainIdentity.then((r) => {
          if (ctx.fatal !== undefined) throw ctx.fatal;
          if (!r.ok || r.value.Arn === undefined) {
            throw new AwsError(
              `cannot tell who "me" is: ${r.ok ? 'GetCallerIdentity returned no Arn' : describeFailure(r.failure, 'sts:GetCallerIdentity', ctx.settings)}`,
              {
                operation: 'GetCallerIdentity',
                hint: 'Give the principal ARN with --principal instead.',
              },
            );
          }
          return requirePrincipal(r.value.Arn, 'caller ARN from GetCallerIdentity');
        })
      : Promise.resolve(given!);
    // The grantee forms are known once GetRole/GetUser has answered, long before the policies are.
    let formsKnown: (forms: string[] | undefined) => void = () => undefined;
    const forms = new Promise<string[] | undefined>((resolve) => {
      formsKnown = resolve;
    });
    const principalP = guard(ref.then((p) => readPrincipal(p, { main, principalSession, accounts, ctx, formsKnown })));
    principalP.then(
      (p) => formsKnown(p.granteeForms),
      () => formsKnown(undefined),
    );
    const keyP = guard(
      readKey({
        ctx,
        ident,
        region: kmsRegion,
        main,
        principalSession,
        accounts,
        grants: opts.grants ?? 'auto',
        granteeForms: () => forms,
        grantId: target.grantId,
      }),
    );
    const functionsP = guard(readFunctions(main, opts.functions ?? [], region));
    // UpdateAlias: the key the alias points to now, which DescribeKey on the alias names (read
    // alongside the new target key, as a key of its own: its key policy decides).
    const aliasIdent = target.aliasTarget !== undefined ? parseKeyIdentifier(target.aliasTarget) : null;
    const currentP: Promise<AliasTargetRead | undefined> =
      aliasIdent === null || aliasIdent.aliasName === undefined
        ? Promise.resolve(undefined)
        : readAliasTarget({
            ctx,
            ident: aliasIdent,
            region: aliasIdent.arn?.region || kmsRegion,
            main,
            principalSession,
            accounts,
            grants: 'auto',
            granteeForms: () => forms,
            grantId: undefined,
          });
    const settled = await Promise.allSettled([keyP, principalP, functionsP, currentP]);
    for (const s of settled) if (s.status === 'rejected') fail(s.reason);
    if (ctx.fatal !== undefined) throw ctx.fatal;
    const [key, principal, functions, current] = settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
      Awaited<typeof keyP>,
      Awaited<typeof principalP>,
      Awaited<typeof functionsP>,
      Awaited<typeof currentP>,
    ];

    const inputs: InputRecord[] = [...key.records, ...principal.records, ...functions.records];
    const keys = [key.key];
    if (current !== undefined) {
      if (current.key !== undefined && current.key.metadata.arn !== key.key.metadata.arn) {
        keys.push(current.key);
        inputs.push(...current.records);
      } else inputs.push(current.records[0]!);
    }
    const snapshot: Snapshot = {
      capturedAt: new Date().toISOString(),
      region: kmsRegion,
      keys,
      principals: principal.entry === undefined ? {} : { [principal.entry.arn]: principal.entry.policies },
      // Read for this principal only: no other role or user of the account was read.
      principalsAskedFor: [principal.ref.arn],
      // Read for this key (and the key --alias points to) only: no other key of the account was read.
      keysAskedFor: keys.map((k) => k.metadata.arn),
      inputs,
    };
    if (functions.list.length > 0) snapshot.functions = functions.list;
    const org = await readOrganizationFiles(opts.scpFiles ?? [], opts.rcpFiles ?? [], {
      principal: principal.ref.account === '' ? (await accounts).main : principal.ref.account,
      key: key.key.metadata.account,
    });
    if (org.organization !== undefined) {
      snapshot.organization = org.organization;
      inputs.push(...org.records);
    }
    await addOrganizationId(snapshot, { main, principalSession, accounts: await accounts });
    return { snapshot, principal: principal.ref.arn, keyArn: key.keyArn, calls: ctx.calls };
  } finally {
    main.destroy();
    principalSession?.destroy();
  }
}

/**
 * When a policy that was read has a condition on aws:PrincipalOrgID or aws:ResourceOrgID: the
 * organization id of the credentials' account(s), from DescribeOrganization (src/sources/live/org-id.ts),
 * recorded as the snapshot's Organization Id with that account as a member (and the organization's
 * management account as its ManagementAccountId, which SCPs and RCPs do not restrict). Other accounts stay
 * unknown. Organization files (--scp-file) name their own accounts: the id is added to them only
 * when the account DescribeOrganization answered for is one of those.
 */
async function addOrganizationId(snapshot: Snapshot, env: { main: AwsSession; principalSession: AwsSession | undefined; accounts: Accounts }): Promise<void> {
  const policies: Policy[] = [];
  for (const k of snapshot.keys) if (!isUnknown(k.policy)) policies.push(k.policy);
  for (const pp of Object.values(snapshot.principals)) {
    if (!isUnknown(pp.identityPolicies)) policies.push(...pp.identityPolicies);
    if (pp.permissionsBoundary !== null && !isUnknown(pp.permissionsBoundary)) policies.push(pp.permissionsBoundary);
    if (!isUnknown(pp.sessionPolicies)) policies.push(...pp.sessionPolicies);
  }
  const org = snapshot.organization;
  if (org !== undefined)
    for (const m of [org.serviceControlPolicies, org.resourceControlPolicies])
      for (const levels of Object.values(m)) for (const l of levels) policies.push(...l.policies);
  if (!mentionsOrgId(policies)) return;
  const sessions: Array<[AwsSession, string]> = [];
  if (env.accounts.main !== undefined) sessions.push([env.main, env.accounts.main]);
  if (env.principalSession !== undefined && env.accounts.principal !== undefined && env.accounts.principal !== env.accounts.main)
    sessions.push([env.principalSession, env.accounts.principal]);
  const reads = await Promise.all(sessions.map(([s, account]) => readOrganizationId(s, account)));
  for (const r of reads) {
    (snapshot.inputs ??= []).push(r.record);
    if (r.id === undefined) continue;
    const o = snapshot.organization;
    if (o === undefined) {
      snapshot.organization = {
        serviceControlPolicies: {},
        resourceControlPolicies: {},
        id: r.id,
        accounts: [r.account],
        ...(r.managementAccount !== undefined ? { managementAccountId: r.managementAccount } : {}),
      };
      continue;
    }
    const known =
      o.managementAccountId === r.account ||
      r.account in o.serviceControlPolicies ||
      r.account in o.resourceControlPolicies ||
      (o.accounts ?? []).includes(r.account);
    if (o.id === undefined && known) o.id = r.id;
    if (o.id === r.id && !(o.accounts ?? []).includes(r.account)) o.accounts = [...(o.accounts ?? []), r.account];
    if (o.id === r.id && o.managementAccountId === undefined && r.managementAccount !== undefined) o.managementAccountId = r.managementAccount;
  }
}

interface AliasTargetRead {
  /** The key the alias points to now (its Aliases list the alias); undefined when that could not be read. */
  key?: Key;
  /** First: which key the alias points to (or why that is not known); then the key's own reads. */
  records: InputRecord[];
}

/**
 * The key an alias points to now: DescribeKey on the alias resolves it ("the key the alias is
 * associated with", Controlling access to aliases), then the key is read as any other. An alias
 * that does not exist or cannot be resolved is recorded, not fatal: the UpdateAlias verdict that
 * depends on it is then `unknown` (and says how to supply the key).
 */
async function readAliasTarget(env: Parameters<typeof readKey>[0]): Promise<AliasTargetRead> {
  const alias = env.ident.text;
  const what = `the key ${alias} points to now`;
  try {
    const r = await readKey(env);
    // The alias the key was resolved by is one of its aliases (readKey adds it): the snapshot
    // records the alias's current target as the key whose Aliases list it.
    return { key: r.key, records: [{ what, from: 'AWS kms:DescribeKey', status: 'read', detail: r.keyArn }, ...r.records] };
  } catch (e) {
    if (!(e instanceof KmsWhyError) || env.ctx.fatal !== undefined) throw e;
    return { records: [{ what, from: 'AWS kms:DescribeKey', status: e instanceof InputError ? 'absent' : 'unreadable', detail: e.message }] };
  }
}

interface PrincipalEnv {
  main: AwsSession;
  principalSession: AwsSession | undefined;
  accounts: Promise<Accounts>;
  ctx: CallContext;
  /** Told the grantee forms as soon as they are known (a later call is ignored). */
  formsKnown: (forms: string[] | undefined) => void;
}

interface PrincipalResult {
  ref: PrincipalRef;
  entry?: { arn: string; policies: PrincipalPolicies };
  records: InputRecord[];
  /** The grantee values whose grants are all that can apply to this principal; undefined when unsure. */
  granteeForms: string[] | undefined;
}

const SESSION_POLICIES_NOTE = 'session policies and session tags are not readable from AWS; taken as none (as in a snapshot without SessionPolicies)';

async function readPrincipal(ref: PrincipalRef, env: PrincipalEnv): Promise<PrincipalResult> {
  const accountForms = ref.account === '' ? [] : [`arn:${ref.partition}:iam::${ref.account}:root`, ref.account];
  switch (ref.kind) {
    case 'root':
      return { ref, records: [{ what: principalWhat(ref.arn), from: 'the account root has no IAM policies', status: 'read' }], granteeForms: accountForms };
    case 'service':
      return { ref, records: [{ what: principalWhat(ref.arn), from: 'a service principal has no IAM policies', status: 'read' }], granteeForms: undefined };
    case 'federated-user': {
      const u = unknownInput(
        identityPoliciesWhat(ref.arn),
        'a federated user has the permissions of the IAM user that called GetFederationToken, limited by its session policy; neither can be read from AWS',
      );
      const policies: PrincipalPolicies = { identityPolicies: u, permissionsBoundary: u, sessionPolicies: u, tags: u };
      return {
        ref,
        entry: { arn: ref.arn, policies },
        records: [principalRecord(ref.arn, { file: 'AWS', path: '' }, policies)],
        granteeForms: [ref.arn, ...accountForms],
      };
    }
    case 'unique-id':
      throw new InputError(`"${ref.arn}" is a unique id, not a principal ARN`, { quotes: [ref.arn] });
    default:
      break;
  }
  const isUser = ref.kind === 'user';
  const name = ref.kind === 'assumed-role' ? ref.roleName : ref.name;
  const pathless = `arn:${ref.partition}:iam::${ref.account}:${isUser ? 'user' : 'role'}/${name}`;
  const session = env.principalSession ?? env.main;
  const managed = new ManagedPolicies(session);
  /** The account IAM answered for, when it is not the principal's (IAM answers only about its own account). */
  const elsewhere = (accounts: Accounts, observedArn: string | undefined): string | undefined => {
    const credsAccount = env.principalSession !== undefined ? accounts.principal : accounts.main;
    if (credsAccount !== undefined && credsAccount !== ref.account) return credsAccount;
    const observed = observedArn !== undefined ? parseArn(observedArn) : null;
    return observed !== null && observed.account !== ref.account ? observed.account : undefined;
  };
  const onEntity = (observedArn: string | undefined): void => {
    void env.accounts.then((accounts) =>
      env.formsKnown(granteeForms(ref, pathless, elsewhere(accounts, observedArn) === undefined ? observedArn : undefined, accountForms)),
    );
  };
  const read: IamRead = isUser
    ? await readUser(session, managed, ref.partition, ref.account, name, onEntity)
    : await readRole(session, managed, ref.partition, ref.account, name, onEntity);
  const accounts = await env.accounts;
  if (env.principalSession !== undefined && accounts.principal !== undefined && accounts.principal !== ref.account) {
    throw new InputError(`the principal's credentials are for account ${accounts.principal}, but ${ref.arn} is in account ${ref.account}`, {
      hint: "Give --principal-profile a profile of the principal's account, or leave it out when the main credentials are of that account.",
    });
  }
  const otherAccount = elsewhere(accounts, read.observedArn);
  const records: InputRecord[] = [];
  let policies: PrincipalPolicies;
  let entryArn = pathless;
  if (otherAccount !== undefined) {
    // What the credentials saw is another account's IAM.
    const needed = `${read.ops.join(', ')} in account ${ref.account} (give a principal profile for that account)`;
    const reason = `the principal is in account ${ref.account}; kms-why's credentials are for account ${otherAccount}`;
    policies = {
      identityPolicies: unknownInput(identityPoliciesWhat(pathless), reason, needed),
      permissionsBoundary: unknownInput(boundaryWhat(pathless), reason, needed),
      sessionPolicies: [],
      tags: unknownInput(principalTagsWhat(pathless), reason, needed),
    };
  } else {
    policies = { identityPolicies: read.identity, permissionsBoundary: read.boundary, sessionPolicies: [], tags: read.tags };
    if (read.uniqueId !== undefined) policies.uniqueId = read.uniqueId;
    if (read.observedArn !== undefined) {
      entryArn = read.observedArn;
      policies.resolvedArn = read.observedArn;
    }
  }
  const from = `AWS ${read.ops.join(', ')}${env.principalSession !== undefined ? ' (principal credentials)' : ''}`;
  records.push(principalRecord(entryArn, { file: from, path: '' }, policies));
  if (ref.kind === 'assumed-role') records.push({ what: sessionPoliciesWhat(ref.arn), from: 'AWS', status: 'absent', detail: SESSION_POLICIES_NOTE });
  const forms = granteeForms(ref, pathless, otherAccount === undefined ? read.observedArn : undefined, accountForms);
  return { ref, entry: { arn: entryArn, policies }, records, granteeForms: forms };
}

/**
 * The grantee values whose grants are all that can match this principal (evaluate/principals.ts,
 * callerKeys): the session ARN, the role or user ARN with its IAM path and as given, the account
 * root ARN and account id. Undefined when the path is not known: a grant to the ARN with a path
 * that IAM did not tell could be missed.
 */
function granteeForms(ref: PrincipalRef, pathless: string, observedArn: string | undefined, accountForms: string[]): string[] | undefined {
  const givenHasPath = ref.path !== undefined && ref.path !== '/';
  const entityArn = observedArn ?? (givenHasPath ? ref.arn : undefined);
  if (entityArn === undefined) return undefined;
  return [
    ...new Set([...(ref.kind === 'assumed-role' ? [ref.arn] : []), entityArn, ...(ref.kind !== 'assumed-role' ? [ref.arn] : []), pathless, ...accountForms]),
  ];
}

// ---------------------------------------------------------------------------------------------
// Lambda

async function readFunctions(
  s: AwsSession,
  list: Array<{ name: string; qualifier?: string }>,
  region: string,
): Promise<{ list: unknown[]; records: InputRecord[] }> {
  const got = await Promise.all(list.map((f) => fetchFunction(s, f.name, f.qualifier, region)));
  const out: unknown[] = [];
  const records: InputRecord[] = [];
  got.forEach((g, i) => {
    const f = list[i]!;
    const what = `function ${f.name}${f.qualifier !== undefined ? `:${f.qualifier}` : ''}`;
    records.push(liveRecord(what, 'AWS lambda:GetFunctionConfiguration', g));
    if (!isUnknownValue(g)) out.push(g);
  });
  return { list: out, records };
}

function isUnknownValue(v: unknown): v is UnknownInput {
  return typeof v === 'object' && v !== null && (v as UnknownInput).unknown === true;
}

async function fetchFunction(
  s: AwsSession,
  name: string,
  qualifier: string | undefined,
  region: string,
  onFailure?: (f: Failure) => void,
): Promise<Unknowable<Record<string, unknown>>> {
  const arn = parseArn(name);
  const fnRegion = arn !== null && arn.service === 'lambda' && arn.region !== '' ? arn.region : region;
  const r = await s.call(
    'lambda:GetFunctionConfiguration',
    () =>
      s
        .lambda(fnRegion)
        .send(new GetFunctionConfigurationCommand(qualifier === undefined ? { FunctionName: name } : { FunctionName: name, Qualifier: qualifier })),
    1,
  );
  const what = `function ${name}${qualifier !== undefined ? `:${qualifier}` : ''}`;
  const failure = r.ok ? functionShapeProblem(r.value) : r.failure;
  if (failure !== undefined || !r.ok) {
    const f = failure ?? { kind: 'other' as const, code: 'Error', message: '' };
    onFailure?.(f);
    return unknownFrom(what, [{ op: 'lambda:GetFunctionConfiguration', resource: name, failure: f }], s.ctx.settings);
  }
  return plain(r.value) as Record<string, unknown>;
}

/** What `kms-why lambda` reads of a configuration must be there: an empty or foreign 200 body is no answer. */
function functionShapeProblem(o: { FunctionName?: unknown; FunctionArn?: unknown; Role?: unknown; KMSKeyArn?: unknown }): Failure | undefined {
  const arn = typeof o.FunctionArn === 'string' ? parseArn(o.FunctionArn) : null;
  const missing = [
    typeof o.FunctionName === 'string' && o.FunctionName !== '' ? undefined : 'FunctionName',
    arn !== null && arn.service === 'lambda' ? undefined : 'FunctionArn',
    typeof o.Role === 'string' && parseArn(o.Role) !== null ? undefined : 'Role',
    o.KMSKeyArn === undefined || o.KMSKeyArn === null || typeof o.KMSKeyArn === 'string' ? undefined : 'KMSKeyArn',
  ].filter((x): x is string => x !== undefined);
  return missing.length === 0 ? undefined : { kind: 'malformed', code: missing[0]!, message: `the response has no valid ${missing.join(', ')}` };
}

/**
 * One function's GetFunctionConfiguration output, as AWS returns it (for `kms-why lambda`); an
 * UnknownInput when it cannot be read.
 */
export async function readFunction(name: string, qualifier?: string, opts: LiveOptions = {}): Promise<Unknowable<Record<string, unknown>>> {
  const arn = parseArn(name);
  const { ctx, main } = await setup(opts, arn !== null && arn.service === 'lambda' && arn.region !== '' ? arn.region : undefined);
  try {
    let failure: Failure | undefined;
    const out = await fetchFunction(main, name, qualifier, main.region, (f) => {
      failure = f;
    });
    if (ctx.fatal !== undefined) throw ctx.fatal;
    // A function that does not exist is the user's to fix (exit 2); any other failure leaves the
    // whole analysis unknown (exit 3), naming the call and the permission.
    if (isUnknownValue(out) && failure?.kind === 'not-found') {
      throw new InputError(`function ${name}${qualifier !== undefined ? `:${qualifier}` : ''} does not exist (region ${main.region}): ${out.reason}`, {
        hint: 'Check the function name, --qualifier, --region and --profile.',
      });
    }
    return out;
  } finally {
    main.destroy();
  }
}

export interface KeysResult {
  snapshot: Snapshot;
  calls: number;
}

/** Adds every key of the region to `idents` (ListKeys, every page); a failed page is fatal: the list would be short. */
async function listKeys(
  main: AwsSession,
  region: string,
  ctx: CallContext,
  idents: KeyIdentifier[],
  hint: string,
  progress?: (listed: number) => void,
): Promise<void> {
  // listKms checks every page's shape: an empty or foreign body is not an empty key list.
  const r = await listKms(
    main,
    'kms:ListKeys',
    (Marker) => main.kms(region).send(new ListKeysCommand(Marker === undefined ? { Limit: 1000 } : { Limit: 1000, Marker })),
    (o) => o.Keys,
    9,
    undefined,
    (n) => progress?.(n),
  );
  if (!r.ok) {
    if (ctx.fatal !== undefined) throw ctx.fatal;
    throw new AwsError(`cannot list the keys of region ${region}: ${describeFailure(r.failure, 'kms:ListKeys', ctx.settings)}`, {
      operation: 'ListKeys',
      hint,
    });
  }
  const seen = new Set(idents.map((i) => i.text));
  for (const [i, k] of r.items.entries()) {
    let ident = typeof k.KeyArn === 'string' ? parseKeyIdentifier(k.KeyArn) : null;
    if (ident?.kind !== 'key-arn') ident = null;
    // ListKeys gives KeyId and KeyArn (https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyListEntry.html).
    // Without KeyArn the key is still one of the region's: read it by its KeyId (DescribeKey in
    // this account and region names its ARN). Dropping it would make the list short in silence.
    if (ident === null && k.KeyArn === undefined && typeof k.KeyId === 'string') {
      const byId = parseKeyIdentifier(k.KeyId);
      if (byId?.kind === 'key-id') ident = byId;
    }
    if (ident === null) {
      const failure: Failure = { kind: 'malformed', code: 'Keys', message: `Keys[${i}] has no valid KeyArn or KeyId` };
      throw new AwsError(`cannot list the keys of region ${region}: ${describeFailure(failure, 'kms:ListKeys', ctx.settings)}`, {
        operation: 'ListKeys',
        hint,
      });
    }
    if (!seen.has(ident.text)) {
      seen.add(ident.text);
      idents.push(ident);
    }
  }
}

/**
 * Several keys with every grant (for `kms-why grants`), read in parallel; with `allCustomerManaged`,
 * every customer managed key of the region (ListKeys, then DescribeKey to tell them apart).
 */
export async function readKeys(keys: string[], opts: LiveOptions & { allCustomerManaged?: boolean; grantsAudit?: boolean } = {}): Promise<KeysResult> {
  const idents = keys.map((k) => {
    const ident = parseKeyIdentifier(k);
    if (ident === null) throw new InputError(`invalid key "${k}"`, { hint: 'Give a key id, key ARN, alias name or alias ARN.', quotes: [k] });
    return ident;
  });
  const hint = idents.find((i) => i.arn !== undefined && i.arn.region !== '')?.arn?.region;
  const { ctx, main, principalSession, region } = await setup(opts, hint);
  try {
    const identity = callerIdentity(main);
    const accounts: Promise<Accounts> = identity.then((m) => (m.ok && m.value.Account !== undefined ? { main: m.value.Account } : {}));
    if (opts.allCustomerManaged === true)
      await listKeys(main, region, ctx, idents, 'kms-why needs kms:ListKeys for --all-keys; or name the keys with --key.', (n) =>
        ctx.say(`listing keys: ${n.toLocaleString('en-US')}…`),
      );
    let done = 0;
    // ListAliases once per account and region (the session decides the account), not per key.
    const aliasLists = new Map<string, ReturnType<typeof accountAliases>>();
    const grantsAudit = {
      aliases: async (s: AwsSession, meta: KeyMetadata) => {
        const k = `${s === main ? 'main' : 'principal'}|${meta.region}`;
        let p = aliasLists.get(k);
        if (p === undefined) {
          p = accountAliases(s, meta.region);
          aliasLists.set(k, p);
        }
        return aliasesOf(await p, meta, s);
      },
    };
    const reads = await Promise.all(
      idents.map(async (ident) => {
        const r = await readKey({
          ctx,
          ident,
          region: ident.arn?.region || region,
          main,
          principalSession,
          accounts,
          grants: 'all',
          granteeForms: () => Promise.resolve(undefined),
          grantId: undefined,
          ...(opts.grantsAudit === true ? { grantsAudit } : {}),
        });
        done++;
        ctx.say(`reading keys and grants: ${done.toLocaleString('en-US')} of ${idents.length.toLocaleString('en-US')}…`);
        return r;
      }),
    );
    if (ctx.fatal !== undefined) throw ctx.fatal;
    // --all-keys: customer managed keys only; a key whose metadata could not be read stays, so
    // that the audit says it could not be read rather than dropping it.
    const kept = reads.filter(
      (r) => opts.allCustomerManaged !== true || r.key.metadataUnknown !== undefined || r.key.metadata.keyManager === 'CUSTOMER' || keys.includes(r.keyArn),
    );
    const snapshot: Snapshot = {
      capturedAt: new Date().toISOString(),
      region,
      keys: kept.map((r) => r.key),
      principals: {},
      inputs: kept.flatMap((r) => r.records),
    };
    return { snapshot, calls: ctx.calls };
  } finally {
    main.destroy();
    principalSession?.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// A whole account (`kms-why snapshot --account`, who-can without --from)

export interface AccountResult {
  snapshot: Snapshot;
  calls: number;
}

/**
 * Everything who-can, grants --all-keys and lambda need for one account and region, read in
 * parallel under the per-service pools: GetAccountAuthorizationDetails (every page: every role, user,
 * group and managed policy, so no per-role IAM call), ListKeys (every page; or the keys named),
 * per key DescribeKey, GetKeyPolicy, every page of ListGrants and ListResourceTags, ListAliases
 * once for the account, and with `lambdaFunctions` every function's configuration (ListFunctions).
 * A read that fails is recorded as unreadable, with the permission it needed; what depends on it
 * is then unknown, never assumed.
 */
export async function readAccount(opts: LiveOptions & { keys?: string[] | undefined; lambdaFunctions?: boolean } = {}): Promise<AccountResult> {
  const named = (opts.keys ?? []).map((k) => {
    const ident = parseKeyIdentifier(k);
    if (ident === null) throw new InputError(`invalid key "${k}"`, { hint: 'Give a key id, key ARN, alias name or alias ARN.', quotes: [k] });
    return ident;
  });
  const hint = named.find((i) => i.arn !== undefined && i.arn.region !== '')?.arn?.region;
  const { ctx, main, region } = await setup(opts, hint);
  const { GetAccountAuthorizationDetailsCommand } = await import('@aws-sdk/client-iam');
  const { ListAliasesCommand } = await import('@aws-sdk/client-kms');
  const { ListFunctionsCommand } = await import('@aws-sdk/client-lambda');
  let done = 0;
  let total = 0;
  const tell = (): void =>
    ctx.say(`reading the account: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} reads, ${ctx.calls.toLocaleString('en-US')} calls…`);
  try {
    const identity = await callerIdentity(main);
    if (ctx.fatal !== undefined) throw ctx.fatal;
    if (!identity.ok || identity.value.Account === undefined) {
      throw new AwsError(
        `cannot tell which account the credentials are for: ${identity.ok ? 'GetCallerIdentity returned no Account' : describeFailure(identity.failure, 'sts:GetCallerIdentity', ctx.settings)}`,
        { operation: 'GetCallerIdentity' },
      );
    }
    const account = identity.value.Account;
    const accounts: Promise<Accounts> = Promise.resolve({ main: account });
    const records: InputRecord[] = [];

    // IAM: every page of GetAccountAuthorizationDetails, merged into one document.
    const iamP = (async (): Promise<{ value?: Record<string, unknown[]>; record: InputRecord }> => {
      const lists: Record<string, unknown[]> = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
      let marker: string | undefined;
      const markers = new PageMarkers();
      for (let page = 0; page < 10_000; page++) {
        const r = await main.call(
          'iam:GetAccountAuthorizationDetails',
          () => main.iam().send(new GetAccountAuthorizationDetailsCommand(marker === undefined ? { MaxItems: 1000 } : { MaxItems: 1000, Marker: marker })),
          4,
        );
        if (!r.ok) {
          const u = unknownFrom(
            iamDetailsWhat(account),
            [{ op: 'iam:GetAccountAuthorizationDetails', resource: `account ${account}`, failure: r.failure }],
            ctx.settings,
          );
          // unknownFrom names the permission only when AWS denied the call: a throttled, timed-out
          // or malformed answer is no missing permission.
          return { record: liveRecord(iamDetailsWhat(account), 'AWS iam:GetAccountAuthorizationDetails', u) };
        }
        const v = plain(r.value) as Record<string, unknown>;
        // Every page carries the four lists (empty ones too): a page with none of them (an empty or
        // foreign 200 body) is not an account without roles.
        if (!Object.keys(lists).some((f) => Array.isArray(v[f])))
          return {
            record: {
              what: iamDetailsWhat(account),
              from: 'AWS iam:GetAccountAuthorizationDetails',
              status: 'unreadable',
              detail: 'malformed response: no UserDetailList, GroupDetailList, RoleDetailList or Policies list',
            },
          };
        for (const f of Object.keys(lists)) if (Array.isArray(v[f])) lists[f]!.push(...(v[f] as unknown[]));
        ctx.say(`reading IAM: ${lists.RoleDetailList!.length.toLocaleString('en-US')} roles, ${lists.UserDetailList!.length.toLocaleString('en-US')} users…`);
        if (r.value.IsTruncated !== true)
          return { value: lists, record: { what: iamDetailsWhat(account), from: 'AWS iam:GetAccountAuthorizationDetails', status: 'read' } };
        if (!markers.fresh(r.value.Marker)) break;
        marker = r.value.Marker;
      }
      return {
        record: {
          what: iamDetailsWhat(account),
          from: 'AWS iam:GetAccountAuthorizationDetails',
          status: 'unreadable',
          detail: 'malformed response: the list is truncated but has no new Marker',
        },
      };
    })();

    // Aliases: once for the region.
    const aliasesP = (async (): Promise<{
      list?: Array<{ AliasName?: string; TargetKeyId?: string; AliasArn?: string }>;
      failure?: Failure;
      record: InputRecord;
    }> => {
      const r = await listKms(
        main,
        'kms:ListAliases',
        (Marker) => main.kms(region).send(new ListAliasesCommand(Marker === undefined ? { Limit: 100 } : { Limit: 100, Marker })),
        (o) => o.Aliases,
        3,
      );
      if (!r.ok) {
        const u = unknownFrom(accountAliasesWhat(region), [{ op: 'kms:ListAliases', resource: `region ${region}`, failure: r.failure }], ctx.settings);
        return { failure: r.failure, record: liveRecord(accountAliasesWhat(region), 'AWS kms:ListAliases', u) };
      }
      // Every alias has an AliasName (https://docs.aws.amazon.com/kms/latest/APIReference/API_AliasListEntry.html);
      // an entry without one may be the alias of any key, so the list tells no key's aliases.
      const nameless = r.items.findIndex((a) => typeof a.AliasName !== 'string' || !a.AliasName.startsWith('alias/'));
      if (nameless >= 0) {
        const failure: Failure = { kind: 'malformed', code: 'AliasName', message: `Aliases[${nameless}] has no AliasName` };
        const u = unknownFrom(accountAliasesWhat(region), [{ op: 'kms:ListAliases', resource: `region ${region}`, failure }], ctx.settings);
        return { failure, record: liveRecord(accountAliasesWhat(region), 'AWS kms:ListAliases', u) };
      }
      const list = r.items.map((a) => ({
        ...(a.AliasName ? { AliasName: a.AliasName } : {}),
        ...(a.TargetKeyId ? { TargetKeyId: a.TargetKeyId } : {}),
        ...(a.AliasArn ? { AliasArn: a.AliasArn } : {}),
      }));
      return { list, record: { what: accountAliasesWhat(region), from: 'AWS kms:ListAliases', status: 'read' } };
    })();

    // Lambda functions: every page of ListFunctions (their configurations, as GetFunctionConfiguration gives them).
    const functionsP = (async (): Promise<{ list: unknown[]; record?: InputRecord }> => {
      if (opts.lambdaFunctions !== true) return { list: [] };
      const all: unknown[] = [];
      let marker: string | undefined;
      const markers = new PageMarkers();
      for (let page = 0; page < 10_000; page++) {
        const r = await main.call(
          'lambda:ListFunctions',
          () => main.lambda(region).send(new ListFunctionsCommand(marker === undefined ? { MaxItems: 50 } : { MaxItems: 50, Marker: marker })),
          1,
        );
        if (!r.ok) {
          const u = unknownFrom(functionsWhat(region), [{ op: 'lambda:ListFunctions', resource: `region ${region}`, failure: r.failure }], ctx.settings);
          return { list: [], record: liveRecord(functionsWhat(region), 'AWS lambda:ListFunctions', u) };
        }
        // An empty or foreign 200 body parses to no Functions member: not a region without functions.
        if (!Array.isArray(r.value.Functions))
          return {
            list: all,
            record: { what: functionsWhat(region), from: 'AWS lambda:ListFunctions', status: 'unreadable', detail: 'malformed response: no Functions list' },
          };
        for (const f of r.value.Functions) all.push(plain(f));
        if (r.value.NextMarker === undefined || r.value.NextMarker === '')
          return { list: all, record: { what: functionsWhat(region), from: 'AWS lambda:ListFunctions', status: 'read' } };
        if (!markers.fresh(r.value.NextMarker)) break;
        marker = r.value.NextMarker;
      }
      return {
        list: all,
        record: { what: functionsWhat(region), from: 'AWS lambda:ListFunctions', status: 'unreadable', detail: 'malformed response: a repeated NextMarker' },
      };
    })();

    // Keys: those named, or every key of the region (ListKeys, every page).
    const idents = [...named];
    if (named.length === 0) await listKeys(main, region, ctx, idents, 'kms-why needs kms:ListKeys to read the account; or name the keys with --key.');
    total = idents.length + 1;
    const keysP = Promise.all(
      idents.map(async (ident) => {
        const r = await readKey({
          ctx,
          ident,
          region: ident.arn?.region || region,
          main,
          principalSession: undefined,
          accounts,
          grants: 'all',
          granteeForms: () => Promise.resolve(undefined),
          grantId: undefined,
          aliasesReadOnce: true,
        });
        done++;
        tell();
        return r;
      }),
    );
    const [iam, aliases, functions, keyReads] = await Promise.all([
      iamP.then((x) => {
        done++;
        tell();
        return x;
      }),
      aliasesP,
      functionsP,
      keysP,
    ]);
    if (ctx.fatal !== undefined) throw ctx.fatal;

    // Every customer managed key, and the keys named (a key whose metadata could not be read stays, as unknown).
    const kept = keyReads.filter((r) => named.length > 0 || r.key.metadataUnknown !== undefined || r.key.metadata.keyManager === 'CUSTOMER');
    const snapshot: Snapshot = { capturedAt: new Date().toISOString(), region, keys: kept.map((r) => r.key), principals: {}, inputs: records };
    // --key: these keys only, not every key of the account (diff must not take the others as deleted).
    if (named.length > 0) snapshot.keysAskedFor = [...new Set(kept.map((r) => r.key.metadata.arn))];
    for (const r of kept) records.push(...r.records);
    records.push(iam.record, aliases.record);
    if (functions.record !== undefined) records.push(functions.record);
    if (aliases.list !== undefined) {
      for (const a of aliases.list) {
        if (a.AliasName === undefined || a.TargetKeyId === undefined) continue;
        const key = snapshot.keys.find((k) => k.metadata.keyId === a.TargetKeyId || k.metadata.arn === a.TargetKeyId);
        if (key !== undefined && !key.aliases.includes(a.AliasName)) key.aliases.push(a.AliasName);
      }
    } else {
      // No alias list: every key's aliases are unknown, as when the single-key read's ListAliases
      // fails (key.ts). An empty list would decide kms:ResourceAliases conditions as if the key
      // had no alias; the snapshot writer writes aliasesUnknown as unreadable, so a replay with
      // --from stays unknown too.
      const failure = aliases.failure ?? { kind: 'malformed' as const, code: 'Aliases', message: aliases.record.detail ?? 'ListAliases failed' };
      for (const k of snapshot.keys) {
        const u = unknownFrom(aliasesWhat(k.metadata.arn), [{ op: 'kms:ListAliases', resource: `region ${region}`, failure }], ctx.settings);
        // The alias the key was named by (--key alias/…) is one of its aliases, but not all of them.
        k.aliasesUnknown = u;
        records.push(liveRecord(aliasesWhat(k.metadata.arn), 'AWS kms:ListAliases', u));
      }
    }
    if (iam.value !== undefined) {
      const { principalsFromAuthorizationDetails, addDerivedPrincipals } = await import('../iam-details.js');
      try {
        const derived = principalsFromAuthorizationDetails(iam.value, { file: 'AWS iam:GetAccountAuthorizationDetails', path: '' });
        addDerivedPrincipals(snapshot.principals, derived, records);
      } catch (e) {
        if (!(e instanceof KmsWhyError)) throw e;
        // An answer whose shape we did not check is not an answer.
        iam.record.status = 'unreadable';
        iam.record.detail = `malformed response to iam:GetAccountAuthorizationDetails: ${e.message}`;
      }
    }
    if (functions.list.length > 0) snapshot.functions = functions.list;
    const org = await readOrganizationFiles(opts.scpFiles ?? [], opts.rcpFiles ?? [], { principal: account, key: account });
    if (org.organization !== undefined) {
      snapshot.organization = org.organization;
      records.push(...org.records);
    }
    return { snapshot, calls: ctx.calls };
  } finally {
    main.destroy();
  }
}
