// The one place that turns the evaluator's facts into sentences: here, the assumptions a decision
// relied on (ids, model/decision.ts), its hints (typed notes) and its trace (typed steps) become the words the
// JSON contract carries.
import type {
  AssumptionId,
  CheckResult,
  ChildConstraint,
  ConditionMatch,
  ConditionMatchText,
  ConditionNote,
  Decision,
  GrantDetail,
  GrantMatch,
  GrantMatchText,
  HintNote,
  IneffectiveReason,
  LimitedAllow,
  OrgPoliciesNotGiven,
  PartGap,
  PartWhat,
  StatementMatch,
  StatementMatchText,
  StatementRef,
  TraceFact,
  TraceFinding,
  TraceQuestion,
  TraceStep,
} from '../model/decision.js';
import { GRANT_TO_CREATE } from '../model/decision.js';
import { ecText } from '../model/grant.js';
import { rolePathToFillIn } from './fill-in.js';

/**
 * What kms-why assumes where AWS documentation is silent or contradictory; each links to its entry
 * in docs/semantics.md#assumptions, whose heading is the id in kebab case.
 */
export const ASSUMPTION_TEXT: Record<AssumptionId, string> = {
  roleGranteeSessions:
    "AWS does not state that a grant to a role ARN covers the role's sessions; assumed it does, as AWS examples show (docs/semantics.md#role-grantee-sessions).",
  sessionGranteeExact:
    'AWS does not state how a grant to a role-session ARN matches; assumed it covers that exact session only (docs/semantics.md#session-grantee-exact).',
  accountGrantee:
    "AWS does not document grants whose grantee or retiring principal is an account (arn:aws:iam::ACCOUNT:root); assumed one rule for using and retiring them: the account's root user may, its IAM principals need an identity-policy allow, like key-policy account delegation (docs/semantics.md#account-grantee).",
  grantsNotLimitedByBoundary:
    'AWS does not document whether a permissions boundary or session policy limits grant-based access; assumed it does not (docs/semantics.md#grants-not-limited-by-boundary).',
  grantConstraintKeyCase:
    'The KMS guides disagree on grant-constraint case sensitivity; assumed the API Reference: keys case-insensitive, values case-sensitive (docs/semantics.md#grant-constraint-key-case).',
  emptyConstraint:
    'AWS does not document an empty encryption-context constraint; assumed it counts as no constraint, as IAM Access Analyzer does (docs/semantics.md#empty-constraint).',
  grantIsForAwsResource:
    "AWS does not say which request attribute sets kms:GrantIsForAWSResource; assumed true exactly when an integrated service calls on the principal's behalf (--via-service) (docs/semantics.md#grant-is-for-aws-resource).",
  createGrantEncryptionContext:
    "AWS does not document how kms:EncryptionContext:* maps on CreateGrant; assumed it is the encryption context in the grant's constraint (docs/semantics.md#create-grant-encryption-context).",
  reEncryptContext:
    "AWS does not document which of ReEncrypt's two encryption contexts kms:EncryptionContext:* conditions and grant constraints read; assumed the source context for ReEncryptFrom and the destination context for ReEncryptTo (docs/semantics.md#re-encrypt-context).",
  keyStateOrder: 'AWS does not document whether authorization or key state is checked first; assumed authorization first (docs/semantics.md#key-state-order).',
  keyStateBeforeUsage:
    "The key's state and its type both refuse this operation, and AWS does not document which error KMS returns; assumed the key-state error (docs/semantics.md#key-state-before-usage).",
  notPrincipal:
    'The KMS guide does not mention NotPrincipal; assumed IAM semantics: a session is exempt only if its account, role and session are all listed, and a role (evaluated as one of its sessions) never is (docs/semantics.md#not-principal).',
  keyPolicyResource:
    'AWS does not document key-policy Resource values other than "*"; assumed they are matched against the key ARN (docs/semantics.md#key-policy-resource).',
  wildcardPrincipalBoundary:
    'AWS documents only "*" with aws:PrincipalArn as not limited by permissions boundaries or session policies; assumed every "*" match is not limited (docs/semantics.md#wildcard-principal-boundary).',
  roleArnBoundary:
    'KMS does not restate how permissions boundaries and session policies limit a key policy that names a role ARN; assumed the generic IAM rule: they limit it (docs/semantics.md#role-arn-boundary).',
  crossAccountGrant:
    "AWS does not state whether a cross-account grant needs an IAM allow in the caller's account; assumed it does not (docs/semantics.md#cross-account-grant).",
  retireByIssuingAccount:
    "The KMS API says the account in which a grant was created may retire it, the guide says the key's account; assumed the API (IssuingAccount) (docs/semantics.md#retire-by-issuing-account).",
  servicePrincipalAccount:
    'AWS does not document kms:CallerAccount or aws:PrincipalAccount for a service principal; assumed both absent (docs/semantics.md#service-principal-account).',
  sessionTags:
    "A role session's aws:PrincipalTag values are its role's tags here: session tags (passed when the role was assumed, as IAM Identity Center and ABAC set-ups do) would override them, and no snapshot of the role holds them (docs/semantics.md#session-tags).",
  principalIsAwsService:
    'aws:PrincipalIsAWSService can be false when an AWS service uses a key through a grant to an AWS-internal grantee; a policy that turns on it may not behave as it reads (docs/semantics.md#principal-is-aws-service).',
  scpFullAccess:
    'An SCP level given without any Allow statement (deny-list SCPs only) is taken to have FullAWSAccess attached too, as AWS Organizations attaches it by default to every root, OU and account; if it was detached there, that level allows nothing (docs/semantics.md#scp-full-access).',
  rcpFullAccess:
    'RCPFullAWSAccess is attached to every level of an organization and cannot be detached; assumed it is there, so only RCP Deny statements limit access (docs/semantics.md#rcp-full-access).',
  rotationStatusApi:
    'The KMS key-state and key-type tables say GetKeyRotationStatus fails on asymmetric, HMAC and imported-key-material keys; the API Reference says it succeeds and returns false. kms-why follows the API Reference (docs/semantics.md#rotation-status-api).',
  retireGrantEncryptionContext:
    'No AWS page says whether kms:EncryptionContext:* or kms:EncryptionContextKeys are set on RetireGrant; kms-why treats them as unknown, so a condition on them makes the verdict unknown (give the value with --condition if you know it) (docs/semantics.md#retire-grant-encryption-context).',
  dateWithoutOffset:
    'A date without a time zone offset in a Date condition (or --at) is read as UTC, never in the local time zone of the machine running kms-why (docs/semantics.md#date-without-offset).',
  variableNoValue:
    'A policy variable the request has no value for (${aws:username} for a role, ${aws:PrincipalTag/x} without the tag) leaves its condition value matching nothing, so a negated operator on it holds; AWS also says such a variable "might cause the entire statement to be invalid", which would make the statement not apply (docs/semantics.md#variable-no-value).',
  plainOperatorSeveralValues:
    'AWS does not say how an operator without ForAnyValue/ForAllValues treats a key with several values in the request (kms:ResourceAliases, an encryption context with keys differing only in case); assumed a positive operator holds if any value matches and a negated one if none does (docs/semantics.md#plain-operator-several-values).',
  unknownContextKeys:
    "Keys every real request carries but kms-why cannot derive (aws:SourceIp, aws:SourceVpce, aws:CurrentTime without --at, aws:userid without the role's unique id, aws:PrincipalOrgID without the organization id…) are unknown, not absent: a statement that turns on one makes the verdict unknown. --condition gives a value, --absent says the request lacks the key (docs/semantics.md#unknown-context-keys).",
  companionPermissions:
    'UpdateAlias needs permission on the alias, the new key and the key the alias points to now; ReplicateKey also kms:CreateKey (and kms:TagResource with tags) from identity policies; UpdatePrimaryRegion permission on the primary and the replica. kms-why checks each as a request of its own (docs/semantics.md#companion-permissions).',
  requestParameterDefaults:
    "A request parameter the request does not name (RotationPeriodInDays, PendingWindowInDays, BypassPolicyLockoutSafetyCheck, ExpirationModel, CreateKey's KeySpec, KeyUsage, Origin, MultiRegion) is taken at the default KMS gives it, which its condition key then holds; a request that names another value: give it with --condition (docs/semantics.md#request-parameter-defaults).",
  invalidGrant:
    'KMS rejects encryption-context constraints on asymmetric and HMAC keys; a snapshot grant that has one is reported invalid and allows nothing (docs/semantics.md#invalid-grant).',
  grantTokenPresented:
    "A grant created less than five minutes before the request may not be in effect yet except with its grant token; ListGrants does not return tokens, so a token the request presents that the snapshot does not record as another grant's was assumed to be this grant's (docs/semantics.md#grant-token-presented).",
  keyManagerDefault:
    "The key's KeyMetadata does not give KeyManager: taken to be CUSTOMER (a customer managed key), kms-why's default for a snapshot file; an AWS managed key would refuse customers' management operations and not be subject to RCPs (docs/semantics.md#key-manager-default).",
  originDefault:
    "The key's KeyMetadata does not give Origin: taken to be AWS_KMS, kms-why's default for a snapshot file; a key with imported key material (EXTERNAL) or in a custom key store would be decided otherwise (docs/semantics.md#origin-default).",
  grantOperationKeyStore:
    "AWS says a grant's operations must be ones the key's type supports; whether CreateGrant also refuses GenerateDataKeyPair on a key in a custom key store, which cannot generate data key pairs, is not documented: assumed it does not (the grant is created, and using it for that operation fails) (docs/semantics.md#grant-operation-key-store).",
  multiRegionDefault:
    "The key's KeyMetadata does not give MultiRegion: taken to be false (a single-Region key), kms-why's default for a snapshot file; a multi-Region key would be decided otherwise (docs/semantics.md#multi-region-default).",
};

