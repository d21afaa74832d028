// UpdateAlias read from AWS: the key the alias points to now is resolved (DescribeKey on the
// alias) and read as a key of its own, so that its key policy decides, as the snapshot path does
// with the snapshot key whose Aliases list the alias. The built CLI against the local stand-in.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAwsServer, type AwsServer, type RecordedKey } from '../helpers/aws-server.js';
import { kmsWhy, kmsWhyLive } from './helpers.js';

let server: AwsServer;
beforeAll(async () => {
  server = await startAwsServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.reset();
  server.reload();
});

const ACCOUNT = '111122223333';
const CURRENT = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const NEW_ID = '0987dcba-09fe-87dc-65ba-ab0987654321';
const NEW = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${NEW_ID}`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

/** A second key (the new target), with the same policy as the alias's current key and no alias. */
function addNewTarget(): void {
  const keys = server.accounts.get(ACCOUNT)!.Kms!.Keys!;
  const current = keys.find((k) => k.DescribeKey.KeyMetadata.KeyId === '1234abcd-12ab-34cd-56ef-1234567890ab')!;
  const added = structuredClone(current) as RecordedKey;
  added.DescribeKey.KeyMetadata.KeyId = NEW_ID;
  added.DescribeKey.KeyMetadata.Arn = NEW;
  added.ListAliases = { Aliases: [] };
  added.ListGrants = { Grants: [] };
  keys.push(added);
}

/** The current key's policy with a Deny of kms:UpdateAlias for everyone. */
function denyUpdateAliasOnCurrent(): void {
  const current = server.accounts.get(ACCOUNT)!.Kms!.Keys!.find((k) => k.DescribeKey.KeyMetadata.KeyId === '1234abcd-12ab-34cd-56ef-1234567890ab')!;
  const policy = JSON.parse(current.GetKeyPolicy!.Policy) as { Statement: unknown[] };
  policy.Statement.push({ Sid: 'NoAliasMoves', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:UpdateAlias', Resource: '*' });
  current.GetKeyPolicy!.Policy = JSON.stringify(policy);
}

function aliasDescribes(): number {
  return server.calls.filter((c) => c.op === 'DescribeKey' && String(c.params.KeyId) === 'alias/app').length;
}

describe('UpdateAlias live: the key the alias points to now', () => {
  it('is resolved and read: its key policy takes part in the verdict (allow)', async () => {
    addNewTarget();
    const r = await kmsWhyLive(server, ['update-alias', '--key', NEW, '--alias', 'alias/app', '--principal', ROOT, '--output', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout).results[0];
    expect(d).toMatchObject({ action: 'kms:UpdateAlias', decision: 'allow' });
    // The walk checked the current key, named by what DescribeKey on the alias returned.
    expect(JSON.stringify(d.trace)).toContain(`the key alias/app points to now (${CURRENT})`);
    expect(aliasDescribes()).toBe(1);
    // The current key was read as a key: its policy.
    expect(server.calls.some((c) => c.op === 'GetKeyPolicy' && String(c.params.KeyId) === CURRENT)).toBe(true);
  });

  it("a Deny in the current key's policy denies (check --action names UpdateAlias too)", async () => {
    addNewTarget();
    denyUpdateAliasOnCurrent();
    const r = await kmsWhyLive(server, ['check', '--action', 'kms:UpdateAlias', '--key', NEW, '--alias', 'alias/app', '--principal', ROOT, '--output', 'json']);
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout).results[0];
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'explicit-deny' });
    expect(d.reasons.map((x: { id: string }) => x.id)).toContain('NoAliasMoves');
  });

  it('is recorded in the snapshot: the current key with its Aliases; replayed offline, the same verdict', async () => {
    addNewTarget();
    denyUpdateAliasOnCurrent();
    const live = await kmsWhyLive(server, ['update-alias', '--key', NEW, '--alias', 'alias/app', '--principal', ROOT, '--output', 'json']);
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-alias-'));
    const file = join(dir, 'snap.json');
    // The same live read, written as a snapshot: --alias reads the key the alias points to now.
    const snap = await kmsWhyLive(server, ['snapshot', '--key', NEW, '--alias', 'alias/app', '--principal', ROOT, '--output-file', file]);
    expect(snap.code, snap.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { keys: Array<{ KeyMetadata: { Arn: string }; Aliases?: string[] }> };
    const current = doc.keys.find((k) => k.KeyMetadata.Arn === CURRENT);
    expect(current?.Aliases).toContain('alias/app');
    const offline = kmsWhy(['update-alias', '--from', file, '--key', NEW, '--alias', 'alias/app', '--principal', ROOT, '--output', 'json']);
    const pick = (s: string) =>
      JSON.parse(s).results.map((x: { decision: string; decidedBy: string; reasons: unknown[] }) => [x.decision, x.decidedBy, x.reasons]);
    expect(pick(offline.stdout)).toEqual(pick(live.stdout));
  });

  it('an alias whose target cannot be resolved leaves the verdict unknown, with the input recorded', async () => {
    addNewTarget();
    server.script('DescribeKey', 'deny', (p) => String(p.KeyId) === 'alias/app');
    const r = await kmsWhyLive(server, ['update-alias', '--key', NEW, '--alias', 'alias/app', '--principal', ROOT, '--output', 'json']);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report.results[0]).toMatchObject({ decision: 'unknown' });
    expect(JSON.stringify(report)).toContain('the key alias/app points to now');
  });

  it('other actions do not resolve the alias (no extra call)', async () => {
    addNewTarget();
    const r = await kmsWhyLive(server, ['create-alias', '--key', NEW, '--alias', 'alias/other', '--principal', ROOT, '--output', 'json']);
    expect([0, 1, 3]).toContain(r.code);
    expect(server.calls.filter((c) => c.op === 'DescribeKey' && String(c.params.KeyId).startsWith('alias/')).length).toBe(0);
  });
});
