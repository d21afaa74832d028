// Keys and principals outside the aws partition (aws-cn, aws-us-gov …). A bare account id says no
// partition: asked about a key, it is the root user of that account in the key's partition, never a
// caller of another partition that no policy or grant could reach.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';

const A = '111122223333';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

/** One key of `partition` whose policy allows the account's root user, by the partition's ARN. */
function snapshotIn(partition: string, region: string): unknown {
  return {
    kmsWhySnapshot: 1,
    keys: [
      {
        KeyMetadata: {
          Arn: `arn:${partition}:kms:${region}:${A}:key/${KEY_ID}`,
          KeyState: 'Enabled',
          KeySpec: 'SYMMETRIC_DEFAULT',
          KeyUsage: 'ENCRYPT_DECRYPT',
        },
        Aliases: ['alias/app'],
        Tags: [],
        Policy: {
          Version: '2012-10-17',
          Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${A}:root` }, Action: 'kms:*', Resource: '*' }],
        },
        Grants: [],
      },
    ],
  };
}

describe('a bare account id as the caller', () => {
  for (const [partition, region] of [
    ['aws-cn', 'cn-north-1'],
    ['aws-us-gov', 'us-gov-west-1'],
    ['aws', 'us-east-1'],
  ] as const) {
    it(`is the account's root user in the key's partition (${partition})`, () => {
      const ev = new Evaluator(parseSnapshot(snapshotIn(partition, region), 'snap.json'));
      for (const key of [`arn:${partition}:kms:${region}:${A}:key/${KEY_ID}`, 'alias/app', KEY_ID]) {
        const d = ev.evaluate({ action: 'kms:Decrypt', principal: A, keyIdentifier: key });
        expect(d.decision, `${partition} ${key}`).toBe('allow');
      }
      // Named by an ARN of another partition, the root user is refused: the ARN says so.
      if (partition !== 'aws') {
        const other = ev.evaluate({ action: 'kms:Decrypt', principal: `arn:aws:iam::${A}:root`, keyIdentifier: 'alias/app' });
        expect(other.decision).toBe('deny');
      }
    });
  }
});
