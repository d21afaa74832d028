// The CLI's live path end to end: the built CLI as a subprocess, reading a local AWS stand-in
// over real HTTP, with credentials from the environment as a user would have them.

import { mkdtempSync, readFileSync } from 'node:fs';
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

// spawnSync would block the event loop that serves the stand-in: run the CLI asynchronously.
function run(args: string[]): Promise<RunResult> {
  return kmsWhyLive(server, args);
}

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const APP = 'arn:aws:iam::111122223333:role/app';

describe('kms-why without --from reads AWS', () => {
  it('decrypt: the same report as the snapshot path gives', async () => {
    const live = await run(['decrypt', '--key', KEY, '--principal', APP, '--output', 'json']);
    expect(live.stderr).toBe('');
    expect([0, 1]).toContain(live.code);
    const report = JSON.parse(live.stdout);
    expect(report.results[0].action).toBe('kms:Decrypt');

    // kms-why snapshot, then the same check offline: the same verdicts and reasons.
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-live-'));
    const file = join(dir, 'snap.json');
    const snap = await run(['snapshot', '--key', KEY, '--principal', APP, '--output-file', file]);
    expect(snap.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).kmsWhySnapshot).toBe(1);
    const offline = await run(['check', '--action', 'all', '--key', KEY, '--principal', APP, '--from', file, '--output', 'json']);
    const liveAll = await run(['check', '--action', 'all', '--key', KEY, '--principal', APP, '--output', 'json']);
    const strip = (s: string) =>
      JSON.parse(s).results.map((r: { action: string; decision: string; decidedBy: string; reasons: unknown[] }) => [
        r.action,
        r.decision,
        r.decidedBy,
        r.reasons,
      ]);
    expect(strip(offline.stdout)).toEqual(strip(liveAll.stdout));
  });

  it('snapshot --redact: a valid, redacted snapshot that replays as the live read and the live --redact report do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-live-redact-'));
    const file = join(dir, 'snap-redacted.json');
    const snap = await run(['snapshot', '--key', KEY, '--principal', APP, '--output-file', file, '--redact']);
    expect(snap.code).toBe(0);
    expect(snap.stderr).not.toContain(file);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/111122223333|1234abcd|role\/app\b/);
    const doc = JSON.parse(text);
    expect(doc.redacted).toBe(true);
    const key = doc.keys[0].KeyMetadata.Arn as string;
    const principal = (doc.principals as Array<{ Arn: string }>).map((p) => p.Arn).find((a) => a.includes(':role/'))!;
    expect(key).toMatch(/^arn:aws:kms:us-east-1:000000000001:key\/00000000-0000-0000-0000-\d{12}$/);
    const offline = await run(['check', '--action', 'all', '--key', key, '--principal', principal, '--from', file, '--output', 'json']);
    expect(offline.stderr).toBe('');
    const liveRed = await run(['check', '--action', 'all', '--key', KEY, '--principal', APP, '--output', 'json', '--redact']);
    expect(liveRed.stdout).not.toMatch(/111122223333|1234abcd/);
    const strip = (s: string) =>
      JSON.parse(s).results.map((r: { action: string; decision: string; decidedBy: string; reasons: unknown[] }) => [
        r.action,
        r.decision,
        r.decidedBy,
        r.reasons,
      ]);
    expect(strip(offline.stdout)).toEqual(strip(liveRed.stdout));
    // Redacting the redacted snapshot again changes nothing.
    const again = await run(['check', '--action', 'all', '--key', key, '--principal', principal, '--from', file, '--output', 'json', '--redact']);
    expect(strip(again.stdout)).toEqual(strip(offline.stdout));
  });

  it('an unreadable key policy gives exit 3 and names the permission kms-why lacked', async () => {
    server.script('GetKeyPolicy', 'deny');
    const r = await run(['decrypt', '--key', KEY, '--principal', 'arn:aws:iam::111122223333:role/dev', '--output', 'json']);
    server.reset();
    server.reload();
    expect(r.code).toBe(3);
    const res = JSON.parse(r.stdout).results[0];
    expect(res.decision).toBe('unknown');
    expect(JSON.stringify(res.unreadable)).toMatch(/kms:GetKeyPolicy/);
  });

  it('a DescribeKey answer without KeyState is no answer: exit 3, never a key taken for Enabled', async () => {
    server.script('DescribeKey', {
      reply: { KeyMetadata: { Arn: KEY, KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' } },
    });
    const r = await run(['decrypt', '--key', KEY, '--principal', APP, '--output', 'json']);
    server.reset();
    server.reload();
    expect(r.code, r.stderr).toBe(3);
    const res = JSON.parse(r.stdout).results[0];
    expect(res.decision).toBe('unknown');
    expect(JSON.stringify(res.unreadable)).toMatch(/KeyState/);
  });

  it('grants that cannot be read do not change an allow that does not depend on them', async () => {
    server.script('ListGrants', 'deny');
    const r = await run(['decrypt', '--key', KEY, '--principal', 'arn:aws:iam::111122223333:role/dev', '--output', 'json']);
    server.reset();
    server.reload();
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results[0].decidedBy).toBe('key-policy-and-iam');
  });

  it('lambda: reads the function, then its key and execution role, and evaluates the runtime Decrypt', async () => {
    const r = await run(['lambda', 'my-function', '--output', 'json']);
    expect(r.stderr).toBe('');
    expect([0, 1]).toContain(r.code);
    const j = JSON.parse(r.stdout);
    expect(j.principal).toBe('arn:aws:sts::111122223333:assumed-role/app/my-function');
    expect(j.request.encryptionContext).toEqual({ 'aws:lambda:FunctionArn': 'arn:aws:lambda:us-east-1:111122223333:function:my-function' });
    expect(j.request.viaService).toBeNull();
    expect(j.lambda.function.roleArn).toBe('arn:aws:iam::111122223333:role/service/app');
  });
});

