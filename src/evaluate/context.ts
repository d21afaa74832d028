// The request context (docs/semantics.md#request-context): which condition keys a KMS request carries
// and their values. Keys are stored lower-cased because condition key names are case-insensitive
// [IAM-COND]; for kms:EncryptionContext:<k> that includes the context key part [KMS-COND].
import type { ActionInfo } from '../model/actions.js';
import { InternalError } from '../model/errors.js';
import type { Grant, GrantConstraints } from '../model/grant.js';
import type { DefaultedKeyField, Key } from '../model/key.js';
import type { AssumptionId } from '../model/decision.js';
import type { PrincipalRef } from '../model/principal.js';
import type { ContextValue, Request } from '../model/request.js';
import type { UnknownInput } from '../model/unknown.js';

export interface RequestContext {
  /** This request's own keys; looked up before `base`. */
  values: Map<string, string[]>;
  /** Keys shared by every action of the same caller and key (see buildBaseContext). */
  base?: Map<string, string[]>;
  /** Keys shared by every caller of the same kind and account on the same key (see buildBaseContext); looked up last. */
  shared?: Map<string, string[]>;
  /** Keys whose values are lists (set operators apply to them naturally). */
  multiValued: Set<string>;
  /** Lower-cased key prefixes whose values could not be read (e.g. `aws:principaltag/`). */
  unknownPrefixes: string[];
  /** The action's requests carry no encryption context (GenerateMac, Sign, DescribeKey …): its name, for a near miss on kms:EncryptionContext. */
  noEncryptionContext?: string;
  /**
   * Keys a real request carries (or may carry) whose value kms-why cannot derive and the user did
   * not give (aws:SourceIp, aws:CurrentTime without --at, a required request parameter…). A
   * condition on one of them can go either way, so the verdicts it can change are `unknown`.
   */
  underivable: UnderivableKey[];
  /** Keys the request says it does not carry (lower-case), whatever kms-why would derive. */
  absent?: Set<string>;
  /** For unknown prefixes whose input matters only through them (aliases): that input. */
  prefixInputs?: Map<string, UnknownInput>;
  /**
   * Keys (lower-case) whose value is the default KMS gives a request parameter the request does
   * not name (requestParameterDefaults): a condition that reads one relies on that assumption.
   */
  defaulted?: Set<string>;
  /**
   * Keys (lower-case) whose value rests on an assumption (its id, model/decision.ts): a condition
   * that reads one relies on it (keyAssumption). Among them, those whose value comes from a member
   * of the key's metadata the snapshot file left out (KeyMetadata.defaulted). EC_KEYS_PREFIX stands for every
   * kms:EncryptionContext key; null: a key the user gave, which rests on none.
   */
  assumedKeys?: Map<string, AssumptionId | null>;
}

/** The entry of RequestContext.assumedKeys that stands for every kms:EncryptionContext key (kms:EncryptionContextKeys too). */
export const EC_KEYS_PREFIX = 'kms:encryptioncontext';

/** A condition that reads `lowerKey` relies on assumption `id`. */
function assumeOnRead(ctx: RequestContext, lowerKey: string, id: AssumptionId): void {
  (ctx.assumedKeys ??= new Map()).set(lowerKey, id);
}

/** The assumption a condition on `lowerKey` relies on, if its value rests on one. */
export function keyAssumption(ctx: RequestContext, lowerKey: string): AssumptionId | undefined {
  const m = ctx.assumedKeys;
  if (m === undefined) return undefined;
  const own = m.get(lowerKey);
  if (own !== undefined) return own ?? undefined;
  return lowerKey.startsWith(EC_KEYS_PREFIX) ? (m.get(EC_KEYS_PREFIX) ?? undefined) : undefined;
}

export interface UnderivableKey {
  /** Lower-case key, or a prefix ending in `/` or `:`. */
  key: string;
  prefix: boolean;
  /** The key as people write it, e.g. `aws:SourceIp`. */
  name: string;
  /** How to supply it, e.g. `--condition aws:SourceIp=203.0.113.7`. */
  supply: string;
}

/** What is unknown about one condition key: its name and how to supply it (none when an input was unreadable). */
export interface UnknownKeyInfo {
  name: string;
  supply?: string;
  /** The unreadable input the value comes from, when it is consulted only through this key. */
  input?: UnknownInput;
}

export interface ContextInput {
  action: ActionInfo;
  request: Request;
  caller: PrincipalRef;
  callerAccount: string | undefined;
  /** aws:PrincipalArn: the role ARN (with its path when known) for sessions. */
  principalArn: string | undefined;
  /**
   * A session whose role the snapshot does not hold: its role's path, so aws:PrincipalArn, is not
   * known (a session ARN leaves the path out), and this is the input it would come from.
   */
  principalArnUnknown?: UnknownInput;
  principalTags: Record<string, string> | 'unknown';
  /**
   * Nothing said what the caller's tags are (PrincipalPolicies.tagsAbsent): `principalTags` is
   * then empty, and aws:PrincipalTag/… is unknown where a condition reads it.
   */
  principalTagsAbsent?: UnknownInput;
  key: Key | undefined;
  /** For RetireGrant: the grant being retired (its constraint feeds the EC keys). */
  targetGrant?: Grant;
  /** The role's or user's unique id (AROA…, AIDA…) when the snapshot has it (aws:userid). */
  principalId?: string | undefined;
  /** The organization id of an account, when the snapshot says it is a member and names the organization. */
  orgIdOf?: (account: string) => string | undefined;
}

/**
 * Global keys every real request carries (or may carry, depending on how it is sent) that
 * kms-why cannot derive from a snapshot [IAM-GLOBAL]: unknown unless given with --condition.
 */
