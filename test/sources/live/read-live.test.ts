// readLive against the local AWS stand-in: what it reads, how many calls it needs, and the verdicts
// the real Evaluator gives on the result.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { Grant } from '../../../src/model/grant.js';
import type { Policy } from '../../../src/model/policy.js';
import { isUnknown } from '../../../src/model/unknown.js';
import type { UnknownInput } from '../../../src/model/unknown.js';
import { readFunction } from '../../../src/sources/live/index.js';
import { parseSnapshot } from '../../../src/sources/snapshot-file.js';
import { snapshotToJson } from '../../../src/sources/snapshot-writer.js';
import {
  A,
  APP_ROLE,
  APP_ROLE_WITH_PATH,
  B,
  KEY_ARN,
  KEY_B_ARN,
  KEY_ID,
  PARTNER_ROLE,
  account,
  fillerGrants,
  read,
  useAwsServer,
  verdict,
  verdicts,
} from './helpers.js';

const { server } = useAwsServer();

const names = (ps: Policy[] | UnknownInput): string[] => (isUnknown(ps) ? [] : ps.map((p) => p.name));

describe('a role, its key named by an alias', () => {
  test('reads the key and the role, URL-decoding IAM documents, in the expected calls', async () => {
    const s = server();
    const progress: string[] = [];
    const r = await read(s, { key: 'alias/app', principal: APP_ROLE }, { progress: (m) => progress.push(m) });
    expect(r.keyArn).toBe(KEY_ARN);
    expect(r.principal).toBe(APP_ROLE);

    const key = r.snapshot.keys[0]!;
    expect(key.metadata).toMatchObject({ keyId: KEY_ID, arn: KEY_ARN, account: A, region: 'us-east-1', keyState: 'Enabled', keyManager: 'CUSTOMER' });
    expect(key.aliases).toEqual(['alias/app', 'alias/payments']);
    expect(key.tags).toEqual({ Project: 'alpha' });
    expect(isUnknown(key.policy) ? [] : key.policy.statements.map((st) => st.sid)).toEqual(['Enable IAM User Permissions', 'PartnerUse', 'NoDeletionByApp']);
    expect(isUnknown(key.grants) ? [] : key.grants.map((g) => g.granteePrincipal)).toEqual([`arn:aws:iam::${A}:user/bob`, 'lambda.us-east-1.amazonaws.com']);

    // IAM reports the role's path: the entry is filed under the ARN with it.
    expect(Object.keys(r.snapshot.principals)).toEqual([APP_ROLE_WITH_PATH]);
    const p = r.snapshot.principals[APP_ROLE_WITH_PATH]!;
    expect(p.resolvedArn).toBe(APP_ROLE_WITH_PATH);
    // The recorded documents are URL-encoded, as IAM sends them.
    const recorded = account(s, A).Iam!.Roles![0]!.GetRolePolicy!['app-decrypt']!.PolicyDocument as string;
    expect(recorded.startsWith('%7B')).toBe(true);
    expect(names(p.identityPolicies as Policy[])).toEqual(['app-decrypt', 'AppKms', 'AWSKeyManagementServicePowerUser']);
    // The default version (v2) of AppKms, not v1.
    const appKms = (p.identityPolicies as Policy[])[1]!;
    expect(appKms.arn).toBe(`arn:aws:iam::${A}:policy/AppKms`);
    expect(appKms.statements[0]!.sid).toBe('UseAppKey');
    expect(isUnknown(p.permissionsBoundary) || p.permissionsBoundary === null ? undefined : p.permissionsBoundary.arn).toBe(
      `arn:aws:iam::${A}:policy/boundaries/AppBoundary`,
    );
    expect(p.tags).toEqual({ team: 'payments' });
    expect(p.sessionPolicies).toEqual([]);

    expect(r.snapshot.inputs!.filter((i) => i.status !== 'read')).toEqual([]);
    // STS 1; KMS DescribeKey, GetKeyPolicy, ListGrants, ListResourceTags, ListAliases; IAM GetRole,
    // ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies, and GetPolicy + GetPolicyVersion
    // for two managed policies and the boundary.
    expect(s.counts()).toEqual({
      GetCallerIdentity: 1,
      DescribeKey: 1,
      GetKeyPolicy: 1,
      ListGrants: 1,
      ListResourceTags: 1,
      ListAliases: 1,
      GetRole: 1,
      ListRolePolicies: 1,
      GetRolePolicy: 1,
      ListAttachedRolePolicies: 1,
      GetPolicy: 3,
      GetPolicyVersion: 3,
    });
    expect(r.calls).toBe(16);
    expect(progress.length).toBeGreaterThan(0);
    // Every call was signed with the main credentials.
    expect(new Set(s.calls.map((c) => c.account))).toEqual(new Set([A]));
  });

  test('verdicts', async () => {
    const r = await read(server(), { key: 'alias/app', principal: APP_ROLE });
    const v = (action: string, principal = APP_ROLE): string => verdict(r.snapshot, action, principal, 'alias/app');
    expect(v('kms:Decrypt')).toBe('allow');
    expect(v('kms:Encrypt')).toBe('allow');
    expect(v('kms:ReEncryptFrom')).toBe('deny');
    expect(v('kms:ScheduleKeyDeletion')).toBe('deny');
    expect(v('kms:Decrypt', `arn:aws:sts::${A}:assumed-role/app/worker-1`)).toBe('allow');
    expect(verdict(r.snapshot, 'kms:CreateKey', APP_ROLE, undefined)).toBe('allow');
  });

  test('another alias of the key, and the alias ARN', async () => {
    const r = await read(server(), { key: 'alias/payments', principal: APP_ROLE });
    expect(r.keyArn).toBe(KEY_ARN);
    const r2 = await read(server(), { key: `arn:aws:kms:us-east-1:${A}:alias/app`, principal: APP_ROLE });
    expect(r2.keyArn).toBe(KEY_ARN);
    expect(r2.snapshot.keys[0]!.aliases).toContain('alias/app');
  });

  test("an alias that does not exist is the user's error", async () => {
    await expect(read(server(), { key: 'alias/nope', principal: APP_ROLE })).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/alias\/nope does not exist .*region us-east-1/),
    });
  });

  test('an alias that cannot be resolved (DescribeKey denied) says how to go on', async () => {
    server().script('DescribeKey', 'deny');
    await expect(read(server(), { key: 'alias/app', principal: APP_ROLE })).rejects.toMatchObject({
      name: 'AwsError',
      message: expect.stringMatching(/cannot resolve alias\/app.*AccessDeniedException on kms:DescribeKey/),
      hint: expect.stringMatching(/key ARN/),
    });
  });

  test('a key given by ARN whose DescribeKey is denied: metadata from the ARN, the rest still read', async () => {
    server().script('DescribeKey', 'deny');
    const r = await read(server(), { key: KEY_ARN, principal: APP_ROLE });
    const key = r.snapshot.keys[0]!;
    expect(key.metadata).toMatchObject({ arn: KEY_ARN, keyId: KEY_ID, account: A, region: 'us-east-1' });
    expect(isUnknown(key.policy)).toBe(false);
    expect(r.snapshot.inputs!.find((i) => i.what === `key ${KEY_ARN}`)).toMatchObject({
      status: 'unreadable',
      detail: expect.stringMatching(/needs kms:DescribeKey on arn:aws:kms/),
    });
  });

  test('a key given by ARN that does not exist: policy and grants unknown', async () => {
    server().script('DescribeKey', 'not-found');
    server().script('GetKeyPolicy', 'not-found');
    server().script('ListGrants', 'not-found');
    const r = await read(server(), { key: KEY_ARN, principal: APP_ROLE });
    const key = r.snapshot.keys[0]!;
    expect(isUnknown(key.policy)).toBe(true);
    expect(isUnknown(key.grants)).toBe(true);
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE, KEY_ARN)).toBe('unknown');
  });
});

