// `aws iam get-account-authorization-details` output turned into principals: every role and user
// with its inline policies, attached managed policies (the default version's document, from the
// Policies list), its groups' policies, permissions boundary and tags.
import { parsePrincipal } from '../model/arn.js';
import type { Policy } from '../model/policy.js';
import type { PrincipalPolicies } from '../model/principal.js';
import type { InputRecord } from '../model/snapshot.js';
import { unknownInput } from '../model/unknown.js';
import type { Unknowable } from '../model/unknown.js';
import { parseTags } from './aws-kms.js';
import { describeWhere, expectArray, expectObject, expectString, fail, index, member, optionalString, rejectNearMisses, requiredString } from './json-path.js';
import type { JsonObject, Where } from './json-path.js';
import { parsePolicyDocument } from './policy-document.js';
import { boundaryWhat, iamDetailsWhat, identityPoliciesWhat, principalRecord } from './unreadable.js';

/** The lists that make an object a get-account-authorization-details output. */
export const AUTHORIZATION_DETAILS_LISTS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;
/**
 * All its top-level members (IsTruncated/Marker from the API, NextToken from the CLI's --max-items).
 * A principal or managed policy that a truncated output lacks stays unknown; what needs the whole
 * list (who-can, which enumerates the account's roles and users) reads truncatedDetails.
 */
const AUTHORIZATION_DETAILS_FIELDS = [...AUTHORIZATION_DETAILS_LISTS, 'IsTruncated', 'Marker', 'NextToken'] as const;
const ROLE_FIELDS = [
  'Path',
  'RoleName',
  'RoleId',
  'Arn',
  'CreateDate',
  'AssumeRolePolicyDocument',
  'InstanceProfileList',
  'RolePolicyList',
  'AttachedManagedPolicies',
  'PermissionsBoundary',
  'Tags',
  'RoleLastUsed',
];
const USER_FIELDS = [
  'Path',
  'UserName',
  'UserId',
  'Arn',
  'CreateDate',
  'UserPolicyList',
  'GroupList',
  'AttachedManagedPolicies',
  'PermissionsBoundary',
  'Tags',
];
const GROUP_FIELDS = ['Path', 'GroupName', 'GroupId', 'Arn', 'CreateDate', 'GroupPolicyList', 'AttachedManagedPolicies'];

/** A principal derived from the details, filed under its ARN without and with its IAM path. */
export interface DerivedPrincipal {
  /** The ARN without path first (what session ARNs and most users name), then the ARN with path if it differs. */
  arns: string[];
  policies: PrincipalPolicies;
  input: InputRecord;
}

type ManagedSource = 'identity-policy' | 'permissions-boundary';

/** Managed policy documents by ARN, parsed on first use (most of the AWS managed ones are never attached here). */
class ManagedPolicies {
  private readonly entries = new Map<string, { name: string; doc?: unknown; where: Where; problem?: string }>();
  private readonly parsed = new Map<string, Policy>();

  constructor(value: unknown, where: Where) {
    if (value === undefined || value === null) return;
    expectArray(value, where, 'a list of managed policies').forEach((item, i) => {
      this.add(item, index(where, i));
    });
  }

  private add(item: unknown, at: Where): void {
    const p = expectObject(item, at, 'a managed policy');
    rejectNearMisses(
      p,
      [
        'PolicyName',
        'PolicyId',
        'Arn',
        'Path',
        'DefaultVersionId',
        'AttachmentCount',
        'PermissionsBoundaryUsageCount',
        'IsAttachable',
        'Description',
        'CreateDate',
        'UpdateDate',
        'PolicyVersionList',
      ],
      ['PolicyName', 'Arn', 'DefaultVersionId', 'PolicyVersionList'],
      at,
      'a managed policy',
    );
    const arn = requiredString(p, 'Arn', at);
    const name = requiredString(p, 'PolicyName', at);
    const defaultId = optionalString(p, 'DefaultVersionId', at);
    const versionsAt = member(at, 'PolicyVersionList');
    const versions = p.PolicyVersionList === undefined ? [] : expectArray(p.PolicyVersionList, versionsAt);
    // Only the default version is in force; the others are kept by IAM for rollback.
    const i = versions.findIndex((v, k) => {
      const ver = expectObject(v, index(versionsAt, k), 'a policy version');
      return ver.IsDefaultVersion === true || (defaultId !== undefined && ver.VersionId === defaultId);
    });
    if (i < 0) {
      this.entries.set(arn, { name, where: at, problem: `managed policy ${arn} has no default version in PolicyVersionList` });
      return;
    }
    const ver = versions[i] as JsonObject;
    const docAt = member(index(versionsAt, i), 'Document');
    if (ver.Document === undefined) fail(docAt, 'Document is missing');
    this.entries.set(arn, { name, doc: ver.Document, where: docAt });
  }