describe('kms-why grants reads AWS', () => {
  it('--all-keys lists every customer managed key of the region with all its grants', async () => {
    const r = await run(['grants', '--all-keys', '--output', 'json', '--now', '2026-11-25T00:00:00Z']);
    expect(r.stderr).toBe('');
    expect([0, 1]).toContain(r.code);
    const j = JSON.parse(r.stdout);
    expect(j.keys.length).toBeGreaterThan(0);
    expect(j.keys.every((k: { complete: boolean }) => k.complete)).toBe(true);
    expect(j.keys[0].grants.length).toBeGreaterThan(0);
  });
  it('--concurrency bounds the calls in flight; a bad value is a usage error', async () => {
    server.reset();
    const r = await run(['grants', '--all-keys', '--concurrency', '1', '--output', 'json', '--now', '2026-11-25T00:00:00Z']);
    expect([0, 1]).toContain(r.code);
    expect(server.counts().GetKeyPolicy ?? 0).toBe(0);
    server.reset();
    const bad = await run(['grants', '--all-keys', '--concurrency', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--concurrency "0"');
  });
  it('exit 3 when ListGrants is denied: never a silent pass on a partial list', async () => {
    server.script('ListGrants', 'deny');
    const r = await run(['grants', '--key', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', '--output', 'json']);
    server.reset();
    server.reload();
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).keys[0].complete).toBe(false);
  });
});

describe('kms-why lambda over AWS: the seed story', () => {
  const seedGrant = {
    KeyId: KEY,
    GrantId: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
    Name: 'my-function',
    CreationDate: 1739265243,
    GranteePrincipal: 'arn:aws:sts::111122223333:assumed-role/app/my-function',
    RetiringPrincipal: 'lambda.us-east-1.amazonaws.com',
    IssuingAccount: 'arn:aws:iam::111122223333:root',
    Operations: ['Decrypt', 'RetireGrant'],
    Constraints: { EncryptionContextEquals: { 'aws:lambda:FunctionArn': 'arn:aws:lambda:us-east-1:111122223333:function:my-function' } },
  };
  // An execution role with no KMS permissions of its own, as in the story.
  const noRolePolicies = (): void => {
    server.script('ListRolePolicies', { reply: { PolicyNames: [], IsTruncated: false } });
    server.script('ListAttachedRolePolicies', { reply: { AttachedPolicies: [], IsTruncated: false } });
  };
  const done = (): void => {
    server.reset();
    server.reload();
  };

  it('with the grant Lambda created: allowed by the grant', async () => {
    noRolePolicies();
    server.script('ListGrants', { reply: { Grants: [seedGrant], Truncated: false } });
    const r = await run(['lambda', 'my-function', '--output', 'json']);
    done();
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.results[0]).toMatchObject({ decision: 'allow', decidedBy: 'grant' });
    expect(j.results[0].reasons[0].id).toBe(seedGrant.GrantId);
  });

  it('a grant constraint the SDK does not model is not dropped: the grant list is malformed, and the runtime Decrypt unknown, not allowed', async () => {
    noRolePolicies();
    // A constraint kind AWS might add: the SDK's model keeps only the members it knows.
    const constrained = { ...seedGrant, Constraints: { ...seedGrant.Constraints, EncryptionContextKeys: ['aws:lambda:FunctionArn'] } };
    server.script('ListGrants', { reply: { Grants: [constrained], Truncated: false } });
    const r = await run(['lambda', 'my-function', '--output', 'json']);
    done();
    expect(r.code, r.stderr).toBe(3);
    const j = JSON.parse(r.stdout);
    expect(j.results[0].decision).toBe('unknown');
    expect(JSON.stringify(j.results[0].unreadable)).toMatch(/EncryptionContextKeys/);
  });

  it('after the grant is retired: denied, with the verified fix', async () => {
    noRolePolicies();
    server.script('ListGrants', { reply: { Grants: [], Truncated: false } });
    const r = await run(['lambda', 'my-function', '--output', 'json']);
    done();
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.results[0]).toMatchObject({ decision: 'deny', decidedBy: 'implicit-deny' });
    const fix = j.lambda.fixes.find((f: { kind: string }) => f.kind === 'recreate-grant');
    expect(fix.verified).toBe(true);
    expect(fix.commands[2]).toBe('aws lambda update-function-configuration --function-name my-function --role arn:aws:iam::111122223333:role/service/app');
  });

  it('a role deleted and recreated: the grant names the old role id, matches nobody, and the trap is named', async () => {
    noRolePolicies();
    server.script('ListGrants', { reply: { Grants: [{ ...seedGrant, GranteePrincipal: 'AROAOLDROLEID0000001:my-function' }], Truncated: false } });
    const r = await run(['lambda', 'my-function', '--output', 'json']);
    done();
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).lambda.traps.map((t: { id: string }) => t.id)).toContain('orphaned-grantee');
  });
});
