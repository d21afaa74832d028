// Condition keys every request of an action carries though the request may not name them: the
// defaults of optional parameters (RotationPeriodInDays 365, PendingWindowInDays 30,
// BypassPolicyLockoutSafetyCheck false, ExpirationModel KEY_MATERIAL_EXPIRES, CreateKey's KeySpec
// SYMMETRIC_DEFAULT …), taken with the assumption requestParameterDefaults, and
// kms:TrailingDaysWithoutKeyUsage, which KMS fills from the key's last use: unknown. Read as absent,
// a Deny on them was skipped (a confident allow) and an Allow on them failed (a confident deny).
import { describe, expect, it } from 'vitest';
import { whoCan } from '../../src/analyses/who-can.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { findAction } from '../../src/model/actions.js';
import type { Decision } from '../../src/model/decision.js';
import type { Request } from '../../src/model/request.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT as A, KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROLE = `arn:aws:iam::${A}:role/app`;
const CALLER = `arn:aws:sts::${A}:assumed-role/app/s1`;
type St = Record<string, unknown>;

const allowAll: St = { Sid: 'App', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', Resource: '*' };
const deny = (sid: string, action: string, condition: St): St => ({
  Sid: sid,
  Effect: 'Deny',
  Principal: '*',
  Action: action,
  Resource: '*',
  Condition: condition,
});
const allow = (sid: string, action: string, condition: St): St => ({
  Sid: sid,
  Effect: 'Allow',
  Principal: { AWS: ROLE },
  Action: action,
  Resource: '*',
  Condition: condition,
});

function evaluator(statements: St[], metadata: St = {}, identity: St[] = []): Evaluator {
  const principals = [
    { Arn: ROLE, IdentityPolicies: identity.length > 0 ? [{ PolicyName: 'p', Document: { Version: '2012-10-17', Statement: identity } }] : [] },
  ];
  return new Evaluator(parseSnapshot(oneKeySnapshot({ Policy: { Version: '2012-10-17', Statement: statements } }, principals, metadata), 'defaults.json'));
}

const ask = (ev: Evaluator, action: string, extra: Partial<Request> = {}): Decision =>
  ev.evaluate({ action, principal: CALLER, ...(action === 'kms:CreateKey' ? {} : { keyArn: KEY_ARN }), ...extra });

describe('kms:TrailingDaysWithoutKeyUsage, which KMS fills from the key last use', () => {
  const ev = evaluator([allowAll, deny('NoDeleteRecentlyUsed', 'kms:ScheduleKeyDeletion', { NumericLessThan: { 'kms:TrailingDaysWithoutKeyUsage': '90' } })]);
  it('makes a Deny on it unknown, naming --condition, for ScheduleKeyDeletion and DisableKey', () => {
    const d = ask(ev, 'kms:ScheduleKeyDeletion');
    expect(d.decision).toBe('unknown');
    expect(d.missingContext).toContain('kms:TrailingDaysWithoutKeyUsage');
    expect(d.hints).toContainEqual(expect.objectContaining({ kind: 'underivable-decides', supply: '--condition kms:TrailingDaysWithoutKeyUsage=90' }));
    const ev2 = evaluator([allowAll, deny('D', 'kms:DisableKey', { NumericLessThan: { 'kms:TrailingDaysWithoutKeyUsage': '90' } })]);
    expect(ask(ev2, 'kms:DisableKey').decision).toBe('unknown');
  });
  it('is decided once given, and absent from other actions', () => {
    expect(ask(ev, 'kms:ScheduleKeyDeletion', { context: { 'kms:TrailingDaysWithoutKeyUsage': '3' } })).toMatchObject({
      decision: 'deny',
      decidedBy: 'explicit-deny',
    });
    expect(ask(ev, 'kms:ScheduleKeyDeletion', { context: { 'kms:TrailingDaysWithoutKeyUsage': '400' } }).decision).toBe('allow');
    const ev3 = evaluator([allowAll, deny('D', 'kms:*', { NumericLessThan: { 'kms:TrailingDaysWithoutKeyUsage': '90' } })]);
    expect(ask(ev3, 'kms:EnableKey').decision).toBe('allow');
  });
});

describe('an optional request parameter the request does not name has its default', () => {
  const cases: Array<[string, St, 'allow' | 'deny']> = [
    ['kms:EnableKeyRotation', { NumericGreaterThan: { 'kms:RotationPeriodInDays': '180' } }, 'deny'],
    ['kms:ScheduleKeyDeletion', { NumericLessThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '30' } }, 'allow'],
    ['kms:PutKeyPolicy', { Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'false' } }, 'deny'],
  ];
  for (const [action, condition, verdict] of cases) {
    it(`a Deny on ${Object.keys(Object.values(condition)[0] as St)[0]} is read against the default (${action})`, () => {
      const d = ask(evaluator([allowAll, deny('D', action, condition)]), action);
      expect(d.decision).toBe(verdict);
      expect(d.assumptions).toContain('requestParameterDefaults');
    });
  }
  it('an Allow on the default holds, one on another value needs --condition', () => {
    const ev = evaluator([
      allow('Rotation', 'kms:EnableKeyRotation', { NumericLessThanEquals: { 'kms:RotationPeriodInDays': '365' } }),
      allow('Window', 'kms:ScheduleKeyDeletion', { NumericGreaterThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '30' } }),
      allow('Policy', 'kms:PutKeyPolicy', { Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'false' } }),
    ]);
    for (const a of ['kms:EnableKeyRotation', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy']) expect(ask(ev, a).decision, a).toBe('allow');
    expect(ask(ev, 'kms:ScheduleKeyDeletion', { context: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '7' } }).decision).toBe('deny');
    expect(ask(ev, 'kms:EnableKeyRotation', { context: { 'kms:RotationPeriodInDays': '730' } }).assumptions).not.toContain('requestParameterDefaults');
  });
  it('no assumption is recorded when no condition reads a defaulted key', () => {
    expect(ask(evaluator([allowAll]), 'kms:EnableKeyRotation').assumptions).not.toContain('requestParameterDefaults');
  });
});

