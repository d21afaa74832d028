// who-can exits 3 when the account's IAM could not be read whole, even when every verdict it
// lists is known: principals may be missing. Its --help says so, so that the exit code and a
// report that counts "0 unknown" do not contradict each other.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from './in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-why-who-can-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROLE = 'arn:aws:iam::111122223333:role/app';
const IAM = 'IAM roles, users and policies of account 111122223333';
const file = join(dir, 'iam-unreadable.json');
writeFileSync(
  file,
  JSON.stringify({
    kmsWhySnapshot: 1,
    keys: [
      {
        KeyMetadata: { Arn: KEY, KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' },
        Aliases: ['alias/app'],
        Tags: [],
        Grants: [],
        Policy: { Version: '2012-10-17', Statement: [{ Sid: 'S', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' }] },
      },
    ],
    principals: [{ Arn: ROLE, IdentityPolicies: [] }],
    Unreadable: [{ what: IAM, reason: 'AccessDenied' }],
  }),
);

describe('who-can with the account IAM unreadable', () => {
  it('exits 3 with no unknown verdict, and says principals may be missing', async () => {
    const r = await runMain(['who-can', '--from', file, '--key', 'alias/app', '--action', 'kms:Decrypt', '--output', 'text'], { NO_COLOR: '1' });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('0 unknown');
    expect(r.stderr).toContain(`${IAM} could not be read`);
    expect(r.stderr).toContain('missing from this report');
  });

  it('--help says exit 3 covers that case', async () => {
    const help = (await runMain(['who-can', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      "3 some verdict is unknown because an input was missing or unreadable, or the account's IAM (roles, users and policies) could not be read whole",
    );
  });
});
