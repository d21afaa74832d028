// `kms-why snapshot --principal` reads one principal, not the account: the file says so
// (principalsAskedFor), and `kms-why diff` of it against a whole-account snapshot says the other
// principals were not read there (unknown, exit 3) instead of lost or gained, while a real change
// of the principal it was made for is still reported. The built CLI against the local AWS stand-in.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsServer, type AwsServer } from '../helpers/aws-server.js';
import { kmsWhyLive, type RunResult } from './helpers.js';

const A = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const APP = `arn:aws:iam::${A}:role/app`;
const DEV = `arn:aws:iam::${A}:role/dev`;
const ALICE = `arn:aws:iam::${A}:user/alice`;

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

/** diff reads files only: no --endpoint-url. */
function diff(args: string[]): Promise<RunResult> {
  return kmsWhyLive(server, ['diff', ...args], { endpoint: false });
}

interface DiffJson {
  summary: { gained: number; lost: number; changed: number; unknown: number };
  notes: string[];
  changes: Array<{ principal: string; change: string; actions: string[]; old: { notEvaluated?: string }; new: { notEvaluated?: string } }>;
}

describe('snapshot --principal: a snapshot of some principals only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-why-partial-'));
  const whole = join(dir, 'account.json');
  const partial = join(dir, 'app.json');
  const unchanged = join(dir, 'app-before.json');

  beforeAll(async () => {
    server.reset();
    const w = await run(['snapshot', '--account', '--output-file', whole]);
    expect(w.code, w.stderr).toBe(0);
    const u = await run(['snapshot', '--key', KEY, '--principal', APP, '--all-grants', '--output-file', unchanged]);
    expect(u.code, u.stderr).toBe(0);
    // Then role/app loses its inline policy (kms:Decrypt on the key), and is read again alone.
    const app = server.accounts.get(A)!.Iam!.Roles!.find((r) => (r.GetRole.Role as { RoleName: string }).RoleName === 'app')!;
    app.ListRolePolicies = { PolicyNames: [] };
    try {
      const p = await run(['snapshot', '--key', KEY, '--principal', APP, '--all-grants', '--output-file', partial]);
      expect(p.code, p.stderr).toBe(0);
    } finally {
      server.reload();
    }
  }, 60_000);

  it('the file names the principal it was made for; a --account snapshot does not', () => {
    expect(JSON.parse(readFileSync(partial, 'utf8')).principalsAskedFor).toEqual([APP]);
    expect(JSON.parse(readFileSync(whole, 'utf8')).principalsAskedFor).toBeUndefined();
  });

  it('diff against the whole account: the others are unknown (not read), not lost or gained; role/app lost Decrypt; exit 3', async () => {
    for (const [oldFile, newFile, side] of [
      [whole, partial, 'new'],
      [partial, whole, 'old'],
    ] as const) {
      const r = await diff([oldFile, newFile, '--output', 'json']);
      expect(r.code, r.stderr).toBe(3);
      const d = JSON.parse(r.stdout) as DiffJson;
      const appChanges = d.changes.filter((c) => c.principal.endsWith(':role/app') || c.principal.endsWith(':role/service/app'));
      expect(appChanges.filter((c) => c.change !== 'unknown').map((c) => [c.change, c.actions])).toEqual([
        [side === 'new' ? 'lost' : 'gained', ['kms:Decrypt']],
      ]);
      // role/dev and user/alice were not read in role/app's snapshot.
      for (const who of [DEV, ALICE]) {
        const cs = d.changes.filter((c) => c.principal === who);
        expect(cs.length, who).toBeGreaterThan(0);
        for (const c of cs) {
          expect(c.change).toBe('unknown');
          expect(c[side].notEvaluated).toBe(
            `the ${side} input could not list every principal: the snapshot lists only the principals it was asked for (${APP}); the others were not read`,
          );
        }
      }
      expect(d.summary.lost + d.summary.gained).toBe(1);
      expect(d.notes).toContain(`The ${side} input is a snapshot of only the principals it was asked for (${APP}): the others are not compared.`);
      const text = await diff([oldFile, newFile, '--output', 'text']);
      expect(text.code).toBe(3);
      expect(text.stdout).toContain('the snapshot lists only the principals it was asked for');
    }
  }, 60_000);

  it('two snapshots of the same principal: its change alone, exit 0; with the field removed (an older file) the others are lost, as before', async () => {
    const r = await diff([unchanged, partial, '--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as DiffJson;
    expect(d.changes.map((c) => [c.change, c.actions])).toEqual([['lost', ['kms:Decrypt']]]);

    const old = JSON.parse(readFileSync(partial, 'utf8')) as Record<string, unknown>;
    delete old.principalsAskedFor;
    const unmarked = join(dir, 'app-unmarked.json');
    writeFileSync(unmarked, JSON.stringify(old));
    const o = await diff([whole, unmarked, '--output', 'json']);
    const od = JSON.parse(o.stdout) as DiffJson;
    expect(od.changes.some((c) => c.principal === DEV && c.change === 'lost')).toBe(true);
  }, 60_000);

  it('--redact: the principal it was made for is redacted as its entry is', async () => {
    const red = join(dir, 'app-redacted.json');
    const r = await run(['snapshot', '--key', KEY, '--principal', APP, '--redact', '--output-file', red]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(red, 'utf8')) as { principalsAskedFor: string[]; principals: Array<{ Arn: string }> };
    expect(JSON.stringify(doc)).not.toMatch(/111122223333|role\/app\b/);
    expect(doc.principalsAskedFor).toHaveLength(1);
    expect(doc.principalsAskedFor[0]).toMatch(/^arn:aws:iam::000000000001:role\//);
  }, 60_000);
});
