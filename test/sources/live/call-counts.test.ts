// How many AWS calls a live read makes, counted at the local stand-in (issue 18.4): the grants
// audit reads only what it uses, ListAliases once per account, and at most 5 calls per key.
import { describe, expect, test } from 'vitest';
import { readKeys } from '../../../src/sources/live/index.js';
import { A, account, KEY_ARN, KEY_ID, liveOptions, useAwsServer } from './helpers.js';

const { server } = useAwsServer();

/** Adds `n` customer managed keys like the recorded one, each with its own alias and 30 grants. */
function addKeys(n: number): string[] {
  const keys = account(server(), A).Kms!.Keys!;
  const template = JSON.stringify(keys[0]);
  const arns: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${String(i).padStart(8, '0')}-aaaa-bbbb-cccc-000000000000`;
    const k = JSON.parse(template.split(KEY_ID).join(id));
    k.ListAliases = { Aliases: [{ AliasName: `alias/extra-${i}`, AliasArn: `arn:aws:kms:us-east-1:${A}:alias/extra-${i}`, TargetKeyId: id }] };
    k.ListGrants.Grants = k.ListGrants.Grants.slice(0, 1);
    for (let g = 1; g < 30; g++)
      k.ListGrants.Grants.push({ ...k.ListGrants.Grants[0], GrantId: `${i}`.padStart(32, '0') + `${g}`.padStart(32, '0'), Name: `g-${g}` });
    keys.push(k);
    arns.push(k.DescribeKey.KeyMetadata.Arn);
  }
  return arns;
}

describe('grants --all-keys over AWS', () => {
  test("reads each key's metadata and grants, and the aliases once: at most 5 calls per key", async () => {
    const s = server();
    const extra = addKeys(100);
    const r = await readKeys([], { ...liveOptions(s), allCustomerManaged: true, grantsAudit: true });
    const keyCount = r.snapshot.keys.length;
    expect(keyCount).toBeGreaterThanOrEqual(101);
    const counts = s.counts();
    expect(counts.GetKeyPolicy ?? 0).toBe(0);
    expect(counts.ListResourceTags ?? 0).toBe(0);
    expect(s.calls.filter((c) => c.op === 'ListAliases' && (c.params as { KeyId?: string }).KeyId !== undefined)).toEqual([]);
    expect(counts.ListAliases).toBeLessThanOrEqual(Math.ceil((keyCount * 2) / 50)); // pages of the one account-wide list
    expect(counts.DescribeKey).toBe(keyCount);
    expect(counts.ListGrants).toBe(keyCount);
    expect(r.calls).toBeLessThanOrEqual(5 * keyCount);
    // Aliases still reach each key, from the one listing.
    const byArn = new Map(r.snapshot.keys.map((k) => [k.metadata.arn, k]));
    expect(byArn.get(KEY_ARN)!.aliases.sort()).toEqual(['alias/app', 'alias/payments']);
    extra.forEach((arn, i) => {
      expect(byArn.get(arn)!.aliases).toEqual([`alias/extra-${i}`]);
    });
    // What was not read is not passed off as empty.
    expect(byArn.get(KEY_ARN)!.policy).toMatchObject({ unknown: true });
    expect(r.snapshot.inputs!.some((i) => i.from.includes('GetKeyPolicy') || i.from.includes('ListResourceTags'))).toBe(false);
  });

  test('a denied ListAliases leaves the aliases unknown for every key, and the grants read', async () => {
    const s = server();
    s.script('ListAliases', 'deny');
    const r = await readKeys([KEY_ARN], { ...liveOptions(s), grantsAudit: true });
    const k = r.snapshot.keys[0]!;
    expect(k.aliases).toEqual([]);
    expect(r.snapshot.inputs!.find((i) => i.what.startsWith('aliases of'))!.status).toBe('unreadable');
    expect(Array.isArray(k.grants)).toBe(true);
  });
});
