// Key metadata for tests that build keys in code: an enabled symmetric customer managed key.
import type { KeyMetadata } from '../../src/model/key.js';

/** An enabled symmetric customer managed key with this ARN (its account and Region read from it). */
export function enabledKeyMetadata(arn: string): KeyMetadata {
  const [, partition, , region, account, resource] = arn.split(':');
  return {
    keyId: resource!.split('/')[1]!,
    arn,
    account: account!,
    region: region!,
    partition: partition!,
    keyState: 'Enabled',
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    origin: 'AWS_KMS',
    keyManager: 'CUSTOMER',
    multiRegion: false,
  };
}
