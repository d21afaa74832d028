// The caller's side, read from IAM: a role's or a user's inline and managed policies (a user's
// groups' too), its permissions boundary and its tags. Documents arrive URL-encoded and are parsed
// by parsePolicyDocument. Any read that fails makes the part it belongs to unknown as a whole: a
// list of policies with one missing could hide the Deny that decides.
import { iamRoleArn } from '../../model/arn.js';
import {
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import type { Tag } from '@aws-sdk/client-iam';
import { KmsWhyError } from '../../model/errors.js';
import type { Policy, PolicySource } from '../../model/policy.js';
import type { Unknowable } from '../../model/unknown.js';
import { parseTags } from '../aws-kms.js';
import { parsePolicyDocument } from '../policy-document.js';
import { boundaryWhat, identityPoliciesWhat, principalTagsWhat } from '../unreadable.js';
import type { AwsSession, Failure, Outcome } from './aws.js';
import { Problems, plain, unknownFrom } from './failures.js';
import { PageMarkers } from './paging.js';
import type { FailedCall } from './failures.js';

/** IAM's largest page. */
const IAM_PAGE = 1000;
/** A list that never ends is a malformed answer, not a reason to loop forever. */
const MAX_PAGES = 1000;

export interface IamRead {
  /** The role's or user's ARN as IAM reports it (with its path), when GetRole/GetUser answered. */
  observedArn?: string;
  /** RoleId / UserId (for aws:userid), when GetRole/GetUser answered with it. */
  uniqueId?: string;
  identity: Unknowable<Policy[]>;
  boundary: Unknowable<Policy | null>;
  tags: Unknowable<Record<string, string>>;
  /** The calls made, for the input record. */
  ops: string[];
}

type Listed<T> = { ok: true; items: T[] } | { ok: false; failure: Failure };

/** Every page of an IAM list (IsTruncated / Marker). */
async function listIam<O extends { IsTruncated?: boolean | undefined; Marker?: string | undefined }, T>(
  s: AwsSession,
  op: string,
  page: (marker: string | undefined) => Promise<O>,
  items: (out: O) => T[] | undefined,
  priority: number,
  member: string,
): Promise<Listed<T>> {
  const all: T[] = [];
  let marker: string | undefined;
  const markers = new PageMarkers();
  for (let n = 0; n < MAX_PAGES; n++) {
    const r: Outcome<O> = await s.call(op, () => page(marker), priority);
    if (!r.ok) return r;
    // An answer without its list member is not an empty list: IAM always sends the member (empty
    // when there is nothing), so its absence means an empty, HTML or foreign 200 body.
    const got = items(r.value);
    if (!Array.isArray(got)) return { ok: false, failure: { kind: 'malformed', code: member, message: `the response has no ${member} list` } };
    if (r.value.IsTruncated !== undefined && typeof r.value.IsTruncated !== 'boolean') {
      return { ok: false, failure: { kind: 'malformed', code: 'IsTruncated', message: 'IsTruncated is not true or false' } };
    }
    all.push(...got);
    if (r.value.IsTruncated !== true) {
      if (r.value.Marker !== undefined && r.value.Marker !== null && r.value.Marker !== '') {
        return { ok: false, failure: { kind: 'malformed', code: 'IsTruncated', message: 'the page has a Marker but does not say it is truncated' } };
      }
      return { ok: true, items: all };
    }
    const next = r.value.Marker;
    if (!markers.fresh(next)) {
      return { ok: false, failure: { kind: 'malformed', code: 'IsTruncated', message: 'the list is truncated but has no new Marker' } };
    }
    marker = next;
  }
  return { ok: false, failure: { kind: 'malformed', code: 'TooManyPages', message: `more than ${MAX_PAGES} pages` } };
}

/** A policy document that AWS returned but kms-why cannot parse: as unreadable as a denied call. */
function parseDoc(doc: string | undefined, opts: { source: PolicySource; name: string; arn?: string; from: string }): Policy | Failure {
  if (doc === undefined || doc === '') return { kind: 'malformed', code: 'MissingDocument', message: 'the response has no policy document' };
  try {
    const o = { source: opts.source, name: opts.name, file: opts.from, path: 'Document' };
    return parsePolicyDocument(doc, opts.arn === undefined ? o : { ...o, arn: opts.arn });
  } catch (e) {
    if (e instanceof KmsWhyError) return { kind: 'malformed', code: 'InvalidPolicyDocument', message: e.message };
    throw e;
  }
}

function isFailure(x: unknown): x is Failure {
  return typeof x === 'object' && x !== null && 'kind' in x && 'code' in x && !('statements' in x);
}

type DocResult = { ok: true; name: string; doc: string; versionId: string } | { ok: false; call: FailedCall };

/** Managed policies by ARN: GetPolicy for the default version, then GetPolicyVersion; each fetched once. */
export class ManagedPolicies {
  private readonly docs = new Map<string, Promise<DocResult>>();
  constructor(private readonly s: AwsSession) {}

  private fetch(arn: string): Promise<DocResult> {
    let p = this.docs.get(arn);
    if (p === undefined) {
      p = this.load(arn);
      this.docs.set(arn, p);
    }
    return p;
  }

  private async load(arn: string): Promise<DocResult> {
    const iam = this.s.iam();
    const meta = await this.s.call('iam:GetPolicy', () => iam.send(new GetPolicyCommand({ PolicyArn: arn })), 3);
    if (!meta.ok) return { ok: false, call: { op: 'iam:GetPolicy', resource: arn, failure: meta.failure } };
    const versionId = meta.value.Policy?.DefaultVersionId;
    const name = meta.value.Policy?.PolicyName ?? arn.slice(arn.lastIndexOf('/') + 1);
    if (versionId === undefined) {
      return {
        ok: false,
        call: { op: 'iam:GetPolicy', resource: arn, failure: { kind: 'malformed', code: 'DefaultVersionId', message: 'the policy has no DefaultVersionId' } },
      };
    }
    const ver = await this.s.call('iam:GetPolicyVersion', () => iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId })), 2);
    if (!ver.ok) return { ok: false, call: { op: 'iam:GetPolicyVersion', resource: arn, failure: ver.failure } };
    // Only the default version is in force. GetPolicy named it, but GetPolicyVersion is a second
    // read: when it says the version is not the default (IsDefaultVersion false,
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_PolicyVersion.html), the default
    // changed in between and the document read is not the policy in force.
    if (ver.value.PolicyVersion?.IsDefaultVersion === false) {
      return {
        ok: false,
        call: {
          op: 'iam:GetPolicyVersion',
          resource: arn,
          failure: {
            kind: 'other',
            code: 'NotDefaultVersion',
            message: `version ${versionId}, which GetPolicy named as the default, is no longer the default (the policy changed while it was read)`,
          },
        },
      };
    }
    const doc = ver.value.PolicyVersion?.Document;
    if (doc === undefined) {
      return {
        ok: false,
        call: { op: 'iam:GetPolicyVersion', resource: arn, failure: { kind: 'malformed', code: 'MissingDocument', message: 'the response has no Document' } },
      };
    }
    return { ok: true, name, doc, versionId };
  }

  async get(arn: string, source: PolicySource): Promise<Policy | FailedCall> {
    const r = await this.fetch(arn);
    if (!r.ok) return r.call;
    const p = parseDoc(r.doc, { source, name: r.name, arn, from: `iam:GetPolicyVersion ${arn} ${r.versionId}` });
    return isFailure(p) ? { op: 'iam:GetPolicyVersion', resource: arn, failure: p } : p;
  }
}

