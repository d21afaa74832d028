// A Snapshot written back as the snapshot contract (docs/snapshot.md and docs/report.md), for
// `kms-why snapshot`: PascalCase AWS shapes, unreadable inputs as {"kmsWhyUnreadable": …} markers,
// Functions kept as they are, a grant list read in part with its GrantsPartial, the principals and
// keys a snapshot made for some only was made for (principalsAskedFor, keysAskedFor).
// parseSnapshot(snapshotToJson(s)) evaluates as `s` does.
//
// What the contract cannot say is left out: the input records (a parsed snapshot has its own), and
// the AccountAuthorizationDetails a principal may have been derived from (its principals are written
// as explicit entries instead).
import { parsePrincipal } from '../model/arn.js';
import type { Grant } from '../model/grant.js';
import type { Key, KeyMetadata } from '../model/key.js';
import type { Policy } from '../model/policy.js';
import type { PrincipalPolicies } from '../model/principal.js';
import type { Organization, OrgPolicyLevel, Snapshot } from '../model/snapshot.js';
import { isUnknown } from '../model/unknown.js';
import type { Unknowable, UnknownInput } from '../model/unknown.js';
import { NOT_IN_SNAPSHOT, UNREADABLE_MARKER, ACCOUNT_LEVEL_WHAT } from './unreadable.js';

type Json = Record<string, unknown>;

export function snapshotToJson(s: Snapshot): unknown {
  const out: Json = { kmsWhySnapshot: 1 };
  if (s.capturedAt !== undefined) out.capturedAt = s.capturedAt;
  if (s.redacted === true) out.redacted = true;
  if (s.region !== undefined) out.region = s.region;
  out.keys = s.keys.map(keyToJson);
  out.principals = principalsToJson(s.principals);
  // Made for some principals only: the others were not read (diff must not take them as gone).
  if (s.principalsAskedFor !== undefined) out.principalsAskedFor = [...s.principalsAskedFor];
  // Made for some keys only: the account's other keys were not read (diff must not take them as deleted).
  if (s.keysAskedFor !== undefined) out.keysAskedFor = [...s.keysAskedFor];
  if (s.functions !== undefined && s.functions.length > 0) out.Functions = s.functions;
  if (s.organization !== undefined) out.Organization = organizationToJson(s.organization);
  // Account-level reads that failed (snapshot --account): nothing else in the file says so.
  const failed = (s.inputs ?? []).filter((i) => i.status === 'unreadable' && ACCOUNT_LEVEL_WHAT.test(i.what));
  if (failed.length > 0) out.Unreadable = failed.map((i) => ({ what: i.what, reason: i.detail ?? 'could not be read' }));
  return out;
}

/** The marker standing for an unreadable input. */
export function unreadableMarker(u: UnknownInput): Json {
  const body: Json = { reason: u.reason };
  if (u.neededPermission !== undefined) body.neededPermission = u.neededPermission;
  return { [UNREADABLE_MARKER]: body };
}

/** Absent from a snapshot and not captured mean the same for key policies and grants: leave them out. */
function isAbsent(u: UnknownInput): boolean {
  return u.reason === NOT_IN_SNAPSHOT;
}

/** A policy document: the statements exactly as they were written. */
export function policyDocument(p: Policy): Json {
  const doc: Json = {};
  if (p.version !== undefined) doc.Version = p.version;
  if (p.id !== undefined) doc.Id = p.id;
  doc.Statement = p.statements.map((st) => st.raw);
  return doc;
}

function keyToJson(k: Key): Json {
  const e: Json = {
    KeyMetadata:
      k.metadataUnknown !== undefined
        ? { KeyId: k.metadata.keyId, Arn: k.metadata.arn, AWSAccountId: k.metadata.account, ...unreadableMarker(k.metadataUnknown) }
        : metadataToJson(k.metadata),
  };
  if (k.aliasesUnknown !== undefined) {
    if (!isAbsent(k.aliasesUnknown)) e.Aliases = unreadableMarker(k.aliasesUnknown);
  } else e.Aliases = [...k.aliases];
  // `"Tags": []` says the key has none; without Tags a snapshot does not say (Key.tagsAbsent).
  if (k.tagsUnknown !== undefined) e.Tags = unreadableMarker(k.tagsUnknown);
  else if (k.tagsAbsent === undefined) e.Tags = tagsToJson(k.tags);
  if (isUnknown(k.policy)) {
    if (!isAbsent(k.policy)) e.Policy = unreadableMarker(k.policy);
  } else e.Policy = policyDocument(k.policy);
  if (isUnknown(k.grants)) {
    if (!isAbsent(k.grants)) e.Grants = unreadableMarker(k.grants);
  } else {
    e.Grants = k.grants.map(grantToJson);
    // A list read in part says so, or a replay would take it for all of the key's grants.
    if (k.grantsPartial !== undefined) {
      const p: Json = { FirstPage: k.grantsPartial.firstPage, GranteePrincipals: [...k.grantsPartial.granteePrincipals] };
      if (k.grantsPartial.grantIds.length > 0) p.GrantIds = [...k.grantsPartial.grantIds];
      e.GrantsPartial = p;
    }
  }
  return e;
}

