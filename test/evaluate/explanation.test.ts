// What the decision says besides its verdict: reasons, trace, near misses, hints, assumptions.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';
import { phraseDecision } from '../../src/report/phrases.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const APP = 'arn:aws:sts::111122223333:assumed-role/AppRole/app-session';
const KP_DEFAULT = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Enable IAM policies', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }],
};

function decide(partial: Partial<ScenarioCase> & { request: Record<string, unknown> }) {
  const c: ScenarioCase = {
    id: 't',
    title: 't',
    keyPolicy: KP_DEFAULT,
    identityPolicies: [],
    grants: [],
    expected: { decision: 'Allow', decidedBy: 'x' },
    ...partial,
    request: { keyArn: KEY, ...partial.request },
  };
  const { snapshot, request } = scenarioToInput(c);
  // The decision as the report carries it: its hints and assumptions in words (src/report/phrases.ts).
  return phraseDecision(new Evaluator(snapshot).evaluate(request));
}

describe('explanations', () => {
  it('a grant that failed only on its encryption context says which context it needs', () => {
    const d = decide({
      grants: [
        {
          grantId: 'g1',
          granteePrincipal: 'arn:aws:iam::111122223333:role/AppRole',
          operations: ['Decrypt'],
          state: 'active',
          constraints: { encryptionContextEquals: { Department: 'IT' } },
        },
      ],
      request: { action: 'kms:Decrypt', principal: APP, encryptionContext: { Department: 'HR' } },
    });
    expect(d.decision).toBe('deny');
    const step = d.trace.find((t) => t.step === 'grant')!;
    expect(step.answer).toBe('no');
    expect(step.grants![0]).toMatchObject({ grantId: 'g1', matched: false, failed: 'encryption-context', neededContext: { Department: 'IT' } });
    expect(d.hints.join('\n')).toContain('Grant g1 would allow this with encryption context {"Department":"IT"}');
  });

  it('a key-policy statement that failed only on a missing condition key names the key as missing context', () => {
    const d = decide({
      keyPolicy: {
        Statement: [
          {
            Sid: 'ViaLambda',
            Effect: 'Allow',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'kms:ViaService': 'lambda.us-east-1.amazonaws.com' } },
          },
        ],
      },
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decision).toBe('deny');
    expect(d.missingContext).toEqual(['kms:ViaService']);
    expect(d.hints.join('\n')).toMatch(
      /"ViaLambda" would allow this if kms:ViaService StringEquals "lambda.us-east-1.amazonaws.com" \(the request has no value\)/,
    );
    const kp = d.trace.find((t) => t.step === 'key-policy')!;
    expect(kp.statements![0]!.conditions[0]).toMatchObject({ key: 'kms:ViaService', matched: false, missing: true, actual: null });
  });

  it('an IAM allow without key-policy delegation is called out as having no effect', () => {
    const d = decide({
      keyPolicy: { Statement: [{ Sid: 'Other', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/Other' }, Action: 'kms:*', Resource: '*' }] },
      identityPolicies: [{ Statement: [{ Sid: 'UseKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY }] }],
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decidedBy).toBe('implicit-deny');
    expect(d.hints.join('\n')).toContain('has no effect because the key policy does not delegate kms:Decrypt to account 111122223333');
  });

  it('an allow lists exactly the statements that decided it', () => {
    const d = decide({
      identityPolicies: [
        {
          Statement: [
            { Sid: 'UseKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY },
            { Sid: 'S3', Effect: 'Allow', Action: 's3:*', Resource: '*' },
          ],
        },
      ],
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decidedBy).toBe('key-policy-and-iam');
    expect(d.reasons.map((r) => [r.source, r.id])).toEqual([
      ['key-policy', 'Enable IAM policies'],
      ['identity-policy', 'UseKey'],
    ]);
  });

  it('an explicit deny names the denying statement and nothing else', () => {
    const d = decide({
      identityPolicies: [
        {
          Statement: [
            { Sid: 'UseKey', Effect: 'Allow', Action: 'kms:*', Resource: '*' },
            { Sid: 'NoDecrypt', Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' },
          ],
        },
      ],
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decidedBy).toBe('explicit-deny');
    expect(d.reasons).toHaveLength(1);
    expect(d.reasons[0]).toMatchObject({ source: 'identity-policy', id: 'NoDecrypt', effect: 'Deny' });
  });

  it('a verdict that rests on an AMBIGUOUS point says what was assumed', () => {
    const d = decide({
      grants: [{ grantId: 'g1', granteePrincipal: 'arn:aws:iam::111122223333:role/AppRole', operations: ['Decrypt'], state: 'active' }],
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decidedBy).toBe('grant');
    expect(d.assumptions.join('\n')).toMatch(/grant to a role ARN covers the role's sessions/);
  });

  it('an unknown verdict names the unreadable input and what would settle it', () => {
    const d = decide({
      keyPolicy: {
        Statement: [{ Sid: 'App', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/AppRole' }, Action: 'kms:Decrypt', Resource: '*' }],
      },
      unknownInputs: ['identityPolicies'],
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decision).toBe('unknown');
    expect(d.decidedBy).toBe('unknown');
    expect(d.unreadable.map((u) => u.what)).toEqual([`identity policies of ${APP}`]);
    expect(d.hints[0]).toMatch(/could not be read .* The verdict depends on it/);
  });

  it('a verdict that holds whatever the unreadable input says is kept, and says so', () => {
    const d = decide({
      keyPolicy: { Statement: [{ Sid: 'Other', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/Other' }, Action: 'kms:*', Resource: '*' }] },
      unknownInputs: ['identityPolicies'],
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decision).toBe('deny');
    expect(d.hints.join('\n')).toMatch(/could not be read .*the verdict holds whatever it says/);
  });

  it('key state is reported on top of the authorization verdict', () => {
    const d = decide({
      identityPolicies: [{ Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }],
      keyMetadata: { keyState: 'PendingDeletion' },
      request: { action: 'kms:Encrypt', principal: APP },
    });
    expect(d).toMatchObject({ decision: 'deny', decidedBy: 'key-state', authorization: 'allow' });
    expect(d.keyStateError).toMatch(/pending deletion/);
    expect(d.reasons.length).toBeGreaterThan(0);
  });

  it('a statement that fails on two conditions gets one hint naming both, verified by evaluating again', () => {
    const d = decide({
      keyPolicy: {
        Statement: [
          {
            Sid: 'Both',
            Effect: 'Allow',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:EncryptionContext:app': 'reports' } },
          },
        ],
      },
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decision).toBe('deny');
    const hints = d.hints.filter((h) => h.includes('"Both" would allow this'));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toContain('kms:ViaService StringEquals "s3.us-east-1.amazonaws.com"');
    expect(hints[0]).toContain('kms:EncryptionContext:app StringEquals "reports"');
    // The proposed change really allows: applied to a copy of the request.
    const fixed = decide({
      keyPolicy: {
        Statement: [
          {
            Sid: 'Both',
            Effect: 'Allow',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:EncryptionContext:app': 'reports' } },
          },
        ],
      },
      request: { action: 'kms:Decrypt', principal: APP, viaService: 's3.us-east-1.amazonaws.com', encryptionContext: { app: 'reports' } },
    });
    expect(fixed.decision).toBe('allow');
  });

  it('a hint whose change would still be denied (a Deny on the same value) is not printed alone', () => {
    const d = decide({
      keyPolicy: {
        Statement: [
          {
            Sid: 'Reports',
            Effect: 'Allow',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'kms:EncryptionContext:app': 'reports' } },
          },
          {
            Sid: 'NoReports',
            Effect: 'Deny',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'kms:EncryptionContext:app': 'reports' } },
          },
        ],
      },
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decision).toBe('deny');
    // Alone it leaves the request denied: printed only with the change that completes it.
    const reports = d.hints.filter((h) => h.includes('"Reports" would allow this'));
    for (const h of reports) expect(h).toMatch(/That alone is not enough; also: Remove or narrow the Deny statement "NoReports"/);
    expect(d.missingContext).toContain('kms:EncryptionContext:app');
  });

  it('no hint proposes a value the request cannot choose (a property of the caller)', () => {
    const d = decide({
      keyPolicy: {
        Statement: [
          {
            Sid: 'OnlyOps',
            Effect: 'Allow',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/Ops' } },
          },
        ],
      },
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.hints.join('\n')).not.toContain('would allow this if aws:PrincipalArn');
  });

  it('missingContext names a key whose absence made a Deny match (negated operator)', () => {
    const d = decide({
      keyPolicy: {
        Statement: [
          ...KP_DEFAULT.Statement,
          {
            Sid: 'NeedApp',
            Effect: 'Deny',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringNotEquals: { 'kms:EncryptionContext:app': 'x' } },
          },
        ],
      },
      identityPolicies: [{ Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] }],
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decidedBy).toBe('explicit-deny');
    expect(d.missingContext).toContain('kms:EncryptionContext:app');
  });

  it('a NotPrincipal Deny says to add the principal (and its session) to NotPrincipal', () => {
    const d = decide({
      keyPolicy: {
        Statement: [
          ...KP_DEFAULT.Statement,
          { Sid: 'OnlyAdmins', Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::111122223333:role/Admin' }, Action: 'kms:*', Resource: '*' },
        ],
      },
      identityPolicies: [{ Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] }],
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decidedBy).toBe('explicit-deny');
    expect(d.hints.join('\n')).toMatch(
      /Add arn:aws:iam::111122223333:role\/AppRole, its session ARN .* to the NotPrincipal of the Deny statement "OnlyAdmins"/,
    );
    expect(d.hints.join('\n')).not.toContain('Remove or narrow the Deny');
  });

  it('a cross-account RetireGrant trace says the grant decides, not the key policy', () => {
    const d = decide({
      keyPolicy: { Statement: [] },
      grants: [
        {
          grantId: 'gx',
          granteePrincipal: 'arn:aws:iam::111122223333:role/W',
          retiringPrincipal: 'arn:aws:iam::444455556666:role/Ext',
          operations: ['Decrypt'],
          state: 'active',
        },
      ],
      request: { action: 'kms:RetireGrant', principal: 'arn:aws:sts::444455556666:assumed-role/Ext/s', grantId: 'gx' },
    });
    expect(d.decision).toBe('allow');
    const xa = d.trace.find((t) => t.step === 'cross-account')!;
    expect(xa.detail).toMatch(/the grant itself says who may retire it/);
    expect(xa.detail).not.toMatch(/key policy\) and/);
  });

  it('a child grant weaker than its parent says which constraint it needs', () => {
    const d = decide({
      keyPolicy: { Statement: [] },
      grants: [
        {
          grantId: 'gp',
          granteePrincipal: 'arn:aws:iam::111122223333:role/AppRole',
          operations: ['Decrypt', 'CreateGrant'],
          state: 'active',
          constraints: { encryptionContextSubset: { dept: 'it' } },
        },
      ],
      request: { action: 'kms:CreateGrant', principal: APP, grantRequest: { granteePrincipal: 'arn:aws:iam::111122223333:role/W', operations: ['Decrypt'] } },
    });
    expect(d.decision).toBe('deny');
    const g = d.trace.find((t) => t.step === 'grant')!;
    expect(g.detail).toMatch(/needs EncryptionContextSubset .* at least \{dept=it\}/);
  });

  it('an identity policy whose Resource is an alias ARN is pointed out, with the condition keys that work', () => {
    const d = decide({
      identityPolicies: [{ Statement: [{ Sid: 'ByAlias', Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:aws:kms:us-east-1:111122223333:alias/app' }] }],
      request: { action: 'kms:Decrypt', principal: APP },
    });
    expect(d.decision).toBe('deny');
    expect(d.trace.find((t) => t.step === 'identity-policy')!.detail).toMatch(/"ByAlias" names an alias ARN in Resource/);
    expect(d.hints.join('\n')).toMatch(/kms:RequestAlias .* kms:ResourceAliases/);
  });
});
