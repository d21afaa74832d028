// What readLive does when AWS does not answer as hoped: retries, then an UnknownInput that names
// the input and what kms-why lacked, and verdicts that become unknown only where they depend on it.
// The user's own mistakes (credentials, region, endpoint) stop the read with an InputError.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../../src/model/errors.js';
import type { Policy } from '../../../src/model/policy.js';
import { isUnknown } from '../../../src/model/unknown.js';
import { classify } from '../../../src/sources/live/aws.js';
import { readLive } from '../../../src/sources/live/index.js';
import { A, APP_ROLE, APP_ROLE_WITH_PATH, KEY_ARN, KEY_ID, account, read, useAwsServer, verdict } from './helpers.js';

const { server } = useAwsServer();
const BOB = `arn:aws:iam::${A}:user/bob`;

describe('throttling', () => {
  test('throttled, then answered: the SDK retries and the input is read', async () => {
    const s = server();
    s.script('GetKeyPolicy', ['throttle', 'ok']);
    s.script('GetRolePolicy', ['throttle']);
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    expect(isUnknown(r.snapshot.keys[0]!.policy)).toBe(false);
    expect(isUnknown(r.snapshot.principals[APP_ROLE_WITH_PATH]!.identityPolicies)).toBe(false);
    expect(s.count('GetKeyPolicy')).toBe(2);
    expect(s.count('GetRolePolicy')).toBe(2);
    // A retried call counts once.
    expect(r.calls).toBe(s.count() - 2);
  });

  test('throttling that outlasts the retries makes the input unreadable', async () => {
    const s = server();
    s.script('ListGrants', 'throttle');
    const r = await read(s, { key: KEY_ARN, principal: BOB }, { maxAttempts: 2 });
    expect(r.snapshot.keys[0]!.grants).toMatchObject({
      unknown: true,
      what: `grants of ${KEY_ARN}`,
      reason: expect.stringMatching(/kms:ListGrants was throttled \(ThrottlingException\) on all 2 attempts/),
    });
    expect(s.count('ListGrants')).toBe(2);
    expect(r.snapshot.inputs!.find((i) => i.what === `grants of ${KEY_ARN}`)).toMatchObject({ status: 'unreadable', from: 'AWS kms:ListGrants' });
  });
});

