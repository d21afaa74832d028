// The exact words of every kind src/analyses/fix.ts returns and src/report/fix-phrases.ts phrases.
// Many of these sentences appear in no golden file (explain-error's "Today" section, the rarer
// rejections), so each is pinned here. The samples are Records over the kinds: a new kind fails to
// compile until it is given a sample and its sentence.
import { describe, expect, it } from 'vitest';
import type {
  ApplyFailure,
  ClueFinding,
  ClueTiming,
  FixChange,
  FixTitle,
  ImpliedDenial,
  MissingInput,
  PolicyPlace,
  RejectedWhat,
  RejectedWhy,
  SideEffect,
  StillDeniedGap,
} from '../../src/analyses/fix.js';
import {
  applyFailureText,
  changeTitle,
  clueFindingText,
  disagreementWarning,
  fixTitlePart,
  fixTitleText,
  grantScopeText,
  impliedText,
  missingInputText,
  nothingElseText,
  policyPlaceText,
  rejectedTitle,
  rejectedView,
  rejectedWhy,
  sideEffectText,
  sideEffectView,
  todayView,
  undecidedText,
} from '../../src/report/fix-phrases.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROLE = 'arn:aws:iam::111122223333:role/app';
const SESSION = 'arn:aws:sts::111122223333:assumed-role/app/s1';

type Samples<T extends { kind: string }> = { [K in T['kind']]: Array<[T & { kind: K }, string]> };

function each<T extends { kind: string }>(samples: Samples<T>, phrase: (x: T) => string): void {
  for (const list of Object.values(samples) as Array<Array<[T, string]>>) {
    expect(list.length).toBeGreaterThan(0);
    for (const [x, text] of list) expect(phrase(x), JSON.stringify(x)).toBe(text);
  }
}

const noAllow: ImpliedDenial & { kind: 'no-allow' } = { kind: 'no-allow', layers: ['identity-based policy'] };

