// The snapshot file (`--from FILE`): the public contract of docs/snapshot.md and docs/report.md.
// Missing inputs stay unknown (a key without `Policy` has an unknown policy, not an empty one) so
// that the evaluator never turns "not captured" into "deny".
import { isAccountId, parseKeyIdentifier, parsePrincipal } from '../model/arn.js';
import type { Key, PartialGrants } from '../model/key.js';
import type { Policy, PolicySource } from '../model/policy.js';
import type { PrincipalPolicies } from '../model/principal.js';
import type { InputRecord, Organization, OrgPolicyLevel, Snapshot } from '../model/snapshot.js';
import { isUnknown, unknownInput } from '../model/unknown.js';
import type { Unknowable } from '../model/unknown.js';
import { parseGrantsValue, parseKeyAliases, parseKeyMetadata, parseKeyPolicy, parseTags, unstatedMetadata } from './aws-kms.js';
import { addDerivedPrincipals, principalsFromAuthorizationDetails, truncatedDetails } from './iam-details.js';
import type { DerivedPrincipal } from './iam-details.js';
import {
  expectArray,
  expectObject,
  expectString,
  fail,
  index,
  isObject,
  member,
  optionalString,
  rejectUnknownFields,
  requiredString,
  typeName,
} from './json-path.js';
import type { JsonObject, Where } from './json-path.js';
import { parsePolicyDocument } from './policy-document.js';
import {
  absent,
  boundaryWhat,
  grantsRecord,
  grantsWhat,
  identityPoliciesWhat,
  inputRecord,
  ACCOUNT_LEVEL_WHAT,
  keyPolicyWhat,
  keyTagsWhat,
  aliasesWhat,
  partialGrants,
  principalRecord,
  principalTagsWhat,
  readUnknowable,
  readUnreadableMarker,
  UNREADABLE_MARKER,
  sessionPoliciesWhat,
} from './unreadable.js';

export const SUPPORTED_SNAPSHOT_VERSIONS: readonly number[] = [1];
export const SNAPSHOT_MARKER = 'kmsWhySnapshot';

const TOP_FIELDS = [
  SNAPSHOT_MARKER,
  'capturedAt',
  'redacted',
  'region',
  'keys',
  'principals',
  'principalsAskedFor',
  'keysAskedFor',
  'Functions',
  'AccountAuthorizationDetails',
  'Organization',
  'Unreadable',
] as const;
const KEY_FIELDS = ['KeyMetadata', 'Aliases', 'Tags', 'Policy', 'Grants', 'GrantsPartial'] as const;
const GRANTS_PARTIAL_FIELDS = ['FirstPage', 'GranteePrincipals', 'GrantIds'] as const;
const PRINCIPAL_FIELDS = ['Arn', 'RoleArn', 'UniqueId', 'IdentityPolicies', 'PermissionsBoundary', 'SessionPolicies', 'Tags'] as const;
const IDENTITY_POLICY_FIELDS = ['PolicyName', 'PolicyArn', 'Document'] as const;
const BOUNDARY_FIELDS = ['PolicyArn', 'Document'] as const;
const ORGANIZATION_FIELDS = ['Id', 'Accounts', 'ServiceControlPolicies', 'ResourceControlPolicies', 'ManagementAccountId'] as const;
const ORG_LEVEL_FIELDS = ['Target', 'Policies'] as const;
const ORG_POLICY_FIELDS = ['Name', 'PolicyName', 'Id', 'Arn', 'Description', 'Content', 'Document'] as const;

export function parseSnapshot(raw: unknown, file: string): Snapshot {
  const { snapshot, derived } = parseSnapshotParts(raw, file);
  addDerivedPrincipals(snapshot.principals, derived, snapshot.inputs ?? []);
  return snapshot;
}

/**
 * The snapshot with only its explicit principals, and apart from them those derived from its
 * AccountAuthorizationDetails: when several files are merged, an explicit entry in any of them
 * wins over a derived one in another.
 */