describe('access denied', () => {
  test('on DescribeKey of a key id in an aws-cn Region: the key ARN kms-why builds is in aws-cn, and the verdict is not a cross-partition deny', async () => {
    const s = server();
    s.script('DescribeKey', 'deny');
    const r = await read(s, { key: KEY_ID, principal: `arn:aws-cn:iam::${A}:role/app` }, { region: 'cn-north-1' });
    const arn = `arn:aws-cn:kms:cn-north-1:${A}:key/${KEY_ID}`;
    expect(r.snapshot.keys[0]!.metadata).toMatchObject({ arn, partition: 'aws-cn', region: 'cn-north-1' });
    expect(verdict(r.snapshot, 'kms:Decrypt', `arn:aws-cn:iam::${A}:role/app`, arn)).toBe('unknown');
    // A bare account id is read as the root user of the key's partition (its grantee forms with it).
    s.script('DescribeKey', 'deny');
    expect((await read(s, { key: KEY_ID, principal: A }, { region: 'cn-north-1' })).principal).toBe(`arn:aws-cn:iam::${A}:root`);
  });

  test('on GetKeyPolicy: every key action is unknown unless something else decides; IAM-only actions are not', async () => {
    const s = server();
    s.script('GetKeyPolicy', 'deny');
    const r = await read(s, { key: 'alias/app', principal: APP_ROLE });
    expect(r.snapshot.keys[0]!.policy).toMatchObject({
      unknown: true,
      what: `key policy of ${KEY_ARN}`,
      reason: 'AccessDeniedException on kms:GetKeyPolicy',
      neededPermission: `kms:GetKeyPolicy on ${KEY_ARN}`,
    });
    const v = (a: string): string => verdict(r.snapshot, a, APP_ROLE, 'alias/app');
    expect(v('kms:Decrypt')).toBe('unknown');
    expect(v('kms:Encrypt')).toBe('unknown');
    expect(v('kms:DescribeKey')).toBe('unknown');
    // The permissions boundary denies ScheduleKeyDeletion whatever the key policy says.
    expect(v('kms:ScheduleKeyDeletion')).toBe('deny');
    expect(verdict(r.snapshot, 'kms:CreateKey', APP_ROLE, undefined)).toBe('allow');
    expect(verdict(r.snapshot, 'kms:ListKeys', APP_ROLE, undefined)).toBe('allow');
    expect(r.snapshot.inputs!.find((i) => i.what === `key policy of ${KEY_ARN}`)).toMatchObject({
      status: 'unreadable',
      detail: `AccessDeniedException on kms:GetKeyPolicy (needs kms:GetKeyPolicy on ${KEY_ARN})`,
    });
  });

  test('on ListGrants: a deny that a grant could have turned into an allow becomes unknown', async () => {
    const s = server();
    const before = await read(s, { key: 'alias/app', principal: APP_ROLE });
    expect(verdict(before.snapshot, 'kms:ReEncryptFrom', APP_ROLE, 'alias/app')).toBe('deny');
    const bobBefore = await read(s, { key: 'alias/app', principal: BOB });
    // Bob has no IAM policies: only his grant allows him.
    expect(verdict(bobBefore.snapshot, 'kms:Decrypt', BOB, 'alias/app')).toBe('allow');
    s.script('ListGrants', 'deny');
    const r = await read(s, { key: 'alias/app', principal: APP_ROLE });
    expect(r.snapshot.keys[0]!.grants).toMatchObject({ unknown: true, neededPermission: `kms:ListGrants on ${KEY_ARN}` });
    expect(verdict(r.snapshot, 'kms:ReEncryptFrom', APP_ROLE, 'alias/app')).toBe('unknown');
    // What the policies allow does not depend on grants, nor what they deny explicitly.
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE, 'alias/app')).toBe('allow');
    expect(verdict(r.snapshot, 'kms:ScheduleKeyDeletion', APP_ROLE, 'alias/app')).toBe('deny');
    const bob = await read(s, { key: 'alias/app', principal: BOB });
    expect(verdict(bob.snapshot, 'kms:Decrypt', BOB, 'alias/app')).toBe('unknown');
  });

  test("on the principal's policies: its identity policies are unknown; what does not need them stays decided", async () => {
    const s = server();
    s.script('ListAttachedRolePolicies', 'deny');
    const r = await read(s, { key: 'alias/app', principal: APP_ROLE });
    const p = r.snapshot.principals[APP_ROLE_WITH_PATH]!;
    expect(p.identityPolicies).toMatchObject({
      unknown: true,
      what: `identity policies of ${APP_ROLE}`,
      reason: 'AccessDenied on iam:ListAttachedRolePolicies',
      neededPermission: `iam:ListAttachedRolePolicies on ${APP_ROLE}`,
    });
    // GetRole still answered: the boundary and the tags are known.
    expect(isUnknown(p.permissionsBoundary)).toBe(false);
    expect(p.tags).toEqual({ team: 'payments' });
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE, 'alias/app')).toBe('unknown');
    expect(verdict(r.snapshot, 'kms:ScheduleKeyDeletion', APP_ROLE, 'alias/app')).toBe('deny');
    expect(r.snapshot.inputs!.find((i) => i.what === `principal ${APP_ROLE_WITH_PATH}`)).toMatchObject({
      status: 'unreadable',
      detail: expect.stringMatching(/needs iam:ListAttachedRolePolicies/),
    });
  });

  test("on one managed policy's version: the list is unknown as a whole", async () => {
    const s = server();
    s.script('GetPolicyVersion', 'deny', (p) => p.PolicyArn === `arn:aws:iam::${A}:policy/AppKms`);
    const r = await read(s, { key: 'alias/app', principal: APP_ROLE });
    expect(r.snapshot.principals[APP_ROLE_WITH_PATH]!.identityPolicies).toMatchObject({
      unknown: true,
      neededPermission: `iam:GetPolicyVersion on arn:aws:iam::${A}:policy/AppKms`,
    });
  });

  test('on GetRole: boundary and tags unknown, the entry filed under the ARN as given', async () => {
    const s = server();
    s.script('GetRole', 'deny');
    const r = await read(s, { key: 'alias/app', principal: APP_ROLE });
    const p = r.snapshot.principals[APP_ROLE]!;
    expect(p.permissionsBoundary).toMatchObject({ unknown: true, neededPermission: `iam:GetRole on ${APP_ROLE}` });
    expect(p.tags).toMatchObject({ unknown: true });
    expect((p.identityPolicies as Policy[]).length).toBe(3);
    // An unknown boundary could deny anything: the allows become unknown.
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE, 'alias/app')).toBe('unknown');
  });

  test('on ListResourceTags: the tags are unknown, not absent', async () => {
    const s = server();
    s.script('ListResourceTags', 'deny');
    const r = await read(s, { key: 'alias/app', principal: APP_ROLE });
    expect(r.snapshot.keys[0]!.tagsUnknown).toMatchObject({ unknown: true, neededPermission: `kms:ListResourceTags on ${KEY_ARN}` });
  });
});

