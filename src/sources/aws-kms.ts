// KMS API output shapes (DescribeKey, GetKeyPolicy, ListGrants, ListResourceTags, ListAliases) turned
// into the model. Shared by snapshot files and bare AWS CLI outputs, so both say the same things
// about the same mistakes.
import { GRANT_OPERATIONS } from '../model/actions.js';
import { isAccountId, isPartition, parseKeyIdentifier, parsePrincipal } from '../model/arn.js';
import type { Grant, GrantConstraints, GrantState } from '../model/grant.js';
import type { KeyMetadata, KeyState, KeyUsage } from '../model/key.js';
import type { Policy } from '../model/policy.js';
import { dict } from '../model/dict.js';
import { impossibleKeyMetadata, keyUsagesOf } from '../model/key-state.js';
import { unknownInput } from '../model/unknown.js';
import type { Unknowable, UnknownInput } from '../model/unknown.js';
import {
  expectArray,
  expectBoolean,
  expectObject,
  expectOneOf,
  expectString,
  fail,
  index,
  isObject,
  member,
  nearest,
  optionalString,
  rejectNearMisses,
  rejectUnknownFields,
  requiredString,
  stringMap,
  typeName,
} from './json-path.js';
import type { JsonObject, Where } from './json-path.js';
import { parsePolicyDocument } from './policy-document.js';
import { grantsWhat } from './unreadable.js';

const KEY_STATES: readonly KeyState[] = [
  'Enabled',
  'Disabled',
  'PendingDeletion',
  'PendingReplicaDeletion',
  'PendingImport',
  'Unavailable',
  'Creating',
  'Updating',
];
const KEY_USAGES: readonly KeyUsage[] = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'];
const KEY_MANAGERS = ['CUSTOMER', 'AWS'] as const;
const ORIGINS = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const;
const MULTI_REGION_KEY_TYPES = ['PRIMARY', 'REPLICA'] as const;
const GRANT_STATES: readonly GrantState[] = ['active', 'pending-consistency', 'retired'];

/** Every KeyMetadata member of the DescribeKey API, so that only near misses of them are refused. */
const KEY_METADATA_FIELDS = [
  'AWSAccountId',
  'KeyId',
  'Arn',
  'CreationDate',
  'Enabled',
  'Description',
  'KeyUsage',
  'KeyState',
  'DeletionDate',
  'ValidTo',
  'Origin',
  'CustomKeyStoreId',
  'CloudHsmClusterId',
  'ExpirationModel',
  'KeyManager',
  'CustomerMasterKeySpec',
  'KeySpec',
  'EncryptionAlgorithms',
  'SigningAlgorithms',
  'KeyAgreementAlgorithms',
  'MultiRegion',
  'MultiRegionConfiguration',
  'PendingDeletionWindowInDays',
  'MacAlgorithms',
  'XksKeyConfiguration',
  'CurrentKeyMaterialId',
] as const;
const KEY_METADATA_READ = [
  'AWSAccountId',
  'KeyId',
  'Arn',
  'Enabled',
  'Description',
  'KeyUsage',
  'KeyState',
  'Origin',
  'KeyManager',
  'KeySpec',
  'MultiRegion',
  'MultiRegionConfiguration',
] as const;

/** GrantListEntry members (ListGrants), plus kms-why's State and GrantToken. */
const GRANT_FIELDS = [
  'KeyId',
  'GrantId',
  'Name',
  'CreationDate',
  'GranteePrincipal',
  'GranteeServicePrincipal',
  'RetiringPrincipal',
  'RetiringServicePrincipal',
  'IssuingAccount',
  'Operations',
  'Constraints',
  'State',
  'GrantToken',
] as const;
const CONSTRAINT_FIELDS = ['EncryptionContextEquals', 'EncryptionContextSubset', 'SourceArn'] as const;
/** A ListGrants / ListResourceTags / ListAliases page; NextToken is what the AWS CLI prints with --max-items. */
export const PAGE_FIELDS = ['Truncated', 'NextMarker', 'NextToken'] as const;