export function parseSnapshotParts(raw: unknown, file: string): { snapshot: Snapshot; derived: DerivedPrincipal[] } {
  const root: Where = { file, path: '' };
  const obj = expectObject(raw, root, 'a kms-why snapshot (a JSON object)');
  checkVersion(obj, root);
  rejectUnknownFields(obj, TOP_FIELDS, root, 'a kms-why snapshot');
  const inputs: InputRecord[] = [];
  const snapshot: Snapshot = { keys: parseKeys(obj.keys, member(root, 'keys'), inputs), principals: {}, inputs };
  snapshot.principals = parsePrincipals(obj.principals, member(root, 'principals'), inputs);
  const details = member(root, 'AccountAuthorizationDetails');
  const derived = obj.AccountAuthorizationDetails === undefined ? [] : principalsFromAuthorizationDetails(obj.AccountAuthorizationDetails, details);
  const cut = obj.AccountAuthorizationDetails === undefined ? undefined : truncatedDetails(obj.AccountAuthorizationDetails, details, derived);
  if (cut !== undefined) inputs.push(cut);
  if (obj.Organization !== undefined) snapshot.organization = parseOrganization(obj.Organization, member(root, 'Organization'));
  if (obj.Functions !== undefined) snapshot.functions = parseFunctions(obj.Functions, member(root, 'Functions'));
  const capturedAt = optionalString(obj, 'capturedAt', root);
  if (capturedAt !== undefined) snapshot.capturedAt = checkTimestamp(capturedAt, member(root, 'capturedAt'));
  if (obj.redacted === true) snapshot.redacted = true;
  const region = optionalString(obj, 'region', root);
  if (region !== undefined) snapshot.region = region;
  if (obj.principalsAskedFor !== undefined)
    snapshot.principalsAskedFor = parseAskedFor(obj.principalsAskedFor, member(root, 'principalsAskedFor'), 'principal');
  if (obj.keysAskedFor !== undefined) snapshot.keysAskedFor = parseAskedFor(obj.keysAskedFor, member(root, 'keysAskedFor'), 'key');
  // Account-level reads that failed when the snapshot was taken (snapshot --account).
  if (obj.Unreadable !== undefined) {
    const at = member(root, 'Unreadable');
    expectArray(obj.Unreadable, at).forEach((u, i) => {
      const uat = index(at, i);
      const o = expectObject(u, uat, 'an unreadable read');
      rejectUnknownFields(o, ['what', 'reason'], uat, 'an unreadable read');
      const what = requiredString(o, 'what', uat);
      // An entry that names no read kms-why knows would change nothing: refused, not ignored.
      if (!ACCOUNT_LEVEL_WHAT.test(what))
        fail(
          member(uat, 'what'),
          `"${what}" is not an account-level read kms-why knows`,
          'Write "IAM roles, users and policies of account ACCOUNT", "aliases of region REGION" or "Lambda functions of region REGION", as kms-why snapshot --account does.',
        );
      inputs.push({ what, from: file, status: 'unreadable', detail: requiredString(o, 'reason', uat) });
    });
  }
  return { snapshot, derived };
}

function checkVersion(obj: JsonObject, root: Where): void {
  const at = member(root, SNAPSHOT_MARKER);
  const v = obj[SNAPSHOT_MARKER];
  const supported = SUPPORTED_SNAPSHOT_VERSIONS.join(', ');
  if (v === undefined) fail(root, `not a kms-why snapshot: ${SNAPSHOT_MARKER} is missing`, `A snapshot starts with {"${SNAPSHOT_MARKER}": 1, …}.`);
  if (typeof v !== 'number') fail(at, `expected a version number, got ${typeName(v)}`, `Supported versions: ${supported}.`);
  if (!SUPPORTED_SNAPSHOT_VERSIONS.includes(v)) {
    const newer = v > Math.max(...SUPPORTED_SNAPSHOT_VERSIONS);
    fail(
      at,
      `snapshot version ${v} is not supported; this kms-why reads version ${supported}`,
      newer ? 'The snapshot was written by a newer kms-why: upgrade kms-why.' : undefined,
    );
  }
}