describe('paging', () => {
  test('every page of ListGrants, with progress', async () => {
    const s = server();
    account(s, A).Kms!.Keys![0]!.ListGrants!.Grants.push(...fillerGrants(KEY_ARN, 250));
    const progress: string[] = [];
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE }, { grants: 'all', progress: (m) => progress.push(m) });
    expect((r.snapshot.keys[0]!.grants as Grant[]).length).toBe(252);
    expect(s.count('ListGrants')).toBe(3);
    expect(s.calls.filter((c) => c.op === 'ListGrants').map((c) => c.params.Marker)).toEqual([undefined, 'page-100', 'page-200']);
    expect(progress).toContain('reading grants: 100…');
    expect(progress).toContain('reading grants: 200…');
  });

  test('IAM lists page by Marker', async () => {
    const s = server();
    s.pageSize = { ListAttachedRolePolicies: 1, ListRolePolicies: 1, ListGroupsForUser: 1, ListAttachedUserPolicies: 1 };
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    expect(names(r.snapshot.principals[APP_ROLE_WITH_PATH]!.identityPolicies as Policy[])).toEqual([
      'app-decrypt',
      'AppKms',
      'AWSKeyManagementServicePowerUser',
    ]);
    expect(s.count('ListAttachedRolePolicies')).toBe(2);
    expect(s.calls.filter((c) => c.op === 'ListAttachedRolePolicies').map((c) => c.params.Marker)).toEqual([undefined, 'page-1']);
    const u = await read(s, { key: KEY_ARN, principal: `arn:aws:iam::${A}:user/alice` });
    expect(names(u.snapshot.principals[`arn:aws:iam::${A}:user/alice`]!.identityPolicies as Policy[])).toHaveLength(4);
    expect(s.count('ListGroupsForUser')).toBe(2);
  });

  test('a list that claims more pages without a marker is malformed, not endless', async () => {
    const s = server();
    s.script('ListGrants', { reply: { Grants: [], Truncated: true } });
    s.script('ListAttachedRolePolicies', { reply: { AttachedPolicies: [], IsTruncated: true } });
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    expect(r.snapshot.keys[0]!.grants).toMatchObject({ unknown: true, reason: expect.stringMatching(/malformed response to kms:ListGrants .*no NextMarker/) });
    expect(r.snapshot.principals[APP_ROLE_WITH_PATH]!.identityPolicies).toMatchObject({
      unknown: true,
      reason: expect.stringMatching(/malformed response to iam:ListAttachedRolePolicies .*no new Marker/),
    });
    expect(s.count('ListGrants')).toBe(1);
    expect(s.count('ListAttachedRolePolicies')).toBe(1);
  });
});

