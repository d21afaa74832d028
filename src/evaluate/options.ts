// Where AWS leaves a point AMBIGUOUS, kms-why implements the spec's recommended default (§7, §8)
// and keeps the alternative behind a flag.
export interface EvaluatorOptions {
  /** Whether a permissions boundary / session policy implicit deny limits grant-based access (§2.9, G10). */
  grantsLimitedByBoundary: boolean;
  /** Grant-constraint keys compare case-insensitively (API Reference) rather than exactly (Developer Guide) (§2.4, C09). */
  grantConstraintKeyCaseInsensitive: boolean;
  /** A grant to an account root ARN needs an IAM allow for the account's IAM principals (§2.2, C32). */
  accountGranteeRequiresIamDelegation: boolean;
  /** Authorization is reported before key-state errors (§1.2 step 6). */
  authorizeBeforeKeyState: boolean;
}

export const DEFAULT_OPTIONS: EvaluatorOptions = {
  grantsLimitedByBoundary: false,
  grantConstraintKeyCaseInsensitive: true,
  accountGranteeRequiresIamDelegation: true,
  authorizeBeforeKeyState: true,
};