/**
 * `principalsAskedFor` / `keysAskedFor`: the snapshot was made for these principals (`kms-why
 * snapshot --principal`) or keys (`--key`) only, so its `principals` or `keys` are not all there
 * are. Principals as --principal takes them, keys by ARN (as their KeyMetadata.Arn); an empty
 * list says none was read.
 */
function parseAskedFor(value: unknown, at: Where, what: 'principal' | 'key'): string[] {
  return expectArray(value, at, `a list of ${what} ARNs`).map((v, i) => {
    const arn = expectString(v, index(at, i));
    if (what === 'principal' && parsePrincipal(arn) === null)
      fail(index(at, i), `"${arn}" is not a principal`, 'Give the role, user, role-session or root ARN the snapshot was made for, as --principal takes it.');
    if (what === 'key' && parseKeyIdentifier(arn)?.kind !== 'key-arn')
      fail(
        index(at, i),
        `"${arn}" is not a key ARN`,
        'Give the ARN of each key the snapshot was made for (arn:aws:kms:REGION:ACCOUNT:key/ID), as its KeyMetadata.Arn.',
      );
    return arn;
  });
}

function checkTimestamp(text: string, where: Where): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(Date.parse(text))) {
    fail(where, `expected an ISO 8601 date and time such as 2026-11-25T10:00:00Z, got ${JSON.stringify(text)}`);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Keys

function parseKeys(value: unknown, where: Where, inputs: InputRecord[]): Key[] {
  if (value === undefined) return [];
  const seen = new Map<string, string>();
  return expectArray(value, where, 'a list of keys').map((item, i) => {
    const at = index(where, i);
    const key = parseKeyEntry(item, at, inputs);
    const earlier = seen.get(key.metadata.arn);
    if (earlier !== undefined) fail(member(member(at, 'KeyMetadata'), 'Arn'), `key ${key.metadata.arn} is already given at ${earlier}`);
    seen.set(key.metadata.arn, at.path);
    return key;
  });
}

/** One entry of `keys`: DescribeKey's KeyMetadata plus what GetKeyPolicy, ListGrants, ListResourceTags and ListAliases return. */
export function parseKeyEntry(value: unknown, at: Where, inputs: InputRecord[]): Key {
  const e = expectObject(value, at, 'a key entry {"KeyMetadata": …, "Policy": …, "Grants": …}');
  rejectUnknownFields(e, KEY_FIELDS, at, 'a key entry');
  if (e.KeyMetadata === undefined) fail(member(at, 'KeyMetadata'), 'KeyMetadata is missing', 'Paste the KeyMetadata of `aws kms describe-key --key-id KEY`.');
  // A live snapshot whose DescribeKey failed keeps what the ARN says next to an unreadable marker.
  let metaValue = e.KeyMetadata;
  let metadataMarker: unknown;
  if (isObject(metaValue) && UNREADABLE_MARKER in metaValue) {
    const { [UNREADABLE_MARKER]: marker, ...rest } = metaValue;
    metaValue = rest;
    metadataMarker = { [UNREADABLE_MARKER]: marker };
  }
  const metadata = parseKeyMetadata(metaValue, member(at, 'KeyMetadata'));
  const arn = metadata.arn;
  const metadataUnknown =
    metadataMarker === undefined ? unstatedMetadata(metaValue, arn) : readUnreadableMarker(metadataMarker, member(at, 'KeyMetadata'), `key ${arn}`);
  const policyAt = member(at, 'Policy');
  const grantsAt = member(at, 'Grants');
  const key: Key = {
    metadata,
    aliases: [],
    tags: {},
    policy: readUnknowable(e.Policy, policyAt, keyPolicyWhat(arn), () => absent(keyPolicyWhat(arn)), parseKeyPolicy),
    grants: readUnknowable(
      e.Grants,
      grantsAt,
      grantsWhat(arn),
      () => absent(grantsWhat(arn)),
      (v, w) => parseGrantsValue(v, w, metadata),
    ),
  };
  if (metadataUnknown !== undefined) key.metadataUnknown = metadataUnknown;
  if (e.GrantsPartial !== undefined) key.grantsPartial = parseGrantsPartial(e.GrantsPartial, member(at, 'GrantsPartial'), key);
  // Aliases feed kms:ResourceAliases: an entry without them (or with an unreadable marker) leaves
  // them unknown, not "none" — only `"Aliases": []` says the key has none.
  const aliasesAt = member(at, 'Aliases');
  const aliases = readUnknowable(
    e.Aliases === null ? undefined : e.Aliases,
    aliasesAt,
    aliasesWhat(arn),
    () => absent(aliasesWhat(arn)),
    (v, w) => parseKeyAliases(v, w, metadata),
  );
  if (isUnknown(aliases)) key.aliasesUnknown = aliases;
  else key.aliases = aliases;
  inputs.push(inputRecord(aliasesWhat(arn), aliasesAt, aliases));
  inputs.push(inputRecord(keyPolicyWhat(arn), policyAt, key.policy), grantsRecord(inputRecord(grantsWhat(arn), grantsAt, key.grants), key.grantsPartial));
  // Without `Tags` nothing says what the key's tags are: aws:ResourceTag conditions are unknown
  // where one is read (Key.tagsAbsent), as kms:ResourceAliases is without `Aliases`; `"Tags": []`
  // says the key has none.
  if (e.Tags === undefined) key.tagsAbsent = absent(keyTagsWhat(arn));
  else {
    const tagsAt = member(at, 'Tags');
    const tags = readUnknowable(e.Tags, tagsAt, keyTagsWhat(arn), () => ({}), parseTags);
    if (isUnknown(tags)) key.tagsUnknown = tags;
    else key.tags = tags;
    inputs.push(inputRecord(keyTagsWhat(arn), tagsAt, tags));
  }
  return key;
}

/**
 * GrantsPartial: the key's Grants are only part of its grants (a live check of one principal on a
 * key with many grants reads the first page and the grants to that principal). The list then
 * answers only for the principals it covers.
 */
function parseGrantsPartial(value: unknown, at: Where, key: Key): PartialGrants {
  const o = expectObject(value, at, 'what a grant list read in part holds {"FirstPage": …, "GranteePrincipals": […]}');
  rejectUnknownFields(o, GRANTS_PARTIAL_FIELDS, at, 'GrantsPartial');
  if (isUnknown(key.grants))
    fail(
      at,
      'GrantsPartial describes a Grants list read in part, but this key has no Grants list',
      'Give the grants that were read as Grants, or remove GrantsPartial.',
    );
  const firstAt = member(at, 'FirstPage');
  const first = o.FirstPage;
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0)
    fail(firstAt, `expected the number of grants on the first ListGrants page, got ${JSON.stringify(first) ?? 'nothing'}`);
  const strings = (v: unknown, w: Where, what: string): string[] =>
    v === undefined ? [] : expectArray(v, w, what).map((x, i) => expectString(x, index(w, i), { nonEmpty: true }));
  const granteesAt = member(at, 'GranteePrincipals');
  if (o.GranteePrincipals === undefined) fail(granteesAt, 'GranteePrincipals is missing', 'List the GranteePrincipal values whose grants were all read.');
  return partialGrants(key.metadata.arn, {
    firstPage: first,
    granteePrincipals: strings(o.GranteePrincipals, granteesAt, 'a list of grantee principals'),
    grantIds: strings(o.GrantIds, member(at, 'GrantIds'), 'a list of grant ids'),
  });
}

