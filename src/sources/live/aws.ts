// The AWS SDK side of the live path: clients configured as the AWS CLI would be (region, profile,
// endpoint URL, the standard credential chain, AWS_ENDPOINT_URL* variables, adaptive retries, a
// per-request timeout), and one wrapper through which every call goes. The wrapper counts calls,
// keeps at most `concurrency` in flight, and never throws for an AWS answer: a call either returns
// its output or a Failure that the readers turn into an UnknownInput. Only the user's own mistakes
// (no credentials, credentials AWS rejects, an endpoint or region that does not exist) stop the
// whole read, as an InputError.
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { STSClient } from '@aws-sdk/client-sts';
import { InputError } from '../../model/errors.js';
import type { KmsWhyError } from '../../model/errors.js';
import { Limiter } from './limiter.js';
import { BurstAdaptiveRetryStrategy } from './retry.js';

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** One set of credentials (the main one, or the one for the principal's account). */
export interface CredentialSource {
  profile?: string;
  credentials?: StaticCredentials;
  /** Shown in messages: `profile prod`, `the default credential chain`. */
  label: string;
}

export interface ClientSettings {
  endpointUrl?: string;
  timeoutMs: number;
  maxAttempts: number;
  /** Set when HTTPS_PROXY/HTTP_PROXY is (proxy.ts): every client's requests go through them. */
  agents?: { httpAgent: unknown; httpsAgent: unknown };
}

export type FailureKind = 'access-denied' | 'not-found' | 'throttled' | 'timeout' | 'malformed' | 'network' | 'other';

/** Why a call returned no usable answer. */
export interface Failure {
  kind: FailureKind;
  /** The AWS error code (AccessDeniedException, NoSuchEntity …) or the Node error code. */
  code: string;
  message: string;
  attempts?: number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'UnauthorizedException', 'Forbidden']);
const NOT_FOUND = new Set(['NotFoundException', 'NoSuchEntity', 'NoSuchEntityException', 'ResourceNotFoundException', 'NotFound']);
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'LimitExceededException',
  'BandwidthLimitExceeded',
  'ProvisionedThroughputExceededException',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
]);
/** Answers that say the credentials themselves are wrong: the user's to fix, for every call alike. */
const REJECTED_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'ExpiredToken',
  'ExpiredTokenException',
  'AuthFailure',
  'InvalidAccessKeyId',
]);
/** Node error codes that mean no answer came in time. */
const TIMED_OUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);
/** Network errors that no retry will cure: the host does not exist or nothing listens there. */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: unknown;
  cause?: unknown;
}

/** What went wrong, from an error the SDK threw. */
export function classify(e: unknown): Failure {
  const err = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as SdkErrorLike;
  const name = err.name ?? 'Error';
  const message = (err.message ?? '').split('\n')[0]!.slice(0, 300);
  const attempts = err.$metadata?.attempts;
  const base = (kind: FailureKind, code: string): Failure => (attempts === undefined ? { kind, code, message } : { kind, code, message, attempts });
  const nodeCode = err.code ?? (typeof err.cause === 'object' && err.cause !== null ? (err.cause as SdkErrorLike).code : undefined);
  // The SDK's HTTP handler names a connection reset TimeoutError too (code ECONNRESET, "socket
  // hang up"): the answer failed at once, and calling it a timeout would point at --timeout.
  if (nodeCode !== undefined && /^E[A-Z_]+$/.test(nodeCode) && !TIMED_OUT.has(nodeCode)) return base('network', nodeCode);
  if (nodeCode === undefined && /^socket hang up/i.test(message)) return base('network', 'ECONNRESET');
  if (name === 'TimeoutError' || (nodeCode !== undefined && TIMED_OUT.has(nodeCode)) || name === 'RequestTimeout' || name === 'RequestTimeoutException')
    return base('timeout', name);
  if (ACCESS_DENIED.has(name)) return base('access-denied', name);
  if (NOT_FOUND.has(name)) return base('not-found', name);
  if (THROTTLING.has(name)) return base('throttled', name);
  // A service answer we do not know by name: classify it by its status.
  const status = err.$metadata?.httpStatusCode;
  if (status === 403) return base('access-denied', name);
  if (status === 429) return base('throttled', name);
  // The SDK could not read the answer: invalid JSON or XML, or a shape it does not expect.
  if (err.$response !== undefined || name === 'SyntaxError' || /deserializ|unexpected token|not valid json|xml|parse|malformed|unterminated/i.test(message)) {
    if (err.$fault === undefined || (status !== undefined && status < 300)) return base('malformed', name);
  }
  return base('other', name);
}