const METADATA_HINT = 'Give the KeyMetadata aws kms describe-key returns.';
const KEY_ARN_HINT = 'A key ARN looks like arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab.';

export function parseKeyMetadata(value: unknown, where: Where): KeyMetadata {
  const m = expectObject(value, where, 'a KeyMetadata object (DescribeKey output)');
  rejectNearMisses(m, KEY_METADATA_FIELDS, KEY_METADATA_READ, where, 'KeyMetadata');
  const arn = requiredString(m, 'Arn', where);
  const parsed = parseKeyIdentifier(arn);
  if (parsed?.kind !== 'key-arn' || parsed.arn === undefined || !isAccountId(parsed.arn.account) || parsed.arn.region === '') {
    fail(member(where, 'Arn'), `invalid key ARN "${arn}"`, KEY_ARN_HINT);
  }
  const { partition, region, account, resource } = parsed.arn;
  if (!isPartition(partition)) fail(member(where, 'Arn'), `invalid key ARN "${arn}": "${partition}" is not an AWS partition`, KEY_ARN_HINT);
  const idFromArn = resource.slice('key/'.length);
  const keyId = optionalString(m, 'KeyId', where) ?? idFromArn;
  if (keyId !== idFromArn) fail(member(where, 'KeyId'), `KeyId "${keyId}" does not match the key id in the Arn ("${idFromArn}")`);
  const declaredAccount = optionalString(m, 'AWSAccountId', where);
  if (declaredAccount !== undefined && declaredAccount !== account) {
    fail(member(where, 'AWSAccountId'), `AWSAccountId "${declaredAccount}" does not match the account in the Arn (${account})`);
  }
  const keySpec = keySpecOf(m, where);
  const meta: KeyMetadata = {
    keyId,
    arn,
    account,
    region,
    partition,
    keyState: keyStateOf(m, where),
    keySpec,
    // Without KeyUsage, the one the spec allows; any other spec leaves it unstated (unstatedKeyMetadata).
    keyUsage: enumMember(m, 'KeyUsage', KEY_USAGES, where) ?? impliedKeyUsage(keySpec) ?? 'ENCRYPT_DECRYPT',
    origin: enumMember(m, 'Origin', ORIGINS, where) ?? 'AWS_KMS',
    keyManager: enumMember(m, 'KeyManager', KEY_MANAGERS, where) ?? 'CUSTOMER',
    multiRegion: m.MultiRegion === undefined || m.MultiRegion === null ? false : expectBoolean(m.MultiRegion, member(where, 'MultiRegion')),
  };
  const given = (k: string): boolean => m[k] !== undefined && m[k] !== null;
  const mrType = multiRegionKeyType(m, where);
  if (mrType !== undefined) {
    // DescribeKey gives MultiRegionConfiguration for multi-Region keys only.
    if (given('MultiRegion') && !meta.multiRegion)
      fail(member(where, 'MultiRegionConfiguration'), 'a single-Region key (MultiRegion false) has no MultiRegionConfiguration', METADATA_HINT);
    meta.multiRegion = true;
    meta.multiRegionKeyType = mrType;
  }
  const defaulted = (['KeyManager', 'Origin', 'MultiRegion'] as const).filter((k) => !given(k) && (k !== 'MultiRegion' || mrType === undefined));
  if (defaulted.length > 0) meta.defaulted = defaulted;
  // A combination no KMS key has would decide verdicts about a key that cannot exist: refused.
  // A member not given (a default, or metadata left unknown by unstatedKeyMetadata) is not judged.
  const specGiven = given('KeySpec') || given('CustomerMasterKeySpec');
  const spec = specGiven ? keySpec : 'SYMMETRIC_DEFAULT';
  const impossible = impossibleKeyMetadata({
    keySpec: spec,
    keyUsage: specGiven && given('KeyUsage') ? meta.keyUsage : keyUsagesOf(spec)[0]!,
    origin: given('Origin') ? meta.origin : 'AWS_KMS',
    multiRegion: given('MultiRegion') || mrType !== undefined ? meta.multiRegion : false,
  });
  if (impossible !== undefined) fail(member(where, impossible.member), impossible.problem, impossible.hint);
  const description = optionalString(m, 'Description', where);
  if (description !== undefined) meta.description = description;
  return meta;
}

