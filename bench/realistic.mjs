// A realistic account as raw JSON (what `kms-why snapshot` writes and `--from` reads): 5,000 roles
// with 1–10 identity policies each drawn mostly from 200 managed policies, 20 keys with
// 20-statement key policies and 500 grants each. Deterministic (seeded), so runs compare.
import { rng } from './synthetic.mjs';

export const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
export const keyArn = (i) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${String(i).padStart(8, '0')}-12ab-34cd-56ef-1234567890ab`;
const roleArn = (i) => `arn:aws:iam::${ACCOUNT}:role/role-${i}`;

const USE = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];
const ADMIN = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

function keyPolicy(r, i, roles) {
  const st = [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }];
  while (st.length < 20) {
    const n = st.length;
    const role = roleArn(Math.floor(r() * roles));
    const kind = r();
    if (kind < 0.35) st.push({ Sid: `Use${n}`, Effect: 'Allow', Principal: { AWS: role }, Action: USE, Resource: '*' });
    else if (kind < 0.5)
      st.push({ Sid: `Admin${n}`, Effect: 'Allow', Principal: { AWS: [role, roleArn(Math.floor(r() * roles))] }, Action: ADMIN, Resource: '*' });
    else if (kind < 0.62)
      st.push({
        Sid: `Ctx${n}`,
        Effect: 'Allow',
        Principal: { AWS: [role, `arn:aws:iam::${OTHER}:root`] },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:app': `app-${n % 5}` } },
      });
    else if (kind < 0.74)
      st.push({
        Sid: `Via${n}`,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: USE,
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:CallerAccount': ACCOUNT,
            'kms:ViaService': pick(r, ['s3.us-east-1.amazonaws.com', 'lambda.us-east-1.amazonaws.com', 'secretsmanager.us-east-1.amazonaws.com']),
          },
        },
      });
    else if (kind < 0.82)
      st.push({
        Sid: `Grants${n}`,
        Effect: 'Allow',
        Principal: { AWS: role },
        Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      });
    else if (kind < 0.9)
      st.push({
        Sid: `Src${n}`,
        Effect: 'Allow',
        Principal: { Service: 'logs.us-east-1.amazonaws.com' },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/app-${n}/*` } },
      });
    else if (kind < 0.95)
      st.push({
        Sid: `Tagged${n}`,
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: ['kms:Decrypt'],
        Resource: '*',
        Condition: { StringLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/role-${n}*` } },
      });
    else st.push({ Sid: `Deny${n}`, Effect: 'Deny', Principal: { AWS: role }, Action: ['kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy'], Resource: '*' });
  }
  return { Version: '2012-10-17', Id: `key-policy-${i}`, Statement: st };
}

function identityPolicy(r, keys) {
  const st = [];
  const n = 1 + Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const kind = r();
    if (kind < 0.15) st.push({ Effect: 'Allow', Action: 'kms:*', Resource: '*' });
    else if (kind < 0.4)
      st.push({
        Sid: `UseKey${i}`,
        Effect: 'Allow',
        Action: pick(r, [['kms:Decrypt', 'kms:Encrypt'], ['kms:GenerateDataKey*', 'kms:Decrypt'], ['kms:Describe*', 'kms:List*'], ['kms:CreateGrant']]),
        Resource: [pick(r, keys), pick(r, keys)],
      });
    else if (kind < 0.52)
      st.push({
        Sid: `ByAlias${i}`,
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:Encrypt'],
        Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`,
        Condition: { StringLike: { 'kms:RequestAlias': 'alias/app-*' } },
      });
    else if (kind < 0.75)
      st.push({
        Effect: 'Allow',
        Action: pick(r, [['s3:GetObject', 's3:PutObject'], ['dynamodb:*'], ['sqs:SendMessage', 'sqs:ReceiveMessage'], ['logs:*']]),
        Resource: pick(r, ['arn:aws:s3:::bucket/*', '*', `arn:aws:sqs:us-east-1:${ACCOUNT}:queue-*`]),
      });
    else if (kind < 0.85)
      st.push({ Sid: `NoDelete${i}`, Effect: 'Deny', Action: ['kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy', 'kms:DisableKey'], Resource: '*' });
    else if (kind < 0.93)
      st.push({
        Effect: 'Allow',
        NotAction: ['iam:*', 'organizations:*'],
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '198.51.100.0/24'] } },
      });
    else
      st.push({
        Sid: `Tagged${i}`,
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
      });
  }
  return { Version: '2012-10-17', Statement: st };
}

