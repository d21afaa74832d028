import type { Grant } from './grant.js';
import type { Policy } from './policy.js';
import type { Unknowable, UnknownInput } from './unknown.js';

export type KeyState =
  | 'Enabled'
  | 'Disabled'
  | 'PendingDeletion'
  | 'PendingReplicaDeletion'
  | 'PendingImport'
  | 'Unavailable'
  | 'Creating'
  | 'Updating';

export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';

export interface KeyMetadata {
  keyId: string;
  arn: string;
  account: string;
  region: string;
  partition: string;
  keyState: KeyState;
  keySpec: string;
  keyUsage: KeyUsage;
  origin: string;
  keyManager: 'CUSTOMER' | 'AWS';
  multiRegion: boolean;
  multiRegionKeyType?: 'PRIMARY' | 'REPLICA';
  description?: string;
}

export interface Key {
  metadata: KeyMetadata;
  /** Alias names, e.g. `alias/app` (case-sensitive). */
  aliases: string[];
  /** Tags by key; tag keys compare case-insensitively in aws:ResourceTag. */
  tags: Record<string, string>;
  /**
   * Set when the key's tags could not be read (ListResourceTags denied): `tags` is then empty and
   * aws:ResourceTag conditions must be treated as unknown, not as "tag absent".
   */
  tagsUnknown?: UnknownInput;
  /**
   * Set when the key's aliases could not be read (ListAliases failed, or a snapshot entry without
   * `Aliases`): kms:ResourceAliases is then unknown, not "no aliases".
   */
  aliasesUnknown?: UnknownInput;
  policy: Unknowable<Policy>;
  /**
   * Set when DescribeKey could not be read: `metadata` then holds only what the ARN says, and the
   * key's state, spec, usage and origin are unknown.
   */
  metadataUnknown?: UnknownInput;
  grants: Unknowable<Grant[]>;
}