/** The fatal error a failure stands for, when it is the user's to fix (and the same for every call). */
function fatalFor(e: unknown, f: Failure, creds: CredentialSource, settings: ClientSettings, region: string, service: string): KmsWhyError | undefined {
  const err = (typeof e === 'object' && e !== null ? e : {}) as SdkErrorLike;
  if (
    err.name === 'CredentialsProviderError' ||
    /could not load credentials|credential.*(missing|not found|could not)|Could not resolve credentials/i.test(err.message ?? '')
  ) {
    return new InputError(`no usable AWS credentials (${creds.label}): ${firstLine(err.message)}`, {
      hint:
        creds.profile !== undefined
          ? `Check that profile "${creds.profile}" exists in ~/.aws/config or ~/.aws/credentials, and log in if it uses SSO (aws sso login --profile ${creds.profile}).`
          : 'Configure credentials as for the AWS CLI: --profile NAME, AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, aws sso login, or an instance role.',
    });
  }
  if (REJECTED_CREDENTIALS.has(f.code)) {
    return new InputError(`AWS rejected the credentials of ${creds.label} (${f.code}: ${f.message})`, {
      hint: 'The access key is unknown, its secret is wrong, or temporary credentials have expired: refresh them (aws sso login, a new session) or pick another --profile.',
    });
  }
  if (f.kind === 'network' && UNREACHABLE.has(f.code)) {
    const where = settings.endpointUrl ?? process.env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ?? process.env.AWS_ENDPOINT_URL;
    return new InputError(`cannot reach the AWS ${service.toUpperCase()} endpoint${where !== undefined ? ` ${where}` : ` for region ${region}`} (${f.code})`, {
      hint:
        where !== undefined
          ? 'Check --endpoint-url and the AWS_ENDPOINT_URL* variables: nothing answers there.'
          : `Is "${region}" an AWS region the credentials can use? Give it with --region or AWS_REGION; check the network or proxy settings.`,
    });
  }
  return undefined;
}

function firstLine(text: string | undefined): string {
  return (text ?? 'unknown error').split('\n')[0]!.slice(0, 300);
}

/**
 * Shared by every session: the call count, the pools, progress, and the first fatal error.
 *
 * One pool per AWS service, each of `concurrency` calls: request quotas are per service (KMS's per
 * operation, IAM's and STS's their own), so a burst of IAM reads has no reason to wait for KMS
 * calls, nor the other way round. For a check this is what keeps the critical path at its
 * dependency depth of three round trips (IAM: GetRole and the policy lists; GetRolePolicy and
 * GetPolicy; GetPolicyVersion. KMS: DescribeKey; the key's reads and the first page of grants; the
 * filtered grants) with the 15 policies of a busy role: IAM's second round alone is up to 16 calls.
 */
export class CallContext {
  calls = 0;
  fatal: KmsWhyError | undefined;
  private readonly pools = new Map<string, Limiter>();
  constructor(
    /** Calls in flight at once, per service. */
    readonly concurrency: number,
    readonly settings: ClientSettings,
    readonly progress: ((message: string) => void) | undefined,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }

  /** The pool of the service an operation (`kms:ListGrants`) belongs to. */
  limiter(op: string): Limiter {
    const service = op.slice(0, op.indexOf(':'));
    let l = this.pools.get(service);
    if (l === undefined) {
      l = new Limiter(this.concurrency);
      this.pools.set(service, l);
    }
    return l;
  }

