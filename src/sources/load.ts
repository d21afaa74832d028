// `--from FILE…`: snapshot files and bare AWS CLI outputs, recognised by their shape and merged
// into one Snapshot. The outputs are the ones a user can paste without editing:
//
//   aws kms describe-key --key-id K                    {"KeyMetadata": {…}}
//   aws kms get-key-policy --key-id K                  {"Policy": "<JSON string>", "PolicyName": "default"}
//   … --query Policy --output text                     the policy document itself
//   aws kms list-grants --key-id K                     {"Grants": […], "Truncated": false}
//   aws kms list-resource-tags --key-id K              {"Tags": [{"TagKey": …, "TagValue": …}], "Truncated": false}
//   aws kms list-aliases [--key-id K]                  {"Aliases": [{"AliasName": …, "TargetKeyId": …}]}
//   aws iam get-account-authorization-details          {"UserDetailList": …, "RoleDetailList": …, "Policies": …}
import { parseArn } from '../model/arn.js';
import type { Grant } from '../model/grant.js';
import type { Key } from '../model/key.js';
import type { Policy } from '../model/policy.js';
import type { InputRecord, Organization, Snapshot } from '../model/snapshot.js';
import { isUnknown, unknownInput } from '../model/unknown.js';
import type { Unknowable } from '../model/unknown.js';
import {
  PAGE_FIELDS,
  isTruncatedPage,
  parseAliasEntries,
  parseGrantsPage,
  parseKeyMetadata,
  parseKeyPolicy,
  parseTags,
  refersToKey,
  truncatedGrants,
  unstatedMetadata,
} from './aws-kms.js';
import type { AliasEntry } from './aws-kms.js';
import { AUTHORIZATION_DETAILS_LISTS, addDerivedPrincipals, principalsFromAuthorizationDetails, truncatedDetails } from './iam-details.js';
import type { DerivedPrincipal } from './iam-details.js';
import { displayName, readJsonText } from './json-file.js';
import type { ReadJsonOptions } from './json-file.js';
import { describeWhere, fail, isObject, member, optionalString, rejectUnknownFields, typeName } from './json-path.js';
import type { JsonObject, Where } from './json-path.js';
import { SNAPSHOT_MARKER, parseSnapshotParts } from './snapshot-file.js';
import { absent, aliasesWhat, grantsWhat, inputRecord, keyPolicyWhat, keyTagsWhat } from './unreadable.js';

/** One input file, parsed and recognised. */
type Piece =
  | { kind: 'snapshot'; snapshot: Snapshot; derived: DerivedPrincipal[]; where: Where }
  | { kind: 'describe-key'; key: Key; where: Where }
  | { kind: 'key-policy'; policy: Policy; where: Where }
  | { kind: 'grants'; grants: Grant[]; truncated: boolean; where: Where }
  | { kind: 'tags'; tags: Record<string, string>; truncated: boolean; where: Where }
  | { kind: 'aliases'; aliases: AliasEntry[]; truncated: boolean; where: Where }
  | { kind: 'iam'; derived: DerivedPrincipal[]; truncated: InputRecord | undefined; where: Where };

const RECOGNISED_HINT =
  'kms-why reads its own snapshots ({"kmsWhySnapshot": 1, …}) and the JSON output of aws kms describe-key, get-key-policy, list-grants, list-resource-tags, list-aliases and aws iam get-account-authorization-details.';

export async function loadFrom(files: string[], opts: ReadJsonOptions = {}): Promise<Snapshot> {
  const docs: Array<{ file: string; value: unknown }> = [];
  for (const file of files) docs.push({ file: displayName(file), value: await readJsonText(file, opts) });
  return snapshotFromDocuments(docs);
}

/** Merges already-parsed JSON documents (named by file) into one Snapshot. */
export function snapshotFromDocuments(docs: Array<{ file: string; value: unknown }>): Snapshot {
  const pieces = docs.map((d) => recognise(d.value, { file: d.file, path: '' }));
  const out: Snapshot = { keys: [], principals: {}, inputs: [] };
  const keyOrigin = new Map<string, string>();
  for (const p of pieces) {
    if (p.kind === 'snapshot') mergeSnapshot(out, p.snapshot, p.where, keyOrigin);
    if (p.kind === 'describe-key') addKey(out, p.key, p.where, keyOrigin);
  }
  for (const p of pieces) attach(out, p);
  // Explicit principals of every snapshot are in by now; derived ones fill only the gaps.
  for (const p of pieces) if (p.kind === 'snapshot' || p.kind === 'iam') addDerivedPrincipals(out.principals, p.derived, inputsOf(out));
  for (const p of pieces) if (p.kind === 'iam' && p.truncated !== undefined) inputsOf(out).push(p.truncated);
  const asked = principalsAskedFor(pieces);
  if (asked !== undefined) out.principalsAskedFor = asked;
  const keysAsked = keysAskedFor(pieces);
  if (keysAsked !== undefined) out.keysAskedFor = keysAsked;
  return out;
}

