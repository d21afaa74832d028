// Scenario cases (the format of fixtures/public/cases-public.json) turned into a Snapshot and a
// Request, so the same evaluator path serves the public cases, our fixtures and the CLI.
import { parseArn, parsePrincipal, roleArnOf } from '../model/arn.js';
import { InputError } from '../model/errors.js';
import type { Grant, GrantConstraints, GrantState } from '../model/grant.js';
import type { Key, KeyState, KeyUsage } from '../model/key.js';
import type { Policy, PolicySource } from '../model/policy.js';
import type { PrincipalPolicies } from '../model/principal.js';
import type { ContextValue, GrantRequest, Request } from '../model/request.js';
import type { OrgPolicyLevel, Snapshot } from '../model/snapshot.js';
import { unknownInput } from '../model/unknown.js';
import { parsePolicyDocument } from './policy-document.js';

export interface ScenarioCase {
  id: string;
  title: string;
  keyPolicy: unknown;
  identityPolicies?: unknown[];
  permissionsBoundary?: unknown;
  sessionPolicy?: unknown;
  scps?: Array<{ appliesToAccount: string; policy: unknown }>;
  rcps?: Array<{ appliesToAccount: string; policy: unknown }>;
  grants?: Array<Record<string, unknown>>;
  keyMetadata?: Record<string, unknown>;
  principalTags?: Record<string, string>;
  managementAccountId?: string;
  unknownInputs?: string[];
  /** Other keys of the snapshot (e.g. the key an alias points to now, a multi-Region replica). */
  extraKeys?: Array<{ keyArn: string; keyPolicy?: unknown; keyMetadata?: Record<string, unknown>; grants?: Array<Record<string, unknown>> }>;
  /** The caller's role or user unique id (AROA…, AIDA…), for aws:userid. */
  principalId?: string;
  /** The organization id and its member accounts (aws:PrincipalOrgID, aws:ResourceOrgID). */
  organizationId?: string;
  organizationAccounts?: string[];
  request: Record<string, unknown>;
  expected: {
    decision: string;
    decidedBy: string;
    note?: string;
    confidence?: string;
    reasonIds?: string[];
    /** Keys that must be listed in missingContext. */
    missingContext?: string[];
    /** Text one of the hints must contain. */
    hint?: string;
    /** For inputs that must be refused: text of the error. */
    error?: string;
  };
  source?: string;
}

const DEFAULT_KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function constraintsOf(raw: unknown): GrantConstraints | undefined {
  if (raw === undefined || raw === null) return undefined;
  const c = raw as Record<string, Record<string, string> | string | undefined>;
  const out: GrantConstraints = {};
  const eq = c.encryptionContextEquals ?? c.EncryptionContextEquals;
  const sub = c.encryptionContextSubset ?? c.EncryptionContextSubset;
  const src = c.sourceArn ?? c.SourceArn;
  if (eq !== undefined && typeof eq === 'object') out.encryptionContextEquals = eq;
  if (sub !== undefined && typeof sub === 'object') out.encryptionContextSubset = sub;
  if (typeof src === 'string') out.sourceArn = src;
  return out;
}

function grantOf(g: Record<string, unknown>): Grant {
  const grant: Grant = {
    grantId: String(g.grantId),
    granteePrincipal: String(g.granteePrincipal),
    operations: (g.operations as string[]) ?? [],
    state: (g.state as GrantState | undefined) ?? 'active',
  };
  if (typeof g.retiringPrincipal === 'string') grant.retiringPrincipal = g.retiringPrincipal;
  if (typeof g.issuingAccount === 'string') grant.issuingAccount = g.issuingAccount;
  if (typeof g.grantToken === 'string') grant.grantToken = g.grantToken;
  if (typeof g.name === 'string') grant.name = g.name;
  const c = constraintsOf(g.constraints);
  if (c !== undefined) grant.constraints = c;
  return grant;
}

