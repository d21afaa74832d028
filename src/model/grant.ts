// Grants as plain data, in kms-why's own camelCase form (sources turn ListGrants output into this).
import type { UnknownInput } from './unknown.js';

export type GrantState = 'active' | 'pending-consistency' | 'retired';

export interface GrantConstraints {
  encryptionContextEquals?: Record<string, string>;
  encryptionContextSubset?: Record<string, string>;
  /** Newer GrantConstraints member: only requests on behalf of this resource. */
  sourceArn?: string;
}

export interface Grant {
  grantId: string;
  name?: string;
  keyArn?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  issuingAccount?: string;
  /** ListGrants output without IssuingAccount (hand-written): who created the grant is not known. */
  issuingAccountUnknown?: UnknownInput;
  operations: string[];
  constraints?: GrantConstraints;
  state: GrantState;
  /** Present for grants that are not yet consistent: only requests presenting it can use the grant. */
  grantToken?: string;
  creationDate?: string;
  /**
   * Not a grant read from the inputs: what stands in for grants that could not be read, in the
   * world where they allow everything (evaluator.ts). A trace never states its fields as facts.
   */
  standIn?: true;
}

/** `k=v, k2=v2`: an encryption context written out (grant details and findings quote it in braces). */
export function ecText(ec: Record<string, string>): string {
  return Object.entries(ec)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}
