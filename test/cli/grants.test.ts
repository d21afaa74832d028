import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kmsWhy, ROOT } from './helpers.js';

const SNAP = `${ROOT}fixtures/grants/audit-snapshot.json`;
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
    const r = kmsWhy(['grants', '--from', `${ROOT}fixtures/aws-cli/describe-key.json`, '--from', `${ROOT}fixtures/aws-cli/list-grants-truncated.json`, '--all-keys', '--output', 'json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).keys[0].complete).toBe(false);
  });

  it('--write-expect captures a file that then passes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-grants-'));
    const file = join(dir, 'kms-grants.json');
    const w = kmsWhy([...base, '--write-expect', file, '--output', 'json']);
    expect(w.code).toBe(0);
    expect(w.stderr).toMatch(/wrote 8 expected grants/);
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
});
