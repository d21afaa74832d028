// Key state (docs/semantics.md#key-state-and-usage, [KMS-STATE]) and key type/usage (docs/semantics.md#key-state-and-usage, [KMS-KEYTYPES]): errors that an
// authorized request still gets. A table of data, not the evaluator's prose: each error is the
// text the JSON report's `keyStateError` carries (the AWS exception and its message), so it lives
// here, beside the key it describes, and the evaluator only looks it up.
import { findAction, type ActionInfo } from './actions.js';
import type { GrantRequest } from './request.js';
import type { AssumptionId } from './decision.js';
import type { DefaultedKeyField, KeyMetadata, KeyState, KeyUsage } from './key.js';
import { parseArn, parseKeyIdentifier } from './arn.js';
import { unknownInput, type UnknownInput } from './unknown.js';

const DISABLED = (arn: string): string => `DisabledException: ${arn} is disabled.`;
const PENDING_DEL = (arn: string): string => `KMSInvalidStateException: ${arn} is pending deletion.`;
const PENDING_IMPORT = (arn: string): string => `KMSInvalidStateException: ${arn} is pending import.`;
const UNAVAILABLE = (arn: string): string => `KMSInvalidStateException: ${arn} is unavailable.`;
const CREATING = (arn: string): string => `KMSInvalidStateException: ${arn} is creating.`;
const UPDATING = (arn: string): string => `KMSInvalidStateException: ${arn} is updating.`;
const NOT_PENDING = (arn: string): string => `KMSInvalidStateException: ${arn} is not pending deletion.`;
/** The key-state table's error [6] (a PendingImport key has origin EXTERNAL). */
const ORIGIN_EXTERNAL = (arn: string): string => `UnsupportedOperationException: ${arn} origin is EXTERNAL which is not valid for this operation.`;
/** The key-state table's error [7] for a key in a custom key store (the only keys that can be Unavailable). */
const CUSTOM_STORE_ROTATION = (arn: string): string =>
  `UnsupportedOperationException: ${arn} is in a custom key store, whose keys do not support automatic rotation.`;

type Maker = (arn: string) => string;
/** The states that fail a cryptographic operation (the same for symmetric, HMAC and asymmetric keys). */
const CRYPTO_STATES: Partial<Record<KeyState, Maker>> = {
  Disabled: DISABLED,
  PendingDeletion: PENDING_DEL,
  PendingReplicaDeletion: PENDING_DEL,
  PendingImport: PENDING_IMPORT,
  Unavailable: UNAVAILABLE,
  Creating: CREATING,
};
const rows: Array<[string[], Partial<Record<KeyState, Maker>>]> = [
  [
    ['CancelKeyDeletion'],
    { Enabled: NOT_PENDING, Disabled: NOT_PENDING, PendingImport: NOT_PENDING, Unavailable: NOT_PENDING, Creating: NOT_PENDING, Updating: NOT_PENDING },
  ],
  [['CreateAlias'], { PendingDeletion: PENDING_DEL, PendingReplicaDeletion: PENDING_DEL }],
  [
    ['CreateGrant'],
    { Disabled: DISABLED, PendingDeletion: PENDING_DEL, PendingReplicaDeletion: PENDING_DEL, PendingImport: PENDING_IMPORT, Creating: CREATING },
  ],
  [
    [
      'Decrypt',
      'Encrypt',
      'GenerateDataKey',
      'GenerateDataKeyPair',
      'GenerateDataKeyPairWithoutPlaintext',
      'GenerateDataKeyWithoutPlaintext',
      'ReEncryptFrom',
      'ReEncryptTo',
      'DeriveSharedSecret',
    ],
    CRYPTO_STATES,
  ],
  [['GenerateMac', 'VerifyMac', 'Sign', 'Verify', 'GetPublicKey'], CRYPTO_STATES],
  [['DeleteImportedKeyMaterial'], { Creating: CREATING, Updating: UPDATING }],
  [
    ['DisableKey', 'EnableKey'],
    { PendingDeletion: PENDING_DEL, PendingReplicaDeletion: PENDING_DEL, PendingImport: PENDING_IMPORT, Creating: CREATING, Updating: UPDATING },
  ],
  // The key-state table: EnableKeyRotation and DisableKeyRotation on a PendingImport key fail with
  // UnsupportedOperationException [6] (its origin is EXTERNAL), on an Unavailable one (in a custom
  // key store) with UnsupportedOperationException [7]. RotateKeyOnDemand is newer than the table.
  [['EnableKeyRotation', 'DisableKeyRotation'], { ...CRYPTO_STATES, PendingImport: ORIGIN_EXTERNAL, Unavailable: CUSTOM_STORE_ROTATION }],
  [['RotateKeyOnDemand'], CRYPTO_STATES],
  // The key-state table fails GetKeyRotationStatus on keys with imported key material (PendingImport);
  // the API Reference says such keys answer false. Followed: the API (assumption rotationStatusApi).
  [['GetKeyRotationStatus'], { Unavailable: UNAVAILABLE }],
  [
    ['GetParametersForImport'],
    { PendingDeletion: PENDING_DEL, PendingReplicaDeletion: PENDING_DEL, Unavailable: UNAVAILABLE, Creating: CREATING, Updating: UPDATING },
  ],
  [['ImportKeyMaterial'], { PendingDeletion: PENDING_DEL, PendingReplicaDeletion: PENDING_DEL, Unavailable: UNAVAILABLE, Creating: CREATING }],
  [
    ['ReplicateKey'],
    {
      Disabled: DISABLED,
      PendingDeletion: PENDING_DEL,
      PendingReplicaDeletion: PENDING_DEL,
      PendingImport: PENDING_IMPORT,
      Creating: CREATING,
      Updating: UPDATING,
    },
  ],
  [['ScheduleKeyDeletion'], { PendingDeletion: PENDING_DEL, PendingReplicaDeletion: PENDING_DEL, Updating: UPDATING }],
  [['TagResource', 'UntagResource', 'UpdateKeyDescription'], { PendingDeletion: PENDING_DEL, PendingReplicaDeletion: PENDING_DEL }],
  // UpdateAlias fails when the destination key (the key checked here) is pending deletion [10].
  [['UpdateAlias'], { PendingDeletion: PENDING_DEL, PendingReplicaDeletion: PENDING_DEL }],
  [
    ['UpdatePrimaryRegion'],
    { Disabled: DISABLED, PendingDeletion: PENDING_DEL, PendingReplicaDeletion: PENDING_DEL, PendingImport: PENDING_IMPORT, Creating: CREATING },
  ],
];