/**
 * The KeyMetadata fields that verdicts turn on and `value` does not give: KeyState (or Enabled),
 * KeySpec (or CustomerMasterKeySpec), and KeyUsage where the spec leaves it open (an RSA, ECC or
 * SM2 key has more than one usage). DescribeKey always gives them; a hand-written entry may not,
 * and a default would decide verdicts it never read (a Disabled key taken for Enabled, an RSA
 * signing key for an encryption key). The caller makes the key's metadata unknown with them.
 */
export function unstatedKeyMetadata(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const m = value as JsonObject;
  const given = (k: string): boolean => m[k] !== undefined && m[k] !== null;
  const out: string[] = [];
  if (!given('KeyState') && !given('Enabled')) out.push('KeyState');
  const spec = given('KeySpec') ? m.KeySpec : given('CustomerMasterKeySpec') ? m.CustomerMasterKeySpec : undefined;
  if (spec === undefined) out.push('KeySpec');
  if (!given('KeyUsage') && (spec === undefined || impliedKeyUsage(String(spec)) === undefined)) out.push('KeyUsage');
  return out;
}

/**
 * What a live DescribeKey answer leaves out of the members verdicts turn on: those of
 * unstatedKeyMetadata, and KeyManager and Origin, which DescribeKey always returns
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyMetadata.html). A snapshot file may
 * leave those two out and take the documented defaults (docs/snapshot.md); an AWS answer without
 * them is malformed: KeyManager decides whether RCPs apply and Origin is kms:KeyOrigin, so a
 * default would decide verdicts that were never read.
 */
export function unansweredKeyMetadata(value: unknown): string[] {
  const out = unstatedKeyMetadata(value);
  if (typeof value !== 'object' || value === null) return out;
  const m = value as JsonObject;
  for (const k of ['KeyManager', 'Origin']) if (m[k] === undefined || m[k] === null) out.push(k);
  return out;
}

/** The key's metadata as unknown when its entry leaves out what verdicts turn on (unstatedKeyMetadata), else undefined. */
export function unstatedMetadata(value: unknown, arn: string): UnknownInput | undefined {
  const missing = unstatedKeyMetadata(value);
  if (missing.length === 0) return undefined;
  return unknownInput(`key ${arn}`, `its KeyMetadata does not give ${missing.join(', ')} (DescribeKey does)`);
}

/** The one KeyUsage a key spec allows, if it allows one (symmetric encryption keys, HMAC keys). */
function impliedKeyUsage(spec: string): KeyMetadata['keyUsage'] | undefined {
  if (spec === 'SYMMETRIC_DEFAULT') return 'ENCRYPT_DECRYPT';
  if (spec.startsWith('HMAC_')) return 'GENERATE_VERIFY_MAC';
  return undefined;
}

function enumMember<T extends string>(obj: JsonObject, key: string, allowed: readonly T[], where: Where): T | undefined {
  const v = obj[key];
  return v === undefined || v === null ? undefined : expectOneOf(v, allowed, member(where, key));
}

/** DescribeKey always has KeyState; a hand-written snapshot may give only the older Enabled flag. */
function keyStateOf(m: JsonObject, where: Where): KeyState {
  const state = enumMember(m, 'KeyState', KEY_STATES, where);
  if (state !== undefined) return state;
  const enabled = m.Enabled === undefined || m.Enabled === null ? true : expectBoolean(m.Enabled, member(where, 'Enabled'));
  return enabled ? 'Enabled' : 'Disabled';
}

