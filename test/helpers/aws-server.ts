// A small stand-in for AWS on 127.0.0.1 that speaks the real wire protocols, so that the AWS SDK
// does its own serialisation, SigV4 signing, paging and retries against it:
//   - KMS: AWS JSON 1.1 (POST /, X-Amz-Target: TrentService.<Op>), errors as {"__type", "message"};
//   - IAM and STS: the Query protocol (form-encoded Action=…&Version=…), XML answers in their
//     namespaces with ResponseMetadata, errors as <ErrorResponse>; told apart by the service in
//     the request's credential scope;
//   - Lambda: REST JSON, GET /2015-03-31/functions/{name}/configuration;
//   - CloudTrail: AWS JSON 1.1 (X-Amz-Target: CloudTrail_20131101.LookupEvents), the account's
//     event history filtered by the lookup attribute, the time window and the Region signed for,
//     newest first, paged with MaxResults/NextToken;
//   - Organizations: AWS JSON 1.1 (X-Amz-Target: AWSOrganizationsV20161128.DescribeOrganization),
//     the account's recorded DescribeOrganization, AWSOrganizationsNotInUseException without one.
// Answers come from recorded responses (fixtures/recorded/*.json, one file per account, keyed by
// operation); requests are signed with fake access keys that those files list, and the signature is
// checked. Per test: latency on every call, a log of calls, scripted errors (throttling, access
// denied, a hang, a malformed body …) and page sizes.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export const RECORDED_DIR = fileURLToPath(new URL('../../fixtures/recorded/', import.meta.url));

type Json = Record<string, unknown>;
export type Service = 'kms' | 'iam' | 'sts' | 'lambda' | 'cloudtrail' | 'organizations';

export interface ServerCall {
  service: Service;
  op: string;
  params: Json;
  accessKeyId: string;
  account: string;
  /** Milliseconds since the server started. */
  at: number;
  /**
   * The round trip this call belongs to, from the order of events alone: one more than the
   * deepest round answered before the call arrived (a call can only depend on answers it saw).
   */
  round: number;
}

/**
 * What the server does with one matching call:
 *   ok         answer from the recorded data
 *   throttle   the service's throttling error (ThrottlingException, Throttling, TooManyRequestsException)
 *   deny       the service's access-denied error
 *   not-found  the service's not-found error
 *   hang       never answer (the client's timeout must give up)
 *   malformed  status 200 with a body that is not what the protocol says
 *   reset      the connection is reset before any answer
 *   empty      status 200 with an empty body
 *   html       status 200 with an HTML page (a captive portal, a proxy's error page)
 *   {status, code, message}  any error
 *   {reply}    status 200 with this output instead of the recorded one
 */
export type Step =
  | 'ok'
  | 'throttle'
  | 'deny'
  | 'not-found'
  | 'hang'
  | 'malformed'
  | 'reset'
  | 'empty'
  | 'html'
  | { status: number; code: string; message?: string }
  | { reply: Json };

interface Script {
  op: string;
  steps: Step[];
  /** Repeats the last step forever (a single step given without an array). */
  sticky: boolean;
  match: ((params: Json, call: ServerCall) => boolean) | undefined;
}

export interface Credential {
  AccessKeyId: string;
  SecretAccessKey: string;
  GetCallerIdentity: { UserId: string; Account: string; Arn: string };
}

/** One recorded account (fixtures/recorded/account-*.json). */
export interface RecordedAccount {
  Account: string;
  Region?: string;
  Credentials?: Credential[];
  Kms?: { Keys?: RecordedKey[] };
  Iam?: {
    Roles?: Array<{
      GetRole: { Role: Json };
      ListRolePolicies?: { PolicyNames: string[] };
      GetRolePolicy?: Record<string, Json>;
      ListAttachedRolePolicies?: { AttachedPolicies: Json[] };
    }>;
    Users?: Array<{
      GetUser: { User: Json };
      ListUserPolicies?: { PolicyNames: string[] };
      GetUserPolicy?: Record<string, Json>;
      ListAttachedUserPolicies?: { AttachedPolicies: Json[] };
      ListGroupsForUser?: { Groups: Json[] };
    }>;
    Groups?: Array<{
      GroupName: string;
      ListGroupPolicies?: { PolicyNames: string[] };
      GetGroupPolicy?: Record<string, Json>;
      ListAttachedGroupPolicies?: { AttachedPolicies: Json[] };
    }>;
    Policies?: Array<{ GetPolicy: { Policy: Json }; GetPolicyVersion: Record<string, { PolicyVersion: Json }> }>;
  };
  Lambda?: { Functions?: Json[] };
  /** LookupEvents entries (EventId, EventName, EventTime as epoch seconds, CloudTrailEvent …), any order. */
  CloudTrail?: { Events?: Json[] };
  /** The answer to DescribeOrganization (none: the account is not in an organization). */
  Organizations?: { DescribeOrganization?: { Organization: Json } };
}