const STATE_RULES = new Map<string, Partial<Record<KeyState, Maker>>>();
for (const [names, rule] of rows) for (const n of names) STATE_RULES.set(n, rule);

const ASYMMETRIC_SPEC = /^(RSA_|ECC_|SM2|ML_DSA_)/;

/** The key usage / key spec error for an operation the key type cannot do, if any (docs/semantics.md#key-state-and-usage). */
export function keyUsageError(action: ActionInfo, m: KeyMetadata): string | undefined {
  const sym = m.keySpec === 'SYMMETRIC_DEFAULT';
  const usage = (need: string): string =>
    `InvalidKeyUsageException: ${action.short} needs a key with KeyUsage ${need}; ${m.arn} is ${m.keySpec} / ${m.keyUsage}.`;
  switch (action.short) {
    case 'Encrypt':
    case 'Decrypt':
    case 'ReEncryptFrom':
    case 'ReEncryptTo':
      return m.keyUsage === 'ENCRYPT_DECRYPT' ? undefined : usage('ENCRYPT_DECRYPT');
    case 'GenerateDataKey':
    case 'GenerateDataKeyWithoutPlaintext':
      return sym && m.keyUsage === 'ENCRYPT_DECRYPT' ? undefined : usage('ENCRYPT_DECRYPT on a symmetric key (SYMMETRIC_DEFAULT)');
    case 'GenerateDataKeyPair':
    case 'GenerateDataKeyPairWithoutPlaintext':
      if (!(sym && m.keyUsage === 'ENCRYPT_DECRYPT')) return usage('ENCRYPT_DECRYPT on a symmetric key (SYMMETRIC_DEFAULT)');
      // Data key pairs are not supported for keys in custom key stores [KMS-KEYTYPES].
      return inCustomKeyStore(m.origin)
        ? `UnsupportedOperationException: ${action.short} is not supported for keys in a custom key store (${m.arn} has origin ${m.origin}).`
        : undefined;
    case 'GenerateMac':
    case 'VerifyMac':
      return m.keyUsage === 'GENERATE_VERIFY_MAC' ? undefined : usage('GENERATE_VERIFY_MAC');
    case 'Sign':
    case 'Verify':
      return m.keyUsage === 'SIGN_VERIFY' ? undefined : usage('SIGN_VERIFY');
    case 'DeriveSharedSecret':
      return m.keyUsage === 'KEY_AGREEMENT' ? undefined : usage('KEY_AGREEMENT');
    case 'GetPublicKey':
      return ASYMMETRIC_SPEC.test(m.keySpec) ? undefined : `UnsupportedOperationException: ${m.arn} is not an asymmetric key; it has no public key.`;
    case 'GetKeyRotationStatus':
      // "GetKeyRotationStatus … asymmetric KMS keys, HMAC KMS keys, KMS keys with imported key
      // material … the key rotation status is always false": it succeeds [API GetKeyRotationStatus].
      return undefined;
    case 'ReplicateKey':
      // It "creates a multi-Region replica key based on a multi-Region primary key" [API
      // ReplicateKey]. A multi-Region key whose type is not given may be the primary.
      if (!m.multiRegion) return `UnsupportedOperationException: ReplicateKey needs a multi-Region primary key; ${m.arn} is a single-Region key.`;
      return m.multiRegionKeyType === 'REPLICA'
        ? `UnsupportedOperationException: ReplicateKey needs a multi-Region primary key; ${m.arn} is a replica key (replicate the primary key).`
        : undefined;
    case 'UpdatePrimaryRegion':
      // Its KeyId is "the key ID or key ARN of a multi-Region primary key" [API
      // UpdatePrimaryRegion]: a single-Region key has no replica to make primary. (The request is
      // also asked of the replica, as its companion, so a replica key is not refused here.)
      return m.multiRegion
        ? undefined
        : `UnsupportedOperationException: UpdatePrimaryRegion needs a multi-Region primary key; ${m.arn} is a single-Region key.`;
    case 'EnableKeyRotation':
    case 'DisableKeyRotation':
    case 'RotateKeyOnDemand':
      // "To enable or disable automatic rotation of a set of related multi-Region keys, set the
      // property on the primary key", and rotate them on demand there [API EnableKeyRotation, API RotateKeyOnDemand].
      if (m.multiRegionKeyType === 'REPLICA')
        return `UnsupportedOperationException: rotation of a multi-Region key is set on its primary key; ${m.arn} is a replica key.`;
      if (!sym) return `UnsupportedOperationException: automatic rotation is supported only for symmetric encryption keys; ${m.arn} is ${m.keySpec}.`;
      // On demand, a single-Region key with imported key material rotates too (the current API
      // reference excludes only "multi-Region KMS keys with imported key material"; its older
      // text excluded every key with imported material); automatic rotation still needs AWS_KMS
      // key material [API RotateKeyOnDemand, API EnableKeyRotation].
      if (action.short === 'RotateKeyOnDemand' && m.origin === 'EXTERNAL' && !m.multiRegion) return undefined;
      return m.origin === 'AWS_KMS'
        ? undefined
        : `UnsupportedOperationException: ${m.arn} has key material of origin ${m.origin}; ${action.short === 'RotateKeyOnDemand' ? 'on-demand rotation needs AWS_KMS key material, or imported key material in a single-Region key' : 'automatic rotation needs AWS_KMS key material'}.`;
    case 'GetParametersForImport':
    case 'ImportKeyMaterial':
    case 'DeleteImportedKeyMaterial':
      return m.origin === 'EXTERNAL'
        ? undefined
        : `UnsupportedOperationException: ${m.arn} has origin ${m.origin}; imported key material needs origin EXTERNAL.`;
    default:
      return undefined;
  }
}