/**
 * What the merged snapshot was made for (`of`: its principals or its keys), when it holds only
 * some: every snapshot file says it was made for some only (their union, with `extra`), and no
 * other input (`whole`) lists them all. A snapshot file without it makes the merged list whole.
 */
function askedFor(pieces: Piece[], of: (s: Snapshot) => string[] | undefined, whole: boolean, extra: readonly string[] = []): string[] | undefined {
  const snapshots = pieces.flatMap((p) => (p.kind === 'snapshot' ? [p.snapshot] : []));
  if (snapshots.length === 0 || whole) return undefined;
  const lists = snapshots.map(of);
  if (lists.some((l) => l === undefined)) return undefined;
  return [...new Set([...lists.flatMap((l) => l!), ...extra])];
}

/** The principals: a get-account-authorization-details output lists the account's roles and users. */
function principalsAskedFor(pieces: Piece[]): string[] | undefined {
  return askedFor(
    pieces,
    (s) => s.principalsAskedFor,
    pieces.some((p) => p.kind === 'iam'),
  );
}

/** The keys: those describe-key outputs add were read for themselves too. */
function keysAskedFor(pieces: Piece[]): string[] | undefined {
  const described = pieces.flatMap((p) => (p.kind === 'describe-key' ? [p.key.metadata.arn] : []));
  return askedFor(pieces, (s) => s.keysAskedFor, false, described);
}

function inputsOf(s: Snapshot): InputRecord[] {
  s.inputs ??= [];
  return s.inputs;
}

// ---------------------------------------------------------------------------------------------
// Recognising a file

function recognise(value: unknown, root: Where): Piece {
  if (!isObject(value)) fail(root, `expected a JSON object, got ${typeName(value)}`, RECOGNISED_HINT);
  if (SNAPSHOT_MARKER in value) {
    const { snapshot, derived } = parseSnapshotParts(value, root.file);
    return { kind: 'snapshot', snapshot, derived, where: root };
  }
  if ('KeyMetadata' in value) return describeKey(value, root);
  if ('Statement' in value) return { kind: 'key-policy', policy: parseKeyPolicy(value, root), where: root };
  if ('Policy' in value) return keyPolicyOutput(value, root);
  if ('Grants' in value) return { kind: 'grants', ...parseGrantsPage(value, root, undefined), where: root };
  if ('Tags' in value) return tagsOutput(value, root);
  if ('Aliases' in value) return aliasesOutput(value, root);
  if (AUTHORIZATION_DETAILS_LISTS.some((f) => f in value)) {
    const derived = principalsFromAuthorizationDetails(value, root);
    return { kind: 'iam', derived, truncated: truncatedDetails(value, root, derived), where: root };
  }
  if ('keys' in value || 'principals' in value) {
    fail(root, `not a kms-why snapshot: ${SNAPSHOT_MARKER} is missing`, `A snapshot starts with {"${SNAPSHOT_MARKER}": 1, …}.`);
  }
  const fields = Object.keys(value).slice(0, 8).join(', ');
  fail(root, `not a kms-why snapshot nor an AWS CLI output that kms-why reads (it has ${fields === '' ? 'no fields' : `fields ${fields}`})`, RECOGNISED_HINT);
}

function describeKey(obj: JsonObject, root: Where): Piece {
  rejectUnknownFields(obj, ['KeyMetadata'], root, 'a describe-key output');
  const metadata = parseKeyMetadata(obj.KeyMetadata, member(root, 'KeyMetadata'));
  const key: Key = {
    metadata,
    aliases: [],
    tags: {},
    policy: absent(keyPolicyWhat(metadata.arn)),
    grants: absent(grantsWhat(metadata.arn)),
    // Known only once a list-aliases output is given (kms:ResourceAliases must not read "none"),
    // and the tags once a list-resource-tags output is (aws:ResourceTag likewise).
    aliasesUnknown: absent(aliasesWhat(metadata.arn)),
    tagsAbsent: absent(keyTagsWhat(metadata.arn)),
  };
  const unstated = unstatedMetadata(obj.KeyMetadata, metadata.arn);
  if (unstated !== undefined) key.metadataUnknown = unstated;
  return { kind: 'describe-key', key, where: root };
}