describe('ImportKeyMaterial: ExpirationModel defaults to KEY_MATERIAL_EXPIRES, which requires a ValidTo', () => {
  const external = { Origin: 'EXTERNAL', KeyState: 'PendingImport', Enabled: false };
  const ev = evaluator(
    [
      allowAll,
      deny('NoLongMaterial', 'kms:ImportKeyMaterial', {
        StringEquals: { 'kms:ExpirationModel': 'KEY_MATERIAL_EXPIRES' },
        DateGreaterThan: { 'kms:ValidTo': '2027-01-01T00:00:00Z' },
      }),
    ],
    external,
  );
  it('a Deny on ValidTo is unknown until the request says', () => {
    const d = ask(ev, 'kms:ImportKeyMaterial');
    expect(d.decision).toBe('unknown');
    expect(d.missingContext).toContain('kms:ValidTo');
    expect(ask(ev, 'kms:ImportKeyMaterial', { context: { 'kms:ValidTo': '2028-01-01T00:00:00Z' } }).decision).toBe('deny');
    expect(ask(ev, 'kms:ImportKeyMaterial', { context: { 'kms:ValidTo': '2026-06-01T00:00:00Z' } }).decision).toBe('allow');
  });
  it('material that does not expire has no ValidTo', () => {
    expect(ask(ev, 'kms:ImportKeyMaterial', { context: { 'kms:ExpirationModel': 'KEY_MATERIAL_DOES_NOT_EXPIRE' } }).decision).toBe('allow');
  });
});