// ---------------------------------------------------------------------------------------------
// Principals

function parsePrincipals(value: unknown, where: Where, inputs: InputRecord[]): Record<string, PrincipalPolicies> {
  const principals: Record<string, PrincipalPolicies> = {};
  if (value === undefined) return principals;
  const firstAt = new Map<string, string>();
  const managed: ManagedCopies = new Map();
  expectArray(value, where, 'a list of principals').forEach((item, i) => {
    const at = index(where, i);
    const { arn, policies } = parsePrincipalEntry(item, at, managed);
    const earlier = firstAt.get(arn);
    if (earlier !== undefined) fail(member(at, 'Arn'), `principal ${arn} is already given at ${earlier}`);
    firstAt.set(arn, at.path);
    principals[arn] = policies;
    inputs.push(principalRecord(arn, at, policies));
  });
  return principals;
}

/**
 * One entry of `principals`. A missing IdentityPolicies means "none": the entry itself is what
 * says the principal is known (a principal without an entry has unknown policies).
 */
export function parsePrincipalEntry(value: unknown, at: Where, managed?: ManagedCopies): { arn: string; policies: PrincipalPolicies } {
  const e = expectObject(value, at, 'a principal entry {"Arn": …, "IdentityPolicies": […]}');
  rejectUnknownFields(e, PRINCIPAL_FIELDS, at, 'a principal entry');
  const arn = requiredString(e, 'Arn', at);
  const ref = parsePrincipal(arn);
  if (ref === null) {
    fail(
      member(at, 'Arn'),
      `invalid principal ARN "${arn}"`,
      'Give an ARN such as arn:aws:iam::111122223333:role/app, arn:aws:iam::111122223333:user/alice or arn:aws:sts::111122223333:assumed-role/app/session.',
    );
  }
  const policies: PrincipalPolicies = {
    identityPolicies: readUnknowable(
      e.IdentityPolicies,
      member(at, 'IdentityPolicies'),
      identityPoliciesWhat(arn),
      () => [],
      (v, w) => parseIdentityPolicies(v, w, managed),
    ),
    permissionsBoundary: readUnknowable(
      e.PermissionsBoundary,
      member(at, 'PermissionsBoundary'),
      boundaryWhat(arn),
      () => null,
      (v, w) => parseBoundary(v, w, arn),
    ),
    sessionPolicies: readUnknowable(e.SessionPolicies, member(at, 'SessionPolicies'), sessionPoliciesWhat(arn), () => [], parseSessionPolicies),
    tags: readUnknowable(e.Tags, member(at, 'Tags'), principalTagsWhat(arn), () => ({}), parseTags),
  };
  // Without `Tags` nothing says what the principal's tags are: aws:PrincipalTag conditions are
  // unknown where one is read (PrincipalPolicies.tagsAbsent), as aws:ResourceTag is for a key
  // without `Tags`; `"Tags": []` says the principal has none.
  if (e.Tags === undefined) policies.tagsAbsent = absent(principalTagsWhat(arn));
  // The ARN as written carries the IAM path only when it has one; a path-less ARN may still belong to a role with a path.
  if ((ref.kind === 'role' || ref.kind === 'user') && ref.path !== '/') policies.resolvedArn = arn;
  // A role session's entry may give its role's ARN with the path (aws:PrincipalArn), which the session ARN leaves out.
  const roleArn = optionalString(e, 'RoleArn', at);
  if (roleArn !== undefined) {
    const r = parsePrincipal(roleArn);
    if (
      ref.kind !== 'assumed-role' ||
      r === null ||
      r.kind !== 'role' ||
      r.partition !== ref.partition ||
      r.account !== ref.account ||
      r.name !== ref.roleName
    ) {
      fail(
        member(at, 'RoleArn'),
        ref.kind === 'assumed-role' ? `"${roleArn}" is not the ARN of the role of ${arn}` : `RoleArn belongs to a role session's entry, not to ${arn}`,
        ref.kind === 'assumed-role'
          ? `Give the role's ARN as get-role returns it, e.g. arn:${ref.partition}:iam::${ref.account}:role/PATH/${ref.roleName}.`
          : 'Remove it, or put it on an entry for a session, e.g. arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.',
      );
    }
    policies.resolvedArn = roleArn;
  }
  const uniqueId = optionalString(e, 'UniqueId', at);
  if (uniqueId !== undefined) {
    const want = ref.kind === 'user' ? /^AIDA[A-Z0-9]{4,}$/ : /^AROA[A-Z0-9]{4,}$/;
    if ((ref.kind !== 'user' && ref.kind !== 'role' && ref.kind !== 'assumed-role') || !want.test(uniqueId)) {
      fail(
        member(at, 'UniqueId'),
        `"${uniqueId}" is not the unique id of ${arn}`,
        'UniqueId is the RoleId (AROA…) of a role or the UserId (AIDA…) of a user, as get-role / get-user return it.',
      );
    }
    policies.uniqueId = uniqueId;
  }
  rejectInapplicable(e, ref.kind, at, arn);
  return { arn, policies };
}