/** KeySpec replaced CustomerMasterKeySpec (deprecated, still returned); older outputs have only the latter. */
function keySpecOf(m: JsonObject, where: Where): string {
  for (const field of ['KeySpec', 'CustomerMasterKeySpec']) {
    const v = optionalString(m, field, where);
    if (v === undefined) continue;
    // The key spec decides which operations a key can do (key usage checks, grant constraints):
    // one kms-why does not know is refused rather than guessed.
    if (!KEY_SPECS.includes(v)) {
      const near = nearest(v, KEY_SPECS);
      fail(
        member(where, field),
        `unknown key spec ${JSON.stringify(v)}`,
        `${near !== undefined ? `Did you mean "${near}"? ` : ''}Key specs: ${KEY_SPECS.join(', ')}.`,
      );
    }
    return v;
  }
  return 'SYMMETRIC_DEFAULT';
}

/** https://docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-choose-key-spec.html */
const KEY_SPECS = [
  'SYMMETRIC_DEFAULT',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'ECC_NIST_EDWARDS25519',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'SM2',
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
];

function multiRegionKeyType(m: JsonObject, where: Where): 'PRIMARY' | 'REPLICA' | undefined {
  const cfg = m.MultiRegionConfiguration;
  if (cfg === undefined || cfg === null) return undefined;
  const at = member(where, 'MultiRegionConfiguration');
  return enumMember(expectObject(cfg, at), 'MultiRegionKeyType', MULTI_REGION_KEY_TYPES, at);
}

// ---------------------------------------------------------------------------------------------
// Key policy

/** A key policy: the document object, or the JSON string GetKeyPolicy returns. */
export function parseKeyPolicy(value: unknown, where: Where): Policy {
  return parsePolicyDocument(value, { source: 'key-policy', name: 'key policy', file: where.file, path: where.path });
}

// ---------------------------------------------------------------------------------------------
// Tags

/**
 * Tags as ListResourceTags returns them ([{TagKey, TagValue}]), as IAM and most other services do
 * ([{Key, Value}]), or a plain {key: value} object.
 */
export function parseTags(value: unknown, where: Where): Record<string, string> {
  if (isObject(value)) {
    const map = stringMap(value, where);
    for (const [k, v] of Object.entries(map)) checkTagSize(k, v, member(where, k), member(where, k));
    return map;
  }
  const list = expectArray(value, where, 'a list of tags [{"TagKey": …, "TagValue": …}] (ListResourceTags) or [{"Key": …, "Value": …}] (IAM)');
  const tags = dict<string>();
  list.forEach((item, i) => {
    const at = index(where, i);
    const tag = expectObject(item, at, 'a tag {"TagKey": …, "TagValue": …} or {"Key": …, "Value": …}');
    const kms = 'TagKey' in tag || 'TagValue' in tag;
    const [kName, vName] = kms ? ['TagKey', 'TagValue'] : ['Key', 'Value'];
    rejectUnknownFields(tag, [kName, vName], at, 'a tag');
    const key = requiredString(tag, kName, at);
    const v = tag[vName];
    // KMS allows an empty tag value; the CLI prints it as "".
    const val = v === undefined || v === null ? '' : expectString(v, member(at, vName));
    if (Object.hasOwn(tags, key)) fail(member(at, kName), `tag "${key}" is given twice`);
    checkTagSize(key, val, member(at, kName), member(at, vName));
    tags[key] = val;
  });
  return tags;
}

/**
 * A tag key has at most 128 characters and a value 256, in KMS and IAM alike: a longer one is no
 * tag AWS holds (and matching a policy pattern against megabytes of it would take minutes).
 */
function checkTagSize(key: string, value: string, keyAt: Where, valueAt: Where): void {
  if (key.length > 128 && [...key].length > 128) fail(keyAt, `a tag key has at most 128 characters; this one has ${[...key].length}`);
  if (value.length > 256 && [...value].length > 256) fail(valueAt, `a tag value has at most 256 characters; this one has ${[...value].length}`);
}