describe('ListGrants for one principal on a key with many grants', () => {
  const SESSION = `arn:aws:sts::${A}:assumed-role/app/worker`;
  function manyGrants(): void {
    const grants = account(server(), A).Kms!.Keys![0]!.ListGrants!.Grants;
    grants.push(...fillerGrants(KEY_ARN, 150));
    grants.push({
      KeyId: KEY_ARN,
      GrantId: 'g-role',
      CreationDate: 1735689600,
      GranteePrincipal: APP_ROLE_WITH_PATH,
      IssuingAccount: `arn:aws:iam::${A}:root`,
      Operations: ['ReEncryptFrom', 'ReEncryptTo'],
    });
    grants.push(...fillerGrants(KEY_ARN, 100, 150));
    grants.push({
      KeyId: KEY_ARN,
      GrantId: 'g-session',
      CreationDate: 1735689600,
      GranteePrincipal: SESSION,
      IssuingAccount: `arn:aws:iam::${A}:root`,
      Operations: ['Sign'],
    });
    grants.push({
      KeyId: KEY_ARN,
      GrantId: 'g-other-session',
      CreationDate: 1735689600,
      GranteePrincipal: `arn:aws:sts::${A}:assumed-role/app/other`,
      IssuingAccount: `arn:aws:iam::${A}:root`,
      Operations: ['GenerateMac'],
    });
    grants.push({
      KeyId: KEY_ARN,
      GrantId: 'g-account',
      CreationDate: 1735689600,
      GranteePrincipal: `arn:aws:iam::${A}:root`,
      Operations: ['GenerateDataKeyWithoutPlaintext'],
    });
    grants.push({
      KeyId: KEY_ARN,
      GrantId: 'g-retire',
      CreationDate: 1735689600,
      GranteePrincipal: `arn:aws:iam::${A}:role/someone-else`,
      RetiringPrincipal: SESSION,
      IssuingAccount: `arn:aws:iam::${A}:root`,
      Operations: ['Decrypt'],
    });
    grants.push(...fillerGrants(KEY_ARN, 60, 250));
  }

  test('asks filtered queries for each grantee form in parallel, and finds every grant that can apply', async () => {
    const s = server();
    manyGrants();
    const r = await read(s, { key: KEY_ARN, principal: SESSION, grantId: 'g-retire' });
    const grants = r.snapshot.keys[0]!.grants as Grant[];
    const ids = new Set(grants.map((g) => g.grantId));
    for (const id of ['g-role', 'g-session', 'g-account', 'g-retire']) expect(ids.has(id), id).toBe(true);
    expect(ids.has('g-other-session')).toBe(false);
    const filters = s.calls
      .filter((c) => c.op === 'ListGrants')
      .map((c) => c.params.GranteePrincipal ?? (c.params.GrantId !== undefined ? `grant ${String(c.params.GrantId)}` : '(all)'));
    expect(filters).toEqual(['(all)', SESSION, APP_ROLE_WITH_PATH, APP_ROLE, `arn:aws:iam::${A}:root`, A, 'grant g-retire']);
    expect(r.snapshot.inputs!.find((i) => i.what === `grants of ${KEY_ARN}`)).toMatchObject({
      status: 'read',
      detail: expect.stringMatching(/^partial: the key has more than 100 grants/),
    });
    expect(r.snapshot.keys[0]!.grantsPartial).toMatchObject({
      firstPage: 100,
      granteePrincipals: [SESSION, APP_ROLE_WITH_PATH, APP_ROLE, `arn:aws:iam::${A}:root`, A],
      grantIds: ['g-retire'],
    });

    // Written as a snapshot, it says what it holds (GrantsPartial) and reads back as the same
    // partial list, with the same input record.
    const json = snapshotToJson(r.snapshot) as { keys: Array<Record<string, unknown>> };
    expect(json.keys[0]!.GrantsPartial).toEqual({
      FirstPage: 100,
      GranteePrincipals: [SESSION, APP_ROLE_WITH_PATH, APP_ROLE, `arn:aws:iam::${A}:root`, A],
      GrantIds: ['g-retire'],
    });
    const back = parseSnapshot(JSON.parse(JSON.stringify(json)), 'snap.json');
    expect((back.keys[0]!.grants as Grant[]).map((g) => g.grantId)).toEqual(grants.map((g) => g.grantId));
    expect(back.keys[0]!.grantsPartial).toEqual(r.snapshot.keys[0]!.grantsPartial);
    const detail = (inputs: typeof r.snapshot.inputs) => inputs!.find((i) => i.what === `grants of ${KEY_ARN}`)!.detail;
    expect(detail(back.inputs)).toBe(detail(r.snapshot.inputs));
    expect(verdicts(back, SESSION, KEY_ARN, { grantId: 'g-retire' })).toEqual(verdicts(r.snapshot, SESSION, KEY_ARN, { grantId: 'g-retire' }));

    // It answers for the grant ids it was read for, and for no other (evaluate/partial-grants.test.ts
    // has the principals): retiring another grant is unknown, never "no such grant".
    expect(verdict(back, 'kms:RetireGrant', SESSION, KEY_ARN, { grantId: 'g-other-session' })).toBe('unknown');
    const every = await read(s, { key: KEY_ARN, principal: SESSION }, { grants: 'all' });
    expect(every.snapshot.keys[0]!.grantsPartial).toBeUndefined();
    expect(verdict(every.snapshot, 'kms:RetireGrant', SESSION, KEY_ARN, { grantId: 'g-other-session' })).not.toBe('unknown');

    // The same verdicts as with every grant read.
    const all = await read(s, { key: KEY_ARN, principal: SESSION }, { grants: 'all' });
    expect((all.snapshot.keys[0]!.grants as Grant[]).length).toBe(317);
    expect(verdicts(r.snapshot, SESSION, KEY_ARN)).toEqual(verdicts(all.snapshot, SESSION, KEY_ARN));
    expect(verdicts(r.snapshot, SESSION, KEY_ARN, { grantId: 'g-retire' })).toEqual(verdicts(all.snapshot, SESSION, KEY_ARN, { grantId: 'g-retire' }));
    expect(verdict(r.snapshot, 'kms:ReEncryptFrom', SESSION, KEY_ARN)).toBe('allow');
    expect(verdict(r.snapshot, 'kms:RetireGrant', SESSION, KEY_ARN, { grantId: 'g-retire' })).toBe('allow');
  });

  test("pages everything when the role's path cannot be known", async () => {
    const s = server();
    manyGrants();
    s.script('GetRole', 'deny');
    const r = await read(s, { key: KEY_ARN, principal: SESSION });
    expect((r.snapshot.keys[0]!.grants as Grant[]).length).toBe(317);
    expect(s.count('ListGrants')).toBe(4);
    expect(s.calls.filter((c) => c.op === 'ListGrants').every((c) => c.params.GranteePrincipal === undefined)).toBe(true);
  });

  test('pages everything when a filtered query fails', async () => {
    const s = server();
    manyGrants();
    s.script('ListGrants', 'deny', (p) => p.GranteePrincipal === A);
    const r = await read(s, { key: KEY_ARN, principal: SESSION });
    expect((r.snapshot.keys[0]!.grants as Grant[]).length).toBe(317);
  });

  /** The recorded account grown to a busy role (10 managed + 5 inline policies, and a boundary) and a key with 300 grants. */
  function busyRole(): void {
    const acct = account(server(), A);
    acct.Kms!.Keys![0]!.ListGrants!.Grants.push(...fillerGrants(KEY_ARN, 298));
    const app = acct.Iam!.Roles![0]!;
    for (let i = 0; i < 4; i++) {
      app.ListRolePolicies!.PolicyNames.push(`extra-${i}`);
      app.GetRolePolicy![`extra-${i}`] = {
        RoleName: 'app',
        PolicyName: `extra-${i}`,
        PolicyDocument: encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Describe*', Resource: '*' }] })),
      };
    }
    for (let i = 0; i < 8; i++) {
      const arn = `arn:aws:iam::${A}:policy/extra-${i}`;
      app.ListAttachedRolePolicies!.AttachedPolicies.push({ PolicyName: `extra-${i}`, PolicyArn: arn });
      acct.Iam!.Policies!.push({
        GetPolicy: { Policy: { PolicyName: `extra-${i}`, Arn: arn, DefaultVersionId: 'v1', Path: '/' } },
        GetPolicyVersion: {
          v1: {
            PolicyVersion: {
              VersionId: 'v1',
              IsDefaultVersion: true,
              Document: encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:List*', Resource: '*' }] })),
            },
          },
        },
      });
    }
  }

  test.each([
    ['its alias', 'alias/app', 3],
    ['its ARN', KEY_ARN, 2],
  ])('at most 3 sequential round trips with default options for a role with 15 policies and a key with 300 grants, named by %s', async (_, key, kmsRounds) => {
    const s = server();
    busyRole();
    // Latency only spaces the rounds out, so that the order of events (not a clock) shows which
    // call could have waited for which answer: a busy machine's own work stays well inside it.
    s.latencyMs = 300;
    const r = await read(s, { key, principal: APP_ROLE });
    expect(names(r.snapshot.principals[APP_ROLE_WITH_PATH]!.identityPolicies as Policy[])).toHaveLength(15);
    const rounds = s.calls.map((c) => c.round);
    expect(Math.max(...rounds)).toBeLessThanOrEqual(3);
    // The key's side: DescribeKey, the key's reads and the first page of grants, the filtered
    // queries; given the ARN, the first page goes beside DescribeKey.
    expect(Math.max(...s.calls.filter((c) => c.service === 'kms').map((c) => c.round))).toBeLessThanOrEqual(kmsRounds);
    expect(s.calls.filter((c) => c.op === 'ListGrants' && c.params.GranteePrincipal === undefined).map((c) => c.round)).toEqual([kmsRounds - 1]);
    // IAM's own three: GetRole and the lists; GetRolePolicy and GetPolicy; GetPolicyVersion.
    expect(s.calls.filter((c) => c.op === 'GetPolicyVersion').every((c) => c.round === 3)).toBe(true);
    expect(s.count('ListGrants')).toBe(5);

    // The same verdicts as one call at a time with every grant paged.
    s.latencyMs = 0;
    const slow = await read(s, { key, principal: APP_ROLE }, { concurrency: 1, grants: 'all' });
    expect((slow.snapshot.keys[0]!.grants as Grant[]).length).toBe(300);
    expect(verdicts(r.snapshot, APP_ROLE, key)).toEqual(verdicts(slow.snapshot, APP_ROLE, key));
  });
});

