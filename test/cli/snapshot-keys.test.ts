// `kms-why snapshot --account --key K` and `snapshot --key K --principal P` read some keys, not the
// account's: the file says so (keysAskedFor), and `kms-why diff` of it against a whole-account
// snapshot says the other keys were not read there (unknown, exit 3) instead of removed or new with
// their principals' access lost or gained, while a real change on the key it holds is still
// reported; who-can --all-keys on it warns and exits 3. The built CLI against the local AWS stand-in.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsServer, type AwsServer, type RecordedKey } from '../helpers/aws-server.js';
import { kmsWhyLive, type RunResult } from './helpers.js';

const A = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const KEY2_ID = '5555abcd-12ab-34cd-56ef-1234567890ab';
const KEY2 = `arn:aws:kms:us-east-1:${A}:key/${KEY2_ID}`;
const APP = `arn:aws:iam::${A}:role/service/app`;
/** role/service/app as who-can and diff name it (a role is evaluated as one of its sessions, by name). */
const APP_ROLE = `arn:aws:iam::${A}:role/app`;
const DEV = `arn:aws:iam::${A}:role/dev`;

let server: AwsServer;
beforeAll(async () => {
  server = await startAwsServer();
});
afterAll(async () => {
  await server.close();
});

function run(args: string[]): Promise<RunResult> {
  return kmsWhyLive(server, args);
}

/** diff and who-can --from read files only: no --endpoint-url. */
function offline(args: string[]): Promise<RunResult> {
  return kmsWhyLive(server, args, { endpoint: false });
}

interface DiffJson {
  summary: { gained: number; lost: number; changed: number; unknown: number };
  keysAdded: string[];
  keysRemoved: string[];
  notes: string[];
  changes: Array<{
    key: string;
    principal: string;
    change: string;
    actions: string[];
    why: string[];
    old: { notEvaluated?: string };
    new: { notEvaluated?: string };
  }>;
}

/** A second customer managed key (alias/second), a copy of the first with no grants. */
function addSecondKey(): void {
  const keys = server.accounts.get(A)!.Kms!.Keys!;
  const k = structuredClone(keys[0]!) as RecordedKey;
  Object.assign(k.DescribeKey.KeyMetadata, { KeyId: KEY2_ID, Arn: KEY2 });
  k.ListGrants = { Grants: [] };
  k.ListAliases = { Aliases: [{ AliasName: 'alias/second', AliasArn: `arn:aws:kms:us-east-1:${A}:alias/second`, TargetKeyId: KEY2_ID }] };
  keys.push(k);
}