/**
 * Inputs that cannot apply to this kind of principal are refused, never dropped: the root user
 * has no identity policies and no permissions boundary [IAM root user]; session policies belong to
 * a session (assumed-role or federated-user ARN), not to a role or user [IAM session policies].
 */
function rejectInapplicable(e: JsonObject, kind: string, at: Where, arn: string): void {
  const given = (v: unknown): boolean => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && !(isObject(v) && UNREADABLE_MARKER in v);
  if (kind === 'root') {
    if (given(e.IdentityPolicies))
      fail(
        member(at, 'IdentityPolicies'),
        `${arn} is an account root user, which cannot have identity policies`,
        'Remove them; the root user has full access within IAM, limited only by SCPs and by key policies.',
      );
    if (given(e.PermissionsBoundary))
      fail(
        member(at, 'PermissionsBoundary'),
        `${arn} is an account root user, which cannot have a permissions boundary`,
        'Remove it: permissions boundaries apply to IAM users and roles only.',
      );
  }
  if ((kind === 'root' || kind === 'role' || kind === 'user') && given(e.SessionPolicies)) {
    fail(
      member(at, 'SessionPolicies'),
      `session policies apply to a session, not to ${kind === 'root' ? 'the root user' : `the ${kind}`} ${arn}`,
      kind === 'role'
        ? 'Put them on an entry for the session, e.g. arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.'
        : 'Put them on the federated-user session entry, or remove them.',
    );
  }
}

