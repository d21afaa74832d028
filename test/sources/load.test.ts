import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { isUnknown } from '../../src/model/unknown.js';
import type { Unknowable, UnknownInput } from '../../src/model/unknown.js';
import { loadFrom, snapshotFromDocuments } from '../../src/sources/load.js';
import { ACCT, FIXTURES, KEY_ARN, KEY_ID, expectInputError, expectInputErrorAsync, tempDir } from './helpers.js';

const CLI = join(FIXTURES, 'aws-cli');
const cli = (name: string): string => join(CLI, name);
const tmp = tempDir();
afterAll(tmp.cleanup);

function write(name: string, value: unknown): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
}
function fixture(name: string): unknown {
  return JSON.parse(readFileSync(cli(name), 'utf8')) as unknown;
}
function known<T>(v: Unknowable<T>): T {
  if (isUnknown(v)) throw new Error(`unexpected unknown: ${v.what}: ${v.reason}`);
  return v;
}
function unknown(v: Unknowable<unknown>): UnknownInput {
  if (!isUnknown(v)) throw new Error('expected an UnknownInput');
  return v;
}

const OTHER_KEY_ARN = `arn:aws:kms:us-east-1:${ACCT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;
const otherKey = { KeyMetadata: { Arn: OTHER_KEY_ARN, KeyState: 'Disabled' } };

describe('loadFrom: AWS CLI outputs', () => {
  it('merges describe-key, get-key-policy, list-grants, list-resource-tags and list-aliases into one key', async () => {
    const snap = await loadFrom([
      cli('get-key-policy.json'), // order does not matter
      cli('describe-key.json'),
      cli('list-grants.json'),
      cli('list-resource-tags.json'),
      cli('list-aliases.json'),
    ]);
    expect(snap.keys).toHaveLength(1);
    const key = snap.keys[0]!;
    expect(key.metadata).toMatchObject({ arn: KEY_ARN, keyId: KEY_ID, keyState: 'Enabled', description: 'Payments application data' });
    const policy = known(key.policy);
    expect(policy.id).toBe('key-consolepolicy-3');
    expect(policy.statements.map((s) => s.sid)).toEqual([
      'Enable IAM User Permissions',
      'Allow access for Key Administrators',
      'Allow use of the key',
      'Allow attachment of persistent resources',
    ]);
    expect(policy.origin).toBe(`${cli('get-key-policy.json')}: Policy`);
    const grants = known(key.grants);
    expect(grants.map((g) => g.granteePrincipal)).toEqual([
      `arn:aws:sts::${ACCT}:assumed-role/LambdaExecRole/payments-handler`,
      `arn:aws:sts::${ACCT}:assumed-role/aws:ec2-infrastructure/i-5d476fab`,
      `arn:aws:iam::${ACCT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    ]);
    expect(grants[0]).toMatchObject({
      operations: ['Decrypt', 'RetireGrant'],
      retiringPrincipal: 'lambda.us-east-1.amazonaws.com',
      constraints: { encryptionContextEquals: { 'aws:lambda:FunctionArn': `arn:aws:lambda:us-east-1:${ACCT}:function:payments-handler` } },
      creationDate: '2025-02-11T09:14:03.000Z',
      keyArn: KEY_ARN,
      state: 'active',
    });
    expect(grants[1]!.constraints).toEqual({ encryptionContextSubset: { 'aws:ebs:id': 'vol-01234567890abcdef' } });
    expect(key.tags).toEqual({ Project: 'payments', Environment: 'prod' });
    expect(key.aliases).toEqual(['alias/payments']); // other-app targets another key; aws/ebs targets none
    expect(snap.inputs).toEqual([
      { what: `key policy of ${KEY_ARN}`, from: `${cli('get-key-policy.json')}: Policy`, status: 'read' },
      { what: `grants of ${KEY_ARN}`, from: cli('list-grants.json'), status: 'read' },
      { what: `tags of ${KEY_ARN}`, from: `${cli('list-resource-tags.json')}: Tags`, status: 'read' },
      { what: `aliases of ${KEY_ARN}`, from: `${cli('list-aliases.json')}: Aliases`, status: 'read' },
    ]);
  });

  it('describe-key alone: policy and grants are unknown, recorded as absent', async () => {
    const snap = await loadFrom([cli('describe-key.json')]);
    const key = snap.keys[0]!;
    expect(unknown(key.policy)).toMatchObject({ what: `key policy of ${KEY_ARN}`, reason: 'not in the snapshot' });
    expect(unknown(key.grants)).toMatchObject({ what: `grants of ${KEY_ARN}` });
    expect(snap.inputs?.map((r) => r.status)).toEqual(['absent', 'absent']);
  });

  it('a truncated list-grants output makes the grants unknown', async () => {
    const snap = await loadFrom([cli('describe-key.json'), cli('list-grants-truncated.json')]);
    expect(unknown(snap.keys[0]!.grants)).toMatchObject({ reason: 'grants list is truncated' });
    expect(snap.inputs?.find((r) => r.what.startsWith('grants of'))).toMatchObject({ status: 'unreadable', detail: 'grants list is truncated' });
  });

  it('list-grants --max-items output (NextToken) is truncated too', async () => {
    const page = { Grants: [], NextToken: 'eyJNYXJrZXIiOiBudWxsfQ==' };
    const snap = await loadFrom([cli('describe-key.json'), write('grants-page.json', page)]);
    expect(unknown(snap.keys[0]!.grants).reason).toBe('grants list is truncated');
  });

  it('an empty list-grants output means no grants', async () => {
    const snap = await loadFrom([cli('describe-key.json'), write('no-grants.json', { Grants: [], Truncated: false })]);
    expect(snap.keys[0]!.grants).toEqual([]);
  });

  it('a truncated list-resource-tags output makes the key tags unknown', async () => {
    const page = { Tags: [{ TagKey: 'a', TagValue: 'b' }], Truncated: true, NextMarker: 'm' };
    const snap = await loadFrom([cli('describe-key.json'), write('tags-page.json', page)]);
    expect(snap.keys[0]!.tags).toEqual({});
    expect(snap.keys[0]!.tagsUnknown).toMatchObject({ what: `tags of ${KEY_ARN}`, reason: 'tags list is truncated' });
  });

  it('a truncated list-aliases output makes the aliases unknown (a later page may hold one a condition reads), keeping those it lists', async () => {
    for (const page of [
      { Aliases: [{ AliasName: 'alias/app', TargetKeyId: KEY_ID }], Truncated: true, NextMarker: 'm' },
      { Aliases: [{ AliasName: 'alias/app', TargetKeyId: KEY_ID }], NextToken: 'eyJNYXJrZXIiOiBudWxsfQ==' },
    ]) {
      const snap = await loadFrom([cli('describe-key.json'), write('aliases-page.json', page)]);
      expect(snap.keys[0]!.aliases).toEqual(['alias/app']);
      expect(snap.keys[0]!.aliasesUnknown).toMatchObject({ what: `aliases of ${KEY_ARN}`, reason: 'alias list is truncated' });
    }
    const whole = await loadFrom([
      cli('describe-key.json'),
      write('aliases-all.json', { Aliases: [{ AliasName: 'alias/app', TargetKeyId: KEY_ID }], Truncated: false }),
    ]);
    expect(whole.keys[0]!.aliasesUnknown).toBeUndefined();
    // The inputs say where the aliases came from, not "absent".
    expect(whole.inputs?.find((r) => r.what === `aliases of ${KEY_ARN}`)).toMatchObject({ status: 'read' });
  });

  it('a truncated get-account-authorization-details output is recorded as the account’s IAM read in part', async () => {
    const page = { ...(fixture('get-account-authorization-details.json') as object), IsTruncated: true, Marker: 'page2' };
    const snap = await loadFrom([cli('describe-key.json'), write('details-page.json', page)]);
    expect(snap.inputs?.filter((r) => r.what.startsWith('IAM roles, users and policies'))).toEqual([
      expect.objectContaining({ what: `IAM roles, users and policies of account ${ACCT}`, status: 'unreadable' }),
    ]);
  });

  it('an unquoted number in a condition is the value as written, in a file and in a policy string alike', async () => {
    const { Evaluator } = await import('../../src/evaluate/evaluator.js');
    const ask = (snap: Awaited<ReturnType<typeof loadFrom>>, tenant: string) =>
      new Evaluator(snap).evaluate({ action: 'kms:Decrypt', principal: `arn:aws:iam::${ACCT}:role/app`, keyArn: KEY_ARN, encryptionContext: { tenant } });
    const deny = (n: string) =>
      `{"Sid":"DenyTenant","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:tenant":${n}}}}`;
    const allow = `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${ACCT}:role/app"},"Action":"kms:Decrypt","Resource":"*"}`;
    for (const n of ['12345678901234567890', '1.0', '1e2']) {
      const doc = `{"Version":"2012-10-17","Statement":[${allow},${deny(n)}]}`;
      // The key policy as the AWS CLI prints it (a JSON string), and as a bare document.
      const asString = await loadFrom([cli('describe-key.json'), write('policy-string.json', { Policy: doc, PolicyName: 'default' })]);
      const asText = await loadFrom([cli('describe-key.json'), write('policy-text.json', doc)]);
      for (const snap of [asString, asText]) {
        expect(ask(snap, n).decidedBy).toBe('explicit-deny');
        expect(ask(snap, String(Number(n))).decidedBy).not.toBe('explicit-deny');
      }
    }
  });

  it('reads a bare key policy document (get-key-policy --query Policy --output text)', async () => {
    const text = (fixture('get-key-policy.json') as { Policy: string }).Policy;
    const snap = await loadFrom([cli('describe-key.json'), write('policy-text.json', text)]);
    expect(known(snap.keys[0]!.policy).statements).toHaveLength(4);
  });

  it('expands get-account-authorization-details into principals', async () => {
    const snap = await loadFrom([cli('get-account-authorization-details.json')]);
    expect(Object.keys(snap.principals).sort()).toEqual([
      `arn:aws:iam::${ACCT}:role/AppRole`,
      `arn:aws:iam::${ACCT}:role/ReportingRole`,
      `arn:aws:iam::${ACCT}:role/service-role/AppRole`,
      `arn:aws:iam::${ACCT}:user/alice`,
    ]);
    expect(snap.inputs?.map((r) => [r.what, r.status])).toEqual([
      [`principal arn:aws:iam::${ACCT}:role/AppRole`, 'read'],
      [`principal arn:aws:iam::${ACCT}:role/ReportingRole`, 'unreadable'],
      [`principal arn:aws:iam::${ACCT}:user/alice`, 'read'],
    ]);
  });

  it('reads stdin for "-"', async () => {
    const stdin = Readable.from([readFileSync(cli('describe-key.json'))]);
    const snap = await loadFrom(['-', cli('get-key-policy.json')], { stdin });
    expect(snap.keys[0]!.metadata.arn).toBe(KEY_ARN);
    expect(snap.inputs?.[1]).toMatchObject({ what: `grants of ${KEY_ARN}`, from: 'stdin', status: 'absent' });
  });
});

