// Renderers for the grants audit (`kms-why grants`): text, table, json, markdown, github.
import type { Finding, GrantEntry, GrantsAudit, KeyAudit } from '../evaluate/grants-audit.js';

export interface GrantsRenderOptions {
  color?: boolean;
  /** ISO time the audit was made, printed in headers. */
  now: string;
  /** Severity at or above which findings fail the run. */
  failOn?: string;
}

/** JSON schema version of the grants report; documented in the README. */
export const GRANTS_REPORT_VERSION = 1;

function entryJson(e: GrantEntry): Record<string, unknown> {
  const g = e.grant;
  const o: Record<string, unknown> = {
    grantId: g.grantId,
    name: g.name ?? null,
    grantee: g.granteePrincipal,
    granteeKind: e.grantee.kind,
    granteeScope: e.grantee.scope,
    operations: g.operations,
    operationsText: e.operationsText,
    constraints: g.constraints ?? null,
    constraintsText: e.constraintsText,
    retiringPrincipal: g.retiringPrincipal ?? null,
    issuingAccount: g.issuingAccount ?? null,
    creationDate: g.creationDate ?? null,
    ageDays: e.ageDays ?? null,
    serviceCreated: e.serviceCreated,
    service: e.service ?? null,
  };
  if (e.expected !== undefined) o.expected = e.expected;
  if (e.matchedBy !== undefined) o.matchedExpectation = e.matchedBy;
  return o;
}

export function renderGrantsJson(audit: GrantsAudit, opts: GrantsRenderOptions): string {
  const o = {
    kmsWhyGrantsReport: GRANTS_REPORT_VERSION,
    auditedAt: opts.now,
    keys: audit.keys.map((k) => ({
      key: k.keyArn,
      aliases: k.aliases,
      keyState: k.keyState,
      complete: k.unreadable === undefined,
      ...(k.unreadable ? { unreadable: { what: k.unreadable.what, reason: k.unreadable.reason, ...(k.unreadable.neededPermission ? { neededPermission: k.unreadable.neededPermission } : {}) } } : {}),
      grants: k.entries.map(entryJson),
    })),
    findings: audit.findings,
    expectations: audit.expectationsGiven ? { unexpected: audit.unexpected.map((e) => ({ key: e.keyArn, grantId: e.grant.grantId })), unusedMatchers: audit.unusedExpectations, unusedAcceptances: audit.unusedAcceptances } : null,
  };
  return JSON.stringify(o, null, 2) + '\n';
}

function keyTitle(k: KeyAudit): string {
  return `${k.keyArn}${k.aliases.length > 0 ? ` (${k.aliases.join(', ')})` : ''} — ${k.keyState}`;
}

function entryLines(e: GrantEntry): string[] {
  const g = e.grant;
  const mark = e.expected === undefined ? '' : e.expected ? ' [expected]' : ' [UNEXPECTED]';
  const lines = [`grant ${g.grantId}${g.name ? ` "${g.name}"` : ''}${mark}`];
  lines.push(`  grantee:     ${g.granteePrincipal} (${e.grantee.kind.replace(/-/g, ' ')}, ${e.grantee.scope.replace(/-/g, ' ')})`);
  lines.push(`  operations:  ${e.operationsText}`);
  lines.push(`  constraints: ${e.constraintsText}`);
  if (g.retiringPrincipal) lines.push(`  retiring:    ${g.retiringPrincipal}`);
  if (g.issuingAccount) lines.push(`  issued by:   ${g.issuingAccount}`);
  if (g.creationDate) lines.push(`  created:     ${g.creationDate}${e.ageDays !== undefined ? ` (${e.ageDays} days ago)` : ''}`);
  lines.push(`  created by:  ${e.serviceCreated ? `an AWS service${e.service ? ` (${e.service})` : ''}` : 'a person or an application (not recognised as service-created)'}`);
  return lines;
}

function findingLine(f: Finding): string {
  return `${f.severity.toUpperCase().padEnd(8)} ${f.code} ${f.id}: ${f.message}${acceptanceText(f)}`;
}