/**
 * The managed policies read so far, by ARN and name: a snapshot repeats a managed policy under
 * every role that attaches it, and a copy written exactly as an earlier one (same members in the
 * same order) is that policy: read once, one object for every role (so it is compiled once).
 * Only identity policies are shared; where a copy was read from (Policy.origin) is the first's.
 */
type ManagedCopies = Map<string, Array<{ document: unknown; policy: Policy }>>;

function parseIdentityPolicies(value: unknown, where: Where, managed?: ManagedCopies): Policy[] {
  return expectArray(value, where, 'a list of policies [{"PolicyName": …, "Document": …}]').map((item, i) => {
    const at = index(where, i);
    const p = expectObject(item, at, 'a policy {"PolicyName": …, "Document": …}');
    rejectUnknownFields(p, IDENTITY_POLICY_FIELDS, at, 'an identity policy');
    const name = requiredString(p, 'PolicyName', at);
    const arn = optionalString(p, 'PolicyArn', at);
    if (arn === undefined || managed === undefined || p.Document === undefined) return documentOf(p, at, { source: 'identity-policy', name, arn });
    const k = `${arn}\u0000${name}`;
    const copies = managed.get(k);
    if (copies !== undefined) for (const c of copies) if (sameAsWritten(c.document, p.Document)) return c.policy;
    const policy = documentOf(p, at, { source: 'identity-policy', name, arn });
    if (copies === undefined) managed.set(k, [{ document: p.Document, policy }]);
    else if (copies.length < 8) copies.push({ document: p.Document, policy });
    return policy;
  });
}

