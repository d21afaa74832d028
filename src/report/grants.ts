// Renderers for the grants audit (`kms-why grants`): text, table, json, markdown, github.
import type { Finding, GrantEntry, GrantsAudit, KeyAudit } from '../analyses/grants-audit.js';
import { escapeShared } from './escape.js';
import { MAX_WIDTH, pushHanging } from './explain.js';
import { code, escapeMd, MARKDOWN_BUDGET, prose, row } from './markdown.js';

export interface GrantsRenderOptions {
  color?: boolean;
  /** ISO time the audit was made, printed in headers. */
  now: string;
  /** Severity at or above which findings fail the run. */
  failOn?: string;
  /** Every grant, however many (default: only when there are at most SHORT_INVENTORY). */
  inventory?: boolean;
  /** The width tables are laid out to. */
  width?: number;
}

/** Up to this many grants in all, the inventory is shown without --inventory. */
export const SHORT_INVENTORY = 20;
const showInventory = (audit: GrantsAudit, opts: GrantsRenderOptions): boolean =>
  opts.inventory === true || audit.keys.reduce((n, k) => n + k.entries.length, 0) <= SHORT_INVENTORY;

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
      ...(k.unreadable
        ? {
            unreadable: {
              what: k.unreadable.what,
              reason: k.unreadable.reason,
              ...(k.unreadable.neededPermission ? { neededPermission: k.unreadable.neededPermission } : {}),
            },
          }
        : {}),
      grants: k.entries.map(entryJson),
    })),
    findings: audit.findings,
    expectations: audit.expectationsGiven
      ? {
          unexpected: audit.unexpected.map((e) => ({ key: e.keyArn, grantId: e.grant.grantId })),
          unusedMatchers: audit.unusedExpectations,
          unusedAcceptances: audit.unusedAcceptances,
        }
      : null,
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
  lines.push(
    `  created by:  ${e.serviceCreated ? `an AWS service${e.service ? ` (${e.service})` : ''}` : 'a person or an application (not recognised as service-created)'}`,
  );
  return lines;
}

function findingLine(f: Finding): string {
  return `${f.severity.toUpperCase().padEnd(8)} ${findingText(f)}`;
}

/** A finding but for its severity. */
function findingText(f: Finding): string {
  return `${f.code} ${f.id}: ${f.message}${acceptanceText(f)}`;
}

/** " [accepted until …: reason]" or " [acceptance EXPIRED …]": an accepted finding shows why it does not fail. */
export function acceptanceText(f: Finding): string {
  const a = f.acceptance;
  if (a === undefined) return '';
  if (a.status === 'expired') return ` [acceptance #${a.index} EXPIRED on ${a.expires}: ${a.reason}]`;
  return ` [accepted${a.expires !== undefined ? ` until ${a.expires}` : ''}: ${a.reason}]`;
}