/** Collects the identity policies of one principal, in the order IAM lists them. */
class IdentityCollector {
  readonly problems = new Problems();
  private readonly slots: Array<Promise<Policy[]>> = [];

  add(p: Promise<Policy[]>): void {
    this.slots.push(p);
  }

  async result(what: string, s: AwsSession): Promise<Unknowable<Policy[]>> {
    const lists = await Promise.all(this.slots);
    if (!this.problems.empty) return this.problems.unknown(what, s.ctx.settings);
    const out: Policy[] = [];
    for (const p of lists.flat()) {
      // A managed policy attached to a user and to one of its groups applies once.
      if (p.arn !== undefined && out.some((q) => q.arn === p.arn && q.source === p.source)) continue;
      out.push(p);
    }
    return out;
  }
}

interface InlineSpec {
  listOp: string;
  getOp: string;
  resource: string;
  list: (marker: string | undefined) => Promise<{ PolicyNames?: string[] | undefined; IsTruncated?: boolean | undefined; Marker?: string | undefined }>;
  get: (name: string) => Promise<{ PolicyDocument?: string | undefined }>;
  prefix: string;
}

/** Inline policies: list their names, then get each. */
function inline(s: AwsSession, c: IdentityCollector, spec: InlineSpec): void {
  c.add(
    (async (): Promise<Policy[]> => {
      const names = await listIam(s, spec.listOp, spec.list, (o) => o.PolicyNames, 2, 'PolicyNames');
      if (!names.ok) {
        c.problems.add(spec.listOp, spec.resource, names.failure);
        return [];
      }
      if (names.items.some((n) => typeof n !== 'string' || n === '')) {
        c.problems.add(spec.listOp, spec.resource, { kind: 'malformed', code: 'PolicyNames', message: 'a policy name is empty' });
        return [];
      }
      const docs = await Promise.all(
        names.items.map(async (name): Promise<Policy | undefined> => {
          const r = await s.call(spec.getOp, () => spec.get(name), 1);
          if (!r.ok) {
            c.problems.add(spec.getOp, spec.resource, r.failure);
            return undefined;
          }
          const p = parseDoc(r.value.PolicyDocument, {
            source: 'identity-policy',
            name: `${spec.prefix}${name}`,
            from: `${spec.getOp} ${spec.resource} ${name}`,
          });
          if (isFailure(p)) {
            c.problems.add(spec.getOp, spec.resource, p);
            return undefined;
          }
          return p;
        }),
      );
      return docs.filter((p): p is Policy => p !== undefined);
    })(),
  );
}

