// --fix: every proposal is verified by evaluating the request again, ranked narrowest first, and
// says what else it allows; and the error's clue against the verdict.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { applyChanges, checkClue, impliedDenial, proposeFixes, type FixResult } from '../../src/analyses/fix.js';
import type { Request } from '../../src/model/request.js';
// The commands are output (src/report/fix-commands.ts), built from the typed changes checked here.
import { proposalCommands } from '../../src/report/fix-commands.js';
import { fixNoteText } from '../../src/report/fix.js';
import { hintText } from '../../src/report/phrases.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { snapshotFromDocuments } from '../../src/sources/load.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT, delegatingKey, KEY_ARN } from '../helpers/snapshot-doc.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const json = (rel: string): Record<string, unknown> => JSON.parse(readFileSync(`${ROOT}${rel}`, 'utf8')) as Record<string, unknown>;
const snap = (rel: string, edit?: (doc: Record<string, any>) => void): Snapshot => {
  const doc = json(rel);
  edit?.(doc);
  return snapshotFromDocuments([{ file: rel, value: doc }]);
};

const K = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const FN_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:my-function';
const LAMBDA_SESSION = 'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function';
const S = 'arn:aws:sts::111122223333:assumed-role/app/s1';

const lambdaReq: Request = {
  action: 'kms:Decrypt',
  principal: LAMBDA_SESSION,
  keyIdentifier: 'alias/app-env',
  encryptionContext: { 'aws:lambda:FunctionArn': FN_ARN },
};

/** The test the issue asks for: apply each proposal to the snapshot and evaluate the request. */
function expectEveryProposalAllows(s: Snapshot, req: Request, f: FixResult): void {
  expect(f.proposals.length).toBeGreaterThan(0);
  const before = JSON.stringify(s);
  f.proposals.forEach((p, i) => {
    expect(p.rank).toBe(i + 1);
    expect(p.verified.decision).toBe('allow');
    const changed = applyChanges(s, p.changes);
    const d = new Evaluator(changed).evaluate(req);
    expect(d.decision, `${p.id}: ${d.decidedBy}`).toBe('allow');
    expect(d.decidedBy).toBe(p.verified.decidedBy);
  });
  // Nothing was changed in place.
  expect(JSON.stringify(s)).toBe(before);
  expect(new Evaluator(s).evaluate(req).decision).not.toBe('allow');
}

