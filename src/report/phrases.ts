// The one place that turns the evaluator's facts into sentences: here, the assumptions a decision
// relied on (ids, model/decision.ts) become the words the JSON contract carries.
import type { AssumptionId, CheckResult, Decision } from '../model/decision.js';

/**
 * What kms-why assumes where AWS documentation is silent or contradictory; each links to its entry
 * in docs/semantics.md#assumptions, whose heading is the id in kebab case.
 */
export const ASSUMPTION_TEXT: Record<AssumptionId, string> = {
  roleGranteeSessions:
    'AWS does not state that a grant to a role ARN covers the role\'s sessions; assumed it does, as AWS examples show (docs/semantics.md#role-grantee-sessions).',
  sessionGranteeExact:
    'AWS does not state how a grant to a role-session ARN matches; assumed it covers that exact session only (docs/semantics.md#session-grantee-exact).',
  accountGrantee:
    'AWS does not document grants whose grantee or retiring principal is an account (arn:aws:iam::ACCOUNT:root); assumed one rule for using and retiring them: the account\'s root user may, its IAM principals need an identity-policy allow, like key-policy account delegation (docs/semantics.md#account-grantee).',
  grantsNotLimitedByBoundary:
    'AWS does not document whether a permissions boundary or session policy limits grant-based access; assumed it does not (docs/semantics.md#grants-not-limited-by-boundary).',
  grantConstraintKeyCase:
    'The KMS guides disagree on grant-constraint case sensitivity; assumed the API Reference: keys case-insensitive, values case-sensitive (docs/semantics.md#grant-constraint-key-case).',
  emptyConstraint:
    'AWS does not document an empty encryption-context constraint; assumed it counts as no constraint, as IAM Access Analyzer does (docs/semantics.md#empty-constraint).',
  grantIsForAwsResource:
    'AWS does not say which request attribute sets kms:GrantIsForAWSResource; assumed true exactly when an integrated service calls on the principal\'s behalf (--via-service) (docs/semantics.md#grant-is-for-aws-resource).',
  createGrantEncryptionContext:
    'AWS does not document how kms:EncryptionContext:* maps on CreateGrant; assumed it is the encryption context in the grant\'s constraint (docs/semantics.md#create-grant-encryption-context).',
  reEncryptContext:
    'AWS does not document which encryption context feeds kms:EncryptionContext:* on ReEncrypt; assumed the source context for ReEncryptFrom and the destination context for ReEncryptTo (docs/semantics.md#re-encrypt-context).',
  keyStateOrder:
    'AWS does not document whether authorization or key state is checked first; assumed authorization first (docs/semantics.md#key-state-order).',
  notPrincipal:
    'The KMS guide does not mention NotPrincipal; assumed IAM semantics: a session is exempt only if its account, role and session are all listed (docs/semantics.md#not-principal).',
  keyPolicyResource:
    'AWS does not document key-policy Resource values other than "*"; assumed they are matched against the key ARN (docs/semantics.md#key-policy-resource).',
  wildcardPrincipalBoundary:
    'AWS documents only "*" with aws:PrincipalArn as not limited by permissions boundaries or session policies; assumed every "*" match is not limited (docs/semantics.md#wildcard-principal-boundary).',
  roleArnBoundary:
    'KMS does not restate how permissions boundaries and session policies limit a key policy that names a role ARN; assumed the generic IAM rule: they limit it (docs/semantics.md#role-arn-boundary).',
  crossAccountGrant:
    'AWS does not state whether a cross-account grant needs an IAM allow in the caller\'s account; assumed it does not (docs/semantics.md#cross-account-grant).',
  retireByIssuingAccount:
    'The KMS API says the account in which a grant was created may retire it, the guide says the key\'s account; assumed the API (IssuingAccount) (docs/semantics.md#retire-by-issuing-account).',
  servicePrincipalAccount:
    'AWS does not document kms:CallerAccount or aws:PrincipalAccount for a service principal; assumed both absent (docs/semantics.md#service-principal-account).',
  principalIsAwsService:
    'aws:PrincipalIsAWSService can be false when an AWS service uses a key through a grant to an AWS-internal grantee; a policy that turns on it may not behave as it reads (docs/semantics.md#principal-is-aws-service).',
  rcpFullAccess:
    'RCPFullAWSAccess is attached to every level of an organization and cannot be detached; assumed it is there, so only RCP Deny statements limit access (docs/semantics.md#rcp-full-access).',
  rotationStatusApi:
    'The KMS key-state and key-type tables say GetKeyRotationStatus fails on asymmetric, HMAC and imported-key-material keys; the API Reference says it succeeds and returns false. kms-why follows the API Reference (docs/semantics.md#rotation-status-api).',
  retireGrantEncryptionContext:
    'No AWS page says whether kms:EncryptionContext:* or kms:EncryptionContextKeys are set on RetireGrant; kms-why treats them as unknown, so a condition on them makes the verdict unknown (give the value with --condition if you know it) (docs/semantics.md#retire-grant-encryption-context).',
  dateWithoutOffset:
    'A date without a time zone offset in a Date condition (or --at) is read as UTC, never in the local time zone of the machine running kms-why (docs/semantics.md#date-without-offset).',
  unknownContextKeys:
    'Keys every real request carries but kms-why cannot derive (aws:SourceIp, aws:SourceVpce, aws:CurrentTime without --at, aws:userid without the role\'s unique id, aws:PrincipalOrgID without the organization id…) are unknown, not absent: a statement that turns on one makes the verdict unknown. --condition gives a value, --absent says the request lacks the key (docs/semantics.md#unknown-context-keys).',
  companionPermissions:
    'UpdateAlias needs permission on the alias, the new key and the key the alias points to now; ReplicateKey also kms:CreateKey (and kms:TagResource with tags) from identity policies; UpdatePrimaryRegion permission on the primary and the replica. kms-why checks each as a request of its own (docs/semantics.md#companion-permissions).',
  invalidGrant:
    'KMS rejects encryption-context constraints on asymmetric and HMAC keys; a snapshot grant that has one is reported invalid and allows nothing (docs/semantics.md#invalid-grant).',
};

/** The sentence of one assumption. */
export function assumptionText(id: AssumptionId): string {
  return ASSUMPTION_TEXT[id];
}

/** A decision as the report contract carries it: its facts in words. */
export function phraseDecision(d: Decision): CheckResult {
  return { ...d, assumptions: d.assumptions.map(assumptionText) };
}
