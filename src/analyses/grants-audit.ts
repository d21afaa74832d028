// The grants audit (`kms-why grants`): an inventory of every grant on a key, findings, and the
// comparison with an expectation file. Pure: the current time is an input.
import { isUniqueId, parsePrincipal } from '../model/arn.js';
import type { Grant, GrantConstraints } from '../model/grant.js';
import { everyGrant, type Key } from '../model/key.js';
import { isUnknown, type UnknownInput } from '../model/unknown.js';
import {
  acceptanceExpiry,
  findingMeta,
  FINDING_CODES,
  FINDING_META,
  SEVERITIES,
  type AcceptedFinding,
  type ExpectedGrant,
  type FindingId,
  type Severity,
} from '../model/grant-findings.js';
import { ecText, hasEcConstraint, invalidGrant } from '../evaluate/grants.js';
import { accountOf } from '../evaluate/principals.js';
import { wildcard } from '../model/wildcard.js';

export { acceptanceExpiry, findingMeta, FINDING_CODES, SEVERITIES, type AcceptedFinding, type ExpectedGrant, type FindingId, type Severity };

export type GranteeKind =
  | 'role'
  | 'role-session'
  | 'user'
  | 'account-root'
  | 'service'
  | 'federated-user'
  | 'unknown-principal-id'
  | 'aws-internal'
  | 'unrecognised';
export type GranteeScope = 'same-account' | 'external-account' | 'aws-service' | 'unknown';
export interface Finding {
  /** Stable id, e.g. KMSWHY-G001 (never reused for another meaning). */
  code: string;
  id: FindingId;
  severity: Severity;
  keyArn: string;
  grantId: string;
  message: string;
  /** Set when an entry of the expectation file's `accept` list matches the finding. */
  acceptance?: FindingAcceptance;
}

export interface FindingAcceptance {
  /** `expired`: the acceptance ran out; the finding counts again. */
  status: 'accepted' | 'expired';
  /** Index in the `accept` list. */
  index: number;
  reason: string;
  expires?: string;
}

export interface GranteeInfo {
  principal: string;
  kind: GranteeKind;
  scope: GranteeScope;
  account?: string;
}

export interface GrantEntry {
  keyArn: string;
  grant: Grant;
  grantee: GranteeInfo;
  /** "can decrypt, retire this grant". */
  operationsText: string;
  constraintsText: string;
  ageDays?: number;
  serviceCreated: boolean;
  /** Which service, when recognisable: "Lambda (environment variables)", "EBS", … */
  service?: string;
  /** Set when compared with an expectation file. */
  expected?: boolean;
  matchedBy?: number;
}

export interface KeyAudit {
  keyArn: string;
  aliases: string[];
  keyState: string;
  entries: GrantEntry[];
  /** The grants could not be read completely: the audit of this key is not a pass. */
  unreadable?: UnknownInput;
}

export interface GrantsAudit {
  keys: KeyAudit[];
  findings: Finding[];
  unexpected: GrantEntry[];
  /** Expectation matchers that matched no grant (stale entries). */
  unusedExpectations: number[];
  expectationsGiven: boolean;
  /** Entries of the `accept` list that matched no finding (stale). */
  unusedAcceptances: number[];
}

export interface AuditOptions {
  /** ISO time "now", for ages. */
  now: string;
  maxAgeDays?: number;
  expectations?: ExpectedGrant[];
  /** Accepted findings (`accept` in the expectation file), judged against `now`. */
  accept?: AcceptedFinding[];
}

const OPERATION_WORDS: Record<string, string> = {
  Decrypt: 'decrypt',
  Encrypt: 'encrypt',
  GenerateDataKey: 'generate data keys',
  GenerateDataKeyWithoutPlaintext: 'generate data keys without plaintext',
  GenerateDataKeyPair: 'generate data key pairs',
  GenerateDataKeyPairWithoutPlaintext: 'generate data key pairs without plaintext',
  ReEncryptFrom: 're-encrypt from this key',
  ReEncryptTo: 're-encrypt to this key',
  Sign: 'sign',
  Verify: 'verify',
  GenerateMac: 'generate MACs',
  VerifyMac: 'verify MACs',
  DeriveSharedSecret: 'derive shared secrets',
  GetPublicKey: 'get the public key',
  DescribeKey: 'describe the key',
  CreateGrant: 'create grants (hand its access on)',
  RetireGrant: 'retire this grant',
};