/**
 * UpdatePrimaryRegion names "the current primary key" [API UpdatePrimaryRegion]: on a replica key it
 * fails, whatever kms:PrimaryRegion says. `replicaPart`: the request kms-why asks of the replica
 * that becomes primary, as the call's companion (the caller needs permission on both keys
 * [KMS multi-Region keys, "Controlling access"]), which is not a call of its own.
 */
export function replicaAsPrimaryError(action: ActionInfo, replicaPart: boolean, m: KeyMetadata): string | undefined {
  if (action.short !== 'UpdatePrimaryRegion' || m.multiRegionKeyType !== 'REPLICA' || replicaPart) return undefined;
  return `UnsupportedOperationException: UpdatePrimaryRegion is called on the current primary key; ${m.arn} is a replica key.`;
}

/** The error the key's state alone (not its type or usage) gives the operation, or undefined when the state allows it. */
export function keyStateRuleError(action: ActionInfo, m: KeyMetadata): string | undefined {
  return STATE_RULES.get(action.short)?.[m.keyState]?.(m.arn);
}

/**
 * What customers cannot do to an AWS managed key, by action. "You have no control over the
 * lifecycle or permissions of these keys" [KMS AWS managed keys]: "You cannot edit any properties
 * of AWS managed keys" (description, key policy, tags, enabling and disabling, automatic rotation)
 * [KMS editing keys, KMS changing a key policy]; "You cannot schedule the deletion of AWS managed
 * keys" [KMS scheduling key deletion]; on-demand rotation is of "customer managed KMS keys" [API
 * RotateKeyOnDemand]; an alias is associated with a customer managed key ("You don't have
 * permission to associate an alias with an AWS managed key") [API CreateAlias, API UpdateAlias].
 * AWS does not document the exception these requests get, so the error says so rather than name one.
 */