describe('snapshot --key: a snapshot of some keys only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-why-partial-keys-'));
  const whole = join(dir, 'account.json');
  const before = join(dir, 'app-key-before.json');
  const partial = join(dir, 'app-key.json');
  const both = join(dir, 'app-key-app-role.json');
  const notRead = (side: string): string => `not read in the ${side} input: that snapshot holds only the keys it was asked for (${KEY})`;

  beforeAll(async () => {
    server.reset();
    server.reload();
    addSecondKey();
    const w = await run(['snapshot', '--account', '--output-file', whole]);
    expect(w.code, w.stderr).toBe(0);
    const b = await run(['snapshot', '--account', '--key', 'alias/app', '--output-file', before]);
    expect(b.code, b.stderr).toBe(0);
    // Then role/service/app loses its inline policy (kms:Decrypt on the first key), and the key is read again alone.
    const app = server.accounts.get(A)!.Iam!.Roles!.find((r) => (r.GetRole.Role as { Arn: string }).Arn === APP)!;
    app.ListRolePolicies = { PolicyNames: [] };
    app.GetRolePolicy = {};
    const p = await run(['snapshot', '--account', '--key', 'alias/app', '--output-file', partial]);
    expect(p.code, p.stderr).toBe(0);
    const pp = await run(['snapshot', '--key', 'alias/app', '--principal', APP, '--all-grants', '--output-file', both]);
    expect(pp.code, pp.stderr).toBe(0);
  }, 60_000);
  afterAll(() => server.reload());

  it('the file names the keys it was made for, by ARN; a --account snapshot without --key does not', () => {
    const doc = JSON.parse(readFileSync(partial, 'utf8')) as { keysAskedFor?: string[]; principalsAskedFor?: string[]; keys: unknown[] };
    expect(doc.keysAskedFor).toEqual([KEY]);
    expect(doc.keys).toHaveLength(1);
    expect(doc.principalsAskedFor).toBeUndefined();
    expect(JSON.parse(readFileSync(both, 'utf8')).keysAskedFor).toEqual([KEY]);
    const w = JSON.parse(readFileSync(whole, 'utf8')) as { keysAskedFor?: string[]; keys: unknown[] };
    expect(w.keysAskedFor).toBeUndefined();
    expect(w.keys).toHaveLength(2);
  });

  it('diff against the whole account: the other key is unknown (not read), not removed or new; role/service/app lost Decrypt; exit 3', async () => {
    for (const [oldFile, newFile, side] of [
      [whole, partial, 'new'],
      [partial, whole, 'old'],
    ] as const) {
      const r = await offline(['diff', oldFile, newFile, '--output', 'json']);
      expect(r.code, r.stderr).toBe(3);
      const d = JSON.parse(r.stdout) as DiffJson;
      expect(d.keysRemoved).toEqual([]);
      expect(d.keysAdded).toEqual([]);
      const other = d.changes.filter((c) => c.key === KEY2);
      // role/dev (kms:* on every key) among them: not lost, not gained.
      expect(other.some((c) => c.principal === DEV)).toBe(true);
      for (const c of other) {
        expect(c.change).toBe('unknown');
        expect(c[side].notEvaluated).toBe(notRead(side));
        expect(c.why).toEqual([`cannot compare: ${notRead(side)}`]);
      }
      expect(d.changes.filter((c) => c.key === KEY && c.change !== 'unknown').map((c) => [c.principal, c.change, c.actions])).toEqual([
        [APP_ROLE, side === 'new' ? 'lost' : 'gained', ['kms:Decrypt']],
      ]);
      expect(d.summary.lost + d.summary.gained).toBe(1);
      expect(d.notes).toContain(`The ${side} input is a snapshot of only the keys it was asked for (${KEY}): a key it does not hold is not compared.`);
      const text = await offline(['diff', oldFile, newFile, '--output', 'text']);
      expect(text.code).toBe(3);
      expect(text.stdout).toContain(`cannot compare: not read in the ${side} input: that snapshot`);
      expect(text.stdout).not.toContain('[removed key]');
      expect(text.stdout).not.toContain('[new key]');
    }
  }, 60_000);

  it('snapshot --key --principal (some keys and some principals) against the whole account: the other key is unknown too', async () => {
    const r = await offline(['diff', whole, both, '--output', 'json']);
    expect(r.code, r.stderr).toBe(3);
    const d = JSON.parse(r.stdout) as DiffJson;
    expect(d.keysRemoved).toEqual([]);
    const other = d.changes.filter((c) => c.key === KEY2);
    expect(other.length).toBeGreaterThan(0);
    expect(other.every((c) => c.change === 'unknown' && c.new.notEvaluated === notRead('new'))).toBe(true);
    expect(d.changes.filter((c) => c.change !== 'unknown').map((c) => [c.key, c.principal, c.change, c.actions])).toEqual([
      [KEY, APP_ROLE, 'lost', ['kms:Decrypt']],
    ]);
  }, 60_000);

  it('two snapshots of the same key: its change alone, exit 0; with the field removed (an older file) the other key is removed, as before', async () => {
    const r = await offline(['diff', before, partial, '--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as DiffJson;
    expect(d.changes.map((c) => [c.key, c.principal, c.change, c.actions])).toEqual([[KEY, APP_ROLE, 'lost', ['kms:Decrypt']]]);

    const old = JSON.parse(readFileSync(partial, 'utf8')) as Record<string, unknown>;
    delete old.keysAskedFor;
    const unmarked = join(dir, 'app-key-unmarked.json');
    writeFileSync(unmarked, JSON.stringify(old));
    const o = JSON.parse((await offline(['diff', whole, unmarked, '--output', 'json'])).stdout) as DiffJson;
    expect(o.keysRemoved).toEqual([KEY2]);
    expect(o.changes.some((c) => c.key === KEY2 && c.principal === DEV && c.change === 'lost')).toBe(true);
  }, 60_000);

  it('who-can --all-keys on it warns on stderr and exits 3, and its report says which keys it covers (diff of the reports: unknown, not removed)', async () => {
    const report = join(dir, 'who-can-partial.json');
    const r = await offline(['who-can', '--from', partial, '--all-keys', '--output-file', report, '--output', 'json']);
    expect(r.code, r.stderr).toBe(3);
    const warning = `kms-why: the snapshot holds only the keys it was asked for (${KEY}): --all-keys does not cover the account's other keys.`;
    expect(r.stderr.split('\n')).toContain(warning);
    expect((JSON.parse(readFileSync(report, 'utf8')) as { filters: unknown }).filters).toEqual({ keys: [KEY], principals: null, actions: null });
    // Asked for the key it holds: nothing is missing, no warning.
    const one = await offline(['who-can', '--from', partial, '--key', 'alias/app', '--output', 'json']);
    expect(one.stderr).not.toContain('asked for');
    // Without the field: as before.
    const unmarked = JSON.parse(readFileSync(partial, 'utf8')) as Record<string, unknown>;
    delete unmarked.keysAskedFor;
    const file = join(dir, 'who-can-unmarked.json');
    writeFileSync(file, JSON.stringify(unmarked));
    expect((await offline(['who-can', '--from', file, '--all-keys', '--output', 'json'])).stderr).not.toContain('asked for');

    const wholeReport = join(dir, 'who-can-whole.json');
    const w = await offline(['who-can', '--from', whole, '--all-keys', '--output-file', wholeReport, '--output', 'json']);
    expect(w.stderr).not.toContain('asked for');
    const d = await offline(['diff', wholeReport, report, '--output', 'json']);
    expect(d.code, d.stderr).toBe(3);
    const dj = JSON.parse(d.stdout) as DiffJson;
    expect(dj.keysRemoved).toEqual([]);
    const other = dj.changes.filter((c) => c.key === KEY2);
    expect(other.length).toBeGreaterThan(0);
    expect(other.every((c) => c.change === 'unknown')).toBe(true);
    expect(dj.summary.lost + dj.summary.gained).toBe(1);
  }, 60_000);

  it('who-can on a snapshot of some principals warns on stderr and exits 3 (principals it was not made for are missing)', async () => {
    const r = await offline(['who-can', '--from', both, '--key', 'alias/app', '--output', 'json']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.split('\n')).toContain(
      `kms-why: the snapshot holds only the principals it was asked for (${APP}): other principals may be missing from this report.`,
    );
    // --key: the key it holds is all that was asked; no warning about keys.
    expect(r.stderr).not.toContain('keys it was asked for');
  }, 60_000);

  it('--redact: the keys it was made for are redacted as their ARNs are', async () => {
    const red = join(dir, 'app-key-redacted.json');
    const r = await run(['snapshot', '--account', '--key', 'alias/app', '--redact', '--output-file', red]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(red, 'utf8')) as { keysAskedFor: string[]; keys: Array<{ KeyMetadata: { Arn: string } }> };
    expect(JSON.stringify(doc)).not.toMatch(/111122223333|1234abcd/);
    expect(doc.keysAskedFor).toEqual([doc.keys[0]!.KeyMetadata.Arn]);
    expect(doc.keysAskedFor[0]).toMatch(/^arn:aws:kms:us-east-1:000000000001:key\//);
  }, 60_000);
});
