// SARIF 2.1.0 (`--output sarif`) for `kms-why grants` and `kms-why diff`: one rule per finding
// code with its help text, one result per finding, unexpected grant or gained access, with a
// fingerprint that stays the same from run to run (key ARN + grant id (or principal) + code), and
// a location in the expectation file when there is one. docs/report.md describes the codes.
// SARIF: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
import { createHash } from 'node:crypto';
import { mayHideGain, type AccessChange, type AccessDiff } from '../analyses/diff.js';
import { findingMeta, type Finding, type GrantEntry, type GrantsAudit, type Severity } from '../analyses/grants-audit.js';

/** A step of a JSON path, and a place in a text (as src/sources/json-lines.ts finds them). */
type JsonPathPart = string | number;
interface TextPosition {
  line: number;
  column: number;
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** Where the project lives; help links point at the docs of the exact version that wrote the file. */
export const HOMEPAGE = 'https://github.com/kms-why/kms-why';

type Level = 'error' | 'warning' | 'note';

interface RuleText {
  /** PascalCase name, as SARIF viewers show it. */
  name: string;
  short: string;
  full: string;
  help: string;
  severity: Severity;
}

/** What each code means and what to do about it: the rules of the SARIF file, and docs/report.md in short. */
export const RULE_TEXT: Record<string, RuleText> = {
  'KMSWHY-G001': {
    name: 'ExternalAccountGrant',
    short: 'Grant to an external account',
    full: "The grantee belongs to another AWS account than the key, so principals of that account can use the key for the grant's operations without any change to the key policy.",
    help: 'If the access is intended, list the grant in the expectation file and accept the finding with a reason and an expiry (accept: [{"code": "KMSWHY-G001", "grantee": "arn:aws:iam::ACCOUNT:*", "reason": "…", "expires": "YYYY-MM-DD"}]). Otherwise revoke it: aws kms revoke-grant --key-id KEY --grant-id GRANT.',
    severity: 'high',
  },
  'KMSWHY-G002': {
    name: 'OrphanedGrantee',
    short: 'Grant to an unknown or deleted principal',
    full: 'The grantee is an IAM unique id (AROA…, AIDA…): the role or user it named was deleted. A principal created again with the same name gets a new id and does not match the grant.',
    help: "Revoke the grant. If the principal was recreated, have the service that made the grant create it again (for Lambda: change the function's execution role and back).",
    severity: 'medium',
  },
  'KMSWHY-G003': {
    name: 'NoEncryptionContextConstraint',
    short: 'No encryption-context constraint on a symmetric key',
    full: 'The grant allows its cryptographic operations on any data encrypted under this key, not only on the data it was made for.',
    help: 'Create the grant with an EncryptionContextEquals or EncryptionContextSubset constraint (aws kms create-grant --constraints …) and retire the unconstrained one.',
    severity: 'low',
  },
  'KMSWHY-G004': {
    name: 'GrantReDelegation',
    short: 'Grant includes CreateGrant (re-delegation)',
    full: 'The grantee may create grants of its own and hand the access on to other principals (within the operations and constraints of this grant).',
    help: 'Services such as RDS and EBS create grants like this on purpose; accept those by grant id or grantee with a reason and an expiry. Otherwise create the grant without the CreateGrant operation.',
    severity: 'high',
  },
  'KMSWHY-G005': {
    name: 'AccountRootGrantee',
    short: 'Grant to an account root',
    full: 'The grantee is an account (arn:aws:iam::ACCOUNT:root). AWS does not document such grants; kms-why assumes that every principal of that account whose IAM policies allow it may use the grant (docs/semantics.md#account-grantee).',
    help: 'Name the role or user that needs the key instead of the account, or accept the finding with a reason.',
    severity: 'medium',
  },
  'KMSWHY-G006': {
    name: 'DuplicateGrant',
    short: 'Duplicate grant',
    full: 'Another grant on the key has the same grantee, operations, constraints and retiring principal; usually a CreateGrant retried without a grant name.',
    help: 'Retire the extra grant (aws kms retire-grant, or revoke-grant).',
    severity: 'low',
  },
  'KMSWHY-G007': {
    name: 'OldGrant',
    short: 'Grant older than --max-age days',
    full: 'The grant is older than the age the audit was asked to flag.',
    help: 'Check that the grant is still needed; retire it if not.',
    severity: 'low',
  },
  'KMSWHY-G008': {
    name: 'GrantOnUnusableKey',
    short: 'Grant on a disabled or pending-deletion key',
    full: 'The key is disabled or pending deletion, so the grant allows nothing until the key is enabled again (or the deletion is cancelled).',
    help: 'Nothing to do unless the key is to be enabled again; then review the grant first.',
    severity: 'info',
  },
  'KMSWHY-G009': {
    name: 'InvalidGrant',
    short: 'Invalid grant: encryption-context constraint on an asymmetric or HMAC key',
    full: 'KMS does not allow encryption-context constraints on grants for asymmetric or HMAC keys, so it could not have created this grant; it allows nothing.',
    help: 'Check where the grant list came from (a hand-edited or mixed-up snapshot); if the grant is real, retire it and create it without the constraint.',
    severity: 'low',
  },
  'KMSWHY-E001': {
    name: 'UnexpectedGrant',
    short: 'Grant not in the expectation file',
    full: 'No matcher of the expectation file describes this grant.',
    help: 'If the grant is intended, add a matcher for it (kms-why grants --write-expect writes a starting file); otherwise revoke it.',
    severity: 'high',
  },
  'KMSWHY-E002': {
    name: 'GrantsUnreadable',
    short: 'The grants of a key could not be read completely',
    full: 'ListGrants failed or its answer was incomplete, so the audit of this key is not a pass.',
    help: 'Give the credentials kms:ListGrants on the key (and kms:DescribeKey), then run again.',
    severity: 'high',
  },
  'KMSWHY-E003': {
    name: 'UnusedExpectation',
    short: 'Expected grant not found',
    full: 'A matcher of the expectation file matched no grant: the grant it describes is gone, or the matcher does not describe it.',
    help: 'Remove the matcher, or correct it.',
    severity: 'info',
  },
  'KMSWHY-E004': {
    name: 'UnusedAcceptance',
    short: 'Accepted finding not found',
    full: "An entry of the expectation file's accept list matched no finding.",
    help: 'Remove the entry, or correct its code, grant or grantee.',
    severity: 'info',
  },
  'KMSWHY-D001': {
    name: 'AccessGained',
    short: 'A principal gained access to a key',
    full: 'Between the old and the new snapshot, a principal gained an action on a key (it was denied before).',
    help: 'Check that the change that gave it (named in the message) was intended.',
    severity: 'medium',
  },
  'KMSWHY-D002': {
    name: 'AdminAccessGained',
    short: 'A principal gained admin-level access to a key',
    full: 'A principal gained PutKeyPolicy, ScheduleKeyDeletion, DisableKey or CreateGrant without constraints: it can change who uses the key, or destroy it.',
    help: 'Check that the change that gave it (named in the message) was intended; admin-level access is rarely needed by applications.',
    severity: 'high',
  },
  'KMSWHY-D003': {
    name: 'AccessUnknown',
    short: 'Access became unknown',
    full: 'kms-why cannot tell whether the principal gained the action: an input of the new snapshot could not be read, or the access it now has was unknown on the old side (an input that could not be read there) or not evaluated by one side (a who-can report made with --key or --principal, or an input that could not list every principal).',
    help: 'Capture both snapshots with credentials that can read every input, and compare whole who-can reports (the report names what was missing).',
    severity: 'medium',
  },
};

const GRANTS_RULES = [...findingMeta().map((m) => m.code), 'KMSWHY-E001', 'KMSWHY-E002', 'KMSWHY-E003', 'KMSWHY-E004'];
const DIFF_RULES = ['KMSWHY-D001', 'KMSWHY-D002', 'KMSWHY-D003'];

/** GitHub code scanning ranks alerts by this number (0–10). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };

function defaultLevel(s: Severity): Level {
  return s === 'critical' || s === 'high' ? 'error' : s === 'info' ? 'note' : 'warning';
}

function rule(code: string, version: string): Record<string, unknown> {
  const t = RULE_TEXT[code]!;
  const uri = `${HOMEPAGE}/blob/v${version}/docs/report.md#${code.toLowerCase()}`;
  return {
    id: code,
    name: t.name,
    shortDescription: { text: t.short },
    fullDescription: { text: t.full },
    help: { text: `${t.full} ${t.help}`, markdown: `${t.full}\n\n${t.help}\n\n[${code} in the kms-why docs](${uri})` },
    helpUri: uri,
    defaultConfiguration: { level: defaultLevel(t.severity) },
    properties: { tags: ['security', 'aws-kms'], 'security-severity': SECURITY_SEVERITY[t.severity], severity: t.severity },
  };
}

/** The stable fingerprint of a result: what it is about (key, grant or principal) and its code. */
export function fingerprint(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** A file results can point into: the expectation file (with the position of every value), or a snapshot. */
export interface SarifArtifact {
  /** Relative to the working directory, with forward slashes. */
  uri: string;
  positions?: Map<string, TextPosition>;
}

export interface GrantsSarifOptions {
  version: string;
  failing: (f: Finding) => boolean;
  /** The expectation file, and where its matcher list sits ([] or ['grants']). */
  expectFile?: SarifArtifact & { grantsPath: JsonPathPart[] };
  /** Used when there is no expectation file: the one snapshot the audit read. */
  fallback?: SarifArtifact;
}

function location(artifact: SarifArtifact | undefined, path: JsonPathPart[] | undefined, logical: Array<Record<string, unknown>>): Record<string, unknown> {
  const loc: Record<string, unknown> = {};
  if (artifact !== undefined) {
    const pos = path !== undefined ? artifact.positions?.get(JSON.stringify(path)) : undefined;
    loc.physicalLocation = { artifactLocation: { uri: artifact.uri }, ...(pos ? { region: { startLine: pos.line, startColumn: pos.column } } : {}) };
  }
  if (logical.length > 0) loc.logicalLocations = logical;
  return loc;
}

function grantLogical(keyArn: string, grantId: string): Array<Record<string, unknown>> {
  return [{ name: grantId, fullyQualifiedName: `${keyArn}/grant/${grantId}`, kind: 'resource' }];
}

function sarifLog(version: string, rules: string[], results: Array<Record<string, unknown>>, properties: Record<string, unknown>): string {
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'kms-why', version, semanticVersion: version, informationUri: HOMEPAGE, rules: rules.map((c) => rule(c, version)) } },
        columnKind: 'utf16CodeUnits',
        results: results.map((r) => ({ ...r, ruleIndex: rules.indexOf(r.ruleId as string) })),
        properties,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

export function renderGrantsSarif(audit: GrantsAudit, now: string, opts: GrantsSarifOptions): string {
  const file = opts.expectFile ?? opts.fallback;
  const grantsPath = opts.expectFile?.grantsPath;
  const matchedBy = new Map<string, number>();
  for (const k of audit.keys) for (const e of k.entries) if (e.matchedBy !== undefined) matchedBy.set(`${k.keyArn}\n${e.grant.grantId}`, e.matchedBy);
  const results: Array<Record<string, unknown>> = [];
  for (const k of audit.keys) {
    if (k.unreadable === undefined) continue;
    results.push({
      ruleId: 'KMSWHY-E002',
      level: 'error',
      message: {
        text: `The grants of ${k.keyArn} could not be read completely: ${k.unreadable.reason}${k.unreadable.neededPermission ? ` (needs ${k.unreadable.neededPermission})` : ''}.`,
      },
      locations: [location(file, grantsPath, [{ name: k.keyArn, fullyQualifiedName: k.keyArn, kind: 'resource' }])],
      partialFingerprints: { 'kmsWhy/v1': fingerprint(k.keyArn, '', 'KMSWHY-E002') },
    });
  }
  for (const f of audit.findings) {
    const a = f.acceptance;
    // An accepted finding points at its acceptance; any other at the matcher of its grant.
    const path =
      a !== undefined && opts.expectFile !== undefined
        ? ['accept', a.index]
        : grantsPath !== undefined && matchedBy.has(`${f.keyArn}\n${f.grantId}`)
          ? [...grantsPath, matchedBy.get(`${f.keyArn}\n${f.grantId}`)!]
          : grantsPath;
    const suffix =
      a === undefined
        ? ''
        : a.status === 'accepted'
          ? ` Accepted: ${a.reason}${a.expires ? ` (until ${a.expires})` : ''}.`
          : ` Its acceptance expired on ${a.expires}: ${a.reason}.`;
    const r: Record<string, unknown> = {
      ruleId: f.code,
      level: opts.failing(f) ? 'error' : f.severity === 'info' ? 'note' : 'warning',
      message: { text: `${capitalise(f.message)}.${suffix}` },
      locations: [location(file, path, grantLogical(f.keyArn, f.grantId))],
      partialFingerprints: { 'kmsWhy/v1': fingerprint(f.keyArn, f.grantId, f.code) },
      properties: { severity: f.severity, finding: f.id, keyArn: f.keyArn, grantId: f.grantId, ...(a ? { acceptance: a } : {}) },
    };
    if (a?.status === 'accepted')
      r.suppressions = [{ kind: 'external', status: 'accepted', justification: `${a.reason}${a.expires ? ` (until ${a.expires})` : ''}` }];
    results.push(r);
  }
  for (const e of audit.unexpected) results.push(unexpectedResult(e, file, grantsPath));
  if (opts.expectFile !== undefined) {
    for (const i of audit.unusedExpectations) {
      results.push({
        ruleId: 'KMSWHY-E003',
        level: 'note',
        message: { text: `Expected grant #${i} matched no grant.` },
        locations: [location(opts.expectFile, [...opts.expectFile.grantsPath, i], [])],
        partialFingerprints: { 'kmsWhy/v1': fingerprint(opts.expectFile.uri, `grants[${i}]`, 'KMSWHY-E003') },
      });
    }
    for (const i of audit.unusedAcceptances) {
      results.push({
        ruleId: 'KMSWHY-E004',
        level: 'note',
        message: { text: `Accepted finding #${i} matched no finding.` },
        locations: [location(opts.expectFile, ['accept', i], [])],
        partialFingerprints: { 'kmsWhy/v1': fingerprint(opts.expectFile.uri, `accept[${i}]`, 'KMSWHY-E004') },
      });
    }
  }
  return sarifLog(opts.version, GRANTS_RULES, results, { auditedAt: now });
}

function unexpectedResult(e: GrantEntry, file: SarifArtifact | undefined, grantsPath: JsonPathPart[] | undefined): Record<string, unknown> {
  const g = e.grant;
  return {
    ruleId: 'KMSWHY-E001',
    level: 'error',
    message: { text: `Unexpected grant ${g.grantId} on ${e.keyArn}: ${g.granteePrincipal} ${e.operationsText} (constraints: ${e.constraintsText}).` },
    locations: [location(file, grantsPath, grantLogical(e.keyArn, g.grantId))],
    partialFingerprints: { 'kmsWhy/v1': fingerprint(e.keyArn, g.grantId, 'KMSWHY-E001') },
    properties: { keyArn: e.keyArn, grantId: g.grantId, grantee: g.granteePrincipal },
  };
}

function capitalise(s: string): string {
  return s.length > 0 ? s[0]!.toUpperCase() + s.slice(1) : s;
}

export interface DiffSarifOptions {
  version: string;
  /** The new snapshot (or who-can report), when it is a file: where the change is. */
  artifact?: SarifArtifact;
  oldName: string;
  newName: string;
}

function diffCode(c: AccessChange): string | undefined {
  if (c.change === 'gained') return c.adminLevel ? 'KMSWHY-D002' : 'KMSWHY-D001';
  if (mayHideGain(c)) return 'KMSWHY-D003';
  return undefined;
}

/** The changes `--fail-on-gain` fails on: gained access, and access that became unknown. */
export function renderDiffSarif(d: AccessDiff, opts: DiffSarifOptions): string {
  const results: Array<Record<string, unknown>> = [];
  for (const c of d.changes) {
    const code = diffCode(c);
    if (code === undefined) continue;
    const what = code === 'KMSWHY-D003' ? 'may now be able to' : 'gained';
    const why = c.why.length > 0 ? ` Why: ${c.why.join('; ')}.` : '';
    results.push({
      ruleId: code,
      level: code === 'KMSWHY-D001' ? 'warning' : 'error',
      message: { text: `${c.principal}${c.external ? ' (external account)' : ''} ${what} ${c.actions.join(', ')} on ${c.key}.${why}` },
      locations: [location(opts.artifact, undefined, [{ name: c.principal, fullyQualifiedName: `${c.key}/principal/${c.principal}`, kind: 'resource' }])],
      partialFingerprints: { 'kmsWhy/v1': fingerprint(c.key, c.principal, [...c.actions].sort().join(','), code) },
      properties: { keyArn: c.key, principal: c.principal, actions: c.actions, external: c.external, adminLevel: c.adminLevel },
    });
  }
  return sarifLog(opts.version, DIFF_RULES, results, { old: opts.oldName, new: opts.newName });
}
