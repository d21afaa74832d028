// CreateGrant names its grantee as GranteePrincipal (an AWS principal's ARN) or as
// GranteeServicePrincipal (a service principal), never both; a grant to a service principal needs
// a SourceArn constraint and a retiring principal, else the request fails validation [API
// CreateGrant]. --grantee and --retiring-principal say which by the principal's form.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { runMain } from './in-process.js';

const tmp = mkdtempSync(join(tmpdir(), 'kms-why-gsp-'));
const ACCOUNT = '111122223333';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ALICE = `arn:aws:iam::${ACCOUNT}:user/Alice`;
const LOGS = 'logs.us-east-1.amazonaws.com';
const LOG_GROUP = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:app`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/admin`;

function doc(statements: unknown[]): Record<string, unknown> {
  return {
    kmsWhySnapshot: 1,
    region: 'us-east-1',
    keys: [
      {
        KeyMetadata: {
          KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
          Arn: KEY_ARN,
          AWSAccountId: ACCOUNT,
          KeyState: 'Enabled',
          KeyManager: 'CUSTOMER',
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeySpec: 'SYMMETRIC_DEFAULT',
          MultiRegion: false,
          Origin: 'AWS_KMS',
        },
        Aliases: [],
        Tags: [],
        Policy: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'EnableIAM', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
            { Sid: 'AliceGrants', Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:CreateGrant', Resource: '*' },
            ...statements,
          ],
        },
        Grants: [],
      },
    ],
    principals: [
      { Arn: ALICE, IdentityPolicies: [], Tags: [] },
      { Arn: `arn:aws:iam::${ACCOUNT}:user/Bob`, IdentityPolicies: [], Tags: [] },
    ],
  };
}

function file(name: string, statements: unknown[]): string {
  const f = join(tmp, name);
  writeFileSync(f, JSON.stringify(doc(statements)));
  return f;
}

/** No grants to service principals. */
const NO_SERVICE_GRANTS = {
  Sid: 'NoServiceGrantees',
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { Null: { 'kms:GranteeServicePrincipal': 'false' } },
};

async function createGrant(from: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string; result?: Record<string, unknown> }> {
  const r = await runMain([
    'create-grant',
    '--from',
    from,
    '--key',
    KEY_ARN,
    '--principal',
    ALICE,
    '--grant-operations',
    'Decrypt',
    '--output',
    'json',
    ...extra,
  ]);
  return { ...r, ...(r.code !== 2 ? { result: JSON.parse(r.stdout).results[0] } : {}) };
}