  /** The policy, or why it is not known. */
  get(arn: string, source: ManagedSource): Policy | string {
    const entry = this.entries.get(arn);
    if (entry === undefined)
      return `managed policy ${arn} is attached but not in the Policies list (run get-account-authorization-details without --filter, or add LocalManagedPolicy AWSManagedPolicy)`;
    if (entry.problem !== undefined) return entry.problem;
    const cacheKey = `${source} ${arn}`;
    let policy = this.parsed.get(cacheKey);
    if (policy === undefined) {
      policy = parsePolicyDocument(entry.doc, { source, name: entry.name, arn, file: entry.where.file, path: entry.where.path });
      this.parsed.set(cacheKey, policy);
    }
    return policy;
  }
}

/** The policies of one role, user or group, with the reasons for any that are missing. */
interface Gathered {
  policies: Policy[];
  missing: string[];
}

interface Context {
  managed: ManagedPolicies;
  groups: Map<string, { entry: JsonObject; where: Where }>;
}

export function principalsFromAuthorizationDetails(value: unknown, where: Where): DerivedPrincipal[] {
  const d = expectObject(value, where, 'get-account-authorization-details output');
  rejectNearMisses(d, AUTHORIZATION_DETAILS_FIELDS, AUTHORIZATION_DETAILS_FIELDS, where, 'AccountAuthorizationDetails');
  const ctx: Context = {
    managed: new ManagedPolicies(d.Policies, member(where, 'Policies')),
    groups: indexGroups(d.GroupDetailList, member(where, 'GroupDetailList')),
  };
  const roles = listOf(d.RoleDetailList, member(where, 'RoleDetailList')).map(([r, at]) => derive(r, at, 'role', ctx));
  const users = listOf(d.UserDetailList, member(where, 'UserDetailList')).map(([u, at]) => derive(u, at, 'user', ctx));
  return [...roles, ...users];
}

/**
 * A get-account-authorization-details output cut short (IsTruncated, a Marker, or the CLI's
 * NextToken of --max-items) lists only some of the account's roles and users: recorded as the
 * account's IAM read in part, which who-can reports (the roles and users on later pages are
 * missing from its answer) [API GetAccountAuthorizationDetails].
 */
export function truncatedDetails(value: unknown, where: Where, derived: readonly DerivedPrincipal[]): InputRecord | undefined {
  const d = value as JsonObject;
  const cut = d.IsTruncated === true || typeof d.Marker === 'string' || typeof d.NextToken === 'string';
  if (!cut) return undefined;
  const account = derived.map((p) => parsePrincipal(p.arns[0]!)?.account).find((a) => a !== undefined);
  return {
    what: iamDetailsWhat(account ?? '(not named in the output)'),
    from: describeWhere(where),
    status: 'unreadable',
    detail: 'the get-account-authorization-details output is truncated; its later pages were not given',
  };
}

/** Files derived principals under their ARNs, leaving alone any principal the snapshot gives explicitly. */
export function addDerivedPrincipals(target: Record<string, PrincipalPolicies>, derived: DerivedPrincipal[], inputs: InputRecord[]): void {
  for (const d of derived) {
    const existing = d.arns.map((a) => target[a]).find((p) => p !== undefined);
    if (existing !== undefined) {
      // An explicit entry wins, but the details still tell the role's path (aws:PrincipalArn has it).
      existing.resolvedArn ??= d.policies.resolvedArn;
      if (d.policies.uniqueId !== undefined) existing.uniqueId ??= d.policies.uniqueId;
      continue;
    }
    for (const arn of d.arns) target[arn] = d.policies;
    inputs.push(d.input);
  }
}

function listOf(value: unknown, where: Where): Array<[JsonObject, Where]> {
  if (value === undefined || value === null) return [];
  return expectArray(value, where).map((item, i) => [expectObject(item, index(where, i)), index(where, i)]);
}

function indexGroups(value: unknown, where: Where): Context['groups'] {
  const groups: Context['groups'] = new Map();
  for (const [g, at] of listOf(value, where)) {
    rejectNearMisses(g, GROUP_FIELDS, GROUP_FIELDS, at, 'a group');
    groups.set(requiredString(g, 'GroupName', at), { entry: g, where: at });
  }
  return groups;
}