export function scenarioToInput(c: ScenarioCase, file = 'scenario'): { snapshot: Snapshot; request: Request } {
  const base = `${c.id}`;
  const pol = (doc: unknown, source: PolicySource, name: string, path: string): Policy =>
    parsePolicyDocument(doc, { source, name, file, path: `${base}.${path}` });
  const unknown = new Set(c.unknownInputs ?? []);
  const req = c.request;
  const keyArn = typeof req.keyArn === 'string' ? req.keyArn : DEFAULT_KEY_ARN;
  const arn = parseArn(keyArn);
  if (arn === null) throw new InputError(`invalid key ARN "${keyArn}"`, { file, path: `${base}.request.keyArn` });
  const km = c.keyMetadata ?? {};
  const principal = String(req.principal);
  const callerRef = parsePrincipal(principal);
  // Inputs that cannot apply are refused, never dropped (see snapshot-file.ts rejectInapplicable).
  if (callerRef?.kind === 'root' && (c.identityPolicies ?? []).length > 0) {
    throw new InputError(`${principal} is an account root user, which cannot have identity policies`, { file, path: `${base}.identityPolicies` });
  }
  if (callerRef?.kind === 'root' && c.permissionsBoundary !== undefined && c.permissionsBoundary !== null) {
    throw new InputError(`${principal} is an account root user, which cannot have a permissions boundary`, { file, path: `${base}.permissionsBoundary` });
  }
  if ((callerRef?.kind === 'role' || callerRef?.kind === 'user' || callerRef?.kind === 'root') && c.sessionPolicy !== undefined && c.sessionPolicy !== null) {
    throw new InputError(`session policies apply to a session, not to ${principal}`, { file, path: `${base}.sessionPolicy` });
  }

  const key: Key = {
    metadata: {
      keyId: arn.resource.replace(/^key\//, ''),
      arn: keyArn,
      account: arn.account,
      region: arn.region,
      partition: arn.partition,
      keyState: (km.keyState as KeyState | undefined) ?? 'Enabled',
      keySpec: (km.keySpec as string | undefined) ?? 'SYMMETRIC_DEFAULT',
      keyUsage: (km.keyUsage as KeyUsage | undefined) ?? 'ENCRYPT_DECRYPT',
      origin: (km.origin as string | undefined) ?? 'AWS_KMS',
      keyManager: (km.keyManager as 'CUSTOMER' | 'AWS' | undefined) ?? 'CUSTOMER',
      multiRegion: km.multiRegion === true,
    },
    aliases: (km.aliases as string[] | undefined) ?? [],
    tags: (km.tags as Record<string, string> | undefined) ?? {},
    policy: unknown.has('keyPolicy')
      ? unknownInput('key policy', 'marked unreadable by the case')
      : pol(c.keyPolicy ?? { Statement: [] }, 'key-policy', 'key policy', 'keyPolicy'),
    grants: unknown.has('grants') ? unknownInput('grants on the key', 'marked unreadable by the case') : (c.grants ?? []).map(grantOf),
  };
  if (typeof km.multiRegionKeyType === 'string') key.metadata.multiRegionKeyType = km.multiRegionKeyType as 'PRIMARY' | 'REPLICA';
  if (unknown.has('aliases')) {
    key.aliases = [];
    key.aliasesUnknown = unknownInput(`aliases of ${keyArn}`, 'marked unreadable by the case');
  }
  const keys: Key[] = [key];
  (c.extraKeys ?? []).forEach((x, i) => {
    const xa = parseArn(x.keyArn);
    if (xa === null) throw new InputError(`invalid key ARN "${x.keyArn}"`, { file, path: `${base}.extraKeys[${i}].keyArn` });
    const m = x.keyMetadata ?? {};
    const k: Key = {
      metadata: {
        keyId: xa.resource.replace(/^key\//, ''),
        arn: x.keyArn,
        account: xa.account,
        region: xa.region,
        partition: xa.partition,
        keyState: (m.keyState as KeyState | undefined) ?? 'Enabled',
        keySpec: (m.keySpec as string | undefined) ?? 'SYMMETRIC_DEFAULT',
        keyUsage: (m.keyUsage as KeyUsage | undefined) ?? 'ENCRYPT_DECRYPT',
        origin: (m.origin as string | undefined) ?? 'AWS_KMS',
        keyManager: (m.keyManager as 'CUSTOMER' | 'AWS' | undefined) ?? 'CUSTOMER',
        multiRegion: m.multiRegion === true,
      },
      aliases: (m.aliases as string[] | undefined) ?? [],
      tags: (m.tags as Record<string, string> | undefined) ?? {},
      policy: pol(x.keyPolicy ?? { Statement: [] }, 'key-policy', 'key policy', `extraKeys[${i}].keyPolicy`),
      grants: (x.grants ?? []).map(grantOf),
    };
    if (typeof m.multiRegionKeyType === 'string') k.metadata.multiRegionKeyType = m.multiRegionKeyType as 'PRIMARY' | 'REPLICA';
    keys.push(k);
  });

  const pp: PrincipalPolicies = {
    identityPolicies: unknown.has('identityPolicies')
      ? unknownInput(`identity policies of ${principal}`, 'marked unreadable by the case')
      : (c.identityPolicies ?? []).map((d, i) => pol(d, 'identity-policy', `identity-policy-${i + 1}`, `identityPolicies[${i}]`)),
    permissionsBoundary: unknown.has('permissionsBoundary')
      ? unknownInput(`permissions boundary of ${principal}`, 'marked unreadable by the case')
      : c.permissionsBoundary !== undefined && c.permissionsBoundary !== null
        ? pol(c.permissionsBoundary, 'permissions-boundary', 'permissions-boundary', 'permissionsBoundary')
        : null,
    sessionPolicies:
      c.sessionPolicy !== undefined && c.sessionPolicy !== null ? [pol(c.sessionPolicy, 'session-policy', 'session-policy', 'sessionPolicy')] : [],
    tags: unknown.has('principalTags') ? unknownInput(`tags of ${principal}`, 'marked unreadable by the case') : (c.principalTags ?? {}),
  };
  if (c.principalId !== undefined) pp.uniqueId = c.principalId;
  // A case describes its whole world: a session's role is the one its ARN names, without a path.
  if (callerRef?.kind === 'assumed-role') pp.resolvedArn = roleArnOf(callerRef);

  const levels = (list: ScenarioCase['scps'], source: 'scp' | 'rcp'): Record<string, OrgPolicyLevel[]> => {
    const out: Record<string, OrgPolicyLevel[]> = {};
    (list ?? []).forEach((entry, i) => {
      const lvl: OrgPolicyLevel = {
        target: `${source}-level-${i + 1}`,
        policies: [pol(entry.policy, source, `${source}-${i + 1}`, `${source}s[${i}].policy`)],
      };
      (out[entry.appliesToAccount] ??= []).push(lvl);
    });
    return out;
  };

  const snapshot: Snapshot = { keys, principals: { [principal]: pp } };
  if (c.scps || c.rcps || c.managementAccountId || c.organizationId) {
    snapshot.organization = { serviceControlPolicies: levels(c.scps, 'scp'), resourceControlPolicies: levels(c.rcps, 'rcp') };
    if (c.managementAccountId) snapshot.organization.managementAccountId = c.managementAccountId;
    if (c.organizationId) snapshot.organization.id = c.organizationId;
    if (c.organizationAccounts) snapshot.organization.accounts = c.organizationAccounts;
  }

  const request: Request = { action: String(req.action), principal, keyArn };
  if (typeof req.keyIdentifier === 'string') request.keyIdentifier = req.keyIdentifier;
  if (typeof req.aliasArn === 'string') request.aliasArn = req.aliasArn;
  if (typeof req.callerAccount === 'string') request.callerAccount = req.callerAccount;
  if (req.encryptionContext && typeof req.encryptionContext === 'object') request.encryptionContext = req.encryptionContext as Record<string, string>;
  if (typeof req.viaService === 'string') request.viaService = req.viaService;
  if (typeof req.grantIsForAwsResource === 'boolean') request.grantIsForAwsResource = req.grantIsForAwsResource;
  if (typeof req.encryptionAlgorithm === 'string') request.encryptionAlgorithm = req.encryptionAlgorithm;
  if (typeof req.grantId === 'string') request.grantId = req.grantId;
  if (Array.isArray(req.grantTokens)) request.grantTokens = req.grantTokens as string[];
  if (req.context && typeof req.context === 'object') request.context = req.context as Record<string, ContextValue>;
  if (Array.isArray(req.absent)) request.absent = req.absent.map(String);
  if (typeof req.at === 'string') request.at = req.at;
  if (req.grantRequest && typeof req.grantRequest === 'object') {
    const g = req.grantRequest as Record<string, unknown>;
    const gr: GrantRequest = { operations: (g.operations as string[]) ?? [] };
    if (typeof g.granteePrincipal === 'string') gr.granteePrincipal = g.granteePrincipal;
    if (typeof g.granteeServicePrincipal === 'string') gr.granteeServicePrincipal = g.granteeServicePrincipal;
    if (typeof g.retiringPrincipal === 'string') gr.retiringPrincipal = g.retiringPrincipal;
    if (typeof g.retiringServicePrincipal === 'string') gr.retiringServicePrincipal = g.retiringServicePrincipal;
    const cons = constraintsOf(g.constraints);
    if (cons !== undefined) gr.constraints = cons;
    request.grantRequest = gr;
  }
  return { snapshot, request };
}

/** The cases' coarse `decidedBy` vocabulary → the report contract's finer one (issue #2). */
export function acceptedDecidedBy(expected: string, action: string): string[] {
  switch (expected) {
    case 'iam-delegation':
      return ['key-policy-and-iam', 'iam-policy'];
    case 'implicit-deny':
      return ['implicit-deny', 'scp', 'rcp', 'permissions-boundary', 'session-policy'];
    default:
      void action;
      return [expected];
  }
}