/** GetKeyPolicy returns the document as a JSON string in Policy (and PolicyName, always "default"). */
function keyPolicyOutput(obj: JsonObject, root: Where): Piece {
  rejectUnknownFields(obj, ['Policy', 'PolicyName'], root, 'a get-key-policy output');
  optionalString(obj, 'PolicyName', root);
  return { kind: 'key-policy', policy: parseKeyPolicy(obj.Policy, member(root, 'Policy')), where: member(root, 'Policy') };
}

function tagsOutput(obj: JsonObject, root: Where): Piece {
  rejectUnknownFields(obj, ['Tags', ...PAGE_FIELDS], root, 'a list-resource-tags output');
  return { kind: 'tags', tags: parseTags(obj.Tags, member(root, 'Tags')), truncated: isTruncatedPage(obj, root), where: member(root, 'Tags') };
}

function aliasesOutput(obj: JsonObject, root: Where): Piece {
  rejectUnknownFields(obj, ['Aliases', ...PAGE_FIELDS], root, 'a list-aliases output');
  return {
    kind: 'aliases',
    aliases: parseAliasEntries(obj.Aliases, member(root, 'Aliases')),
    truncated: isTruncatedPage(obj, root),
    where: member(root, 'Aliases'),
  };
}

// ---------------------------------------------------------------------------------------------
// Merging

/** `recordInputs`: false for snapshot keys, whose snapshot already recorded their inputs. */
function addKey(out: Snapshot, key: Key, where: Where, keyOrigin: Map<string, string>, recordInputs = true): void {
  const earlier = keyOrigin.get(key.metadata.arn);
  if (earlier !== undefined) {
    fail(where, `key ${key.metadata.arn} is given twice (also in ${earlier})`, 'Give each key once: either as a snapshot entry or as describe-key output.');
  }
  keyOrigin.set(key.metadata.arn, describeWhere(where));
  out.keys.push(key);
  if (recordInputs) {
    inputsOf(out).push(inputRecord(keyPolicyWhat(key.metadata.arn), where, key.policy), inputRecord(grantsWhat(key.metadata.arn), where, key.grants));
  }
}

function mergeSnapshot(out: Snapshot, s: Snapshot, where: Where, keyOrigin: Map<string, string>): void {
  s.keys.forEach((k, i) => {
    addKey(out, k, { file: where.file, path: `keys[${i}]` }, keyOrigin, false);
  });
  for (const [arn, p] of Object.entries(s.principals)) {
    if (out.principals[arn] !== undefined) fail(where, `principal ${arn} is given in more than one file`, 'Give each principal once.');
    out.principals[arn] = p;
  }
  inputsOf(out).push(...(s.inputs ?? []));
  if (s.organization !== undefined) out.organization = mergeOrganization(out.organization, s.organization, where);
  if (s.functions !== undefined) out.functions = [...(out.functions ?? []), ...s.functions];
  if (out.capturedAt === undefined && s.capturedAt !== undefined) out.capturedAt = s.capturedAt;
  if (out.region === undefined && s.region !== undefined) out.region = s.region;
}

/** Hierarchies are per account; the same account in two files would be ambiguous. */
function mergeOrganization(into: Organization | undefined, org: Organization, where: Where): Organization {
  if (into === undefined) return org;
  const merged: Organization = {
    serviceControlPolicies: mergeByAccount(into.serviceControlPolicies, org.serviceControlPolicies, where, 'ServiceControlPolicies'),
    resourceControlPolicies: mergeByAccount(into.resourceControlPolicies, org.resourceControlPolicies, where, 'ResourceControlPolicies'),
  };
  if (into.managementAccountId !== undefined && org.managementAccountId !== undefined && into.managementAccountId !== org.managementAccountId) {
    fail(member(where, 'Organization'), `ManagementAccountId ${org.managementAccountId} differs from ${into.managementAccountId} in another file`);
  }
  const mgmt = into.managementAccountId ?? org.managementAccountId;
  if (mgmt !== undefined) merged.managementAccountId = mgmt;
  return merged;
}

function mergeByAccount<T>(a: Record<string, T>, b: Record<string, T>, where: Where, field: string): Record<string, T> {
  for (const account of Object.keys(b)) {
    if (a[account] !== undefined) fail(member(member(where, 'Organization'), field), `account ${account} has a hierarchy in more than one file`);
  }
  return { ...a, ...b };
}