export function operationsInWords(ops: string[]): string {
  return `can ${ops.map((o) => OPERATION_WORDS[o] ?? o).join(', ')}`;
}

export function constraintsInWords(c: GrantConstraints | undefined): string {
  const parts: string[] = [];
  if (c?.encryptionContextEquals && Object.keys(c.encryptionContextEquals).length > 0)
    parts.push(`encryption context exactly {${ecText(c.encryptionContextEquals)}}`);
  if (c?.encryptionContextSubset && Object.keys(c.encryptionContextSubset).length > 0)
    parts.push(`encryption context includes {${ecText(c.encryptionContextSubset)}}`);
  if (c?.sourceArn) parts.push(`only on behalf of ${c.sourceArn}`);
  return parts.length > 0 ? parts.join('; ') : 'none';
}

export function classifyGrantee(principal: string, keyAccount: string): GranteeInfo {
  if (/\.amazonaws\.com(\.cn)?$/.test(principal)) return { principal, kind: 'service', scope: 'aws-service' };
  if (isUniqueId(principal)) return { principal, kind: 'unknown-principal-id', scope: 'unknown' };
  // EBS and other services use AWS-internal sessions such as assumed-role/aws:ec2-infrastructure/i-… [KMS-DETGRANTS].
  if (/:assumed-role\/aws:/.test(principal)) {
    const acct = accountOf(principal) ?? /::(\d{12}):/.exec(principal)?.[1];
    return { principal, kind: 'aws-internal', scope: 'aws-service', ...(acct ? { account: acct } : {}) };
  }
  const acctRoot = accountOf(principal);
  if (acctRoot !== undefined)
    return { principal, kind: 'account-root', scope: acctRoot === keyAccount ? 'same-account' : 'external-account', account: acctRoot };
  const p = parsePrincipal(principal);
  if (p === null) return { principal, kind: 'unrecognised', scope: 'unknown' };
  const scope: GranteeScope = p.account === keyAccount ? 'same-account' : 'external-account';
  const kind: GranteeKind =
    p.kind === 'assumed-role'
      ? 'role-session'
      : p.kind === 'role'
        ? 'role'
        : p.kind === 'user'
          ? 'user'
          : p.kind === 'federated-user'
            ? 'federated-user'
            : p.kind === 'root'
              ? 'account-root'
              : 'unrecognised';
  return { principal, kind, scope, account: p.account };
}

/** Recognises grants that AWS services create on the principal's behalf. */
export function serviceOf(g: Grant): string | undefined {
  const ec = { ...(g.constraints?.encryptionContextEquals ?? {}), ...(g.constraints?.encryptionContextSubset ?? {}) };
  const keys = Object.keys(ec).map((k) => k.toLowerCase());
  if (keys.includes('aws:lambda:functionarn')) return 'Lambda (environment variables)';
  if (keys.includes('aws:ebs:id')) return 'EBS';
  if (keys.some((k) => k.startsWith('aws:rds:'))) return 'RDS';
  if (keys.includes('secretarn') || keys.some((k) => k.startsWith('aws:secretsmanager:'))) return 'Secrets Manager';
  if (keys.some((k) => k.startsWith('aws:dynamodb:'))) return 'DynamoDB';
  if (keys.some((k) => k.startsWith('aws:s3:'))) return 'S3';
  if (keys.some((k) => k.startsWith('aws:redshift'))) return 'Redshift';
  const who = [g.granteePrincipal, g.retiringPrincipal ?? ''];
  for (const p of who) {
    const m = /^([a-z0-9-]+)(\.[a-z0-9-]+)?\.amazonaws\.com/.exec(p);
    if (m) return serviceName(m[1]!);
  }
  if (/:assumed-role\/aws:ec2-infrastructure\//.test(g.granteePrincipal)) return 'EBS';
  if (/:role\/aws-service-role\/([^/]+)\.amazonaws\.com\//.test(g.granteePrincipal)) {
    return `${serviceName(/aws-service-role\/([^/.]+)/.exec(g.granteePrincipal)![1]!)} (service-linked role)`;
  }
  return undefined;
}

function serviceName(s: string): string {
  const names: Record<string, string> = {
    lambda: 'Lambda',
    ec2: 'EC2/EBS',
    rds: 'RDS',
    secretsmanager: 'Secrets Manager',
    dynamodb: 'DynamoDB',
    autoscaling: 'Auto Scaling',
    s3: 's3',
    redshift: 'Redshift',
    elasticfilesystem: 'EFS',
  };
  return names[s] ?? s;
}

function ageDays(created: string | undefined, now: string): number | undefined {
  if (created === undefined) return undefined;
  const t = Date.parse(created);
  const n = Date.parse(now);
  if (Number.isNaN(t) || Number.isNaN(n)) return undefined;
  return Math.floor((n - t) / 86_400_000);
}

function finding(id: FindingId, keyArn: string, grantId: string, message: string): Finding {
  const meta = FINDING_META[id];
  return { code: meta.code, id, severity: meta.severity, keyArn, grantId, message };
}

/** Expectation patterns know only `*` (see the README's expectations file). */
function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  return wildcard(pattern, false, true).test(value);
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ea = Object.entries(a ?? {});
  if (ea.length !== Object.keys(b ?? {}).length) return false;
  return ea.every(([k, v]) => b?.[k] === v);
}