  say(message: string): void {
    this.progress?.(message);
  }
}

type AnyClient = KMSClient | IAMClient | STSClient | LambdaClient;

/** The clients of one credential set. */
export class AwsSession {
  private readonly kmsClients = new Map<string, KMSClient>();
  private readonly lambdaClients = new Map<string, LambdaClient>();
  private iamClient: IAMClient | undefined;
  private stsClient: STSClient | undefined;
  private readonly all: AnyClient[] = [];

  constructor(
    readonly ctx: CallContext,
    readonly creds: CredentialSource,
    /** The region for STS, IAM and keys given without an ARN. */
    readonly region: string,
  ) {}

  /** The configuration every client of this session gets (also for clients made elsewhere, e.g. CloudTrail's). */
  config(region: string): Record<string, unknown> {
    const s = this.ctx.settings;
    const c: Record<string, unknown> = {
      region,
      retryMode: 'adaptive',
      maxAttempts: s.maxAttempts,
      // The SDK's adaptive mode, with a rate limiter fit for a burst (see retry.ts).
      retryStrategy: new BurstAdaptiveRetryStrategy(s.maxAttempts, Math.max(4, this.ctx.concurrency)),
      requestHandler: { requestTimeout: s.timeoutMs, connectionTimeout: s.timeoutMs, throwOnRequestTimeout: true, ...(s.agents ?? {}) },
    };
    if (this.creds.credentials !== undefined) c.credentials = this.creds.credentials;
    else if (this.creds.profile !== undefined) c.profile = this.creds.profile;
    if (s.endpointUrl !== undefined) c.endpoint = s.endpointUrl;
    return c;
  }

  kms(region = this.region): KMSClient {
    let c = this.kmsClients.get(region);
    if (c === undefined) {
      c = new KMSClient(this.config(region));
      keepRawGrants(c);
      this.kmsClients.set(region, c);
      this.all.push(c);
    }
    return c;
  }

  iam(): IAMClient {
    if (this.iamClient === undefined) {
      this.iamClient = new IAMClient(this.config(this.region));
      this.all.push(this.iamClient);
    }
    return this.iamClient;
  }

  sts(): STSClient {
    if (this.stsClient === undefined) {
      this.stsClient = new STSClient(this.config(this.region));
      this.all.push(this.stsClient);
    }
    return this.stsClient;
  }

  lambda(region = this.region): LambdaClient {
    let c = this.lambdaClients.get(region);
    if (c === undefined) {
      c = new LambdaClient(this.config(region));
      this.lambdaClients.set(region, c);
      this.all.push(c);
    }
    return c;
  }

  /**
   * One API call through the pool. `op` is the permission it needs (`kms:ListGrants`); `priority`
   * orders queued calls (see Limiter).
   */
  async call<T>(op: string, send: () => Promise<T>, priority = 0): Promise<Outcome<T>> {
    const ctx = this.ctx;
    if (ctx.fatal !== undefined) return { ok: false, failure: { kind: 'other', code: 'Aborted', message: 'not attempted after an earlier error' } };
    return ctx.limiter(op).run(async (): Promise<Outcome<T>> => {
      if (ctx.fatal !== undefined) return { ok: false, failure: { kind: 'other', code: 'Aborted', message: 'not attempted after an earlier error' } };
      ctx.calls++;
      try {
        return { ok: true, value: await send() };
      } catch (e) {
        const f = classify(e);
        const service = op.slice(0, op.indexOf(':'));
        ctx.fatal ??= fatalFor(e, f, this.creds, ctx.settings, this.region, service);
        return { ok: false, failure: f };
      }
    }, priority);
  }

  destroy(): void {
    for (const c of this.all) c.destroy();
  }
}

