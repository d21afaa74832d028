// who-can exits 3 when the account's IAM could not be read whole, even when every verdict it
// lists is known: principals may be missing. Its --help says so, so that the exit code and a
// report that counts "0 unknown" do not contradict each other.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { oneKeySnapshot } from '../helpers/snapshot-doc.js';
import { runMain } from './in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-why-who-can-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROLE = 'arn:aws:iam::111122223333:role/app';
const IAM = 'IAM roles, users and policies of account 111122223333';
const file = join(dir, 'iam-unreadable.json');
writeFileSync(
  file,
  JSON.stringify({
    ...oneKeySnapshot(
      {
        Aliases: ['alias/app'],
        Policy: { Version: '2012-10-17', Statement: [{ Sid: 'S', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' }] },
      },
      [{ Arn: ROLE, IdentityPolicies: [] }],
    ),
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