const AWS_MANAGED_REFUSALS: ReadonlyMap<string, string> = new Map([
  ['PutKeyPolicy', 'whose key policy only the AWS service that created it changes'],
  ['UpdateKeyDescription', 'whose description customers cannot edit'],
  ['TagResource', 'whose tags customers cannot edit'],
  ['UntagResource', 'whose tags customers cannot edit'],
  ['EnableKey', 'which customers cannot enable or disable'],
  ['DisableKey', 'which customers cannot enable or disable'],
  ['EnableKeyRotation', 'whose rotation AWS manages'],
  ['DisableKeyRotation', 'whose rotation AWS manages'],
  ['RotateKeyOnDemand', 'whose rotation AWS manages'],
  ['ScheduleKeyDeletion', 'which customers cannot schedule for deletion'],
  ['CancelKeyDeletion', 'whose deletion customers cannot schedule or cancel'],
  ['CreateAlias', 'which no alias of a customer can be associated with'],
  ['UpdateAlias', 'which no alias of a customer can be associated with'],
]);

/** The refusal an AWS managed key gives an operation that only a customer managed key allows, if any. */
export function awsManagedKeyError(action: ActionInfo, m: KeyMetadata): string | undefined {
  if (m.keyManager !== 'AWS') return undefined;
  const why = AWS_MANAGED_REFUSALS.get(action.short);
  return why === undefined
    ? undefined
    : `AWS managed key: ${m.arn} is an AWS managed key, ${why}; ${action.short} works on customer managed keys only (AWS does not document the exception it returns).`;
}

/** The error an authorized request gets for the key state or key usage, or undefined when none. */
export function keyStateError(action: ActionInfo, m: KeyMetadata): string | undefined {
  const rule = STATE_RULES.get(action.short);
  const make = rule?.[m.keyState];
  if (make !== undefined) return make(m.arn);
  return awsManagedKeyError(action, m) ?? keyUsageError(action, m);
}

/**
 * A failure the key's metadata leaves open: the error an authorized request gets if a fact the
 * inputs do not record is so, and that fact as an unknown input. The evaluator fails the request
 * in the restrictive world only, so that a verdict the fact decides is `unknown` and names it.
 */
export interface KeyStateDoubt {
  error: string;
  input: UnknownInput;
}

/** One unknown input per key and fact, so that a verdict lists it once. */
const DOUBTS = new WeakMap<KeyMetadata, Map<string, UnknownInput>>();
function doubtInput(m: KeyMetadata, what: string, reason: string): UnknownInput {
  let byKey = DOUBTS.get(m);
  if (byKey === undefined) DOUBTS.set(m, (byKey = new Map()));
  let u = byKey.get(what);
  if (u === undefined) byKey.set(what, (u = unknownInput(what, reason)));
  return u;
}

/** Whether some action's key-state outcome on this key turns on a fact its metadata does not record (keyStateDoubt). */
export function mayDoubtKeyState(m: KeyMetadata): boolean {
  return (m.multiRegion && m.multiRegionKeyType === undefined) || m.origin === 'EXTERNAL';
}

/**
 * The failure that depends on what the key's metadata does not record, when no recorded fact fails
 * the request already (keyStateError, replicaAsPrimaryError):
 *
 * - a multi-Region key without MultiRegionConfiguration may be the primary or a replica, and
 *   ReplicateKey, the rotation operations and UpdatePrimaryRegion fail on a replica;
 * - RotateKeyOnDemand on a key with imported key material needs new key material imported already:
 *   "you must have already imported new key material and that key material's state should be
 *   PENDING_ROTATION" [API RotateKeyOnDemand]; no input records the key's key materials.
 */