function grants(r, i, roles) {
  const out = [];
  for (let g = 0; g < 500; g++) {
    const role = `role-${Math.floor(r() * roles)}`;
    const kind = r();
    const grant = {
      KeyId: keyArn(i),
      GrantId: `${String(i).padStart(4, '0')}${String(g).padStart(60, '0')}`,
      Name: `grant-${g}`,
      CreationDate: '2026-01-01T00:00:00Z',
      GranteePrincipal:
        kind < 0.5
          ? `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/fn-${g}`
          : kind < 0.8
            ? `arn:aws:iam::${ACCOUNT}:role/${role}`
            : kind < 0.9
              ? `AROA${String(g).padStart(17, '0')}:fn-${g}`
              : 'ec2.us-east-1.amazonaws.com',
      RetiringPrincipal: 'lambda.us-east-1.amazonaws.com',
      IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
      Operations: pick(r, [
        ['Decrypt', 'RetireGrant'],
        ['Encrypt', 'Decrypt', 'GenerateDataKey'],
        ['Decrypt', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'CreateGrant', 'DescribeKey'],
      ]),
    };
    if (r() < 0.6) grant.Constraints = { EncryptionContextEquals: { 'aws:lambda:FunctionArn': `arn:aws:lambda:us-east-1:${ACCOUNT}:function:fn-${g}` } };
    out.push(grant);
  }
  return out;
}

/**
 * The account as a kms-why snapshot document, plus the same account as plain JSON documents for a
 * simulator that takes policies per request: `roles[i]` lists `{ name, document }`.
 */
export function realisticAccount({ seed = 18, roles = 5000, keys = 20, managed = 200 } = {}) {
  const r = rng(seed);
  const keyArns = Array.from({ length: keys }, (_, i) => keyArn(i));
  const managedDocs = Array.from({ length: managed }, (_, i) => ({
    name: `managed-${i}`,
    arn: `arn:aws:iam::${ACCOUNT}:policy/managed-${i}`,
    document: identityPolicy(r, keyArns),
  }));
  const keyEntries = keyArns.map((arn, i) => ({
    KeyMetadata: {
      AWSAccountId: ACCOUNT,
      KeyId: arn.split('/')[1],
      Arn: arn,
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      MultiRegion: false,
      Enabled: true,
    },
    Aliases: [`alias/app-${i}`],
    Policy: keyPolicy(r, i, roles),
    Grants: grants(r, i, roles),
  }));
  const roleList = [];
  const principals = [];
  for (let i = 0; i < roles; i++) {
    const n = 1 + Math.floor(r() * 10);
    const policies = [];
    for (let j = 0; j < n; j++) {
      if (r() < 0.8) {
        const m = pick(r, managedDocs);
        if (!policies.some((p) => p.arn === m.arn)) policies.push(m);
      } else policies.push({ name: `inline-${i}-${j}`, document: identityPolicy(r, keyArns) });
    }
    roleList.push(policies);
    principals.push({
      Arn: roleArn(i),
      IdentityPolicies: policies.map((p) =>
        p.arn ? { PolicyName: p.name, PolicyArn: p.arn, Document: p.document } : { PolicyName: p.name, Document: p.document },
      ),
      Tags: [{ Key: 'team', Value: `t${i % 7}` }],
    });
  }
  return { snapshot: { kmsWhySnapshot: 1, keys: keyEntries, principals }, roles: roleList, keyArns, keyPolicies: keyEntries.map((k) => k.Policy) };
}

const ACTIONS = [
  'kms:Decrypt',
  'kms:Decrypt',
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKey',
  'kms:DescribeKey',
  'kms:CreateGrant',
  'kms:ReEncryptFrom',
  'kms:ScheduleKeyDeletion',
];

/** `count` requests, each from a different random role's session against a random key. */
export function realisticRequests(account, { seed = 1818, count = 2000 } = {}) {
  const r = rng(seed);
  const out = [];
  for (let i = 0; i < count; i++) {
    const role = Math.floor(r() * account.roles.length);
    const key = Math.floor(r() * account.keyArns.length);
    const action = pick(r, ACTIONS);
    const req = { role, key, action, principal: `arn:aws:sts::${ACCOUNT}:assumed-role/role-${role}/session-${i}`, keyArn: account.keyArns[key] };
    if (action !== 'kms:DescribeKey' && action !== 'kms:CreateGrant' && action !== 'kms:ScheduleKeyDeletion' && r() < 0.5)
      req.encryptionContext = { app: `app-${i % 5}` };
    out.push(req);
  }
  return out;
}