describe('the error clue against today', () => {
  it('the implied denial', () => {
    each<ImpliedDenial>(
      {
        'no-allow': [
          [noAllow, 'no identity-based policy allows it'],
          [
            { kind: 'no-allow', layers: ['service control policy', 'resource control policy'] },
            'no service control policy or resource control policy allows it',
          ],
        ],
        'explicit-deny': [
          [
            { kind: 'explicit-deny', layers: ['identity-based policy', 'resource-based policy'] },
            'an explicit deny in an identity-based policy and a resource-based policy',
          ],
          [{ kind: 'explicit-deny', layers: [] }, 'an explicit deny in a policy'],
        ],
        'key-state': [[{ kind: 'key-state', layers: [] }, 'the request is authorized but the key state refuses it']],
      },
      impliedText,
    );
  });

  it('every finding, with each timing', () => {
    const timings: Record<ClueTiming['kind'], ClueTiming> = {
      unknown: { kind: 'unknown' },
      event: { kind: 'event', eventTime: '2026-01-01T00:00:00Z' },
      'snapshot-after': { kind: 'snapshot-after', eventTime: '2026-01-01T00:00:00Z', capturedAt: '2026-02-01T00:00:00Z' },
      'snapshot-before': { kind: 'snapshot-before', eventTime: '2026-01-01T00:00:00Z', capturedAt: '2025-12-01T00:00:00Z' },
    };
    each<ClueFinding>(
      {
        unreadable: [
          [
            { kind: 'unreadable', inputs: ['the key policy', 'the grants'] },
            "kms-why cannot tell whether today's policies still deny the request: the key policy, the grants could not be read.",
          ],
          [{ kind: 'unreadable', inputs: [] }, "kms-why cannot tell whether today's policies still deny the request: an input could not be read."],
        ],
        undecided: [
          [
            { kind: 'undecided', what: 'error', keys: ['kms:ViaService'] },
            "kms-why cannot tell whether today's policies allow the request: the verdict depends on kms:ViaService, which the error message does not give (see the hints).",
          ],
          [
            { kind: 'undecided', what: 'event', keys: [] },
            "kms-why cannot tell whether today's policies allow the request: the verdict depends on a part of the request, which the event does not give (see the hints).",
          ],
        ],
        'still-allowed': [[{ kind: 'still-allowed' }, "Today's policies allow this request, as the event shows: the call succeeded."]],
        'denied-now': [
          [
            { kind: 'denied-now', timing: timings.event, implied: { kind: 'no-allow', layers: ['identity-based policy'] } },
            "Today's policies deny this request (no identity-based policy allows it), although the event shows the call succeeded: something has changed since the event (2026-01-01T00:00:00Z), or the request kms-why evaluated differs from the one that was made.",
          ],
        ],
        'key-state-error': [
          [
            {
              kind: 'key-state-error',
              errorCode: 'DisabledException',
              state: 'disabled',
              action: 'kms:Decrypt',
              keyState: 'Disabled',
              refusal: `DisabledException: ${KEY} is disabled.`,
              refuses: ['kms:Decrypt', 'kms:Encrypt'],
              verdict: 'deny',
              authorization: 'allow',
              implied: { kind: 'key-state', layers: [] },
            },
            `The call failed with DisabledException because the key was disabled when it was made: a key-state error, not an access denial. Today the key is Disabled: its state still refuses kms:Decrypt (DisabledException: ${KEY} is disabled.), whatever the policies say; today's policies alone allow it. In state Disabled the key refuses kms:Decrypt, kms:Encrypt.`,
          ],
          [
            {
              kind: 'key-state-error',
              errorCode: 'KMSInvalidStateException',
              state: 'pending deletion',
              action: 'kms:Decrypt',
              keyState: 'Enabled',
              refuses: [],
              verdict: 'deny',
              authorization: 'deny',
              implied: noAllow,
            },
            'The call failed with KMSInvalidStateException because the key was pending deletion when it was made: a key-state error, not an access denial. Today the key is Enabled: its state no longer refuses kms:Decrypt; today the request is denied (no identity-based policy allows it). In state Enabled the key refuses none of its operations.',
          ],
          [
            {
              kind: 'key-state-error',
              errorCode: 'DisabledException',
              state: 'disabled',
              action: 'kms:Decrypt',
              verdict: 'unknown',
              authorization: 'unknown',
              implied: null,
            },
            "The call failed with DisabledException because the key was disabled when it was made: a key-state error, not an access denial. The key's state today could not be read.",
          ],
        ],
        'not-an-authorization-error': [
          [
            { kind: 'not-an-authorization-error', errorCode: 'ThrottlingException', allowed: true, implied: null },
            "The call failed with ThrottlingException, not an access denial, so the event does not say whether the policies allowed it; today's policies allow this request.",
          ],
          [
            { kind: 'not-an-authorization-error', errorCode: 'DisabledException', allowed: false, implied: { kind: 'key-state', layers: [] } },
            "The call failed with DisabledException, not an access denial, so the event does not say whether the policies allowed it; today's policies deny this request (the request is authorized but the key state refuses it).",
          ],
        ],
        'allowed-now': [
          [
            { kind: 'allowed-now', what: 'error', timing: timings.unknown, keyInaccessible: false },
            "Today's policies allow this request, although the error says it was denied: something has changed since, or the request kms-why evaluated differs from the one that failed.",
          ],
          [
            { kind: 'allowed-now', what: 'event', timing: timings.event, keyInaccessible: false },
            "Today's policies allow this request, although the event says it was denied: something has changed since the event (2026-01-01T00:00:00Z), or the request kms-why evaluated differs from the one that failed.",
          ],
          [
            { kind: 'allowed-now', what: 'event', timing: timings['snapshot-after'], keyInaccessible: false },
            "Today's policies allow this request, although the event says it was denied: something has changed since the event (2026-01-01T00:00:00Z; the snapshot is from 2026-02-01T00:00:00Z), or the request kms-why evaluated differs from the one that failed.",
          ],
          [
            { kind: 'allowed-now', what: 'error', timing: timings['snapshot-before'], keyInaccessible: true },
            "Today's policies allow this request, although the error says it was denied: something has changed since — but the snapshot (2025-12-01T00:00:00Z) is older than the error (2026-01-01T00:00:00Z): take a new snapshot, or the request kms-why evaluated differs from the one that failed. This message is also what KMS returns when the ciphertext was encrypted under another key than the one evaluated, or the key is in another region: check which key the ciphertext names (CloudTrail shows it).",
          ],
        ],
        'still-denied': [
          [{ kind: 'still-denied', implied: noAllow }, "Today's policies still deny the request (no identity-based policy allows it)."],
          [{ kind: 'still-denied', implied: null }, "Today's policies still deny the request (denied)."],
        ],
        'key-state-refuses': [
          [
            { kind: 'key-state-refuses', what: 'error', timing: timings.unknown, refusal: `DisabledException: ${KEY} is disabled.` },
            `Today the request is authorized, but the key state refuses it (DisabledException: ${KEY} is disabled.); the error reported an authorization failure, so the policies have changed since, or the request differed.`,
          ],
        ],
        'denied-as-said': [
          [
            { kind: 'denied-as-said', what: 'error', implied: noAllow },
            "Today's policies still deny the request (no identity-based policy allows it), as the error says.",
          ],
          [{ kind: 'denied-as-said', what: 'event', implied: null }, "Today's policies still deny the request (denied), as the event says."],
        ],
        'same-reason': [
          [
            { kind: 'same-reason', what: 'error', implied: noAllow },
            "Today's policies still deny the request, and for the reason the error gives: no identity-based policy allows it.",
          ],
        ],
        'other-reason': [
          [
            { kind: 'other-reason', what: 'event', timing: timings.event, clueLayer: 'resource-based policy', implied: noAllow },
            "Today's policies still deny the request, but not for the reason the event gives: it says no resource-based policy allows it; kms-why finds no identity-based policy allows it. An input is missing or has changed since the event (2026-01-01T00:00:00Z).",
          ],
          [
            { kind: 'other-reason', what: 'error', timing: timings.unknown, clueLayer: 'session policy', implied: null },
            "Today's policies still deny the request, but not for the reason the error gives: it says no session policy allows it; kms-why finds a deny. An input is missing or has changed since.",
          ],
        ],
        'explicit-deny-as-said': [
          [
            { kind: 'explicit-deny-as-said', what: 'error', statements: [{ id: 'DenyOutsideVpce', policyName: 'DenyKms' }, { id: 'statement 2' }] },
            `Today's policies still deny the request with an explicit Deny, as the error says: "DenyOutsideVpce" of DenyKms, "statement 2".`,
          ],
        ],
        'not-as-said': [
          [
            { kind: 'not-as-said', what: 'error', timing: timings.unknown, clueLayer: 'identity-based policy', implied: noAllow },
            "Today's policies still deny the request, but not as the error says: it names an explicit deny in an identity-based policy; kms-why finds no identity-based policy allows it. An input is missing or has changed since.",
          ],
          [
            { kind: 'not-as-said', what: 'event', timing: timings['snapshot-after'], clueLayer: null, implied: null },
            "Today's policies still deny the request, but not as the event says: it names an explicit deny; kms-why finds a deny. An input is missing or has changed since the event (2026-01-01T00:00:00Z; the snapshot is from 2026-02-01T00:00:00Z).",
          ],
        ],
      },
      clueFindingText,
    );
  });

  it('every missing input', () => {
    each<MissingInput>(
      {
        unreadable: [[{ kind: 'unreadable', what: 'the key policy', reason: 'AccessDenied' }, 'the key policy (AccessDenied)']],
        'request-as-made-allowed': [
          [
            { kind: 'request-as-made-allowed' },
            'the request as it was made: its encryption context (--context), kms:ViaService (--via-service) and caller (--principal) decide conditions and grants',
          ],
        ],
        'request-as-made': [
          [
            { kind: 'request-as-made' },
            'the request as it was made: encryption context (--context), kms:ViaService (--via-service), the exact caller (--principal) and other condition keys (--condition)',
          ],
        ],
        'vpc-endpoint-policy': [[{ kind: 'vpc-endpoint-policy' }, 'the VPC endpoint policy (kms-why does not read VPC endpoint policies)']],
        'organization-policies': [
          [
            { kind: 'organization-policies', level: 'scp', account: '111122223333', inSnapshot: false },
            'the service control policies of account 111122223333: the snapshot has none (add "Organization" with the SCP hierarchy)',
          ],
          [
            { kind: 'organization-policies', level: 'scp', account: '111122223333', inSnapshot: true },
            "the service control policies of account 111122223333 (the snapshot's may be out of date)",
          ],
          [
            { kind: 'organization-policies', level: 'rcp', account: '444455556666', inSnapshot: false },
            'the resource control policies of account 444455556666: the snapshot has none (add "Organization" with the RCP hierarchy)',
          ],
          [
            { kind: 'organization-policies', level: 'rcp', account: '444455556666', inSnapshot: true },
            "the resource control policies of account 444455556666 (the snapshot's may be out of date)",
          ],
        ],
        'permissions-boundary': [
          [{ kind: 'permissions-boundary', principal: ROLE, recorded: false }, `the permissions boundary of ${ROLE}: the snapshot records none`],
          [{ kind: 'permissions-boundary', principal: ROLE, recorded: true }, `the permissions boundary of ${ROLE} (the snapshot's may be out of date)`],
        ],
        'session-policies': [
          [
            { kind: 'session-policies', principal: SESSION },
            `the session policies passed when ${SESSION} was created (AssumeRole --policy/--policy-arns): add them as SessionPolicies of the session's entry`,
          ],
        ],
        'identity-policies': [
          [{ kind: 'identity-policies', principal: SESSION, inSnapshot: false }, `the identity policies of ${SESSION}: the snapshot has no entry for it`],
          [
            { kind: 'identity-policies', principal: ROLE, inSnapshot: true },
            `the identity policies of ${ROLE} (including group and managed policies; the snapshot's may be out of date)`,
          ],
        ],
        'key-policy-and-grants': [
          [{ kind: 'key-policy-and-grants', keyArn: KEY }, `the key policy and grants of ${KEY} (the snapshot's may be out of date)`],
          [{ kind: 'key-policy-and-grants', keyArn: undefined }, "the key policy and grants of the key (the snapshot's may be out of date)"],
        ],
        'deny-would-be-explicit': [
          [
            { kind: 'deny-would-be-explicit', statementIds: ['DenyA', 'DenyB'] },
            'the Deny kms-why finds ("DenyA", "DenyB") would have been reported as an explicit deny: it was added after the error, or its conditions did not match the request as it was made',
          ],
        ],
      },
      missingInputText,
    );
  });

  it('the JSON view keeps its fields and their order; the --fix warning names the first missing input', () => {
    const v = todayView({
      status: 'still-denied',
      agrees: true,
      implied: noAllow,
      finding: { kind: 'same-reason', what: 'error', implied: noAllow },
      missing: [{ kind: 'vpc-endpoint-policy' }],
    });
    expect(Object.keys(v)).toEqual(['status', 'agrees', 'implied', 'text', 'missingInputs']);
    expect(v.missingInputs).toEqual(['the VPC endpoint policy (kms-why does not read VPC endpoint policies)']);
    expect(disagreementWarning('event', { kind: 'request-as-made' })).toBe(
      'These changes were verified against the inputs kms-why has, which disagree with the event: find the missing input first (the request as it was made: encryption context (--context), kms:ViaService (--via-service), the exact caller (--principal) and other condition keys (--condition)); until then the request may stay denied.',
    );
    expect(disagreementWarning('error', undefined)).toBe(
      'These changes were verified against the inputs kms-why has, which disagree with the error: find the missing input first (see above); until then the request may stay denied.',
    );
  });
});

