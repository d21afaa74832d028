// readAccount (`kms-why snapshot --account`, who-can without --from) against the local AWS stand-in:
// what a failed or malformed account-wide read leaves unknown, live and in the snapshot it writes.
import { describe, expect, test } from 'vitest';
import type { Snapshot } from '../../../src/model/snapshot.js';
import { readAccount } from '../../../src/sources/live/index.js';
import { parseSnapshot } from '../../../src/sources/snapshot-file.js';
import { snapshotToJson } from '../../../src/sources/snapshot-writer.js';
import { A, APP_ROLE_WITH_PATH, KEY_ARN, liveOptions, useAwsServer, verdict } from './helpers.js';

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