/** The sentence of one assumption. */
export function assumptionText(id: AssumptionId): string {
  return ASSUMPTION_TEXT[id];
}

/** Accounts named in a note before "and N more". */
const NOT_GIVEN_ACCOUNTS = 3;

/**
 * The note on the SCPs and RCPs no input gives (OrgPoliciesNotGiven), once per report: what they
 * could deny (`allows`), and how to give them. An account the inputs name as a member is said to
 * be one; otherwise whether it is one is not known. Each account is labelled with the kind it is
 * for when the note names both kinds but it has one only (the caller's SCPs, another account's key).
 */
export function orgPoliciesNotGivenText(list: readonly OrgPoliciesNotGiven[], allows = 'what this report allows'): string {
  const byAccount = new Map<string, { kinds: Set<'scp' | 'rcp'>; member: boolean; organizationId: string | undefined }>();
  for (const n of list) {
    const a = byAccount.get(n.account) ?? { kinds: new Set(), member: n.member === true, organizationId: n.organizationId };
    a.kinds.add(n.kind);
    byAccount.set(n.account, a);
  }
  const scp = list.some((n) => n.kind === 'scp');
  const rcp = list.some((n) => n.kind === 'rcp');
  const kinds = scp && rcp ? 'SCPs or RCPs' : scp ? 'SCPs' : 'RCPs';
  const flags = scp && rcp ? '--scp-file/--rcp-file' : scp ? '--scp-file' : '--rcp-file';
  const labels = [...byAccount].map(([account, a]) => (scp && rcp && a.kinds.size === 1 ? `${account} (${a.kinds.has('scp') ? 'SCPs' : 'RCPs'})` : account));
  const shown = labels.length > NOT_GIVEN_ACCOUNTS + 1 ? [...labels.slice(0, NOT_GIVEN_ACCOUNTS), `${labels.length - NOT_GIVEN_ACCOUNTS} more`] : labels;
  const join = (word: string): string => (shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} ${word} ${shown[shown.length - 1]!}`);
  const members = [...byAccount.values()];
  const ids = new Set(members.map((a) => a.organizationId));
  const org = ids.size === 1 && [...ids][0] !== undefined ? `organization ${[...ids][0]!}` : 'an organization';
  const what = members.every((a) => a.member)
    ? `${shown.length === 1 ? `account ${join('and')} is` : `accounts ${join('and')} are`} in ${org}, whose ${kinds.replace(' or ', ' and ')} can deny ${allows}`
    : `if ${shown.length <= 2 ? 'account' : 'any of accounts'} ${join('or')} is in AWS Organizations, they can deny ${allows}`;
  return `No ${kinds} were given: ${what} (give them with ${flags} or in the snapshot's Organization).`;
}

/** A statement as hints and the trace name it. */
export function statementText(s: StatementRef): string {
  const where = s.source === 'key-policy' ? 'the key policy' : `${s.source} ${s.policyName}`;
  return `statement "${s.id}" of ${where}`;
}

function statementsText(ss: readonly StatementRef[]): string {
  return ss.map(statementText).join('; ');
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function namesText(names: readonly string[]): string {
  const ns = names.map(underivableName);
  return ns.length === 1 ? ns[0]! : `${ns.slice(0, -1).join(', ')} and ${ns[ns.length - 1]}`;
}

/** An underivable value as a sentence names it: a condition key as written, the grant to create in words. */
function underivableName(name: string): string {
  return name === GRANT_TO_CREATE ? 'the grant to create' : name;
}

function oneOrAll(v: readonly string[]): string {
  return JSON.stringify(v.length === 1 ? v[0] : v);
}

function limitedAllowText(a: LimitedAllow): string {
  switch (a.kind) {
    case 'identity-policy':
      return `The identity-policy allow of ${a.action}${a.on === undefined ? '' : ` on the ${a.on}`}`;
    case 'key-policy-role':
      return `The key-policy allow of ${a.action} to the role`;
    case 'grant':
      return `Grant ${a.grantId}`;
  }
}

/** The sentence of one hint. */
export function hintText(n: HintNote): string {
  switch (n.kind) {
    case 'role-as-caller':
      return `${n.role} is a role; evaluated as one of its sessions (a statement naming one specific session would not match).`;
    case 'context-on-asymmetric-key':
      return `The key is ${n.keySpec}: only symmetric encryption keys take an encryption context, so the one given was not used and kms:EncryptionContext keys are absent.`;
    case 're-encrypt-destination-context':
      return 'The destination encryption context was taken to be the source context (--context), as no --destination-context was given: a ReEncrypt request sends DestinationEncryptionContext apart from the source context, and one that sends none has none; give --destination-context to check what the request sends (docs/semantics.md#re-encrypt-context).';
    case 'context-on-create-grant':
      return 'CreateGrant takes no encryption context, so the one given was not used: kms:EncryptionContext keys on CreateGrant are read from the constraint of the grant to create (--grant-constraint-equals, --grant-constraint-subset) (docs/semantics.md#create-grant-encryption-context).';
    case 'via-service-not-listed':
      return n.instead !== undefined
        ? `kms:ViaService ${n.viaService}: KMS names this service ${n.instead}, not ${n.service} (${n.viaService.replace(n.service, n.instead)}); a real request does not carry this value (docs/semantics.md#via-service).`
        : `kms:ViaService ${n.viaService}: ${n.service} is not among the services KMS documents as setting kms:ViaService; verdicts that turn on it hold only if this service sends that value (docs/semantics.md#via-service).`;
    case 'internal-action':
      return `${n.action} is internal to KMS; no policy lets a customer call it.`;
    case 'not-cross-account':
      return `${n.action} cannot be called across accounts: only principals of account ${n.keyAccount} can call it on this key.`;
    case 'give-alias':
      return `${n.action} needs the alias: give --alias alias/NAME.`;
    case 'give-grant-id':
      return 'RetireGrant is authorized by the grant being retired: give --grant-id.';
    case 'retire-grant-in-key-policy':
      return `${cap(statementsText(n.statements))} allows kms:RetireGrant, which a key policy cannot give: who may retire a grant is the grant's to say, so the statement plays no part here.`;
    case 'retire-not-allowed':
      return `Only the grant's retiring principal, its grantee (when the grant includes RetireGrant) or the account that created it can retire grant ${n.grantId}; others can use RevokeGrant if the key policy allows it.`;
    case 'child-grant':
      return `A child grant is created from parent grant ${n.parentGrantId}.`;
    case 'key-state':
      return n.authorized ? `The request is authorized but fails with ${n.error}` : `Even if it were authorized, the request would fail: ${n.error}`;
    case 'key-identifier':
      return `Named this way, the request never reaches this key (the policy steps above are what it would meet if it did): ${n.error}`;
    case 'unreadable': {
      const them = n.what.startsWith('grants');
      if (!n.decides) return `${cap(n.what)} could not be read (${n.reason}); the verdict holds whatever ${them ? 'they say' : 'it says'}.`;
      return `${cap(n.what)} could not be read (${n.reason})${n.neededPermission ? `; kms-why needs ${n.neededPermission}` : ''}. The verdict depends on ${them ? 'them' : 'it'}.`;
    }
    case 'underivable-holds':
      return `The verdict holds whatever the value of ${namesText(n.names)}, which kms-why cannot derive.`;
    case 'underivable-decides':
      return `The verdict depends on ${underivableName(n.name)}, which kms-why cannot derive from its inputs: give it with ${n.supply}.`;
    case 'companion-unknown':
      return `${n.action} also needs permission on ${partWhatText(n.what)}, but ${partGapText(n.missing)}: ${partSupplyText(n.missing)}.`;
    case 'part':
      return `[${partWhatText(n.what)}] ${hintText(n.note)}`;
    case 'satisfy-conditions': {
      const what = n.conditions
        .map((c) => `${c.key} ${c.operator} ${oneOrAll(c.expected)} (the request has ${c.actual === null ? 'no value' : oneOrAll(c.actual)})`)
        .join(' and ');
      return `${n.statement.source === 'key-policy' ? 'Key-policy' : n.statement.source} statement "${n.statement.id}" would allow this if ${what}.`;
    }
    case 'narrow-deny':
      return `Remove or narrow the Deny ${statementText(n.statement)}: an explicit Deny beats every allow, including grants.`;
    case 'exempt-from-deny': {
      const who = n.session !== undefined ? `${n.session.roleArn}, its session ARN ${n.principal} and account ${n.session.account}` : n.principal;
      return `Add ${who} to the NotPrincipal of the Deny ${statementText(n.statement)}: a NotPrincipal Deny applies to everyone it does not list${n.session !== undefined ? ' (a session is exempt only when the account, the role and the session are all listed)' : ''}.${fillIn(n.session?.roleArn)}`;
    }
    case 'each':
      return n.notes.map(hintText).join(' And: ');
    case 'both':
      return `${hintText(n.notes[0])} ${hintText(n.notes[1])}`;
    case 'also':
      return `${hintText(n.first)} That alone is not enough; also: ${hintText(n.second)}`;
    case 'witness-search-gave-up':
      return `kms-why asked ${n.tried} requests made from the conditions of the statements and grants that could allow it, but none was allowed; it stopped before trying every combination, and a request with other context may be allowed.`;
    case 'scp-gap':
      return `The service control policies at level ${n.level} (${n.policies.join(', ') || 'none'}) do not allow ${n.action}; every level of the hierarchy must allow it: allow it in ${n.into ?? n.policies[0] ?? 'a policy of that level'}.`;
    case 'limited': {
      const name = n.limit === 'permissions-boundary' ? `the permissions boundary${n.boundary !== undefined ? ` ${n.boundary}` : ''}` : 'the session policy';
      const session =
        n.limit === 'session-policy' ? ' (a session policy is fixed when the session is created: create the session with one that allows it)' : '';
      return `${limitedAllowText(n.allow)} is limited by ${name}, which does not allow ${n.action}; allow it there too${session}.`;
    }
    case 'attach-iam-only':
      return `Add an identity policy that allows ${n.action} with "Resource": "${n.resource ?? '*'}" to ${n.principal}; ${n.resource === undefined ? `key policies and grants cannot allow ${n.action}` : 'the key does not exist yet, so only identity policies count'}.`;
    case 'cross-account-key-policy':
      return `The key policy must allow ${n.principal} or its account ${n.account} to use ${n.action}: add a key-policy statement allowing it to arn:${n.partition}:iam::${n.account}:root.`;
    case 'cross-account-iam':
      return `Account ${n.account} must also allow it: attach an identity policy allowing ${n.action} on ${n.keyArn} to ${n.principal} (a key policy alone never lets another account's principals in).`;
    case 'not-delegated':
      return `The IAM allow in ${statementsText(n.statements)} has no effect because the key policy does not delegate ${n.action} to account ${n.account}: add ${n.action} to a key-policy statement for the account principal (arn:${n.partition}:iam::${n.account}:root), or name ${n.role !== undefined ? `the role ${n.role}` : n.principal} in the key policy.${fillIn(n.role)}`;
    case 'delegated-no-iam':
      return `The key policy lets account ${n.account} use IAM policies for ${n.action}, but no identity policy of ${n.principal} allows ${n.action} on ${n.keyArn}: attach one that does.`;
    case 'nothing-allows':
      return `No key-policy statement, no IAM delegation and no grant allows ${n.principal} to ${n.action.replace(/^kms:/, '')} this key: add a key-policy statement allowing ${n.action} to ${n.to}.${fillIn(n.to)}`;
    case 'account-grant-needs-iam':
      return `Grant ${n.grantId} is for account ${n.account}: attach an identity policy allowing ${n.action} on ${n.keyArn} to ${n.principal} to use it.`;
    case 'grant-context':
      return `Grant ${n.grantId} would allow this with encryption context ${JSON.stringify(n.context)}${n.exact ? ' (exactly)' : ''}.`;
    case 'orphaned-grant':
      return `Grant ${n.grantId} was made for a principal that no longer exists (${n.grantee}); a recreated role with the same name does not match it. Create a new grant for ${n.principal}${/:/.test(n.grantee) ? ' (for Lambda: update the function configuration to another role and back)' : ''}.`;
    case 'name-key-by':
      return `Name the key by its ${n.alias ? 'alias ARN' : 'key ARN'}, ${n.identifier}, which a caller in another account can use.`;
    case 'grant-operation':
      return `Grant ${n.grantId} is for this principal but does not include ${n.operation}; each grant operation allows exactly the API of the same name: create a grant that includes it (a grant's operations cannot be changed).`;
    case 'grant-state':
      return n.token
        ? `Grant ${n.grantId}: ${grantDetailText(n.detail)}; pass its grant token (--grant-token), or retry in a few minutes.`
        : `Grant ${n.grantId}: ${grantDetailText(n.detail)}; a new grant with the same operations and constraints would allow it.`;
    case 'alias-iam':
      return `Attach an identity policy allowing ${n.action} on ${n.alias} to ${n.principal}: alias permissions come only from IAM.`;
    case 'alias-key':
      return `${n.action} also needs permission on the key ${n.keyArn}: add a key-policy statement allowing it to ${n.to} (or delegate ${n.action} to account ${n.account} and allow it in IAM).${fillIn(n.to)}`;
    case 'alias-in-resource': {
      const name = n.alias.slice(n.alias.indexOf('alias/'));
      return `Statement "${n.statement.id}" of ${n.statement.policyName} names the alias ${n.alias} in Resource; ${n.action} is authorized on the key, so it never matches. To allow by alias, use Resource "*" (or the key ARN) with a condition on kms:RequestAlias (the alias used in the request) or kms:ResourceAliases (any alias of the key), e.g. "ForAnyValue:StringEquals": {"kms:ResourceAliases": "${name}"}.`;
    }
    case 'retire-as-account':
      return `Grant ${n.grantId} names account ${n.account} as its ${n.as === 'grantee' ? 'grantee (and the grant includes RetireGrant)' : 'retiring principal'}: attach an identity policy allowing kms:RetireGrant on ${n.keyArn} to ${n.principal} to retire it.`;
    case 'retire-as-issuer':
      return `Account ${n.account} created grant ${n.grantId}; attach an identity policy allowing kms:RetireGrant on ${n.keyArn} to ${n.principal} to retire it.`;
  }
}

const short = (action: string): string => action.replace(/^kms:/, '');
const limitName = (l: 'permissions-boundary' | 'session-policy'): string => (l === 'permissions-boundary' ? 'permissions boundary' : 'session policy');

/** The question of a trace step. */
export function questionText(q: TraceQuestion): string {
  switch (q.kind) {
    case 'action-class':
      return `What kind of action is ${q.action}?`;
    case 'same-partition':
      return `Are ${q.principal} and the key in the same partition?`;
    case 'key-state':
      return `Can the key (${q.keyState}, ${q.keySpec}, ${q.keyUsage}) do ${short(q.action)}?`;
    case 'key-identifier':
      return `Does ${q.keyIdentifier}, sent from account ${q.callerAccount}, name the key in account ${q.keyAccount}?`;
    case 'explicit-deny':
      return `Does any policy explicitly deny ${q.action}?`;
    case 'rcp':
      return `Do the RCPs of account ${q.account} allow ${q.action}?`;
    case 'scp':
      return `Do the SCPs of account ${q.account} allow ${q.action}?`;
    case 'iam-only':
      return `Does an identity policy allow ${q.action} (Resource "${q.resource}")?`;
    case 'cross-account':
      return `Can ${q.action} be used from another account?`;
    case 'key-policy-or-account':
      return `Does the key policy allow ${q.principal} or its account ${q.account}?`;
    case 'iam-in-account':
      return `Does an identity policy in account ${q.account} allow ${q.action} on ${q.keyArn}?`;
    case 'key-policy':
      return `Does the key policy allow ${q.principal} to ${short(q.action)}?`;
    case 'limit':
      return `Does the ${limitName(q.limit)} allow ${q.action}?`;
    case 'account-delegation':
      return `Does the key policy allow account ${q.account} to use IAM policies for ${q.action}?`;
    case 'iam-on-key':
      return `Does an identity policy allow ${q.principal} to ${short(q.action)} on ${q.keyArn}?`;
    case 'any-grant':
      return `Does a grant allow ${q.action}?`;
    case 'grant':
      return `Does a grant allow ${q.principal} to ${short(q.action)}?`;
    case 'alias':
      return `Does an identity policy allow ${q.action} on ${q.alias ?? 'the alias'}?`;
    case 'alias-key':
      return `Is ${q.principal} allowed ${q.action} on the key ${q.keyArn}?`;
    case 'which-grant':
      return 'Which grant is to be retired?';
    case 'grant-exists':
      return `Is there a grant ${q.grantId} on the key?`;
    case 'grant-current':
      return `Is grant ${q.grantId} current?`;
    case 'may-retire':
      return `May ${q.principal} retire grant ${q.grantId}?`;
    case 'issuer-iam':
      return `Does an identity policy in account ${q.account}, which created the grant, allow kms:RetireGrant?`;
    case 'companion':
      return `Is ${q.principal} also allowed ${q.action} on ${partWhatText(q.what)}?`;
  }
}

const RETIRE_ROLE = { 'grantee-with-retire': 'grantee (and the grant includes RetireGrant)', 'retiring-principal': 'retiring principal' } as const;

/** What a trace step found. */
export function findingText(f: TraceFinding): string {
  switch (f.kind) {
    case 'action-class':
      switch (f.cls) {
        case 'iam-only':
          return 'an IAM-only action: only identity policies can allow it; key policies and grants play no part';
        case 'alias':
          return 'an alias action: it needs the permission on the alias (IAM policy) and on the key (key policy, or IAM when the key policy delegates)';
        case 'retire-grant':
          return 'RetireGrant: the grant itself says who may retire it; kms:RetireGrant in a key policy has no effect';
        case 'internal':
          return 'an internal KMS action that customers cannot call';
        case 'key':
          return `a KMS key operation, authorized by the key policy (and IAM policies when the key policy delegates)${f.grantable ? ' or a grant' : ''}`;
      }
      break;
    case 'partitions':
      return `the caller is in partition ${f.caller}, the key in ${f.key}; no policy or grant reaches across partitions`;
    case 'key-state-error':
      return f.error;
    case 'key-state-ok':
      return 'the key state and key usage allow this operation';
    case 'key-state-doubt':
      return `that depends on ${f.what}, which the inputs do not record`;
    case 'statements':
      return statementsText(f.statements);
    case 'reasons':
      return f.reasons.map((x) => `${x.source} "${x.id}"`).join('; ');
    case 'no-deny':
      return f.unread
        ? 'no Deny statement applies among the policies that could be read; a policy that could not be read may hold one'
        : 'no Deny statement applies';
    case 'rcp-full-access':
      return 'no RCP denies it, and RCPFullAWSAccess, which cannot be detached, allows everything else';
    case 'scp-allows':
      return f.fullAccessAssumed === undefined
        ? 'every level of the SCP hierarchy allows it'
        : `every level of the SCP hierarchy allows it (${f.fullAccessAssumed.map((l) => `level ${l.level} (${l.policies.join(', ')})`).join(', ')} ${f.fullAccessAssumed.length === 1 ? 'has' : 'have'} no Allow statement: FullAWSAccess assumed attached there too)`;
    case 'scp-gap':
      return `no statement of level ${f.level} (${f.policies.join(', ') || 'no policies'}) allows it on ${f.resource}: an SCP gap is an implicit deny that no other policy can override`;
    case 'root':
      return f.ownAccount ? 'the account root user has full IAM access in its own account' : 'the account root user has full IAM access';
    case 'no-iam-allow': {
      if (f.on === 'alias') return 'no identity-policy statement allows it on the alias';
      const ids = f.aliasResource ?? [];
      const note =
        ids.length > 0
          ? ` (${ids.map((id) => `"${id}"`).join(', ')} names an alias ARN in Resource, which never matches a key operation: use kms:RequestAlias or kms:ResourceAliases)`
          : '';
      return `no identity-policy statement allows it${note}`;
    }
    case 'not-cross-account':
      return `${f.action} works only for principals of the key's account (${f.keyAccount}); permissions for other accounts have no effect`;
    case 'cross-account':
      return f.retire
        ? 'yes: the grant itself says who may retire it (its retiring principal, its grantee, or the account that created it); the key policy plays no part'
        : `the key's account (key policy) and the caller's account (${f.account}, IAM policies) must both allow it`;
    case 'alias-not-cross-account':
      return "alias operations work only in the key's account";
    case 'no-key-policy-or-account':
      return 'no key-policy statement allows the caller or its account';
    case 'role-limited':
      return `${statementsText(f.statements)} names the role, but the role's ${limitName(f.limit)} does not allow ${f.action}`;
    case 'role-allow-limited':
      return "an allow that a key policy gives to a role ARN is limited by the session's permissions boundary and session policy";
    case 'iam-intersection':
      return 'identity-policy permissions are the intersection with the boundary and the session policy';
    case 'no-key-policy-names':
      return 'no key-policy statement names this principal for this action';
    case 'no-account-statement':
      return `no key-policy statement with the account principal covers ${f.action}`;
    case 'not-grantable':
      return `no grant can allow ${f.action}`;
    case 'grants-allow':
      return f.details.map(grantDetailText).join('; ');
    case 'grants-deny': {
      // Of a list read in part, only what was read is counted: the live report and its snapshot's replay say the same.
      const partial = f.firstPage !== undefined ? `beyond the first ${f.firstPage} grants, only those that can apply to this principal were read` : '';
      const others =
        f.others > 0
          ? `${f.others} other grant${f.others === 1 ? '' : 's'}${partial !== '' ? ' read' : ''} ${f.others === 1 ? 'is' : 'are'} for other principals`
          : '';
      const tail = others !== '' || partial !== '' ? ` (${[others, partial].filter((t) => t !== '').join('; ')})` : '';
      return (
        (f.grants.length > 0 ? f.grants.map((g) => `${g.grantId}: ${grantDetailText(g.detail)}`).join('; ') : 'no grant on the key is for this principal') +
        tail
      );
    }
    case 'alias-not-named':
      return 'the request does not name the alias (give --alias)';
    case 'not-on-key':
      return 'neither the key policy nor delegated IAM allows it on the key';
    case 'no-grant-id':
      return 'the request does not name a grant (give --grant-id)';
    case 'no-such-grant':
      return 'no such grant: it was retired or revoked already, or the id is wrong';
    case 'grant-unread':
      return 'the grant could not be read: whether it names this principal as its retiring principal or grantee is not known';
    case 'grant-state':
      return grantDetailText(f.detail);
    case 'retiring-principal':
      return `it is the grant's retiring principal (${f.retiringPrincipal})`;
    case 'grantee-with-retire':
      return 'it is the grantee and the grant includes the RetireGrant operation';
    case 'account-may-retire': {
      const role = RETIRE_ROLE[f.as];
      if (f.root) return `the root user of account ${f.account}, which is the grant's ${role}`;
      if (f.statements === undefined) return `a principal of account ${f.account}, which is the grant's ${role}`;
      return `a principal of account ${f.account}, which is the grant's ${role}, and ${statementsText(f.statements)} allows kms:RetireGrant`;
    }
    case 'issuer-root':
      return `the root user of account ${f.account}, which created the grant: the account root user has full IAM access`;
    case 'grantee-without-retire':
      return 'it is the grantee, but the grant does not include the RetireGrant operation and it is not the retiring principal';
    case 'may-not-retire':
      return `it is neither the retiring principal${f.retiringPrincipal ? ` (${f.retiringPrincipal})` : ''}, nor a grantee with RetireGrant, nor in the account that created the grant`;
    case 'companion-unknown':
      return partGapText(f.missing);
  }
}

/** What a grant check found, as a grant's `detail` says it. */
export function grantDetailText(d: GrantDetail): string {
  switch (d.kind) {
    case 'none':
      return '';
    case 'gives':
      return `grant ${d.grantId} gives ${d.principal} ${d.operation}`;
    case 'gives-account':
      return `grant ${d.grantId} gives account ${d.account} ${d.operation}; its IAM principals need an IAM allow`;
    case 'no-iam-side':
      return `${grantDetailText(d.of)}${d.blockedBy !== undefined ? ` (the ${d.blockedBy} blocks it)` : ', and no identity policy allows it'}`;
    case 'limited':
      return `${grantDetailText(d.of)} (limited by the ${d.limit})`;
    case 'orphaned-grantee':
      return `grantee ${d.grantee} is the unique id of a deleted principal; it matches no current principal (a role deleted and recreated gets a new id)`;
    case 'other-grantee':
      return `grantee ${d.grantee} is not ${d.principal}`;
    case 'operation':
      return `the grant's operations (${d.operations.join(', ')}) do not include ${d.operation}${d.grantable ? '' : ', which no grant can allow'}`;
    case 'retired':
      return 'the grant is retired or revoked';
    case 'pending':
      return d.otherToken === true
        ? 'the grant is not yet consistent (usually under five minutes) and no grant token the request presents is its own'
        : 'the grant is not yet consistent (usually under five minutes) and the request does not present its grant token';
    case 'constraint-on-asymmetric':
      return `the grant has an encryption-context constraint, which KMS does not allow on a ${d.keySpec} key; the grant is invalid`;
    case 'context-exactly':
      return `the grant needs the encryption context to be exactly {${ecText(d.needed)}}; the request has {${ecText(d.given)}}`;
    case 'context-include':
      return `the grant needs the encryption context to include {${ecText(d.needed)}}; the request has {${ecText(d.given)}}`;
    case 'source-arn':
      return `the grant applies only to requests on behalf of ${d.sourceArn}`;
    case 'child-unknown':
      return 'the request does not say which grant would be created (give --grantee and --grant-operations), so the parent grant cannot be checked';
    case 'child-operations':
      return `a child grant may contain only operations of its parent grant ${d.parentGrantId}; ${d.extra.join(', ')} ${d.extra.length === 1 ? 'is' : 'are'} not among them`;
    case 'child-constraints':
      return `the child grant's constraints must be at least as strict as those of parent grant ${d.parentGrantId}: it needs ${childConstraintText(d.needs)}`;
  }
}

/** The constraint a child grant needs, with the flag that gives it. */
export function childConstraintText(c: ChildConstraint): string {
  switch (c.kind) {
    case 'equals':
      return `EncryptionContextEquals {${ecText(c.context)}} (--grant-constraint-equals), exactly as the parent`;
    case 'subset':
      return `EncryptionContextSubset (--grant-constraint-subset) or EncryptionContextEquals with at least {${ecText(c.context)}}`;
    case 'none':
      return 'no constraint';
  }
}

/** Why a condition's value is not plain, as a condition's `note` says it. */
export function conditionNoteText(n: ConditionNote): string {
  switch (n.kind) {
    case 'unreadable':
      return `the value of ${n.name ?? 'this key'} could not be read`;
    case 'underivable':
      return `kms-why cannot derive ${n.name ?? 'this key'}; give it with ${n.supply}`;
    case 'variable-no-value':
      return 'a policy variable in this condition has no value in the request, so that value matches nothing';
    case 'no-encryption-context':
      return `a ${n.action} request carries no encryption context, so this can never hold`;
  }
}

/** Why a statement has no effect, as a statement's `note` says it. */
export function ineffectiveText(r: IneffectiveReason): string {
  switch (r) {
    case 'no-action':
      return 'the statement has no Action, so it has no effect';
    case 'no-resource':
      return 'the statement has no Resource, so it has no effect';
    case 'no-principal':
      return 'the statement has no Principal, so it applies to nobody';
  }
}

/** A further permission, by what it is on (a hint's and a trace question's "[…]" prefix). */
export function partWhatText(w: PartWhat): string {
  switch (w.kind) {
    case 'alias-current-key':
      return `the key ${w.alias} points to now${w.keyArn !== undefined ? ` (${w.keyArn})` : ''}`;
    case 'replica-create-key':
      return `kms:CreateKey in the replica Region${w.region !== undefined ? ` (${w.region})` : ''}`;
    case 'replica-tag':
      return w.replicaArn !== undefined ? `kms:TagResource on the replica ${w.replicaArn}` : 'kms:TagResource on the replica';
    case 'replica-key':
      return w.keyArn !== undefined ? `the replica key ${w.keyArn}` : w.region !== undefined ? `the replica key in ${w.region}` : 'the replica key';
  }
}

/** What the inputs do not say about a further permission. */
export function partGapText(g: PartGap): string {
  switch (g.kind) {
    case 'alias-target-unknown':
      return `the snapshot does not say which key ${g.alias} points to now (no key in it lists that alias)`;
    case 'replica-region-unknown':
      return 'the request tags the replica but does not say its Region';
    case 'primary-region-unknown':
      return 'the request does not say which Region becomes primary';
    case 'replica-not-in-snapshot':
      return `the snapshot has no key ${g.keyId} in ${g.region}`;
  }
}

/** How to supply what the inputs do not say about a further permission. */
export function partSupplyText(g: PartGap): string {
  switch (g.kind) {
    case 'alias-target-unknown':
      return `add that key to the snapshot (kms-why snapshot --key ${g.alias}), or check it with --key <its current key>`;
    case 'replica-region-unknown':
      return '--condition kms:ReplicaRegion=REGION';
    case 'primary-region-unknown':
      return '--condition kms:PrimaryRegion=REGION';
    case 'replica-not-in-snapshot':
      return `add the replica to the snapshot (kms-why snapshot --key arn:${g.partition}:kms:${g.region}:${g.account}:key/${g.keyId})`;
  }
}

/** A condition match in words (its note phrased; every other field as found). */
export function phraseCondition(c: ConditionMatch): ConditionMatchText {
  const { note, ...rest } = c;
  return note === undefined ? rest : { ...rest, note: conditionNoteText(note) };
}

/** A statement match in words: its note and its conditions' notes phrased, each key where it was. */
export function phraseStatement(s: StatementMatch): StatementMatchText {
  // Spread, then overwrite: a key keeps its place, so the JSON report's key order is unchanged.
  const out: StatementMatchText = { ...s, note: undefined, conditions: s.conditions.map(phraseCondition) };
  if (s.note === undefined) delete out.note;
  else out.note = ineffectiveText(s.note);
  return out;
}

/** A grant match in words. */
export function phraseGrant(g: GrantMatch, detail: string = grantDetailText(g.detail)): GrantMatchText {
  return { ...g, detail };
}

/** A trace step in words; the grant a RetireGrant step is about carries the step's finding. */
export function phraseStep(t: TraceFact): TraceStep {
  const detail = findingText(t.why);
  const question = questionText(t.ask);
  const out: TraceStep = {
    step: t.step,
    question: t.within === undefined ? question : `${t.within.map((w) => `[${partWhatText(w)}] `).join('')}${question}`,
    answer: t.answer,
    detail,
  };
  if (t.statements !== undefined) out.statements = t.statements.map(phraseStatement);
  if (t.grants !== undefined) out.grants = t.ask.kind === 'may-retire' ? t.grants.map((g) => phraseGrant(g, detail)) : t.grants.map((g) => phraseGrant(g));
  return out;
}

/** A decision as the report contract carries it: its facts in words. */
export function phraseDecision(d: Decision): CheckResult {
  const { unknownBecause, decidedIn, ...rest } = d;
  const out: CheckResult = { ...rest, trace: d.trace.map(phraseStep), hints: d.hints.map(hintText), assumptions: d.assumptions.map(assumptionText) };
  if (unknownBecause !== undefined) out.unknownBecause = hintText(unknownBecause);
  if (d.trace.some((t) => t.within !== undefined)) {
    const part = decidedIn === undefined ? undefined : JSON.stringify(decidedIn);
    out.decidingWalk = d.trace.flatMap((t, i) =>
      (part === undefined ? t.within === undefined : t.within !== undefined && JSON.stringify(t.within[0]) === part) ? [i] : [],
    );
  }
  return out;
}

/** The sentence on a role ARN whose path is to be filled in (fill-in.ts), after a space; '' for any other. */
function fillIn(roleArn: string | undefined): string {
  const t = roleArn !== undefined ? rolePathToFillIn(roleArn) : '';
  return t === '' ? '' : ` ${t}`;
}