// ---------------------------------------------------------------------------------------------
// Aliases

export interface AliasEntry {
  aliasName: string;
  aliasArn?: string;
  targetKeyId?: string;
}

/** Alias names, or ListAliases entries ({AliasName, AliasArn, TargetKeyId, …}). */
export function parseAliasEntries(value: unknown, where: Where): AliasEntry[] {
  return expectArray(value, where, 'a list of aliases').map((item, i) => parseAliasEntry(item, index(where, i)));
}

function parseAliasEntry(item: unknown, at: Where): AliasEntry {
  if (typeof item === 'string') return { aliasName: checkAliasName(item, at) };
  const obj = expectObject(item, at, 'an alias name or a ListAliases entry');
  rejectNearMisses(obj, ['AliasName', 'AliasArn', 'TargetKeyId', 'CreationDate', 'LastUpdatedDate'], ['AliasName', 'AliasArn', 'TargetKeyId'], at, 'an alias');
  const entry: AliasEntry = { aliasName: checkAliasName(requiredString(obj, 'AliasName', at), member(at, 'AliasName')) };
  const aliasArn = optionalString(obj, 'AliasArn', at);
  if (aliasArn !== undefined) entry.aliasArn = aliasArn;
  const target = optionalString(obj, 'TargetKeyId', at);
  if (target !== undefined) entry.targetKeyId = target;
  return entry;
}

function checkAliasName(name: string, at: Where): string {
  if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(name)) {
    fail(at, `invalid alias name "${name}"`, 'Alias names look like alias/app-key: "alias/" then letters, digits, /, _ and -.');
  }
  return name;
}

/** The aliases given in a key entry: each must name this key when it says which key it targets. */
export function parseKeyAliases(value: unknown, where: Where, meta: KeyMetadata): string[] {
  return parseAliasEntries(value, where).map((e, i) => {
    if (e.targetKeyId !== undefined && !refersToKey(e.targetKeyId, meta)) {
      fail(member(index(where, i), 'TargetKeyId'), `alias ${e.aliasName} targets ${e.targetKeyId}, not this key (${meta.keyId})`);
    }
    return e.aliasName;
  });
}

/** Whether a KeyId as AWS prints it (key id or key ARN) names this key. */
export function refersToKey(keyId: string, meta: KeyMetadata): boolean {
  return keyId === meta.keyId || keyId === meta.arn;
}

// ---------------------------------------------------------------------------------------------
// Grants

/**
 * A key's grants: a list of GrantListEntry, or a whole ListGrants output ({Grants, Truncated,
 * NextMarker}). A truncated list is unknown rather than partial: a grant on a later page could
 * allow what the first page does not.
 */
export function parseGrantsValue(value: unknown, where: Where, meta: KeyMetadata): Unknowable<Grant[]> {
  if (!isObject(value)) return parseGrantList(value, where, meta);
  const page = parseGrantsPage(value, where, meta);
  return page.truncated ? truncatedGrants(meta.arn) : page.grants;
}

export function truncatedGrants(keyArn: string): UnknownInput {
  return unknownInput(grantsWhat(keyArn), 'grants list is truncated');
}

/** A ListGrants output: its grants (validated even when truncated) and whether more pages exist. */
export function parseGrantsPage(obj: JsonObject, where: Where, meta: KeyMetadata | undefined): { grants: Grant[]; truncated: boolean } {
  rejectUnknownFields(obj, ['Grants', ...PAGE_FIELDS], where, 'a ListGrants output');
  if (obj.Grants === undefined) fail(member(where, 'Grants'), 'Grants is missing');
  return { grants: parseGrantList(obj.Grants, member(where, 'Grants'), meta), truncated: isTruncatedPage(obj, where) };
}