function attach(out: Snapshot, p: Piece): void {
  switch (p.kind) {
    case 'key-policy': {
      const key = onlyKey(out, p.where, 'key policy');
      if (!isUnknown(key.policy)) fail(p.where, `key ${key.metadata.arn} already has a key policy (from ${key.policy.origin ?? 'another file'})`);
      key.policy = p.policy;
      replaceInput(out, inputRecord(keyPolicyWhat(key.metadata.arn), p.where, p.policy));
      return;
    }
    case 'grants': {
      const key = keyForGrants(out, p.grants, p.where);
      if (!isUnknown(key.grants)) fail(p.where, `key ${key.metadata.arn} already has a grants list`);
      const grants: Unknowable<Grant[]> = p.truncated ? truncatedGrants(key.metadata.arn) : p.grants.map((g) => ({ ...g, keyArn: key.metadata.arn }));
      key.grants = grants;
      replaceInput(out, inputRecord(grantsWhat(key.metadata.arn), p.where, grants));
      return;
    }
    case 'tags': {
      const key = onlyKey(out, p.where, 'tags list');
      delete key.tagsAbsent;
      // A truncated tag list cannot say a tag is absent, so it is unknown as a whole.
      if (p.truncated) key.tagsUnknown = unknownInput(keyTagsWhat(key.metadata.arn), 'tags list is truncated');
      else key.tags = p.tags;
      replaceInput(out, inputRecord(keyTagsWhat(key.metadata.arn), p.where, key.tagsUnknown ?? key.tags));
      return;
    }
    case 'aliases':
      attachAliases(out, p.aliases, p.truncated, p.where);
      return;
    default:
      return;
  }
}

function onlyKey(out: Snapshot, where: Where, what: string): Key {
  if (out.keys.length === 1) return out.keys[0]!;
  if (out.keys.length === 0) {
    fail(where, `a ${what} needs a key, but no file describes one`, 'Add the output of `aws kms describe-key --key-id KEY` as another --from file.');
  }
  fail(
    where,
    `${out.keys.length} keys are loaded (${out.keys.map((k) => k.metadata.arn).join(', ')}); kms-why cannot tell which one this ${what} belongs to`,
    "Load one key per run, or put the key policy, grants and tags into that key's entry of a snapshot file.",
  );
}

/** ListGrants entries carry their key's ARN, so with several keys they can still find theirs. */
function keyForGrants(out: Snapshot, grants: Grant[], where: Where): Key {
  const ids = [...new Set(grants.map((g) => g.keyArn).filter((k): k is string => k !== undefined))];
  if (out.keys.length > 1 && ids.length === 1) {
    const key = out.keys.find((k) => refersToKey(ids[0]!, k.metadata));
    if (key !== undefined) return key;
  }
  const key = onlyKey(out, where, 'grants list');
  const other = ids.find((id) => !refersToKey(id, key.metadata));
  if (other !== undefined)
    fail(where, `the grants list is for key ${other}, not ${key.metadata.arn}`, 'Give the list-grants output of the key that is described.');
  return key;
}

/** ListAliases lists every alias in the account; each attaches to the key it targets, if that key is loaded. */
function attachAliases(out: Snapshot, aliases: AliasEntry[], truncated: boolean, where: Where): void {
  // A list-aliases output lists the aliases of the keys it covers: every loaded key's are now
  // known, unless the page is cut short. A later page may hold an alias that makes a
  // kms:ResourceAliases Deny apply (ForAnyValue) or an Allow fail (ForAllValues), so a truncated
  // list leaves them unknown as a whole, like a truncated list of tags or grants [API ListAliases].
  for (const k of out.keys) {
    if (truncated) k.aliasesUnknown = unknownInput(aliasesWhat(k.metadata.arn), 'alias list is truncated');
    else delete k.aliasesUnknown;
    replaceInput(out, inputRecord(aliasesWhat(k.metadata.arn), where, k.aliasesUnknown ?? k.aliases));
  }
  for (const a of aliases) {
    if (a.targetKeyId === undefined) continue; // AWS managed aliases not yet in use target no key
    const arn = a.aliasArn !== undefined ? parseArn(a.aliasArn) : null;
    // Multi-Region replicas share their key id; the alias ARN says which region's key it is.
    const key = out.keys.find(
      (k) => refersToKey(a.targetKeyId!, k.metadata) && (arn === null || (arn.region === k.metadata.region && arn.account === k.metadata.account)),
    );
    if (key !== undefined && !key.aliases.includes(a.aliasName)) key.aliases.push(a.aliasName);
  }
}

/** Replaces the record of an input (e.g. the "absent" key policy of a describe-key file) by the one that supplied it. */
function replaceInput(out: Snapshot, record: InputRecord): void {
  const inputs = inputsOf(out);
  const i = inputs.findIndex((r) => r.what === record.what);
  if (i >= 0) inputs[i] = record;
  else inputs.push(record);
}