export function keyStateDoubt(action: ActionInfo, replicaPart: boolean, m: KeyMetadata): KeyStateDoubt | undefined {
  if (!mayDoubtKeyState(m) || replicaAsPrimaryError(action, replicaPart, m) !== undefined || keyStateError(action, m) !== undefined) return undefined;
  if (m.multiRegion && m.multiRegionKeyType === undefined) {
    for (const type of ['REPLICA', 'PRIMARY'] as const) {
      const as: KeyMetadata = { ...m, multiRegionKeyType: type };
      const error = replicaAsPrimaryError(action, replicaPart, as) ?? keyStateError(action, as);
      if (error !== undefined)
        return {
          error,
          input: doubtInput(
            m,
            `whether ${m.arn} is a multi-Region primary or replica key`,
            'its KeyMetadata says MultiRegion but has no MultiRegionConfiguration, which DescribeKey gives for every multi-Region key',
          ),
        };
    }
  }
  if (action.short === 'RotateKeyOnDemand' && m.origin === 'EXTERNAL') {
    return {
      error: `Imported key material: RotateKeyOnDemand on ${m.arn} needs new key material imported first, in state PENDING_ROTATION (AWS does not document the exception it returns otherwise).`,
      input: doubtInput(
        m,
        `whether new key material is imported into ${m.arn} for on-demand rotation`,
        "on-demand rotation of a key with imported key material needs new key material imported already (state PENDING_ROTATION), and no input records the key's key materials (ListKeyRotations lists them)",
      ),
    };
  }
  return undefined;
}

/**
 * The KeyUsage values a key spec allows [API CreateKey, KeyUsage]: ENCRYPT_DECRYPT for symmetric
 * encryption keys, GENERATE_VERIFY_MAC for HMAC keys, ENCRYPT_DECRYPT or SIGN_VERIFY for RSA,
 * SIGN_VERIFY or KEY_AGREEMENT for NIST-recommended elliptic curves, SIGN_VERIFY for
 * ECC_SECG_P256K1 and ML-DSA, and any of the three for SM2.
 */
export function keyUsagesOf(spec: string): readonly KeyUsage[] {
  if (spec === 'SYMMETRIC_DEFAULT') return ['ENCRYPT_DECRYPT'];
  if (spec.startsWith('HMAC_')) return ['GENERATE_VERIFY_MAC'];
  if (spec.startsWith('RSA_')) return ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'];
  if (spec === 'ECC_SECG_P256K1' || spec.startsWith('ML_DSA_')) return ['SIGN_VERIFY'];
  if (spec.startsWith('ECC_NIST_')) return ['SIGN_VERIFY', 'KEY_AGREEMENT'];
  if (spec === 'SM2') return ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'];
  return ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'];
}

/** Whether the origin is a custom key store's. */
export function inCustomKeyStore(origin: string): boolean {
  return origin === 'AWS_CLOUDHSM' || origin === 'EXTERNAL_KEY_STORE';
}

/** Why no KMS key has this metadata, when none can: the KeyMetadata member at fault and the problem. */
export interface ImpossibleKeyMetadata {
  member: 'KeyUsage' | 'Origin' | 'MultiRegion';
  problem: string;
  hint: string;
}

/**
 * The combination no KMS key has, if any: a KeyUsage its KeySpec does not allow (keyUsagesOf), a
 * key in a custom key store that is not a symmetric encryption key ("you can create only symmetric
 * encryption KMS keys in a custom key store" [KMS key type reference]) or is multi-Region ("you
 * cannot create a multi-Region key in a custom key store" [API CreateKey, MultiRegion]).
 */
