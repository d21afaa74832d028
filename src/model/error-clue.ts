// What an AWS authorization error message says about why a request was denied, as data: read by
// sources/error-message.ts, checked by analyses/fix.ts, phrased by report/error-clue.ts.

/** The policy layers AWS names in "because no … allows" and "with an explicit deny in …". */
export type PolicyLayer =
  | 'identity-based policy'
  | 'resource-based policy'
  | 'permissions boundary'
  | 'session policy'
  | 'service control policy'
  | 'resource control policy'
  | 'VPC endpoint policy';

export const POLICY_LAYERS: readonly PolicyLayer[] = [
  'identity-based policy',
  'resource-based policy',
  'permissions boundary',
  'session policy',
  'service control policy',
  'resource control policy',
  'VPC endpoint policy',
];

/** What the message itself says about why the request was denied. */
export type ErrorClue =
  /** "because no LAYER allows the ACTION action": an implicit deny at that layer. */
  | { kind: 'no-allow'; layer: PolicyLayer; text: string }
  /** "with an explicit deny in LAYER": a Deny statement of that layer. */
  | { kind: 'explicit-deny'; layer: PolicyLayer | null; policyArn?: string; text: string }
  /** The older form without a reason: "User: … is not authorized to perform: … on resource: …". */
  | { kind: 'not-authorized'; text: string }
  /** "The ciphertext refers to a customer master key that does not exist, … or you are not allowed to access." */
  | { kind: 'key-inaccessible'; text: string }
  /**
   * A key-state error, "DisabledException: KEY_ARN is disabled.", "KMSInvalidStateException: KEY_ARN
   * is pending deletion." …: the key's state refused the request, which says nothing about
   * authorization. `state`: what the message says the key was ("disabled", "pending deletion" …).
   */
  | { kind: 'key-state'; errorCode: string; state: string; text: string };

export type ErrorClient = 'aws-cli' | 'boto3' | 'sdk-js-v3' | 'sdk-java' | 'sdk-go-v2' | 'json' | 'lambda' | 'plain';

/** The request fields an explanation needs, and the flag that gives each. */
export type RequestField = 'principal' | 'action' | 'key' | 'encryptionContext' | 'viaService';

export const FIELD_FLAG: Record<RequestField, string> = {
  principal: '--principal',
  action: '--action',
  key: '--key',
  encryptionContext: '--context',
  viaService: '--via-service',
};

export interface MissingPart {
  field: RequestField;
  /** Why the message does not give it, and what to pass. */
  why: string;
  /** Required to evaluate at all (principal, action, key), or only possibly relevant. */
  required: boolean;
}

/** The indefinite article before a layer name ("an identity-based policy", "a permissions boundary"). */
export function article(layer: string): string {
  return /^[aeiou]/i.test(layer) ? 'an' : 'a';
}
