// CloudTrail records of KMS calls (fixtures/cloudtrail/*), each with the request it must give.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import { parseCloudTrail, type CloudTrailKmsEvent } from '../../src/sources/cloudtrail.js';

const DIR = fileURLToPath(new URL('../../fixtures/cloudtrail/', import.meta.url));
const load = (f: string): unknown => JSON.parse(readFileSync(`${DIR}${f}`, 'utf8'));
const one = (f: string): CloudTrailKmsEvent => {
  const ct = parseCloudTrail(load(f), f);
  expect(ct.events).toHaveLength(1);
  return ct.events[0]!;
};

const K = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const K2 = 'arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321';
const S = 'arn:aws:sts::111122223333:assumed-role/app/s1';

describe('CloudTrail records and the requests they show', () => {
  it('a direct Decrypt: the session from userIdentity.arn, the key from the error message, the context from requestParameters, no ViaService', () => {
    const ev = one('direct-decrypt-denied.json');
    expect(ev).toMatchObject({
      eventName: 'Decrypt',
      eventId: 'b7e2c0a4-6d1f-4c3e-8a9b-0f1e2d3c4b5a',
      eventTime: '2026-11-20T03:12:44Z',
      awsRegion: 'us-east-1',
      userIdentityType: 'AssumedRole',
      principal: S,
      accessDenied: true,
      errorCode: 'AccessDenied',
      clue: { kind: 'no-allow', layer: 'resource-based policy' },
    });
    expect(ev.viaService).toBeUndefined();
    expect(ev.requests).toEqual([{ action: 'kms:Decrypt', keyIdentifier: K, keyArn: K, encryptionContext: { Department: 'IT' }, keyFrom: 'errorMessage' }]);
  });

  it('via Lambda (control plane): invokedBy lambda.amazonaws.com gives kms:ViaService lambda.<region>.amazonaws.com', () => {
    const ev = one('via-lambda-control-plane.json');
    expect(ev.principal).toBe('arn:aws:iam::111122223333:user/dev');
    expect(ev.invokedBy).toBe('lambda.amazonaws.com');
    expect(ev.viaService).toBe('lambda.us-east-1.amazonaws.com');
    expect(ev.requests[0]).toMatchObject({
      action: 'kms:Decrypt',
      keyArn: K,
      encryptionContext: { 'aws:lambda:FunctionArn': 'arn:aws:lambda:us-east-1:111122223333:function:my-function' },
    });
  });

  it('a Lambda runtime-init Decrypt (docs/semantics.md#lambda-environment-variables): the function session, its FunctionArn as context, and no ViaService', () => {
    const ev = one('lambda-runtime-init-denied.json');
    expect(ev.principal).toBe('arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function');
    expect(ev.viaService).toBeUndefined();
    expect(ev.viaServiceNote).toMatch(/no invokedBy/);
    expect(ev.notes.join(' ')).toMatch(/runtime-init/);
    expect(ev.requests[0]).toMatchObject({
      action: 'kms:Decrypt',
      keyArn: K,
      encryptionContext: { 'aws:lambda:FunctionArn': 'arn:aws:lambda:us-east-1:111122223333:function:my-function' },
    });
  });

  it('via S3: GenerateDataKey with invokedBy s3.amazonaws.com, the key as sent and from resources, the S3 context', () => {
    const ev = one('via-s3-generate-data-key-denied.json');
    expect(ev.principal).toBe(S);
    expect(ev.viaService).toBe('s3.us-east-1.amazonaws.com');
    expect(ev.clue).toMatchObject({ kind: 'no-allow', layer: 'identity-based policy' });
    expect(ev.requests).toEqual([
      {
        action: 'kms:GenerateDataKey',
        keyIdentifier: K,
        keyArn: K,
        encryptionContext: { 'aws:s3:arn': 'arn:aws:s3:::reports-bucket/report.csv' },
        keyFrom: 'requestParameters',
      },
    ]);
  });

  it("cross-account, the caller's copy: the other account's session and the key in the key's account", () => {
    const ev = one('cross-account-decrypt-denied.json');
    expect(ev.principal).toBe('arn:aws:sts::444455556666:assumed-role/ext-app/job-42');
    expect(ev.callerAccount).toBe('444455556666');
    expect(ev.recipientAccountId).toBe('444455556666');
    expect(ev.requests[0]).toMatchObject({ action: 'kms:Decrypt', keyArn: K });
  });

  it("cross-account, the key owner's copy: userIdentity names only the account; the principal comes from the error message", () => {
    const ev = one('cross-account-key-owner-copy.json');
    expect(ev.userIdentityType).toBe('AWSAccount');
    expect(ev.principal).toBe('arn:aws:sts::444455556666:assumed-role/ext-app/job-42');
    expect(ev.principalNote).toMatch(/error message/);
  });

  it("without the error message, the key owner's copy gives no principal and says to pass --principal", () => {
    const rec = load('cross-account-key-owner-copy.json') as Record<string, unknown>;
    delete rec.errorMessage;
    const ev = parseCloudTrail(rec, 'x.json').events[0]!;
    expect(ev.principal).toBeUndefined();
    expect(ev.principalNote).toMatch(/only account 444455556666 and principal id AROA5EXAMPLEROLEID42:job-42.*--principal/);
  });

  it('ReEncrypt: the error names ReEncryptTo, so only the destination key is evaluated, with the destination context', () => {
    const ev = one('reencrypt-denied.json');
    expect(ev.requests).toEqual([
      { action: 'kms:ReEncryptTo', keyIdentifier: K2, keyArn: K2, encryptionContext: { Department: 'IT' }, keyFrom: 'requestParameters' },
    ]);
  });

  it('ReEncrypt without an error: both permissions, each on its key', () => {
    const rec = load('reencrypt-denied.json') as Record<string, unknown>;
    delete rec.errorCode;
    delete rec.errorMessage;
    const ev = parseCloudTrail(rec, 'x.json').events[0]!;
    expect(ev.accessDenied).toBe(false);
    expect(ev.requests.map((r) => [r.action, r.keyArn])).toEqual([
      ['kms:ReEncryptFrom', K],
      ['kms:ReEncryptTo', K2],
    ]);
  });

  it('ReEncrypt on one key: resources name it once, as the destination, so it is the source key too', () => {
    const rec = load('reencrypt-denied.json') as Record<string, any>;
    delete rec.errorMessage;
    rec.requestParameters.destinationKeyId = K;
    rec.resources = [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN: K }];
    const ev = parseCloudTrail(rec, 'x.json').events[0]!;
    expect(ev.requests.map((r) => [r.action, r.keyIdentifier, r.keyArn, r.keyFrom])).toEqual([
      ['kms:ReEncryptFrom', K, K, 'resources'],
      ['kms:ReEncryptTo', K, K, 'requestParameters'],
    ]);
    expect(ev.notes.join(' ')).toMatch(/source key .* taken to be the same key/);
    // A sourceKeyId says it outright.
    const named = parseCloudTrail({ ...rec, requestParameters: { ...rec.requestParameters, sourceKeyId: K } }, 'x.json').events[0]!;
    expect(named.requests.map((r) => [r.action, r.keyArn, r.keyFrom])).toEqual([
      ['kms:ReEncryptFrom', K, 'requestParameters'],
      ['kms:ReEncryptTo', K, 'requestParameters'],
    ]);
    expect(named.notes).toEqual([]);
  });

  it('ReEncrypt: resources give the source key only where the record says which key it is', () => {
    const rec = load('reencrypt-denied.json') as Record<string, any>;
    delete rec.errorMessage;
    // Resources list the destination key first.
    rec.resources = [K2, K].map((ARN) => ({ type: 'AWS::KMS::Key', ARN }));
    const read = (src: string | undefined, dst: string) =>
      parseCloudTrail({ ...rec, requestParameters: { ...rec.requestParameters, sourceKeyId: src, destinationKeyId: dst } }, 'x.json').events[0]!;
    // The destination key named: the other key is the source, whatever the alias sent for it.
    expect(read('alias/src', K2).requests.map((r) => [r.action, r.keyIdentifier, r.keyArn])).toEqual([
      ['kms:ReEncryptFrom', 'alias/src', K],
      ['kms:ReEncryptTo', K2, K2],
    ]);
    // Both sent as aliases: no key ARN for either (the first of resources was once the source),
    // each bounded by what the record says.
    const both = read('alias/src', 'alias/dst');
    expect(both.requests.map((r) => [r.action, r.keyIdentifier, r.keyArn, r.keyCheck])).toEqual([
      ['kms:ReEncryptFrom', 'alias/src', undefined, { among: [K2, K], notSameAs: 'alias/dst' }],
      ['kms:ReEncryptTo', 'alias/dst', undefined, { among: [K2, K], notSameAs: 'alias/src' }],
    ]);
    expect(both.notes.join(' ')).toMatch(/gives the source key as alias\/src and does not say which key that alias named then/);
    // Two keys in resources are still not the same key.
    expect(both.conditionKeys).toContainEqual(expect.objectContaining({ key: 'kms:ReEncryptOnSameKey', value: 'false' }));
    // No sourceKeyId and the destination as an alias: the source key is not known.
    expect(read(undefined, 'alias/dst').requests[0]).toEqual({
      action: 'kms:ReEncryptFrom',
      encryptionContext: { Department: 'IT' },
      keyFrom: 'resources',
    });
  });

  it('a trail file: every record read, KMS events kept in order, other sources counted', () => {
    const ct = parseCloudTrail(load('trail-mixed.json'), 'trail-mixed.json');
    expect(ct.format).toBe('records');
    expect(ct.recordCount).toBe(7);
    expect(ct.otherSources).toEqual({ 's3.amazonaws.com': 1 });
    expect(ct.events.map((e) => [e.eventName, e.accessDenied])).toEqual([
      ['Decrypt', false],
      ['Decrypt', true],
      ['Decrypt', true],
      ['GenerateDataKey', true],
      ['Decrypt', true],
      ['Decrypt', true],
    ]);
    expect(ct.events.map((e) => e.index)).toEqual([0, 1, 2, 4, 5, 6]);
  });

  it('aws cloudtrail lookup-events output: each CloudTrailEvent string is parsed', () => {
    const ct = parseCloudTrail(load('lookup-events.json'), 'lookup-events.json');
    expect(ct.format).toBe('lookup-events');
    expect(ct.events).toHaveLength(2);
    expect(ct.events[1]).toMatchObject({ principal: S, accessDenied: true, requests: [{ action: 'kms:Decrypt', keyArn: K }] });
    expect(ct.events[0]!.requests[0]).toMatchObject({ keyArn: K, keyFrom: 'resources' });
  });

  it('a JSON array of records', () => {
    const ct = parseCloudTrail([load('direct-decrypt-denied.json'), load('via-s3-generate-data-key-denied.json')], 'a.json');
    expect(ct.format).toBe('array');
    expect(ct.events.map((e) => e.eventName)).toEqual(['Decrypt', 'GenerateDataKey']);
  });
});