/** Does the grant fit the matcher? Operations: the grant must not exceed them. */
export function matchesExpectation(e: GrantEntry, m: ExpectedGrant): boolean {
  const g = e.grant;
  if (!globMatch(m.grantee, g.granteePrincipal)) return false;
  if (!g.operations.every((o) => m.operations.includes(o))) return false;
  if (m.constraints === 'required' && !hasEcConstraint(g.constraints)) return false;
  if (m.constraints !== undefined && m.constraints !== 'required') {
    if (m.constraints.EncryptionContextEquals !== undefined && !sameMap(m.constraints.EncryptionContextEquals, g.constraints?.encryptionContextEquals))
      return false;
    if (m.constraints.EncryptionContextSubset !== undefined && !sameMap(m.constraints.EncryptionContextSubset, g.constraints?.encryptionContextSubset))
      return false;
  }
  if (m.retiringPrincipal !== undefined && !globMatch(m.retiringPrincipal, g.retiringPrincipal ?? '')) return false;
  if (m.serviceCreated === true && !e.serviceCreated) return false;
  return true;
}

export function auditGrants(keys: Key[], opts: AuditOptions): GrantsAudit {
  const audits: KeyAudit[] = [];
  const findings: Finding[] = [];
  const usedAcceptances = new Set<number>();
  for (const key of keys) {
    const m = key.metadata;
    const audit: KeyAudit = { keyArn: m.arn, aliases: key.aliases, keyState: m.keyState, entries: [] };
    audits.push(audit);
    // The audit is of every grant: a list read in part (one principal's check) is not that.
    const grants = everyGrant(key);
    if (isUnknown(grants)) {
      audit.unreadable = grants;
      continue;
    }
    const seen = new Map<string, string>();
    for (const g of grants) {
      if (g.state === 'retired') continue;
      const grantee = classifyGrantee(g.granteePrincipal, m.account);
      const service = serviceOf(g);
      const entry: GrantEntry = {
        keyArn: m.arn,
        grant: g,
        grantee,
        operationsText: operationsInWords(g.operations),
        constraintsText: constraintsInWords(g.constraints),
        serviceCreated: service !== undefined || grantee.kind === 'service' || grantee.kind === 'aws-internal',
      };
      if (service !== undefined) entry.service = service;
      const age = ageDays(g.creationDate, opts.now);
      if (age !== undefined) entry.ageDays = age;
      audit.entries.push(entry);

      const add = (id: FindingId, message: string): void => {
        const f = finding(id, m.arn, g.grantId, message);
        if (opts.accept !== undefined) {
          const acceptance = acceptanceFor(f, g, key, opts.accept, opts.now);
          if (acceptance !== undefined) {
            f.acceptance = acceptance;
            usedAcceptances.add(acceptance.index);
          }
        }
        findings.push(f);
      };
      // A grant KMS could not have created on this key allows nothing, as `check` says: it is
      // reported as such, and not as giving the access it names.
      const invalid = invalidGrant(g, key);
      if (invalid !== undefined)
        add(
          'invalid-grant',
          `grant ${g.grantId} has an encryption-context constraint, which KMS does not allow on a ${m.keySpec} key: the grant is invalid and allows nothing`,
        );
      if (grantee.scope === 'external-account' && invalid === undefined)
        add(
          'external-account',
          grantee.kind === 'account-root'
            ? `grant ${g.grantId} gives account ${grantee.account} (${g.granteePrincipal}) ${operationsInWords(g.operations).slice(4)}`
            : `grant ${g.grantId} gives ${g.granteePrincipal}, of account ${grantee.account}, ${operationsInWords(g.operations).slice(4)}`,
        );
      if (grantee.kind === 'unknown-principal-id')
        add(
          'orphaned-grantee',
          `grant ${g.grantId}'s grantee ${g.granteePrincipal} is the unique id of a deleted principal: it matches nobody now; retire or revoke it`,
        );
      if (
        !hasEcConstraint(g.constraints) &&
        m.keySpec === 'SYMMETRIC_DEFAULT' &&
        g.operations.some((o) => o !== 'DescribeKey' && o !== 'RetireGrant' && o !== 'CreateGrant')
      ) {
        add(
          'no-encryption-context-constraint',
          `grant ${g.grantId} has no encryption-context constraint: it allows its operations on any data encrypted under this key`,
        );
      }
      if (g.operations.includes('CreateGrant') && invalid === undefined)
        add('re-delegation', `grant ${g.grantId} includes CreateGrant: ${g.granteePrincipal} can hand this access on to others`);
      if (grantee.kind === 'account-root' && invalid === undefined)
        add(
          'account-root-grantee',
          `grant ${g.grantId} is to the account root ${g.granteePrincipal}: AWS does not document such grants; kms-why assumes that the account's root user and every principal of that account with an IAM allow may use it (docs/semantics.md#account-grantee)`,
        );
      const sig = JSON.stringify([g.granteePrincipal, [...g.operations].sort(), constraintShape(g.constraints), g.retiringPrincipal ?? '']);
      const dup = seen.get(sig);
      if (dup !== undefined)
        add('duplicate-grant', `grant ${g.grantId} duplicates grant ${dup} (same grantee, operations, constraints and retiring principal)`);
      else seen.set(sig, g.grantId);
      if (opts.maxAgeDays !== undefined && age !== undefined && age > opts.maxAgeDays)
        add('old-grant', `grant ${g.grantId} is ${age} days old (more than ${opts.maxAgeDays})`);
      if (m.keyState === 'Disabled' || m.keyState === 'PendingDeletion' || m.keyState === 'PendingReplicaDeletion') {
        add('key-not-usable', `grant ${g.grantId} is on a key that is ${m.keyState === 'Disabled' ? 'disabled' : 'pending deletion'}`);
      }
    }
  }
  const unexpected: GrantEntry[] = [];
  const used = new Set<number>();
  const exp = opts.expectations;
  if (exp !== undefined) {
    for (const a of audits) {
      for (const e of a.entries) {
        const idx = exp.findIndex((m) => matchesExpectation(e, m));
        e.expected = idx >= 0;
        if (idx >= 0) {
          e.matchedBy = idx;
          used.add(idx);
        } else unexpected.push(e);
      }
    }
  }
  return {
    keys: audits,
    findings,
    unexpected,
    unusedExpectations: exp === undefined ? [] : exp.map((_, i) => i).filter((i) => !used.has(i)),
    expectationsGiven: exp !== undefined,
    unusedAcceptances: (opts.accept ?? []).map((_, i) => i).filter((i) => !usedAcceptances.has(i)),
  };
}