describe('principals', () => {
  test('me, from GetCallerIdentity', async () => {
    const s = server();
    const r = await read(s, { key: 'alias/app', principal: 'me' });
    expect(r.principal).toBe(`arn:aws:sts::${A}:assumed-role/dev/alice`);
    expect(Object.keys(r.snapshot.principals)).toEqual([`arn:aws:iam::${A}:role/dev`]);
    expect(verdict(r.snapshot, 'kms:Decrypt', r.principal, 'alias/app')).toBe('allow');
    expect(r.snapshot.inputs!.find((i) => i.what === `session policies of ${r.principal}`)).toMatchObject({ status: 'absent' });
    expect(s.count('GetCallerIdentity')).toBe(1);
  });

  test("a user with groups: inline, managed (once), the groups' inline and managed policies, tags", async () => {
    const alice = `arn:aws:iam::${A}:user/alice`;
    const r = await read(server(), { key: 'alias/app', principal: alice });
    const p = r.snapshot.principals[alice]!;
    expect(names(p.identityPolicies as Policy[])).toEqual(['alice-describe', 'AppKms', 'devs/devs-decrypt', 'DenyKeyDeletion']);
    expect(p.permissionsBoundary).toBeNull();
    expect(p.tags).toEqual({ dept: 'eng' });
    expect(server().count('GetPolicy')).toBe(2);
    expect(verdict(r.snapshot, 'kms:Decrypt', alice, 'alias/app')).toBe('allow');
    expect(verdict(r.snapshot, 'kms:ScheduleKeyDeletion', alice, 'alias/app')).toBe('deny');
  });

  test('the account root needs no IAM reads', async () => {
    const s = server();
    const r = await read(s, { key: 'alias/app', principal: `arn:aws:iam::${A}:root` });
    expect(r.snapshot.principals).toEqual({});
    expect(s.calls.filter((c) => c.service === 'iam')).toEqual([]);
    expect(verdict(r.snapshot, 'kms:Decrypt', `arn:aws:iam::${A}:root`, 'alias/app')).toBe('allow');
  });

  test('a principal in another account without its credentials: only verdicts that need its IAM become unknown', async () => {
    const r = await read(server(), { key: 'alias/app', principal: PARTNER_ROLE });
    const p = r.snapshot.principals[PARTNER_ROLE]!;
    expect(p.identityPolicies).toMatchObject({
      unknown: true,
      reason: expect.stringMatching(/in account 444455556666; kms-why's credentials are for account 111122223333/),
      neededPermission: expect.stringMatching(/iam:GetRole.* in account 444455556666/),
    });
    // A caller in another account names the key by its ARN (an alias name resolves in its own account).
    expect(verdict(r.snapshot, 'kms:Decrypt', PARTNER_ROLE, KEY_ARN)).toBe('unknown');
    // The key policy gives the partner no ScheduleKeyDeletion, and across accounts IAM cannot add it.
    expect(verdict(r.snapshot, 'kms:ScheduleKeyDeletion', PARTNER_ROLE, KEY_ARN)).toBe('deny');
  });

  test('a principal in another account read with its own credentials', async () => {
    const s = server();
    const r = await read(s, { key: 'alias/app', principal: PARTNER_ROLE }, { principalCredentials: s.credentials(B) });
    expect(names(r.snapshot.principals[PARTNER_ROLE]!.identityPolicies as Policy[])).toEqual(['partner-decrypt']);
    expect(verdict(r.snapshot, 'kms:Decrypt', PARTNER_ROLE, KEY_ARN)).toBe('allow');
    // Named by its alias name, the key is looked up in the partner's own account: never reached.
    expect(verdict(r.snapshot, 'kms:Decrypt', PARTNER_ROLE, 'alias/app')).toBe('deny');
    expect(s.calls.filter((c) => c.service === 'iam').every((c) => c.account === B)).toBe(true);
    expect(s.calls.filter((c) => c.service === 'kms').every((c) => c.account === A)).toBe(true);
  });

  test('principalProfile from the shared config files', async () => {
    const s = server();
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-live-'));
    const saved = { creds: process.env.AWS_SHARED_CREDENTIALS_FILE, config: process.env.AWS_CONFIG_FILE };
    try {
      const b = s.credentials(B);
      writeFileSync(join(dir, 'credentials'), `[partner]\naws_access_key_id = ${b.accessKeyId}\naws_secret_access_key = ${b.secretAccessKey}\n`);
      writeFileSync(join(dir, 'config'), '[profile partner]\nregion = us-east-1\n');
      process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
      process.env.AWS_CONFIG_FILE = join(dir, 'config');
      const r = await read(s, { key: 'alias/app', principal: PARTNER_ROLE }, { principalProfile: 'partner' });
      expect(names(r.snapshot.principals[PARTNER_ROLE]!.identityPolicies as Policy[])).toEqual(['partner-decrypt']);
    } finally {
      if (saved.creds === undefined) delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      else process.env.AWS_SHARED_CREDENTIALS_FILE = saved.creds;
      if (saved.config === undefined) delete process.env.AWS_CONFIG_FILE;
      else process.env.AWS_CONFIG_FILE = saved.config;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("principal credentials of the wrong account are the user's error", async () => {
    const s = server();
    await expect(read(s, { key: 'alias/app', principal: PARTNER_ROLE }, { principalCredentials: s.credentials(A) })).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/credentials are for account 111122223333/),
    });
  });

  test('a role that does not exist: its policies are unknown, not empty', async () => {
    const ghost = `arn:aws:iam::${A}:role/ghost`;
    const r = await read(server(), { key: 'alias/app', principal: ghost });
    expect(r.snapshot.principals[ghost]!.identityPolicies).toMatchObject({ unknown: true, reason: expect.stringMatching(/NoSuchEntity/) });
  });
});

describe('a key in another account', () => {
  test('DescribeKey and ListGrants across accounts; GetKeyPolicy, ListResourceTags, ListAliases are not tried', async () => {
    const s = server();
    const r = await read(s, { key: KEY_B_ARN, principal: APP_ROLE });
    const key = r.snapshot.keys[0]!;
    expect(key.metadata.account).toBe(B);
    expect((key.grants as Grant[]).map((g) => g.grantId)).toHaveLength(1);
    expect(key.policy).toMatchObject({
      unknown: true,
      reason: expect.stringMatching(/only with credentials of the key's account 444455556666/),
      neededPermission: `kms:GetKeyPolicy on ${KEY_B_ARN} with credentials of account 444455556666`,
    });
    expect(key.tagsUnknown).toBeDefined();
    expect(s.count('GetKeyPolicy') + s.count('ListResourceTags') + s.count('ListAliases')).toBe(0);
    // The role's IAM allows kms:Describe* anywhere; whether the key policy lets account A in is unknown.
    expect(verdict(r.snapshot, 'kms:DescribeKey', APP_ROLE, KEY_B_ARN)).toBe('unknown');
    // Its IAM does not allow Decrypt on this key, and across accounts that settles it.
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE, KEY_B_ARN)).toBe('deny');
  });

  test("read with the credentials of its account when the principal's are those", async () => {
    const s = server();
    const r = await read(s, { key: KEY_B_ARN, principal: PARTNER_ROLE }, { principalCredentials: s.credentials(B) });
    const key = r.snapshot.keys[0]!;
    expect(isUnknown(key.policy)).toBe(false);
    expect(key.aliases).toEqual(['alias/shared']);
    expect(s.calls.find((c) => c.op === 'GetKeyPolicy')!.account).toBe(B);
  });
});

