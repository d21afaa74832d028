// issue 12 item 7: --write-expect writes one matcher per grant shape; GitHub annotations are
// capped per finding code, most severe first, with one line for the rest.
import { describe, expect, it } from 'vitest';
import { auditGrants, expectationsFrom, matchesExpectation } from '../../src/analyses/grants-audit.js';
import type { Grant } from '../../src/model/grant.js';
import { ANNOTATIONS_PER_CODE, bySeverity, renderGrantsGithub } from '../../src/report/grants.js';
import { loadFrom } from '../../src/sources/load.js';
import { ROOT } from '../cli/helpers.js';

const NOW = '2026-11-25T00:00:00Z';
const snapshot = await loadFrom([`${ROOT}fixtures/examples/grants-audit-snapshot.json`]);
const base = snapshot.keys[0]!;
const A = base.metadata.account;

/** The fixture's key with 120 Lambda grants (one per function session) and 30 grants to one role's sessions. */
function manyGrants(): typeof base {
  const grants: Grant[] = [];
  for (let i = 0; i < 120; i++) {
    grants.push({
      grantId: `l${i}`.padStart(64, '0'),
      granteePrincipal: `arn:aws:sts::${A}:assumed-role/fn-role-${i % 7}/fn-${i}`,
      retiringPrincipal: 'lambda.us-east-1.amazonaws.com',
      operations: ['Decrypt', 'RetireGrant'],
      state: 'active',
      issuingAccount: `arn:aws:iam::${A}:root`,
      constraints: { encryptionContextEquals: { 'aws:lambda:FunctionArn': `arn:aws:lambda:us-east-1:${A}:function:fn-${i}` } },
      creationDate: '2020-01-01T00:00:00Z',
    });
  }
  for (let i = 0; i < 30; i++) {
    grants.push({
      grantId: `r${i}`.padStart(64, '0'),
      granteePrincipal: `arn:aws:sts::${A}:assumed-role/batch/job-${i}`,
      operations: ['Encrypt', 'Decrypt'],
      state: 'active',
      issuingAccount: `arn:aws:iam::${A}:root`,
      creationDate: '2020-01-01T00:00:00Z',
    });
  }
  return { ...base, grants };
}

describe('grants for CI', () => {
  it('--write-expect: one matcher per shape, and every grant fits one of them', () => {
    const k = manyGrants();
    const audit = auditGrants([k], { now: NOW });
    const list = expectationsFrom(audit, NOW);
    expect(list.length).toBeLessThanOrEqual(3);
    expect(list.map((m) => m.grantee)).toContain(`arn:aws:sts::${A}:assumed-role/batch/*`);
    for (const e of audit.keys[0]!.entries)
      expect(
        list.some((m) => matchesExpectation(e, m)),
        e.grant.grantId,
      ).toBe(true);
    // With these matchers, nothing is unexpected.
    expect(auditGrants([k], { now: NOW, expectations: list }).unexpected).toEqual([]);
  });

  it('github: at most 10 annotations per finding code, the most severe first, and one line for the rest', () => {
    const audit = auditGrants([manyGrants()], { now: NOW, maxAgeDays: 30 });
    const text = renderGrantsGithub(audit, { now: NOW, failing: () => false });
    const lines = text.split('\n').filter((l) => l.startsWith('::'));
    const perCode = new Map<string, number>();
    for (const l of lines) {
      const code = /title=(KMSWHY-G\d+)/.exec(l)?.[1];
      if (code !== undefined) perCode.set(code, (perCode.get(code) ?? 0) + 1);
    }
    expect(Math.max(...perCode.values())).toBeLessThanOrEqual(ANNOTATIONS_PER_CODE);
    expect(audit.findings.length).toBeGreaterThan(ANNOTATIONS_PER_CODE);
    expect(text).toMatch(/not annotated \(at most 10 per code\): \d+ more KMSWHY-G/);
    const sorted = bySeverity(audit.findings);
    const order = ['critical', 'high', 'medium', 'low', 'info'];
    for (let i = 1; i < sorted.length; i++) expect(order.indexOf(sorted[i]!.severity)).toBeGreaterThanOrEqual(order.indexOf(sorted[i - 1]!.severity));
  });
});

describe('grants report for people', () => {
  it('findings first (most severe first), the inventory only with --inventory when long; Markdown under 60,000 characters', async () => {
    const { renderGrantsMarkdown, renderGrantsText } = await import('../../src/report/grants.js');
    const audit = auditGrants([manyGrants()], { now: NOW, maxAgeDays: 30 });
    const text = renderGrantsText(audit, { now: NOW });
    expect(text.indexOf('Findings')).toBeGreaterThan(-1);
    expect(text).toContain('--inventory lists every grant');
    expect(text).not.toContain('  grantee:');
    const full = renderGrantsText(audit, { now: NOW, inventory: true });
    expect(full.indexOf('Findings')).toBeLessThan(full.indexOf('  grantee:'));
    const md = renderGrantsMarkdown(audit, { now: NOW, inventory: true });
    expect(md.length).toBeLessThan(60_000);
    expect(md).toContain('<details>');
  });
});
