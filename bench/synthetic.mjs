// Synthetic accounts for the benchmarks: deterministic (seeded), realistic mixes of statements.
import { parsePolicyDocument } from '../dist/sources/policy-document.js';

export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

export const ACCOUNT = '111122223333';
export const KEY_ARN = (i = 0) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${String(i).padStart(8, '0')}-12ab-34cd-56ef-1234567890ab`;
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

export function keyPolicy(r, statements, roleCount) {
  const st = [{ Sid: 'Enable IAM policies', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }];
  while (st.length < statements) {
    const i = st.length;
    const role = `arn:aws:iam::${ACCOUNT}:role/role-${Math.floor(r() * roleCount)}`;
    const kind = r();
    if (kind < 0.45) st.push({ Sid: `users-${i}`, Effect: 'Allow', Principal: { AWS: role }, Action: USE, Resource: '*' });
    else if (kind < 0.6) st.push({ Sid: `admins-${i}`, Effect: 'Allow', Principal: { AWS: role }, Action: ADMIN, Resource: '*' });
    else if (kind < 0.75)
      st.push({
        Sid: `ctx-${i}`,
        Effect: 'Allow',
        Principal: { AWS: [role, `arn:aws:iam::444455556666:root`] },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:app': `app-${i}` } },
      });
    else if (kind < 0.85)
      st.push({
        Sid: `via-${i}`,
        Effect: 'Allow',
        Principal: '*',
        Action: USE,
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:ViaService': 'lambda.us-east-1.amazonaws.com' } },
      });
    else if (kind < 0.93)
      st.push({
        Sid: `grants-${i}`,
        Effect: 'Allow',
        Principal: { AWS: role },
        Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      });
    else st.push({ Sid: `deny-${i}`, Effect: 'Deny', Principal: { AWS: role }, Action: 'kms:ScheduleKeyDeletion', Resource: '*' });
  }
  return parsePolicyDocument({ Version: '2012-10-17', Statement: st }, { source: 'key-policy', name: 'key policy', path: 'bench' });
}

export function identityPolicy(r, name, keyArns) {
  const st = [];
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const kind = r();
    if (kind < 0.25) st.push({ Effect: 'Allow', Action: 'kms:*', Resource: '*' });
    else if (kind < 0.5)
      st.push({
        Effect: 'Allow',
        Action: pick(r, [['kms:Decrypt', 'kms:Encrypt'], ['kms:GenerateDataKey*'], ['kms:Describe*', 'kms:List*']]),
        Resource: pick(r, keyArns),
      });
    else if (kind < 0.65)
      st.push({
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`,
        Condition: { StringLike: { 'kms:RequestAlias': 'alias/app-*' } },
      });
    else if (kind < 0.8) st.push({ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::bucket/*' });
    else if (kind < 0.9) st.push({ Effect: 'Deny', Action: ['kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy'], Resource: '*' });
    else st.push({ Effect: 'Allow', NotAction: ['iam:*'], Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } });
  }
  return parsePolicyDocument({ Version: '2012-10-17', Statement: st }, { source: 'identity-policy', name, path: 'bench' });
}

export function grants(r, count, roleCount, keyArn) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const role = `role-${Math.floor(r() * roleCount)}`;
    const kind = r();
    const g = {
      grantId: `grant-${i}`,
      granteePrincipal:
        kind < 0.5
          ? `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/fn-${i}`
          : kind < 0.8
            ? `arn:aws:iam::${ACCOUNT}:role/${role}`
            : kind < 0.9
              ? `AROA${String(i).padStart(17, '0')}:fn-${i}`
              : 'ec2.us-east-1.amazonaws.com',
      operations: pick(r, [
        ['Decrypt', 'RetireGrant'],
        ['Encrypt', 'Decrypt', 'GenerateDataKey'],
        ['Decrypt', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'CreateGrant', 'DescribeKey'],
      ]),
      issuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
      retiringPrincipal: 'lambda.us-east-1.amazonaws.com',
      state: 'active',
      keyArn,
    };
    if (r() < 0.6) g.constraints = { encryptionContextEquals: { 'aws:lambda:FunctionArn': `arn:aws:lambda:us-east-1:${ACCOUNT}:function:fn-${i}` } };
    out.push(g);
  }
  return out;
}

export function key(r, i, { statements, grantCount, roleCount }) {
  const arn = KEY_ARN(i);
  return {
    metadata: {
      keyId: arn.split('/')[1],
      arn,
      account: ACCOUNT,
      region: 'us-east-1',
      partition: 'aws',
      keyState: 'Enabled',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      keyManager: 'CUSTOMER',
      multiRegion: false,
    },
    aliases: [`alias/app-${i}`],
    tags: { team: `t${i % 7}` },
    policy: keyPolicy(r, statements, roleCount),
    grants: grants(r, grantCount, roleCount, arn),
  };
}

/** An account: `roles` roles with `policies` identity policies each, `keys` keys. */
export function account({ seed = 1, roles, policiesPerRole, keys, statements, grantCount }) {
  const r = rng(seed);
  const keyList = [];
  for (let i = 0; i < keys; i++) keyList.push(key(r, i, { statements, grantCount, roleCount: roles }));
  const keyArns = keyList.map((k) => k.metadata.arn);
  // Managed policies are shared between roles, as in real accounts.
  const managed = [];
  for (let i = 0; i < Math.max(20, Math.floor(roles / 10)); i++) managed.push(identityPolicy(r, `managed-${i}`, keyArns));
  const principals = {};
  for (let i = 0; i < roles; i++) {
    const n = typeof policiesPerRole === 'number' ? policiesPerRole : 1 + Math.floor(r() * 10);
    const ps = [];
    for (let j = 0; j < n; j++) ps.push(r() < 0.7 ? pick(r, managed) : identityPolicy(r, `inline-${i}-${j}`, keyArns));
    principals[`arn:aws:iam::${ACCOUNT}:role/role-${i}`] = {
      identityPolicies: ps,
      permissionsBoundary: null,
      sessionPolicies: [],
      tags: { team: `t${i % 7}` },
    };
  }
  return { keys: keyList, principals };
}
