// Pieces of a snapshot file (the public contract), shared by tests that need a plain account:
// one enabled symmetric customer managed key whose key policy delegates to the account.
export const ACCOUNT = '111122223333';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;

/** The key entry, as a snapshot file writes it; `extra` adds or replaces members (Tags, Grants…). */
export function delegatingKey(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    KeyMetadata: {
      Arn: KEY_ARN,
      KeyId: KEY_ID,
      AWSAccountId: ACCOUNT,
      KeyState: 'Enabled',
      KeyManager: 'CUSTOMER',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      MultiRegion: false,
      Origin: 'AWS_KMS',
    },
    Aliases: [],
    Policy: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'Delegate', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
    },
    Grants: [],
    ...extra,
  };
}

/**
 * A snapshot of that one key and `principals`: `members` replace the key entry's own (Policy,
 * Grants …; Tags are [] unless given), `metadata` the KeyMetadata members it names.
 */
export function oneKeySnapshot(members: Record<string, unknown>, principals: unknown[] = [], metadata: Record<string, unknown> = {}): Record<string, unknown> {
  const key = delegatingKey({ Tags: [], ...members });
  key.KeyMetadata = { ...(key.KeyMetadata as Record<string, unknown>), ...metadata };
  return { kmsWhySnapshot: 1, keys: [key], principals };
}
