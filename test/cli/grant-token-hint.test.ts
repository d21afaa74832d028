// The hint for a grant that is not yet consistent names kms-why's own flag: given as it says,
// with the grant's token, the request is allowed (never a usage error).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY_ARN as KEY, oneKeySnapshot } from '../helpers/snapshot-doc.js';
import { runMain } from './in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-why-grant-token-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROLE = 'arn:aws:iam::111122223333:role/app';
const file = join(dir, 'pending.json');
writeFileSync(
  file,
  JSON.stringify({
    ...oneKeySnapshot(
      {
        Aliases: ['alias/app'],
        Policy: { Version: '2012-10-17', Statement: [] },
        Grants: [
          {
            GrantId: 'g1',
            KeyId: KEY,
            GranteePrincipal: ROLE,
            Operations: ['Decrypt'],
            IssuingAccount: 'arn:aws:iam::111122223333:root',
            State: 'pending-consistency',
            GrantToken: 'TOK1',
          },
        ],
      },
      [{ Arn: ROLE, IdentityPolicies: [] }],
    ),
  }),
);
const base = ['decrypt', '--from', file, '--key', 'alias/app', '--principal', ROLE, '--output', 'json'];

describe('the hint for a grant that is not yet consistent', () => {
  it('names a flag that kms-why accepts, and that flag with the token allows', async () => {
    const r = await runMain(base, { NO_COLOR: '1' });
    expect(r.code).toBe(1);
    const hint = (JSON.parse(r.stdout).results[0].hints as string[]).find((h) => h.startsWith('Grant g1:'));
    expect(hint).toContain('pass its grant token (--grant-token)');
    const flag = /\((--[a-z-]+)\)/.exec(hint!)![1]!;
    const again = await runMain([...base, flag, 'TOK1'], { NO_COLOR: '1' });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
  });
});