export function impossibleKeyMetadata(m: Pick<KeyMetadata, 'keySpec' | 'keyUsage' | 'origin' | 'multiRegion'>): ImpossibleKeyMetadata | undefined {
  const usages = keyUsagesOf(m.keySpec);
  if (!usages.includes(m.keyUsage))
    return {
      member: 'KeyUsage',
      problem: `no KMS key has KeySpec ${m.keySpec} with KeyUsage ${m.keyUsage}`,
      hint: `KeySpec ${m.keySpec} goes with KeyUsage ${usages.join(' or ')}. Give the KeyMetadata aws kms describe-key returns.`,
    };
  if (inCustomKeyStore(m.origin) && m.keySpec !== 'SYMMETRIC_DEFAULT')
    return {
      member: 'Origin',
      problem: `a key in a custom key store (origin ${m.origin}) is a symmetric encryption key, not ${m.keySpec}`,
      hint: 'Only symmetric encryption keys (SYMMETRIC_DEFAULT) can be created in a custom key store. Give the KeyMetadata aws kms describe-key returns.',
    };
  if (inCustomKeyStore(m.origin) && m.multiRegion)
    return {
      member: 'MultiRegion',
      problem: `a key in a custom key store (origin ${m.origin}) cannot be a multi-Region key`,
      hint: 'Multi-Region keys cannot be created in a custom key store. Give the KeyMetadata aws kms describe-key returns.',
    };
  return undefined;
}

/** The assumption a verdict relies on when a defaulted member of the key's metadata decides it. */
const DEFAULT_ASSUMPTION: Readonly<Record<DefaultedKeyField, AssumptionId>> = {
  KeyManager: 'keyManagerDefault',
  Origin: 'originDefault',
  MultiRegion: 'multiRegionDefault',
};

/** The values a defaulted member could have had instead (docs/snapshot.md), as metadata. */
function alternatives(field: DefaultedKeyField, m: KeyMetadata): KeyMetadata[] {
  switch (field) {
    case 'KeyManager':
      return [{ ...m, keyManager: m.keyManager === 'AWS' ? 'CUSTOMER' : 'AWS' }];
    case 'Origin':
      return ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'].filter((o) => o !== m.origin).map((origin) => ({ ...m, origin }));
    case 'MultiRegion': {
      const other: KeyMetadata = { ...m, multiRegion: !m.multiRegion };
      delete other.multiRegionKeyType;
      return [other];
    }
  }
}

/**
 * The assumptions of the defaulted members of the key's metadata (KeyMetadata.defaulted) that
 * decide whether the key state and type fail the request: those another value of which would fail
 * it where the default does not, or the reverse (or leave it open, keyStateDoubt). `grant`:
 * CreateGrant's grant.
 */
export function keyDefaultsDeciding(action: ActionInfo, replicaPart: boolean, grant: GrantRequest | undefined, m: KeyMetadata): AssumptionId[] {
  if (m.defaulted === undefined || m.defaulted.length === 0) return [];
  const outcome = (x: KeyMetadata): string =>
    (replicaAsPrimaryError(action, replicaPart, x) ?? keyStateError(action, x) ?? grantRequestError(action, grant, x)) !== undefined
      ? 'fails'
      : keyStateDoubt(action, replicaPart, x) !== undefined
        ? 'open'
        : 'works';
  const now = outcome(m);
  // Only a key that can exist counts (impossibleKeyMetadata).
  return m.defaulted
    .filter((f) => alternatives(f, m).some((x) => impossibleKeyMetadata(x) === undefined && outcome(x) !== now))
    .map((f) => DEFAULT_ASSUMPTION[f]);
}

/**
 * The error CreateGrant gets for a grant the key's type cannot have: an operation the key's type
 * cannot do (Sign on a symmetric key, GenerateDataKey on an asymmetric one …), or an
 * encryption-context constraint on a key that is not a symmetric encryption key. AWS: "The grant
 * operations must be supported by the KMS key type" and encryption context constraints are "valid
 * only for grants on symmetric encryption KMS keys" (ValidationException) [API CreateGrant, KMS
 * grant concepts]. The rule is the key type's (KeySpec and KeyUsage): that a key in a custom key
 * store cannot generate data key pairs is a limit on the call, and whether CreateGrant checks it
 * is not documented (grantOperationKeyStore: assumed it does not).
 */
