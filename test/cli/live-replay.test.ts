// Live equals replay (issue 14): on a key with many grants, a check reads the first ListGrants page
// and then only the grants to the principal's grantee forms. `kms-why snapshot` with the same flags
// stores exactly that (GrantsPartial), and the report replayed from it is the live report, apart
// from the times. Who-can and the grants audit, which need every grant, say such a file's grants
// are incomplete instead of using the subset.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsServer, type AwsServer } from '../helpers/aws-server.js';
import { fillerGrants } from '../sources/live/helpers.js';
import { kmsWhyLive, type RunResult } from './helpers.js';

const A = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const APP = `arn:aws:iam::${A}:role/app`;
const RETIRE = 'e'.repeat(64);

let server: AwsServer;
beforeAll(async () => {
  server = await startAwsServer();
  const grants = server.accounts.get(A)!.Kms!.Keys![0]!.ListGrants!.Grants as Array<Record<string, unknown>>;
  // 300 grants for other roles around two that concern role/app: one to it (past the first page),
  // one it may retire (found by its id).
  grants.push(...fillerGrants(KEY, 150));
  grants.push({
    KeyId: KEY,
    GrantId: 'd'.repeat(64),
    Name: 'app-sign',
    CreationDate: 1735689600,
    GranteePrincipal: `arn:aws:iam::${A}:role/service/app`,
    IssuingAccount: `arn:aws:iam::${A}:root`,
    Operations: ['ReEncryptFrom'],
    Constraints: { EncryptionContextEquals: { purpose: 'x' } },
  });
  grants.push(...fillerGrants(KEY, 150, 150));
  grants.push({
    KeyId: KEY,
    GrantId: RETIRE,
    CreationDate: 1735689600,
    GranteePrincipal: `arn:aws:iam::${A}:role/worker-x`,
    RetiringPrincipal: APP,
    IssuingAccount: `arn:aws:iam::${A}:root`,
    Operations: ['Decrypt'],
  });
});
afterAll(async () => {
  await server.close();
});

function run(args: string[]): Promise<RunResult> {
  return kmsWhyLive(server, args);
}

/** The text report without its times (the `at:` line is the request time, now). */
const textWithoutTimes = (s: string): string => s.replace(/^at: .*$/gm, 'at: <time>');

/**
 * The JSON report without its times and without where each input was read from this time (AWS
 * calls live, the file's JSON paths on replay) and the command line (`--from FILE`); what was read,
 * its status and its detail stay. The live run also records DescribeKey as an input of its own.
 */
function jsonWithoutTimes(s: string): unknown {
  const j = JSON.parse(s) as {
    request: { at?: string };
    commandLine?: string;
    inputs?: Array<{ what: string; from?: string; status: string; detail?: string }>;
  };
  delete j.request.at;
  delete j.commandLine;
  j.inputs = (j.inputs ?? [])
    .filter((i) => i.what !== `key ${KEY}`)
    .map(({ from: _from, ...rest }) => rest)
    .sort((x, y) => (x.what < y.what ? -1 : x.what > y.what ? 1 : 0));
  return j;
}

