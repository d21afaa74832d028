// The published JSON Schemas (schema/): each is a valid draft 2020-12 schema with its $id and
// version, every fixture that is a contract document conforms to its schema, and the reports the
// CLI produces from every snapshot fixture conform too (CLI runs elsewhere in the suite are checked
// by test/cli/helpers.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { assertContract, MARKERS, SCHEMA_DIR, schemaErrors, schemaFiles, schemaFor } from '../helpers/schemas.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = `${dir}${f}`;
    return statSync(p).isDirectory() ? jsonFiles(`${p}/`) : f.endsWith('.json') ? [p] : [];
  });
}

const FIXTURES = jsonFiles(`${ROOT}fixtures/`).filter((f) => !f.includes('/fixtures/sarif/'));
const parsed = (f: string): unknown => JSON.parse(readFileSync(f, 'utf8'));

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {}, stdoutIsTTY: false, stderrIsTTY: false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('schema/', () => {
  it('holds one schema per contract, each draft 2020-12 with a versioned $id', () => {
    expect(schemaFiles()).toEqual(Object.values(MARKERS).sort());
    for (const f of schemaFiles()) {
      const s = JSON.parse(readFileSync(SCHEMA_DIR + f, 'utf8')) as Record<string, unknown>;
      expect(s.$schema, f).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(s.$id, f).toBe(`https://raw.githubusercontent.com/kms-why/kms-why/main/schema/${f}`);
      expect(s.title, f).toMatch(/version 1$/);
      expect(f).toMatch(/-1\.schema\.json$/);
    }
  });

  it('rejects what the readers reject (the schemas are not vacuous)', () => {
    expect(schemaErrors('snapshot-1.schema.json', { kmsWhySnapshot: 2 })).not.toEqual([]);
    expect(schemaErrors('snapshot-1.schema.json', { kmsWhySnapshot: 1, keys: [{ KeyMetadata: { Arn: 'arn:aws:kms:us-east-1:111122223333:key/k' }, Grant: [] }] })).not.toEqual([]);
    expect(schemaErrors('expect-1.schema.json', { accept: [{ code: 'KMSWHY-G004', reason: 'x' }] })).not.toEqual([]);
    expect(schemaErrors('expect-1.schema.json', { accept: [{ code: 'KMSWHY-G004', grant: 'g', grantee: 'p', reason: 'x' }] })).not.toEqual([]);
    expect(schemaErrors('expect-1.schema.json', { accept: [{ code: 'KMSWHY-G004', grant: 'g', reason: 'x', expires: '2027-03-01' }] })).toEqual([]);
    expect(schemaErrors('grants-report-1.schema.json', { kmsWhyGrantsReport: 1, auditedAt: 'x', keys: [], findings: [{ code: 'G001' }], expectations: null })).not.toEqual([]);
    expect(schemaErrors('check-report-1.schema.json', { kmsWhyReport: 1, key: null, principal: 'p', request: { encryptionContext: {}, viaService: null, conditions: {} }, results: [{ action: 'kms:Decrypt', decision: 'maybe' }] })).not.toEqual([]);
  });
});

describe('every fixture that is a contract document conforms to its schema', () => {
  const contracts = FIXTURES.filter((f) => schemaFor(parsed(f)) !== undefined);
  it('finds the snapshot and report fixtures', () => {
    expect(contracts.length).toBeGreaterThanOrEqual(15);
  });
  for (const f of contracts) {
    it(f.slice(ROOT.length), () => {
      expect(schemaErrors(schemaFor(parsed(f))!, parsed(f))).toEqual([]);
    });
  }
  it('the expectation files (array and object form); the invalid one is rejected', () => {
    for (const f of ['grants/expect-pass.json', 'grants/expect-fail.json', 'examples/grants-expect-accept.json']) {
      expect(schemaErrors('expect-1.schema.json', parsed(`${ROOT}fixtures/${f}`)), f).toEqual([]);
    }
    expect(schemaErrors('expect-1.schema.json', parsed(`${ROOT}fixtures/grants/expect-invalid.json`))).not.toEqual([]);
  });
});

describe('the reports produced from every snapshot fixture conform to their schemas', () => {
  const snapshots = FIXTURES.filter((f) => schemaFor(parsed(f)) === 'snapshot-1.schema.json');
  for (const f of snapshots) {
    it(f.slice(ROOT.length), async () => {
      const snap = parsed(f) as { keys?: Array<{ KeyMetadata: { Arn: string } }>; principals?: Array<{ Arn: string }> };
      const key = snap.keys?.[0]?.KeyMetadata.Arn;
      if (key === undefined) return;
      const principal = snap.principals?.[0]?.Arn ?? 'arn:aws:iam::111122223333:role/app';
      const outputs: Array<[string, string[]]> = [
        ['check', ['check', '--action', 'all', '--from', f, '--key', key, '--principal', principal, '--output', 'json']],
        ['grants', ['grants', '--from', f, '--all-keys', '--key', key, '--output', 'json', '--now', '2026-11-25T00:00:00Z']],
        ['grants sarif', ['grants', '--from', f, '--all-keys', '--key', key, '--output', 'sarif', '--now', '2026-11-25T00:00:00Z']],
        ['who-can', ['who-can', '--from', f, '--key', key, '--output', 'json']],
        ['diff', ['diff', f, f, '--output', 'json']],
        ['diff sarif', ['diff', f, f, '--output', 'sarif']],
      ];
      const skipped: string[] = [];
      for (const [name, argv] of outputs) {
        const r = await run(argv);
        expect(r.code, `${name}: ${r.stderr}`).toBeLessThan(4);
        if (r.code === 2) {
          skipped.push(`${name}: ${r.stderr}`); // this fixture is not an input for this command (the error says why)
          continue;
        }
        expect(() => assertContract(r.stdout, name)).not.toThrow();
        expect(r.stdout.startsWith('{'), name).toBe(true);
      }
      expect(skipped).toEqual([]);
    });
  }
});