function acceptanceMatches(a: AcceptedFinding, f: Finding, g: Grant, key: Key): boolean {
  if (a.code !== f.code) return false;
  if (a.grant !== undefined && a.grant !== g.grantId) return false;
  if (a.grantee !== undefined && !globMatch(a.grantee, g.granteePrincipal)) return false;
  if (a.key !== undefined) {
    const m = key.metadata;
    if (![m.arn, m.keyId, ...key.aliases].some((k) => globMatch(a.key!, k))) return false;
  }
  return true;
}

/** The acceptance of a finding: the first entry in force that matches, else the first expired one. */
function acceptanceFor(f: Finding, g: Grant, key: Key, accept: AcceptedFinding[], now: string): FindingAcceptance | undefined {
  const at = Date.parse(now);
  let expired: FindingAcceptance | undefined;
  for (let i = 0; i < accept.length; i++) {
    const a = accept[i]!;
    if (!acceptanceMatches(a, f, g, key)) continue;
    const out: FindingAcceptance = { status: 'accepted', index: i, reason: a.reason, ...(a.expires !== undefined ? { expires: a.expires } : {}) };
    if (a.expires === undefined) return out;
    // An unreadable expiry never keeps a finding accepted (the parser rejects one; this is the backstop).
    const until = acceptanceExpiry(a.expires);
    if (!Number.isNaN(until) && !Number.isNaN(at) && at < until) return out;
    expired ??= { ...out, status: 'expired' };
  }
  return expired;
}

