// EnableKeyRotation and DisableKeyRotation in the key-state table of the KMS Developer Guide ("Key
// states of AWS KMS keys"): on a PendingImport key (origin EXTERNAL) they fail with
// UnsupportedOperationException [6], on an Unavailable key (in a custom key store) with
// UnsupportedOperationException [7]; a Disabled key still gives DisabledException [1].
import { describe, expect, it } from 'vitest';
import { findAction } from '../../src/model/actions.js';
import type { KeyMetadata } from '../../src/model/key.js';
import { keyStateError } from '../../src/model/key-state.js';
import { enabledKeyMetadata } from '../helpers/keys.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const key = (over: Partial<KeyMetadata>): KeyMetadata => ({ ...enabledKeyMetadata(ARN), ...over });

describe('automatic rotation and the key state', () => {
  it.each(['kms:EnableKeyRotation', 'kms:DisableKeyRotation'])('%s', (name) => {
    const a = findAction(name)!;
    expect(keyStateError(a, key({ keyState: 'PendingImport', origin: 'EXTERNAL' }))).toBe(
      `UnsupportedOperationException: ${ARN} origin is EXTERNAL which is not valid for this operation.`,
    );
    expect(keyStateError(a, key({ keyState: 'Unavailable', origin: 'AWS_CLOUDHSM' }))).toMatch(/^UnsupportedOperationException: .* custom key store/);
    expect(keyStateError(a, key({ keyState: 'Disabled' }))).toBe(`DisabledException: ${ARN} is disabled.`);
    expect(keyStateError(a, key({ keyState: 'PendingDeletion' }))).toBe(`KMSInvalidStateException: ${ARN} is pending deletion.`);
  });
});
