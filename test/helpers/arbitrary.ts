// fast-check generators of random but well-formed KMS scenarios (in the scenario-case schema).
import fc from 'fast-check';
import type { ScenarioCase } from '../../src/sources/scenario.js';

export const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_KEY = 'arn:aws:kms:us-east-1:111122223333:key/ffffffff-12ab-34cd-56ef-1234567890ab';

const callers = [
  'arn:aws:sts::111122223333:assumed-role/AppRole/app-session',
  'arn:aws:sts::111122223333:assumed-role/AppRole/other',
  'arn:aws:iam::111122223333:user/Alice',
  'arn:aws:iam::111122223333:root',
  'arn:aws:sts::444455556666:assumed-role/ExtRole/ext',
  'lambda.us-east-1.amazonaws.com',
];
const policyPrincipals: unknown[] = [
  '*',
  { AWS: '*' },
  { AWS: 'arn:aws:iam::111122223333:role/AppRole' },
  { AWS: 'arn:aws:sts::111122223333:assumed-role/AppRole/app-session' },
  { AWS: 'arn:aws:iam::111122223333:root' },
  { AWS: '111122223333' },
  { AWS: 'arn:aws:iam::111122223333:user/Alice' },
  { AWS: ['arn:aws:iam::444455556666:root', 'arn:aws:iam::111122223333:role/AppRole'] },
  { AWS: 'arn:aws:iam::444455556666:role/ExtRole' },
  { Service: 'lambda.us-east-1.amazonaws.com' },
];
export const actions = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:DescribeKey',
  'kms:CreateGrant',
  'kms:PutKeyPolicy',
  'kms:ListKeys',
  'kms:RetireGrant',
  'kms:Sign',
];
const actionPatterns = [
  'kms:*',
  '*',
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:Describe*',
  'KMS:DECRYPT',
  'kms:CreateGrant',
  'kms:PutKeyPolicy',
  'kms:List*',
  'kms:RetireGrant',
];
const conditions: Array<Record<string, unknown> | undefined> = [
  undefined,
  undefined,
  { StringEquals: { 'kms:ViaService': 'lambda.us-east-1.amazonaws.com' } },
  { StringEquals: { 'kms:CallerAccount': '111122223333' } },
  { StringEquals: { 'kms:EncryptionContext:Dept': 'IT' } },
  { StringNotEquals: { 'kms:EncryptionContext:Dept': 'IT' } },
  { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': ['Dept', 'App'] } },
  { Null: { 'kms:EncryptionContextKeys': 'false' } },
  { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/App*' } },
  { StringEqualsIfExists: { 'kms:EncryptionContext:Dept': 'HR' } },
];

const statement = (withPrincipal: boolean) =>
  fc
    .record({
      Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
      Principal: withPrincipal ? fc.constantFrom(...policyPrincipals) : fc.constant(undefined),
      Action: fc.oneof(fc.constantFrom(...actionPatterns), fc.uniqueArray(fc.constantFrom(...actionPatterns), { minLength: 1, maxLength: 3 })),
      Resource: fc.constantFrom('*', KEY_ARN, OTHER_KEY, 'arn:aws:kms:us-east-1:111122223333:key/*'),
      Condition: fc.constantFrom(...conditions),
    })
    .map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)));

const policy = (withPrincipal: boolean, max: number) =>
  fc.array(statement(withPrincipal), { minLength: 1, maxLength: max }).map((Statement) => ({ Version: '2012-10-17', Statement }));

const grant = fc
  .record({
    grantId: fc.constantFrom('g1', 'g2', 'g3'),
    granteePrincipal: fc.constantFrom(
      'arn:aws:iam::111122223333:role/AppRole',
      'arn:aws:sts::111122223333:assumed-role/AppRole/app-session',
      'arn:aws:iam::111122223333:user/Alice',
      'arn:aws:iam::444455556666:role/ExtRole',
      'arn:aws:iam::111122223333:root',
      'AROAEXAMPLEEXAMPLE123:app-session',
    ),
    operations: fc.uniqueArray(fc.constantFrom('Decrypt', 'Encrypt', 'GenerateDataKey', 'DescribeKey', 'CreateGrant', 'RetireGrant', 'Sign'), {
      minLength: 1,
      maxLength: 4,
    }),
    issuingAccount: fc.constant('arn:aws:iam::111122223333:root'),
    state: fc.constantFrom('active', 'active', 'retired'),
    retiringPrincipal: fc.constantFrom(undefined, 'lambda.us-east-1.amazonaws.com', 'arn:aws:iam::111122223333:user/Alice'),
    constraints: fc.constantFrom(undefined, { encryptionContextEquals: { Dept: 'IT' } }, { encryptionContextSubset: { Dept: 'IT' } }),
  })
  .map((g) => Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined)));

export const scenario: fc.Arbitrary<ScenarioCase> = fc
  .record({
    keyPolicy: policy(true, 5),
    identityPolicies: fc.array(policy(false, 3), { maxLength: 2 }),
    permissionsBoundary: fc.option(policy(false, 2), { nil: undefined }),
    scps: fc.option(
      fc.array(fc.record({ appliesToAccount: fc.constantFrom('111122223333', '444455556666'), policy: policy(false, 2) }), { minLength: 1, maxLength: 2 }),
      { nil: undefined },
    ),
    grants: fc.array(grant, { maxLength: 3 }),
    keyState: fc.constantFrom('Enabled', 'Enabled', 'Enabled', 'Disabled'),
    principal: fc.constantFrom(...callers),
    action: fc.constantFrom(...actions),
    ec: fc.constantFrom(undefined, { Dept: 'IT' }, { Dept: 'IT', App: 'x' }, { dept: 'it' }),
    via: fc.constantFrom(undefined, 'lambda.us-east-1.amazonaws.com'),
    grantId: fc.constantFrom(undefined, 'g1', 'g2'),
  })
  .map((r): ScenarioCase => {
    const request: Record<string, unknown> = { keyArn: KEY_ARN, action: r.action, principal: r.principal };
    if (r.ec) request.encryptionContext = r.ec;
    if (r.via) request.viaService = r.via;
    if (r.grantId) request.grantId = r.grantId;
    if (r.action === 'kms:CreateGrant') request.grantRequest = { granteePrincipal: 'arn:aws:iam::111122223333:user/Bob', operations: ['Decrypt'] };
    // The root user has no identity policies and no boundary (such inputs are refused).
    const root = r.principal.endsWith(':root');
    const c: ScenarioCase = {
      id: 'generated',
      title: 'generated',
      keyPolicy: r.keyPolicy,
      identityPolicies: root ? [] : r.identityPolicies,
      grants: r.grants,
      keyMetadata: { keyState: r.keyState },
      request,
      expected: { decision: 'Allow', decidedBy: 'key-policy' },
    };
    if (r.permissionsBoundary && !root) c.permissionsBoundary = r.permissionsBoundary;
    if (r.scps) c.scps = r.scps;
    // Grants must have distinct ids.
    const seen = new Set<string>();
    c.grants = (c.grants ?? []).filter((g) => {
      if (seen.has(String(g.grantId))) return false;
      seen.add(String(g.grantId));
      return true;
    });
    return c;
  });
