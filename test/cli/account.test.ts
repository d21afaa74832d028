// `kms-why snapshot --account` and who-can without --from: the built CLI against the local AWS
// stand-in over real HTTP, with paging on every list and injected failures.

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsServer, type AwsServer } from '../helpers/aws-server.js';
import { kmsWhyLive, type RunResult } from './helpers.js';

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

const recorded = (): { roles: number; users: number; keys: number; grants: number; functions: number } => {
  const a = server.accounts.get('111122223333')!;
  return {
    roles: a.Iam?.Roles?.length ?? 0,
    users: a.Iam?.Users?.length ?? 0,
    keys: a.Kms?.Keys?.length ?? 0,
    grants: (a.Kms?.Keys ?? []).reduce((n, k) => n + (k.ListGrants?.Grants.length ?? 0), 0),
    functions: a.Lambda?.Functions?.length ?? 0,
  };
};

describe('kms-why snapshot --account', () => {
  it('reads every page of IAM, keys, grants, aliases and functions, with no per-role IAM call', async () => {
    server.reset();
    // One item a page: every list is paged.
    server.pageSize = { GetAccountAuthorizationDetails: 1, ListKeys: 1, ListGrants: 1, ListAliases: 1, ListFunctions: 1, ListResourceTags: 1 };
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-account-'));
    const file = join(dir, 'account.json');
    const r = await run(['snapshot', '--account', '--lambda-functions', '--output-file', file]);
    expect(r.code, r.stderr).toBe(0);
    const counts = server.counts();
    const n = recorded();
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    expect(snap.kmsWhySnapshot).toBe(1);
    // Every role and user, from GetAccountAuthorizationDetails alone.
    expect(counts.GetAccountAuthorizationDetails).toBeGreaterThanOrEqual(n.roles + n.users);
    expect(counts.GetRole ?? 0).toBe(0);
    expect(counts.GetRolePolicy ?? 0).toBe(0);
    expect(counts.GetPolicyVersion ?? 0).toBe(0);
    // ListAliases once for the account (one call a page), never per key.
    const aliases = server.calls.filter((c) => c.op === 'ListAliases');
    expect(aliases.every((c) => c.params.KeyId === undefined)).toBe(true);
    expect(counts.ListKeys).toBe(n.keys + (n.keys > 0 ? 0 : 1));
    expect(counts.ListGrants).toBeGreaterThanOrEqual(n.grants);
    const text = JSON.stringify(snap);
    expect(text).toContain('arn:aws:iam::111122223333:role/service/app');
    expect(text).toContain('alias/');
    if (n.functions > 0) expect(counts.ListFunctions).toBe(n.functions);
    // who-can replays it.
    const w = await run(['who-can', '--from', file, '--all-keys', '--output', 'json']);
    expect([0, 3]).toContain(w.code);
    const report = JSON.parse(w.stdout);
    expect(report.keys.length).toBeGreaterThan(0);
    expect(report.keys[0].principals.map((p: { principal: string }) => p.principal)).toContain('arn:aws:iam::111122223333:root');
    server.reset();
  }, 60_000);

  it('a failed read is recorded as unreadable with the permission it needed; who-can then says unknown (exit 3)', async () => {
    server.reset();
    server.script('ListGrants', 'deny');
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-account-'));
    const file = join(dir, 'account.json');
    const r = await run(['snapshot', '--account', '--output-file', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/recorded as unreadable/);
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    expect(JSON.stringify(snap)).toMatch(/kms:ListGrants on arn:aws:kms:/);
    const w = await run(['who-can', '--from', file, '--all-keys', '--action', 'kms:Decrypt']);
    expect(w.code).toBe(3);
    server.reset();
  }, 60_000);

  it('ListKeys denied, or a truncated page with no new marker: the run fails and writes nothing (the key list would be short)', async () => {
    const cases: Array<[Parameters<AwsServer['script']>[1], RegExp]> = [
      ['deny', /cannot list the keys of region us-east-1: .*kms:ListKeys/],
      // An empty 200 body parses to no members: not an account without keys.
      ['empty', /cannot list the keys of region us-east-1: .*no Keys list/],
      [{ reply: { Keys: [], Truncated: true } }, /cannot list the keys of region us-east-1: .*truncated but has no new NextMarker/],
      [{ reply: { Keys: [], Truncated: true, NextMarker: 'm1' } }, /cannot list the keys of region us-east-1: .*truncated but has no new NextMarker/],
    ];
    for (const [step, message] of cases) {
      server.reset();
      server.script('ListKeys', step);
      const dir = mkdtempSync(join(tmpdir(), 'kms-why-account-'));
      const file = join(dir, 'account.json');
      const r = await run(['snapshot', '--account', '--output-file', file]);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(existsSync(file)).toBe(false);
      // A repeated marker is caught on the second page, not after 10,000 calls.
      expect(server.count('ListKeys')).toBeLessThanOrEqual(typeof step === 'string' ? 10 : 2);
    }
    server.reset();
  }, 60_000);

  it('an empty 200 body for GetAccountAuthorizationDetails, ListAliases or ListFunctions is recorded as unreadable, not read as an empty list', async () => {
    for (const op of ['GetAccountAuthorizationDetails', 'ListAliases', 'ListFunctions']) {
      server.reset();
      server.script(op, 'empty');
      const dir = mkdtempSync(join(tmpdir(), 'kms-why-account-'));
      const file = join(dir, 'account.json');
      const r = await run(['snapshot', '--account', '--lambda-functions', '--output-file', file]);
      expect(r.code, r.stderr).toBe(0);
      const snap = JSON.parse(readFileSync(file, 'utf8'));
      const what =
        op === 'ListAliases'
          ? 'aliases of region us-east-1'
          : op === 'ListFunctions'
            ? 'Lambda functions of region us-east-1'
            : 'IAM roles, users and policies of account 111122223333';
      const record = (snap.Unreadable as Array<{ what: string; reason: string }> | undefined)?.find((i) => i.what === what);
      expect(record?.reason, op).toMatch(/no (Aliases|Functions|UserDetailList.*) list/);
      expect(r.stderr).toMatch(/recorded as unreadable/);
    }
    server.reset();
  }, 60_000);

  it('ListAliases denied: kms:ResourceAliases is unknown live and in the file (exit 3), not "no aliases"', async () => {
    server.reset();
    const app = 'arn:aws:iam::111122223333:role/service/app';
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/dev' }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'AppByAlias',
          Effect: 'Allow',
          Principal: { AWS: app },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/app' } },
        },
      ],
    };
    server.script('GetKeyPolicy', { reply: { Policy: JSON.stringify(policy), PolicyName: 'default' } });
    server.script('ListAliases', 'deny');
    const key = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const live = await run(['who-can', '--key', key, '--action', 'kms:Decrypt', '--output', 'json']);
    expect(live.code, live.stderr).toBe(3);
    const decrypt = (
      JSON.parse(live.stdout) as { keys: Array<{ actions: Array<{ principals: Array<{ principal: string; access: string; unreadable?: string[] }> }> }> }
    ).keys[0]!.actions[0]!.principals.find((p) => p.principal === 'arn:aws:iam::111122223333:role/app');
    expect(decrypt).toMatchObject({ access: 'unknown', unreadable: [expect.stringMatching(/^aliases of .*AccessDeniedException on kms:ListAliases/)] });
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-account-'));
    const file = join(dir, 'account.json');
    expect((await run(['snapshot', '--account', '--output-file', file])).code).toBe(0);
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    expect(snap.keys[0].Aliases).toEqual({
      kmsWhyUnreadable: { reason: 'AccessDeniedException on kms:ListAliases', neededPermission: 'kms:ListAliases on region us-east-1' },
    });
    const replay = await run(['decrypt', '--from', file, '--key', key, '--principal', app, '--output', 'json']);
    expect(replay.code, replay.stderr).toBe(3);
    server.reset();
  }, 60_000);

  it("a ListAliases answer with an entry that has no AliasName: every key's aliases are unknown, as when it is denied", async () => {
    server.reset();
    server.script('ListAliases', { reply: { Aliases: [{ TargetKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }], Truncated: false } });
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-account-'));
    const file = join(dir, 'account.json');
    expect((await run(['snapshot', '--account', '--output-file', file])).code).toBe(0);
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    expect(snap.keys[0].Aliases.kmsWhyUnreadable.reason).toMatch(/malformed response to kms:ListAliases.*no AliasName/);
    server.reset();
  }, 60_000);

  it('GetAccountAuthorizationDetails denied: recorded, with iam:GetAccountAuthorizationDetails as the permission', async () => {
    server.reset();
    server.script('GetAccountAuthorizationDetails', 'deny');
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-account-'));
    const file = join(dir, 'account.json');
    const r = await run(['snapshot', '--account', '--output-file', file]);
    expect(r.code, r.stderr).toBe(0);
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    expect(JSON.stringify(snap.inputs ?? snap)).toContain('iam:GetAccountAuthorizationDetails');
    server.reset();
  }, 60_000);

  it('who-can without --from reads the account through the same reader, and says what --from would', async () => {
    server.reset();
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-account-'));
    const file = join(dir, 'account.json');
    expect((await run(['snapshot', '--account', '--output-file', file])).code).toBe(0);
    const offline = await run(['who-can', '--from', file, '--all-keys', '--output', 'jsonl']);
    const live = await run(['who-can', '--all-keys', '--output', 'jsonl']);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(offline.code);
    const answers = (s: string) =>
      s
        .split('\n')
        .filter((l) => l.includes('"type":"answer"'))
        .sort();
    expect(answers(live.stdout)).toEqual(answers(offline.stdout));
    expect(answers(live.stdout).length).toBeGreaterThan(0);
    server.reset();
  }, 60_000);
});