interface AttachedSpec {
  listOp: string;
  resource: string;
  list: (
    marker: string | undefined,
  ) => Promise<{ AttachedPolicies?: Array<{ PolicyArn?: string | undefined }> | undefined; IsTruncated?: boolean | undefined; Marker?: string | undefined }>;
}

/** Attached managed policies: list their ARNs, then read each default version. */
function attached(s: AwsSession, c: IdentityCollector, managed: ManagedPolicies, spec: AttachedSpec): void {
  c.add(
    (async (): Promise<Policy[]> => {
      const list = await listIam(s, spec.listOp, spec.list, (o) => o.AttachedPolicies, 3, 'AttachedPolicies');
      if (!list.ok) {
        c.problems.add(spec.listOp, spec.resource, list.failure);
        return [];
      }
      const got = await Promise.all(
        list.items.map((a) => {
          if (typeof a !== 'object' || a === null || typeof a.PolicyArn !== 'string' || !a.PolicyArn.startsWith('arn:'))
            return Promise.resolve<FailedCall>({
              op: spec.listOp,
              resource: spec.resource,
              failure: { kind: 'malformed', code: 'PolicyArn', message: 'an attached policy has no PolicyArn' },
            });
          return managed.get(a.PolicyArn, 'identity-policy');
        }),
      );
      const out: Policy[] = [];
      for (const g of got) {
        if ('failure' in g) c.problems.add(g.op, g.resource, g.failure);
        else out.push(g);
      }
      return out;
    })(),
  );
}

