// Key-type errors of multi-Region keys (AWS API Reference): ReplicateKey works on a multi-Region
// primary key only, and rotation of a multi-Region key is set on (and rotated from) its primary.
import { describe, expect, it } from 'vitest';
import { defaultActions, whoCan, whoCanRequest } from '../../src/analyses/who-can.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { findAction } from '../../src/model/actions.js';
import { keyUsageError } from '../../src/model/key-state.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { KEY_ARN, delegatingKey, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';

function evaluator(metadata: Record<string, unknown>): Evaluator {
  const policy = { Version: '2012-10-17', Statement: [{ Sid: 'All', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', Resource: '*' }] };
  // ReplicateKey also needs kms:CreateKey and kms:PutKeyPolicy in the replica's Region, by IAM.
  const identity = [{ PolicyName: 'kms', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }];
  return new Evaluator(parseSnapshot(oneKeySnapshot({ Policy: policy }, [{ Arn: ROLE, IdentityPolicies: identity }], metadata), 'snap.json'));
}
const SINGLE = { MultiRegion: false };
const PRIMARY = { MultiRegion: true, MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY' } };
const REPLICA = { MultiRegion: true, MultiRegionConfiguration: { MultiRegionKeyType: 'REPLICA' } };

describe('multi-Region key types', () => {
  it('ReplicateKey: allowed on a primary key, a key-state deny on a single-Region or replica key', () => {
    const replicate = (m: Record<string, unknown>) =>
      evaluator(m).evaluate({ action: 'kms:ReplicateKey', principal: ROLE, keyArn: KEY_ARN, context: { 'kms:ReplicaRegion': 'us-west-2' } });
    expect(replicate(SINGLE)).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
    expect(replicate(REPLICA)).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
    expect(replicate(SINGLE).keyStateError).toMatch(/^UnsupportedOperationException: .*single-Region/);
    expect(replicate(PRIMARY).decidedBy).not.toBe('key-state');
  });

  it('imported key material: rotated on demand in a single-Region key, never automatically, and not on demand in a multi-Region key', () => {
    const ask = (m: Record<string, unknown>, action: string) => evaluator({ ...m, Origin: 'EXTERNAL' }).evaluate({ action, principal: ROLE, keyArn: KEY_ARN });
    // On demand, it also needs new key material imported already, which no input records: unknown.
    expect(ask(SINGLE, 'kms:RotateKeyOnDemand').decision).toBe('unknown');
    expect(ask(PRIMARY, 'kms:RotateKeyOnDemand')).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
    for (const m of [SINGLE, PRIMARY]) {
      const d = ask(m, 'kms:EnableKeyRotation');
      expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
      expect(d.keyStateError).toMatch(/automatic rotation needs AWS_KMS key material/);
    }
    // A key in a custom key store rotates neither way.
    const hsm = evaluator({ ...SINGLE, Origin: 'AWS_CLOUDHSM' }).evaluate({ action: 'kms:RotateKeyOnDemand', principal: ROLE, keyArn: KEY_ARN });
    expect(hsm).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
  });

  it('UpdatePrimaryRegion: a key-state deny on a single-Region key (no replica to make primary); who-can leaves it out there', () => {
    const d = evaluator(SINGLE).evaluate({
      action: 'kms:UpdatePrimaryRegion',
      principal: ROLE,
      keyArn: KEY_ARN,
      context: { 'kms:PrimaryRegion': 'us-west-2' },
    });
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
    expect(d.keyStateError).toMatch(/^UnsupportedOperationException: UpdatePrimaryRegion needs a multi-Region primary key/);
    expect(evaluator(PRIMARY).evaluate({ action: 'kms:UpdatePrimaryRegion', principal: ROLE, keyArn: KEY_ARN }).decidedBy).not.toBe('key-state');
  });

  it('UpdatePrimaryRegion is called on the primary key: on a replica it fails, and the replica it makes primary is still asked as its companion', () => {
    const ID = 'mrk-1234abcd12ab34cd56ef1234567890ab';
    const policy = { Version: '2012-10-17', Statement: [{ Sid: 'All', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', Resource: '*' }] };
    const mrk = (region: string, type: string) =>
      delegatingKey({
        KeyMetadata: {
          Arn: `arn:aws:kms:${region}:111122223333:key/${ID}`,
          KeyId: ID,
          AWSAccountId: '111122223333',
          KeyState: 'Enabled',
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeySpec: 'SYMMETRIC_DEFAULT',
          MultiRegion: true,
          MultiRegionConfiguration: { MultiRegionKeyType: type },
        },
        Tags: [],
        Policy: policy,
      });
    const ev = new Evaluator(
      parseSnapshot(
        { kmsWhySnapshot: 1, keys: [mrk('us-east-1', 'PRIMARY'), mrk('us-west-2', 'REPLICA')], principals: [{ Arn: ROLE, IdentityPolicies: [] }] },
        's.json',
      ),
    );
    const ask = (region: string, primaryRegion: string) =>
      ev.evaluate({
        action: 'kms:UpdatePrimaryRegion',
        principal: ROLE,
        keyArn: `arn:aws:kms:${region}:111122223333:key/${ID}`,
        context: { 'kms:PrimaryRegion': primaryRegion },
      });
    expect(ask('us-east-1', 'us-west-2').decision).toBe('allow');
    const onReplica = ask('us-west-2', 'us-east-1');
    expect(onReplica).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
    expect(onReplica.keyStateError).toMatch(/is a replica key/);
    // Called on the replica with its own Region as the new primary: still a call on a replica key.
    const ownRegion = ask('us-west-2', 'us-west-2');
    expect(ownRegion).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
    expect(ownRegion.keyStateError).toMatch(/is a replica key/);
    // The replica's side of a call on the primary is asked of the replica, and not refused there.
    const part = ask('us-east-1', 'us-west-2');
    expect(part.trace.some((t) => t.step === 'key-state' && t.answer === 'no')).toBe(false);
  });

  it('rotation: a key-state deny on a replica key only', () => {
    for (const action of ['kms:EnableKeyRotation', 'kms:DisableKeyRotation', 'kms:RotateKeyOnDemand']) {
      expect(evaluator(REPLICA).evaluate({ action, principal: ROLE, keyArn: KEY_ARN })).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
      expect(evaluator(PRIMARY).evaluate({ action, principal: ROLE, keyArn: KEY_ARN }).decision).toBe('allow');
      expect(evaluator(SINGLE).evaluate({ action, principal: ROLE, keyArn: KEY_ARN }).decision).toBe('allow');
    }
  });

  it('a multi-Region key without MultiRegionConfiguration may be a replica: what fails on a replica is unknown, and says why', () => {
    const NO_CONFIG = { MultiRegion: true };
    const ev = evaluator(NO_CONFIG);
    const ask = (action: string) => ev.evaluate({ action, principal: ROLE, keyArn: KEY_ARN, context: { 'kms:ReplicaRegion': 'us-west-2' } });
    for (const action of ['kms:ReplicateKey', 'kms:EnableKeyRotation', 'kms:DisableKeyRotation', 'kms:RotateKeyOnDemand', 'kms:UpdatePrimaryRegion']) {
      const d = ask(action);
      expect(d.decision, action).toBe('unknown');
      expect(
        d.unreadable.map((u) => u.what),
        action,
      ).toContain(`whether ${KEY_ARN} is a multi-Region primary or replica key`);
      expect(
        d.hints.some((h) => h.kind === 'unreadable' && h.decides && /MultiRegionConfiguration/.test(h.reason)),
        action,
      ).toBe(true);
      expect(d.trace.find((t) => t.step === 'key-state')?.answer, action).toBe('unknown');
    }
    // What works on a primary and a replica alike is not affected.
    for (const action of ['kms:Encrypt', 'kms:PutKeyPolicy']) {
      const d = ask(action);
      expect(d.decision, action).toBe('allow');
      expect(d.unreadable, action).toEqual([]);
    }
    // A request nothing authorizes is denied whatever the key's type, and says it holds whatever that is.
    const other = evaluator(NO_CONFIG).evaluate({ action: 'kms:EnableKeyRotation', principal: 'arn:aws:iam::111122223333:role/other', keyArn: KEY_ARN });
    expect(other.decision).toBe('deny');
    expect(other.hints.some((h) => h.kind === 'unreadable' && !h.decides)).toBe(true);
  });

  it('on-demand rotation of imported key material turns on key material no input records: unknown, with the reason', () => {
    const d = evaluator({ ...SINGLE, Origin: 'EXTERNAL' }).evaluate({ action: 'kms:RotateKeyOnDemand', principal: ROLE, keyArn: KEY_ARN });
    expect(d.decision).toBe('unknown');
    expect(d.unreadable).toHaveLength(1);
    expect(d.unreadable[0]!.what).toBe(`whether new key material is imported into ${KEY_ARN} for on-demand rotation`);
    expect(d.unreadable[0]!.reason).toMatch(/PENDING_ROTATION/);
    // Other operations on the key are decided as before.
    expect(evaluator({ ...SINGLE, Origin: 'EXTERNAL' }).evaluate({ action: 'kms:Encrypt', principal: ROLE, keyArn: KEY_ARN }).decision).toBe('allow');
  });

  it('who-can agrees with check on the actions whose outcome the metadata leaves open', () => {
    for (const m of [{ MultiRegion: true }, { ...SINGLE, Origin: 'EXTERNAL' }]) {
      const ev = evaluator(m);
      const snap = ev.snapshot;
      const k = whoCan(snap, snap.keys).keys[0]!;
      k.actions.forEach((a, ai) => {
        const i = k.principals.findIndex((p) => p.arn === ROLE);
        const e = k.access[i]![ai] ?? null;
        const check = ev.evaluate(whoCanRequest(snap.keys[0]!, a, ROLE)).decision;
        const access = e === null ? 'deny' : e.access === 'allow' && k.keyStateErrors[ai] !== undefined ? 'deny' : e.access;
        expect(access, `${JSON.stringify(m)} ${a.name}`).toBe(check);
      });
    }
  });

  it('who-can leaves ReplicateKey and UpdatePrimaryRegion out of a single-Region key’s default actions; on a replica, which UpdatePrimaryRegion asks too, it stays', () => {
    const key = (m: Record<string, unknown>) => evaluator(m).snapshot.keys[0]!;
    for (const a of ['ReplicateKey', 'UpdatePrimaryRegion']) {
      expect(defaultActions(key(SINGLE)).map((x) => x.short)).not.toContain(a);
      expect(defaultActions(key(PRIMARY)).map((x) => x.short)).toContain(a);
    }
    expect(keyUsageError(findAction('kms:UpdatePrimaryRegion')!, key(REPLICA).metadata)).toBeUndefined();
  });
});
