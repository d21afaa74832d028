// Every KMS action with how it is authorized (docs/semantics.md#action-classes, from the KMS API model and the Service
// Authorization Reference), its grant operation, and what key state and key usage it needs (docs/semantics.md#key-state-and-usage).

/**
 * - `key`: a KMS-key resource operation, authorized by the key policy (IAM when it delegates).
 * - `iam-only`: authorized only by IAM policies; key policies and grants play no part.
 * - `alias`: needs the permission on the alias (IAM) and on the key (key policy or delegated IAM).
 * - `retire-grant`: authorized by the grant itself (docs/semantics.md#retiregrant).
 * - `internal`: not callable by customers (kms:SynchronizeMultiRegionKey).
 */
export type ActionClass = 'key' | 'iam-only' | 'alias' | 'retire-grant' | 'internal';

export interface ActionInfo {
  /** Position in ACTIONS, for array-indexed lookups. */
  index: number;
  /** Canonical name, e.g. `kms:Decrypt`. */
  name: string;
  /** Name without the prefix, e.g. `Decrypt`. */
  short: string;
  cls: ActionClass;
  crossAccount: boolean;
  /** The grant operation that authorizes it, if any. */
  grantOperation?: string;
  /** Takes an EncryptionContext (so grant EC constraints apply; docs/semantics.md#grant-constraints). */
  takesEncryptionContext: boolean;
  /** Accepts kms:RequestAlias (cryptographic ops, DescribeKey, GetPublicKey). */
  requestAlias: boolean;
  /** Sets kms:EncryptionAlgorithm. */
  encryptionAlgorithm: boolean;
  /** Grouping for people: use the key, manage grants, administer it, or account-level. */
  group: 'use' | 'grant' | 'administer' | 'account';
  /** The AWS CLI subcommand name (kms <command>). */
  cliName: string;
}

interface Row {
  short: string;
  cls: ActionClass;
  xa?: boolean;
  grant?: boolean;
  ec?: boolean;
  alias?: boolean;
  alg?: boolean;
  group: ActionInfo['group'];
}