function metadataToJson(m: KeyMetadata): Json {
  const j: Json = {
    KeyId: m.keyId,
    Arn: m.arn,
    AWSAccountId: m.account,
    KeyState: m.keyState,
    KeyManager: m.keyManager,
    KeyUsage: m.keyUsage,
    KeySpec: m.keySpec,
    MultiRegion: m.multiRegion,
    Origin: m.origin,
  };
  if (m.multiRegionKeyType !== undefined) j.MultiRegionConfiguration = { MultiRegionKeyType: m.multiRegionKeyType };
  if (m.description !== undefined) j.Description = m.description;
  // A member the input left out stays out: its default is kms-why's, and verdicts say so.
  for (const f of m.defaulted ?? []) delete j[f];
  return j;
}

function tagsToJson(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function grantToJson(g: Grant): Json {
  const j: Json = {};
  if (g.keyArn !== undefined) j.KeyId = g.keyArn;
  j.GrantId = g.grantId;
  if (g.name !== undefined) j.Name = g.name;
  if (g.creationDate !== undefined) j.CreationDate = g.creationDate;
  j.GranteePrincipal = g.granteePrincipal;
  if (g.retiringPrincipal !== undefined) j.RetiringPrincipal = g.retiringPrincipal;
  if (g.issuingAccount !== undefined) j.IssuingAccount = g.issuingAccount;
  j.Operations = [...g.operations];
  if (g.constraints !== undefined) {
    const c: Json = {};
    if (g.constraints.encryptionContextEquals !== undefined) c.EncryptionContextEquals = { ...g.constraints.encryptionContextEquals };
    if (g.constraints.encryptionContextSubset !== undefined) c.EncryptionContextSubset = { ...g.constraints.encryptionContextSubset };
    if (g.constraints.sourceArn !== undefined) c.SourceArn = g.constraints.sourceArn;
    if (Object.keys(c).length > 0) j.Constraints = c;
  }
  if (g.state !== 'active') j.State = g.state;
  if (g.grantToken !== undefined) j.GrantToken = g.grantToken;
  return j;
}

/**
 * One entry per principal. An entry filed under a path-less ARN whose role or user has a path is
 * written under the ARN with the path (what parsing reads back as its resolved ARN); the same
 * policies filed under both ARNs (as derived principals are) are written once.
 */
function principalsToJson(principals: Record<string, PrincipalPolicies>): Json[] {
  const out: Json[] = [];
  const written = new Map<string, PrincipalPolicies>();
  for (const [arn, p] of Object.entries(principals)) {
    const ref = parsePrincipal(arn);
    const resolved = p.resolvedArn;
    let name = arn;
    if (resolved !== undefined && ref !== null && (ref.kind === 'role' || ref.kind === 'user')) {
      const r = parsePrincipal(resolved);
      if (r !== null && r.kind === ref.kind && r.account === ref.account && r.name === ref.name) name = resolved;
    }
    const earlier = written.get(name);
    if (earlier !== undefined) {
      if (earlier === p) continue;
      name = arn; // two different entries that resolve alike: keep each under its own ARN
      if (written.has(name)) continue;
    }
    written.set(name, p);
    out.push(principalToJson(name, p));
  }
  return out;
}

function principalToJson(arn: string, p: PrincipalPolicies): Json {
  const e: Json = { Arn: arn };
  if (p.resolvedArn !== undefined && parsePrincipal(arn)?.kind === 'assumed-role') e.RoleArn = p.resolvedArn;
  if (p.uniqueId !== undefined) e.UniqueId = p.uniqueId;
  // In an entry, an absent member means "none": an unknown one must always be a marker.
  e.IdentityPolicies = isUnknown(p.identityPolicies) ? unreadableMarker(p.identityPolicies) : p.identityPolicies.map(identityPolicyToJson);
  const b = p.permissionsBoundary;
  if (isUnknown(b)) e.PermissionsBoundary = unreadableMarker(b);
  else if (b !== null) e.PermissionsBoundary = { PolicyArn: b.arn ?? `(unnamed) ${b.name}`, Document: policyDocument(b) };
  if (isUnknown(p.sessionPolicies)) e.SessionPolicies = unreadableMarker(p.sessionPolicies);
  else if (p.sessionPolicies.length > 0) e.SessionPolicies = p.sessionPolicies.map(policyDocument);
  // `"Tags": []` says the principal has none; without Tags a snapshot does not say (PrincipalPolicies.tagsAbsent).
  const tags: Unknowable<Record<string, string>> = p.tags;
  if (isUnknown(tags)) e.Tags = unreadableMarker(tags);
  else if (p.tagsAbsent === undefined) e.Tags = tagsToJson(tags);
  return e;
}

function identityPolicyToJson(p: Policy): Json {
  const j: Json = { PolicyName: p.name };
  if (p.arn !== undefined) j.PolicyArn = p.arn;
  j.Document = policyDocument(p);
  return j;
}

function organizationToJson(o: Organization): Json {
  const j: Json = {
    ServiceControlPolicies: levelsByAccount(o.serviceControlPolicies),
    ResourceControlPolicies: levelsByAccount(o.resourceControlPolicies),
  };
  if (o.managementAccountId !== undefined) j.ManagementAccountId = o.managementAccountId;
  if (o.id !== undefined) j.Id = o.id;
  if (o.accounts !== undefined) j.Accounts = [...o.accounts];
  return j;
}

function levelsByAccount(byAccount: Record<string, OrgPolicyLevel[]>): Json {
  const j: Json = {};
  for (const [account, levels] of Object.entries(byAccount)) {
    j[account] = levels.map((l) => ({
      Target: l.target,
      Policies: l.policies.map((p) => {
        const pj: Json = { Name: p.name };
        if (p.arn !== undefined) pj.Arn = p.arn;
        pj.Document = policyDocument(p);
        return pj;
      }),
    }));
  }
  return j;
}