describe('loadFrom: snapshots', () => {
  it('a get-key-policy output fills the policy a snapshot key lacks', async () => {
    const snapFile = write('snap-no-policy.json', { kmsWhySnapshot: 1, keys: [{ KeyMetadata: { Arn: KEY_ARN }, Grants: [] }] });
    const snap = await loadFrom([snapFile, cli('get-key-policy.json')]);
    expect(known(snap.keys[0]!.policy).statements).toHaveLength(4);
    expect(snap.inputs?.find((r) => r.what.startsWith('key policy'))).toMatchObject({ status: 'read', from: `${cli('get-key-policy.json')}: Policy` });
  });

  it('merges the keys, principals and organizations of several snapshots', async () => {
    const full = cli('../snapshots/full.json');
    const second = write('second.json', {
      kmsWhySnapshot: 1,
      keys: [otherKey],
      principals: [{ Arn: `arn:aws:iam::${ACCT}:user/bob` }],
      Organization: {
        ServiceControlPolicies: {
          '444455556666': [{ Target: 'r-abcd', Policies: [{ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }] }],
        },
      },
      AccountAuthorizationDetails: fixture('get-account-authorization-details.json'),
    });
    const snap = await loadFrom([full, second]);
    expect(snap.keys.map((k) => k.metadata.arn)).toEqual([
      KEY_ARN,
      'arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
      OTHER_KEY_ARN,
    ]);
    // AppRole is explicit in full.json: the derived one from second.json does not replace it.
    const app = snap.principals[`arn:aws:iam::${ACCT}:role/AppRole`]!;
    expect(known(app.identityPolicies).map((p) => p.name)).toEqual(['AppKms', 'AppKmsManaged']);
    expect(app.resolvedArn).toBe(`arn:aws:iam::${ACCT}:role/service-role/AppRole`);
    expect(snap.principals[`arn:aws:iam::${ACCT}:user/bob`]).toBeDefined();
    expect(snap.principals[`arn:aws:iam::${ACCT}:user/alice`]).toBeDefined();
    expect(Object.keys(snap.organization!.serviceControlPolicies).sort()).toEqual([ACCT, '444455556666']);
    expect(snap.capturedAt).toBe('2026-11-25T10:00:00Z');
  });

  it('principalsAskedFor: kept (the union) only while every snapshot has it and no file lists the account IAM', () => {
    const ROLE_A = `arn:aws:iam::${ACCT}:role/a`;
    const ROLE_B = `arn:aws:iam::${ACCT}:role/b`;
    const snap = (n: number, asked?: string[]): { file: string; value: unknown } => ({
      file: `s${n}.json`,
      value: { kmsWhySnapshot: 1, principals: [{ Arn: `arn:aws:iam::${ACCT}:role/r${n}` }], ...(asked !== undefined ? { principalsAskedFor: asked } : {}) },
    });
    const describeKey = { file: 'describe-key.json', value: { KeyMetadata: { Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT' } } };
    expect(snapshotFromDocuments([snap(1, [ROLE_A])]).principalsAskedFor).toEqual([ROLE_A]);
    expect(snapshotFromDocuments([snap(1, [ROLE_A]), snap(2, [ROLE_B, ROLE_A])]).principalsAskedFor).toEqual([ROLE_A, ROLE_B]);
    // An AWS CLI output of a key says nothing of principals: still a selection.
    expect(snapshotFromDocuments([snap(1, [ROLE_A]), describeKey]).principalsAskedFor).toEqual([ROLE_A]);
    // A snapshot of all the principals, or the account's IAM, makes the merged principals whole.
    expect(snapshotFromDocuments([snap(1, [ROLE_A]), snap(2)]).principalsAskedFor).toBeUndefined();
    expect(
      snapshotFromDocuments([snap(1, [ROLE_A]), { file: 'iam.json', value: fixture('get-account-authorization-details.json') }]).principalsAskedFor,
    ).toBeUndefined();
    expect(snapshotFromDocuments([snap(1), describeKey]).principalsAskedFor).toBeUndefined();
  });

  it('keysAskedFor: kept (the union, with the keys describe-key outputs add) only while every snapshot has it', () => {
    const snap = (n: number, asked?: string[]): { file: string; value: unknown } => ({
      file: `s${n}.json`,
      value: { kmsWhySnapshot: 1, ...(asked !== undefined ? { keysAskedFor: asked } : {}) },
    });
    const describeKey = { file: 'describe-key.json', value: { KeyMetadata: { Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT' } } };
    expect(snapshotFromDocuments([snap(1, [OTHER_KEY_ARN])]).keysAskedFor).toEqual([OTHER_KEY_ARN]);
    expect(snapshotFromDocuments([snap(1, [OTHER_KEY_ARN]), snap(2, [KEY_ARN, OTHER_KEY_ARN])]).keysAskedFor).toEqual([OTHER_KEY_ARN, KEY_ARN]);
    // A describe-key output is a key read for itself: one more key asked for.
    expect(snapshotFromDocuments([snap(1, [OTHER_KEY_ARN]), describeKey]).keysAskedFor).toEqual([OTHER_KEY_ARN, KEY_ARN]);
    // A snapshot of every key makes the merged keys whole; AWS CLI outputs alone say nothing of it, as before.
    expect(snapshotFromDocuments([snap(1, [OTHER_KEY_ARN]), snap(2)]).keysAskedFor).toBeUndefined();
    expect(snapshotFromDocuments([snap(1), describeKey]).keysAskedFor).toBeUndefined();
    expect(snapshotFromDocuments([describeKey]).keysAskedFor).toBeUndefined();
  });

  it('loads a 50 MB snapshot', async () => {
    const fn = { FunctionName: 'f', Environment: { Variables: { PAD: 'x'.repeat(1000) } } };
    const big = JSON.stringify({
      kmsWhySnapshot: 1,
      keys: [{ KeyMetadata: { Arn: KEY_ARN }, Grants: [] }],
      Functions: Array.from({ length: 50_000 }, () => fn),
    });
    expect(big.length).toBeGreaterThan(50_000_000);
    const snap = await loadFrom([write('big-snapshot.json', big)]);
    expect(snap.functions).toHaveLength(50_000);
  });
});

describe('loadFrom: bad input', () => {
  it('the same key twice', async () => {
    const copy = join(tmp.dir, 'describe-key-copy.json');
    copyFileSync(cli('describe-key.json'), copy);
    await expectInputErrorAsync(loadFrom([cli('describe-key.json'), copy]), { file: copy, message: /key .* is given twice \(also in .*describe-key.json\)/ });
  });

  it('the same key in a snapshot and a describe-key output', async () => {
    const snapFile = write('snap-dup.json', { kmsWhySnapshot: 1, keys: [{ KeyMetadata: { Arn: KEY_ARN } }] });
    await expectInputErrorAsync(loadFrom([snapFile, cli('describe-key.json')]), { file: cli('describe-key.json'), message: /is given twice/ });
  });

  it('the same principal in two snapshots', async () => {
    const a = write('p-a.json', { kmsWhySnapshot: 1, principals: [{ Arn: `arn:aws:iam::${ACCT}:user/bob` }] });
    const b = write('p-b.json', { kmsWhySnapshot: 1, principals: [{ Arn: `arn:aws:iam::${ACCT}:user/bob` }] });
    await expectInputErrorAsync(loadFrom([a, b]), { file: b, message: /principal .*user\/bob is given in more than one file/ });
  });

  it('a key policy with no key to attach to', async () => {
    await expectInputErrorAsync(loadFrom([cli('get-key-policy.json')]), {
      file: cli('get-key-policy.json'),
      path: 'Policy',
      message: /needs a key, but no file describes one/,
      hint: /describe-key/,
    });
  });

  it('a grants list with several keys and no KeyId to choose by', async () => {
    const two = write('two-keys.json', { kmsWhySnapshot: 1, keys: [{ KeyMetadata: { Arn: KEY_ARN } }, otherKey] });
    const grants = write('grants-no-keyid.json', { Grants: [{ GrantId: 'g', GranteePrincipal: `arn:aws:iam::${ACCT}:user/bob`, Operations: ['Decrypt'] }] });
    await expectInputErrorAsync(loadFrom([two, grants]), {
      file: grants,
      message: /2 keys are loaded .*cannot tell which one this grants list belongs to/,
      hint: /one key per run/,
    });
  });

  it('with several keys, list-grants entries find their key by KeyId', async () => {
    const two = write('two-keys-b.json', { kmsWhySnapshot: 1, keys: [otherKey, { KeyMetadata: { Arn: KEY_ARN } }] });
    const snap = await loadFrom([two, cli('list-grants.json')]);
    expect(known(snap.keys[1]!.grants)).toHaveLength(3);
    expect(unknown(snap.keys[0]!.grants).reason).toBe('not in the snapshot');
  });

  it('grants of another key', async () => {
    const other = write('other-key.json', otherKey);
    await expectInputErrorAsync(loadFrom([other, cli('list-grants.json')]), {
      file: cli('list-grants.json'),
      message: /the grants list is for key .*1234abcd.*, not .*0987dcba/,
    });
  });

  it('a key policy given twice', async () => {
    const snapFile = write('snap-with-policy.json', { kmsWhySnapshot: 1, keys: [{ KeyMetadata: { Arn: KEY_ARN }, Policy: { Statement: [] } }] });
    await expectInputErrorAsync(loadFrom([snapFile, cli('get-key-policy.json')]), {
      file: cli('get-key-policy.json'),
      path: 'Policy',
      message: /already has a key policy \(from .*snap-with-policy.json: keys\[0\].Policy\)/,
    });
  });

  it('a file that is neither a snapshot nor a known AWS CLI output', async () => {
    const p = write('unknown-shape.json', { KeyId: KEY_ID, Enabled: true });
    await expectInputErrorAsync(loadFrom([p]), {
      file: p,
      message: /not a kms-why snapshot nor an AWS CLI output that kms-why reads \(it has fields KeyId, Enabled\)/,
      hint: /describe-key, get-key-policy, list-grants/,
    });
  });

  it('a JSON array', async () => {
    const p = write('array.json', [1, 2]);
    await expectInputErrorAsync(loadFrom([p]), { file: p, message: /expected a JSON object, got array/ });
  });

  it('a snapshot without its version marker', async () => {
    const p = write('no-marker.json', { keys: [] });
    await expectInputErrorAsync(loadFrom([p]), { file: p, message: /kmsWhySnapshot is missing/ });
  });

  it('a get-key-policy output with an extra field', async () => {
    const p = write('policy-extra.json', { Policy: '{}', PolicyNames: ['default'] });
    await expectInputErrorAsync(loadFrom([p]), {
      file: p,
      path: 'PolicyNames',
      message: /unknown field "PolicyNames" in a get-key-policy output/,
      hint: /PolicyName/,
    });
  });

  it('a get-key-policy Policy string with a bad statement', async () => {
    const bad = {
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', NotAction: 'kms:Decrypt', Resource: '*' }],
      }),
    };
    const p = write('policy-bad.json', bad);
    await expectInputErrorAsync(loadFrom([cli('describe-key.json'), p]), { file: p, path: 'Policy.Statement[0]', message: /both Action and NotAction/ });
  });

  it('a describe-key output with an invalid key ARN', async () => {
    const p = write('describe-bad-arn.json', { KeyMetadata: { KeyId: KEY_ID, Arn: `arn:aws:kms:us-east-1:${ACCT}:${KEY_ID}` } });
    await expectInputErrorAsync(loadFrom([p]), { file: p, path: 'KeyMetadata.Arn', message: /invalid key ARN/ });
  });

  it('a list-grants entry with a bad operation', async () => {
    const p = write('grants-bad-op.json', { Grants: [{ GrantId: 'g', GranteePrincipal: `arn:aws:iam::${ACCT}:user/bob`, Operations: ['ReEncrypt'] }] });
    await expectInputErrorAsync(loadFrom([cli('describe-key.json'), p]), {
      file: p,
      path: 'Grants[0].Operations[0]',
      message: /"ReEncrypt" is not a grant operation/,
      hint: /Did you mean "ReEncryptFrom" or "ReEncryptTo"\?/,
    });
  });

  it('a list-aliases entry with a bad TargetKeyId type', async () => {
    const p = write('aliases-bad.json', { Aliases: [{ AliasName: 'alias/x', TargetKeyId: 5 }] });
    await expectInputErrorAsync(loadFrom([p]), { file: p, path: 'Aliases[0].TargetKeyId', message: /expected a string, got number/ });
  });

  it('get-account-authorization-details with a group list of the wrong type', async () => {
    const p = write('aad-bad.json', { UserDetailList: [{ UserName: 'bob', Arn: `arn:aws:iam::${ACCT}:user/bob`, GroupList: 'developers' }] });
    await expectInputErrorAsync(loadFrom([p]), { file: p, path: 'UserDetailList[0].GroupList', message: /expected an array, got string/ });
  });

  it('get-account-authorization-details with a URL-encoded document that is not JSON', async () => {
    const p = write('aad-bad-doc.json', {
      RoleDetailList: [{ RoleName: 'r', Arn: `arn:aws:iam::${ACCT}:role/r`, RolePolicyList: [{ PolicyName: 'x', PolicyDocument: '%7B%22Version%22%3A' }] }],
    });
    await expectInputErrorAsync(loadFrom([p]), { file: p, path: 'RoleDetailList[0].RolePolicyList[0].PolicyDocument', message: /not valid JSON/ });
  });

  it('truncated JSON in one of several files names that file', async () => {
    const p = write('cut.json', '{"Grants": [{"GrantId": "g",');
    await expectInputErrorAsync(loadFrom([cli('describe-key.json'), p]), { file: p, message: /invalid JSON at line 1, column 29: the JSON ends too early/ });
  });

  it('a principal-like file is not mistaken for list-resource-tags output', async () => {
    const p = write('principal-like.json', { Arn: `arn:aws:iam::${ACCT}:role/r`, Tags: [] });
    await expectInputErrorAsync(loadFrom([cli('describe-key.json'), p]), {
      file: p,
      path: 'Arn',
      message: /unknown field "Arn" in a list-resource-tags output/,
    });
  });

  it('snapshotFromDocuments reports the same errors without files', () => {
    expectInputError(() => snapshotFromDocuments([{ file: 'inline', value: { Aliases: 'alias/x' } }]), {
      file: 'inline',
      path: 'Aliases',
      message: /expected a list of aliases, got string/,
    });
  });
});

describe('key tags nothing gave', () => {
  // A Deny unless the key is tagged Environment=prod: without the tags, nothing can say whether it applies.
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'KeyAdmin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/KeyAdmin` }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'DenyNonProd',
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:*',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:ResourceTag/Environment': 'prod' } },
      },
    ],
  };
  const keyEntry = (extra: Record<string, unknown>): unknown => ({
    kmsWhySnapshot: 1,
    keys: [
      {
        KeyMetadata: { Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' },
        Aliases: [],
        Policy: policy,
        Grants: [],
        ...extra,
      },
    ],
    principals: [{ Arn: `arn:aws:iam::${ACCT}:role/KeyAdmin`, IdentityPolicies: [] }],
  });
  const decrypt = async (files: string[], role = 'KeyAdmin'): Promise<{ decision: string; unreadable: string[] }> => {
    const { Evaluator } = await import('../../src/evaluate/evaluator.js');
    const d = new Evaluator(await loadFrom(files)).evaluate({ action: 'kms:Decrypt', principal: `arn:aws:iam::${ACCT}:role/${role}`, keyArn: KEY_ARN });
    return { decision: d.decision, unreadable: d.unreadable.map((u) => u.what) };
  };

  it('a snapshot key without Tags: a condition on aws:ResourceTag is unknown, naming the tags; "Tags": [] says none', async () => {
    const without = await decrypt([write('no-tags.json', keyEntry({}))]);
    expect(without.decision).toBe('unknown');
    expect(without.unreadable.join('\n')).toMatch(/tags/);
    expect((await decrypt([write('none.json', keyEntry({ Tags: [] }))])).decision).toBe('deny');
    expect((await decrypt([write('prod.json', keyEntry({ Tags: [{ TagKey: 'Environment', TagValue: 'prod' }] }))])).decision).toBe('allow');
  });

  it('AWS CLI outputs without list-resource-tags: unknown; with it, decided', async () => {
    // KeyAdmin is not in the account's IAM details: the key policy names AppRole, which is.
    const named = JSON.parse(JSON.stringify(policy).replaceAll('role/KeyAdmin', 'role/service-role/AppRole')) as typeof policy;
    const kp = write('kp-tag-deny.json', { Policy: JSON.stringify(named), PolicyName: 'default' });
    const files = [cli('describe-key.json'), kp, cli('list-grants.json'), cli('get-account-authorization-details.json')];
    expect((await decrypt(files, 'service-role/AppRole')).decision).toBe('unknown');
    expect((await decrypt([...files, cli('list-resource-tags.json')], 'service-role/AppRole')).decision).toBe('allow');
  });

  it('a verdict no tag condition decides does not list the tags', async () => {
    const plain = write('no-tags-no-condition.json', {
      kmsWhySnapshot: 1,
      keys: [
        {
          KeyMetadata: { Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT' },
          Aliases: [],
          Policy: { ...policy, Statement: [policy.Statement[0]] },
          Grants: [],
        },
      ],
      principals: [{ Arn: `arn:aws:iam::${ACCT}:role/KeyAdmin`, IdentityPolicies: [] }],
    });
    expect(await decrypt([plain])).toEqual({ decision: 'allow', unreadable: [] });
  });
});

describe('principal tags a snapshot does not give', () => {
  // aws:PrincipalTag/team = a allows; the role's identity policy allows everything.
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ByTeam',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCT}:root` },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalTag/team': 'a' } },
      },
      { Sid: 'Describe', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:DescribeKey', Resource: '*' },
    ],
  };
  const allowAll = [{ PolicyName: 'all', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }];
  const key = {
    KeyMetadata: { Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' },
    Aliases: [],
    Tags: [],
    Policy: policy,
    Grants: [],
  };
  const snapshot = (principal: Record<string, unknown>): unknown => ({
    kmsWhySnapshot: 1,
    keys: [key],
    principals: [{ Arn: `arn:aws:iam::${ACCT}:role/app`, IdentityPolicies: allowAll, ...principal }],
  });
  const ask = async (
    doc: unknown,
    action = 'kms:Decrypt',
    principal = `arn:aws:iam::${ACCT}:role/app`,
  ): Promise<{ decision: string; unreadable: string[] }> => {
    const { Evaluator } = await import('../../src/evaluate/evaluator.js');
    const d = new Evaluator(snapshotFromDocuments([{ file: 'p.json', value: doc }])).evaluate({ action, principal, keyArn: KEY_ARN });
    return { decision: d.decision, unreadable: d.unreadable.map((u) => `${u.what}: ${u.reason}`) };
  };

  it('an entry without Tags: a condition on aws:PrincipalTag is unknown, naming the tags not given; "Tags": [] says none', async () => {
    expect(await ask(snapshot({}))).toEqual({ decision: 'unknown', unreadable: [`tags of arn:aws:iam::${ACCT}:role/app: not in the snapshot`] });
    // A session of the role reads the role's tags.
    expect((await ask(snapshot({}), 'kms:Decrypt', `arn:aws:sts::${ACCT}:assumed-role/app/s`)).decision).toBe('unknown');
    expect(await ask(snapshot({ Tags: [] }))).toEqual({ decision: 'deny', unreadable: [] });
    expect(await ask(snapshot({ Tags: {} }))).toEqual({ decision: 'deny', unreadable: [] });
    expect(await ask(snapshot({ Tags: [{ Key: 'team', Value: 'a' }] }))).toEqual({ decision: 'allow', unreadable: [] });
  });

  it('a verdict no tag condition decides does not list the tags', async () => {
    expect(await ask(snapshot({}), 'kms:DescribeKey')).toEqual({ decision: 'allow', unreadable: [] });
  });

  it('a role in get-account-authorization-details without Tags has none (AWS leaves the member out)', async () => {
    const doc = {
      kmsWhySnapshot: 1,
      keys: [key],
      AccountAuthorizationDetails: {
        RoleDetailList: [
          {
            Path: '/',
            RoleName: 'app',
            RoleId: 'AROAEXAMPLEID1234567',
            Arn: `arn:aws:iam::${ACCT}:role/app`,
            RolePolicyList: [{ PolicyName: 'all', PolicyDocument: allowAll[0]!.Document }],
            AttachedManagedPolicies: [],
          },
        ],
        UserDetailList: [],
        GroupDetailList: [],
        Policies: [],
      },
    };
    expect(await ask(doc)).toEqual({ decision: 'deny', unreadable: [] });
  });

  it('writing the snapshot keeps known-none tags ([]) apart from tags not given (no member)', async () => {
    const { snapshotToJson } = await import('../../src/sources/snapshot-writer.js');
    const { parseSnapshot } = await import('../../src/sources/snapshot-file.js');
    const principalOf = (doc: unknown): Record<string, unknown> =>
      (snapshotToJson(parseSnapshot(doc, 'x.json')) as { principals: Array<Record<string, unknown>> }).principals[0]!;
    expect(principalOf(snapshot({ Tags: [] })).Tags).toEqual([]);
    expect(principalOf(snapshot({}))).not.toHaveProperty('Tags');
    expect(await ask(snapshotToJson(parseSnapshot(snapshot({}), 'x.json')))).toMatchObject({ decision: 'unknown' });
    expect(await ask(snapshotToJson(parseSnapshot(snapshot({ Tags: [] }), 'x.json')))).toMatchObject({ decision: 'deny' });
  });
});