const ALWAYS_UNDERIVABLE: Array<[string, string]> = [
  ['aws:SourceIp', '203.0.113.7'],
  ['aws:SourceVpc', 'vpc-…'],
  ['aws:SourceVpce', 'vpce-…'],
  ['aws:VpcSourceIp', '10.0.0.7'],
  ['aws:UserAgent', '…'],
  ['aws:Referer', '…'],
  ['aws:SourceIdentity', '…'],
  ['aws:PrincipalOrgPaths', 'o-…/r-…/ou-…/'],
  ['aws:MultiFactorAuthPresent', 'true'],
  ['aws:MultiFactorAuthAge', '300'],
  ['aws:TokenIssueTime', '2026-01-01T00:00:00Z'],
];
/** Present only for role sessions (how the credentials were obtained). */
const SESSION_UNDERIVABLE: Array<[string, string]> = [
  ['aws:FederatedProvider', '…'],
  ['aws:Ec2InstanceSourceVpc', 'vpc-…'],
  ['aws:Ec2InstanceSourcePrivateIPv4', '10.0.0.7'],
];
/** Present when a service sends the request (on the principal's behalf or for a resource). */
const VIA_SERVICE_UNDERIVABLE: Array<[string, string]> = [
  ['aws:SourceArn', 'arn:…'],
  ['aws:SourceAccount', '111122223333'],
  ['aws:SourceOrgID', 'o-…'],
  ['aws:SourceOrgPaths', 'o-…/r-…/'],
  ['aws:CalledVia', 'cloudformation.amazonaws.com'],
  ['aws:CalledViaFirst', 'cloudformation.amazonaws.com'],
  ['aws:CalledViaLast', 'cloudformation.amazonaws.com'],
];

/**
 * Request parameters an API call always carries (required, no default), by action: a request
 * that does not give them leaves the keys unknown rather than absent [API Reference].
 */
const REQUIRED_PARAMETER_KEYS: Record<string, Array<[string, string]>> = {
  Sign: [
    ['kms:SigningAlgorithm', 'ECDSA_SHA_256'],
    ['kms:MessageType', 'RAW'],
  ],
  Verify: [
    ['kms:SigningAlgorithm', 'ECDSA_SHA_256'],
    ['kms:MessageType', 'RAW'],
  ],
  GenerateMac: [['kms:MacAlgorithm', 'HMAC_SHA_256']],
  VerifyMac: [['kms:MacAlgorithm', 'HMAC_SHA_256']],
  DeriveSharedSecret: [['kms:KeyAgreementAlgorithm', 'ECDH']],
  GenerateDataKeyPair: [['kms:DataKeyPairSpec', 'RSA_2048']],
  GenerateDataKeyPairWithoutPlaintext: [['kms:DataKeyPairSpec', 'RSA_2048']],
  ReEncryptFrom: [['kms:ReEncryptOnSameKey', 'false']],
  ReEncryptTo: [['kms:ReEncryptOnSameKey', 'false']],
  GetParametersForImport: [
    ['kms:WrappingAlgorithm', 'RSAES_OAEP_SHA_256'],
    ['kms:WrappingKeySpec', 'RSA_4096'],
  ],
  ReplicateKey: [['kms:ReplicaRegion', 'us-west-2']],
  UpdatePrimaryRegion: [['kms:PrimaryRegion', 'us-west-2']],
};

/**
 * Keys KMS fills itself for an action, from what it knows of the key, that no snapshot holds: a
 * request carries them whatever it names [Service Authorization Reference: DisableKey,
 * ScheduleKeyDeletion]. kms:TrailingDaysWithoutKeyUsage is the number of days since the key's last
 * cryptographic use (API GetKeyLastUsage), so a condition on it is unknown unless --condition gives it.
 */
const KMS_FILLED_KEYS: Record<string, Array<[string, string]>> = {
  DisableKey: [['kms:TrailingDaysWithoutKeyUsage', '90']],
  ScheduleKeyDeletion: [['kms:TrailingDaysWithoutKeyUsage', '90']],
};

/**
 * Optional request parameters with a default, by action: a request that does not name one has
 * its key set to the default ("This type of condition works even when the parameter doesn't
 * appear in the request, such as when you use the parameter's default value" [KMS-COND]). The
 * defaults are those of the API Reference: RotationPeriodInDays 365 (EnableKeyRotation),
 * PendingWindowInDays 30 (ScheduleKeyDeletion), BypassPolicyLockoutSafetyCheck false (PutKeyPolicy,
 * CreateKey), ExpirationModel KEY_MATERIAL_EXPIRES (ImportKeyMaterial), KeySpec SYMMETRIC_DEFAULT,
 * Origin AWS_KMS and MultiRegion false (CreateKey). Whether the request names another value is
 * not known: kms-why assumes it does not (requestParameterDefaults), and --condition says otherwise.
 * CreateKey's KeyUsage and ImportKeyMaterial's ValidTo depend on other parameters (requestDefaults).
 */
const PARAMETER_DEFAULTS: Record<string, Array<[string, string]>> = {
  EnableKeyRotation: [['kms:rotationperiodindays', '365']],
  ScheduleKeyDeletion: [['kms:schedulekeydeletionpendingwindowindays', '30']],
  PutKeyPolicy: [['kms:bypasspolicylockoutsafetycheck', 'false']],
  ImportKeyMaterial: [['kms:expirationmodel', 'KEY_MATERIAL_EXPIRES']],
  CreateKey: [
    ['kms:keyorigin', 'AWS_KMS'],
    ['kms:multiregion', 'false'],
    ['kms:bypasspolicylockoutsafetycheck', 'false'],
  ],
};

/**
 * The condition keys an action's requests always carry whose value comes from the request (or
 * KMS) rather than from the caller or the key: required parameters, parameters with a default and
 * keys KMS fills (none: empty), lower case.
 */
export function requiredParameterKeys(short: string): readonly string[] {
  return [
    ...(U_REQUIRED[short] ?? NO_REQUIRED).map((u) => u.key),
    ...(PARAMETER_DEFAULTS[short] ?? []).map(([k]) => k),
    ...(short === 'CreateKey' ? ['kms:keyspec', 'kms:customermasterkeyspec', 'kms:keyusage', 'kms:customermasterkeyusage'] : []),
    ...(short === 'ImportKeyMaterial' ? ['kms:validto'] : []),
  ];
}

