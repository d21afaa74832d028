// ReEncrypt sends its destination encryption context apart from the source context [API ReEncrypt]:
// re-encrypt without --destination-context takes the source context (--context) for it, and a
// verdict that reads it says so; which context each permission reads is an assumption.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';
import { runMain } from './in-process.js';

const BOB = `arn:aws:iam::${ACCOUNT}:user/Bob`;
const dir = mkdtempSync(join(tmpdir(), 'kms-why-reencrypt-'));
const snap = join(dir, 'snap.json');
writeFileSync(
  snap,
  JSON.stringify(
    oneKeySnapshot(
      {
        Grants: [
          {
            KeyId: KEY_ARN,
            GrantId: 'g1',
            GranteePrincipal: BOB,
            IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
            Operations: ['ReEncryptFrom', 'ReEncryptTo'],
            Constraints: { EncryptionContextEquals: { Dept: 'IT' } },
          },
        ],
      },
      [{ Arn: BOB, IdentityPolicies: [] }],
    ),
  ),
);

type Result = { action: string; decision: string; hints: string[]; assumptions: string[] };
async function reEncrypt(...extra: string[]): Promise<Result[]> {
  const r = await runMain(['re-encrypt', '--from', snap, '--key', KEY_ARN, '--principal', BOB, '--output', 'json', ...extra]);
  return (JSON.parse(r.stdout) as { results: Result[] }).results;
}
const byAction = (rs: Result[], a: string): Result => rs.find((r) => r.action === a)!;

describe('re-encrypt and its two encryption contexts', () => {
  it('labels both permissions with the re-encrypt-context assumption when a grant constraint reads them', async () => {
    const rs = await reEncrypt('--context', 'Dept=IT');
    for (const r of rs) {
      expect(r.decision, r.action).toBe('allow');
      expect(
        r.assumptions.some((a) => a.includes('docs/semantics.md#re-encrypt-context')),
        r.action,
      ).toBe(true);
    }
  });

  it('says on ReEncryptTo that the destination context was taken from --context', async () => {
    const rs = await reEncrypt('--context', 'Dept=IT');
    expect(byAction(rs, 'kms:ReEncryptTo').hints.some((h) => h.includes('no --destination-context was given'))).toBe(true);
    expect(byAction(rs, 'kms:ReEncryptFrom').hints.some((h) => h.includes('--destination-context'))).toBe(false);
  });

  it('says nothing of the kind when --destination-context is given (and reads that one)', async () => {
    const same = await reEncrypt('--context', 'Dept=IT', '--destination-context', 'Dept=IT');
    expect(byAction(same, 'kms:ReEncryptTo').decision).toBe('allow');
    expect(byAction(same, 'kms:ReEncryptTo').hints.some((h) => h.includes('no --destination-context was given'))).toBe(false);
    const other = await reEncrypt('--context', 'Dept=IT', '--destination-context', 'Dept=HR');
    expect(byAction(other, 'kms:ReEncryptFrom').decision).toBe('allow');
    expect(byAction(other, 'kms:ReEncryptTo').decision).toBe('deny');
  });
});