/** Does the finding fail the run at this --fail-on? An accepted finding does not, until its acceptance expires. */
export function findingFails(f: Finding, failOn: Severity | undefined): boolean {
  return failOn !== undefined && severityAtLeast(f.severity, failOn) && f.acceptance?.status !== 'accepted';
}

/**
 * Today's grants as a starting expectation file (`--write-expect`): one matcher per distinct grant
 * shape — grantee pattern, operations, constraint keys, retiring principal — so that, e.g., all
 * the grants Lambda made for its functions' sessions give one matcher. A session grantee becomes
 * `…:assumed-role/ROLE/*` (any session of the role), or `…:assumed-role/*\/*` when a service made
 * the grant (Lambda names a session per function); a grant with an encryption-context constraint
 * needs one (`"constraints": "required"`) whatever its values.
 */
export function expectationsFrom(audit: GrantsAudit, capturedAt: string): ExpectedGrant[] {
  const shapes = new Map<string, { m: ExpectedGrant; count: number; first: string }>();
  for (const k of audit.keys) {
    for (const e of k.entries) {
      const g = e.grant;
      const session = /^(arn:[^:]+:sts::[^:]*:assumed-role\/)([^/]+)\/.+$/.exec(g.granteePrincipal);
      const grantee = session === null ? g.granteePrincipal : e.service !== undefined ? `${session[1]}*/*` : `${session[1]}${session[2]}/*`;
      const m: ExpectedGrant = { grantee, operations: [...g.operations].sort() };
      const c = g.constraints;
      const ecKeys = [...Object.keys(c?.encryptionContextEquals ?? {}), ...Object.keys(c?.encryptionContextSubset ?? {})].sort();
      if (ecKeys.length > 0) m.constraints = 'required';
      if (g.retiringPrincipal !== undefined) m.retiringPrincipal = g.retiringPrincipal;
      if (e.serviceCreated) m.serviceCreated = true;
      const sig = JSON.stringify([m.grantee, m.operations, ecKeys, m.retiringPrincipal ?? null, m.serviceCreated === true]);
      const hit = shapes.get(sig);
      if (hit !== undefined) {
        hit.count++;
        continue;
      }
      shapes.set(sig, {
        m,
        count: 1,
        first: `grant ${g.grantId}${g.name ? ` (${g.name})` : ''} on ${k.keyArn}${e.service ? `; created by ${e.service}` : ''}${ecKeys.length > 0 ? `; encryption context keys ${ecKeys.join(', ')}` : ''}`,
      });
    }
  }
  return [...shapes.values()].map(({ m, count, first }) => ({
    ...m,
    note: `captured ${capturedAt}: ${count} grant${count === 1 ? '' : 's'} of this shape, e.g. ${first}`,
  }));
}

export function severityAtLeast(s: Severity, min: Severity): boolean {
  return SEVERITIES.indexOf(s) >= SEVERITIES.indexOf(min);
}

/**
 * A grant's constraints in one spelling: pairs sorted by key, an empty map as none (as KMS reads
 * it), so that grants written with their pairs in another order are seen as the same.
 */
function constraintShape(c: GrantConstraints | undefined): unknown[] {
  const pairs = (m: Record<string, string> | undefined): Array<[string, string]> | null =>
    m === undefined || Object.keys(m).length === 0 ? null : Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [pairs(c?.encryptionContextEquals), pairs(c?.encryptionContextSubset), c?.sourceArn ?? null];
}