function underivable(name: string, example: string, flag = '--condition'): UnderivableKey {
  const lower = name.toLowerCase();
  const prefix = lower.endsWith('/') || lower.endsWith(':');
  return { key: lower, prefix, name, supply: flag === '--condition' ? `--condition ${name}=${example}` : `${flag} ${example}` };
}

// The underivable keys every context of a kind lists, built once: a context is built for every
// caller and key, and these never change (nothing writes to an UnderivableKey).
const U_ALWAYS: readonly UnderivableKey[] = ALWAYS_UNDERIVABLE.map(([n, ex]) => underivable(n, ex));
const U_SESSION: readonly UnderivableKey[] = SESSION_UNDERIVABLE.map(([n, ex]) => underivable(n, ex));
const U_VIA_SERVICE: readonly UnderivableKey[] = VIA_SERVICE_UNDERIVABLE.map(([n, ex]) => underivable(n, ex));
const U_USERID_USER = underivable('aws:userid', 'AIDA…');
const U_USERID_ROLE = underivable('aws:userid', 'AROA…:SESSION');
const U_PRINCIPAL_ORG_ID = underivable('aws:PrincipalOrgID', 'o-…');
const U_TIME: readonly UnderivableKey[] = [
  underivable('aws:CurrentTime', '2026-01-01T00:00:00Z', '--at'),
  underivable('aws:EpochTime', '2026-01-01T00:00:00Z', '--at'),
];
const U_RESOURCE_ORG_ID = underivable('aws:ResourceOrgID', 'o-…');
const U_RESOURCE_ORG_PATHS = underivable('aws:ResourceOrgPaths', 'o-…/r-…/ou-…/');
const U_REQUESTED_REGION = underivable('aws:RequestedRegion', 'us-east-1');
const U_ENCRYPTION_ALGORITHM = underivable('kms:EncryptionAlgorithm', 'RSAES_OAEP_SHA_256', '--encryption-algorithm');
/** By action, the underivable keys its requests always carry: its required parameters', and those KMS fills. */
const U_REQUIRED: Record<string, readonly UnderivableKey[]> = {};
for (const table of [REQUIRED_PARAMETER_KEYS, KMS_FILLED_KEYS])
  for (const [a, keys] of Object.entries(table)) U_REQUIRED[a] = [...(U_REQUIRED[a] ?? []), ...keys.map(([n, ex]) => underivable(n, ex))];
const U_KEY_USAGE = underivable('kms:KeyUsage', 'SIGN_VERIFY');
const U_MULTI_REGION_KEY_TYPE = underivable('kms:MultiRegionKeyType', 'PRIMARY');
const U_VALID_TO = underivable('kms:ValidTo', '2027-01-01T00:00:00Z');
/** The kms:CreateKey a ReplicateKey needs: the replica's properties, which AWS does not say the request carries. */
const U_REPLICA_CREATE_KEY: readonly UnderivableKey[] = [
  underivable('kms:KeySpec', 'SYMMETRIC_DEFAULT'),
  underivable('kms:CustomerMasterKeySpec', 'SYMMETRIC_DEFAULT'),
  underivable('kms:KeyUsage', 'ENCRYPT_DECRYPT'),
  underivable('kms:CustomerMasterKeyUsage', 'ENCRYPT_DECRYPT'),
  underivable('kms:KeyOrigin', 'AWS_KMS'),
  underivable('kms:MultiRegion', 'true'),
  U_MULTI_REGION_KEY_TYPE,
  underivable('kms:BypassPolicyLockoutSafetyCheck', 'false'),
];
const U_CREATE_GRANT_ANY: readonly UnderivableKey[] = [
  underivable('kms:GrantOperations', 'Decrypt', '--grant-operations'),
  underivable('kms:GranteePrincipal', 'arn:aws:iam::111122223333:role/worker', '--grantee'),
  underivable('kms:RetiringPrincipal', 'arn:aws:iam::111122223333:role/admin', '--retiring-principal'),
  underivable('kms:GranteeServicePrincipal', 'logs.us-east-1.amazonaws.com', '--grantee'),
  underivable('kms:RetiringServicePrincipal', 'logs.us-east-1.amazonaws.com', '--retiring-principal'),
  underivable('kms:GrantConstraintType', 'k=v', '--grant-constraint-equals'),
  underivable('kms:EncryptionContext:', 'k=v', '--grant-constraint-equals'),
  underivable('kms:EncryptionContextKeys', 'k=v', '--grant-constraint-equals'),
];
const U_GRANT_OPERATIONS = U_CREATE_GRANT_ANY[0]!;
const U_GRANTEE = U_CREATE_GRANT_ANY[1]!;
const U_GRANTEE_SERVICE = U_CREATE_GRANT_ANY[3]!;
/** A request a service sent on the principal's behalf, without saying which service (Request.viaServiceUnknown). */
const U_VIA_SERVICE_KEY = underivable('kms:ViaService', 'SERVICE.REGION.amazonaws.com', '--via-service');
/** A request whose encryption context is not known (Request.encryptionContextUnknown). */
const U_EC_UNKNOWN: readonly UnderivableKey[] = [
  underivable('kms:EncryptionContext:', 'KEY=VALUE', '--context'),
  underivable('kms:EncryptionContextKeys', 'KEY=VALUE', '--context'),
];
const U_RETIRE_EC: readonly UnderivableKey[] = [underivable('kms:EncryptionContext:', 'VALUE'), underivable('kms:EncryptionContextKeys', 'KEY')];
const NO_REQUIRED: readonly UnderivableKey[] = [];

/** Strict ISO 8601 for --at and snapshot times: the epoch milliseconds, or null. */
export function requestTime(at: string | undefined): number | null {
  if (at === undefined) return null;
  const t = Date.parse(at);
  return Number.isNaN(t) ? null : t;
}

const MULTI = ['kms:encryptioncontextkeys', 'kms:resourcealiases', 'kms:grantoperations', 'aws:calledvia', 'aws:tagkeys'];
/** Shared by every context; buildContext copies it before adding to it. */
const MULTI_SET: Set<string> = new Set(MULTI);