/** The region the standard chain would use (AWS_REGION, the profile's region), or undefined. */
export async function defaultRegion(creds: CredentialSource): Promise<string | undefined> {
  const env = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (env !== undefined && env !== '') return env;
  const client = new STSClient(creds.profile !== undefined ? { profile: creds.profile } : {});
  try {
    const r = await client.config.region();
    return typeof r === 'string' && r !== '' ? r : undefined;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function checkRegion(region: string, from: string): string {
  if (!REGION_RE.test(region)) {
    throw new InputError(`"${region}" (${from}) is not an AWS region name`, {
      hint: 'Region names look like us-east-1, eu-west-2 or ap-southeast-4.',
    });
  }
  return region;
}

/** A failure as the reason of an UnknownInput: what happened, on which call. */
export function describeFailure(f: Failure, op: string, settings: ClientSettings): string {
  const tries = f.attempts !== undefined && f.attempts > 1 ? `${f.attempts} attempts` : undefined;
  switch (f.kind) {
    case 'access-denied':
      return `${f.code} on ${op}`;
    case 'not-found':
      return `${f.code} on ${op}${f.message !== '' ? `: ${f.message}` : ''}`;
    case 'throttled':
      return `${op} was throttled (${f.code})${tries !== undefined ? ` on all ${tries}` : ''}`;
    case 'timeout':
      return `${op} timed out (no answer within ${settings.timeoutMs} ms${tries !== undefined ? `, ${tries}` : ''})`;
    case 'malformed':
      return `malformed response to ${op} (${f.code}${f.message !== '' ? `: ${f.message}` : ''})`;
    case 'network':
      return `${op} failed: network error ${f.code}${f.message !== '' ? ` (${f.message})` : ''}${tries !== undefined ? ` on all ${tries}` : ''}`;
    default:
      return `${f.code} on ${op}${f.message !== '' ? `: ${f.message}` : ''}`;
  }
}

/**
 * Each ListGrants entry as AWS wrote it, by the entry the SDK made of it. The SDK keeps only the
 * members its model knows: a grant constraint it does not model (one AWS adds later) would be
 * dropped, and the grant read as broader than it is. The reader checks the entry as written
 * instead, as it checks a grant in a file (parseGrant refuses an unknown constraint).
 */
export const RAW_GRANTS = new WeakMap<object, unknown>();

/** Keeps the body of every successful ListGrants answer for RAW_GRANTS (two middlewares: the body is read before the SDK deserializes it, and filed by entry after). */
function keepRawGrants(client: KMSClient): void {
  type Ctx = { commandName?: string; kmsWhyRawGrants?: unknown[] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const raw = (context as Ctx).kmsWhyRawGrants;
      const grants = (out.output as { Grants?: unknown } | undefined)?.Grants;
      if (raw !== undefined && Array.isArray(grants) && grants.length === raw.length)
        grants.forEach((g, i) => {
          if (typeof g === 'object' && g !== null) RAW_GRANTS.set(g, raw[i]);
        });
      return out;
    },
    { step: 'initialize', name: 'kmsWhyRawGrantsByEntry' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const res = out.response as { statusCode?: number; body?: unknown };
      if ((context as Ctx).commandName !== 'ListGrantsCommand' || res.statusCode !== 200 || res.body === undefined || res.body === null) return out;
      const chunks: Uint8Array[] = [];
      if (res.body instanceof Uint8Array) chunks.push(res.body);
      else for await (const c of res.body as AsyncIterable<Uint8Array | string>) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
      const bytes = Buffer.concat(chunks);
      // The SDK reads the body from here on; a body that is not JSON is its to refuse.
      res.body = new Uint8Array(bytes);
      try {
        const parsed = JSON.parse(bytes.toString('utf8')) as { Grants?: unknown };
        if (Array.isArray(parsed.Grants)) (context as Ctx).kmsWhyRawGrants = parsed.Grants;
      } catch {}
      return out;
    },
    { step: 'deserialize', name: 'kmsWhyRawGrantsBody', priority: 'low' },
  );
}
