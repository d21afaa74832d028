// --scp-file / --rcp-file: the files holding one policy each are together the policies attached at
// one level of the account's hierarchy (after the levels of a map file), not one level each.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOrganizationFiles } from '../../../src/sources/live/organization.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-why-orgfiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, value: unknown): string => {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(value));
  return f;
};
const doc = (effect: string, action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: action, Resource: '*' }] });

describe('organization policy files', () => {
  it('single-policy files make one level of the account, after the levels of a map', async () => {
    const map = file('map.json', { '111122223333': [{ Target: 'r-root', Policies: [{ Name: 'FullAWSAccess', Document: doc('Allow', '*') }] }] });
    const deny = file('deny-decrypt.json', doc('Deny', 'kms:Decrypt'));
    const s3 = file('s3-only.json', doc('Allow', 's3:*'));
    const r1 = file('rcp-a.json', doc('Deny', 'kms:Decrypt'));
    const r2 = file('rcp-b.json', doc('Deny', 'kms:Encrypt'));
    const { organization } = await readOrganizationFiles([deny, map, s3], [r1, r2], { principal: '111122223333', key: '444455556666' });
    const scps = organization!.serviceControlPolicies['111122223333']!;
    expect(scps.map((l) => [l.target, l.policies.map((p) => p.name)])).toEqual([
      ['r-root', ['FullAWSAccess']],
      ['(--scp-file)', ['deny-decrypt', 's3-only']],
    ]);
    const rcps = organization!.resourceControlPolicies['444455556666']!;
    expect(rcps.map((l) => [l.target, l.policies.map((p) => p.name)])).toEqual([['(--rcp-file)', ['rcp-a', 'rcp-b']]]);
  });

  it('one file alone is one level named after it', async () => {
    const deny = file('guard.json', doc('Deny', 'kms:Decrypt'));
    const { organization } = await readOrganizationFiles([deny], [], { principal: '111122223333', key: undefined });
    expect(organization!.serviceControlPolicies['111122223333']!.map((l) => l.target)).toEqual(['guard']);
  });
});
