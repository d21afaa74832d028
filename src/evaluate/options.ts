// Where AWS leaves a point AMBIGUOUS, kms-why implements the default documented in docs/semantics.md#assumptions
// and keeps the alternative behind a flag.
export interface EvaluatorOptions {
  /** Whether a permissions boundary / session policy implicit deny limits grant-based access (docs/semantics.md#grants-not-limited-by-boundary). */
  grantsLimitedByBoundary: boolean;
  /** Grant-constraint keys compare case-insensitively (API Reference) rather than exactly (Developer Guide) (docs/semantics.md#grant-constraint-key-case). */
  grantConstraintKeyCaseInsensitive: boolean;
  /** A grant to an account root ARN needs an IAM allow for the account's IAM principals (docs/semantics.md#account-grantee). */
  accountGranteeRequiresIamDelegation: boolean;
  /** Authorization is reported before key-state errors (docs/semantics.md#key-state-order). */
  authorizeBeforeKeyState: boolean;
}

export const DEFAULT_OPTIONS: EvaluatorOptions = {
  grantsLimitedByBoundary: false,
  grantConstraintKeyCaseInsensitive: true,
  accountGranteeRequiresIamDelegation: true,
  authorizeBeforeKeyState: true,
};