/** " [accepted until …: reason]" or " [acceptance EXPIRED …]": an accepted finding shows why it does not fail. */
export function acceptanceText(f: Finding): string {
  const a = f.acceptance;
  if (a === undefined) return '';
  if (a.status === 'expired') return ` [acceptance #${a.index} EXPIRED on ${a.expires}: ${a.reason}]`;
  return ` [accepted${a.expires !== undefined ? ` until ${a.expires}` : ''}: ${a.reason}]`;
}

export function renderGrantsText(audit: GrantsAudit, opts: GrantsRenderOptions): string {
  const out: string[] = [];
  for (const k of audit.keys) {
    out.push(`Key ${keyTitle(k)}`);
    if (k.unreadable) {
      out.push(`  grants could not be read completely: ${k.unreadable.reason}${k.unreadable.neededPermission ? ` (needs ${k.unreadable.neededPermission})` : ''}`);
      out.push('');
      continue;
    }
    if (k.entries.length === 0) out.push('  no grants');
    for (const e of k.entries) for (const l of entryLines(e)) out.push(`  ${l}`);
    out.push('');
  }
  out.push(summaryLine(audit, opts));
  if (audit.findings.length > 0) {
    out.push('', 'Findings:');
    for (const f of audit.findings) out.push(`  ${findingLine(f)}`);
  }
  if (audit.expectationsGiven) {
    out.push('', audit.unexpected.length === 0 ? 'Every grant matches an expectation.' : `Unexpected grants (${audit.unexpected.length}):`);
    for (const e of audit.unexpected) out.push(`  ${e.grant.grantId} on ${e.keyArn}: ${e.grant.granteePrincipal} ${e.operationsText}`);
    if (audit.unusedExpectations.length > 0) out.push(`Expectations that matched no grant: ${audit.unusedExpectations.map((i) => `#${i}`).join(', ')}`);
    if (audit.unusedAcceptances.length > 0) out.push(`Accepted findings that matched no finding: ${audit.unusedAcceptances.map((i) => `#${i}`).join(', ')}`);
  }
  return out.join('\n') + '\n';
}

function summaryLine(audit: GrantsAudit, opts: GrantsRenderOptions): string {
  const grants = audit.keys.reduce((n, k) => n + k.entries.length, 0);
  const incomplete = audit.keys.filter((k) => k.unreadable).length;
  return `${grants} grant${grants === 1 ? '' : 's'} on ${audit.keys.length} key${audit.keys.length === 1 ? '' : 's'}${incomplete > 0 ? ` (${incomplete} key${incomplete === 1 ? '' : 's'} could not be read completely)` : ''}, ${audit.findings.length} finding${audit.findings.length === 1 ? '' : 's'}${acceptedCount(audit)}${audit.expectationsGiven ? `, ${audit.unexpected.length} unexpected` : ''}; audited ${opts.now}.`;
}

function acceptedCount(audit: GrantsAudit): string {
  const accepted = audit.findings.filter((f) => f.acceptance?.status === 'accepted').length;
  const expired = audit.findings.filter((f) => f.acceptance?.status === 'expired').length;
  const parts = [accepted > 0 ? `${accepted} accepted` : '', expired > 0 ? `${expired} with an expired acceptance` : ''].filter((p) => p !== '');
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

export async function renderGrantsTable(audit: GrantsAudit, opts: GrantsRenderOptions): Promise<string> {
  const [{ Chalk }, { default: Table }] = await Promise.all([import('chalk'), import('cli-table3')]);
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const out: string[] = [];
  for (const k of audit.keys) {
    out.push(c.bold(`Key ${keyTitle(k)}`));
    if (k.unreadable) {
      out.push(c.yellow(`  grants could not be read completely: ${k.unreadable.reason}`));
      continue;
    }
    const t = new Table({
      head: ['Grant', 'Grantee', 'Operations', 'Constraints', 'Created by', 'Age', ...(audit.expectationsGiven ? ['Expected'] : [])],
      style: { head: opts.color ? ['cyan'] : [], border: opts.color ? ['grey'] : [] },
      colWidths: [16, 34, 26, 24, 16, 6, ...(audit.expectationsGiven ? [10] : [])],
      wordWrap: true,
      wrapOnWordBoundary: false,
    });
    for (const e of k.entries) {
      t.push([
        `${e.grant.grantId.slice(0, 12)}…${e.grant.name ? `\n${e.grant.name}` : ''}`,
        `${e.grant.granteePrincipal}\n(${e.grantee.kind}, ${e.grantee.scope})`,
        e.grant.operations.join(', '),
        e.constraintsText,
        e.serviceCreated ? (e.service ?? 'AWS service') : '-',
        e.ageDays !== undefined ? `${e.ageDays}d` : '-',
        ...(audit.expectationsGiven ? [e.expected ? c.green('yes') : c.red('NO')] : []),
      ]);
    }
    out.push(t.toString());
  }
  out.push(summaryLine(audit, opts));
  for (const f of audit.findings) {
    const color = f.severity === 'high' || f.severity === 'critical' ? c.red : f.severity === 'medium' ? c.yellow : c.dim;
    out.push(color(findingLine(f)));
  }
  if (audit.expectationsGiven && audit.unexpected.length > 0) out.push(c.red(`${audit.unexpected.length} unexpected grant(s).`));
  return out.join('\n') + '\n';
}

export function renderGrantsMarkdown(audit: GrantsAudit, opts: GrantsRenderOptions): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out: string[] = [`## KMS grants audit`, '', summaryLine(audit, opts), ''];
  for (const k of audit.keys) {
    out.push(`### ${esc(keyTitle(k))}`, '');
    if (k.unreadable) {
      out.push(`> Grants could not be read completely: ${esc(k.unreadable.reason)}`, '');
      continue;
    }
    out.push(`| Grant | Grantee | Operations | Constraints | Created by | Age |${audit.expectationsGiven ? ' Expected |' : ''}`);
    out.push(`|---|---|---|---|---|---|${audit.expectationsGiven ? '---|' : ''}`);
    for (const e of k.entries) {
      out.push(
        `| \`${e.grant.grantId}\`${e.grant.name ? `<br>${esc(e.grant.name)}` : ''} | \`${esc(e.grant.granteePrincipal)}\` (${e.grantee.kind}, ${e.grantee.scope}) | ${esc(e.operationsText)} | ${esc(e.constraintsText)} | ${e.serviceCreated ? esc(e.service ?? 'AWS service') : '—'} | ${e.ageDays ?? '—'} |${audit.expectationsGiven ? ` ${e.expected ? 'yes' : '**no**'} |` : ''}`,
      );
    }
    out.push('');
  }
  if (audit.findings.length > 0) {
    out.push('### Findings', '', '| Severity | Id | Finding |', '|---|---|---|');
    for (const f of audit.findings) out.push(`| ${f.severity} | ${f.code} ${f.id} | ${esc(f.message + acceptanceText(f))} |`);
    out.push('');
  }
  return out.join('\n');
}

/** GitHub Actions workflow commands: one annotation per unexpected grant or finding. */
export function renderGrantsGithub(audit: GrantsAudit, opts: GrantsRenderOptions & { failing: (f: Finding) => boolean }): string {
  const escData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escProp = (s: string): string => escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const out: string[] = [];
  for (const k of audit.keys) {
    if (k.unreadable) out.push(`::error title=${escProp(`kms-why: grants of ${k.keyArn} could not be read`)}::${escData(k.unreadable.reason)}`);
  }
  for (const e of audit.unexpected) {
    out.push(`::error title=${escProp(`Unexpected KMS grant ${e.grant.grantId}`)}::${escData(`${e.grant.granteePrincipal} ${e.operationsText} on ${e.keyArn} (constraints: ${e.constraintsText})`)}`);
  }
  for (const f of audit.findings) {
    const level = opts.failing(f) ? 'error' : f.severity === 'info' || f.acceptance?.status === 'accepted' ? 'notice' : 'warning';
    out.push(`::${level} title=${escProp(`${f.code} ${f.id} (${f.severity}${f.acceptance?.status === 'accepted' ? ', accepted' : ''})`)}::${escData(f.message + acceptanceText(f))}`);
  }
  out.push(summaryLine(audit, opts));
  return out.join('\n') + '\n';
}
