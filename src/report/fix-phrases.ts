// The sentences of --fix and of the error's clue against today's verdict: src/analyses/fix.ts
// returns what it found as data (closed unions of kinds), and these phrase each kind. Every
// switch is exhaustive: a new kind fails to compile until it is given its words here.
import type {
  ApplyFailure,
  ClueCheck,
  ClueFinding,
  ClueSource,
  ClueTiming,
  FixChange,
  FixChecked,
  FixTitle,
  GrantScope,
  ImpliedDenial,
  MissingInput,
  PolicyPlace,
  ProbeGroups,
  RejectedFix,
  RejectedWhat,
  RejectedWhy,
  SideEffect,
  StillDeniedGap,
} from '../analyses/fix.js';
import type { Verdict } from '../model/decision.js';
import { article } from '../model/error-clue.js';
import { unreachable } from './unreachable.js';

// ─────────────────────────────────────────────────────────────────────────────────────────────
// The error's clue against today's verdict

/** The denial today's inputs imply, in the words of AWS error messages. */
/** What today's policies alone say of the request (its authorization), after "today's policies alone". */
function verdictWords(v: Verdict): string {
  return v === 'allow' ? 'allow it' : v === 'deny' ? 'deny it too' : 'may or may not allow it (see the report)';
}

export function impliedText(i: ImpliedDenial): string {
  switch (i.kind) {
    case 'key-state':
      return 'the request is authorized but the key state refuses it';
    case 'explicit-deny':
      return `an explicit deny in ${i.layers.map((l) => `${article(l)} ${l}`).join(' and ') || 'a policy'}`;
    case 'no-allow':
      return `no ${i.layers.join(' or ')} allows it`;
    default:
      return unreachable(i.kind);
  }
}

/** " the error (…)" after "since", or nothing when the event's time is not known. */
function sinceText(t: ClueTiming, what: ClueSource): string {
  switch (t.kind) {
    case 'unknown':
      return '';
    case 'event':
      return ` the ${what} (${t.eventTime})`;
    case 'snapshot-after':
      return ` the ${what} (${t.eventTime}; the snapshot is from ${t.capturedAt})`;
    case 'snapshot-before':
      return ` — but the snapshot (${t.capturedAt}) is older than the ${what} (${t.eventTime}): take a new snapshot`;
    default:
      return unreachable(t);
  }
}