describe('proposals', () => {
  it('every place a policy can be', () => {
    each<PolicyPlace>(
      {
        'key-policy': [[{ kind: 'key-policy', keyArn: KEY }, `the key policy of ${KEY}`]],
        'identity-policy': [[{ kind: 'identity-policy', policyName: 'P', principal: ROLE }, `identity policy P of ${ROLE}`]],
        'permissions-boundary': [[{ kind: 'permissions-boundary', policyName: 'B', principal: ROLE }, `the permissions boundary B of ${ROLE}`]],
        'session-policy': [[{ kind: 'session-policy', policyName: 'S', principal: SESSION }, `session policy S of ${SESSION}`]],
        'organization-policy': [
          [
            { kind: 'organization-policy', level: 'scp', policyName: 'DenyKms', target: 'ou-abcd-11111111', account: '111122223333' },
            'SCP DenyKms at ou-abcd-11111111 (account 111122223333)',
          ],
          [{ kind: 'organization-policy', level: 'rcp', policyName: 'R', target: 'r-abcd', account: '111122223333' }, 'RCP R at r-abcd (account 111122223333)'],
        ],
      },
      policyPlaceText,
    );
  });

  it('every title part, and parts joined', () => {
    each<FixTitle>(
      {
        'enable-key': [[{ kind: 'enable-key', keyState: 'Disabled' }, 'Enable the key (it is Disabled)']],
        'narrow-deny': [
          [
            { kind: 'narrow-deny', principal: ROLE, statementId: 'DenyX', where: { kind: 'identity-policy', policyName: 'P', principal: ROLE } },
            `Exempt ${ROLE} from the Deny "DenyX" in identity policy P of ${ROLE}`,
          ],
        ],
        'remove-deny': [
          [{ kind: 'remove-deny', statementId: 'DenyX', where: { kind: 'key-policy', keyArn: KEY } }, `Remove the Deny "DenyX" from the key policy of ${KEY}`],
        ],
        'recreate-lambda-grant': [
          [{ kind: 'recreate-lambda-grant', functionName: 'my-function' }, "Re-create the grant Lambda uses to decrypt my-function's environment variables"],
        ],
        'iam-statement': [
          [
            { kind: 'iam-statement', action: 'kms:Decrypt', principalKind: 'role', principal: ROLE },
            `Add an IAM policy allowing kms:Decrypt on the key to role ${ROLE}`,
          ],
        ],
        'key-policy-statement': [[{ kind: 'key-policy-statement', principal: ROLE }, `Add a key policy statement naming ${ROLE}`]],
        'key-policy-and-iam': [
          [{ kind: 'key-policy-and-iam', sameAccount: true }, 'Name the caller in the key policy and allow it in IAM'],
          [{ kind: 'key-policy-and-iam', sameAccount: false }, 'Allow the caller on both sides: the key policy (key account) and IAM (caller account)'],
        ],
        'boundary-statement': [
          [{ kind: 'boundary-statement', action: 'kms:Decrypt', policyName: 'Boundary' }, 'allow kms:Decrypt in the permissions boundary Boundary'],
        ],
        'name-key-by': [
          [{ kind: 'name-key-by', identifier: KEY, alias: false }, `Name the key by its key ARN ${KEY}`],
          [
            { kind: 'name-key-by', identifier: 'arn:aws:kms:us-east-1:111122223333:alias/app', alias: true },
            'Name the key by its alias ARN arn:aws:kms:us-east-1:111122223333:alias/app',
          ],
        ],
      },
      fixTitlePart,
    );
    expect(
      fixTitleText([
        { kind: 'enable-key', keyState: 'PendingDeletion' },
        { kind: 'iam-statement', action: 'kms:Decrypt', principalKind: 'user', principal: 'arn:aws:iam::111122223333:user/alice' },
        { kind: 'boundary-statement', action: 'kms:Decrypt', policyName: 'B' },
      ]),
    ).toBe(
      'Enable the key (it is PendingDeletion); and Add an IAM policy allowing kms:Decrypt on the key to user arn:aws:iam::111122223333:user/alice; and allow kms:Decrypt in the permissions boundary B',
    );
  });

  it('every change', () => {
    const base = {
      source: 'identity-policy',
      policyName: 'P',
      where: { kind: 'identity-policy', policyName: 'P', principal: ROLE },
      statementId: 'DenyX',
      slot: { type: 'boundary', principal: ROLE },
      statementIndex: 0,
    } as const;
    const grant = { grantId: 'g', name: 'n', keyArn: KEY, granteePrincipal: SESSION, issuingAccount: 'a', operations: ['Decrypt'], state: 'active' } as never;
    each<FixChange>(
      {
        'add-key-policy-statement': [[{ kind: 'add-key-policy-statement', keyArn: KEY, statement: {} }, `Add this statement to the key policy of ${KEY}:`]],
        'add-identity-policy': [
          [
            { kind: 'add-identity-policy', principalArn: ROLE, principalKind: 'role', policyName: 'kms-decrypt-1234abcd', document: {} },
            `Attach this policy as kms-decrypt-1234abcd to role ${ROLE}:`,
          ],
        ],
        'add-boundary-statement': [
          [
            { kind: 'add-boundary-statement', principalArn: ROLE, policyName: 'B', statement: {} },
            `Add this statement to the permissions boundary B of ${ROLE}:`,
          ],
          [
            { kind: 'add-boundary-statement', principalArn: ROLE, policyName: 'B', policyArn: 'arn:aws:iam::111122223333:policy/B', statement: {} },
            `Add this statement to the permissions boundary B (arn:aws:iam::111122223333:policy/B) of ${ROLE}:`,
          ],
        ],
        'remove-statement': [[{ kind: 'remove-statement', ...base, statement: {} }, `Remove the Deny statement "DenyX" from identity policy P of ${ROLE}:`]],
        'replace-statement': [
          [{ kind: 'replace-statement', ...base, before: {}, after: {} }, `Replace the Deny statement "DenyX" in identity policy P of ${ROLE} with:`],
        ],
        'recreate-lambda-grant': [
          [
            { kind: 'recreate-lambda-grant', keyArn: KEY, functionName: 'my-function', functionArn: 'f', roleArn: ROLE, grant },
            'Make Lambda create the grant again (it will look like this) by switching my-function to another role and back:',
          ],
        ],
        'enable-key': [
          [{ kind: 'enable-key', keyArn: KEY, keyState: 'Disabled' }, `Enable the key ${KEY}.`],
          [{ kind: 'enable-key', keyArn: KEY, keyState: 'PendingDeletion' }, `Cancel the key deletion and enable the key ${KEY}.`],
        ],
        'name-key-by': [
          [
            { kind: 'name-key-by', keyIdentifier: 'alias/app', identifier: KEY, alias: false },
            `Send the request with ${KEY} as its KeyId: from another account, alias/app does not name this key.`,
          ],
        ],
      },
      changeTitle,
    );
  });

  it('what else a change allows', () => {
    const e = (over: Partial<SideEffect>): SideEffect => ({
      who: 'same-principal',
      principal: SESSION,
      variant: 'with-context',
      actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
      subject: { kind: 'this-session' },
      requestContext: { encryptionContext: false },
      ...over,
    });
    expect(sideEffectText(e({}))).toBe('This also lets this session Encrypt, GenerateDataKey.');
    expect(sideEffectText(e({ subject: { kind: 'principal', arn: ROLE }, requestContext: { encryptionContext: true } }))).toBe(
      `This also lets ${ROLE} Encrypt, GenerateDataKey (with the same encryption context).`,
    );
    expect(
      sideEffectText(
        e({
          subject: { kind: 'every-session', roleArn: ROLE },
          variant: 'without-context',
          actions: ['kms:Decrypt'],
          requestContext: { encryptionContext: true, viaService: 's3.us-east-1.amazonaws.com' },
        }),
      ),
    ).toBe(`This also lets every session of the role ${ROLE} Decrypt without the request's encryption context or kms:ViaService s3.us-east-1.amazonaws.com.`);
    expect(sideEffectText(e({ requestContext: { encryptionContext: true, viaService: 'ec2.us-east-1.amazonaws.com' } }))).toBe(
      'This also lets this session Encrypt, GenerateDataKey (with the same encryption context and kms:ViaService ec2.us-east-1.amazonaws.com).',
    );
    expect(Object.keys(sideEffectView(e({})))).toEqual(['who', 'principal', 'variant', 'actions', 'text']);
  });

  it('nothing else: only what was checked and decided is named; what may be gained is said', () => {
    const none = { otherActions: false, otherSession: false, otherPrincipals: 0, withoutContext: false };
    const c = (decided: Partial<typeof none>, undecided: Partial<typeof none> = {}) => ({
      decided: { ...none, ...decided },
      undecided: { ...none, ...undecided },
    });
    expect(nothingElseText(c({ otherActions: true }))).toBe("It allows nothing else kms-why checked (the caller's other actions on the key).");
    expect(nothingElseText(c({ otherActions: true, otherSession: true, otherPrincipals: 3, withoutContext: true }))).toBe(
      "It allows nothing else kms-why checked (the caller's other actions on the key, another session of its role, the snapshot's 3 other principals, the request without its context).",
    );
    expect(nothingElseText(c({ otherPrincipals: 1 }))).toBe("It allows nothing else kms-why checked (the snapshot's other principal).");
    expect(nothingElseText(c({}))).toBe('kms-why could check nothing else it might allow.');
    expect(nothingElseText(undefined)).toBe('It allows nothing else kms-why checked.');
    expect(undecidedText(c({ otherActions: true }))).toBeUndefined();
    expect(undecidedText(undefined)).toBeUndefined();
    expect(undecidedText(c({ otherActions: true }, { otherSession: true, withoutContext: true }))).toBe(
      'It may allow more for another session of its role, the request without its context: denied before the change, unknown after it.',
    );
  });

  it('which grants an allow of kms:CreateGrant lets the caller create, and what the request leaves open', () => {
    const W = 'arn:aws:iam::111122223333:role/Worker';
    expect(grantScopeText({ granteePrincipal: W, operations: ['Decrypt', 'RetireGrant'], forAwsResource: false })).toBe(
      `Its conditions allow only grants to ${W} (kms:GranteePrincipal), for operations among Decrypt, RetireGrant (kms:GrantOperations), with any grant constraints and retiring principal.`,
    );
    expect(grantScopeText({ granteeServicePrincipal: 'logs.us-east-1.amazonaws.com', operations: ['Decrypt'], forAwsResource: true })).toBe(
      "Its conditions allow only grants to the service logs.us-east-1.amazonaws.com (kms:GranteeServicePrincipal), for the operation Decrypt (kms:GrantOperations), created by an AWS service on the caller's behalf (kms:GrantIsForAWSResource), with any grant constraints and retiring principal.",
    );
    expect(grantScopeText({ granteePrincipal: W, forAwsResource: false })).toBe(
      `Its conditions allow only grants to ${W} (kms:GranteePrincipal), with any grant constraints and retiring principal. The request does not name the operations (--grant-operations): this allows creating grants for any operations (CreateGrant included). Limit it with conditions on kms:GrantOperations for the grants the caller should create, and on kms:GrantIsForAWSResource when only an AWS service should create them.`,
    );
    expect(grantScopeText({ operations: ['Encrypt'], forAwsResource: true })).toBe(
      "Its conditions allow only grants for the operation Encrypt (kms:GrantOperations), created by an AWS service on the caller's behalf (kms:GrantIsForAWSResource), with any grant constraints and retiring principal. The request does not name the grantee (--grantee): this allows creating grants to any grantee (the caller itself included). Limit it with conditions on kms:GranteePrincipal for the grants the caller should create.",
    );
    expect(grantScopeText({ forAwsResource: false })).toBe(
      'The request does not name the grantee (--grantee) or the operations (--grant-operations): this allows creating any grant on the key, to any grantee (the caller itself included) for any operations (CreateGrant included). Limit it with conditions on kms:GranteePrincipal and kms:GrantOperations for the grants the caller should create, and on kms:GrantIsForAWSResource when only an AWS service should create them.',
    );
  });
});