describe('proposeFixes', () => {
  it('the Lambda grant that was retired: re-creating it (role switch and back) comes first and allows nothing else', () => {
    const s = snap('fixtures/examples/lambda-env-grant-retired.json');
    const f = proposeFixes(s, lambdaReq);
    expectEveryProposalAllows(s, lambdaReq, f);
    const first = f.proposals[0]!;
    expect(first.id).toBe('recreate-lambda-grant');
    expect(first.verified.decidedBy).toBe('grant');
    expect(proposalCommands(first)).toEqual([
      'aws lambda update-function-configuration --function-name my-function --role arn:aws:iam::111122223333:role/TEMPORARY_ROLE',
      'aws lambda wait function-updated --function-name my-function',
      'aws lambda update-function-configuration --function-name my-function --role arn:aws:iam::111122223333:role/service-role/app-exec-role',
      'aws lambda wait function-updated --function-name my-function',
    ]);
    const change = first.changes[0]!;
    expect(change.kind).toBe('recreate-lambda-grant');
    if (change.kind === 'recreate-lambda-grant') {
      expect(change.grant).toMatchObject({
        granteePrincipal: LAMBDA_SESSION,
        operations: ['Decrypt', 'RetireGrant'],
        constraints: { encryptionContextEquals: { 'aws:lambda:FunctionArn': FN_ARN } },
        retiringPrincipal: 'lambda.us-east-1.amazonaws.com',
      });
    }
    expect(first.alsoAllows).toEqual([]);
    // The key-policy alternative names the role (with its path) and keeps the encryption context.
    const kp = f.proposals.find((p) => p.id === 'key-policy-statement')!;
    const c = kp.changes[0]!;
    expect(c.kind === 'add-key-policy-statement' && c.statement).toEqual({
      Sid: 'AllowDecryptForAppExecRole',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:role/service-role/app-exec-role' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:aws:lambda:FunctionArn': FN_ARN } },
    });
    expect(kp.alsoAllows).toEqual([
      {
        who: 'other-session',
        principal: 'arn:aws:sts::111122223333:assumed-role/app-exec-role/kms-why-other-session',
        variant: 'with-context',
        actions: ['kms:Decrypt'],
        subject: { kind: 'every-session', roleArn: 'arn:aws:iam::111122223333:role/service-role/app-exec-role' },
        requestContext: { encryptionContext: true },
      },
    ]);
    // IAM alone cannot work: the key policy does not delegate.
    const iamOnly = f.rejected.find((r) => r.what.kind === 'tried' && r.what.titles.length === 1 && r.what.titles[0]!.kind === 'iam-statement');
    expect(iamOnly?.why).toMatchObject({
      kind: 'still-denied',
      verdict: 'deny',
      decidedBy: 'implicit-deny',
      gap: { kind: 'no-delegation', action: 'kms:Decrypt', account: '111122223333' },
    });
  });

  it('no grant re-creation when the function is configured with another key: Lambda would create its grant there', () => {
    const s = snap('fixtures/examples/lambda-env-grant-retired.json', (doc) => {
      doc.Functions[0].KMSKeyArn = 'arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321';
    });
    const f = proposeFixes(s, lambdaReq);
    expect(f.proposals.map((p) => p.id)).not.toContain('recreate-lambda-grant');
    expect(f.rejected.find((r) => r.what.kind === 'recreate-lambda-grant')?.why).toEqual({
      kind: 'function-uses-other-key',
      functionName: 'my-function',
      keyArn: 'arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321',
    });
  });

  it('re-creates the Lambda grant on the aws/lambda key for a function without a KMSKeyArn (it uses that key)', () => {
    const s = snap('fixtures/lambda/aws-managed-key-grant-lost.json');
    const req: Request = { ...lambdaReq, keyIdentifier: 'alias/aws/lambda' };
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(f.proposals.map((p) => p.id)).toContain('recreate-lambda-grant');
    expect(f.rejected.map((r) => r.why.kind)).not.toContain('function-uses-other-key');
  });

  it('verifies nothing for a principal the snapshot has no entry for (its identity policies are unknown, not none)', () => {
    const s = snap('fixtures/examples/pattern-4-delegation-without-iam.json', (doc) => {
      doc.principals = [];
    });
    const req: Request = { action: 'kms:Decrypt', principal: S, keyIdentifier: K };
    expect(new Evaluator(s).evaluate(req).decision).toBe('unknown');
    const f = proposeFixes(s, req);
    expect(f.proposals.filter((p) => p.changes.some((c) => c.kind === 'add-identity-policy'))).toEqual([]);
    expect(f.proposals).toEqual([]);
    expect(f.rejected.map((r) => (r.why.kind === 'not-applicable' ? r.why.failure.kind : r.why.kind))).toContain('identity-policies-unreadable');
  });

  it('pattern 2 (IAM allow without delegation): a key-policy statement, not an IAM one', () => {
    const s = snap('fixtures/examples/pattern-2-iam-only-no-delegation.json');
    const req: Request = { action: 'kms:Decrypt', principal: S, keyIdentifier: 'alias/app' };
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(f.proposals.map((p) => p.id)).toEqual(['key-policy-statement']);
    expect(proposalCommands(f.proposals[0]!)[2]).toMatch(
      /^aws kms put-key-policy --key-id arn:aws:kms:.* --policy-name default --policy file:\/\/key-policy.json$/,
    );
  });

  it('pattern 4 (delegation without IAM), through S3 with an encryption context: the IAM statement first, conditioned on both', () => {
    const s = snap('fixtures/examples/pattern-4-delegation-without-iam.json');
    const req: Request = {
      action: 'kms:GenerateDataKey',
      principal: S,
      keyIdentifier: K,
      viaService: 's3.us-east-1.amazonaws.com',
      encryptionContext: { 'aws:s3:arn': 'arn:aws:s3:::reports-bucket/report.csv' },
    };
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(f.proposals.map((p) => p.id)).toEqual(['iam-statement', 'key-policy-statement']);
    const iam = f.proposals[0]!.changes[0]!;
    expect(iam.kind === 'add-identity-policy' && iam.document).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AllowGenerateDataKeyOnKey',
          Effect: 'Allow',
          Action: 'kms:GenerateDataKey',
          Resource: K,
          Condition: {
            StringEquals: { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::reports-bucket/report.csv', 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
          },
        },
      ],
    });
    expect(proposalCommands(f.proposals[0]!)).toEqual([
      'aws iam put-role-policy --role-name app --policy-name kms-generatedatakey-1234abcd --policy-document file://kms-generatedatakey-1234abcd.json',
    ]);
    // Bound to the context: the same call without it stays denied, so it is not listed.
    for (const p of f.proposals) expect(p.alsoAllows.some((x) => x.variant === 'without-context')).toBe(false);
    const changed = applyChanges(s, f.proposals[0]!.changes);
    expect(new Evaluator(changed).evaluate({ action: 'kms:GenerateDataKey', principal: S, keyIdentifier: K }).decision).toBe('deny');
  });

  it('an explicit Deny in a managed policy: exempting the caller ranks before removing it, which would also free another role', () => {
    const s = snap('fixtures/errors/snapshot-identity-deny.json');
    // A request that did not come through a VPC endpoint (else aws:SourceVpce would be unknown).
    const req: Request = { action: 'kms:Decrypt', principal: S, keyIdentifier: 'alias/app', absent: ['aws:SourceVpce'] };
    expect(new Evaluator(s).evaluate(req).decidedBy).toBe('explicit-deny');
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(f.proposals.map((p) => p.id)).toEqual(['narrow-deny', 'remove-deny']);
    const narrow = f.proposals[0]!.changes[0]!;
    expect(narrow.kind).toBe('replace-statement');
    if (narrow.kind === 'replace-statement') {
      expect(narrow.policyArn).toBe('arn:aws:iam::111122223333:policy/DenyKmsOutsideVpce');
      expect(narrow.after).toEqual({
        Sid: 'DenyDecryptOutsideVpce',
        Effect: 'Deny',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          StringNotEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d4e5f60718' },
          ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/app' },
        },
      });
    }
    expect(f.proposals[0]!.alsoAllows.map((x) => x.principal)).not.toContain('arn:aws:iam::111122223333:role/batch');
    expect(f.proposals[1]!.alsoAllows).toContainEqual({
      who: 'other-principal',
      principal: 'arn:aws:iam::111122223333:role/batch',
      variant: 'with-context',
      actions: ['kms:Decrypt'],
      subject: { kind: 'principal', arn: 'arn:aws:iam::111122223333:role/batch' },
      requestContext: { encryptionContext: false },
    });
    expect(proposalCommands(f.proposals[1]!)[2]).toMatch(/^aws iam create-policy-version --policy-arn arn:aws:iam::111122223333:policy\/DenyKmsOutsideVpce/);
  });

  it('a Deny exception merges into an existing "not any of" on aws:PrincipalArn', () => {
    const s = snap('fixtures/errors/snapshot-identity-deny.json', (doc) => {
      const st = doc.principals[0].IdentityPolicies[1].Document.Statement[0];
      st.Condition = { StringNotEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d4e5f60718', 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/admin' } };
    });
    const req: Request = { action: 'kms:Decrypt', principal: S, keyIdentifier: 'alias/app', absent: ['aws:SourceVpce'] };
    const f = proposeFixes(s, req);
    const c = f.proposals[0]!.changes[0]!;
    expect(c.kind === 'replace-statement' && c.after.Condition).toEqual({
      StringNotEquals: {
        'aws:SourceVpce': 'vpce-0a1b2c3d4e5f60718',
        'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/admin', 'arn:aws:iam::111122223333:role/app'],
      },
    });
    expectEveryProposalAllows(s, req, f);
  });

  it("cross-account: both the key policy and the caller account's IAM, as one proposal", () => {
    const s = snap('fixtures/cloudtrail/snapshot-cross-account.json');
    const req: Request = { action: 'kms:Decrypt', principal: 'arn:aws:sts::444455556666:assumed-role/ext-app/job-42', keyIdentifier: K };
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(f.proposals.map((p) => p.id)).toEqual(['key-policy-and-iam']);
    expect(f.proposals[0]!.changes.map((c) => c.kind)).toEqual(['add-key-policy-statement', 'add-identity-policy']);
    expect(f.rejected.map((r) => r.why)).toContainEqual(
      expect.objectContaining({ kind: 'still-denied', gap: { kind: 'iam-must-allow', account: '444455556666' } }),
    );
  });

  it('a disabled key: enable it (verified), together with the policy change when that is needed too', () => {
    const s = snap('fixtures/examples/pattern-1-key-policy-names-role.json', (doc) => {
      doc.keys[0].KeyMetadata.KeyState = 'Disabled';
      doc.keys[0].KeyMetadata.Enabled = false;
    });
    const req: Request = { action: 'kms:Decrypt', principal: S, keyIdentifier: 'alias/app' };
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(f.proposals[0]!.id).toBe('enable-key');
    expect(proposalCommands(f.proposals[0]!)).toEqual([`aws kms enable-key --key-id ${K}`]);

    const s2 = snap('fixtures/examples/pattern-4-delegation-without-iam.json', (doc) => {
      doc.keys[0].KeyMetadata.KeyState = 'PendingDeletion';
    });
    const f2 = proposeFixes(s2, req);
    expectEveryProposalAllows(s2, req, f2);
    expect(f2.proposals[0]!.id).toBe('enable-key+iam-statement');
    expect(proposalCommands(f2.proposals[0]!).slice(0, 2)).toEqual([`aws kms cancel-key-deletion --key-id ${K}`, `aws kms enable-key --key-id ${K}`]);
  });

  it('a permissions boundary that does not allow KMS: the IAM allow is added to the boundary too', () => {
    const s = snap('fixtures/examples/pattern-4-delegation-without-iam.json', (doc) => {
      doc.principals[0].PermissionsBoundary = {
        PolicyArn: 'arn:aws:iam::111122223333:policy/Boundary',
        Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'logs:*'], Resource: '*' }] },
      };
    });
    const req: Request = { action: 'kms:Decrypt', principal: S, keyIdentifier: 'alias/app' };
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(f.proposals[0]!.changes.map((c) => c.kind)).toContain('add-boundary-statement');
  });

  it('the fix itself says what else it allows: a broad key-policy statement lets the session use the key for more', () => {
    // The role already has IAM allows for Encrypt and GenerateDataKey; naming the role in the key policy
    // for Decrypt only must not be reported as allowing those.
    const s = snap('fixtures/examples/pattern-2-iam-only-no-delegation.json');
    const req: Request = { action: 'kms:Decrypt', principal: S, keyIdentifier: 'alias/app' };
    const f = proposeFixes(s, req);
    const effects = f.proposals[0]!.alsoAllows;
    expect(effects.map((x) => [x.who, x.actions])).toEqual([['other-session', ['kms:Decrypt']]]);
  });

  it('nothing to fix when the request is allowed; no proposal for an action no policy can allow on this key', () => {
    const s = snap('fixtures/examples/lambda-env-grant.json');
    expect(proposeFixes(s, lambdaReq)).toMatchObject({ needed: false, proposals: [], notes: [{ kind: 'allowed-today' }] });
    const f = proposeFixes(snap('fixtures/examples/pattern-2-iam-only-no-delegation.json'), { action: 'kms:Sign', principal: S, keyIdentifier: 'alias/app' });
    expect(f.proposals).toEqual([]);
    expect(f.notes).toContainEqual({ kind: 'key-usage', error: expect.stringMatching(/^\S/), action: 'Sign' });
  });

  it('every proposal for every fixture snapshot and denied Decrypt/Encrypt request turns the verdict into allow', () => {
    const files = [
      'fixtures/examples/lambda-env-grant-retired.json',
      'fixtures/examples/pattern-2-iam-only-no-delegation.json',
      'fixtures/examples/pattern-4-delegation-without-iam.json',
      'fixtures/errors/snapshot-identity-deny.json',
      'fixtures/cloudtrail/snapshot-cross-account.json',
    ];
    const principals = [
      S,
      LAMBDA_SESSION,
      'arn:aws:iam::111122223333:role/batch',
      'arn:aws:sts::444455556666:assumed-role/ext-app/job-42',
      'arn:aws:iam::111122223333:user/alice',
    ];
    let checked = 0;
    for (const file of files) {
      const s = snap(file);
      for (const principal of principals) {
        for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey']) {
          const req: Request = { action, principal, keyIdentifier: K, encryptionContext: { purpose: 'test' } };
          const d = new Evaluator(s).evaluate(req);
          if (d.decision !== 'deny') continue;
          const f = proposeFixes(s, req);
          for (const p of f.proposals) {
            expect(new Evaluator(applyChanges(s, p.changes)).evaluate(req).decision, `${file} ${principal} ${action}: ${p.id}`).toBe('allow');
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe('checkClue', () => {
  const s = snap('fixtures/examples/pattern-2-iam-only-no-delegation.json');
  const req: Request = { action: 'kms:Decrypt', principal: S, keyIdentifier: 'alias/app' };
  const d = new Evaluator(s).evaluate(req);

  it('maps decisions to the wording of AWS errors', () => {
    expect(impliedDenial(d)).toEqual({ kind: 'no-allow', layers: ['resource-based policy'] });
    const s4 = snap('fixtures/examples/pattern-4-delegation-without-iam.json');
    expect(impliedDenial(new Evaluator(s4).evaluate(req))).toEqual({ kind: 'no-allow', layers: ['identity-based policy'] });
    const sd = snap('fixtures/errors/snapshot-identity-deny.json');
    expect(impliedDenial(new Evaluator(sd).evaluate({ ...req, absent: ['aws:SourceVpce'] }))).toEqual({
      kind: 'explicit-deny',
      layers: ['identity-based policy'],
    });
    const sx = snap('fixtures/cloudtrail/snapshot-cross-account.json');
    expect(impliedDenial(new Evaluator(sx).evaluate({ ...req, principal: 'arn:aws:sts::444455556666:assumed-role/ext-app/job-42', keyIdentifier: K }))).toEqual(
      { kind: 'no-allow', layers: ['resource-based policy'] },
    );
  });

  it('IAM-only and alias actions: an identity-based policy is the layer that did not allow (no key policy decides them alone)', () => {
    const s3 = snap('fixtures/examples/pattern-3-delegation-with-iam.json');
    const ev = new Evaluator(s3);
    const createKey = ev.evaluate({ action: 'kms:CreateKey', principal: S });
    expect(createKey.decision).toBe('deny');
    expect(impliedDenial(createKey)).toEqual({ kind: 'no-allow', layers: ['identity-based policy'] });
    const clue = { kind: 'no-allow', layer: 'identity-based policy', text: '' } as const;
    expect(checkClue(clue, createKey, { snapshot: s3, request: { action: 'kms:CreateKey', principal: S } })).toMatchObject({
      status: 'still-denied',
      agrees: true,
      finding: { kind: 'same-reason' },
    });
    const aliasReq: Request = { action: 'kms:DeleteAlias', principal: S, keyIdentifier: 'alias/app', aliasArn: 'arn:aws:kms:us-east-1:111122223333:alias/app' };
    const deleteAlias = ev.evaluate(aliasReq);
    expect(deleteAlias.decision).toBe('deny');
    expect(impliedDenial(deleteAlias)?.layers).toContain('identity-based policy');
    expect(checkClue(clue, deleteAlias, { snapshot: s3, request: aliasReq })).toMatchObject({ status: 'still-denied', agrees: true });
  });

  it('agrees when the layer matches', () => {
    const c = checkClue({ kind: 'no-allow', layer: 'resource-based policy', text: '' }, d, { snapshot: s, request: req });
    expect(c).toMatchObject({ status: 'still-denied', agrees: true });
  });

  it('disagrees plainly, naming the missing input, when the message names another layer', () => {
    const c = checkClue({ kind: 'explicit-deny', layer: 'service control policy', text: '' }, d, { snapshot: s, request: req });
    expect(c.status).toBe('still-denied');
    expect(c.agrees).toBe(false);
    expect(c.finding).toEqual({
      kind: 'not-as-said',
      what: 'error',
      timing: { kind: 'unknown' },
      clueLayer: 'service control policy',
      implied: { kind: 'no-allow', layers: ['resource-based policy'] },
    });
    expect(c.missing).toEqual([{ kind: 'organization-policies', level: 'scp', account: '111122223333', inSnapshot: false }, { kind: 'request-as-made' }]);
  });

  it('allowed now: something changed since the event (or the request differed)', () => {
    const sl = snap('fixtures/examples/lambda-env-grant.json');
    const dl = new Evaluator(sl).evaluate(lambdaReq);
    const c = checkClue({ kind: 'no-allow', layer: 'resource-based policy', text: '' }, dl, {
      snapshot: sl,
      request: lambdaReq,
      eventTime: '2026-01-01T00:00:00Z',
      what: 'event',
    });
    expect(c).toMatchObject({ status: 'allowed-now', agrees: false });
    expect(c.finding).toEqual({
      kind: 'allowed-now',
      what: 'event',
      timing: { kind: 'snapshot-after', eventTime: '2026-01-01T00:00:00Z', capturedAt: sl.capturedAt },
      keyInaccessible: false,
    });
    expect(c.missing).toEqual([{ kind: 'request-as-made-allowed' }]);
  });

  it('a snapshot older than the event is called out', () => {
    const sl = snap('fixtures/examples/lambda-env-grant.json');
    const dl = new Evaluator(sl).evaluate(lambdaReq);
    const c = checkClue(undefined, dl, { snapshot: sl, request: lambdaReq, eventTime: '2027-06-01T00:00:00Z', what: 'event' });
    expect(c.finding).toMatchObject({ kind: 'allowed-now', timing: { kind: 'snapshot-before', eventTime: '2027-06-01T00:00:00Z', capturedAt: sl.capturedAt } });
  });
});

describe('proposeFixes on an unknown verdict no unreadable input explains', () => {
  it('names the condition key that decides it, not an empty list of unreadable inputs', () => {
    const s = parseSnapshot(
      {
        kmsWhySnapshot: 1,
        keys: [delegatingKey()],
        principals: [
          {
            Arn: `arn:aws:iam::${ACCOUNT}:role/office`,
            IdentityPolicies: [
              {
                PolicyName: 'office',
                Document: {
                  Version: '2012-10-17',
                  Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }],
                },
              },
            ],
          },
        ],
      },
      'office.json',
    );
    const req: Request = { action: 'kms:Decrypt', principal: `arn:aws:iam::${ACCOUNT}:role/office`, keyArn: KEY_ARN };
    expect(new Evaluator(s).evaluate(req).decision).toBe('unknown');
    const notes = proposeFixes(s, req).notes;
    expect(notes).toContainEqual({ kind: 'depends-on-missing-context', keys: ['aws:SourceIp'] });
    expect(notes.map((n) => n.kind)).not.toContain('depends-on-unreadable');
  });
});

describe('a session whose role the snapshot names no path for', () => {
  // The snapshot has the session's entry and none for its role: a session ARN leaves the role's
  // path out, so the role's ARN (what a key policy names it by) is not known.
  const SESSION = 'arn:aws:sts::111122223333:assumed-role/other/s1';
  const req: Request = { action: 'kms:Decrypt', principal: SESSION, keyIdentifier: 'alias/app' };
  const withPrincipals = (principals: unknown[], delegate = false): Snapshot =>
    snap('fixtures/examples/pattern-1-key-policy-names-role.json', (d) => {
      d.principals = principals;
      if (delegate)
        d.keys[0].Policy.Statement.push({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:Encrypt', Resource: '*' });
    });
  const allowDecrypt = [{ PolicyName: 'p', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] } }];
  const keyPolicyPrincipal = (f: FixResult): unknown => {
    const c = f.proposals.find((p) => p.id === 'key-policy-statement')!.changes[0]!;
    return c.kind === 'add-key-policy-statement' ? (c.statement.Principal as { AWS: string }).AWS : undefined;
  };

  it('the key-policy statement names the role with its path to fill in, never the session nor a role without path', () => {
    const s = withPrincipals([{ Arn: SESSION, IdentityPolicies: [] }]);
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(keyPolicyPrincipal(f)).toBe('arn:aws:iam::111122223333:role/ROLE_PATH/other');
    const p = f.proposals.find((x) => x.id === 'key-policy-statement')!;
    expect(p.notes).toContainEqual({ kind: 'role-path-unknown', roleArn: 'arn:aws:iam::111122223333:role/ROLE_PATH/other' });
    expect(fixNoteText(p.notes.at(-1)!)).toMatch(/ROLE_PATH stands for the path of role other.*aws iam get-role --role-name other/);
    // The hint proposes the same principal, and says what ROLE_PATH is.
    const d = new Evaluator(s).evaluate(req);
    const hints = d.hints.map(hintText).join('\n');
    expect(hints).toContain('add a key-policy statement allowing kms:Decrypt to arn:aws:iam::111122223333:role/ROLE_PATH/other.');
    expect(hints).toContain('ROLE_PATH stands for the path of role other');
    expect(hints).not.toContain(`to ${SESSION}`);
  });

  it("a session entry that gives its role's ARN (RoleArn) is named by it", () => {
    const s = withPrincipals([{ Arn: SESSION, RoleArn: 'arn:aws:iam::111122223333:role/team/other', IdentityPolicies: [] }]);
    const f = proposeFixes(s, req);
    expect(keyPolicyPrincipal(f)).toBe('arn:aws:iam::111122223333:role/team/other');
    expect(f.proposals.flatMap((p) => p.notes).map((n) => n.kind)).not.toContain('role-path-unknown');
  });

  it('the role known: its ARN with the path, in the fix and in the hint that names the role', () => {
    const s = withPrincipals([{ Arn: 'arn:aws:iam::111122223333:role/team/other', IdentityPolicies: allowDecrypt }], true);
    // An IAM allow without delegation: "name the role … in the key policy".
    const hints = new Evaluator(s).evaluate(req).hints.map(hintText).join('\n');
    expect(hints).toContain('or name the role arn:aws:iam::111122223333:role/team/other in the key policy.');
    expect(keyPolicyPrincipal(proposeFixes(s, req))).toBe('arn:aws:iam::111122223333:role/team/other');
    // Unknown, the path is to be filled in there too.
    const unknownPath = withPrincipals([{ Arn: SESSION, IdentityPolicies: allowDecrypt }], true);
    const h2 = new Evaluator(unknownPath).evaluate(req).hints.map(hintText).join('\n');
    expect(h2).toContain('or name the role arn:aws:iam::111122223333:role/ROLE_PATH/other in the key policy. ROLE_PATH stands for');
  });

  it('an IAM statement for the role lands in its session entry, not in an entry made under the path to fill in', () => {
    const s = withPrincipals([{ Arn: SESSION, IdentityPolicies: [] }], true);
    const iam = proposeFixes(s, { ...req, action: 'kms:Encrypt' }).proposals.find((p) => p.id === 'iam-statement')!;
    expect(iam.changes[0]).toMatchObject({ kind: 'add-identity-policy', principalArn: 'arn:aws:iam::111122223333:role/ROLE_PATH/other' });
    const after = applyChanges(s, iam.changes);
    expect(Object.keys(after.principals)).toEqual([SESSION]);
    const p = after.principals[SESSION]!.identityPolicies;
    expect(Array.isArray(p) && p.length).toBe(1);
  });
});

// A statement allowing kms:CreateGrant without conditions lets the caller create any grant on the
// key (any operations, any grantee, itself included); AWS's guidance is to limit it with the grant
// condition keys kms:GrantOperations, kms:GranteePrincipal and kms:GrantIsForAWSResource (KMS
// Developer Guide, "Controlling access to grants").
describe('proposeFixes for kms:CreateGrant: an allow limited to the grant the request asks for', () => {
  const ALICE = `arn:aws:iam::${ACCOUNT}:user/Alice`;
  const WORKER = `arn:aws:iam::${ACCOUNT}:role/Worker`;
  const cgSnapshot = (principal: Record<string, unknown> = {}): Snapshot =>
    parseSnapshot(
      {
        kmsWhySnapshot: 1,
        keys: [
          delegatingKey({
            Policy: {
              Version: '2012-10-17',
              Statement: [
                { Sid: 'Delegate', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
                {
                  Sid: 'cg',
                  Effect: 'Allow',
                  Principal: { AWS: ALICE },
                  Action: 'kms:CreateGrant',
                  Resource: '*',
                  Condition: { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'Encrypt'] } },
                },
              ],
            },
          }),
        ],
        principals: [{ Arn: ALICE, IdentityPolicies: [], ...principal }],
      },
      'cg.json',
    );
  const cg = (grantRequest: Request['grantRequest'], extra: Partial<Request> = {}): Request => ({
    action: 'kms:CreateGrant',
    principal: ALICE,
    keyArn: KEY_ARN,
    ...(grantRequest !== undefined ? { grantRequest } : {}),
    ...extra,
  });
  const statementOf = (f: FixResult, id: string): Record<string, unknown> => {
    const c = f.proposals.find((p) => p.id === id)!.changes[0]!;
    if (c.kind === 'add-key-policy-statement') return c.statement;
    if (c.kind === 'add-identity-policy') return (c.document.Statement as Array<Record<string, unknown>>)[0]!;
    throw new Error(c.kind);
  };
  /** The verdict of `other` on the snapshot with the proposal applied. */
  const verdictAfter = (s: Snapshot, f: FixResult, id: string, other: Request): string =>
    new Evaluator(applyChanges(s, f.proposals.find((p) => p.id === id)!.changes)).evaluate(other).decision;

  it('conditions the IAM and key-policy statements on the requested operations and grantee, and verifies them', () => {
    const s = cgSnapshot();
    const req = cg({ granteePrincipal: WORKER, operations: ['Decrypt', 'RetireGrant'] });
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(f.proposals.map((p) => p.id)).toEqual(['iam-statement', 'key-policy-statement']);
    const condition = {
      StringEquals: { 'kms:GranteePrincipal': WORKER },
      'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'RetireGrant'] },
    };
    expect(statementOf(f, 'iam-statement').Condition).toEqual(condition);
    expect(statementOf(f, 'key-policy-statement').Condition).toEqual(condition);
    for (const p of f.proposals) {
      expect(p.notes).toContainEqual({
        kind: 'grant-scope',
        scope: { operations: ['Decrypt', 'RetireGrant'], granteePrincipal: WORKER, forAwsResource: false },
      });
    }
    // What the request did not need stays denied: a grant to Alice herself, or of CreateGrant (re-delegation).
    for (const id of ['iam-statement', 'key-policy-statement']) {
      expect(verdictAfter(s, f, id, cg({ granteePrincipal: ALICE, operations: ['Decrypt', 'RetireGrant'] }))).toBe('deny');
      expect(verdictAfter(s, f, id, cg({ granteePrincipal: WORKER, operations: ['Decrypt', 'CreateGrant'] }))).toBe('deny');
      expect(verdictAfter(s, f, id, cg({ granteePrincipal: WORKER, operations: ['RetireGrant'] }))).toBe('allow');
    }
    // The side-effect probes are named: the caller's other actions, and no principal, session or context the snapshot lacks.
    const none = { otherActions: false, otherSession: false, otherPrincipals: 0, withoutContext: false };
    for (const p of f.proposals) expect(p.checked).toEqual({ decided: { ...none, otherActions: true }, undecided: none });
  });

  it('via a service: kms:ViaService and kms:GrantIsForAWSResource true as well; the same grant asked for directly stays denied', () => {
    const s = cgSnapshot();
    const req = cg({ granteePrincipal: WORKER, operations: ['Decrypt', 'RetireGrant'] }, { viaService: 'ec2.us-east-1.amazonaws.com' });
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(statementOf(f, 'iam-statement').Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com', 'kms:GranteePrincipal': WORKER },
      'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'RetireGrant'] },
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
    });
    expect(
      verdictAfter(
        s,
        f,
        'iam-statement',
        cg({ granteePrincipal: WORKER, operations: ['Decrypt', 'RetireGrant'] }, { grantIsForAwsResource: false, viaService: 'ec2.us-east-1.amazonaws.com' }),
      ),
    ).toBe('deny');
    expect(verdictAfter(s, f, 'iam-statement', cg({ granteePrincipal: WORKER, operations: ['Decrypt', 'RetireGrant'] }))).toBe('deny');
    expect(f.proposals[0]!.checked?.decided.withoutContext).toBe(true);
  });

  it('only conditions the request satisfies: a value given for the condition key itself wins; a key the request leaves open is not conditioned', () => {
    const s = cgSnapshot();
    // Operations given as the condition key's value (--condition), grantee left open.
    const req = cg({ operations: [] }, { context: { 'kms:GrantOperations': ['Decrypt', 'RetireGrant'] } });
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(statementOf(f, 'iam-statement').Condition).toEqual({ 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'RetireGrant'] } });
    expect(f.proposals[0]!.notes).toContainEqual({ kind: 'grant-scope', scope: { operations: ['Decrypt', 'RetireGrant'], forAwsResource: false } });
  });

  it('a request that names no grant: the statement cannot be limited to it, and the note says it allows any grant', () => {
    const s = cgSnapshot();
    const req = cg(undefined);
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    expect(statementOf(f, 'iam-statement').Condition).toBeUndefined();
    for (const p of f.proposals) expect(p.notes).toContainEqual({ kind: 'grant-scope', scope: { forAwsResource: false } });
  });

  it('a permissions boundary statement added for CreateGrant is limited to the grant too', () => {
    const s = cgSnapshot({
      PermissionsBoundary: {
        PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/Boundary`,
        Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
      },
    });
    const req = cg({ granteePrincipal: WORKER, operations: ['Decrypt', 'RetireGrant'] });
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    const withBoundary = f.proposals.find((p) => p.changes.some((c) => c.kind === 'add-boundary-statement'))!;
    const b = withBoundary.changes.find((c) => c.kind === 'add-boundary-statement')!;
    expect(b.kind === 'add-boundary-statement' && b.statement.Condition).toEqual({
      StringEquals: { 'kms:GranteePrincipal': WORKER },
      'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'RetireGrant'] },
    });
  });
});

describe('proposeFixes: what else a change allows is said of what was checked, and no more', () => {
  const keyAdminOnly = (): Record<string, unknown> =>
    delegatingKey({
      Policy: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'KeyAdmin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/KeyAdmin` }, Action: 'kms:*', Resource: '*' }],
      },
    });
  const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/App/s1`;

  it('another session whose identity policies are not in the snapshot: unknown after the change, so "may allow", not "nothing else"', () => {
    const s = parseSnapshot({ kmsWhySnapshot: 1, keys: [keyAdminOnly()], principals: [{ Arn: SESSION, IdentityPolicies: [] }] }, 's.json');
    const req: Request = { action: 'kms:Encrypt', principal: SESSION, keyArn: KEY_ARN };
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    const kp = f.proposals.find((p) => p.id === 'key-policy-statement')!;
    expect(kp.alsoAllows).toEqual([]);
    expect(kp.checked?.undecided.otherSession).toBe(true);
    expect(kp.checked?.decided.otherSession).toBe(false);
    expect(kp.checked?.decided.otherActions).toBe(true);
  });

  it('CreateGrant: another session is probed with the same grant, so an allow limited to it shows what it gains', () => {
    const s = parseSnapshot(
      { kmsWhySnapshot: 1, keys: [keyAdminOnly()], principals: [{ Arn: `arn:aws:iam::${ACCOUNT}:role/App`, IdentityPolicies: [] }] },
      's.json',
    );
    const req: Request = {
      action: 'kms:CreateGrant',
      principal: SESSION,
      keyArn: KEY_ARN,
      grantRequest: { granteePrincipal: `arn:aws:iam::${ACCOUNT}:role/Worker`, operations: ['Decrypt'] },
    };
    const f = proposeFixes(s, req);
    expectEveryProposalAllows(s, req, f);
    const kp = f.proposals.find((p) => p.id === 'key-policy-statement')!;
    expect(kp.alsoAllows.map((e) => [e.who, e.actions])).toEqual([['other-session', ['kms:CreateGrant']]]);
    expect(kp.checked?.undecided).toEqual({ otherActions: false, otherSession: false, otherPrincipals: 0, withoutContext: false });
  });
});