/** What today's verdict says against the error's clue: one or two plain sentences. */
export function clueFindingText(f: ClueFinding): string {
  switch (f.kind) {
    case 'unreadable':
      return `kms-why cannot tell whether today's policies still deny the request: ${f.inputs.join(', ') || 'an input'} could not be read.`;
    case 'undecided':
      return `kms-why cannot tell whether today's policies allow the request: the verdict depends on ${
        f.keys.length > 0 ? f.keys.join(', ') : 'a part of the request'
      }, which the ${f.what === 'error' ? 'error message' : 'event'} does not give (see the hints).`;
    case 'still-allowed':
      return "Today's policies allow this request, as the event shows: the call succeeded.";
    case 'denied-now':
      return `Today's policies deny this request (${f.implied ? impliedText(f.implied) : 'denied'}), although the event shows the call succeeded: something has changed since${sinceText(f.timing, 'event')}, or the request kms-why evaluated differs from the one that was made.`;
    case 'key-state-error': {
      const today =
        f.keyState === undefined
          ? "The key's state today could not be read"
          : f.refusal !== undefined
            ? `Today the key is ${f.keyState}: its state still refuses ${f.action} (${f.refusal}), whatever the policies say; today's policies alone ${verdictWords(f.authorization)}`
            : `Today the key is ${f.keyState}: its state no longer refuses ${f.action}; today the request is ${f.verdict === 'allow' ? 'allowed' : f.verdict === 'deny' ? `denied (${f.implied ? impliedText(f.implied) : 'denied'})` : 'of unknown outcome (see the report)'}`;
      const refused =
        f.keyState !== undefined && f.refuses !== undefined
          ? f.refuses.length === 0
            ? ` In state ${f.keyState} the key refuses none of its operations.`
            : ` In state ${f.keyState} the key refuses ${f.refuses.join(', ')}.`
          : '';
      return `The call failed with ${f.errorCode} because the key was ${f.state} when it was made: a key-state error, not an access denial. ${today}.${refused}`;
    }
    case 'not-an-authorization-error':
      return `The call failed with ${f.errorCode}, not an access denial, so the event does not say whether the policies allowed it; today's policies ${
        f.allowed ? 'allow this request' : `deny this request (${f.implied ? impliedText(f.implied) : 'denied'})`
      }.`;
    case 'allowed-now':
      return `Today's policies allow this request, although the ${f.what} says it was denied: something has changed since${sinceText(f.timing, f.what)}, or the request kms-why evaluated differs from the one that failed.${
        f.keyInaccessible
          ? ' This message is also what KMS returns when the ciphertext was encrypted under another key than the one evaluated, or the key is in another region: check which key the ciphertext names (CloudTrail shows it).'
          : ''
      }`;
    case 'still-denied':
      return `Today's policies still deny the request (${f.implied ? impliedText(f.implied) : 'denied'}).`;
    case 'key-state-refuses':
      return `Today the request is authorized, but the key state refuses it (${f.refusal}); the ${f.what} reported an authorization failure, so the policies have changed since${sinceText(f.timing, f.what)}, or the request differed.`;
    case 'denied-as-said':
      return `Today's policies still deny the request (${f.implied ? impliedText(f.implied) : 'denied'}), as the ${f.what} says.`;
    case 'same-reason':
      return `Today's policies still deny the request, and for the reason the ${f.what} gives: ${impliedText(f.implied)}.`;
    case 'other-reason':
      return `Today's policies still deny the request, but not for the reason the ${f.what} gives: it says no ${f.clueLayer} allows it; kms-why finds ${f.implied ? impliedText(f.implied) : 'a deny'}. An input is missing or has changed since${sinceText(f.timing, f.what)}.`;
    case 'explicit-deny-as-said':
      return `Today's policies still deny the request with an explicit Deny, as the ${f.what} says: ${f.statements.map((r) => `"${r.id}"${r.policyName ? ` of ${r.policyName}` : ''}`).join(', ')}.`;
    case 'not-as-said':
      return `Today's policies still deny the request, but not as the ${f.what} says: it names an explicit deny${f.clueLayer ? ` in ${article(f.clueLayer)} ${f.clueLayer}` : ''}; kms-why finds ${f.implied ? impliedText(f.implied) : 'a deny'}. An input is missing or has changed since${sinceText(f.timing, f.what)}.`;
    default:
      return unreachable(f);
  }
}

/** An input that is probably missing or out of date, in words. */
export function missingInputText(m: MissingInput): string {
  switch (m.kind) {
    case 'unreadable':
      return `${m.what} (${m.reason})`;
    case 'request-as-made-allowed':
      return 'the request as it was made: its encryption context (--context), kms:ViaService (--via-service) and caller (--principal) decide conditions and grants';
    case 'request-as-made':
      return 'the request as it was made: encryption context (--context), kms:ViaService (--via-service), the exact caller (--principal) and other condition keys (--condition)';
    case 'vpc-endpoint-policy':
      return 'the VPC endpoint policy (kms-why does not read VPC endpoint policies)';
    case 'organization-policies': {
      const which = m.level === 'scp' ? 'service control policies' : 'resource control policies';
      return m.inSnapshot
        ? `the ${which} of account ${m.account} (the snapshot's may be out of date)`
        : `the ${which} of account ${m.account}: the snapshot has none (add "Organization" with the ${m.level.toUpperCase()} hierarchy)`;
    }
    case 'permissions-boundary':
      return m.recorded
        ? `the permissions boundary of ${m.principal} (the snapshot's may be out of date)`
        : `the permissions boundary of ${m.principal}: the snapshot records none`;
    case 'session-policies':
      return `the session policies passed when ${m.principal} was created (AssumeRole --policy/--policy-arns): add them as SessionPolicies of the session's entry`;
    case 'identity-policies':
      return m.inSnapshot
        ? `the identity policies of ${m.principal} (including group and managed policies; the snapshot's may be out of date)`
        : `the identity policies of ${m.principal}: the snapshot has no entry for it`;
    case 'key-policy-and-grants':
      return `the key policy and grants of ${m.keyArn ?? 'the key'} (the snapshot's may be out of date)`;
    case 'deny-would-be-explicit':
      return `the Deny kms-why finds (${m.statementIds.map((id) => `"${id}"`).join(', ')}) would have been reported as an explicit deny: it was added after the error, or its conditions did not match the request as it was made`;
    default:
      return unreachable(m);
  }
}