/** ListGrants says Truncated/NextMarker; the AWS CLI with --max-items prints NextToken instead. */
export function isTruncatedPage(obj: JsonObject, where: Where): boolean {
  const truncated = obj.Truncated === undefined || obj.Truncated === null ? false : expectBoolean(obj.Truncated, member(where, 'Truncated'));
  return truncated || typeof obj.NextMarker === 'string' || typeof obj.NextToken === 'string';
}

export function parseGrantList(value: unknown, where: Where, meta: KeyMetadata | undefined): Grant[] {
  const list = expectArray(value, where, 'a list of grants (ListGrants output)');
  const seen = new Set<string>();
  return list.map((item, i) => {
    const g = parseGrant(item, index(where, i), meta);
    if (seen.has(g.grantId)) fail(member(index(where, i), 'GrantId'), `grant ${g.grantId} is listed twice`);
    seen.add(g.grantId);
    return g;
  });
}

export function parseGrant(value: unknown, where: Where, meta: KeyMetadata | undefined): Grant {
  const g = expectObject(value, where, 'a grant (GrantListEntry)');
  rejectNearMisses(g, GRANT_FIELDS, GRANT_FIELDS, where, 'a grant');
  const grant: Grant = {
    grantId: requiredString(g, 'GrantId', where),
    granteePrincipal: granteeOf(g, where),
    operations: parseOperations(g.Operations, member(where, 'Operations')),
    state: enumMember(g, 'State', GRANT_STATES, where) ?? 'active',
  };
  setKeyArn(grant, g, where, meta);
  const name = optionalString(g, 'Name', where);
  if (name !== undefined) grant.name = name;
  const retiring = principalField(g, 'RetiringPrincipal', where) ?? principalField(g, 'RetiringServicePrincipal', where);
  if (retiring !== undefined) grant.retiringPrincipal = retiring;
  const issuing = optionalString(g, 'IssuingAccount', where);
  if (issuing !== undefined) grant.issuingAccount = issuing;
  else grant.issuingAccountUnknown = unknownInput(`the account that created grant ${grant.grantId}`, `${where.path}: the grant has no IssuingAccount`);
  if (g.Constraints !== undefined && g.Constraints !== null) {
    const c = parseConstraints(g.Constraints, member(where, 'Constraints'));
    if (c !== undefined) grant.constraints = c;
  }
  const token = optionalString(g, 'GrantToken', where);
  if (token !== undefined) grant.grantToken = token;
  const created = creationDate(g.CreationDate, member(where, 'CreationDate'));
  if (created !== undefined) grant.creationDate = created;
  return grant;
}

/** ListGrants prints the key ARN as KeyId; a grant of another key in this key's list is a mix-up. */
function setKeyArn(grant: Grant, g: JsonObject, where: Where, meta: KeyMetadata | undefined): void {
  const keyId = optionalString(g, 'KeyId', where);
  if (keyId === undefined) {
    if (meta !== undefined) grant.keyArn = meta.arn;
    return;
  }
  if (meta !== undefined && !refersToKey(keyId, meta)) {
    fail(member(where, 'KeyId'), `grant ${grant.grantId} is for key ${keyId}, not ${meta.arn}`, 'Give each key its own ListGrants output.');
  }
  grant.keyArn = meta?.arn ?? keyId;
}

function granteeOf(g: JsonObject, where: Where): string {
  const grantee = principalField(g, 'GranteePrincipal', where) ?? principalField(g, 'GranteeServicePrincipal', where);
  if (grantee === undefined) fail(member(where, 'GranteePrincipal'), 'GranteePrincipal is missing');
  return grantee;
}

/**
 * Grantee and retiring principals. ListGrants shows ARNs, service principals, and `AROA…:session`
 * unique ids for deleted roles, and AWS-internal values for some service grants, so only values
 * that claim to be ARNs are checked.
 */
