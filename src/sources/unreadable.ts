// Inputs that could not be read, and the record of where every input came from.
//
// A live snapshot (`kms-why snapshot`) cannot always read everything: ListGrants or GetKeyPolicy may
// be denied to the caller, and ListGrants may be cut short. It then writes, in place of the value,
//
//     {"kmsWhyUnreadable": {"reason": "AccessDeniedException", "neededPermission": "kms:ListGrants on arn:…"}}
//
// which is accepted for Policy, Grants and Tags of a key and for IdentityPolicies,
// PermissionsBoundary, SessionPolicies and Tags of a principal. It becomes an UnknownInput, so that
// the evaluator answers `unknown` wherever the missing input could change the verdict, instead of
// reading "could not be read" as "there is none".
import type { PartialGrants } from '../model/key.js';
import type { PrincipalPolicies } from '../model/principal.js';
import type { InputRecord } from '../model/snapshot.js';
import { isUnknown, unknownInput } from '../model/unknown.js';
import type { Unknowable, UnknownInput } from '../model/unknown.js';
import { describeWhere, expectObject, isObject, member, optionalString, rejectUnknownFields, requiredString } from './json-path.js';
import type { Where } from './json-path.js';

export const UNREADABLE_MARKER = 'kmsWhyUnreadable';
/** The reason of an input that the snapshot simply does not contain (InputRecord status `absent`). */
export const NOT_IN_SNAPSHOT = 'not in the snapshot';

/** Account-level reads of `kms-why snapshot --account`; when one fails, the snapshot lists it under "Unreadable". */
export { iamDetailsWhat, IAM_DETAILS_WHAT } from '../model/snapshot.js';
export const accountAliasesWhat = (region: string): string => `aliases of region ${region}`;
export const functionsWhat = (region: string): string => `Lambda functions of region ${region}`;
export const ACCOUNT_LEVEL_WHAT = /^(IAM roles, users and policies of account |aliases of region |Lambda functions of region )/;

/** The UnknownInput a marker stands for, or undefined when `value` is no marker. */
export function readUnreadableMarker(value: unknown, where: Where, what: string): UnknownInput | undefined {
  if (!isObject(value) || !(UNREADABLE_MARKER in value)) return undefined;
  rejectUnknownFields(value, [UNREADABLE_MARKER], where, 'an unreadable-input marker');
  const inner = member(where, UNREADABLE_MARKER);
  const body = expectObject(value[UNREADABLE_MARKER], inner);
  rejectUnknownFields(body, ['reason', 'neededPermission'], inner, 'an unreadable-input marker');
  return unknownInput(what, requiredString(body, 'reason', inner), optionalString(body, 'neededPermission', inner));
}

export function absent(what: string): UnknownInput {
  return unknownInput(what, NOT_IN_SNAPSHOT);
}

/** One InputRecord for a value that was read, could not be read, or is not there. */
export function inputRecord(what: string, where: Where, value: Unknowable<unknown>): InputRecord {
  const from = describeWhere(where);
  if (!isUnknown(value)) return { what, from, status: 'read' };
  const detail = value.neededPermission !== undefined ? `${value.reason} (needs ${value.neededPermission})` : value.reason;
  return { what, from, status: value.reason === NOT_IN_SNAPSHOT ? 'absent' : 'unreadable', detail };
}

/**
 * A grant list read in part (the live check of one principal on a key with many grants), for the
 * live path and for a snapshot file alike: the live report and the report replayed from its
 * snapshot say the same.
 */
export function partialGrants(keyArn: string, read: { firstPage: number; granteePrincipals: string[]; grantIds: string[] }): PartialGrants {
  const ids = read.grantIds.length === 0 ? '' : ` and grant${read.grantIds.length === 1 ? '' : 's'} ${read.grantIds.join(', ')}`;
  const what = `the first ${read.firstPage} and every grant to ${read.granteePrincipals.join(', ') || 'no grantee'}${ids}`;
  return {
    firstPage: read.firstPage,
    granteePrincipals: [...read.granteePrincipals],
    grantIds: [...read.grantIds],
    whole: unknownInput(
      grantsWhat(keyArn),
      `only part of the key's grants were read (${what}; the key has more): enough for a check of the principal they were read for, not the whole list (kms-why snapshot --all-grants reads every grant)`,
    ),
  };
}

/** The detail of the input record of a grant list read in part. */
export function partialGrantsDetail(p: PartialGrants): string {
  const ids = p.grantIds.length === 0 ? '' : ` and grant${p.grantIds.length === 1 ? '' : 's'} ${p.grantIds.join(', ')}`;
  return `partial: the key has more than ${p.firstPage} grants; read the first ${p.firstPage} and every grant to ${p.granteePrincipals.join(', ') || 'no grantee'}${ids} (ListGrants filtered), which are all the grants that can apply to the principal`;
}

/** The InputRecord of a key's grants (`rec`), saying when they were read only in part. */
export function grantsRecord(rec: InputRecord, partial: PartialGrants | undefined): InputRecord {
  return partial !== undefined && rec.status === 'read' ? { ...rec, detail: partialGrantsDetail(partial) } : rec;
}

export const keyPolicyWhat = (keyArn: string): string => `key policy of ${keyArn}`;
export const grantsWhat = (keyArn: string): string => `grants of ${keyArn}`;
export const keyTagsWhat = (keyArn: string): string => `tags of ${keyArn}`;
export const aliasesWhat = (keyArn: string): string => `aliases of ${keyArn}`;
export const principalWhat = (arn: string): string => `principal ${arn}`;
export { identityPoliciesWhat } from '../model/unknown.js';
export const boundaryWhat = (arn: string): string => `permissions boundary of ${arn}`;
export const sessionPoliciesWhat = (arn: string): string => `session policies of ${arn}`;
export const principalTagsWhat = (arn: string): string => `tags of ${arn}`;

/**
 * The one InputRecord of a principal: `read` when all its parts are known, else `unreadable` with
 * every part that is not.
 */
export function principalRecord(arn: string, where: Where, parts: PrincipalPolicies): InputRecord {
  const unknown = [parts.identityPolicies, parts.permissionsBoundary, parts.sessionPolicies, parts.tags].filter((p): p is UnknownInput =>
    isUnknown<unknown>(p),
  );
  const from = describeWhere(where);
  if (unknown.length === 0) return { what: principalWhat(arn), from, status: 'read' };
  const detail = unknown.map((u) => `${u.what}: ${inputRecord(u.what, where, u).detail ?? u.reason}`).join('; ');
  return { what: principalWhat(arn), from, status: 'unreadable', detail };
}

/**
 * Reads an input that may be absent or replaced by an unreadable marker: `ifAbsent` when the member
 * is not there, the marker's UnknownInput, or what `parse` makes of the value.
 */
export function readUnknowable<T>(
  value: unknown,
  where: Where,
  what: string,
  ifAbsent: () => Unknowable<T>,
  parse: (v: unknown, w: Where) => T,
): Unknowable<T> {
  if (value === undefined) return ifAbsent();
  return readUnreadableMarker(value, where, what) ?? parse(value, where);
}
