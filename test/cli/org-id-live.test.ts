// aws:PrincipalOrgID read from AWS: when a policy that was read has a condition on it, kms-why asks
// organizations:DescribeOrganization for the organization of the credentials' account and records
// it in the snapshot (Organization Id and Accounts). The built CLI against the local stand-in.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAwsServer, type AwsServer } from '../helpers/aws-server.js';
import { checkContracts, kmsWhy, kmsWhyLive } from './helpers.js';

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
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const ORG = 'o-a1b2c3d4e5';

/** The key policy with a Deny of Decrypt outside organization ORG. */
function denyOutsideOrg(): void {
  const key = server.accounts.get(ACCOUNT)!.Kms!.Keys![0]!;
  const policy = JSON.parse(key.GetKeyPolicy!.Policy) as { Statement: unknown[] };
  policy.Statement.push({
    Sid: 'OnlyOurOrg',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORG } },
  });
  key.GetKeyPolicy!.Policy = JSON.stringify(policy);
}

function inOrganization(id: string, management = ACCOUNT): void {
  server.accounts.get(ACCOUNT)!.Organizations = {
    DescribeOrganization: {
      Organization: { Id: id, Arn: `arn:aws:organizations::${management}:organization/${id}`, MasterAccountId: management, FeatureSet: 'ALL' },
    },
  };
}

const decrypt = ['decrypt', '--key', KEY, '--principal', ROOT, '--output', 'json'];

describe('aws:PrincipalOrgID read from AWS', () => {
  it('the organization of the account decides: a member of the named organization is allowed', async () => {
    denyOutsideOrg();
    inOrganization(ORG);
    const r = await kmsWhyLive(server, decrypt);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({ decision: 'allow' });
    expect(server.count('DescribeOrganization')).toBe(1);
  });

  it('another organization: the Deny applies', async () => {
    denyOutsideOrg();
    inOrganization('o-zzzzzzzzzz');
    const r = await kmsWhyLive(server, decrypt);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({ decision: 'deny', decidedBy: 'explicit-deny' });
  });

  it('an account in no organization, or DescribeOrganization refused: unknown, the input recorded, the flag named', async () => {
    denyOutsideOrg();
    const none = await kmsWhyLive(server, decrypt);
    expect(none.code).toBe(3);
    const report = JSON.parse(none.stdout);
    expect(report.results[0].missingContext).toContain('aws:PrincipalOrgID');
    expect(report.results[0].hints.join('\n')).toContain('--condition aws:PrincipalOrgID=');
    expect(JSON.stringify(report)).toContain('not a member of an organization');

    inOrganization(ORG);
    server.script('DescribeOrganization', 'deny');
    const denied = await kmsWhyLive(server, decrypt);
    expect(denied.code).toBe(3);
    expect(denied.stdout).toContain('organizations:DescribeOrganization');
    // Supplied by hand, the key is known again.
    const given = await kmsWhyLive(server, [...decrypt, '--condition', `aws:PrincipalOrgID=${ORG}`]);
    expect(given.code).toBe(0);
  });

  it('no policy on the organization keys: no DescribeOrganization call', async () => {
    inOrganization(ORG);
    const r = await kmsWhyLive(server, decrypt);
    expect(r.code).toBe(0);
    expect(server.count('DescribeOrganization')).toBe(0);
    // Whether the account is in an organization was not read: the SCPs and RCPs no input gives may apply.
    expect(JSON.parse(r.stdout).orgPoliciesNotGiven).toEqual([
      { kind: 'scp', account: ACCOUNT },
      { kind: 'rcp', account: ACCOUNT },
    ]);
  });

  it('the allow of a member account says that its organization’s SCPs and RCPs, which kms-why does not read, can deny it', async () => {
    denyOutsideOrg();
    inOrganization(ORG, '999988887777');
    const r = await kmsWhyLive(server, [...decrypt.slice(0, -2), '--output', 'text']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      `No SCPs or RCPs were given: account ${ACCOUNT} is in organization ${ORG}, whose SCPs and RCPs can deny what this report allows (give them with --scp-file/--rcp-file`,
    );
    const json = await kmsWhyLive(server, decrypt);
    expect(JSON.parse(json.stdout).orgPoliciesNotGiven).toEqual([
      { kind: 'scp', account: ACCOUNT, member: true, organizationId: ORG },
      { kind: 'rcp', account: ACCOUNT, member: true, organizationId: ORG },
    ]);
  });

  it('the management account, as DescribeOrganization names it, is restricted by neither: no such note', async () => {
    denyOutsideOrg();
    inOrganization(ORG);
    const r = await kmsWhyLive(server, decrypt);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).orgPoliciesNotGiven).toBeUndefined();
  });

  it('kms-why snapshot records the organization id and the member account', async () => {
    denyOutsideOrg();
    inOrganization(ORG);
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-org-'));
    const file = join(dir, 'snap.json');
    const snap = await kmsWhyLive(server, ['snapshot', '--key', KEY, '--principal', ROOT, '--output-file', file]);
    expect(snap.code, snap.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { Organization?: { Id?: string; Accounts?: string[] } };
    expect(doc.Organization).toMatchObject({ Id: ORG, Accounts: [ACCOUNT], ManagementAccountId: ACCOUNT });
    // Replayed offline, the organization id decides as it did live.
    const offline = kmsWhy(['decrypt', '--from', file, '--key', KEY, '--principal', ROOT, '--output', 'json']);
    expect(offline.code, offline.stderr).toBe(0);
    checkContracts(['snapshot'], readFileSync(file, 'utf8'));
  });

  it('--redact: the organization id takes the organization placeholder, and verdicts and the redacted snapshot replay as without it', async () => {
    denyOutsideOrg();
    inOrganization(ORG);
    // Once refused: Organization.Id was redacted as a policy Id ("policy-id-2"), then rejected by kms-why's own parser (exit 2).
    const live = await kmsWhyLive(server, [...decrypt, '--redact']);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    expect(JSON.parse(live.stdout).results[0]).toMatchObject({ decision: 'allow' });
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-org-'));
    const file = join(dir, 'snap.json');
    const snap = await kmsWhyLive(server, ['snapshot', '--key', KEY, '--principal', ROOT, '--output-file', file, '--redact']);
    expect(snap.code, snap.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(ORG);
    const doc = JSON.parse(text) as { Organization?: { Id?: string }; keys: Array<{ KeyMetadata: { Arn: string } }> };
    expect(doc.Organization?.Id).toBe('o-0000000001');
    expect(text).toContain('"aws:PrincipalOrgID": "o-0000000001"');
    const key = doc.keys[0]!.KeyMetadata.Arn;
    const root = `arn:aws:iam::${key.split(':')[4]}:root`;
    const offline = kmsWhy(['decrypt', '--from', file, '--key', key, '--principal', root, '--output', 'json']);
    expect(offline.code, offline.stderr).toBe(0);
    checkContracts(['snapshot'], text);
  });
});