describe('DescribeKey answers without KeyManager or Origin', () => {
  /** The recorded KeyMetadata without `drop`, with `over`. */
  const described = (over: Record<string, unknown>, drop: string[] = []): { reply: Record<string, unknown> } => {
    const m: Record<string, unknown> = { ...(account(server(), A).Kms!.Keys![0]!.DescribeKey.KeyMetadata as Record<string, unknown>), ...over };
    for (const d of drop) delete m[d];
    return { reply: { KeyMetadata: m } };
  };

  test('without KeyManager: the metadata is unknown, not a customer managed key (an RCP applies only to those)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-org-'));
    try {
      const rcp = join(dir, 'rcp.json');
      writeFileSync(
        rcp,
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
            { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
          ],
        }),
      );
      const s = server();
      s.script('DescribeKey', described({ KeyManager: 'AWS' }));
      const managed = await read(s, { key: KEY_ARN, principal: APP_ROLE }, { rcpFiles: [rcp] });
      expect(verdict(managed.snapshot, 'kms:Decrypt', APP_ROLE, KEY_ARN)).toBe('allow');
      s.reset();
      s.script('DescribeKey', described({}, ['KeyManager']));
      const r = await read(s, { key: KEY_ARN, principal: APP_ROLE }, { rcpFiles: [rcp] });
      expect(r.snapshot.keys[0]!.metadataUnknown).toMatchObject({
        what: `key ${KEY_ARN}`,
        reason: expect.stringMatching(/^malformed response to kms:DescribeKey .*KeyMetadata has no KeyManager/),
      });
      expect(r.snapshot.inputs!.find((i) => i.what === `key ${KEY_ARN}`)).toMatchObject({ status: 'unreadable' });
      expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE, KEY_ARN)).toBe('unknown');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without Origin: kms:KeyOrigin is unknown, not AWS_KMS', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'OnlyAwsKmsMaterial',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringNotEquals: { 'kms:KeyOrigin': 'AWS_KMS' } },
        },
      ],
    });
    const s = server();
    s.script('GetKeyPolicy', { reply: { Policy: policy, PolicyName: 'default' } });
    s.script('DescribeKey', described({ Origin: 'EXTERNAL' }));
    const external = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    expect(verdict(external.snapshot, 'kms:Decrypt', APP_ROLE, KEY_ARN)).toBe('deny');
    s.reset();
    s.script('GetKeyPolicy', { reply: { Policy: policy, PolicyName: 'default' } });
    s.script('DescribeKey', described({}, ['Origin']));
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    expect(r.snapshot.keys[0]!.metadataUnknown).toMatchObject({ reason: expect.stringMatching(/KeyMetadata has no Origin/) });
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE, KEY_ARN)).toBe('unknown');
  });

  test('a snapshot file may still leave them out (docs/snapshot.md: CUSTOMER and AWS_KMS)', () => {
    const snap = parseSnapshot(
      {
        kmsWhySnapshot: 1,
        keys: [{ KeyMetadata: { Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT' }, Policy: { Version: '2012-10-17', Statement: [] } }],
      },
      'hand-written.json',
    );
    expect(snap.keys[0]!.metadataUnknown).toBeUndefined();
    expect(snap.keys[0]!.metadata).toMatchObject({ keyManager: 'CUSTOMER', origin: 'AWS_KMS' });
  });
});

describe('organization policies from files', () => {
  test("one SCP document applies to the principal's account; a map of RCPs as the contract has it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-org-'));
    try {
      const scp = join(dir, 'deny-decrypt.json');
      writeFileSync(
        scp,
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: '*', Resource: '*' },
            { Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' },
          ],
        }),
      );
      const rcp = join(dir, 'rcps.json');
      writeFileSync(
        rcp,
        JSON.stringify({
          [A]: [
            {
              Target: 'r-root',
              Policies: [
                { Name: 'RCPFullAWSAccess', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] } },
              ],
            },
          ],
        }),
      );
      const r = await read(server(), { key: 'alias/app', principal: APP_ROLE }, { scpFiles: [scp], rcpFiles: [rcp] });
      expect(r.snapshot.organization!.serviceControlPolicies[A]).toHaveLength(1);
      expect(r.snapshot.organization!.resourceControlPolicies[A]![0]!.target).toBe('r-root');
      expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE, 'alias/app')).toBe('deny');
      expect(verdict(r.snapshot, 'kms:Encrypt', APP_ROLE, 'alias/app')).toBe('allow');
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ [A]: [{ Target: 'r-root', Policies: [] }] }));
      await expect(read(server(), { key: 'alias/app', principal: APP_ROLE }, { scpFiles: [bad] })).rejects.toMatchObject({
        name: 'InputError',
        file: bad,
        path: `${A}[0].Policies`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Lambda', () => {
  test('GetFunctionConfiguration outputs are kept as they are', async () => {
    const s = server();
    const r = await read(s, { key: 'alias/app', principal: APP_ROLE }, { functions: [{ name: 'my-function' }, { name: 'missing' }] });
    expect(r.snapshot.functions).toHaveLength(1);
    expect(r.snapshot.functions![0]).toMatchObject({ FunctionName: 'my-function', KMSKeyArn: KEY_ARN, Role: APP_ROLE_WITH_PATH });
    expect(r.snapshot.inputs!.find((i) => i.what === 'function missing')).toMatchObject({ status: 'unreadable' });
    const f = await readFunction('my-function', '$LATEST', { region: 'us-east-1', endpointUrl: s.url, credentials: s.credentials(A) });
    expect(f).toMatchObject({ FunctionArn: `arn:aws:lambda:us-east-1:${A}:function:my-function` });
    expect(s.calls.at(-1)!.params.Qualifier).toBe('$LATEST');
  });
});

test('nothing under src/ but src/sources/live/ imports the AWS SDK', () => {
  const root = fileURLToPath(new URL('../../../src/', import.meta.url));
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== join(root, 'sources', 'live')) walk(p);
      } else if (/\.ts$/.test(e.name) && /from\s+['"]@aws-sdk\/|import\(\s*['"]@aws-sdk\//.test(readFileSync(p, 'utf8'))) offenders.push(p);
    }
  };
  walk(root);
  expect(offenders).toEqual([]);
});
