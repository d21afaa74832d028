import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kmsWhy, ROOT } from './helpers.js';

const SNAP = `${ROOT}fixtures/examples/grants-audit-snapshot.json`;
const base = ['grants', '--from', SNAP, '--key', 'alias/shared', '--now', '2026-11-25T00:00:00Z'];

describe('kms-why grants', () => {
  it('exit 0 when every grant is expected', () => {
    const r = kmsWhy([...base, '--expect', `${ROOT}fixtures/grants/expect-pass.json`, '--output', 'text']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Every grant matches an expectation.');
  });

  it('exit 1 on unexpected grants, one GitHub annotation each', () => {
    const r = kmsWhy([...base, '--expect', `${ROOT}fixtures/grants/expect-fail.json`, '--output', 'github']);
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(errors).toHaveLength(3);
    expect(errors.join('\n')).toContain('partner-ingest');
  });

  it('exit 1 on a finding at or above --fail-on, 0 below it', () => {
    expect(kmsWhy([...base, '--fail-on', 'high', '--output', 'json']).code).toBe(1);
    expect(kmsWhy([...base, '--fail-on', 'critical', '--output', 'json']).code).toBe(0);
  });

  it('exit 2 with the JSON path for a bad expectation file', () => {
    const r = kmsWhy([...base, '--expect', `${ROOT}fixtures/grants/expect-invalid.json`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/expect-invalid\.json: \[0\]\.operations\[1\]: unknown grant operation "decrypt"/);
  });

  it('exit 3 when the grants could not be read completely', () => {
    const r = kmsWhy([
      'grants',
      '--from',
      `${ROOT}fixtures/aws-cli/describe-key.json`,
      '--from',
      `${ROOT}fixtures/aws-cli/list-grants-truncated.json`,
      '--all-keys',
      '--output',
      'json',
    ]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).keys[0].complete).toBe(false);
  });

  it('--write-expect captures a file that then passes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-grants-'));
    const file = join(dir, 'kms-grants.json');
    const w = kmsWhy([...base, '--write-expect', file, '--output', 'json']);
    expect(w.code).toBe(0);
    expect(w.stderr).toMatch(/wrote 8 matchers \(one per grant shape\)/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(8);
    expect(kmsWhy([...base, '--expect', file, '--output', 'json']).code).toBe(0);
  });

  it('the JSON report lists every grant with its classification', () => {
    const report = JSON.parse(kmsWhy([...base, '--output', 'json']).stdout);
    expect(report.kmsWhyGrantsReport).toBe(1);
    expect(report.keys[0].grants).toHaveLength(9);
    expect(report.keys[0].grants[0]).toMatchObject({ granteeKind: 'role-session', serviceCreated: true, operationsText: 'can decrypt, retire this grant' });
  });

  it('markdown and table outputs carry the grants; --redact removes account ids', () => {
    for (const output of ['markdown', 'table', 'text']) {
      const r = kmsWhy([...base, '--output', output, '--redact']);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/111122223333|444455556666/);
      expect(r.stdout).toMatch(/KMSWHY-G001/);
    }
  });

  it('accepted findings do not fail the run, and fail again once their acceptance expires', () => {
    const accepted = `${ROOT}fixtures/examples/grants-expect-accept.json`;
    const before = kmsWhy([...base, '--expect', accepted, '--fail-on', 'high', '--output', 'text']);
    expect(before.code, before.stderr).toBe(0);
    // Read with the text's line wrapping undone (it fits 80 columns).
    const flat = before.stdout.replace(/\n +/g, ' ');
    expect(flat).toContain('[accepted until 2027-03-01: partner ingest, contract PRJ-1234]');
    expect(flat).toMatch(/8 findings \(3 accepted\), 0 unexpected/);
    // The same run after the delegator grant's acceptance (2027-01-15) ran out.
    const after = kmsWhy([
      'grants',
      '--from',
      SNAP,
      '--key',
      'alias/shared',
      '--now',
      '2027-01-20T00:00:00Z',
      '--expect',
      accepted,
      '--fail-on',
      'high',
      '--output',
      'github',
    ]);
    expect(after.code).toBe(1);
    const errors = after.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('acceptance #2 EXPIRED on 2027-01-15: delegator grant, being replaced (TICKET-42)');
    expect(after.stdout).toMatch(/::notice title=KMSWHY-G001 external-account \(high%2C accepted\)::/);
    const json = JSON.parse(
      kmsWhy(['grants', '--from', SNAP, '--key', 'alias/shared', '--now', '2027-01-20T00:00:00Z', '--expect', accepted, '--output', 'json']).stdout,
    );
    expect(json.findings.filter((f: { acceptance?: { status: string } }) => f.acceptance?.status === 'expired')).toHaveLength(1);
  });

  it('--output sarif: one rule per code, stable fingerprints, results located in the expectation file', () => {
    const accepted = 'fixtures/examples/grants-expect-accept.json';
    const run = (now: string) =>
      kmsWhy(['grants', '--from', SNAP, '--key', 'alias/shared', '--now', now, '--expect', accepted, '--fail-on', 'high', '--output', 'sarif']);
    const r = run('2027-01-20T00:00:00Z');
    expect(r.code).toBe(1); // the SARIF file is written whatever the verdict; the exit code still says it
    const log = JSON.parse(r.stdout);
    const run0 = log.runs[0];
    const ruleIds = run0.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(new Set(ruleIds).size).toBe(ruleIds.length);
    expect(ruleIds).toEqual(expect.arrayContaining(['KMSWHY-G001', 'KMSWHY-G004', 'KMSWHY-G008', 'KMSWHY-E001']));
    for (const rule of run0.tool.driver.rules) {
      expect(rule.help.text.length, rule.id).toBeGreaterThan(40);
      expect(rule.helpUri).toMatch(/^https:\/\/github\.com\/kms-why\/kms-why\/blob\/v\d+\.\d+\.\d+\/docs\/report\.md#kmswhy-[gde]\d{3}$/);
    }
    const results = run0.results as Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      suppressions?: unknown[];
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
      partialFingerprints: Record<string, string>;
      properties: { grantId: string };
    }>;
    expect(results).toHaveLength(8);
    for (const x of results) {
      expect(ruleIds[x.ruleIndex]).toBe(x.ruleId);
      expect(x.locations[0]!.physicalLocation.artifactLocation.uri).toBe(accepted);
    }
    // An accepted finding points at its acceptance and carries it as a suppression.
    const text = readFileSync(`${ROOT}${accepted}`, 'utf8').split('\n');
    const partner = results.find((x) => x.ruleId === 'KMSWHY-G001')!;
    expect(partner.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'partner ingest, contract PRJ-1234 (until 2027-03-01)' }]);
    expect(text.slice(partner.locations[0]!.physicalLocation.region.startLine - 1).join('\n')).toMatch(/^\s*\{\s*"code": "KMSWHY-G001"/);
    // The expired one is an error, without suppression.
    const expired = results.find((x) => x.ruleId === 'KMSWHY-G004' && x.properties.grantId.endsWith('9'))!;
    expect(expired.level).toBe('error');
    expect(expired.suppressions).toBeUndefined();
    // Fingerprints: the same on another day, and different for each (key, grant, code).
    const again = JSON.parse(run('2026-11-25T00:00:00Z').stdout).runs[0].results as typeof results;
    expect(again.map((x) => x.partialFingerprints)).toEqual(results.map((x) => x.partialFingerprints));
    expect(new Set(results.map((x) => x.partialFingerprints['kmsWhy/v1'])).size).toBe(results.length);
  });

  it('--output sarif without --expect points at the snapshot; unexpected grants are errors', () => {
    const r = kmsWhy([...base, '--expect', `${ROOT}fixtures/grants/expect-fail.json`, '--output', 'sarif']);
    expect(r.code).toBe(1);
    const results = JSON.parse(r.stdout).runs[0].results as Array<{ ruleId: string; level: string }>;
    expect(results.filter((x) => x.ruleId === 'KMSWHY-E001')).toHaveLength(3);
    expect(results.filter((x) => x.ruleId === 'KMSWHY-E001').every((x) => x.level === 'error')).toBe(true);
    const plain = JSON.parse(kmsWhy(['grants', '--from', 'fixtures/examples/grants-audit-snapshot.json', '--key', 'alias/shared', '--output', 'sarif']).stdout);
    expect(plain.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('fixtures/examples/grants-audit-snapshot.json');
  });

  it('--report FORMAT=FILE writes several outputs from one run; stdout keeps --output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-report-'));
    const r = kmsWhy([
      ...base,
      '--expect',
      `${ROOT}fixtures/examples/grants-expect-accept.json`,
      '--fail-on',
      'high',
      '--output',
      'github',
      '--report',
      `sarif=${dir}/kms.sarif`,
      '--report',
      `markdown=${dir}/kms.md`,
      '--report',
      `json=${dir}/kms.json`,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^::(notice|warning) /m);
    expect(JSON.parse(readFileSync(`${dir}/kms.sarif`, 'utf8')).version).toBe('2.1.0');
    expect(readFileSync(`${dir}/kms.md`, 'utf8')).toMatch(/^## KMS grants audit/);
    expect(JSON.parse(readFileSync(`${dir}/kms.json`, 'utf8')).kmsWhyGrantsReport).toBe(1);
    expect(r.stderr).toContain(`wrote the sarif report to ${dir}/kms.sarif`);
    // Bad --report values are usage errors, before anything is written.
    expect(kmsWhy([...base, '--report', 'pdf=x.pdf']).stderr).toMatch(/--report "pdf=x.pdf" is not FORMAT=FILE/);
    expect(kmsWhy([...base, '--report', 'sarif=']).code).toBe(2);
    expect(kmsWhy([...base, '--report', `sarif=${dir}/a`, '--report', `json=${dir}/a`]).stderr).toMatch(/names .* twice/);
  });
});