/** Boundary and tags from GetRole/GetUser. */
async function boundaryAndTags(
  s: AwsSession,
  managed: ManagedPolicies,
  entity: Promise<
    Outcome<
      | {
          PermissionsBoundary?: { PermissionsBoundaryArn?: string | undefined } | undefined;
          Tags?: Tag[] | undefined;
          Arn?: string | undefined;
          RoleId?: string | undefined;
          UserId?: string | undefined;
        }
      | undefined
    >
  >,
  getOp: string,
  arn: string,
): Promise<{ boundary: Unknowable<Policy | null>; tags: Unknowable<Record<string, string>>; observedArn?: string; uniqueId?: string }> {
  const r = await entity;
  const settings = s.ctx.settings;
  if (
    !r.ok ||
    typeof r.value !== 'object' ||
    r.value === null ||
    typeof r.value.Arn !== 'string' ||
    (r.value.Tags !== undefined && !Array.isArray(r.value.Tags))
  ) {
    const failure: Failure = r.ok
      ? { kind: 'malformed', code: 'MissingEntity', message: `the ${getOp} response has no ${getOp === 'iam:GetRole' ? 'Role' : 'User'} with an Arn` }
      : r.failure;
    const calls: FailedCall[] = [{ op: getOp, resource: arn, failure }];
    return { boundary: unknownFrom(boundaryWhat(arn), calls, settings), tags: unknownFrom(principalTagsWhat(arn), calls, settings) };
  }
  const e = r.value;
  let tags: Unknowable<Record<string, string>>;
  try {
    // GetRole/GetUser leave Tags out for an untagged role or user (API_Role, API_User in the IAM
    // API Reference): the answer without them says there are none.
    tags = parseTags(plain(e.Tags ?? []), { file: `${getOp} ${arn}`, path: 'Tags' });
  } catch (err) {
    if (!(err instanceof KmsWhyError)) throw err;
    tags = unknownFrom(principalTagsWhat(arn), [{ op: getOp, resource: arn, failure: { kind: 'malformed', code: 'Tags', message: err.message } }], settings);
  }
  let boundary: Unknowable<Policy | null> = null;
  const pb: unknown = e.PermissionsBoundary;
  if (pb !== undefined && pb !== null) {
    // GetRole/GetUser return PermissionsBoundary only when one is set, always with its
    // PermissionsBoundaryArn (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachedPermissionsBoundary.html):
    // without the ARN the answer says there is a boundary but not which, so it is unknown, not none.
    const bArn = typeof pb === 'object' ? (pb as { PermissionsBoundaryArn?: unknown }).PermissionsBoundaryArn : undefined;
    if (typeof bArn === 'string' && bArn !== '') {
      const b = await managed.get(bArn, 'permissions-boundary');
      boundary = 'failure' in b ? unknownFrom(boundaryWhat(arn), [b], settings) : b;
    } else {
      const failure: Failure = { kind: 'malformed', code: 'PermissionsBoundary', message: 'the PermissionsBoundary has no PermissionsBoundaryArn' };
      boundary = unknownFrom(boundaryWhat(arn), [{ op: getOp, resource: arn, failure }], settings);
    }
  }
  const out: { boundary: Unknowable<Policy | null>; tags: Unknowable<Record<string, string>>; observedArn?: string; uniqueId?: string } = { boundary, tags };
  if (e.Arn !== undefined) out.observedArn = e.Arn;
  const id = e.RoleId ?? e.UserId;
  if (typeof id === 'string' && /^A[A-Z0-9]{15,127}$/.test(id)) out.uniqueId = id;
  return out;
}

/** Called as soon as GetRole/GetUser has answered, with the ARN IAM reports (undefined when it did not answer). */
export type OnEntity = (observedArn: string | undefined) => void;

export async function readRole(
  s: AwsSession,
  managed: ManagedPolicies,
  partition: string,
  account: string,
  roleName: string,
  onEntity?: OnEntity,
): Promise<IamRead> {
  const iam = s.iam();
  const arn = iamRoleArn(partition, account, roleName);
  const RoleName = roleName;
  const getRole = s.call('iam:GetRole', async () => (await iam.send(new GetRoleCommand({ RoleName }))).Role, 4);
  void getRole.then((r) => onEntity?.(r.ok ? r.value?.Arn : undefined));
  const c = new IdentityCollector();
  inline(s, c, {
    listOp: 'iam:ListRolePolicies',
    getOp: 'iam:GetRolePolicy',
    resource: arn,
    prefix: '',
    list: (Marker) => iam.send(new ListRolePoliciesCommand({ RoleName, Marker, MaxItems: IAM_PAGE })),
    get: (PolicyName) => iam.send(new GetRolePolicyCommand({ RoleName, PolicyName })),
  });
  attached(s, c, managed, {
    listOp: 'iam:ListAttachedRolePolicies',
    resource: arn,
    list: (Marker) => iam.send(new ListAttachedRolePoliciesCommand({ RoleName, Marker, MaxItems: IAM_PAGE })),
  });
  const [bt, identity] = await Promise.all([boundaryAndTags(s, managed, getRole, 'iam:GetRole', arn), c.result(identityPoliciesWhat(arn), s)]);
  const out: IamRead = {
    identity,
    boundary: bt.boundary,
    tags: bt.tags,
    ops: ['iam:GetRole', 'iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:GetPolicy', 'iam:GetPolicyVersion'],
  };
  if (bt.observedArn !== undefined) out.observedArn = bt.observedArn;
  if (bt.uniqueId !== undefined) out.uniqueId = bt.uniqueId;
  return out;
}