/** The `today` of the explain JSON (version 1): the check with its sentences. */
export function todayView(t: ClueCheck): Record<string, unknown> {
  return { status: t.status, agrees: t.agrees, implied: t.implied, text: clueFindingText(t.finding), missingInputs: t.missing.map(missingInputText) };
}

/** The warning --fix adds when the verdict and the error disagree: find the missing input first. */
export function disagreementWarning(what: ClueSource, firstMissing: MissingInput | undefined): string {
  return `These changes were verified against the inputs kms-why has, which disagree with the ${what}: find the missing input first (${firstMissing ? missingInputText(firstMissing) : 'see above'}); until then the request may stay denied.`;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Proposals

/** Where a policy is, for people: "the key policy of KEY", "identity policy P of ROLE" … */
export function policyPlaceText(p: PolicyPlace): string {
  switch (p.kind) {
    case 'key-policy':
      return `the key policy of ${p.keyArn}`;
    case 'identity-policy':
      return `identity policy ${p.policyName} of ${p.principal}`;
    case 'permissions-boundary':
      return `the permissions boundary ${p.policyName} of ${p.principal}`;
    case 'session-policy':
      return `session policy ${p.policyName} of ${p.principal}`;
    case 'organization-policy':
      return `${p.level.toUpperCase()} ${p.policyName} at ${p.target} (account ${p.account})`;
    default:
      return unreachable(p);
  }
}

/** One part of a proposal's title. */
export function fixTitlePart(t: FixTitle): string {
  switch (t.kind) {
    case 'enable-key':
      return `Enable the key (it is ${t.keyState})`;
    case 'narrow-deny':
      return `Exempt ${t.principal} from the Deny "${t.statementId}" in ${policyPlaceText(t.where)}`;
    case 'remove-deny':
      return `Remove the Deny "${t.statementId}" from ${policyPlaceText(t.where)}`;
    case 'recreate-lambda-grant':
      return `Re-create the grant Lambda uses to decrypt ${t.functionName}'s environment variables`;
    case 'iam-statement':
      return `Add an IAM policy allowing ${t.action} on the key to ${t.principalKind} ${t.principal}`;
    case 'key-policy-statement':
      return `Add a key policy statement naming ${t.principal}`;
    case 'key-policy-and-iam':
      return t.sameAccount
        ? 'Name the caller in the key policy and allow it in IAM'
        : 'Allow the caller on both sides: the key policy (key account) and IAM (caller account)';
    case 'boundary-statement':
      return `allow ${t.action} in the permissions boundary ${t.policyName}`;
    case 'name-key-by':
      return `Name the key by its ${t.alias ? 'alias ARN' : 'key ARN'} ${t.identifier}`;
    default:
      return unreachable(t);
  }
}

/** A proposal's title: its parts joined. */
export function fixTitleText(titles: readonly FixTitle[]): string {
  return titles.map(fixTitlePart).join('; and ');
}

/** One line describing a change, for people. */
export function changeTitle(c: FixChange): string {
  switch (c.kind) {
    case 'add-key-policy-statement':
      return `Add this statement to the key policy of ${c.keyArn}:`;
    case 'add-identity-policy':
      return `Attach this policy as ${c.policyName} to ${c.principalKind} ${c.principalArn}:`;
    case 'add-boundary-statement':
      return `Add this statement to the permissions boundary ${c.policyName}${c.policyArn ? ` (${c.policyArn})` : ''} of ${c.principalArn}:`;
    case 'remove-statement':
      return `Remove the Deny statement "${c.statementId}" from ${policyPlaceText(c.where)}:`;
    case 'replace-statement':
      return `Replace the Deny statement "${c.statementId}" in ${policyPlaceText(c.where)} with:`;
    case 'recreate-lambda-grant':
      return `Make Lambda create the grant again (it will look like this) by switching ${c.functionName} to another role and back:`;
    case 'enable-key':
      return `${c.keyState === 'PendingDeletion' ? 'Cancel the key deletion and enable' : 'Enable'} the key ${c.keyArn}.`;
    case 'name-key-by':
      return `Send the request with ${c.identifier} as its KeyId: from another account, ${c.keyIdentifier} does not name this key.`;
    default:
      return unreachable(c);
  }
}

/** What else a change allows, in one sentence. */
export function sideEffectText(e: SideEffect): string {
  const verbs = e.actions.map((x) => x.replace(/^kms:/, '')).join(', ');
  return `This also lets ${sideEffectSubject(e.subject)} ${verbs}${sideEffectContext(e)}.`;
}

function sideEffectSubject(s: SideEffect['subject']): string {
  switch (s.kind) {
    case 'this-session':
      return 'this session';
    case 'every-session':
      return `every session of the role ${s.roleArn}`;
    case 'principal':
      return s.arn;
    default:
      return unreachable(s);
  }
}

function sideEffectContext(e: SideEffect): string {
  const parts: string[] = [];
  if (e.requestContext.encryptionContext) parts.push('encryption context');
  if (e.requestContext.viaService !== undefined) parts.push(`kms:ViaService ${e.requestContext.viaService}`);
  if (parts.length === 0) return '';
  switch (e.variant) {
    case 'with-context':
      return ` (with the same ${parts.join(' and ')})`;
    case 'without-context':
      return ` without the request's ${parts.join(' or ')}`;
    default:
      return unreachable(e.variant);
  }
}

function probeGroupsText(g: ProbeGroups): string[] {
  const parts: string[] = [];
  if (g.otherActions) parts.push("the caller's other actions on the key");
  if (g.otherSession) parts.push('another session of its role');
  if (g.otherPrincipals > 0) parts.push(`the snapshot's ${g.otherPrincipals === 1 ? 'other principal' : `${g.otherPrincipals} other principals`}`);
  if (g.withoutContext) parts.push('the request without its context');
  return parts;
}

/**
 * What a proposal that gains nothing among the probes can say: that it allows nothing else of what
 * was checked and decided, named (not "nothing else" at all).
 */
export function nothingElseText(c: FixChecked | undefined): string {
  if (c === undefined) return 'It allows nothing else kms-why checked.';
  const parts = probeGroupsText(c.decided);
  if (parts.length === 0) return 'kms-why could check nothing else it might allow.';
  return `It allows nothing else kms-why checked (${parts.join(', ')}).`;
}

/** The probes denied before the change and unknown after it, when there are any: the change may allow them. */
export function undecidedText(c: FixChecked | undefined): string | undefined {
  if (c === undefined) return undefined;
  const parts = probeGroupsText(c.undecided);
  if (parts.length === 0) return undefined;
  return `It may allow more for ${parts.join(', ')}: denied before the change, unknown after it.`;
}

/**
 * Which grants an allow of kms:CreateGrant lets the caller create (its conditions), and what it
 * leaves open because the request does not name it, with the condition keys that would limit it.
 */
export function grantScopeText(g: GrantScope): string {
  const limits: string[] = [];
  if (g.granteePrincipal !== undefined) limits.push(`to ${g.granteePrincipal} (kms:GranteePrincipal)`);
  if (g.granteeServicePrincipal !== undefined) limits.push(`to the service ${g.granteeServicePrincipal} (kms:GranteeServicePrincipal)`);
  if (g.operations !== undefined)
    limits.push(
      `${g.operations.length === 1 ? `for the operation ${g.operations[0]}` : `for operations among ${g.operations.join(', ')}`} (kms:GrantOperations)`,
    );
  if (g.forAwsResource) limits.push("created by an AWS service on the caller's behalf (kms:GrantIsForAWSResource)");
  const openGrantee = g.granteePrincipal === undefined && g.granteeServicePrincipal === undefined;
  const openOps = g.operations === undefined;
  const out: string[] = [];
  if (limits.length > 0) out.push(`Its conditions allow only grants ${limits.join(', ')}, with any grant constraints and retiring principal.`);
  if (openGrantee || openOps) {
    const unnamed = [openGrantee ? 'the grantee (--grantee)' : '', openOps ? 'the operations (--grant-operations)' : ''].filter(Boolean).join(' or ');
    const any =
      openGrantee && openOps
        ? 'any grant on the key, to any grantee (the caller itself included) for any operations (CreateGrant included)'
        : openGrantee
          ? 'grants to any grantee (the caller itself included)'
          : 'grants for any operations (CreateGrant included)';
    const keys = [openGrantee ? 'kms:GranteePrincipal' : '', openOps ? 'kms:GrantOperations' : ''].filter(Boolean).join(' and ');
    const aws = g.forAwsResource ? '' : ', and on kms:GrantIsForAWSResource when only an AWS service should create them';
    out.push(
      `The request does not name ${unnamed}: this allows creating ${any}. Limit it with conditions on ${keys} for the grants the caller should create${aws}.`,
    );
  }
  return out.join(' ');
}

/** The `alsoAllows` entry of the JSON (version 1): the side effect with its sentence. */
export function sideEffectView(e: SideEffect): Record<string, unknown> {
  return { who: e.who, principal: e.principal, variant: e.variant, actions: e.actions, text: sideEffectText(e) };
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Changes considered and not proposed

export function rejectedTitle(w: RejectedWhat): string {
  switch (w.kind) {
    case 'recreate-lambda-grant':
      return 'Re-create the Lambda grant';
    case 'iam-statement':
      return 'Add an IAM policy statement';
    case 'key-policy-statement':
      return 'Add a key policy statement';
    case 'tried':
      return fixTitleText(w.titles);
    default:
      return unreachable(w);
  }
}

export function rejectedWhy(w: RejectedWhy): string {
  switch (w.kind) {
    case 'grants-unreadable':
      return "the key's grants could not be read, so the re-created grant cannot be checked against them";
    case 'function-uses-other-key':
      return `function ${w.functionName} is configured with ${w.keyArn ?? 'the AWS managed key aws/lambda'}, not this key: Lambda would create its grant there`;
    case 'identity-policies-unreadable':
      return `the identity policies of ${w.principal} could not be read`;
    case 'key-policy-unreadable':
      return 'the key policy could not be read';
    case 'not-applicable':
      return applyFailureText(w.failure);
    case 'error':
      return w.message;
    case 'still-denied': {
      const by = w.decidedBy === 'explicit-deny' ? `explicit Deny ${w.denyIds.map((id) => `"${id}"`).join(', ')}` : w.decidedBy.replace(/-/g, ' ');
      const verdict = `the request would still be ${w.verdict === 'unknown' ? 'unknown' : 'denied'} (${by})`;
      return w.gap === undefined ? verdict : `${verdict}: ${gapText(w.gap)}`;
    }
    default:
      return unreachable(w);
  }
}

function gapText(g: StillDeniedGap): string {
  switch (g.kind) {
    case 'key-policy-must-allow':
      return `the key policy must also allow ${g.principal} or its account ${g.account}`;
    case 'iam-must-allow':
      return `account ${g.account} must also allow it in IAM`;
    case 'no-delegation':
      return `the key policy does not let IAM policies decide ${g.action} for account ${g.account}, so an IAM allow has no effect`;
    default:
      return unreachable(g);
  }
}

/** Why a change could not be applied to the snapshot. */
export function applyFailureText(f: ApplyFailure): string {
  switch (f.kind) {
    case 'key-policy-unreadable':
      return `no readable key policy for ${f.keyArn}`;
    case 'identity-policies-unreadable':
      return `identity policies of ${f.principal} are unreadable`;
    case 'boundary-unreadable':
      return `no readable permissions boundary for ${f.principal}`;
    case 'policy-not-found':
      return 'the policy to change is not in the snapshot';
    case 'grants-unreadable':
      return `no readable grants for ${f.keyArn}`;
    default:
      return unreachable(f);
  }
}

/** The `rejected` entry of the JSON (version 1). */
export function rejectedView(r: RejectedFix): { title: string; why: string } {
  return { title: rejectedTitle(r.what), why: rejectedWhy(r.why) };
}
