// On a key the key state fails (Disabled), who-can reports each principal's authorization path as
// check gives it on the key in a working state: the account root through the account statement is
// "key-policy-and-iam" in both states, so a diff of the key being disabled invents no change.
import { describe, expect, it } from 'vitest';
import { diffWhoCan } from '../../src/analyses/diff.js';
import { whoCan } from '../../src/analyses/who-can.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { findAction } from '../../src/model/actions.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROOT = 'arn:aws:iam::111122223333:root';
const snapshot = (keyState: string) => parseSnapshot(oneKeySnapshot({}, [], { KeyState: keyState, Enabled: keyState === 'Enabled' }), 'snap.json');

describe('who-can on a disabled key', () => {
  it('gives the root the path check gives it, and a diff of disabling the key finds no changed path', () => {
    const enabled = snapshot('Enabled');
    const disabled = snapshot('Disabled');
    const d = new Evaluator(disabled).evaluate({ action: 'kms:Decrypt', principal: ROOT, keyArn: KEY_ARN });
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state', authorization: 'allow', authorizedBy: 'key-policy-and-iam' });
    const actions = [findAction('kms:Decrypt')!];
    const before = whoCan(enabled, enabled.keys, { actions });
    const after = whoCan(disabled, disabled.keys, { actions });
    const rootRow = (r: typeof before) => r.keys[0]!.access[r.keys[0]!.principals.findIndex((p) => p.arn === ROOT)]!;
    expect(rootRow(after)[0]?.decidedBy).toBe('key-policy-and-iam');
    expect(rootRow(after)[0]?.decidedBy).toBe(rootRow(before)[0]?.decidedBy);
    expect(diffWhoCan(before, after).changes.map((c) => `${c.change} ${c.principal}`)).toEqual([]);
  });
});
