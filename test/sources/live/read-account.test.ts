// readAccount (`kms-why snapshot --account`, who-can without --from) against the local AWS stand-in:
// what a failed or malformed account-wide read leaves unknown, live and in the snapshot it writes.
import { describe, expect, test } from 'vitest';
import type { Snapshot } from '../../../src/model/snapshot.js';
import { isUnknown } from '../../../src/model/unknown.js';
import { readAccount, readKeys } from '../../../src/sources/live/index.js';
import { parseSnapshot } from '../../../src/sources/snapshot-file.js';
import { snapshotToJson } from '../../../src/sources/snapshot-writer.js';
import { A, APP_ROLE_WITH_PATH, KEY_ARN, KEY_ID, liveOptions, useAwsServer, verdict } from './helpers.js';

const { server } = useAwsServer();

/** Through JSON text, as `kms-why snapshot --account --output-file` writes it and `--from` reads it. */
function replayed(s: Snapshot): Snapshot {
  return parseSnapshot(JSON.parse(JSON.stringify(snapshotToJson(s))) as unknown, 'written.json');
}

describe('account-wide ListAliases', () => {
  // role/service/app may decrypt only through the key's alias alias/app (which it has).
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/dev` }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'AppByAlias',
        Effect: 'Allow',
        Principal: { AWS: APP_ROLE_WITH_PATH },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/app' } },
      },
    ],
  });

  test('read: kms:ResourceAliases decides', async () => {
    const s = server();
    s.script('GetKeyPolicy', { reply: { Policy: policy, PolicyName: 'default' } });
    const r = await readAccount(liveOptions(s));
    expect(r.snapshot.keys[0]!.aliases).toEqual(['alias/app', 'alias/payments']);
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE_WITH_PATH, KEY_ARN)).toBe('allow');
    expect(verdict(replayed(r.snapshot), 'kms:Decrypt', APP_ROLE_WITH_PATH, KEY_ARN)).toBe('allow');
  });

  test('denied: every key has unknown aliases, live and replayed, naming the call and the permission', async () => {
    const s = server();
    s.script('GetKeyPolicy', { reply: { Policy: policy, PolicyName: 'default' } });
    s.script('ListAliases', 'deny');
    const r = await readAccount(liveOptions(s));
    const key = r.snapshot.keys[0]!;
    expect(key.aliasesUnknown).toMatchObject({
      unknown: true,
      what: `aliases of ${KEY_ARN}`,
      reason: 'AccessDeniedException on kms:ListAliases',
      neededPermission: 'kms:ListAliases on region us-east-1',
    });
    expect(r.snapshot.inputs!.find((i) => i.what === `aliases of ${KEY_ARN}`)).toMatchObject({
      status: 'unreadable',
      detail: 'AccessDeniedException on kms:ListAliases (needs kms:ListAliases on region us-east-1)',
    });
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE_WITH_PATH, KEY_ARN)).toBe('unknown');
    // The file says the aliases are unreadable, not that the key has none.
    const json = snapshotToJson(r.snapshot) as { keys: Array<{ Aliases?: unknown }> };
    expect(json.keys[0]!.Aliases).toEqual({
      kmsWhyUnreadable: { reason: 'AccessDeniedException on kms:ListAliases', neededPermission: 'kms:ListAliases on region us-east-1' },
    });
    expect(verdict(replayed(r.snapshot), 'kms:Decrypt', APP_ROLE_WITH_PATH, KEY_ARN)).toBe('unknown');
    // What no alias decides stays decided.
    expect(verdict(r.snapshot, 'kms:Encrypt', `arn:aws:iam::${A}:role/dev`, KEY_ARN)).toBe('allow');
  });

  test('malformed (no Aliases list): unknown too', async () => {
    const s = server();
    s.script('GetKeyPolicy', { reply: { Policy: policy, PolicyName: 'default' } });
    s.script('ListAliases', 'empty');
    const r = await readAccount(liveOptions(s));
    expect(r.snapshot.keys[0]!.aliasesUnknown).toMatchObject({ reason: expect.stringMatching(/malformed response to kms:ListAliases .*no Aliases list/) });
    expect(verdict(r.snapshot, 'kms:Decrypt', APP_ROLE_WITH_PATH, KEY_ARN)).toBe('unknown');
  });
});

describe('ListKeys entries', () => {
  test('an entry without KeyArn is read by its KeyId, never dropped', async () => {
    const s = server();
    s.script('ListKeys', { reply: { Keys: [{ KeyId: KEY_ID }], Truncated: false } });
    const keys = await readKeys([], { ...liveOptions(s), allCustomerManaged: true, grantsAudit: true });
    expect(keys.snapshot.keys.map((k) => k.metadata.arn)).toEqual([KEY_ARN]);
    expect(s.calls.find((c) => c.op === 'DescribeKey')!.params.KeyId).toBe(KEY_ID);
    const account = await readAccount(liveOptions(s));
    expect(account.snapshot.keys.map((k) => k.metadata.arn)).toEqual([KEY_ARN]);
    expect(isUnknown(account.snapshot.keys[0]!.policy)).toBe(false);
  });

  test('an entry with neither a valid KeyArn nor a KeyId: the list is malformed, the read fails (exit 3), nothing is dropped in silence', async () => {
    for (const entry of [{}, { KeyArn: 'not-an-arn', KeyId: KEY_ID }, { KeyArn: `arn:aws:kms:us-east-1:${A}:alias/app` }]) {
      const s = server();
      s.reset();
      s.script('ListKeys', { reply: { Keys: [entry], Truncated: false } });
      for (const p of [readKeys([], { ...liveOptions(s), allCustomerManaged: true }), readAccount(liveOptions(s))]) {
        await expect(p).rejects.toMatchObject({
          name: 'AwsError',
          fault: 'aws',
          message: 'cannot list the keys of region us-east-1: malformed response to kms:ListKeys (Keys: Keys[0] has no valid KeyArn or KeyId)',
        });
      }
    }
  });
});

describe('GetAccountAuthorizationDetails that fails', () => {
  const record = (r: Awaited<ReturnType<typeof readAccount>>) => r.snapshot.inputs!.find((i) => i.what === `IAM roles, users and policies of account ${A}`);

  test('denied: the record names the permission', async () => {
    const s = server();
    s.script('GetAccountAuthorizationDetails', 'deny');
    expect(record(await readAccount(liveOptions(s)))).toMatchObject({
      status: 'unreadable',
      detail: `AccessDenied on iam:GetAccountAuthorizationDetails (needs iam:GetAccountAuthorizationDetails on account ${A})`,
    });
  });

  test('throttled, timed out or malformed: no permission is said to be missing', async () => {
    const steps: Array<[Parameters<ReturnType<typeof server>['script']>[1], RegExp]> = [
      ['throttle', /^iam:GetAccountAuthorizationDetails was throttled/],
      ['hang', /^iam:GetAccountAuthorizationDetails timed out/],
      ['malformed', /^malformed response to iam:GetAccountAuthorizationDetails/],
    ];
    for (const [step, reason] of steps) {
      const s = server();
      s.reset();
      s.script('GetAccountAuthorizationDetails', step);
      const r = record(await readAccount(liveOptions(s, { timeoutMs: 300, maxAttempts: 2 })));
      expect(r, String(step)).toMatchObject({ status: 'unreadable', detail: expect.stringMatching(reason) });
      expect(r!.detail, String(step)).not.toMatch(/needs/);
    }
  });
});