describe('kms-why diff --output sarif', () => {
  it('one result per gained access, none when nothing was gained', () => {
    const basic = 'fixtures/who-can/basic.json';
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-diff-'));
    // The new snapshot lets role/web change the key policy.
    const snap = JSON.parse(readFileSync(`${ROOT}${basic}`, 'utf8'));
    const policy = typeof snap.keys[0].Policy === 'string' ? JSON.parse(snap.keys[0].Policy) : snap.keys[0].Policy;
    policy.Statement.push({
      Sid: 'NewWeb',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:role/web' },
      Action: 'kms:PutKeyPolicy',
      Resource: '*',
    });
    snap.keys[0].Policy = policy;
    writeFileSync(`${dir}/new.json`, JSON.stringify(snap));
    const r = kmsWhy(['diff', basic, `${dir}/new.json`, '--fail-on-gain', '--output', 'sarif', '--report', `json=${dir}/diff.json`]);
    expect(r.code).toBe(1);
    const results = JSON.parse(r.stdout).runs[0].results as Array<{
      ruleId: string;
      level: string;
      message: { text: string };
      partialFingerprints: Record<string, string>;
    }>;
    expect(results.length).toBeGreaterThan(0);
    const admin = results.find((x) => x.ruleId === 'KMSWHY-D002')!;
    expect(admin.level).toBe('error');
    expect(admin.message.text).toMatch(/arn:aws:iam::111122223333:role\/web gained kms:PutKeyPolicy/);
    expect(admin.message.text).toContain('NewWeb');
    expect(JSON.parse(readFileSync(`${dir}/diff.json`, 'utf8')).summary.gained).toBeGreaterThan(0);
    const none = kmsWhy(['diff', basic, basic, '--fail-on-gain', '--output', 'sarif']);
    expect(none.code).toBe(0);
    expect(JSON.parse(none.stdout).runs[0].results).toEqual([]);
  });
});