describe('writing a snapshot keeps what the tags are', () => {
  it('known tags (none among them) are written, tags nothing gave are not', async () => {
    const { snapshotToJson } = await import('../../src/sources/snapshot-writer.js');
    const { parseSnapshot } = await import('../../src/sources/snapshot-file.js');
    const entry = (extra: Record<string, unknown>): unknown => ({
      kmsWhySnapshot: 1,
      keys: [{ KeyMetadata: { Arn: KEY_ARN, KeyState: 'Enabled' }, Grants: [], ...extra }],
    });
    const keysOf = (doc: unknown): Array<Record<string, unknown>> =>
      (snapshotToJson(parseSnapshot(doc, 'x.json')) as { keys: Array<Record<string, unknown>> }).keys;
    expect(keysOf(entry({ Tags: [] }))[0]!.Tags).toEqual([]);
    expect(keysOf(entry({}))[0]).not.toHaveProperty('Tags');
    // And read back, each says the same again.
    expect(parseSnapshot(snapshotToJson(parseSnapshot(entry({}), 'x.json')), 'y.json').keys[0]!.tagsAbsent).toBeDefined();
    expect(parseSnapshot(snapshotToJson(parseSnapshot(entry({ Tags: [] }), 'x.json')), 'y.json').keys[0]!.tagsAbsent).toBeUndefined();
  });
});

