// A snapshot file may leave KeyManager, Origin and MultiRegion out of a key's KeyMetadata: kms-why
// takes its documented defaults (docs/snapshot.md), and a verdict a default decides says so.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import type { Request } from '../../src/model/request.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { snapshotToJson } from '../../src/sources/snapshot-writer.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const allow = { Sid: 'All', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', Resource: '*' };
const identity = [{ PolicyName: 'kms', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }];

/** A snapshot whose key's KeyMetadata leaves `omit` out. */
function snapshotWithout(omit: string[], statements: unknown[] = [allow], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const raw = oneKeySnapshot({ Policy: { Version: '2012-10-17', Statement: statements } }, [{ Arn: ROLE, IdentityPolicies: identity }]);
  const key = (raw.keys as Array<Record<string, Record<string, unknown>>>)[0]!;
  for (const f of omit) delete key.KeyMetadata![f];
  return { ...raw, ...extra };
}
const ask = (raw: Record<string, unknown>, action: string, more: Partial<Request> = {}) =>
  new Evaluator(parseSnapshot(raw, 'snap.json')).evaluate({ action, principal: ROLE, keyArn: KEY_ARN, ...more });

describe('defaulted key metadata', () => {
  it('Origin: the import operations, decided by the default AWS_KMS, say so; Encrypt does not', () => {
    const raw = snapshotWithout(['Origin']);
    const d = ask(raw, 'kms:ImportKeyMaterial');
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
    expect(d.assumptions).toContain('originDefault');
    expect(ask(raw, 'kms:Encrypt').assumptions).not.toContain('originDefault');
    // Given, it is no assumption.
    expect(ask(snapshotWithout([]), 'kms:ImportKeyMaterial').assumptions).not.toContain('originDefault');
  });

  it('KeyManager: what an AWS managed key would refuse, and an RCP Deny (RCPs skip AWS managed keys), say so', () => {
    const raw = snapshotWithout(['KeyManager']);
    expect(ask(raw, 'kms:PutKeyPolicy')).toMatchObject({ decision: 'allow' });
    expect(ask(raw, 'kms:PutKeyPolicy').assumptions).toContain('keyManagerDefault');
    expect(ask(raw, 'kms:Decrypt').assumptions).not.toContain('keyManagerDefault');
    const rcp = { Version: '2012-10-17', Statement: [{ Sid: 'NoDecrypt', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] };
    const org = { Organization: { ManagementAccountId: '999999999999', ResourceControlPolicies: { '111122223333': [{ Target: 'r-1', Policies: [rcp] }] } } };
    const d = ask(snapshotWithout(['KeyManager'], [allow], org), 'kms:Decrypt');
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'explicit-deny' });
    expect(d.assumptions).toContain('keyManagerDefault');
    expect(ask(snapshotWithout([], [allow], org), 'kms:Decrypt').assumptions).not.toContain('keyManagerDefault');
  });

  it('MultiRegion: ReplicateKey, refused on a single-Region key, says the key was taken to be one', () => {
    const d = ask(snapshotWithout(['MultiRegion']), 'kms:ReplicateKey', { context: { 'kms:ReplicaRegion': 'us-west-2' } });
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
    expect(d.assumptions).toContain('multiRegionDefault');
    expect(ask(snapshotWithout(['MultiRegion']), 'kms:Encrypt').assumptions).not.toContain('multiRegionDefault');
  });

  it('a condition on kms:KeyOrigin or kms:MultiRegion relies on the default, unless the request gives the value', () => {
    const onOrigin = { ...allow, Condition: { StringEquals: { 'kms:KeyOrigin': 'AWS_KMS' } } };
    const raw = snapshotWithout(['Origin', 'MultiRegion'], [onOrigin]);
    const d = ask(raw, 'kms:Encrypt');
    expect(d.decision).toBe('allow');
    expect(d.assumptions).toContain('originDefault');
    expect(ask(raw, 'kms:Encrypt', { context: { 'kms:KeyOrigin': 'AWS_KMS' } }).assumptions).not.toContain('originDefault');
    const onMrk = { ...allow, Condition: { Bool: { 'kms:MultiRegion': 'false' } } };
    expect(ask(snapshotWithout(['MultiRegion'], [onMrk]), 'kms:Encrypt').assumptions).toContain('multiRegionDefault');
  });

  it('a snapshot written again leaves the members out, so its verdicts still say so', () => {
    const again = parseSnapshot(snapshotToJson(parseSnapshot(snapshotWithout(['Origin', 'KeyManager', 'MultiRegion']), 'snap.json')), 'again.json');
    const m = ((snapshotToJson(again) as Record<string, unknown>).keys as Array<{ KeyMetadata: Record<string, unknown> }>)[0]!.KeyMetadata;
    expect(m).not.toHaveProperty('Origin');
    expect(m).not.toHaveProperty('KeyManager');
    expect(m).not.toHaveProperty('MultiRegion');
    const d = new Evaluator(again).evaluate({ action: 'kms:ImportKeyMaterial', principal: ROLE, keyArn: KEY_ARN });
    expect(d.assumptions).toContain('originDefault');
  });
});