function setKeyProperties(ctx: { values: Map<string, string[]> }, key: Key): void {
  const m = key.metadata;
  set(ctx, 'kms:keyspec', m.keySpec);
  set(ctx, 'kms:customermasterkeyspec', m.keySpec);
  set(ctx, 'kms:keyusage', m.keyUsage);
  set(ctx, 'kms:customermasterkeyusage', m.keyUsage);
  set(ctx, 'kms:keyorigin', m.origin);
  set(ctx, 'kms:multiregion', m.multiRegion ? 'true' : 'false');
  if (m.multiRegion && m.multiRegionKeyType) set(ctx, 'kms:multiregionkeytype', m.multiRegionKeyType);
}

/** `key` is already lower-case. */
function set(ctx: { values: Map<string, string[]> }, key: string, value: string | string[] | undefined): void {
  if (value === undefined) return;
  valuesOf(ctx).set(key, Array.isArray(value) ? value : [value]);
}

/**
 * A request's own keys before it has any: one shared empty map (most requests add none to their
 * base), replaced by a map of the request's own on the first write (valuesOf). Writing to it is a
 * bug of ours, which would give every request the key: it throws instead.
 */
class NoValues extends Map<string, string[]> {
  override set(key: string, _value: string[]): this {
    throw new InternalError(`NO_VALUES.set(${key})`);
  }
}
const NO_VALUES: Map<string, string[]> = new NoValues();

/** The request's own keys, to write to. */
function valuesOf(ctx: { values: Map<string, string[]> }): Map<string, string[]> {
  if (ctx.values === NO_VALUES) ctx.values = new Map();
  return ctx.values;
}

/** Encryption-context pairs as condition keys: kms:EncryptionContext:<k> and kms:EncryptionContextKeys. */
/** Whether requests to the key can carry an encryption context (unknown metadata: as given). */
export function takesContext(key: Key | undefined): boolean {
  return key === undefined || key.metadataUnknown !== undefined || key.metadata.keySpec === 'SYMMETRIC_DEFAULT';
}

function setEncryptionContext(ctx: RequestContext, ec: Record<string, string> | undefined): void {
  if (ec === undefined) return;
  const keys = Object.keys(ec);
  if (keys.length === 0) return;
  for (const k of keys) {
    const lk = `kms:encryptioncontext:${k.toLowerCase()}`;
    const prev = ctx.values.get(lk) ?? ctx.base?.get(lk) ?? ctx.shared?.get(lk);
    valuesOf(ctx).set(lk, prev ? [...prev, ec[k]!] : [ec[k]!]);
  }
  valuesOf(ctx).set('kms:encryptioncontextkeys', keys);
}

function constraintContext(c: GrantConstraints | undefined): Record<string, string> | undefined {
  if (c === undefined) return undefined;
  return c.encryptionContextEquals ?? c.encryptionContextSubset;
}

function constraintType(c: GrantConstraints | undefined): string[] | undefined {
  if (c === undefined) return undefined;
  const t: string[] = [];
  if (c.encryptionContextEquals && Object.keys(c.encryptionContextEquals).length > 0) t.push('EncryptionContextEquals');
  if (c.encryptionContextSubset && Object.keys(c.encryptionContextSubset).length > 0) t.push('EncryptionContextSubset');
  return t.length > 0 ? t : undefined;
}