export interface RecordedKey {
  DescribeKey: { KeyMetadata: Json };
  GetKeyPolicy?: { Policy: string; PolicyName?: string };
  ListGrants?: { Grants: Json[] };
  ListResourceTags?: { Tags: Json[] };
  ListAliases?: { Aliases: Json[] };
}

export interface AwsServer {
  /** The endpoint URL to give the SDK (endpointUrl). */
  url: string;
  /** Added before every answer. */
  latencyMs: number;
  /** Page sizes by operation (the server's own limit, below what the client asks for). */
  pageSize: Record<string, number>;
  readonly calls: ServerCall[];
  /** The recorded accounts, by id; tests may change them. */
  readonly accounts: Map<string, RecordedAccount>;
  /** Calls of one operation (all calls without an argument); retries count as calls. */
  count(op?: string): number;
  /** Counts by operation. */
  counts(): Record<string, number>;
  /**
   * Scripts the answers to an operation. An array is played one call at a time, then the recorded
   * answer resumes; a single step applies to every call. `match` restricts it to some calls.
   */
  script(op: string, steps: Step | Step[], match?: (params: Json, call: ServerCall) => boolean): void;
  /** Forgets calls and scripts, and sets latency and page sizes back. */
  reset(): void;
  /** Reloads the recorded data (after a test changed it). */
  reload(): void;
  /** Fake credentials of an account's first recorded access key. */
  credentials(account: string): { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function loadRecorded(dir = RECORDED_DIR): Map<string, RecordedAccount> {
  const out = new Map<string, RecordedAccount>();
  for (const f of readdirSync(dir)
    .filter((n) => /^account-.*\.json$/.test(n))
    .sort()) {
    const acct = JSON.parse(readFileSync(`${dir}${f}`, 'utf8')) as RecordedAccount;
    out.set(acct.Account, acct);
  }
  return out;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** RFC 3986 encoding as SigV4 wants it. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

interface Signed {
  accessKeyId: string;
  region: string;
  service: string;
}

/** Checks a SigV4 Authorization header; returns who signed, or throws the error AWS would. */
function verifySignature(req: IncomingMessage, body: Buffer, secrets: Map<string, string>): Signed {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string' || !auth.startsWith('AWS4-HMAC-SHA256 '))
    throw new ApiError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const parts = Object.fromEntries(
    auth
      .slice('AWS4-HMAC-SHA256 '.length)
      .split(/,\s*/)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  ) as Record<string, string>;
  const [accessKeyId, date, region, service, terminator] = (parts.Credential ?? '').split('/');
  if (accessKeyId === undefined || date === undefined || region === undefined || service === undefined || terminator !== 'aws4_request') {
    throw new ApiError(400, 'IncompleteSignature', 'Authorization header requires a valid Credential');
  }
  const secret = secrets.get(accessKeyId);
  if (secret === undefined) throw new ApiError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  const signedHeaders = (parts.SignedHeaders ?? '').split(';');
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname
    .split('/')
    .map((seg) => uriEncode(decodeURIComponent(seg)))
    .map(uriEncode)
    .join('/');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headerValue = (h: string): string => {
    const v = req.headers[h];
    return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ');
  };
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${headerValue(h)}\n`).join('');
  const payloadHash = typeof req.headers['x-amz-content-sha256'] === 'string' ? req.headers['x-amz-content-sha256'] : sha256(body);
  const canonical = [req.method ?? 'GET', path, query, canonicalHeaders, signedHeaders.join(';'), payloadHash].join('\n');
  const amzDate = headerValue('x-amz-date');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(toSign).digest('hex');
  if (expected !== parts.Signature) {
    throw new ApiError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }
  return { accessKeyId, region, service };
}

// ---------------------------------------------------------------------------------------------
// XML for the Query protocol

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON → Query-protocol XML: objects become elements, arrays become <member> lists. */
function toXml(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Json)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(value));
}

function requestId(): string {
  return `${Math.random().toString(16).slice(2, 10)}-0000-4000-8000-${Date.now().toString(16).padStart(12, '0')}`;
}

// ---------------------------------------------------------------------------------------------

export async function startAwsServer(opts: { dir?: string } = {}): Promise<AwsServer> {
  const started = Date.now();
  let accounts = loadRecorded(opts.dir);
  const calls: ServerCall[] = [];
  let scripts: Script[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const secrets = (): Map<string, string> => {
    const m = new Map<string, string>();
    for (const a of accounts.values()) for (const c of a.Credentials ?? []) m.set(c.AccessKeyId, c.SecretAccessKey);
    return m;
  };
  const identityOf = (akid: string): Credential => {
    for (const a of accounts.values()) for (const c of a.Credentials ?? []) if (c.AccessKeyId === akid) return c;
    throw new ApiError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  };

  const api: AwsServer = {
    url: '',
    latencyMs: 0,
    pageSize: {},
    calls,
    get accounts() {
      return accounts;
    },
    count: (op) => (op === undefined ? calls.length : calls.filter((c) => c.op === op).length),
    counts: () => {
      const out: Record<string, number> = {};
      for (const c of calls) out[c.op] = (out[c.op] ?? 0) + 1;
      return out;
    },
    script: (op, steps, match) => {
      scripts.push({ op, steps: Array.isArray(steps) ? [...steps] : [steps], sticky: !Array.isArray(steps), match });
    },
    reset: () => {
      calls.length = 0;
      scripts = [];
      api.latencyMs = 0;
      api.pageSize = {};
      answeredRound = 0;
    },
    reload: () => {
      accounts = loadRecorded(opts.dir);
    },
    credentials: (account) => {
      const c = accounts.get(account)?.Credentials?.[0];
      if (c === undefined) throw new Error(`no recorded credentials for ${account}`);
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const nextStep = (call: ServerCall): Step => {
    for (const s of scripts) {
      if (s.op !== call.op || (s.match !== undefined && !s.match(call.params, call))) continue;
      if (s.steps.length === 0) continue;
      const step = s.sticky ? s.steps[0]! : s.steps.shift()!;
      return step;
    }
    return 'ok';
  };

  const pageOf = <T>(op: string, items: T[], marker: unknown, asked: unknown, dflt: number): { page: T[]; next: string | undefined } => {
    const start = marker === undefined || marker === '' ? 0 : Number(String(marker).replace(/^page-/, ''));
    if (!Number.isInteger(start) || start < 0 || start > items.length)
      throw new ApiError(
        400,
        op.startsWith('List') && !op.includes('Policies') && !op.includes('Groups') ? 'InvalidMarkerException' : 'InvalidInput',
        `Invalid marker ${String(marker)}`,
      );
    const size = Math.min(asked === undefined ? dflt : Number(asked), api.pageSize[op] ?? Infinity);
    const page = items.slice(start, start + size);
    return { page, next: start + size < items.length ? `page-${start + size}` : undefined };
  };

  // -------------------------------------------------------------------------------------------
  // KMS

  const kmsKeyRef = (caller: Credential, keyId: unknown, crossAccount: boolean, aliasesOk: boolean): { acct: RecordedAccount; key: RecordedKey } => {
    const id = String(keyId ?? '');
    const notFound = (): never => {
      throw new ApiError(400, 'NotFoundException', `Key '${id}' does not exist`);
    };
    let account = caller.GetCallerIdentity.Account;
    let local = id;
    const arn = /^arn:[^:]+:kms:[^:]*:(\d{12}):(.*)$/.exec(id);
    if (arn !== null) {
      account = arn[1]!;
      local = arn[2]!;
      if (account !== caller.GetCallerIdentity.Account && !crossAccount) notFound();
    }
    const acct = accounts.get(account) ?? notFound();
    const keys = acct.Kms?.Keys ?? [];
    if (local.startsWith('alias/')) {
      if (!aliasesOk) throw new ApiError(400, 'NotFoundException', `Invalid keyId ${id}`);
      const key = keys.find((k) => (k.ListAliases?.Aliases ?? []).some((a) => a.AliasName === local));
      return key !== undefined ? { acct, key } : notFound();
    }
    const keyIdPart = local.replace(/^key\//, '');
    const key = keys.find((k) => k.DescribeKey.KeyMetadata.KeyId === keyIdPart);
    return key !== undefined ? { acct, key } : notFound();
  };

  const kms = (op: string, p: Json, caller: Credential): Json => {
    switch (op) {
      case 'DescribeKey':
        return kmsKeyRef(caller, p.KeyId, true, true).key.DescribeKey;
      case 'GetKeyPolicy': {
        const { key } = kmsKeyRef(caller, p.KeyId, false, false);
        return { Policy: key.GetKeyPolicy?.Policy ?? '', PolicyName: 'default' };
      }
      case 'ListGrants': {
        const { key } = kmsKeyRef(caller, p.KeyId, true, false);
        let grants = key.ListGrants?.Grants ?? [];
        if (p.GrantId !== undefined) grants = grants.filter((g) => g.GrantId === p.GrantId);
        if (p.GranteePrincipal !== undefined) grants = grants.filter((g) => g.GranteePrincipal === p.GranteePrincipal);
        const { page, next } = pageOf(op, grants, p.Marker, p.Limit, 50);
        return next === undefined ? { Grants: page, Truncated: false } : { Grants: page, Truncated: true, NextMarker: next };
      }
      case 'ListResourceTags': {
        const { key } = kmsKeyRef(caller, p.KeyId, false, false);
        const { page, next } = pageOf(op, key.ListResourceTags?.Tags ?? [], p.Marker, p.Limit, 50);
        return next === undefined ? { Tags: page, Truncated: false } : { Tags: page, Truncated: true, NextMarker: next };
      }
      case 'ListAliases': {
        const acct = accounts.get(caller.GetCallerIdentity.Account);
        let aliases: Json[];
        if (p.KeyId !== undefined) aliases = kmsKeyRef(caller, p.KeyId, false, false).key.ListAliases?.Aliases ?? [];
        else aliases = (acct?.Kms?.Keys ?? []).flatMap((k) => k.ListAliases?.Aliases ?? []);
        const { page, next } = pageOf(op, aliases, p.Marker, p.Limit, 50);
        return next === undefined ? { Aliases: page, Truncated: false } : { Aliases: page, Truncated: true, NextMarker: next };
      }
      case 'ListKeys': {
        const acct = accounts.get(caller.GetCallerIdentity.Account);
        const keys = (acct?.Kms?.Keys ?? []).map((k) => ({ KeyId: k.DescribeKey.KeyMetadata.KeyId, KeyArn: k.DescribeKey.KeyMetadata.Arn }));
        const { page, next } = pageOf(op, keys, p.Marker, p.Limit, 100);
        return next === undefined ? { Keys: page, Truncated: false } : { Keys: page, Truncated: true, NextMarker: next };
      }
      default:
        throw new ApiError(400, 'UnknownOperationException', `Unknown operation ${op}`);
    }
  };

  // -------------------------------------------------------------------------------------------
  // IAM

  const noSuch = (what: string): never => {
    throw new ApiError(404, 'NoSuchEntity', what);
  };

  const iam = (op: string, p: Json, caller: Credential): Json => {
    const acct = accounts.get(caller.GetCallerIdentity.Account) ?? noSuch('account');
    const data = acct.Iam ?? {};
    const role = (): NonNullable<NonNullable<RecordedAccount['Iam']>['Roles']>[number] =>
      (data.Roles ?? []).find((r) => r.GetRole.Role.RoleName === p.RoleName) ?? noSuch(`The role with name ${String(p.RoleName)} cannot be found.`);
    const user = (): NonNullable<NonNullable<RecordedAccount['Iam']>['Users']>[number] =>
      (data.Users ?? []).find((u) => u.GetUser.User.UserName === p.UserName) ?? noSuch(`The user with name ${String(p.UserName)} cannot be found.`);
    const group = (): NonNullable<NonNullable<RecordedAccount['Iam']>['Groups']>[number] =>
      (data.Groups ?? []).find((g) => g.GroupName === p.GroupName) ?? noSuch(`The group with name ${String(p.GroupName)} cannot be found.`);
    const policy = (): NonNullable<NonNullable<RecordedAccount['Iam']>['Policies']>[number] => {
      const arn = String(p.PolicyArn);
      const owner = /^arn:[^:]+:iam::([^:]+):/.exec(arn)?.[1];
      // AWS managed policies (account "aws") are readable from every account.
      const sources = owner === 'aws' ? [...accounts.values()] : owner === acct.Account ? [acct] : [];
      for (const a of sources) {
        const found = (a.Iam?.Policies ?? []).find((x) => x.GetPolicy.Policy.Arn === arn);
        if (found !== undefined) return found;
      }
      return noSuch(`Policy ${arn} does not exist or is not attachable.`);
    };
    const listed = (field: string, items: unknown[]): Json => {
      const { page, next } = pageOf(op, items, p.Marker, p.MaxItems, 100);
      return next === undefined ? { [field]: page, IsTruncated: false } : { [field]: page, IsTruncated: true, Marker: next };
    };
    const inlineDoc = (docs: Record<string, Json> | undefined, name: unknown, owner: string): Json =>
      docs?.[String(name)] ?? noSuch(`The ${owner} policy with name ${String(name)} cannot be found.`);
    switch (op) {
      case 'GetRole':
        return role().GetRole;
      case 'ListRolePolicies':
        return listed('PolicyNames', role().ListRolePolicies?.PolicyNames ?? []);
      case 'GetRolePolicy':
        return inlineDoc(role().GetRolePolicy, p.PolicyName, 'role');
      case 'ListAttachedRolePolicies':
        return listed('AttachedPolicies', role().ListAttachedRolePolicies?.AttachedPolicies ?? []);
      case 'GetUser':
        return user().GetUser;
      case 'ListUserPolicies':
        return listed('PolicyNames', user().ListUserPolicies?.PolicyNames ?? []);
      case 'GetUserPolicy':
        return inlineDoc(user().GetUserPolicy, p.PolicyName, 'user');
      case 'ListAttachedUserPolicies':
        return listed('AttachedPolicies', user().ListAttachedUserPolicies?.AttachedPolicies ?? []);
      case 'ListGroupsForUser':
        return listed('Groups', user().ListGroupsForUser?.Groups ?? []);
      case 'ListGroupPolicies':
        return listed('PolicyNames', group().ListGroupPolicies?.PolicyNames ?? []);
      case 'GetGroupPolicy':
        return inlineDoc(group().GetGroupPolicy, p.PolicyName, 'group');
      case 'ListAttachedGroupPolicies':
        return listed('AttachedPolicies', group().ListAttachedGroupPolicies?.AttachedPolicies ?? []);
      case 'GetPolicy':
        return policy().GetPolicy;
      case 'GetAccountAuthorizationDetails': {
        // Built from the same recorded entities as GetRole & co., paged over all of them in order.
        const docs = (m: Record<string, Json> | undefined): Json[] =>
          Object.values(m ?? {}).map((d) => ({ PolicyName: d.PolicyName, PolicyDocument: d.PolicyDocument }));
        const entries: Array<[string, Json]> = [];
        for (const u of data.Users ?? []) {
          entries.push([
            'UserDetailList',
            {
              ...u.GetUser.User,
              UserPolicyList: docs(u.GetUserPolicy),
              GroupList: (u.ListGroupsForUser?.Groups ?? []).map((g) => g.GroupName),
              AttachedManagedPolicies: u.ListAttachedUserPolicies?.AttachedPolicies ?? [],
            },
          ]);
        }
        for (const g of data.Groups ?? []) {
          entries.push([
            'GroupDetailList',
            {
              GroupName: g.GroupName,
              Path: '/',
              GroupId: `AGPA${g.GroupName.toUpperCase().padEnd(17, '0').slice(0, 17)}`,
              Arn: `arn:aws:iam::${acct.Account}:group/${g.GroupName}`,
              CreateDate: '2024-01-01T00:00:00Z',
              GroupPolicyList: docs(g.GetGroupPolicy),
              AttachedManagedPolicies: g.ListAttachedGroupPolicies?.AttachedPolicies ?? [],
            },
          ]);
        }
        for (const r of data.Roles ?? []) {
          const { MaxSessionDuration: _m, ...role } = r.GetRole.Role;
          entries.push([
            'RoleDetailList',
            { ...role, RolePolicyList: docs(r.GetRolePolicy), AttachedManagedPolicies: r.ListAttachedRolePolicies?.AttachedPolicies ?? [] },
          ]);
        }
        // Customer managed policies of this account and every AWS managed policy recorded.
        const policies = [...accounts.values()].flatMap((a) =>
          (a.Iam?.Policies ?? []).filter((x) => a === acct || String(x.GetPolicy.Policy.Arn).startsWith('arn:aws:iam::aws:')),
        );
        const seenPolicies = new Set<string>();
        for (const x of policies) {
          const arn = String(x.GetPolicy.Policy.Arn);
          if (seenPolicies.has(arn)) continue;
          seenPolicies.add(arn);
          entries.push(['Policies', { ...x.GetPolicy.Policy, PolicyVersionList: Object.values(x.GetPolicyVersion).map((v) => v.PolicyVersion) }]);
        }
        const { page, next } = pageOf(op, entries, p.Marker, p.MaxItems, 100);
        const out: Json = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
        for (const [list, item] of page) (out[list] as Json[]).push(item);
        return next === undefined ? { ...out, IsTruncated: false } : { ...out, IsTruncated: true, Marker: next };
      }
      case 'GetPolicyVersion':
        return policy().GetPolicyVersion[String(p.VersionId)] ?? noSuch(`Policy ${String(p.PolicyArn)} version ${String(p.VersionId)} does not exist.`);
      default:
        throw new ApiError(400, 'InvalidAction', `Could not find operation ${op} for version 2010-05-08`);
    }
  };

  // -------------------------------------------------------------------------------------------
  // Lambda

  const lambda = (name: string, p: Json, caller: Credential): Json => {
    const arn = /^arn:[^:]+:lambda:[^:]*:(\d{12}):function:([^:]+)(?::(.+))?$/.exec(name);
    const account = arn?.[1] ?? caller.GetCallerIdentity.Account;
    const fname = arn?.[2] ?? name;
    const acct = accounts.get(account);
    const fn = (acct?.Lambda?.Functions ?? []).find(
      (f) => f.FunctionName === fname && (p.Qualifier === undefined || f.Version === p.Qualifier || p.Qualifier === '$LATEST'),
    );
    if (fn === undefined) throw new ApiError(404, 'ResourceNotFoundException', `Function not found: ${name}`);
    return fn;
  };

  // -------------------------------------------------------------------------------------------
  // CloudTrail

  const cloudtrail = (op: string, p: Json, caller: Credential, region: string): Json => {
    if (op !== 'LookupEvents') throw new ApiError(400, 'UnknownOperationException', `Unknown operation ${op}`);
    const attrs = (p.LookupAttributes ?? []) as Array<{ AttributeKey?: string; AttributeValue?: string }>;
    if (attrs.length > 1) throw new ApiError(400, 'InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
    const max = p.MaxResults === undefined ? 50 : Number(p.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 50) throw new ApiError(400, 'InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
    const start = p.StartTime === undefined ? -Infinity : Number(p.StartTime);
    const end = p.EndTime === undefined ? Infinity : Number(p.EndTime);
    const record = (e: Json): Json => {
      try {
        return JSON.parse(String(e.CloudTrailEvent ?? '{}')) as Json;
      } catch {
        return {};
      }
    };
    const all = (accounts.get(caller.GetCallerIdentity.Account)?.CloudTrail?.Events ?? []).filter((e) => {
      const t = Number(e.EventTime);
      if (!(t >= start && t <= end)) return false;
      const r = record(e);
      if (r.awsRegion !== undefined && r.awsRegion !== region) return false;
      const a = attrs[0];
      if (a === undefined) return true;
      switch (a.AttributeKey) {
        case 'EventSource':
          return e.EventSource === a.AttributeValue;
        case 'EventName':
          return e.EventName === a.AttributeValue;
        case 'Username':
          return e.Username === a.AttributeValue;
        case 'ResourceName':
          return ((e.Resources ?? []) as Json[]).some((x) => x.ResourceName === a.AttributeValue);
        default:
          throw new ApiError(400, 'InvalidLookupAttributesException', `Unsupported attribute ${String(a.AttributeKey)}`);
      }
    });
    all.sort((a, b) => Number(b.EventTime) - Number(a.EventTime));
    const token = p.NextToken === undefined ? undefined : String(p.NextToken).replace(/^token-/, 'page-');
    if (token !== undefined && !/^page-\d+$/.test(token)) throw new ApiError(400, 'InvalidNextTokenException', 'Invalid NextToken');
    const { page, next } = pageOf(op, all, token, max, 50);
    return next === undefined ? { Events: page } : { Events: page, NextToken: next.replace(/^page-/, 'token-') };
  };

  // -------------------------------------------------------------------------------------------
  // Protocols

  let answeredRound = 0;
  const respond = (res: ServerResponse, status: number, headers: Record<string, string>, body: string): void => {
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)), 'x-amzn-requestid': requestId() });
    res.end(body);
  };

  const sendError = (res: ServerResponse, service: Service, e: ApiError): void => {
    if (service === 'kms' || service === 'cloudtrail' || service === 'organizations') {
      respond(
        res,
        e.status,
        { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': e.code },
        JSON.stringify({ __type: e.code, message: e.message }),
      );
    } else if (service === 'lambda') {
      respond(res, e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.code }, JSON.stringify({ Type: 'User', Message: e.message }));
    } else {
      const ns = service === 'iam' ? IAM_NS : STS_NS;
      const xml = `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${xmlEscape(e.code)}</Code><Message>${xmlEscape(e.message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`;
      respond(res, e.status, { 'content-type': 'text/xml' }, xml);
    }
  };

  const scripted = (
    service: Service,
    op: string,
    step: Step,
    caller: Credential,
    params: Json,
  ): ApiError | 'hang' | 'malformed' | 'reset' | 'empty' | 'html' | { reply: Json } | undefined => {
    const resource = String(params.KeyId ?? params.PolicyArn ?? params.RoleName ?? params.UserName ?? params.GroupName ?? params.FunctionName ?? '*');
    switch (step) {
      case 'ok':
        return undefined;
      case 'hang':
      case 'malformed':
      case 'reset':
      case 'empty':
      case 'html':
        return step;
      case 'throttle':
        if (service === 'kms' || service === 'cloudtrail') return new ApiError(400, 'ThrottlingException', 'Rate exceeded');
        if (service === 'organizations') return new ApiError(400, 'TooManyRequestsException', 'Rate exceeded');
        if (service === 'lambda') return new ApiError(429, 'TooManyRequestsException', 'Rate exceeded');
        return new ApiError(400, 'Throttling', 'Rate exceeded');
      case 'deny': {
        const msg = `User: ${caller.GetCallerIdentity.Arn} is not authorized to perform: ${service}:${op} on resource: ${resource} because no identity-based policy allows the ${service}:${op} action`;
        if (service === 'kms' || service === 'cloudtrail' || service === 'organizations') return new ApiError(400, 'AccessDeniedException', msg);
        if (service === 'lambda') return new ApiError(403, 'AccessDeniedException', msg);
        return new ApiError(403, 'AccessDenied', msg);
      }
      case 'not-found':
        if (service === 'kms') return new ApiError(400, 'NotFoundException', `${resource} does not exist`);
        if (service === 'lambda') return new ApiError(404, 'ResourceNotFoundException', `${resource} not found`);
        return new ApiError(404, 'NoSuchEntity', `${resource} cannot be found.`);
      default:
        return 'reply' in step ? step : new ApiError(step.status, step.code, step.message ?? step.code);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const target = req.headers['x-amz-target'];
    const lambdaPath = /^\/2015-03-31\/functions\/([^/]+)\/configuration$/.exec(url.pathname);
    const lambdaList = /^\/2015-03-31\/functions\/?$/.test(url.pathname);
    let service: Service;
    let op: string;
    let params: Json;
    let signed: Signed;
    try {
      signed = verifySignature(req, body, secrets());
    } catch (e) {
      const svc: Service =
        typeof target === 'string' ? (target.startsWith('CloudTrail_') ? 'cloudtrail' : 'kms') : lambdaPath !== null || lambdaList ? 'lambda' : 'sts';
      sendError(res, svc, e as ApiError);
      return;
    }
    if (typeof target === 'string' && target.startsWith('TrentService.')) {
      service = 'kms';
      op = target.slice('TrentService.'.length);
      params = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Json);
    } else if (typeof target === 'string' && target.startsWith('AWSOrganizationsV20161128.')) {
      service = 'organizations';
      op = target.slice('AWSOrganizationsV20161128.'.length);
      params = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Json);
    } else if (typeof target === 'string' && target.startsWith('CloudTrail_20131101.')) {
      service = 'cloudtrail';
      op = target.slice('CloudTrail_20131101.'.length);
      params = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Json);
    } else if (lambdaPath !== null) {
      service = 'lambda';
      op = 'GetFunctionConfiguration';
      params = { FunctionName: decodeURIComponent(lambdaPath[1]!), ...Object.fromEntries(url.searchParams.entries()) };
    } else if (lambdaList) {
      service = 'lambda';
      op = 'ListFunctions';
      params = Object.fromEntries(url.searchParams.entries());
    } else {
      const form = new URLSearchParams(body.toString('utf8'));
      params = Object.fromEntries(form.entries());
      op = String(params.Action ?? '');
      service = signed.service === 'sts' ? 'sts' : 'iam';
      const version = service === 'sts' ? '2011-06-15' : '2010-05-08';
      if (params.Version !== version) {
        sendError(res, service, new ApiError(400, 'InvalidAction', `Version ${String(params.Version)} is not ${version}`));
        return;
      }
      delete params.Action;
      delete params.Version;
    }
    let caller: Credential;
    try {
      caller = identityOf(signed.accessKeyId);
    } catch (e) {
      sendError(res, service, e as ApiError);
      return;
    }
    const call: ServerCall = {
      service,
      op,
      params,
      accessKeyId: signed.accessKeyId,
      account: caller.GetCallerIdentity.Account,
      at: Date.now() - started,
      round: answeredRound + 1,
    };
    calls.push(call);
    res.on('finish', () => {
      answeredRound = Math.max(answeredRound, call.round);
    });
    if (api.latencyMs > 0) await new Promise((r) => setTimeout(r, api.latencyMs));
    const step = scripted(service, op, nextStep(call), caller, params);
    if (step === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (step === 'reset') {
      req.socket.destroy();
      return;
    }
    if (step === 'empty') {
      respond(res, 200, { 'content-type': service === 'kms' ? 'application/x-amz-json-1.1' : service === 'lambda' ? 'application/json' : 'text/xml' }, '');
      return;
    }
    if (step === 'html') {
      respond(
        res,
        200,
        { 'content-type': 'text/html' },
        '<!DOCTYPE html><html><head><title>Sign in</title></head><body><p>Please sign in to the network.</p></body></html>',
      );
      return;
    }
    if (step === 'malformed') {
      if (service === 'kms' || service === 'lambda' || service === 'cloudtrail')
        respond(res, 200, { 'content-type': 'application/json' }, '{"KeyMetadata": {"Arn": "arn:aws:kms:us-east-1:1111');
      else respond(res, 200, { 'content-type': 'text/xml' }, `<${op}Response xmlns="${service === 'iam' ? IAM_NS : STS_NS}"><${op}Result><Ro`);
      return;
    }
    try {
      if (step instanceof ApiError) throw step;
      const reply = step?.reply;
      if (service === 'kms') {
        respond(res, 200, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify(reply ?? kms(op, params, caller)));
      } else if (service === 'cloudtrail') {
        respond(res, 200, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify(reply ?? cloudtrail(op, params, caller, signed.region)));
      } else if (service === 'organizations') {
        const organizations = (): Json => {
          if (op !== 'DescribeOrganization') throw new ApiError(400, 'UnknownOperationException', `Unknown operation ${op}`);
          const d = accounts.get(caller.GetCallerIdentity.Account)?.Organizations?.DescribeOrganization;
          if (d === undefined) throw new ApiError(400, 'AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
          return d;
        };
        respond(res, 200, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify(reply ?? organizations()));
      } else if (service === 'lambda') {
        const listFunctions = (): Json => {
          const { page, next } = pageOf(op, accounts.get(caller.GetCallerIdentity.Account)?.Lambda?.Functions ?? [], params.Marker, params.MaxItems, 50);
          return next === undefined ? { Functions: page } : { Functions: page, NextMarker: next };
        };
        respond(
          res,
          200,
          { 'content-type': 'application/json' },
          JSON.stringify(reply ?? (op === 'ListFunctions' ? listFunctions() : lambda(String(params.FunctionName), params, caller))),
        );
      } else {
        const stsResult = (): Json => {
          if (op !== 'GetCallerIdentity') throw new ApiError(400, 'InvalidAction', `Could not find operation ${op}`);
          return caller.GetCallerIdentity;
        };
        const result = reply ?? (service === 'sts' ? stsResult() : iam(op, params, caller));
        const ns = service === 'iam' ? IAM_NS : STS_NS;
        const xml = `<${op}Response xmlns="${ns}"><${op}Result>${toXml(result)}</${op}Result><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${op}Response>`;
        respond(res, 200, { 'content-type': 'text/xml' }, xml);
      }
    } catch (e) {
      if (e instanceof ApiError) sendError(res, service, e);
      else sendError(res, service, new ApiError(500, 'InternalFailure', (e as Error).message));
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) respond(res, 500, { 'content-type': 'text/plain' }, String(e));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}