export function renderGrantsText(auditGiven: GrantsAudit, opts: GrantsRenderOptions): string {
  // Laid out as text: the input's strings escaped first (a grant name with a newline must not forge a line).
  const audit = escapeShared(auditGiven);
  // Every line fits the output width (80 on a pipe: a ticket, a CI log), continued under its own
  // text; an ARN longer than a line breaks after a `:` or `/`, as in check's text.
  const width = Math.min(opts.width ?? 80, MAX_WIDTH);
  const out: string[] = [];
  const put = (text: string, first = '', rest = `${first}  `): void => pushHanging(out, text, width, first, rest);
  // For people: what needs attention first (findings by severity, unexpected grants), then the inventory.
  put(summaryLine(audit, opts));
  for (const k of audit.keys) {
    if (k.unreadable)
      put(
        `${k.keyArn}: grants could not be read completely: ${k.unreadable.reason}${k.unreadable.neededPermission ? ` (needs ${k.unreadable.neededPermission})` : ''}`,
        '  ',
      );
  }
  if (audit.findings.length > 0) {
    out.push('', 'Findings (most severe first):');
    // The severity in a column of its own; the finding continues under its code.
    for (const f of bySeverity(audit.findings)) put(findingText(f), `  ${f.severity.toUpperCase().padEnd(8)} `, ' '.repeat(11));
  }
  if (audit.expectationsGiven) {
    out.push('');
    put(audit.unexpected.length === 0 ? 'Every grant matches an expectation.' : `Unexpected grants (${audit.unexpected.length}):`);
    for (const e of audit.unexpected) put(`${e.grant.grantId} on ${e.keyArn}: ${e.grant.granteePrincipal} ${e.operationsText}`, '  ', '    ');
    if (audit.unusedExpectations.length > 0) put(`Expectations that matched no grant: ${audit.unusedExpectations.map((i) => `#${i}`).join(', ')}`);
    if (audit.unusedAcceptances.length > 0) put(`Accepted findings that matched no finding: ${audit.unusedAcceptances.map((i) => `#${i}`).join(', ')}`);
  }
  out.push('');
  if (!showInventory(audit, opts)) {
    out.push('Inventory: --inventory lists every grant.');
    return out.join('\n') + '\n';
  }
  for (const k of audit.keys) {
    if (k.unreadable) continue;
    put(keyTitle(k), 'Key ', '    ');
    if (k.entries.length === 0) out.push('  no grants');
    for (const e of k.entries) {
      const [head, ...fields] = entryLines(e);
      put(head!, '  ', '    ');
      // A field's value continues under the value, past its label ("  grantee:     ").
      for (const l of fields) put(l.slice(15), `  ${l.slice(0, 15)}`, ' '.repeat(17));
    }
    out.push('');
  }
  return out.join('\n');
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

export async function renderGrantsTable(auditGiven: GrantsAudit, opts: GrantsRenderOptions): Promise<string> {
  const audit = escapeShared(auditGiven);
  const [{ Chalk }, { layoutTable }, { wrap }] = await Promise.all([import('chalk'), import('./layout.js'), import('./explain.js')]);
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const width = opts.width ?? 80;
  const out: string[] = [];
  for (const k of audit.keys) {
    out.push(...wrap(`Key ${keyTitle(k)}`, width).map((l) => c.bold(l)));
    if (k.unreadable) {
      out.push(...wrap(`  grants could not be read completely: ${k.unreadable.reason}`, width).map((l) => c.yellow(l)));
      continue;
    }
    const rows = k.entries.map((e) => [
      `${e.grant.grantId.length > 12 ? `${e.grant.grantId.slice(0, 12)}…` : e.grant.grantId}${e.grant.name ? `\n${e.grant.name}` : ''}`,
      `${e.grant.granteePrincipal}\n(${e.grantee.kind}, ${e.grantee.scope})`,
      e.grant.operations.join(', '),
      e.constraintsText,
      e.serviceCreated ? (e.service ?? 'AWS service') : '-',
      e.ageDays !== undefined ? `${e.ageDays}d` : '-',
      ...(audit.expectationsGiven ? [e.expected ? { text: 'yes', style: c.green } : { text: 'NO', style: c.red }] : []),
    ]);
    const head = ['Grant', 'Grantee', 'Operations', 'Constraints', 'Created by', 'Age', ...(audit.expectationsGiven ? ['Expected'] : [])];
    out.push(
      layoutTable(head, rows, width, {
        head: c.cyan,
        border: c.grey,
        // Age ("1039d") keeps room for five digits and its unit.
        soft: [14, 30, 12, 12, 10, 6, 8],
        hard: [8, 12, 8, 8, 6, 6, 4],
        whole: [false, false, true],
        separators: 'always',
      }),
    );
  }
  out.push(...wrap(summaryLine(audit, opts), width));
  for (const f of audit.findings) {
    const color = f.severity === 'high' || f.severity === 'critical' ? c.red : f.severity === 'medium' ? c.yellow : c.dim;
    out.push(...wrap(findingLine(f), width).map((l) => color(l)));
  }
  if (audit.expectationsGiven && audit.unexpected.length > 0) out.push(c.red(`${audit.unexpected.length} unexpected grant(s).`));
  return out.join('\n') + '\n';
}

export function renderGrantsMarkdown(auditGiven: GrantsAudit, opts: GrantsRenderOptions): string {
  // The input's strings (grant names, constraint values, acceptance reasons) with Markdown's
  // helpers, as check's Markdown: identifiers in code spans, prose escaped, table cells one line
  // with their pipes escaped. Anyone who can create a grant chooses its constraint values, and
  // this is what the job summary shows: none may render as a link, an image or HTML.
  const audit = escapeShared(auditGiven);
  const out: string[] = [`## KMS grants audit`, '', summaryLine(audit, opts), ''];
  let size = out.join('\n').length;
  let left = 0;
  const push = (line: string): void => {
    // Room is kept for the closing lines (about 400 characters).
    if (size + line.length + 1 > MARKDOWN_BUDGET - 400) {
      left++;
      return;
    }
    out.push(line);
    size += line.length + 1;
  };
  for (const k of audit.keys) if (k.unreadable) push(`> ${code(k.keyArn)}: grants could not be read completely: ${prose(k.unreadable.reason)}`);
  if (audit.findings.length > 0) {
    push('');
    push('### Findings (most severe first)');
    push('');
    push('| Severity | Id | Finding |');
    push('|---|---|---|');
    for (const f of bySeverity(audit.findings)) push(row([f.severity, `${f.code} ${code(f.id)}`, prose(f.message + acceptanceText(f))]));
  }
  if (audit.expectationsGiven && audit.unexpected.length > 0) {
    push('');
    push(`### Unexpected grants (${audit.unexpected.length})`);
    push('');
    for (const e of audit.unexpected) push(`- ${code(e.grant.grantId)} on ${code(e.keyArn)}: ${code(e.grant.granteePrincipal)} ${prose(e.operationsText)}`);
  }
  if (showInventory(audit, opts)) {
    push('');
    push('<details><summary>Inventory</summary>');
    push('');
    for (const k of audit.keys) {
      if (k.unreadable) continue;
      push(`#### ${prose(keyTitle(k))}`);
      push('');
      push(`| Grant | Grantee | Operations | Constraints | Created by | Age |${audit.expectationsGiven ? ' Expected |' : ''}`);
      push(`|---|---|---|---|---|---|${audit.expectationsGiven ? '---|' : ''}`);
      for (const e of k.entries) {
        push(
          row([
            `${code(e.grant.grantId)}${e.grant.name ? `<br>${escapeMd(e.grant.name)}` : ''}`,
            `${code(e.grant.granteePrincipal)} (${e.grantee.kind}, ${e.grantee.scope})`,
            prose(e.operationsText),
            prose(e.constraintsText),
            e.serviceCreated ? prose(e.service ?? 'AWS service') : '—',
            `${e.ageDays ?? '—'}`,
            ...(audit.expectationsGiven ? [e.expected ? 'yes' : '**no**'] : []),
          ]),
        );
      }
      push('');
    }
    out.push('', '</details>');
  }
  if (left > 0) out.push('', `> ${left} more line${left === 1 ? '' : 's'} left out to stay under GitHub's comment limit: --output json has everything.`);
  out.push('');
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
  // GitHub shows 10 annotations of each type per step: at most ANNOTATIONS_PER_CODE per finding
  // code (and for unexpected grants), most severe first, then one line for the rest.
  const shown = new Map<string, number>();
  const left = new Map<string, number>();
  const take = (code: string): boolean => {
    const n = shown.get(code) ?? 0;
    if (n >= ANNOTATIONS_PER_CODE) {
      left.set(code, (left.get(code) ?? 0) + 1);
      return false;
    }
    shown.set(code, n + 1);
    return true;
  };
  for (const e of audit.unexpected) {
    if (!take('unexpected grant')) continue;
    out.push(
      `::error title=${escProp(`Unexpected KMS grant ${e.grant.grantId}`)}::${escData(`${e.grant.granteePrincipal} ${e.operationsText} on ${e.keyArn} (constraints: ${e.constraintsText})`)}`,
    );
  }
  for (const f of bySeverity(audit.findings)) {
    if (!take(f.code)) continue;
    const level = opts.failing(f) ? 'error' : f.severity === 'info' || f.acceptance?.status === 'accepted' ? 'notice' : 'warning';
    out.push(
      `::${level} title=${escProp(`${f.code} ${f.id} (${f.severity}${f.acceptance?.status === 'accepted' ? ', accepted' : ''})`)}::${escData(f.message + acceptanceText(f))}`,
    );
  }
  if (left.size > 0)
    out.push(
      `::notice title=${escProp('kms-why: more findings')}::${escData(`not annotated (at most ${ANNOTATIONS_PER_CODE} per code): ${[...left].map(([c, n]) => `${n} more ${c}`).join(', ')}; the job summary or --output json has them all`)}`,
    );
  out.push(summaryLine(audit, opts));
  return out.join('\n') + '\n';
}

/** Annotations per finding code in `--output github`. */
export const ANNOTATIONS_PER_CODE = 10;

/** Findings, most severe first (stable within a severity). */
export function bySeverity(findings: readonly Finding[]): Finding[] {
  const rank = (f: Finding): number => ['critical', 'high', 'medium', 'low', 'info'].indexOf(f.severity);
  return findings
    .map((f, i) => [f, i] as const)
    .sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1])
    .map(([f]) => f);
}
