import type { Grant } from './grant.js';
import type { Policy } from './policy.js';
import type { Unknowable, UnknownInput } from './unknown.js';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingReplicaDeletion' | 'PendingImport' | 'Unavailable' | 'Creating' | 'Updating';

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
  /**
   * The members a snapshot file left out whose documented default kms-why took (docs/snapshot.md:
   * KeyManager CUSTOMER, Origin AWS_KMS, MultiRegion false): a verdict one of them decides says so.
   */
  defaulted?: DefaultedKeyField[];
}

/** A KeyMetadata member a snapshot file may leave out, taking kms-why's default. */
export type DefaultedKeyField = 'KeyManager' | 'Origin' | 'MultiRegion';

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
   * Set when nothing said what the key's tags are (a snapshot entry without `Tags`, AWS CLI outputs
   * without list-resource-tags): aws:ResourceTag conditions are unknown where one is read, as
   * kms:ResourceAliases is without aliases; unlike tagsUnknown, a verdict no such condition
   * decides does not list it.
   */
  tagsAbsent?: UnknownInput;
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
  /**
   * Set when `grants` is only part of the key's grants: the live check of one principal on a key
   * with more than one ListGrants page reads the first page and then only the grants to that
   * principal's grantee forms (and the grant named by --grant-id). Such a list answers for the
   * principals it covers and for no one else.
   */
  grantsPartial?: PartialGrants;
}

/** What a grant list read in part holds (`Key.grantsPartial`). */
export interface PartialGrants {
  /** How many grants the first, unfiltered ListGrants page held (the key has more). */
  firstPage: number;
  /** GranteePrincipal values whose every grant is in the list (ListGrants filtered by GranteePrincipal). */
  granteePrincipals: string[];
  /** Grant ids whose grant is in the list when it exists (ListGrants filtered by GrantId). */
  grantIds: string[];
  /**
   * The key's whole grant list, as an unknown input: what everything that needs every grant
   * (who-can, the grants audit, a principal the list does not cover) must take the grants to be.
   */
  whole: UnknownInput;
}

/**
 * The key's whole list of grants, or why it is not known. A list read in part is not the whole
 * list: who-can and the grants audit, which need every grant, take it as unknown.
 */
export function everyGrant(key: Key): Unknowable<Grant[]> {
  return key.grantsPartial !== undefined ? key.grantsPartial.whole : key.grants;
}