describe('key metadata an entry leaves out', () => {
  const entry = (meta: Record<string, unknown>): string =>
    write(`meta-${Object.keys(meta).join('-')}.json`, {
      kmsWhySnapshot: 1,
      keys: [
        {
          KeyMetadata: { Arn: KEY_ARN, ...meta },
          Aliases: [],
          Tags: [],
          Policy: {
            Version: '2012-10-17',
            Statement: [{ Sid: 'App', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/app` }, Action: 'kms:*', Resource: '*' }],
          },
          Grants: [],
        },
      ],
      principals: [{ Arn: `arn:aws:iam::${ACCT}:role/app`, IdentityPolicies: [] }],
    });
  const verdict = async (file: string, action: string): Promise<{ decision: string; unreadable: string }> => {
    const { Evaluator } = await import('../../src/evaluate/evaluator.js');
    const d = new Evaluator(await loadFrom([file])).evaluate({ action, principal: `arn:aws:iam::${ACCT}:role/app`, keyArn: KEY_ARN });
    return { decision: d.decision, unreadable: d.unreadable.map((u) => `${u.what}: ${u.reason}`).join('\n') };
  };

  it('without KeyState or KeySpec an allowed request is unknown, naming the fields (a Disabled key is not taken for Enabled)', async () => {
    const arnOnly = await verdict(entry({}), 'kms:Decrypt');
    expect(arnOnly.decision).toBe('unknown');
    expect(arnOnly.unreadable).toContain('does not give KeyState, KeySpec, KeyUsage');
    expect((await verdict(entry({ KeySpec: 'SYMMETRIC_DEFAULT' }), 'kms:Decrypt')).unreadable).toContain('does not give KeyState');
    expect((await verdict(entry({ KeyState: 'Enabled' }), 'kms:Decrypt')).decision).toBe('unknown');
  });

  it('a spec with one usage gives it (symmetric, HMAC); an RSA or ECC key needs its KeyUsage', async () => {
    expect(await verdict(entry({ KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT' }), 'kms:Decrypt')).toEqual({ decision: 'allow', unreadable: '' });
    expect((await verdict(entry({ Enabled: true, KeySpec: 'HMAC_256' }), 'kms:GenerateMac')).decision).toBe('allow');
    expect((await verdict(entry({ KeyState: 'Enabled', KeySpec: 'RSA_2048' }), 'kms:Sign')).decision).toBe('unknown');
    expect((await verdict(entry({ KeyState: 'Enabled', KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }), 'kms:Sign')).decision).toBe('allow');
    expect((await verdict(entry({ KeyState: 'Disabled', KeySpec: 'SYMMETRIC_DEFAULT' }), 'kms:Decrypt')).decision).toBe('deny');
  });
});