function derive(entity: JsonObject, at: Where, kind: 'role' | 'user', ctx: Context): DerivedPrincipal {
  rejectNearMisses(entity, kind === 'role' ? ROLE_FIELDS : USER_FIELDS, kind === 'role' ? ROLE_FIELDS : USER_FIELDS, at, `a ${kind}`);
  const arn = requiredString(entity, 'Arn', at);
  const ref = parsePrincipal(arn);
  if (ref === null || ref.kind !== kind) fail(member(at, 'Arn'), `invalid ${kind} ARN "${arn}"`);
  const pathless = `arn:${ref.partition}:iam::${ref.account}:${kind}/${ref.name}`;
  const gathered = kind === 'role' ? gatherOwn(entity, at, 'RolePolicyList', ctx, '') : gatherUser(entity, at, ctx);
  const policies: PrincipalPolicies = {
    identityPolicies: gathered.missing.length === 0 ? gathered.policies : unknownInput(identityPoliciesWhat(pathless), gathered.missing.join('; ')),
    permissionsBoundary: boundaryOf(entity, at, pathless, ctx),
    sessionPolicies: [],
    // AWS's answer lists a role's or user's tags with it and leaves Tags out when there are none
    // (RoleDetail, UserDetail in the IAM API Reference), so here absence is "no tags" — unlike a
    // principal entry of a snapshot, where it means the tags were not given (tagsAbsent).
    tags: entity.Tags === undefined || entity.Tags === null ? {} : parseTags(entity.Tags, member(at, 'Tags')),
    resolvedArn: arn,
  };
  const id = entity[kind === 'role' ? 'RoleId' : 'UserId'];
  if (typeof id === 'string' && id !== '') policies.uniqueId = id;
  return { arns: arn === pathless ? [pathless] : [pathless, arn], policies, input: principalRecord(pathless, at, policies) };
}

/** Inline policies (in the given list member) and attached managed policies of a role, user or group. */
function gatherOwn(entity: JsonObject, at: Where, inlineField: string, ctx: Context, namePrefix: string): Gathered {
  const out: Gathered = { policies: [], missing: [] };
  for (const [p, pAt] of listOf(entity[inlineField], member(at, inlineField))) {
    const name = requiredString(p, 'PolicyName', pAt);
    out.policies.push(
      parsePolicyDocument(p.PolicyDocument, {
        source: 'identity-policy',
        name: `${namePrefix}${name}`,
        file: pAt.file,
        path: member(pAt, 'PolicyDocument').path,
      }),
    );
  }
  for (const [m, mAt] of listOf(entity.AttachedManagedPolicies, member(at, 'AttachedManagedPolicies'))) {
    const found = ctx.managed.get(requiredString(m, 'PolicyArn', mAt), 'identity-policy');
    if (typeof found === 'string') out.missing.push(found);
    else out.policies.push(found);
  }
  return out;
}

/** A user's own policies plus those of each group it is in (IAM evaluates them all as identity policies). */
function gatherUser(user: JsonObject, at: Where, ctx: Context): Gathered {
  const out = gatherOwn(user, at, 'UserPolicyList', ctx, '');
  const groupsAt = member(at, 'GroupList');
  const names = user.GroupList === undefined || user.GroupList === null ? [] : expectArray(user.GroupList, groupsAt);
  names.forEach((n, i) => {
    const name = expectString(n, index(groupsAt, i), { nonEmpty: true });
    const group = ctx.groups.get(name);
    if (group === undefined) {
      out.missing.push(`group ${name} is not in the GroupDetailList`);
      return;
    }
    const g = gatherOwn(group.entry, group.where, 'GroupPolicyList', ctx, `${name}/`);
    out.missing.push(...g.missing);
    for (const p of g.policies) {
      // A managed policy attached to the user and to a group still applies once.
      if (p.arn === undefined || !out.policies.some((q) => q.arn === p.arn)) out.policies.push(p);
    }
  });
  return out;
}

function boundaryOf(entity: JsonObject, at: Where, arn: string, ctx: Context): Unknowable<Policy | null> {
  const b = entity.PermissionsBoundary;
  if (b === undefined || b === null) return null;
  const bAt = member(at, 'PermissionsBoundary');
  const pb = expectObject(b, bAt);
  const policyArn = requiredString(pb, 'PermissionsBoundaryArn', bAt);
  const found = ctx.managed.get(policyArn, 'permissions-boundary');
  return typeof found === 'string' ? unknownInput(boundaryWhat(arn), found) : found;
}