describe('CreateKey: KeySpec SYMMETRIC_DEFAULT and the other defaults of the request', () => {
  const identity: St[] = [
    { Sid: 'Symmetric', Effect: 'Allow', Action: 'kms:CreateKey', Resource: '*', Condition: { StringEquals: { 'kms:KeySpec': 'SYMMETRIC_DEFAULT' } } },
    { Sid: 'NoMrk', Effect: 'Deny', Action: 'kms:CreateKey', Resource: '*', Condition: { Bool: { 'kms:MultiRegion': 'true' } } },
  ];
  const ev = evaluator([allowAll], {}, identity);
  it("allows a request without a KeySpec (AWS's own example), saying it assumed the default", () => {
    const d = ask(ev, 'kms:CreateKey');
    expect(d.decision).toBe('allow');
    expect(d.assumptions).toContain('requestParameterDefaults');
    expect(ask(ev, 'kms:CreateKey', { context: { 'kms:KeySpec': 'RSA_2048' } }).decision).toBe('deny');
    expect(ask(ev, 'kms:CreateKey', { context: { 'kms:MultiRegion': 'true' } }).decision).toBe('deny');
  });
  it('KeyUsage defaults only for a symmetric key; another key spec needs it', () => {
    const usage = evaluator([allowAll], {}, [
      { Sid: 'Enc', Effect: 'Allow', Action: 'kms:CreateKey', Resource: '*', Condition: { StringEquals: { 'kms:KeyUsage': 'ENCRYPT_DECRYPT' } } },
    ]);
    expect(ask(usage, 'kms:CreateKey').decision).toBe('allow');
    expect(ask(usage, 'kms:CreateKey', { context: { 'kms:KeySpec': 'RSA_2048' } }).decision).toBe('unknown');
    expect(ask(usage, 'kms:CreateKey', { context: { 'kms:CustomerMasterKeySpec': 'RSA_2048', 'kms:KeyUsage': 'SIGN_VERIFY' } }).decision).toBe('deny');
  });
  it("ReplicateKey's CreateKey does not take CreateKey's defaults (the replica's properties are undocumented there)", () => {
    const mrk = evaluator([allowAll], { MultiRegion: true, MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY' } }, [
      { Sid: 'Mrk', Effect: 'Allow', Action: 'kms:CreateKey', Resource: '*', Condition: { Bool: { 'kms:MultiRegion': 'true' } } },
    ]);
    expect(ask(mrk, 'kms:ReplicateKey', { context: { 'kms:ReplicaRegion': 'us-west-2' } }).decision).toBe('unknown');
  });
});

describe('who-can agrees', () => {
  it('lists the role as unknown for the Deny on kms:TrailingDaysWithoutKeyUsage, conditional for the rotation period', () => {
    const snap = parseSnapshot(
      oneKeySnapshot(
        {
          Policy: {
            Version: '2012-10-17',
            Statement: [
              allowAll,
              deny('NoDeleteRecentlyUsed', 'kms:DisableKey', { NumericLessThan: { 'kms:TrailingDaysWithoutKeyUsage': '90' } }),
              deny('RotationAtMost180', 'kms:EnableKeyRotation', { NumericGreaterThan: { 'kms:RotationPeriodInDays': '180' } }),
            ],
          },
        },
        [{ Arn: ROLE, IdentityPolicies: [] }],
      ),
      'who.json',
    );
    const actions = ['kms:DisableKey', 'kms:EnableKeyRotation', 'kms:EnableKey'].map((a) => findAction(a)!);
    const k = whoCan(snap, snap.keys, { actions }).keys[0]!;
    const row = k.access[k.principals.findIndex((p) => p.arn === ROLE)]!;
    const access = (a: string) => row[k.actions.findIndex((x) => x.name === a)]?.access ?? null;
    expect(access('kms:DisableKey')).toBe('unknown');
    expect(access('kms:EnableKeyRotation')).toBe('conditional');
    expect(access('kms:EnableKey')).toBe('allow');
  });
});