describe('kms:ViaService and the principal from other record shapes', () => {
  const base = load('direct-decrypt-denied.json') as Record<string, unknown>;
  const variant = (patch: Record<string, unknown>): CloudTrailKmsEvent => parseCloudTrail({ ...structuredClone(base), ...patch }, 'v.json').events[0]!;

  it("a service host as both sourceIPAddress and userAgent counts as a service calling on the principal's behalf", () => {
    const ev = variant({ sourceIPAddress: 'secretsmanager.amazonaws.com', userAgent: 'secretsmanager.amazonaws.com' });
    expect(ev.viaService).toBe('secretsmanager.us-east-1.amazonaws.com');
  });

  it('but not for a Lambda runtime-init shape, where only an explicit invokedBy would count', () => {
    const ev = variant({
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function', accountId: '111122223333' },
      sourceIPAddress: 'lambda.amazonaws.com',
      userAgent: 'lambda.amazonaws.com',
      requestParameters: { encryptionContext: { 'aws:lambda:FunctionArn': 'arn:aws:lambda:us-east-1:111122223333:function:my-function' } },
    });
    expect(ev.viaService).toBeUndefined();
  });

  it('EBS calls are kms:ViaService ec2.<region>.amazonaws.com (docs/semantics.md#via-service)', () => {
    const ev = variant({ userIdentity: { ...(base.userIdentity as object), invokedBy: 'ebs.amazonaws.com' } });
    expect(ev.viaService).toBe('ec2.us-east-1.amazonaws.com');
  });

  it('an AWS service calling for itself is a service principal, with no ViaService', () => {
    const ev = variant({ userIdentity: { type: 'AWSService', invokedBy: 'dynamodb.amazonaws.com' }, errorMessage: undefined, errorCode: undefined });
    expect(ev.principal).toBe('dynamodb.amazonaws.com');
    expect(ev.viaService).toBeUndefined();
  });

  it('the root user and IAM users', () => {
    expect(
      variant({ userIdentity: { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' } }).principal,
    ).toBe('arn:aws:iam::111122223333:root');
    expect(variant({ userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' } }).principal).toBe(
      'arn:aws:iam::111122223333:user/alice',
    );
  });

  it('a Root record without an ARN names the root user in the partition of its Region', () => {
    const root = { type: 'Root', principalId: '111122223333', accountId: '111122223333' };
    expect(variant({ userIdentity: root }).principal).toBe('arn:aws:iam::111122223333:root');
    expect(variant({ userIdentity: root, awsRegion: 'cn-north-1' }).principal).toBe('arn:aws-cn:iam::111122223333:root');
    expect(variant({ userIdentity: root, awsRegion: 'us-gov-west-1' }).principal).toBe('arn:aws-us-gov:iam::111122223333:root');
  });

  // kms:ViaService is set when an integrated service makes the request on the principal's behalf
  // [KMS condition keys, kms:ViaService]: a record that shows a service without naming it leaves
  // the key present with an unknown value, never absent.
  it('"AWS Internal" as invokedBy or sourceIPAddress shows a service without naming it: kms:ViaService unknown', () => {
    const ui = base.userIdentity as object;
    for (const ev of [
      variant({ userIdentity: { ...ui, invokedBy: 'AWS Internal' } }),
      variant({ sourceIPAddress: 'AWS Internal', userAgent: 'AWS Internal' }),
      variant({ sourceIPAddress: 'AWS Internal' }),
    ]) {
      expect(ev.viaService).toBeUndefined();
      expect(ev.viaServiceUnknown).toBe(true);
      expect(ev.viaServiceNote).toMatch(/AWS Internal.*give --via-service/);
    }
  });

  it('a service host as sourceIPAddress names the service; without awsRegion the value is unknown', () => {
    expect(variant({ sourceIPAddress: 's3.amazonaws.com' }).viaService).toBe('s3.us-east-1.amazonaws.com');
    const noRegion = variant({ sourceIPAddress: 's3.amazonaws.com', awsRegion: undefined });
    expect(noRegion.viaService).toBeUndefined();
    expect(noRegion.viaServiceUnknown).toBe(true);
  });

  it('a call from an IP address is the caller’s own, whatever userAgent says; a service calling for itself has none', () => {
    const fromConsole = variant({ userAgent: 'AWS Internal' });
    expect(fromConsole.viaService).toBeUndefined();
    expect(fromConsole.viaServiceUnknown).toBeUndefined();
    expect(one('direct-decrypt-denied.json').viaServiceUnknown).toBeUndefined();
    const self = variant({ userIdentity: { type: 'AWSService', invokedBy: 'AWS Internal' }, sourceIPAddress: 'AWS Internal' });
    expect(self.viaServiceUnknown).toBeUndefined();
  });

  it('the encryption context comes from requestParameters; a record without them does not say it', () => {
    expect(one('direct-decrypt-denied.json').requests[0]!.encryptionContextUnknown).toBeUndefined();
    expect(variant({ requestParameters: { keyId: K } }).requests[0]!.encryptionContextUnknown).toBeUndefined();
    expect(variant({ requestParameters: null }).requests[0]).toMatchObject({ action: 'kms:Decrypt', keyArn: K, encryptionContextUnknown: true });
    const describe = variant({ eventName: 'DescribeKey', requestParameters: null, errorMessage: undefined });
    expect(describe.requests[0]!.encryptionContextUnknown).toBeUndefined();
  });

  it('an alias sent as KeyId is kept as the identifier (it sets kms:RequestAlias)', () => {
    const ev = variant({ requestParameters: { keyId: 'alias/app', encryptionContext: { a: 'b' } }, resources: [{ ARN: K, type: 'AWS::KMS::Key' }] });
    expect(ev.requests[0]).toMatchObject({ keyIdentifier: 'alias/app', keyArn: K });
  });
});

describe('input errors', () => {
  const expectInputError = (v: unknown, msg: RegExp): void => {
    let err: unknown;
    try {
      parseCloudTrail(v, 'bad.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(msg);
    expect((err as InputError).message.startsWith('bad.json')).toBe(true);
  };

  it('not a CloudTrail document', () => expectInputError({ hello: 1 }, /not a CloudTrail event/));
  it('a record that is not an object', () => expectInputError({ Records: [1] }, /Records\[0\]: a CloudTrail record must be an object/));
  it('a lookup-events entry whose CloudTrailEvent is not JSON', () =>
    expectInputError({ Events: [{ CloudTrailEvent: '{nope' }] }, /Events\[0\]\.CloudTrailEvent: CloudTrailEvent is not valid JSON/));
  it('a lookup-events entry without CloudTrailEvent', () => expectInputError({ Events: [{ EventName: 'Decrypt' }] }, /has no CloudTrailEvent/));
  it('an unknown KMS event name', () => expectInputError({ eventSource: 'kms.amazonaws.com', eventName: 'Frobnicate' }, /unknown KMS event "Frobnicate"/));
  it("KMS's own service events are no error: counted by name and skipped", () => {
    const svc = (eventName: string, extra: Record<string, unknown>) => ({ eventSource: 'kms.amazonaws.com', eventName, ...extra });
    const ct = parseCloudTrail(
      {
        Records: [
          svc('RotateKey', { eventType: 'AwsServiceEvent', userIdentity: { accountId: '111122223333', invokedBy: 'kms.amazonaws.com' } }),
          svc('DeleteKey', { userIdentity: { type: 'AWSService', invokedBy: 'kms.amazonaws.com' } }),
          svc('DeleteExpiredKeyMaterial', { eventType: 'AwsServiceEvent' }),
          svc('RotateKey', { eventType: 'AwsServiceEvent' }),
          load('direct-decrypt-denied.json'),
        ],
      },
      'svc.json',
    );
    expect(ct.serviceEvents).toEqual({ RotateKey: 2, DeleteKey: 1, DeleteExpiredKeyMaterial: 1 });
    expect(ct.events.map((e) => [e.eventName, e.index])).toEqual([['Decrypt', 4]]);
    expect(ct.recordCount).toBe(5);
  });

  // aws:SourceIp is in every request but one through a VPC endpoint, which has aws:SourceVpce
  // instead; a service calling on the principal's behalf calls from its own address, which the
  // record does not give (it shows the service's host name) [IAM global condition keys].
  it('the caller’s own call from an IP address gives aws:SourceIp', () => {
    expect(one('direct-decrypt-denied.json').conditionKeys).toEqual([{ key: 'aws:SourceIp', value: '203.0.113.24', from: 'the event (sourceIPAddress)' }]);
  });

  it('a service calling on the principal’s behalf gives no aws:SourceIp, whatever sourceIPAddress says', () => {
    expect(one('via-lambda-control-plane.json').conditionKeys).toEqual([]);
    const r = { ...(load('via-lambda-control-plane.json') as Record<string, unknown>), sourceIPAddress: '198.51.100.7' };
    expect(parseCloudTrail(r, 'r.json').events[0]!.conditionKeys).toEqual([]);
  });

  it('a call through a VPC endpoint gives aws:SourceVpce and no aws:SourceIp; "AWS Internal" gives nothing', () => {
    const base = load('direct-decrypt-denied.json') as Record<string, unknown>;
    const vpce = parseCloudTrail({ ...base, sourceIPAddress: '10.0.1.17', vpcEndpointId: 'vpce-0a1b2c3d' }, 'r.json').events[0]!;
    expect(vpce.conditionKeys.map((c) => [c.key, c.value])).toEqual([
      ['aws:SourceVpce', 'vpce-0a1b2c3d'],
      ['aws:SourceIp', undefined],
    ]);
    expect(parseCloudTrail({ ...base, sourceIPAddress: 'AWS Internal' }, 'r.json').events[0]!.conditionKeys).toEqual([]);
  });
});
