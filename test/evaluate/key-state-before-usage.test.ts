// Where both the key state and the key's type refuse an operation (Sign on a disabled symmetric
// encryption key), which error KMS returns is not documented: kms-why reports the key-state error
// and says so (assumption keyStateBeforeUsage); only then.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT, KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const ev = (state: string) => new Evaluator(parseSnapshot(oneKeySnapshot({}, [], { KeyState: state, Enabled: state === 'Enabled' }), 'snap.json'));

describe('the key state and the key type both refusing an operation', () => {
  it('reports the key-state error with the assumption', () => {
    const d = ev('Disabled').evaluate({ action: 'kms:Sign', principal: ROOT, keyArn: KEY_ARN });
    expect(d.keyStateError).toBe(`DisabledException: ${KEY_ARN} is disabled.`);
    expect(d.assumptions).toContain('keyStateBeforeUsage');
  });

  it('makes no such assumption when only one of them refuses', () => {
    expect(ev('Disabled').evaluate({ action: 'kms:Decrypt', principal: ROOT, keyArn: KEY_ARN }).assumptions).not.toContain('keyStateBeforeUsage');
    const usageOnly = ev('Enabled').evaluate({ action: 'kms:Sign', principal: ROOT, keyArn: KEY_ARN });
    expect(usageOnly.keyStateError).toMatch(/^InvalidKeyUsageException/);
    expect(usageOnly.assumptions).not.toContain('keyStateBeforeUsage');
  });
});