describe('create-grant --grantee with a service principal: kms:GranteeServicePrincipal', () => {
  const valid = ['--grantee', LOGS, '--grant-constraint-source-arn', LOG_GROUP, '--retiring-principal', ADMIN];

  it('sets kms:GranteeServicePrincipal, not kms:GranteePrincipal: a Deny on service grantees applies', async () => {
    const r = await createGrant(file('deny.json', [NO_SERVICE_GRANTS]), ...valid);
    expect(r.result).toMatchObject({ decision: 'deny', decidedBy: 'explicit-deny' });
    // A grant to a role is not concerned.
    const role = await createGrant(file('deny2.json', [NO_SERVICE_GRANTS]), '--grantee', `arn:aws:iam::${ACCOUNT}:role/worker`);
    expect(role.result).toMatchObject({ decision: 'allow' });
  });

  it('an Allow on kms:GranteeServicePrincipal allows it, one on kms:GranteePrincipal does not', async () => {
    const on = (key: string) => [
      {
        Sid: 'BobToLogs',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/Bob` },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { StringEquals: { [key]: LOGS } },
      },
    ];
    const bob = ['--principal', `arn:aws:iam::${ACCOUNT}:user/Bob`];
    const gsp = await runMain([
      'create-grant',
      '--from',
      file('gsp.json', on('kms:GranteeServicePrincipal')),
      '--key',
      KEY_ARN,
      ...bob,
      '--grant-operations',
      'Decrypt',
      '--output',
      'json',
      ...valid,
    ]);
    expect(JSON.parse(gsp.stdout).results[0].decision).toBe('allow');
    const gp = await runMain([
      'create-grant',
      '--from',
      file('gp.json', on('kms:GranteePrincipal')),
      '--key',
      KEY_ARN,
      ...bob,
      '--grant-operations',
      'Decrypt',
      '--output',
      'json',
      ...valid,
    ]);
    expect(JSON.parse(gp.stdout).results[0].decision).toBe('deny');
  });

  it('without a SourceArn constraint or a retiring principal the request fails validation: deny, saying why', async () => {
    const from = file('plain.json', []);
    const noSource = await createGrant(from, '--grantee', LOGS, '--retiring-principal', ADMIN);
    expect(noSource.result).toMatchObject({ decision: 'deny', decidedBy: 'key-state' });
    expect(noSource.result?.keyStateError).toMatch(/^ValidationException: .*GranteeServicePrincipal.* needs a SourceArn grant constraint/);
    const noRetiring = await createGrant(from, '--grantee', LOGS, '--grant-constraint-source-arn', LOG_GROUP);
    expect(noRetiring.result?.keyStateError).toMatch(/^ValidationException: .* needs a RetiringPrincipal or a RetiringServicePrincipal/);
    // A service principal may retire it (RetiringServicePrincipal).
    const ok = await createGrant(from, '--grantee', LOGS, '--grant-constraint-source-arn', LOG_GROUP, '--retiring-principal', LOGS);
    expect(ok.result).toMatchObject({ decision: 'allow' });
  });

  it('a service-principal --retiring-principal sets kms:RetiringServicePrincipal', async () => {
    const deny = {
      Sid: 'NoServiceRetirers',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { Null: { 'kms:RetiringServicePrincipal': 'false' } },
    };
    const from = file('retiring.json', [deny]);
    expect((await createGrant(from, '--grantee', LOGS, '--grant-constraint-source-arn', LOG_GROUP, '--retiring-principal', LOGS)).result).toMatchObject({
      decision: 'deny',
      decidedBy: 'explicit-deny',
    });
    expect((await createGrant(from, ...valid)).result).toMatchObject({ decision: 'allow' });
  });

  it('a CreateGrant without its grantee leaves kms:GranteeServicePrincipal unknown, not absent', async () => {
    const r = await runMain(['create-grant', '--from', file('deny3.json', [NO_SERVICE_GRANTS]), '--key', KEY_ARN, '--principal', ALICE, '--output', 'json']);
    const res = JSON.parse(r.stdout).results[0];
    expect(res.decision).toBe('unknown');
    expect(res.missingContext).toContain('kms:GranteeServicePrincipal');
  });
});

describe('malformed --grantee, --retiring-principal and --grant-constraint-source-arn are usage errors', () => {
  const from = file('usage.json', []);
  it.each([
    ['--grantee', 'not a principal!!', /not a principal/],
    ['--grantee', `arn:aws:iam::${ACCOUNT}:role/*`, /a grant names one principal: \* and \? are not wildcards there/],
    ['--grantee', `arn:aws:iam::${ACCOUNT}:role/app-?`, /not wildcards/],
    ['--grantee', 'AROAEXAMPLEEXAMPLE1234', /unique id/],
    ['--grantee', `arn:aws-moon:iam::${ACCOUNT}:role/app`, /not an AWS partition/],
    ['--retiring-principal', 'not a principal!!', /not a principal/],
    ['--retiring-principal', `arn:aws:iam::${ACCOUNT}:user/*`, /not wildcards/],
  ])('%s %s', async (flag, value, message) => {
    const args = ['create-grant', '--from', from, '--key', KEY_ARN, '--principal', ALICE, '--grant-operations', 'Decrypt'];
    if (flag !== '--grantee') args.push('--grantee', `arn:aws:iam::${ACCOUNT}:role/worker`);
    const r = await runMain([...args, flag, value]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^kms-why: error: invalid ${flag} "`));
    expect(lines[0]).toMatch(message);
    expect(r.stderr).toMatch(/\nhint: Give the ARN of one IAM user, role, role session, federated user or\s+account/);
  });

  it('--grant-constraint-source-arn must be the ARN of one resource', async () => {
    for (const bad of ['log-group:app', `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:*`]) {
      const r = await runMain([
        'create-grant',
        '--from',
        from,
        '--key',
        KEY_ARN,
        '--principal',
        ALICE,
        '--grantee',
        LOGS,
        '--grant-constraint-source-arn',
        bad,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^kms-why: error: invalid --grant-constraint-source-arn/);
      expect(r.stderr).toMatch(/\nhint: /);
    }
  });
});

describe('the grant to create, as the evaluator reads it', () => {
  const snapshot = parseSnapshot(doc([]), 'snap.json');
  const ask = (grantRequest: Record<string, unknown>) =>
    new Evaluator(snapshot).evaluate({
      action: 'kms:CreateGrant',
      principal: ALICE,
      keyArn: KEY_ARN,
      grantRequest: { operations: ['Decrypt'], ...grantRequest },
    });

  it('refuses a grant with both a GranteePrincipal and a GranteeServicePrincipal, or both retiring principals', () => {
    const both = ask({ granteePrincipal: ADMIN, granteeServicePrincipal: LOGS, retiringPrincipal: ADMIN, constraints: { sourceArn: LOG_GROUP } });
    expect(both.decision).toBe('deny');
    expect(both.keyStateError).toMatch(/^ValidationException: a grant has either a GranteePrincipal or a GranteeServicePrincipal, not both/);
    const retiring = ask({ granteePrincipal: ADMIN, retiringPrincipal: ADMIN, retiringServicePrincipal: LOGS });
    expect(retiring.keyStateError).toMatch(/RetiringPrincipal or a RetiringServicePrincipal, not both/);
    expect(ask({ granteeServicePrincipal: LOGS, retiringServicePrincipal: LOGS, constraints: { sourceArn: LOG_GROUP } }).decision).toBe('allow');
  });
});
