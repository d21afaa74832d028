// UpdateAlias away from a key pending deletion succeeds (the key-state table of the KMS Developer
// Guide: UpdateAlias fails only when the new key is pending deletion). The permission kms-why asks
// on the key the alias points to now is authorization only: its walk has no key-state step, no
// hint says the request fails, and the "decides" marker is on a step of the request's own walk.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { decidingIndex } from '../../src/report/explain.js';
import { hintText, phraseDecision } from '../../src/report/phrases.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT, delegatingKey } from '../helpers/snapshot-doc.js';

const APP = `arn:aws:iam::${ACCOUNT}:role/app`;
const keyArn = (id: string) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}`;
const OLD = keyArn('1234abcd-12ab-34cd-56ef-1234567890ab');
const NEW = keyArn('bbbbbbbb-12ab-34cd-56ef-1234567890ab');

function key(arn: string, state: string, aliases: string[], extra: unknown[] = []) {
  const k = delegatingKey({ Tags: [], Aliases: aliases });
  const policy = k.Policy as { Statement: unknown[] };
  k.Policy = { ...policy, Statement: [...policy.Statement, ...extra] };
  k.KeyMetadata = { ...(k.KeyMetadata as Record<string, unknown>), Arn: arn, KeyId: arn.split('/')[1], KeyState: state, Enabled: state === 'Enabled' };
  return k;
}

function snapshot(oldState: string, newState: string, oldExtra: unknown[] = []) {
  return parseSnapshot(
    {
      kmsWhySnapshot: 1,
      keys: [key(OLD, oldState, ['alias/app'], oldExtra), key(NEW, newState, [])],
      principals: [
        {
          Arn: APP,
          IdentityPolicies: [{ PolicyName: 'p', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }],
        },
      ],
    },
    'snap.json',
  );
}

const request = { action: 'kms:UpdateAlias', principal: APP, keyArn: NEW, aliasArn: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app` };

describe('UpdateAlias away from a key pending deletion', () => {
  it('is allowed, and nothing in the report says it fails', () => {
    const d = new Evaluator(snapshot('PendingDeletion', 'Enabled')).evaluate(request);
    expect(d.decision).toBe('allow');
    expect(d.trace.filter((t) => t.step === 'key-state').map((t) => t.answer)).toEqual(['yes']);
    expect(d.hints.map(hintText).some((h) => /KMSInvalidStateException|fails/.test(h))).toBe(false);
    expect(d.assumptions).not.toContain('keyStateOrder');
    const r = phraseDecision(d);
    const i = decidingIndex(r);
    expect(i).toBeGreaterThan(0);
    expect(d.trace[i]!.within).toBeUndefined();
  });

  it('to a key pending deletion still fails, on that key', () => {
    const d = new Evaluator(snapshot('Enabled', 'PendingDeletion')).evaluate(request);
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
    expect(d.keyStateError).toBe(`KMSInvalidStateException: ${NEW} is pending deletion.`);
  });

  it('a further permission that an explicit Deny refuses carries the "decides" marker', () => {
    const s = snapshot('Enabled', 'Enabled', [{ Sid: 'NoMove', Effect: 'Deny', Principal: '*', Action: 'kms:UpdateAlias', Resource: '*' }]);
    const d = new Evaluator(s).evaluate(request);
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'explicit-deny' });
    const i = decidingIndex(phraseDecision(d));
    expect(d.trace[i]).toMatchObject({ step: 'explicit-deny', answer: 'yes' });
    expect(d.trace[i]!.within?.[0]).toMatchObject({ kind: 'alias-current-key' });
  });
});