/** The same JSON as written: equal values, and object members in the same order. */
function sameAsWritten(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameAsWritten(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameAsWritten((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** A boundary named without its document is known to exist but not what it allows: unknown, not "none". */
function parseBoundary(value: unknown, where: Where, principalArn: string): Unknowable<Policy | null> {
  if (value === null) return null;
  const b = expectObject(value, where, 'a permissions boundary {"PolicyArn": …, "Document": …}');
  rejectUnknownFields(b, BOUNDARY_FIELDS, where, 'a permissions boundary');
  const policyArn = requiredString(b, 'PolicyArn', where);
  if (b.Document === undefined) return unknownInput(boundaryWhat(principalArn), `the document of ${policyArn} is not in the snapshot`, 'iam:GetPolicyVersion');
  return documentOf(b, where, { source: 'permissions-boundary', name: policyArn.slice(policyArn.lastIndexOf('/') + 1), arn: policyArn });
}

function parseSessionPolicies(value: unknown, where: Where): Policy[] {
  return expectArray(value, where, 'a list of session policy documents').map((doc, i) =>
    parsePolicyDocument(doc, { source: 'session-policy', name: `session-policy-${i + 1}`, file: where.file, path: index(where, i).path }),
  );
}

/** The Document member of a policy wrapper, parsed. */
function documentOf(obj: JsonObject, at: Where, opts: { source: PolicySource; name: string; arn?: string | undefined }): Policy {
  const docAt = member(at, 'Document');
  if (obj.Document === undefined) fail(docAt, 'Document is missing');
  const parse = { source: opts.source, name: opts.name, file: docAt.file, path: docAt.path };
  return parsePolicyDocument(obj.Document, opts.arn === undefined ? parse : { ...parse, arn: opts.arn });
}

// ---------------------------------------------------------------------------------------------
// Organization

function parseOrganization(value: unknown, where: Where): Organization {
  const o = expectObject(value, where, 'an Organization object');
  rejectUnknownFields(o, ORGANIZATION_FIELDS, where, 'Organization');
  const org: Organization = {
    serviceControlPolicies: parseOrgPolicies(o.ServiceControlPolicies, member(where, 'ServiceControlPolicies'), 'scp'),
    resourceControlPolicies: parseOrgPolicies(o.ResourceControlPolicies, member(where, 'ResourceControlPolicies'), 'rcp'),
  };
  const id = optionalString(o, 'Id', where);
  if (id !== undefined) {
    if (!/^o-[a-z0-9]{10,32}$/.test(id)) fail(member(where, 'Id'), `"${id}" is not an organization id`, 'Organization ids look like o-a1b2c3d4e5.');
    org.id = id;
  }
  if (o.Accounts !== undefined) {
    const accAt = member(where, 'Accounts');
    org.accounts = expectArray(o.Accounts, accAt, 'a list of member account ids').map((a, i) => {
      if (typeof a !== 'string' || !isAccountId(a)) fail(index(accAt, i), `expected a 12-digit account id, got ${JSON.stringify(a)}`);
      return a;
    });
  }
  const mgmt = optionalString(o, 'ManagementAccountId', where);
  if (mgmt !== undefined) {
    if (!isAccountId(mgmt)) fail(member(where, 'ManagementAccountId'), `expected a 12-digit account id, got "${mgmt}"`);
    org.managementAccountId = mgmt;
  }
  return org;
}

/** {account: [levels, root first]}. */
function parseOrgPolicies(value: unknown, where: Where, source: 'scp' | 'rcp'): Record<string, OrgPolicyLevel[]> {
  const out: Record<string, OrgPolicyLevel[]> = {};
  if (value === undefined || value === null) return out;
  const byAccount = expectObject(value, where, 'an object of hierarchies by account id');
  for (const [account, levels] of Object.entries(byAccount)) {
    const at = member(where, account);
    if (!isAccountId(account))
      fail(at, `"${account}" is not a 12-digit account id`, 'Hierarchies are given per account: {"111122223333": [{"Target": "r-abcd", "Policies": […]}, …]}.');
    out[account] = expectArray(levels, at, 'a list of levels [{"Target": …, "Policies": […]}], root first').map((l, i) =>
      parseOrgLevel(l, index(at, i), source),
    );
  }
  return out;
}

function parseOrgLevel(value: unknown, at: Where, source: 'scp' | 'rcp'): OrgPolicyLevel {
  const l = expectObject(value, at, 'a level {"Target": …, "Policies": […]}');
  rejectUnknownFields(l, ORG_LEVEL_FIELDS, at, 'an organization level');
  const target = requiredString(l, 'Target', at);
  const policiesAt = member(at, 'Policies');
  if (l.Policies === undefined) fail(policiesAt, 'Policies is missing');
  const policies = expectArray(l.Policies, policiesAt).map((p, j) =>
    parseOrgPolicy(p, index(policiesAt, j), source, `${source.toUpperCase()} ${j + 1} on ${target}`),
  );
  // Organizations never leaves a root, OU or account without a policy of each enabled type
  // (FullAWSAccess / RCPFullAWSAccess); an empty level would deny everything and is surely a mistake.
  if (policies.length === 0)
    fail(
      policiesAt,
      `level ${target} has no policies`,
      `AWS Organizations requires at least one ${source.toUpperCase()} at every level; the default is ${source === 'scp' ? 'FullAWSAccess' : 'RCPFullAWSAccess'}.`,
    );
  return { target, policies };
}

/** A policy document, or {Name, Content} as `aws organizations describe-policy` has it (Content is a JSON string). */
function parseOrgPolicy(value: unknown, at: Where, source: 'scp' | 'rcp', fallbackName: string): Policy {
  if (!isObject(value) || 'Statement' in value) {
    return parsePolicyDocument(value, { source, name: fallbackName, file: at.file, path: at.path });
  }
  rejectUnknownFields(value, ORG_POLICY_FIELDS, at, 'an organization policy');
  const name = optionalString(value, 'Name', at) ?? optionalString(value, 'PolicyName', at) ?? fallbackName;
  const arn = optionalString(value, 'Arn', at);
  const docKey = value.Content !== undefined ? 'Content' : 'Document';
  if (value.Content !== undefined && value.Document !== undefined) fail(at, 'give either Content or Document, not both');
  if (value[docKey] === undefined)
    fail(member(at, 'Content'), 'Content is missing', 'Give the policy document as Content (the JSON string describe-policy returns) or Document.');
  const docAt = member(at, docKey);
  const opts = { source, name, file: docAt.file, path: docAt.path };
  return parsePolicyDocument(value[docKey], arn === undefined ? opts : { ...opts, arn });
}

// ---------------------------------------------------------------------------------------------
// Functions

/** GetFunctionConfiguration outputs, kept as they are for `kms-why lambda`. */
function parseFunctions(value: unknown, where: Where): unknown[] {
  return expectArray(value, where, 'a list of GetFunctionConfiguration outputs').map((f, i) => {
    const at = index(where, i);
    const obj = expectObject(f, at, 'a GetFunctionConfiguration output');
    if (obj.FunctionArn !== undefined) expectString(obj.FunctionArn, member(at, 'FunctionArn'));
    return obj;
  });
}