// Rows follow the table of docs/semantics.md#action-classes
const ROWS: Row[] = [
  { short: 'CancelKeyDeletion', cls: 'key', group: 'administer' },
  { short: 'ConnectCustomKeyStore', cls: 'iam-only', group: 'account' },
  { short: 'CreateAlias', cls: 'alias', group: 'administer' },
  { short: 'CreateCustomKeyStore', cls: 'iam-only', group: 'account' },
  { short: 'CreateGrant', cls: 'key', xa: true, grant: true, group: 'grant' },
  { short: 'CreateKey', cls: 'iam-only', group: 'account' },
  { short: 'Decrypt', cls: 'key', xa: true, grant: true, ec: true, alias: true, alg: true, group: 'use' },
  { short: 'DeleteAlias', cls: 'alias', group: 'administer' },
  { short: 'DeleteCustomKeyStore', cls: 'iam-only', group: 'account' },
  { short: 'DeleteImportedKeyMaterial', cls: 'key', group: 'administer' },
  { short: 'DeriveSharedSecret', cls: 'key', xa: true, grant: true, alias: true, group: 'use' },
  { short: 'DescribeCustomKeyStores', cls: 'iam-only', group: 'account' },
  { short: 'DescribeKey', cls: 'key', xa: true, grant: true, alias: true, group: 'use' },
  { short: 'DisableKey', cls: 'key', group: 'administer' },
  { short: 'DisableKeyRotation', cls: 'key', group: 'administer' },
  { short: 'DisconnectCustomKeyStore', cls: 'iam-only', group: 'account' },
  { short: 'EnableKey', cls: 'key', group: 'administer' },
  { short: 'EnableKeyRotation', cls: 'key', group: 'administer' },
  { short: 'Encrypt', cls: 'key', xa: true, grant: true, ec: true, alias: true, alg: true, group: 'use' },
  { short: 'GenerateDataKey', cls: 'key', xa: true, grant: true, ec: true, alias: true, alg: true, group: 'use' },
  { short: 'GenerateDataKeyPair', cls: 'key', xa: true, grant: true, ec: true, alias: true, alg: true, group: 'use' },
  { short: 'GenerateDataKeyPairWithoutPlaintext', cls: 'key', xa: true, grant: true, ec: true, alias: true, alg: true, group: 'use' },
  { short: 'GenerateDataKeyWithoutPlaintext', cls: 'key', xa: true, grant: true, ec: true, alias: true, alg: true, group: 'use' },
  { short: 'GenerateMac', cls: 'key', xa: true, grant: true, alias: true, group: 'use' },
  { short: 'GenerateRandom', cls: 'iam-only', group: 'account' },
  { short: 'GetKeyLastUsage', cls: 'key', group: 'administer' },
  { short: 'GetKeyPolicy', cls: 'key', group: 'administer' },
  { short: 'GetKeyRotationStatus', cls: 'key', xa: true, group: 'administer' },
  { short: 'GetParametersForImport', cls: 'key', group: 'administer' },
  { short: 'GetPublicKey', cls: 'key', xa: true, grant: true, alias: true, group: 'use' },
  { short: 'ImportKeyMaterial', cls: 'key', group: 'administer' },
  { short: 'ListAliases', cls: 'iam-only', group: 'account' },
  { short: 'ListGrants', cls: 'key', xa: true, group: 'grant' },
  { short: 'ListKeyPolicies', cls: 'key', group: 'administer' },
  { short: 'ListKeyRotations', cls: 'key', group: 'administer' },
  { short: 'ListKeys', cls: 'iam-only', group: 'account' },
  { short: 'ListResourceTags', cls: 'key', group: 'administer' },
  { short: 'ListRetirableGrants', cls: 'iam-only', group: 'account' },
  { short: 'PutKeyPolicy', cls: 'key', group: 'administer' },
  { short: 'ReEncryptFrom', cls: 'key', xa: true, grant: true, ec: true, alias: true, alg: true, group: 'use' },
  { short: 'ReEncryptTo', cls: 'key', xa: true, grant: true, ec: true, alias: true, alg: true, group: 'use' },
  { short: 'ReplicateKey', cls: 'key', group: 'administer' },
  { short: 'RetireGrant', cls: 'retire-grant', xa: true, grant: true, group: 'grant' },
  { short: 'RevokeGrant', cls: 'key', xa: true, group: 'grant' },
  { short: 'RotateKeyOnDemand', cls: 'key', group: 'administer' },
  { short: 'ScheduleKeyDeletion', cls: 'key', group: 'administer' },
  { short: 'Sign', cls: 'key', xa: true, grant: true, alias: true, group: 'use' },
  { short: 'SynchronizeMultiRegionKey', cls: 'internal', group: 'administer' },
  { short: 'TagResource', cls: 'key', group: 'administer' },
  { short: 'UntagResource', cls: 'key', group: 'administer' },
  { short: 'UpdateAlias', cls: 'alias', group: 'administer' },
  { short: 'UpdateCustomKeyStore', cls: 'iam-only', group: 'account' },
  { short: 'UpdateKeyDescription', cls: 'key', group: 'administer' },
  { short: 'UpdatePrimaryRegion', cls: 'key', group: 'administer' },
  { short: 'Verify', cls: 'key', xa: true, grant: true, alias: true, group: 'use' },
  { short: 'VerifyMac', cls: 'key', xa: true, grant: true, alias: true, group: 'use' },
];

function cliName(short: string): string {
  return short.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

export const ACTIONS: readonly ActionInfo[] = ROWS.map((r, index) => {
  const info: ActionInfo = {
    index,
    name: `kms:${r.short}`,
    short: r.short,
    cls: r.cls,
    crossAccount: r.xa === true,
    takesEncryptionContext: r.ec === true,
    requestAlias: r.alias === true,
    encryptionAlgorithm: r.alg === true,
    group: r.group,
    cliName: cliName(r.short),
  };
  if (r.grant === true) info.grantOperation = r.short;
  return info;
});

const BY_LOWER = new Map<string, ActionInfo>();
const BY_NAME = new Map<string, ActionInfo>();
for (const a of ACTIONS) {
  BY_NAME.set(a.name, a);
  BY_LOWER.set(a.name.toLowerCase(), a);
  BY_LOWER.set(a.short.toLowerCase(), a);
}

/** Looks an action up by `kms:Decrypt`, `Decrypt` or `decrypt` (action names are case-insensitive). */
export function findAction(name: string): ActionInfo | undefined {
  // Most names come as the evaluator and who-can write them (kms:Decrypt): found without making a
  // lower-case copy (an evaluation looks its action up twice).
  return BY_NAME.get(name) ?? BY_LOWER.get(name.trim().toLowerCase());
}

/** The valid grant operations (API GrantOperation enum, docs/semantics.md#grants). */
export const GRANT_OPERATIONS: readonly string[] = ACTIONS.filter((a) => a.grantOperation).map((a) => a.grantOperation as string);

/** Actions that apply to a KMS key (everything except IAM-only and internal ones). */
export const KEY_ACTIONS: readonly ActionInfo[] = ACTIONS.filter((a) => a.cls !== 'iam-only' && a.cls !== 'internal');