describe('changes considered and not proposed', () => {
  it('every title', () => {
    each<RejectedWhat>(
      {
        'recreate-lambda-grant': [[{ kind: 'recreate-lambda-grant' }, 'Re-create the Lambda grant']],
        'iam-statement': [[{ kind: 'iam-statement' }, 'Add an IAM policy statement']],
        'key-policy-statement': [[{ kind: 'key-policy-statement' }, 'Add a key policy statement']],
        tried: [[{ kind: 'tried', titles: [{ kind: 'key-policy-statement', principal: ROLE }] }, `Add a key policy statement naming ${ROLE}`]],
      },
      rejectedTitle,
    );
  });

  it('every reason', () => {
    const still = (gap: StillDeniedGap | undefined): Extract<RejectedWhy, { kind: 'still-denied' }> => ({
      kind: 'still-denied',
      verdict: 'deny',
      decidedBy: 'implicit-deny',
      denyIds: [],
      gap,
    });
    each<RejectedWhy>(
      {
        'grants-unreadable': [[{ kind: 'grants-unreadable' }, "the key's grants could not be read, so the re-created grant cannot be checked against them"]],
        'function-uses-other-key': [
          [
            { kind: 'function-uses-other-key', functionName: 'my-function', keyArn: KEY },
            `function my-function is configured with ${KEY}, not this key: Lambda would create its grant there`,
          ],
          [
            { kind: 'function-uses-other-key', functionName: 'my-function', keyArn: undefined },
            'function my-function is configured with the AWS managed key aws/lambda, not this key: Lambda would create its grant there',
          ],
        ],
        'identity-policies-unreadable': [[{ kind: 'identity-policies-unreadable', principal: ROLE }, `the identity policies of ${ROLE} could not be read`]],
        'key-policy-unreadable': [[{ kind: 'key-policy-unreadable' }, 'the key policy could not be read']],
        'not-applicable': [[{ kind: 'not-applicable', failure: { kind: 'policy-not-found' } }, 'the policy to change is not in the snapshot']],
        error: [[{ kind: 'error', message: 'Policy document: "Statement" is missing' }, 'Policy document: "Statement" is missing']],
        'still-denied': [
          [still(undefined), 'the request would still be denied (implicit deny)'],
          [
            { kind: 'still-denied', verdict: 'deny', decidedBy: 'explicit-deny', denyIds: ['DenyA', 'DenyB'], gap: undefined },
            'the request would still be denied (explicit Deny "DenyA", "DenyB")',
          ],
          [
            { kind: 'still-denied', verdict: 'unknown', decidedBy: 'permissions-boundary', denyIds: [], gap: undefined },
            'the request would still be unknown (permissions boundary)',
          ],
          [
            still({ kind: 'key-policy-must-allow', principal: SESSION, account: '444455556666' }),
            `the request would still be denied (implicit deny): the key policy must also allow ${SESSION} or its account 444455556666`,
          ],
          [
            still({ kind: 'iam-must-allow', account: '444455556666' }),
            'the request would still be denied (implicit deny): account 444455556666 must also allow it in IAM',
          ],
          [
            still({ kind: 'no-delegation', action: 'kms:Decrypt', account: '111122223333' }),
            'the request would still be denied (implicit deny): the key policy does not let IAM policies decide kms:Decrypt for account 111122223333, so an IAM allow has no effect',
          ],
        ],
      },
      rejectedWhy,
    );
    expect(rejectedView({ what: { kind: 'key-policy-statement' }, why: { kind: 'key-policy-unreadable' } })).toEqual({
      title: 'Add a key policy statement',
      why: 'the key policy could not be read',
    });
  });

  it('every change that cannot be applied', () => {
    each<ApplyFailure>(
      {
        'key-policy-unreadable': [[{ kind: 'key-policy-unreadable', keyArn: KEY }, `no readable key policy for ${KEY}`]],
        'identity-policies-unreadable': [[{ kind: 'identity-policies-unreadable', principal: ROLE }, `identity policies of ${ROLE} are unreadable`]],
        'boundary-unreadable': [[{ kind: 'boundary-unreadable', principal: ROLE }, `no readable permissions boundary for ${ROLE}`]],
        'policy-not-found': [[{ kind: 'policy-not-found' }, 'the policy to change is not in the snapshot']],
        'grants-unreadable': [[{ kind: 'grants-unreadable', keyArn: KEY }, `no readable grants for ${KEY}`]],
      },
      applyFailureText,
    );
  });
});