export async function readUser(
  s: AwsSession,
  managed: ManagedPolicies,
  partition: string,
  account: string,
  userName: string,
  onEntity?: OnEntity,
): Promise<IamRead> {
  const iam = s.iam();
  const arn = `arn:${partition}:iam::${account}:user/${userName}`;
  const UserName = userName;
  const getUser = s.call('iam:GetUser', async () => (await iam.send(new GetUserCommand({ UserName }))).User, 4);
  void getUser.then((r) => onEntity?.(r.ok ? r.value?.Arn : undefined));
  const c = new IdentityCollector();
  inline(s, c, {
    listOp: 'iam:ListUserPolicies',
    getOp: 'iam:GetUserPolicy',
    resource: arn,
    prefix: '',
    list: (Marker) => iam.send(new ListUserPoliciesCommand({ UserName, Marker, MaxItems: IAM_PAGE })),
    get: (PolicyName) => iam.send(new GetUserPolicyCommand({ UserName, PolicyName })),
  });
  attached(s, c, managed, {
    listOp: 'iam:ListAttachedUserPolicies',
    resource: arn,
    list: (Marker) => iam.send(new ListAttachedUserPoliciesCommand({ UserName, Marker, MaxItems: IAM_PAGE })),
  });
  // The groups' policies are the user's identity policies too.
  c.add(
    (async (): Promise<Policy[]> => {
      const groups = await listIam(
        s,
        'iam:ListGroupsForUser',
        (Marker) => iam.send(new ListGroupsForUserCommand({ UserName, Marker, MaxItems: IAM_PAGE })),
        (o) => o.Groups,
        4,
        'Groups',
      );
      if (!groups.ok) {
        c.problems.add('iam:ListGroupsForUser', arn, groups.failure);
        return [];
      }
      const g = new IdentityCollector();
      for (const group of groups.items) {
        const GroupName = group.GroupName;
        if (GroupName === undefined) {
          c.problems.add('iam:ListGroupsForUser', arn, { kind: 'malformed', code: 'GroupName', message: 'a group has no GroupName' });
          continue;
        }
        const groupArn = group.Arn ?? `arn:${partition}:iam::${account}:group/${GroupName}`;
        inline(s, g, {
          listOp: 'iam:ListGroupPolicies',
          getOp: 'iam:GetGroupPolicy',
          resource: groupArn,
          prefix: `${GroupName}/`,
          list: (Marker) => iam.send(new ListGroupPoliciesCommand({ GroupName, Marker, MaxItems: IAM_PAGE })),
          get: (PolicyName) => iam.send(new GetGroupPolicyCommand({ GroupName, PolicyName })),
        });
        attached(s, g, managed, {
          listOp: 'iam:ListAttachedGroupPolicies',
          resource: groupArn,
          list: (Marker) => iam.send(new ListAttachedGroupPoliciesCommand({ GroupName, Marker, MaxItems: IAM_PAGE })),
        });
      }
      const got = await g.result('', s);
      for (const p of g.problems.list) c.problems.add(p.op, p.resource, p.failure);
      return Array.isArray(got) ? got : [];
    })(),
  );
  const [bt, identity] = await Promise.all([boundaryAndTags(s, managed, getUser, 'iam:GetUser', arn), c.result(identityPoliciesWhat(arn), s)]);
  const out: IamRead = {
    identity,
    boundary: bt.boundary,
    tags: bt.tags,
    ops: [
      'iam:GetUser',
      'iam:ListUserPolicies',
      'iam:GetUserPolicy',
      'iam:ListAttachedUserPolicies',
      'iam:ListGroupsForUser',
      'iam:ListGroupPolicies',
      'iam:GetGroupPolicy',
      'iam:ListAttachedGroupPolicies',
      'iam:GetPolicy',
      'iam:GetPolicyVersion',
    ],
  };
  if (bt.observedArn !== undefined) out.observedArn = bt.observedArn;
  if (bt.uniqueId !== undefined) out.uniqueId = bt.uniqueId;
  return out;
}