function toStrings(v: ContextValue): string[] {
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

export function principalType(p: PrincipalRef): string | undefined {
  switch (p.kind) {
    case 'user':
      return 'User';
    case 'assumed-role':
    case 'role':
      return 'AssumedRole';
    case 'root':
      return 'Account';
    case 'federated-user':
      return 'FederatedUser';
    case 'service':
    case 'unique-id':
      return undefined;
  }
}

/** The part of a base context shared by every caller of one kind and account on one key (buildBaseContext). */
export interface SharedContext {
  key: Key | undefined;
  values: Map<string, string[]>;
  unknownPrefixes: string[];
  underivable: UnderivableKey[];
  prefixInputs?: Map<string, UnknownInput>;
}

/**
 * The part of the context that depends only on the caller and the key (cacheable across actions).
 * Without `withSession`, the keys that name a role session (sessionKeys) are left out, so that the
 * context can be shared by every session of the role. `cache`: the evaluator's SharedContexts.
 */
export function buildBaseContext(
  input: Omit<ContextInput, 'action' | 'targetGrant'>,
  keyOp: boolean,
  withSession = true,
  cache?: SharedContexts,
): RequestContext {
  const shared = cache !== undefined ? cache.shared(input, keyOp) : sharedContext(input, keyOp);
  const ctx: RequestContext = {
    values: cache !== undefined ? cache.own(input, withSession) : ownValues(input, withSession),
    shared: shared.values,
    multiValued: MULTI_SET,
    unknownPrefixes: shared.unknownPrefixes,
    underivable: shared.underivable,
  };
  if (shared.prefixInputs !== undefined) ctx.prefixInputs = shared.prefixInputs;
  const arnUnknown = input.principalArnUnknown;
  if (arnUnknown !== undefined) {
    ctx.unknownPrefixes = [...shared.unknownPrefixes, 'aws:principalarn'];
    ctx.prefixInputs = new Map(shared.prefixInputs ?? []).set('aws:principalarn', arnUnknown);
  }
  // The caller's tags were not given: its aws:PrincipalTag/… keys are unknown, not absent (the
  // shared part serves callers with tags too, so the prefix is this caller's own).
  const tagsAbsent = input.principalTags === 'unknown' ? undefined : input.principalTagsAbsent;
  if (tagsAbsent !== undefined) {
    ctx.unknownPrefixes = [...ctx.unknownPrefixes, 'aws:principaltag/'];
    ctx.prefixInputs = new Map(ctx.prefixInputs ?? []).set('aws:principaltag/', tagsAbsent);
  }
  return ctx;
}

/** The caller's own keys of a base context: its ARN, name, session, user id and tags. */
function ownValues(input: Omit<ContextInput, 'action' | 'targetGrant'>, withSession: boolean): Map<string, string[]> {
  const { caller } = input;
  const ctx = { values: new Map<string, string[]>() };
  if (caller.kind === 'service') {
    set(ctx, 'aws:principalservicename', caller.name);
  } else {
    set(ctx, 'aws:principalarn', input.principalArn);
    if (caller.kind === 'user') set(ctx, 'aws:username', caller.name);
    if (withSession) for (const [k, v] of sessionKeys(input)) ctx.values.set(k, v);
    const userid = userIdOf(input);
    if (userid !== undefined && userid !== '') set(ctx, 'aws:userid', userid);
  }
  if (input.principalTags !== 'unknown') {
    for (const [k, v] of Object.entries(input.principalTags)) set(ctx, `aws:principaltag/${k.toLowerCase()}`, v);
  }
  return ctx.values;
}

/**
 * An evaluator's base-context parts, kept across requests: the part shared by callers of one kind
 * and account on one key (by a key text, with the last one found kept beside it, since callers
 * come one after another on one key), and each caller's own keys (by its caller object, for every
 * key: a report over many keys asks each caller again on each). Both are read-only once made:
 * request contexts read them as their `shared` and `base` (buildContext), never write to them.
 */
export class SharedContexts {
  private readonly byText = new Map<string, SharedContext>();
  private last:
    | {
        kind: string;
        callerAccount: string | undefined;
        hasId: boolean;
        tagsUnknown: boolean;
        key: Key | undefined;
        viaService: string | undefined;
        at: string | undefined;
        keyOp: boolean;
        shared: SharedContext;
      }
    | undefined;
  private readonly owned = new WeakMap<
    PrincipalRef,
    {
      principalArn: string | undefined;
      principalId: string | undefined;
      tags: ContextInput['principalTags'];
      withSession: boolean;
      values: Map<string, string[]>;
    }
  >();

  shared(input: Omit<ContextInput, 'action' | 'targetGrant'>, keyOp: boolean): SharedContext {
    const { request, caller, key } = input;
    const hasId = input.principalId !== undefined;
    const tagsUnknown = input.principalTags === 'unknown';
    const l = this.last;
    if (
      l !== undefined &&
      l.key === key &&
      l.kind === caller.kind &&
      l.callerAccount === input.callerAccount &&
      l.hasId === hasId &&
      l.tagsUnknown === tagsUnknown &&
      l.viaService === request.viaService &&
      l.at === request.at &&
      l.keyOp === keyOp
    )
      return l.shared;
    const k = `${caller.kind}|${input.callerAccount ?? ''}|${hasId}|${tagsUnknown}|${key?.metadata.arn ?? ''}|${request.viaService ?? ''}|${request.at ?? ''}|${keyOp}`;
    let shared = this.byText.get(k);
    if (shared === undefined || shared.key !== key) {
      shared = sharedContext(input, keyOp);
      if (this.byText.size >= 4096) this.byText.clear();
      this.byText.set(k, shared);
    }
    this.last = {
      kind: caller.kind,
      callerAccount: input.callerAccount,
      hasId,
      tagsUnknown,
      key,
      viaService: request.viaService,
      at: request.at,
      keyOp,
      shared,
    };
    return shared;
  }

  own(input: Omit<ContextInput, 'action' | 'targetGrant'>, withSession: boolean): Map<string, string[]> {
    const hit = this.owned.get(input.caller);
    if (
      hit !== undefined &&
      hit.principalArn === input.principalArn &&
      hit.principalId === input.principalId &&
      hit.tags === input.principalTags &&
      hit.withSession === withSession
    )
      return hit.values;
    const values = ownValues(input, withSession);
    this.owned.set(input.caller, { principalArn: input.principalArn, principalId: input.principalId, tags: input.principalTags, withSession, values });
    return values;
  }
}

/**
 * aws:userid: AROA…:session for a role session, AIDA… for a user, the account id for the root
 * user, account:name for a federated user [IAM-GLOBAL, policy variables table]; '' for a role
 * session whose role id is known (a session key, sessionKeys); undefined when not derivable.
 */
function userIdOf(input: Pick<ContextInput, 'caller' | 'principalId'>): string | undefined {
  const { caller } = input;
  return caller.kind === 'root'
    ? caller.account
    : caller.kind === 'federated-user'
      ? `${caller.account}:${caller.name}`
      : input.principalId === undefined
        ? undefined
        : caller.kind === 'assumed-role'
          ? ''
          : caller.kind === 'user'
            ? input.principalId
            : undefined;
}

/** The keys of a base context that are not the caller's own (buildBaseContext). */
function sharedContext(input: Omit<ContextInput, 'action' | 'targetGrant'>, keyOp: boolean): SharedContext {
  const { request, caller, key } = input;
  const ctx: SharedContext & { multiValued: Set<string> } = { key, values: new Map(), multiValued: MULTI_SET, unknownPrefixes: [], underivable: [] };
  const isService = caller.kind === 'service';
  // Global keys [IAM-GLOBAL]. A service principal has no account or principal ARN of its own (docs/semantics.md#service-principal-account).
  if (isService) {
    set(ctx, 'aws:principalisawsservice', 'true');
  } else {
    set(ctx, 'aws:principalisawsservice', 'false');
    set(ctx, 'aws:principalaccount', input.callerAccount);
    set(ctx, 'aws:principaltype', principalType(caller));
    if (userIdOf(input) === undefined) ctx.underivable.push(caller.kind === 'user' ? U_USERID_USER : U_USERID_ROLE);
    const org = input.callerAccount !== undefined ? input.orgIdOf?.(input.callerAccount) : undefined;
    if (org !== undefined) set(ctx, 'aws:principalorgid', org);
    else ctx.underivable.push(U_PRINCIPAL_ORG_ID);
    for (const u of U_ALWAYS) ctx.underivable.push(u);
    if (caller.kind === 'assumed-role' || caller.kind === 'role') for (const u of U_SESSION) ctx.underivable.push(u);
  }
  if (isService || request.viaService !== undefined) for (const u of U_VIA_SERVICE) ctx.underivable.push(u);
  const at = requestTime(request.at);
  if (at !== null) {
    set(ctx, 'aws:currenttime', new Date(at).toISOString());
    set(ctx, 'aws:epochtime', String(Math.floor(at / 1000)));
  } else {
    ctx.underivable.push(U_TIME[0]!, U_TIME[1]!);
  }
  set(ctx, 'aws:viaawsservice', request.viaService ? 'true' : 'false');
  // KMS accepts requests over TLS only, so every request is secure transport.
  set(ctx, 'aws:securetransport', 'true');
  if (input.principalTags === 'unknown') ctx.unknownPrefixes.push('aws:principaltag/');
  if (key !== undefined && keyOp) {
    const m = key.metadata;
    set(ctx, 'aws:resourceaccount', m.account);
    set(ctx, 'aws:requestedregion', m.region);
    const resourceOrg = input.orgIdOf?.(m.account);
    if (resourceOrg !== undefined) set(ctx, 'aws:resourceorgid', resourceOrg);
    else ctx.underivable.push(U_RESOURCE_ORG_ID);
    ctx.underivable.push(U_RESOURCE_ORG_PATHS);
    if (!isService && input.callerAccount) set(ctx, 'kms:calleraccount', input.callerAccount);
    // Key-resource keys exist only for KMS-key resource operations [KMS-COND, SAR].
    if (key.metadataUnknown !== undefined) {
      ctx.unknownPrefixes.push('kms:keyspec', 'kms:keyusage', 'kms:keyorigin', 'kms:multiregion', 'kms:customermasterkey');
    } else {
      setKeyProperties(ctx, key);
    }
    if (key.aliasesUnknown !== undefined) {
      ctx.unknownPrefixes.push('kms:resourcealiases');
      (ctx.prefixInputs ??= new Map()).set('kms:resourcealiases', key.aliasesUnknown);
    } else if (key.aliases.length > 0) set(ctx, 'kms:resourcealiases', key.aliases);

    if (key.tagsUnknown !== undefined) ctx.unknownPrefixes.push('aws:resourcetag/');
    else if (key.tagsAbsent !== undefined) {
      ctx.unknownPrefixes.push('aws:resourcetag/');
      (ctx.prefixInputs ??= new Map()).set('aws:resourcetag/', key.tagsAbsent);
    }
    for (const [k, v] of Object.entries(key.tags)) set(ctx, `aws:resourcetag/${k.toLowerCase()}`, v);
    if (request.viaService) set(ctx, 'kms:viaservice', request.viaService);
  } else if (!keyOp) {
    // IAM-only actions name no key, so the Region is the one the request is sent to.
    ctx.underivable.push(U_REQUESTED_REGION);
  }

  return ctx;
}

/**
 * The keys that name one session of a role (aws:RoleSessionName, and aws:userid when the role's
 * unique id is known): what a context built without them (buildBaseContext) lacks for a session.
 */
export function sessionKeys(input: Pick<ContextInput, 'caller' | 'principalId'>): Array<[string, string[]]> {
  const { caller } = input;
  if (caller.kind !== 'assumed-role') return [];
  const out: Array<[string, string[]]> = [['aws:rolesessionname', [caller.sessionName]]];
  if (input.principalId !== undefined) out.push(['aws:userid', [`${input.principalId}:${caller.sessionName}`]]);
  return out;
}

export function isKeyOp(action: ActionInfo): boolean {
  return action.cls === 'key' || action.cls === 'alias' || action.cls === 'retire-grant';
}

/**
 * The full context: a copy of the base plus what the action and its parameters add. `session`:
 * the session keys a base built without them lacks (buildBaseContext, sessionKeys).
 */
export function buildContext(input: ContextInput, base?: RequestContext, session?: ReadonlyArray<[string, string[]]>): RequestContext {
  const { action, request, caller, key } = input;
  const b = base ?? buildBaseContext(input, isKeyOp(action));
  const ctx: RequestContext = { values: NO_VALUES, base: b.values, multiValued: b.multiValued, unknownPrefixes: b.unknownPrefixes, underivable: b.underivable };
  if (b.shared !== undefined) ctx.shared = b.shared;
  if (b.prefixInputs !== undefined) ctx.prefixInputs = b.prefixInputs;
  if (session !== undefined) for (const [k, v] of session) valuesOf(ctx).set(k, v);
  let more: UnderivableKey[] | undefined;
  const add = (u: UnderivableKey): void => {
    (more ??= []).push(u);
  };
  const isService = caller.kind === 'service';
  if (action.cls === 'iam-only' && /CustomKeyStore/.test(action.short) && !isService && input.callerAccount) {
    set(ctx, 'kms:calleraccount', input.callerAccount);
  }
  // Only symmetric encryption keys take an encryption context: on an asymmetric or HMAC key no
  // request carries one, so no condition on it can hold [API Encrypt, EncryptionContext; KMS-COND].
  if (action.takesEncryptionContext) {
    setEncryptionContext(ctx, takesContext(key) ? request.encryptionContext : undefined);
    // UNDOCUMENTED which of ReEncrypt's two contexts each permission reads: kms-why gives
    // ReEncryptFrom the source context and ReEncryptTo the destination one (docs/semantics.md#re-encrypt-context).
    if ((action.short === 'ReEncryptFrom' || action.short === 'ReEncryptTo') && takesContext(key)) assumeOnRead(ctx, EC_KEYS_PREFIX, 'reEncryptContext');
    // A context that is not known (an error message never carries it): the keys are unknown, not absent.
    if (request.encryptionContextUnknown === true && takesContext(key) && Object.keys(request.encryptionContext ?? {}).length === 0)
      for (const u of U_EC_UNKNOWN) add(u);
  }
  // CreateGrant's encryption-context keys describe the grant's constraints, RetireGrant's are unknown: both have their own reading.
  else if (action.short !== 'CreateGrant' && action.short !== 'RetireGrant') ctx.noEncryptionContext = action.name;
  if (action.encryptionAlgorithm) {
    // A defaulted request parameter still sets its key (docs/semantics.md#request-context).
    // Asymmetric keys have no default: the request must name the algorithm, so an unnamed one is unknown.
    const alg = request.encryptionAlgorithm ?? (key === undefined || key.metadata.keySpec === 'SYMMETRIC_DEFAULT' ? 'SYMMETRIC_DEFAULT' : undefined);
    if (alg !== undefined) set(ctx, 'kms:encryptionalgorithm', alg);
    else if (key?.metadataUnknown === undefined) add(U_ENCRYPTION_ALGORITHM);
  }
  for (const u of U_REQUIRED[action.short] ?? NO_REQUIRED) add(u);
  if (request.viaServiceUnknown === true && request.viaService === undefined) {
    // A service sent the request, but which one is not known: the keys a service's request carries
    // are present with values kms-why cannot derive (docs/semantics.md#via-service).
    set(ctx, 'aws:viaawsservice', 'true');
    if (!isService) for (const u of U_VIA_SERVICE) add(u);
    if (key !== undefined && isKeyOp(action)) add(U_VIA_SERVICE_KEY);
  }
  if (action.requestAlias && request.keyIdentifier) {
    const id = request.keyIdentifier;
    const alias = id.startsWith('alias/') ? id : /^arn:[^:]+:kms:[^:]*:\d{12}:alias\//.test(id) ? id.slice(id.indexOf(':alias/') + 1) : undefined;
    set(ctx, 'kms:requestalias', alias);
  }
  // UNDOCUMENTED how kms:EncryptionContext:* maps on CreateGrant (a request carries no encryption
  // context); kms-why reads the constraint of the grant to create, so a condition on them relies on
  // that assumption (docs/semantics.md#create-grant-encryption-context).
  if (action.short === 'CreateGrant') assumeOnRead(ctx, EC_KEYS_PREFIX, 'createGrantEncryptionContext');
  if (action.short === 'CreateGrant' && !request.grantRequest) {
    // CreateGrant always names a grantee and operations; a request that does not say which leaves
    // the grant keys unknown (issue: requests lacking details are unknown, never confident).
    for (const u of U_CREATE_GRANT_ANY) add(u);
  }
  if (action.short === 'CreateGrant' && request.grantRequest) {
    const g = request.grantRequest;
    if (g.operations.length > 0) set(ctx, 'kms:grantoperations', g.operations);
    else add(U_GRANT_OPERATIONS);
    if (g.granteePrincipal === undefined && g.granteeServicePrincipal === undefined) {
      // The grantee is a principal (GranteePrincipal) or a service principal (GranteeServicePrincipal): which, is not known.
      add(U_GRANTEE);
      add(U_GRANTEE_SERVICE);
    }
    set(ctx, 'kms:granteeprincipal', g.granteePrincipal);
    set(ctx, 'kms:granteeserviceprincipal', g.granteeServicePrincipal);
    set(ctx, 'kms:retiringprincipal', g.retiringPrincipal);
    set(ctx, 'kms:retiringserviceprincipal', g.retiringServicePrincipal);
    set(ctx, 'kms:grantconstrainttype', constraintType(g.constraints));
    set(ctx, 'kms:grantconstraintsourcearn', g.constraints?.sourceArn);
    // The grant's constraint, as the assumption above says.
    setEncryptionContext(ctx, constraintContext(g.constraints));
  }
  if (action.short === 'RetireGrant' && input.targetGrant) {
    set(ctx, 'kms:grantconstrainttype', constraintType(input.targetGrant.constraints));
  }
  if (action.short === 'RetireGrant') {
    // No AWS page says what kms:EncryptionContext:* holds on RetireGrant; rather than guess (the
    // grant's constraint? nothing?), a condition on them can go either way (assumption
    // retireGrantEncryptionContext).
    for (const u of U_RETIRE_EC) add(u);
  }
  if (action.short === 'CreateGrant' || action.short === 'ListGrants' || action.short === 'RevokeGrant') {
    // True only when an integrated service sends the request on the principal's behalf; modeled
    // as "the request came via a service" (docs/semantics.md#grant-is-for-aws-resource): AWS does
    // not say which request attribute sets it, so a condition that reads the value derived here
    // relies on that assumption.
    const v = request.grantIsForAwsResource ?? (request.viaService !== undefined || request.viaServiceUnknown === true);
    set(ctx, 'kms:grantisforawsresource', v ? 'true' : 'false');
    if (request.grantIsForAwsResource === undefined) assumeOnRead(ctx, 'kms:grantisforawsresource', 'grantIsForAwsResource');
  }
  if (request.absent !== undefined && request.absent.length > 0) {
    ctx.absent = new Set(request.absent.map((k) => k.toLowerCase()));
    if (ctx.assumedKeys !== undefined) for (const k of ctx.absent) ctx.assumedKeys.set(k, null);
  }
  // Whatever the user supplies wins: it is the most specific knowledge of the request.
  if (request.context) {
    for (const [k, v] of Object.entries(request.context)) {
      const lk = k.toLowerCase();
      valuesOf(ctx).set(lk, toStrings(v));
      ctx.assumedKeys?.set(lk, null);
      if (Array.isArray(v)) {
        if (ctx.multiValued === b.multiValued) ctx.multiValued = new Set(b.multiValued);
        ctx.multiValued.add(lk);
      }
    }
  }
  if (action.short in PARAMETER_DEFAULTS) requestDefaults(ctx, action.short, request, add);
  if (key !== undefined && key.metadataUnknown === undefined && key.metadata.defaulted !== undefined && isKeyOp(action)) {
    for (const f of key.metadata.defaulted)
      for (const [k, id] of KEY_DEFAULT_KEYS[f]) if (!ctx.values.has(k) && ctx.absent?.has(k) !== true) assumeOnRead(ctx, k, id);
  }
  if (more !== undefined) ctx.underivable = [...b.underivable, ...more];
  return ctx;
}

/** The condition keys a defaulted member of the key's metadata gives its value (or absence), with its assumption. */
const KEY_DEFAULT_KEYS: Readonly<Record<DefaultedKeyField, ReadonlyArray<[string, AssumptionId]>>> = {
  KeyManager: [],
  Origin: [['kms:keyorigin', 'originDefault']],
  MultiRegion: [
    ['kms:multiregion', 'multiRegionDefault'],
    ['kms:multiregionkeytype', 'multiRegionDefault'],
  ],
};

/**
 * The keys of the optional request parameters the request does not name (PARAMETER_DEFAULTS):
 * their default, or unknown where the default depends on what the request names (a CreateKey's
 * KeyUsage has a default only for a SYMMETRIC_DEFAULT key [API CreateKey]; ImportKeyMaterial's
 * ValidTo is required with KEY_MATERIAL_EXPIRES and absent otherwise [API ImportKeyMaterial]).
 */
function requestDefaults(ctx: RequestContext, short: string, request: Request, add: (u: UnderivableKey) => void): void {
  const has = (k: string): boolean => ctx.values.has(k) || ctx.absent?.has(k) === true;
  const fill = (k: string, v: string): void => {
    if (has(k)) return;
    valuesOf(ctx).set(k, [v]);
    (ctx.defaulted ??= new Set()).add(k);
  };
  if (short === 'CreateKey' && request.createsReplica === true) {
    // The kms:CreateKey a ReplicateKey needs creates a replica with the primary key's spec, usage
    // and origin [API ReplicateKey], but AWS does not say which of these keys that authorization
    // carries: unknown rather than the defaults of a CreateKey request.
    for (const u of U_REPLICA_CREATE_KEY) if (!has(u.key)) add(u);
    return;
  }
  for (const [k, v] of PARAMETER_DEFAULTS[short]!) fill(k, v);
  if (short === 'CreateKey') {
    // KeySpec and the deprecated CustomerMasterKeySpec are one parameter (so are the usages).
    const spec = ctx.values.get('kms:keyspec') ?? ctx.values.get('kms:customermasterkeyspec');
    if (spec !== undefined) {
      if (!has('kms:keyspec')) valuesOf(ctx).set('kms:keyspec', spec);
      if (!has('kms:customermasterkeyspec')) valuesOf(ctx).set('kms:customermasterkeyspec', spec);
    } else {
      fill('kms:keyspec', 'SYMMETRIC_DEFAULT');
      fill('kms:customermasterkeyspec', 'SYMMETRIC_DEFAULT');
    }
    const usage = ctx.values.get('kms:keyusage') ?? ctx.values.get('kms:customermasterkeyusage');
    const symmetric = (ctx.values.get('kms:keyspec') ?? []).includes('SYMMETRIC_DEFAULT');
    if (usage !== undefined) {
      if (!has('kms:keyusage')) valuesOf(ctx).set('kms:keyusage', usage);
      if (!has('kms:customermasterkeyusage')) valuesOf(ctx).set('kms:customermasterkeyusage', usage);
    } else if (symmetric) {
      fill('kms:keyusage', 'ENCRYPT_DECRYPT');
      fill('kms:customermasterkeyusage', 'ENCRYPT_DECRYPT');
    } else if (!has('kms:keyusage')) add(U_KEY_USAGE);
    // A multi-Region CreateKey creates a primary key; AWS does not say the request carries its type.
    if ((ctx.values.get('kms:multiregion') ?? []).some((v) => v.toLowerCase() === 'true') && !has('kms:multiregionkeytype')) add(U_MULTI_REGION_KEY_TYPE);
  }
  if (short === 'ImportKeyMaterial' && !has('kms:validto') && (ctx.values.get('kms:expirationmodel') ?? []).includes('KEY_MATERIAL_EXPIRES')) add(U_VALID_TO);
}

export function isUnknownKey(ctx: RequestContext, lowerKey: string): boolean {
  return unknownKeyInfo(ctx, lowerKey) !== undefined;
}

/**
 * Why a key the request does not carry is unknown rather than absent: an unreadable input (no
 * way to supply it but reading the input) or a value kms-why cannot derive (and how to give it).
 */
export function unknownKeyInfo(ctx: RequestContext, lowerKey: string): UnknownKeyInfo | undefined {
  if (contextGet(ctx, lowerKey) !== undefined) return undefined;
  return missingKeyInfo(ctx, lowerKey);
}

/** unknownKeyInfo for a key contextGet has just not found (a condition on a key the request lacks: most of them). */
export function missingKeyInfo(ctx: RequestContext, lowerKey: string): UnknownKeyInfo | undefined {
  if (ctx.absent?.has(lowerKey) === true) return undefined;
  for (const p of ctx.unknownPrefixes) {
    if (!lowerKey.startsWith(p)) continue;
    const input = ctx.prefixInputs?.get(p);
    return input === undefined ? { name: lowerKey } : { name: lowerKey, input };
  }
  for (const u of ctx.underivable) {
    if (u.prefix ? lowerKey.startsWith(u.key) : lowerKey === u.key) {
      if (u.prefix) return { name: lowerKey, supply: u.supply.replace(`${u.name}=`, `${lowerKey}=`) };
      // One object per key (nothing writes to it): consulted on every condition on aws:SourceIp & co.
      let info = UNDERIVABLE_INFO.get(u);
      if (info === undefined) {
        info = { name: u.name, supply: u.supply };
        UNDERIVABLE_INFO.set(u, info);
      }
      return info;
    }
  }
  return undefined;
}

const UNDERIVABLE_INFO = new WeakMap<UnderivableKey, UnknownKeyInfo>();

/** The values of a (lower-case) key, or undefined when the request does not carry it. */
export function contextGet(ctx: RequestContext, lowerKey: string): string[] | undefined {
  if (ctx.absent?.has(lowerKey)) return undefined;
  return ctx.values.get(lowerKey) ?? ctx.base?.get(lowerKey) ?? ctx.shared?.get(lowerKey);
}