describe('no answer, or an answer that cannot be read', () => {
  test('a call that hangs past the timeout: unreadable after the retries, quickly', async () => {
    const s = server();
    s.script('GetKeyPolicy', 'hang');
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE }, { timeoutMs: 150, maxAttempts: 2 });
    // Given up after the two attempts (counted, not timed).
    expect(s.count('GetKeyPolicy')).toBe(2);
    expect(r.snapshot.keys[0]!.policy).toMatchObject({
      unknown: true,
      reason: expect.stringMatching(/kms:GetKeyPolicy timed out \(no answer within 150 ms, 2 attempts\)/),
    });
    expect((r.snapshot.keys[0]!.policy as { neededPermission?: string }).neededPermission).toBeUndefined();
    expect(s.count('GetKeyPolicy')).toBe(2);
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE, KEY_ARN)).toBe('unknown');
  });

  test('a connection reset is a network failure, not a timeout', async () => {
    const s = server();
    s.script('ListGrants', 'reset');
    const r = await read(s, { key: KEY_ARN, principal: BOB }, { timeoutMs: 5000, maxAttempts: 2 });
    expect(s.count('ListGrants')).toBeGreaterThanOrEqual(2);
    expect(r.snapshot.keys[0]!.grants).toMatchObject({
      unknown: true,
      reason: expect.stringMatching(/^kms:ListGrants failed: network error ECONNRESET \(socket hang up\) on all 2 attempts/),
    });
    expect(verdict(r.snapshot, 'kms:Decrypt', BOB, KEY_ARN)).toBe('unknown');
    // As the SDK's HTTP handler raises it, and a real timeout beside it.
    expect(classify(Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }))).toMatchObject({
      kind: 'network',
      code: 'ECONNRESET',
    });
    expect(classify(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))).toMatchObject({ kind: 'network', code: 'ECONNRESET' });
    expect(classify(Object.assign(new Error('Request timed out'), { name: 'TimeoutError' }))).toMatchObject({ kind: 'timeout' });
    expect(classify(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }))).toMatchObject({ kind: 'timeout' });
  });

  test('a malformed JSON body (KMS) and a malformed XML body (IAM)', async () => {
    const s = server();
    s.script('ListGrants', 'malformed');
    s.script('GetRolePolicy', 'malformed');
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    expect(r.snapshot.keys[0]!.grants).toMatchObject({ unknown: true, reason: expect.stringMatching(/^malformed response to kms:ListGrants/) });
    expect(r.snapshot.principals[APP_ROLE_WITH_PATH]!.identityPolicies).toMatchObject({
      unknown: true,
      reason: expect.stringMatching(/^malformed response to iam:GetRolePolicy/),
    });
  });

  test('GetRole with a PermissionsBoundary but no PermissionsBoundaryArn: the boundary is unknown, not none', async () => {
    const s = server();
    const role = account(s, A).Iam!.Roles!.find((r) => (r.GetRole.Role as { RoleName?: string }).RoleName === 'app')!.GetRole.Role as Record<string, unknown>;
    const before = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    expect(verdict(before.snapshot, 'kms:Decrypt', APP_ROLE, KEY_ARN)).toBe('allow');
    role.PermissionsBoundary = { PermissionsBoundaryType: 'Policy' };
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    const p = r.snapshot.principals[APP_ROLE_WITH_PATH]!;
    expect(p.permissionsBoundary).toMatchObject({
      unknown: true,
      what: `permissions boundary of ${APP_ROLE}`,
      reason: `malformed response to iam:GetRole (PermissionsBoundary: the PermissionsBoundary has no PermissionsBoundaryArn) (${APP_ROLE})`,
    });
    expect(isUnknown(p.identityPolicies)).toBe(false);
    // A boundary that may not allow Decrypt: the allow is unknown.
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE, KEY_ARN)).toBe('unknown');
  });

  test('GetPolicyVersion says the version GetPolicy named is not the default: the identity policies are unknown', async () => {
    const s = server();
    const appKms = account(s, A).Iam!.Policies!.find((p) => (p.GetPolicy.Policy as { PolicyName?: string }).PolicyName === 'AppKms')!;
    const defaultId = (appKms.GetPolicy.Policy as { DefaultVersionId: string }).DefaultVersionId;
    const before = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    expect(verdict(before.snapshot, 'kms:Decrypt', APP_ROLE, KEY_ARN)).toBe('allow');
    (appKms.GetPolicyVersion[defaultId]!.PolicyVersion as Record<string, unknown>).IsDefaultVersion = false;
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    expect(r.snapshot.principals[APP_ROLE_WITH_PATH]!.identityPolicies).toMatchObject({
      unknown: true,
      reason: `NotDefaultVersion on iam:GetPolicyVersion: version ${defaultId}, which GetPolicy named as the default, is no longer the default (the policy changed while it was read) (arn:aws:iam::${A}:policy/AppKms)`,
    });
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE, KEY_ARN)).toBe('unknown');
  });

  test('a response of the wrong shape: a key policy that is no policy', async () => {
    const s = server();
    s.script('GetKeyPolicy', { reply: { Policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}' } });
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    expect(r.snapshot.keys[0]!.policy).toMatchObject({ unknown: true, reason: expect.stringMatching(/malformed response to kms:GetKeyPolicy .*Effect/) });
  });
});

