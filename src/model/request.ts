import type { GrantConstraints } from './grant.js';

/** Parameters of a CreateGrant request (for kms:Grant* condition keys and parent-grant checks). */
export interface GrantRequest {
  granteePrincipal?: string;
  granteeServicePrincipal?: string;
  retiringPrincipal?: string;
  retiringServicePrincipal?: string;
  operations: string[];
  constraints?: GrantConstraints;
}

/** Values of request context keys as the user supplies them. */
export type ContextValue = string | string[] | boolean | number;

/** One KMS request, as it would reach KMS. */
export interface Request {
  /** `kms:Decrypt` (any case accepted; canonicalised by the evaluator). */
  action: string;
  /** The caller: any ARN form, or a service principal such as `lambda.us-east-1.amazonaws.com`. */
  principal: string;
  /** The key the request is authorized against (key ARN). Absent for IAM-only actions. */
  keyArn?: string;
  /** The KeyId as sent (key id, key ARN, alias name or alias ARN): sets kms:RequestAlias. */
  keyIdentifier?: string;
  /** For alias operations: the alias ARN. */
  aliasArn?: string;
  /** Defaults to the principal's account. */
  callerAccount?: string;
  encryptionContext?: Record<string, string>;
  /**
   * ReEncryptTo: `encryptionContext` is the source context, taken for the destination's because
   * the request did not give one (re-encrypt without --destination-context). A ReEncrypt request
   * sends DestinationEncryptionContext apart from the source context [API ReEncrypt]: a verdict
   * that reads it says so.
   */
  destinationContextFromSource?: boolean;
  /** The integrated service calling on the principal's behalf (`service.REGION.amazonaws.com`). */
  viaService?: string;
  /**
   * A service sent the request on the principal's behalf, but which one is not known (an error
   * message from another service's operation, a CloudTrail record whose invokedBy is "AWS
   * Internal"): kms:ViaService is present with an unknown value, not absent. Ignored when
   * `viaService` is given.
   */
  viaServiceUnknown?: boolean;
  /**
   * The request's encryption context is not known (an error message never carries it): the
   * kms:EncryptionContext keys and the grant constraints that read it are unknown, not absent.
   * Ignored when `encryptionContext` has a pair.
   */
  encryptionContextUnknown?: boolean;
  /** kms:GrantIsForAWSResource; defaults to "true when viaService is given" (docs/semantics.md#via-service). */
  grantIsForAwsResource?: boolean;
  encryptionAlgorithm?: string;
  grantRequest?: GrantRequest;
  /** For RetireGrant (and RevokeGrant): the grant in question. */
  grantId?: string;
  grantTokens?: string[];
  /**
   * When the request is made (ISO 8601 with an offset; `--at`, default now on the command line):
   * sets aws:CurrentTime and aws:EpochTime. Without it those keys are unknown.
   */
  at?: string;
  /**
   * Condition keys the request does not carry (`--absent`), e.g. aws:SourceIp on a request through
   * a VPC endpoint: absent, rather than unknown.
   */
  absent?: string[];
  /** A kms:CreateKey that a ReplicateKey needs (the replica's): its key-property keys are unknown, not CreateKey's defaults. */
  createsReplica?: boolean;
  /**
   * The replica's side of an UpdatePrimaryRegion (the permission on the replica that becomes the
   * primary key), asked by the evaluator itself: not refused as a call on a replica key.
   */
  replicaPart?: boolean;
  /**
   * The side of an UpdateAlias on the key the alias points to now, asked by the evaluator itself:
   * that key's state refuses nothing (UpdateAlias succeeds when it is pending deletion; only the
   * new key's state can refuse the call).
   */
  aliasSourcePart?: boolean;
  /** Any other condition key, by name (global keys such as aws:SourceIp, or KMS keys to override). */
  context?: Record<string, ContextValue>;
}

/** The condition key that says whether a ReEncrypt's source and destination key are the same key [KMS condition keys]. */
export const RE_ENCRYPT_ON_SAME_KEY = 'kms:ReEncryptOnSameKey';

/**
 * kms:ReEncryptOnSameKey of a ReEncrypt from the key `source` to the key `destination` (key ARNs:
 * one ARN names one key): undefined when either key is not known, as the request then does not say.
 */
export function reEncryptOnSameKey(source: string | undefined, destination: string | undefined): 'true' | 'false' | undefined {
  return source === undefined || destination === undefined ? undefined : source === destination ? 'true' : 'false';
}

/** The one value the request's context gives a key (names compared without case), if it gives exactly one. */
export function givenValue(request: Request, name: string): string | undefined {
  const lower = name.toLowerCase();
  const hit = Object.entries(request.context ?? {}).find(([k]) => k.toLowerCase() === lower);
  if (hit === undefined) return undefined;
  const v = hit[1];
  return Array.isArray(v) ? (v.length === 1 ? String(v[0]) : undefined) : String(v);
}