function principalField(g: JsonObject, key: string, where: Where): string | undefined {
  const v = optionalString(g, key, where);
  if (v === undefined) return undefined;
  const at = member(where, key);
  if (v.trim() === '') fail(at, `${key} is empty`);
  if (v.startsWith('arn:') && parsePrincipal(v) === null) {
    fail(at, `invalid principal ARN "${v}"`, 'Expected a role, user, assumed-role session, federated user or account root ARN.');
  }
  return v;
}

/** Grant operations are an enum of the KMS API: exact, case-sensitive names without the `kms:` prefix. */
function parseOperations(value: unknown, where: Where): string[] {
  if (value === undefined || value === null) fail(where, 'Operations is missing');
  const list = expectArray(value, where, 'a list of grant operations');
  if (list.length === 0) fail(where, 'a grant must have at least one operation');
  return list.map((item, i) => {
    const at = index(where, i);
    const op = expectString(item, at);
    if (GRANT_OPERATIONS.includes(op)) return op;
    const near = suggestOperations(op);
    const didYouMean = near.length === 0 ? '' : `Did you mean ${near.map((o) => `"${o}"`).join(' or ')}? `;
    return fail(
      at,
      `"${op}" is not a grant operation`,
      `${didYouMean}Grant operations are case-sensitive, have no kms: prefix and no wildcards: ${GRANT_OPERATIONS.join(', ')}.`,
    );
  });
}

/**
 * Likely meant operations: policy habits (`kms:` prefix, `ReEncrypt*`, plain `ReEncrypt`, which
 * grants split into ReEncryptFrom and ReEncryptTo) first, then the nearest name.
 */
function suggestOperations(op: string): string[] {
  const bare = op.replace(/^kms:/i, '').toLowerCase();
  const exact = GRANT_OPERATIONS.filter((o) => o.toLowerCase() === bare);
  if (exact.length > 0) return exact;
  const stem = bare.replace(/\*+$/, '');
  const byPrefix = stem.length >= 3 ? GRANT_OPERATIONS.filter((o) => o.toLowerCase().startsWith(stem)) : [];
  if (byPrefix.length > 0 && byPrefix.length <= 5) return byPrefix;
  const near = nearest(bare, GRANT_OPERATIONS);
  return near === undefined ? [] : [near];
}

/** Unknown constraints are refused: ignoring one would make the grant look broader than it is. */
function parseConstraints(value: unknown, where: Where): GrantConstraints | undefined {
  const c = expectObject(value, where, 'a GrantConstraints object');
  rejectUnknownFields(c, CONSTRAINT_FIELDS, where, 'grant constraints');
  const out: GrantConstraints = {};
  if (c.EncryptionContextEquals !== undefined && c.EncryptionContextEquals !== null) {
    out.encryptionContextEquals = stringMap(c.EncryptionContextEquals, member(where, 'EncryptionContextEquals'));
  }
  if (c.EncryptionContextSubset !== undefined && c.EncryptionContextSubset !== null) {
    out.encryptionContextSubset = stringMap(c.EncryptionContextSubset, member(where, 'EncryptionContextSubset'));
  }
  const sourceArn = optionalString(c, 'SourceArn', where);
  if (sourceArn !== undefined) out.sourceArn = sourceArn;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The AWS CLI v2 prints ISO 8601; v1 and the raw API give epoch seconds. Both become ISO 8601. */
export function creationDate(value: unknown, where: Where): string | undefined {
  if (value === undefined || value === null) return undefined;
  // Epoch seconds whose text a double would change (1736874000.120) are kept as text by the reader.
  const epoch = typeof value === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value) ? Number(value) : value;
  if (typeof epoch === 'number' && Number.isFinite(epoch)) return new Date(epoch * 1000).toISOString();
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return new Date(Date.parse(value)).toISOString();
  fail(where, `expected a date (ISO 8601 text or epoch seconds), got ${typeof value === 'string' ? JSON.stringify(value) : typeName(value)}`);
}
