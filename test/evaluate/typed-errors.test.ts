// The evaluator throws facts: a request it cannot take is a RequestError whose problem is data
// (model/errors.ts phrases it, in the words the command line has always printed), and a hint's
// change that cannot be applied says why with a closed reason and the ARN.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { applyEdits, EditNotApplicable, type HintEdit } from '../../src/evaluate/hint-edits.js';
import { RequestError } from '../../src/model/errors.js';
import type { Grant } from '../../src/model/grant.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { isUnknown, unknownInput } from '../../src/model/unknown.js';
import { scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';

const casesFile = fileURLToPath(new URL('../../fixtures/cases/j-alias.json', import.meta.url));
const c = (JSON.parse(readFileSync(casesFile, 'utf8')) as ScenarioCase[])[0]!;
const { snapshot, request } = scenarioToInput(c, 'j-alias.json');

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('RequestError', () => {
  it('a key the snapshot lacks: the key and every key it has, as data; the message and hint as before', () => {
    const e = thrown(() => new Evaluator(snapshot).evaluate({ ...request, action: 'kms:Decrypt', keyArn: undefined, keyIdentifier: 'alias/nope' }));
    expect(e).toBeInstanceOf(RequestError);
    const err = e as RequestError;
    const keys = snapshot.keys.map((k) => [k.metadata.arn, ...k.aliases]);
    expect(keys.length).toBeGreaterThan(0);
    expect(err.problem).toEqual({ kind: 'key-not-in-snapshot', key: 'alias/nope', snapshotKeys: keys });
    expect(err.fault).toBe('input');
    expect(err.name).toBe('InputError');
    expect(err.message).toBe('key "alias/nope" is not in the snapshot');
    expect(err.hint).toBe(`The snapshot has: ${keys.map((k) => k.join(' / ')).join('; ')}.`);
  });

  it('an unknown action, a principal that is not an ARN, a unique id, a key action without a key', () => {
    const ev = new Evaluator(snapshot);
    const problem = (f: () => unknown): unknown => (thrown(f) as RequestError).problem;
    expect(problem(() => ev.evaluate({ ...request, action: 'kms:Nope' }))).toEqual({ kind: 'unknown-action', action: 'kms:Nope' });
    expect(problem(() => ev.evaluate({ ...request, principal: 'not-an-arn' }))).toEqual({ kind: 'invalid-principal', principal: 'not-an-arn' });
    expect(problem(() => ev.evaluate({ ...request, principal: 'AROAEXAMPLE1234567890' }))).toEqual({ kind: 'unique-id', principal: 'AROAEXAMPLE1234567890' });
    expect(problem(() => ev.evaluate({ ...request, action: 'kms:Decrypt', keyArn: undefined, keyIdentifier: undefined }))).toEqual({
      kind: 'no-key',
      action: 'kms:Decrypt',
    });
    expect((thrown(() => ev.evaluate({ ...request, action: 'kms:Decrypt', keyArn: undefined })) as Error).message).toBe('kms:Decrypt needs a key (--key)');
  });
});

describe('EditNotApplicable', () => {
  const key = snapshot.keys[0]!;
  const grant: Grant = {
    grantId: 'g-1',
    keyArn: key.metadata.arn,
    granteePrincipal: request.principal,
    operations: ['Decrypt'],
    issuingAccount: key.metadata.account,
    state: 'active',
  };
  const reasonOf = (s: Snapshot, edits: HintEdit[]): unknown => {
    const e = thrown(() => applyEdits(s, edits));
    expect(e).toBeInstanceOf(EditNotApplicable);
    return { reason: (e as EditNotApplicable).reason, arn: (e as EditNotApplicable).arn };
  };

  it('a grant added to a key whose grants could not be read: grants-unreadable, with the key', () => {
    const unread: Snapshot = { ...snapshot, keys: [{ ...key, grants: unknownInput('grants', 'AccessDenied') }] };
    expect(reasonOf(unread, [{ kind: 'add-grant', keyArn: key.metadata.arn, grant }])).toEqual({ reason: 'grants-unreadable', arn: key.metadata.arn });
  });

  it("a statement added to an AWS managed key's policy, which nobody can change: aws-managed-key-policy, with the key", () => {
    if (isUnknown(key.policy)) throw new Error('the fixture key has a policy');
    const managed: Snapshot = { ...snapshot, keys: [{ ...key, metadata: { ...key.metadata, keyManager: 'AWS' } }] };
    const statement = { ...key.policy.statements[0]!, sid: 'Extra' };
    expect(reasonOf(managed, [{ kind: 'add-statement', policy: key.policy, statement }])).toEqual({ reason: 'aws-managed-key-policy', arn: key.metadata.arn });
  });

  it('a grant added to a key the snapshot lacks: input-missing; a policy attached to a principal it lacks: principal-missing', () => {
    expect(reasonOf(snapshot, [{ kind: 'add-grant', keyArn: `${key.metadata.arn}-other`, grant }])).toEqual({ reason: 'input-missing', arn: undefined });
    const who = 'arn:aws:iam::999999999999:role/Nobody';
    const statement = key.policy && 'statements' in key.policy ? key.policy.statements[0]! : undefined;
    expect(statement).toBeDefined();
    if (statement === undefined) return;
    expect(reasonOf(snapshot, [{ kind: 'attach-identity-policy', principal: who, statement }])).toEqual({ reason: 'principal-missing', arn: who });
  });
});