export function grantRequestError(action: ActionInfo, grant: GrantRequest | undefined, m: KeyMetadata): string | undefined {
  if (action.short !== 'CreateGrant' || grant === undefined) return undefined;
  // The key's type alone: its origin (custom key store or not) set aside.
  const ofType: KeyMetadata = { ...m, origin: 'AWS_KMS' };
  const cannot = grant.operations.filter((op) => {
    const a = findAction(`kms:${op}`);
    return a !== undefined && keyUsageError(a, ofType) !== undefined;
  });
  if (cannot.length > 0) {
    return `ValidationException: a grant on ${m.arn} (${m.keySpec} / ${m.keyUsage}) cannot allow ${cannot.join(', ')}: the key cannot do ${cannot.length === 1 ? 'it' : 'them'}.`;
  }
  const c = grant.constraints;
  if ((c?.encryptionContextEquals !== undefined || c?.encryptionContextSubset !== undefined) && m.keySpec !== 'SYMMETRIC_DEFAULT') {
    return `ValidationException: encryption context constraints are valid only on grants for symmetric encryption keys; ${m.arn} is ${m.keySpec}.`;
  }
  // "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both"; with a
  // GranteeServicePrincipal, "you must also specify a SourceArn grant constraint" and "either a
  // RetiringPrincipal or a RetiringServicePrincipal" [API CreateGrant].
  if (grant.granteePrincipal !== undefined && grant.granteeServicePrincipal !== undefined)
    return 'ValidationException: a grant has either a GranteePrincipal or a GranteeServicePrincipal, not both.';
  if (grant.retiringPrincipal !== undefined && grant.retiringServicePrincipal !== undefined)
    return 'ValidationException: a grant has either a RetiringPrincipal or a RetiringServicePrincipal, not both.';
  if (grant.granteeServicePrincipal !== undefined) {
    if (c?.sourceArn === undefined)
      return `ValidationException: a grant to the service principal ${grant.granteeServicePrincipal} (GranteeServicePrincipal) needs a SourceArn grant constraint.`;
    if (grant.retiringPrincipal === undefined && grant.retiringServicePrincipal === undefined)
      return `ValidationException: a grant to the service principal ${grant.granteeServicePrincipal} (GranteeServicePrincipal) needs a RetiringPrincipal or a RetiringServicePrincipal.`;
  }
  return undefined;
}

/**
 * Whether CreateGrant asks for a grant of an operation the key's type allows but a key in a custom
 * key store cannot do (GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext): AWS does not say
 * whether CreateGrant refuses it (assumption grantOperationKeyStore).
 */
export function grantOperationOutsideKeyStore(action: ActionInfo, grant: GrantRequest | undefined, m: KeyMetadata): boolean {
  if (action.short !== 'CreateGrant' || grant === undefined || !inCustomKeyStore(m.origin)) return false;
  return grant.operations.some((op) => {
    const a = findAction(`kms:${op}`);
    return a !== undefined && keyUsageError(a, m) !== undefined && keyUsageError(a, { ...m, origin: 'AWS_KMS' }) === undefined;
  });
}

/** Operations whose KeyId a caller in another account must give as the key ARN (an alias ARN will not do). */
const KEY_ARN_ONLY = new Set(['CreateGrant', 'GetKeyRotationStatus', 'ListGrants', 'RevokeGrant']);

/**
 * The error a request gets when a caller in another account names the key other than by its ARN:
 * a key id or alias name is looked up in the caller's own account, so the request never reaches
 * this key (NotFoundException, or another key of the caller's that answers to the name). AWS: "To
 * perform this operation on a KMS key in a different AWS account, specify the key ARN or alias ARN"
 * (key ARN only for CreateGrant, GetKeyRotationStatus, ListGrants and RevokeGrant).
 */
export function keyIdentifierError(
  action: ActionInfo,
  keyIdentifier: string | undefined,
  callerAccount: string | undefined,
  m: KeyMetadata,
): string | undefined {
  if (keyIdentifier === undefined || callerAccount === undefined || callerAccount === m.account) return undefined;
  if (action.cls === 'iam-only' || action.cls === 'retire-grant' || action.cls === 'alias') return undefined;
  const kind = parseKeyIdentifier(keyIdentifier)?.kind;
  if (kind === 'key-arn' || (kind === 'alias-arn' && !KEY_ARN_ONLY.has(action.short))) return undefined;
  const need = KEY_ARN_ONLY.has(action.short) ? 'its key ARN' : 'its key ARN or alias ARN';
  return `NotFoundException: ${keyIdentifier} is looked up in the caller's account ${callerAccount}, not in ${m.account}: a caller in another account names ${m.arn} by ${need}.`;
}

/**
 * The KeyId a caller in another account names the key by instead of `keyIdentifier`, which
 * keyIdentifierError refuses: the alias ARN for one of the key's alias names where the operation
 * takes an alias ARN (the request then still carries kms:RequestAlias), else the key ARN.
 */
