// --via-service: a name that is not SERVICE.REGION.amazonaws.com is refused; a well-formed name of
// a service KMS does not list as setting kms:ViaService is used as given, with a hint saying so
// (docs/semantics.md#via-service).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { oneKeySnapshot } from '../helpers/snapshot-doc.js';
import { runMain } from './in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-why-via-service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROLE = 'arn:aws:iam::111122223333:role/app';
const snapshot = join(dir, 'via.json');
writeFileSync(
  snapshot,
  JSON.stringify({
    ...oneKeySnapshot(
      {
        Aliases: ['alias/app'],
        Policy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Via',
              Effect: 'Allow',
              Principal: { AWS: ROLE },
              Action: 'kms:Decrypt',
              Resource: '*',
              Condition: { StringEquals: { 'kms:ViaService': ['ebs.us-east-1.amazonaws.com', 'foo.us-east-1.amazonaws.com', 'ec2.us-east-1.amazonaws.com'] } },
            },
          ],
        },
      },
      [{ Arn: ROLE, IdentityPolicies: [] }],
    ),
  }),
);

const decrypt = async (via: string) => {
  const r = await runMain(['decrypt', '--from', snapshot, '--key', 'alias/app', '--principal', ROLE, '--via-service', via, '--output', 'json'], {
    NO_COLOR: '1',
  });
  return { ...r, hints: r.code === 2 ? [] : (JSON.parse(r.stdout).results[0].hints as string[]) };
};

describe('--via-service', () => {
  it('refuses a name that is not SERVICE.REGION.amazonaws.com, with a hint (exit 2)', async () => {
    for (const bad of ['lambda', 'ec2.cn-north-1.amazonaws.com.cn', 'Lambda.us-east-1.amazonaws.com', 'lambda.amazonaws.com', 'lambda.us-east-1.example.com']) {
      const r = await decrypt(bad);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`invalid --via-service "${bad}"`);
      expect(r.stderr).toContain('hint: e.g. lambda.us-east-1.amazonaws.com (EBS: ec2.us-east-1.amazonaws.com)');
    }
  });

  it('says when KMS names the service otherwise (EBS is ec2), keeping the verdict', async () => {
    const r = await decrypt('ebs.us-east-1.amazonaws.com');
    expect(r.code).toBe(0);
    expect(r.hints.some((h) => h.includes('KMS names this service ec2, not ebs (ec2.us-east-1.amazonaws.com)'))).toBe(true);
  });

  it('says when the service is not in KMS’s list, keeping the verdict', async () => {
    const r = await decrypt('foo.us-east-1.amazonaws.com');
    expect(r.code).toBe(0);
    expect(r.hints.some((h) => h.includes('foo is not among the services KMS documents as setting kms:ViaService'))).toBe(true);
  });

  it('adds nothing for a service in the list', async () => {
    for (const ok of ['ec2.us-east-1.amazonaws.com', 'ec2.us-gov-west-1.amazonaws.com', 'ec2.eusc-de-east-1.amazonaws.com']) {
      const r = await decrypt(ok);
      expect(r.code, ok).not.toBe(2);
      expect(r.hints.filter((h) => h.includes('KMS documents as setting') || h.includes('KMS names this service'))).toEqual([]);
    }
  });
});