describe("the user's mistakes", () => {
  test('credentials AWS does not know', async () => {
    const s = server();
    await expect(
      read(s, { key: 'alias/app', principal: APP_ROLE }, { credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/AWS rejected the credentials .*InvalidClientTokenId/),
    });
  });

  test('a wrong secret', async () => {
    const s = server();
    const c = s.credentials(A);
    await expect(read(s, { key: KEY_ARN, principal: APP_ROLE }, { credentials: { ...c, secretAccessKey: 'wrong' } })).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/SignatureDoesNotMatch/),
    });
  });

  test('no credentials at all, no region, a bad region, an endpoint where nothing listens', async () => {
    const s = server();
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-nocreds-'));
    const keys = [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'AWS_SHARED_CREDENTIALS_FILE',
      'AWS_CONFIG_FILE',
      'AWS_EC2_METADATA_DISABLED',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ] as const;
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    try {
      for (const k of keys) delete process.env[k];
      writeFileSync(join(dir, 'credentials'), '');
      writeFileSync(join(dir, 'config'), '');
      process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
      process.env.AWS_CONFIG_FILE = join(dir, 'config');
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
      const e = await readLive({ key: 'alias/app', principal: APP_ROLE }, { region: 'us-east-1', endpointUrl: s.url, timeoutMs: 500, maxAttempts: 1 }).catch(
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).message).toMatch(/no usable AWS credentials/);
      expect((e as InputError).hint).toMatch(/--profile/);

      const missingProfile = await readLive(
        { key: 'alias/app', principal: APP_ROLE },
        { region: 'us-east-1', profile: 'nope', endpointUrl: s.url, maxAttempts: 1 },
      ).catch((x: unknown) => x);
      expect(missingProfile).toMatchObject({ name: 'InputError', hint: expect.stringMatching(/profile "nope"/) });

      await expect(readLive({ key: 'alias/app', principal: APP_ROLE }, { endpointUrl: s.url, credentials: s.credentials(A) })).rejects.toMatchObject({
        name: 'InputError',
        message: 'no AWS region is configured',
      });
    } finally {
      for (const k of keys) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      rmSync(dir, { recursive: true, force: true });
    }
    await expect(read(s, { key: 'alias/app', principal: APP_ROLE }, { region: 'us-east-1x' })).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/not an AWS region/),
    });
    await expect(read(s, { key: 'alias/app', principal: APP_ROLE }, { endpointUrl: 'http://127.0.0.1:1', maxAttempts: 1 })).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/cannot reach .*ECONNREFUSED/),
    });
    await expect(read(s, { key: 'not-a-key', principal: APP_ROLE })).rejects.toMatchObject({ name: 'InputError' });
    await expect(read(s, { key: 'alias/app', principal: 'arn:aws:s3:::bucket' })).rejects.toMatchObject({ name: 'InputError' });
  });

  test('a key ARN names its region: no --region needed', async () => {
    const s = server();
    const saved = { r: process.env.AWS_REGION, d: process.env.AWS_DEFAULT_REGION };
    try {
      delete process.env.AWS_REGION;
      delete process.env.AWS_DEFAULT_REGION;
      const r = await readLive({ key: KEY_ARN, principal: APP_ROLE }, { endpointUrl: s.url, credentials: s.credentials(A) });
      expect(r.snapshot.region).toBe('us-east-1');
    } finally {
      if (saved.r !== undefined) process.env.AWS_REGION = saved.r;
      if (saved.d !== undefined) process.env.AWS_DEFAULT_REGION = saved.d;
    }
  });

  test('AWS_ENDPOINT_URL from the environment, as the AWS CLI reads it', async () => {
    const s = server();
    const saved = process.env.AWS_ENDPOINT_URL;
    try {
      process.env.AWS_ENDPOINT_URL = s.url;
      const r = await readLive({ key: KEY_ARN, principal: APP_ROLE }, { credentials: s.credentials(A) });
      expect(r.keyArn).toBe(KEY_ARN);
      expect(s.count()).toBeGreaterThan(0);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });
});