export function crossAccountKeyIdentifier(
  action: ActionInfo,
  keyIdentifier: string,
  m: KeyMetadata,
  aliases: readonly string[],
): { identifier: string; alias: boolean } {
  const name = parseKeyIdentifier(keyIdentifier);
  const alias = name?.kind === 'alias-name' ? name.aliasName : undefined;
  if (alias !== undefined && aliases.includes(alias) && !KEY_ARN_ONLY.has(action.short))
    return { identifier: `arn:${m.partition}:kms:${m.region}:${m.account}:${alias}`, alias: true };
  return { identifier: m.arn, alias: false };
}

/**
 * The error the restrictive world gives a request on a key whose state and type could not be read
 * (an unreadable input may hide a state that fails it): the `keyStateError` such a walk reports.
 */
export function unreadableKeyStateError(reason: string): string {
  return `the key's state and type could not be read (${reason})`;
}

/**
 * Operations that succeed in every key state and on every key type (docs/semantics.md#key-state-and-usage:
 * the operations every state and key type allows). PutKeyPolicy is not one: an AWS managed key refuses it.
 */
const ALWAYS_OK = new Set([
  'DeleteAlias',
  'DescribeKey',
  'GetKeyPolicy',
  'ListGrants',
  'ListKeyPolicies',
  'ListResourceTags',
  'RetireGrant',
  'RevokeGrant',
  'GetKeyLastUsage',
  'ListKeyRotations',
]);

/** Whether some key state or key type makes the operation fail (used when the state is unknown). */
export function dependsOnKeyState(action: ActionInfo): boolean {
  return !ALWAYS_OK.has(action.short);
}

/**
 * The error an alias action gets for an alias ARN in another account, Region or partition than
 * the key: an alias and its key are always in the same account and Region [API CreateAlias:
 * "The alias and the KMS key it is mapped to must be in the same AWS account and the same Region"].
 */
export function aliasPlacementError(action: ActionInfo, aliasArn: string | undefined, m: KeyMetadata): string | undefined {
  if (action.cls !== 'alias' || aliasArn === undefined) return undefined;
  const a = parseArn(aliasArn);
  if (a === null || (a.partition === m.partition && a.region === m.region && a.account === m.account)) return undefined;
  return `NotFoundException: ${aliasArn} is not in the account and Region of ${m.arn}; an alias and its key are always in the same account and Region.`;
}

/** The key type UpdateAlias compares: symmetric encryption, HMAC or asymmetric [API UpdateAlias]. */
function keyTypeOf(m: KeyMetadata): string {
  return m.keySpec === 'SYMMETRIC_DEFAULT' ? 'symmetric' : m.keySpec.startsWith('HMAC_') ? 'HMAC' : 'asymmetric';
}

/**
 * The error an alias action gets for the alias it names, whatever the policies allow. CreateAlias:
 * the name "cannot begin with alias/aws/. The alias/aws/ prefix is reserved for AWS managed keys"
 * (InvalidAliasNameException), and "each alias name must be unique in the AWS account and Region"
 * (AlreadyExistsException) [API CreateAlias]. UpdateAlias: "The current and new KMS key must be the
 * same type (both symmetric or both asymmetric or both HMAC), and they must have the same key
 * usage" [API UpdateAlias]; ValidationException, as for CreateGrant. `current`: the key the alias
 * is associated with now (a key of the snapshot in the alias's account and Region), if known.
 */
export function aliasRequestError(action: ActionInfo, aliasArn: string | undefined, m: KeyMetadata, current: KeyMetadata | undefined): string | undefined {
  if (aliasArn === undefined) return undefined;
  const name = aliasArn.slice(aliasArn.indexOf('alias/'));
  if (action.short === 'CreateAlias') {
    if (name.startsWith('alias/aws/')) return `InvalidAliasNameException: ${name} begins with alias/aws/, which is reserved for AWS managed keys.`;
    if (current !== undefined)
      return `AlreadyExistsException: ${name} already exists in account ${current.account} and Region ${current.region} (it points to ${current.arn}); alias names are unique there.`;
    return undefined;
  }
  if (action.short === 'UpdateAlias' && current !== undefined && current.arn !== m.arn) {
    const [was, now] = [keyTypeOf(current), keyTypeOf(m)];
    if (was !== now || current.keyUsage !== m.keyUsage)
      return `ValidationException: ${name} points to ${current.arn} (${was}, ${current.keyUsage}); UpdateAlias needs a new key of the same type and key usage, and ${m.arn} is ${now}, ${m.keyUsage}.`;
  }
  return undefined;
}