describe('live equals replay on a key with many grants', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-why-replay-'));
  const snap = join(dir, 'snap.json');
  const flags = ['--key', KEY, '--principal', APP, '--grant-id', RETIRE];

  let written: RunResult;
  beforeAll(async () => {
    written = await run(['snapshot', ...flags, '--output-file', snap]);
  });

  it('kms-why snapshot stores what the check read, marked as read in part', () => {
    expect(written.code, written.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(snap, 'utf8'));
    const key = doc.keys[0];
    expect(key.GrantsPartial).toEqual({
      FirstPage: 100,
      GranteePrincipals: [`arn:aws:iam::${A}:role/service/app`, APP, `arn:aws:iam::${A}:root`, A],
      GrantIds: [RETIRE],
    });
    // The first page and the two grants that concern role/app, not all 300.
    expect(key.Grants.length).toBeLessThan(110);
    expect(key.Grants.map((g: { GrantId: string }) => g.GrantId)).toEqual(expect.arrayContaining(['d'.repeat(64), RETIRE]));
  });

  const reEncrypt = ['check', '--action', 'kms:ReEncryptFrom'];
  for (const command of [['check', '--action', 'all'], ['decrypt'], reEncrypt, [...reEncrypt, '--context', 'purpose=x']]) {
    for (const output of ['text', 'json']) {
      it(`${command.join(' ')} --output ${output}: the live report and the replayed one are the same`, async () => {
        const live = await run([...command, ...flags, '--output', output]);
        const replay = await run([...command, ...flags, '--output', output, '--from', snap]);
        expect(live.stderr).toBe('');
        expect(replay.stderr).toBe('');
        expect(replay.code).toBe(live.code);
        if (output === 'text') expect(textWithoutTimes(replay.stdout)).toBe(textWithoutTimes(live.stdout));
        else expect(jsonWithoutTimes(replay.stdout)).toEqual(jsonWithoutTimes(live.stdout));
        if ((command.includes('all') && output === 'json') || command === reEncrypt) {
          // The grant step counts the grants that were read, and says how they were read.
          // 100 of the first page and the grant read by its id; the report wraps lines.
          expect(live.stdout.replace(/\s+/g, ' ')).toMatch(
            /\(101 other grants read are for other principals; beyond the first 100 grants, only those that can apply to this principal were read\)/,
          );
          expect(live.stdout).not.toMatch(/30\d other grants/);
        }
        if (command.includes('purpose=x')) expect(live.code).toBe(0); // the grant past the first page allows it
        if (command === reEncrypt) expect(live.code).toBe(1);
      });
    }
  }

  it('who-can and grants on that file say its grants are incomplete, never use the subset', async () => {
    const who = await run(['who-can', '--from', snap, '--key', KEY, '--output', 'json']);
    expect(who.code, who.stderr).toBe(3);
    expect(who.stdout).toMatch(/only part of the grants/);
    const grants = await run(['grants', '--from', snap, '--key', KEY, '--output', 'json', '--now', '2026-11-25T00:00:00Z']);
    expect(grants.code, grants.stderr).toBe(3);
    const g = JSON.parse(grants.stdout);
    expect(g.keys[0].complete).toBe(false);
    expect(g.keys[0].unreadable.reason).toMatch(/only part of the key's grants were read/);
    const text = await run(['grants', '--from', snap, '--key', KEY, '--now', '2026-11-25T00:00:00Z']);
    expect(text.stdout).toMatch(/grants could not be read completely: only part of the key's grants were read/);
  });

  it('snapshot --all-grants stores every grant, for who-can and grants', async () => {
    const all = join(dir, 'all.json');
    const r = await run(['snapshot', ...flags, '--all-grants', '--output-file', all]);
    expect(r.code, r.stderr).toBe(0);
    const key = JSON.parse(readFileSync(all, 'utf8')).keys[0];
    expect(key.GrantsPartial).toBeUndefined();
    expect(key.Grants.length).toBeGreaterThan(300);
    const grants = await run(['grants', '--from', all, '--key', KEY, '--output', 'json', '--now', '2026-11-25T00:00:00Z']);
    expect(JSON.parse(grants.stdout).keys[0].complete).toBe(true);
  });

  it('snapshot --redact of a partial read replays with the same verdicts, and leaks nothing through GrantsPartial', async () => {
    const red = join(dir, 'red.json');
    const r = await run(['snapshot', ...flags, '--redact', '--output-file', red]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(red, 'utf8');
    expect(text).not.toMatch(/111122223333|role\/app\b|1234abcd/);
    const doc = JSON.parse(text);
    const partial = doc.keys[0].GrantsPartial;
    expect(partial.GranteePrincipals).toHaveLength(4);
    const principal = (doc.principals as Array<{ Arn: string }>).map((p) => p.Arn).find((a) => a.includes(':role/'))!;
    expect(partial.GranteePrincipals).toContain(principal.replace(/role\/.*\//, 'role/'));
    const key = doc.keys[0].KeyMetadata.Arn as string;
    const replay = await run([
      'check',
      '--action',
      'all',
      '--key',
      key,
      '--principal',
      principal,
      '--grant-id',
      partial.GrantIds[0],
      '--from',
      red,
      '--output',
      'json',
    ]);
    const live = await run(['check', '--action', 'all', ...flags, '--output', 'json']);
    const verdicts = (s: string) =>
      JSON.parse(s).results.map((x: { action: string; decision: string; decidedBy: string }) => [x.action, x.decision, x.decidedBy]);
    expect(verdicts(replay.stdout)).toEqual(verdicts(live.stdout));
  });
});
