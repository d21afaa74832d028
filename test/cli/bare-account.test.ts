// `--principal ACCOUNT_ID`: the account's root user in the partition of the key, whether --key
// names the key by ARN or by alias, as the evaluator reads it (test/evaluate/partitions.test.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from './in-process.js';

const A = '111122223333';
const KEY_ARN = `arn:aws-cn:kms:cn-north-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

describe('--principal with a bare account id on an aws-cn key', () => {
  it('evaluates and reports the root user of the aws-cn partition', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kms-why-bare-account-')), 'cn.json');
    writeFileSync(
      file,
      JSON.stringify({
        kmsWhySnapshot: 1,
        keys: [
          {
            KeyMetadata: { Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' },
            Aliases: ['alias/app'],
            Tags: [],
            Policy: {
              Version: '2012-10-17',
              Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws-cn:iam::${A}:root` }, Action: 'kms:*', Resource: '*' }],
            },
            Grants: [],
          },
        ],
      }),
    );
    for (const key of ['alias/app', KEY_ARN]) {
      const r = await runMain(['decrypt', '--from', file, '--key', key, '--principal', A, '--output', 'json']);
      const report = JSON.parse(r.stdout) as { principal: string; results: Array<{ decision: string }> };
      expect(report.principal, key).toBe(`arn:aws-cn:iam::${A}:root`);
      expect(report.results[0]!.decision, key).toBe('allow');
    }
  });
});
