// The points where AWS documentation is silent or contradictory, each with the default kms-why
// assumes (spec §7 "Ambiguous / undocumented" and §8). A decision lists the ones it relied on.
export const ASSUMPTION = {
  roleGranteeSessions:
    'AWS does not state that a grant to a role ARN covers the role\'s sessions; assumed it does, as AWS examples show (spec §2.2).',
  sessionGranteeExact:
    'AWS does not state how a grant to a role-session ARN matches; assumed it covers that exact session only (spec §2.2).',
  accountGrantee:
    'AWS does not document grants whose grantee or retiring principal is an account (arn:aws:iam::ACCOUNT:root); assumed one rule for using and retiring them: the account\'s root user may, its IAM principals need an identity-policy allow, like key-policy account delegation.',
  grantsNotLimitedByBoundary:
    'AWS does not document whether a permissions boundary or session policy limits grant-based access; assumed it does not (spec §2.9, G10).',
  grantConstraintKeyCase:
    'The KMS guides disagree on grant-constraint case sensitivity; assumed the API Reference: keys case-insensitive, values case-sensitive (spec §2.4).',
  emptyConstraint:
    'AWS does not document an empty encryption-context constraint; assumed it counts as no constraint, as IAM Access Analyzer does (spec §2.4).',
  grantIsForAwsResource:
    'AWS does not say which request attribute sets kms:GrantIsForAWSResource; assumed true exactly when an integrated service calls on the principal\'s behalf (--via-service) (spec §2.5, §8.4).',
  createGrantEncryptionContext:
    'AWS does not document how kms:EncryptionContext:* maps on CreateGrant; assumed it is the encryption context in the grant\'s constraint (spec §2.5).',
  reEncryptContext:
    'AWS does not document which encryption context feeds kms:EncryptionContext:* on ReEncrypt; assumed the source context for ReEncryptFrom and the destination context for ReEncryptTo (spec §3.2).',
  keyStateOrder:
    'AWS does not document whether authorization or key state is checked first; assumed authorization first (spec §1.2 step 6).',
  notPrincipal:
    'The KMS guide does not mention NotPrincipal; assumed IAM semantics: a session is exempt only if its account, role and session are all listed (spec §1.4).',
  keyPolicyResource:
    'AWS does not document key-policy Resource values other than "*"; assumed they are matched against the key ARN (spec §1.5).',
  wildcardPrincipalBoundary:
    'AWS documents only "*" with aws:PrincipalArn as not limited by permissions boundaries or session policies; assumed every "*" match is not limited (spec §8.12).',
  roleArnBoundary:
    'KMS does not restate how permissions boundaries and session policies limit a key policy that names a role ARN; assumed the generic IAM rule: they limit it (spec §1.2 5a, G02–G04).',
  crossAccountGrant:
    'AWS does not state whether a cross-account grant needs an IAM allow in the caller\'s account; assumed it does not (spec §1.3).',
  retireByIssuingAccount:
    'The KMS API says the account in which a grant was created may retire it, the guide says the key\'s account; assumed the API (IssuingAccount) (spec §8.8).',
  servicePrincipalAccount:
    'AWS does not document kms:CallerAccount or aws:PrincipalAccount for a service principal; assumed both absent (spec §8.11).',
  principalIsAwsService:
    'aws:PrincipalIsAWSService can be false when an AWS service uses a key through a grant to an AWS-internal grantee; a policy that turns on it may not behave as it reads (spec §8.6).',
  rcpFullAccess:
    'RCPFullAWSAccess is attached to every level of an organization and cannot be detached; assumed it is there, so only RCP Deny statements limit access (spec §1.2 step 4).',
  rotationStatusApi:
    'The KMS key-state and key-type tables say GetKeyRotationStatus fails on asymmetric, HMAC and imported-key-material keys; the API Reference says it succeeds and returns false. kms-why follows the API Reference.',
  retireGrantEncryptionContext:
    'No AWS page says whether kms:EncryptionContext:* or kms:EncryptionContextKeys are set on RetireGrant; kms-why treats them as unknown, so a condition on them makes the verdict unknown (give the value with --condition if you know it).',
  dateWithoutOffset:
    'A date without a time zone offset in a Date condition (or --at) is read as UTC, never in the local time zone of the machine running kms-why.',
  unknownContextKeys:
    'Keys every real request carries but kms-why cannot derive (aws:SourceIp, aws:SourceVpce, aws:CurrentTime without --at, aws:userid without the role\'s unique id, aws:PrincipalOrgID without the organization id…) are unknown, not absent: a statement that turns on one makes the verdict unknown. --condition gives a value, --absent says the request lacks the key.',
  companionPermissions:
    'UpdateAlias needs permission on the alias, the new key and the key the alias points to now; ReplicateKey also kms:CreateKey (and kms:TagResource with tags) from identity policies; UpdatePrimaryRegion permission on the primary and the replica. kms-why checks each as a request of its own.',
  invalidGrant:
    'KMS rejects encryption-context constraints on asymmetric and HMAC keys; a snapshot grant that has one is reported invalid and allows nothing (spec §8.9).',
} as const;

export type AssumptionId = keyof typeof ASSUMPTION;
