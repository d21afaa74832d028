// explain-error and explain-event without --from: the built CLI as a subprocess, reading the local
// AWS stand-in (KMS, IAM, STS, Lambda, CloudTrail) over real HTTP, as a user with credentials would.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAwsServer, type AwsServer } from '../helpers/aws-server.js';
import { kmsWhyLive, ROOT, type RunResult } from './helpers.js';

let server: AwsServer;
beforeAll(async () => {
  server = await startAwsServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.reset();
  server.reload();
});

const ACCOUNT = '111122223333';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const FN_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:my-function';
const FN_SESSION = 'arn:aws:sts::111122223333:assumed-role/app/my-function';
const ROLE = 'arn:aws:iam::111122223333:role/service/app';
const CONSOLE_TEXT = readFileSync(`${ROOT}fixtures/errors/lambda-console-recorded.txt`, 'utf8');

function run(args: string[], opts: { endpoint?: boolean } = {}): Promise<RunResult> {
  return kmsWhyLive(server, args, { account: ACCOUNT, ...opts });
}

const SEED_GRANT = {
  KeyId: KEY,
  GrantId: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
  Name: 'my-function',
  CreationDate: 1739265243,
  GranteePrincipal: FN_SESSION,
  RetiringPrincipal: 'lambda.us-east-1.amazonaws.com',
  IssuingAccount: 'arn:aws:iam::111122223333:root',
  Operations: ['Decrypt', 'RetireGrant'],
  Constraints: { EncryptionContextEquals: { 'aws:lambda:FunctionArn': FN_ARN } },
};

/**
 * The story's execution role: no KMS permissions of its own; the key has no grant for the function
 * (retired), or still has the one Lambda made. Scripts set earlier (a denial) win over these.
 */
function grantRetired(withGrant = false): void {
  server.script('ListRolePolicies', { reply: { PolicyNames: [], IsTruncated: false } });
  server.script('ListAttachedRolePolicies', { reply: { AttachedPolicies: [], IsTruncated: false } });
  server.script('ListGrants', { reply: { Grants: withGrant ? [SEED_GRANT] : [], Truncated: false } });
}

describe('explain-error without --from reads AWS', () => {
  it('the key, account and Region come from the message; the report says the inputs came from AWS', async () => {
    const msg = `An error occurred (AccessDeniedException) when calling the Decrypt operation: User: arn:aws:sts::111122223333:assumed-role/dev/alice is not authorized to perform: kms:Decrypt on resource: ${KEY} because no identity-based policy allows the kms:Decrypt action`;
    const r = await run(['explain-error', msg, '--output', 'json']);
    expect(r.stderr).toBe('');
    expect([0, 1]).toContain(r.code);
    const e = JSON.parse(r.stdout).explanations[0];
    expect(e.report.key).toBe(KEY);
    expect(e.report.inputs.some((i: { from: string }) => /^AWS/.test(i.from))).toBe(true);
    expect(server.count('DescribeKey')).toBeGreaterThan(0);
    expect(server.count('GetRole')).toBeGreaterThan(0);
  });

  it('what the message lacks is asked for by flag name, before any AWS call', async () => {
    const r = await run([
      'explain-error',
      'An error occurred (AccessDeniedException) when calling the Decrypt operation: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Add --principal and --key/);
    expect(server.count()).toBe(0);
  });
});

describe('the seed story, live: the Lambda console error leads to the kms-why lambda analysis', () => {
  it('gives the verdict, names the missing (retired) grant as the cause, and prints the update-function-configuration round trip', async () => {
    grantRetired();
    const r = await run(['explain-error', CONSOLE_TEXT, '--output', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const e = JSON.parse(r.stdout).explanations[0];
    expect(server.count('GetFunctionConfiguration')).toBe(1);
    expect(e.report.results[0]).toMatchObject({ action: 'kms:Decrypt', decision: 'deny', decidedBy: 'implicit-deny' });
    expect(e.report.request.encryptionContext).toEqual({ 'aws:lambda:FunctionArn': FN_ARN });
    expect(e.lambda.function.roleArn).toBe(ROLE);
    expect(e.lambda.runtime.decision).toBe('deny');
    const cause = e.lambda.traps.find((t: { id: string }) => t.id === 'grant-missing');
    expect(cause.message).toMatch(/the grant Lambda created for my-function has been retired or revoked/);
    const fix = e.lambda.fixes.find((f: { kind: string }) => f.kind === 'recreate-grant');
    expect(fix.verified).toBe(true);
    expect(fix.commands).toEqual([
      'aws lambda update-function-configuration --function-name my-function --role arn:aws:iam::111122223333:role/TEMPORARY_ROLE',
      'aws lambda wait function-updated --function-name my-function',
      `aws lambda update-function-configuration --function-name my-function --role ${ROLE}`,
    ]);

    // The text a person reads says the same.
    grantRetired();
    const t = await run(['explain-error', CONSOLE_TEXT, '--output', 'text']);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain('Lambda function my-function');
    expect(t.stdout).toContain(`aws lambda update-function-configuration --function-name my-function --role ${ROLE}`);
    expect(t.stdout.replace(/\s+/g, ' ')).toMatch(/has been retired or revoked/);
  });

  it('applying the proposal to the snapshot and running again gives ALLOW', async () => {
    grantRetired();
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-seed-'));
    const file = join(dir, 'snap.json');
    const s = await run(['snapshot', '--key', KEY, '--principal', FN_SESSION, '--lambda', 'my-function', '--output-file', file]);
    expect(s.code).toBe(0);
    // Offline on the snapshot: the same denial, and the same proposal.
    const before = await run(['explain-error', CONSOLE_TEXT, '--from', file, '--fix', '--output', 'json'], { endpoint: false });
    expect(before.code).toBe(1);
    const e = JSON.parse(before.stdout).explanations[0];
    expect(e.lambda.runtime.decision).toBe('deny');
    const proposal = e.fix.proposals.find((p: { id: string }) => p.id === 'recreate-lambda-grant');
    expect(proposal.commands[0]).toMatch(/^aws lambda update-function-configuration --function-name my-function --role /);
    // What the round trip makes Lambda do: create the grant shown. Put it in the snapshot as ListGrants would list it.
    const grant = proposal.changes[0].json;
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    snap.keys[0].Grants = [
      ...(snap.keys[0].Grants ?? []),
      { KeyId: KEY, GrantId: 'new-grant-from-lambda', Name: 'my-function', IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`, ...grant },
    ];
    writeFileSync(file, JSON.stringify(snap, null, 2));
    const after = await run(['explain-error', CONSOLE_TEXT, '--from', file, '--output', 'json'], { endpoint: false });
    expect(after.code).toBe(0);
    const a = JSON.parse(after.stdout).explanations[0];
    expect(a.report.results[0]).toMatchObject({ decision: 'allow', decidedBy: 'grant' });
    expect(a.lambda.runtime.decision).toBe('allow');
    const lambda = await run(['lambda', 'my-function', '--from', file, '--output', 'json'], { endpoint: false });
    expect(lambda.code).toBe(0);
  });
});

describe('AccessDenied on each read: unknown (exit 3), naming the permission', () => {
  // The key's metadata and the role's boundary cannot turn an implicit deny into allow, so they are
  // checked where they can change the verdict: the function still has its grant (allow).
  const cases: Array<[string, RegExp, boolean]> = [
    ['DescribeKey', /kms:DescribeKey/, true],
    ['GetKeyPolicy', /kms:GetKeyPolicy/, false],
    ['ListGrants', /kms:ListGrants/, false],
    ['GetRole', /iam:GetRole/, true],
    ['ListRolePolicies', /iam:ListRolePolicies/, false],
    ['GetFunctionConfiguration', /lambda:GetFunctionConfiguration/, false],
  ];
  for (const [op, permission, withGrant] of cases) {
    it(`${op}`, async () => {
      server.script(op, 'deny');
      grantRetired(withGrant);
      const r = await run(['explain-error', CONSOLE_TEXT, '--output', 'json']);
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(permission);
    });
  }

  it('and the same verdict is deny, not unknown, when the unreadable input cannot change it', async () => {
    server.script('DescribeKey', 'deny');
    grantRetired(false);
    const r = await run(['explain-error', CONSOLE_TEXT, '--output', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).explanations[0].report.results[0].unreadable[0].neededPermission).toMatch(/kms:DescribeKey/);
  });

  it('LookupEvents', async () => {
    server.script('LookupEvents', 'deny');
    const r = await run(['explain-event', '--lookup', '--since', '2d']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cloudtrail:LookupEvents/);
    expect(r.stderr).toMatch(/hint: kms-why needs cloudtrail:LookupEvents/);
  });

  it('LookupEvents: an empty body or a repeated NextToken is an error, not "no AccessDenied event"', async () => {
    server.script('LookupEvents', 'empty');
    const empty = await run(['explain-event', '--lookup', '--since', '2d']);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toMatch(/malformed LookupEvents answer: no Events list/);
    expect(empty.stdout).not.toContain('No KMS AccessDenied event');
    server.reset();
    server.script('LookupEvents', { reply: { Events: [], NextToken: 't1' } });
    const loop = await run(['explain-event', '--lookup', '--since', '2d']);
    expect(loop.code).toBe(3);
    expect(loop.stderr).toMatch(/the same NextToken again/);
    expect(server.count('LookupEvents')).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// CloudTrail

function lookupEntry(o: {
  id: string;
  minutesAgo: number;
  principal: string;
  eventName: string;
  key?: string;
  region?: string;
  context?: Record<string, string>;
  denied?: boolean;
}): Record<string, unknown> {
  const time = new Date(Date.now() - o.minutesAgo * 60_000);
  const p = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(o.principal)!;
  const record = {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE:${p[3]}`,
      arn: o.principal,
      accountId: p[1],
      sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${p[1]}:role/${p[2]}`, accountId: p[1], userName: p[2] } },
    },
    eventTime: time.toISOString().replace(/\.\d+Z$/, 'Z'),
    eventSource: 'kms.amazonaws.com',
    eventName: o.eventName,
    awsRegion: o.region ?? 'us-east-1',
    sourceIPAddress: '203.0.113.24',
    userAgent: 'aws-cli/2.15.0',
    ...(o.denied === false
      ? {}
      : {
          errorCode: 'AccessDenied',
          errorMessage: `User: ${o.principal} is not authorized to perform: kms:${o.eventName} on resource: ${o.key ?? KEY} because no identity-based policy allows the kms:${o.eventName} action`,
        }),
    requestParameters: { keyId: o.key ?? KEY, ...(o.context ? { encryptionContext: o.context } : {}) },
    responseElements: null,
    eventID: o.id,
    readOnly: true,
    resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: o.key ?? KEY }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
  };
  return {
    EventId: o.id,
    EventName: o.eventName,
    ReadOnly: 'true',
    EventTime: Math.floor(time.getTime() / 1000),
    EventSource: 'kms.amazonaws.com',
    Username: p[3],
    Resources: [{ ResourceType: 'AWS::KMS::Key', ResourceName: o.key ?? KEY }],
    CloudTrailEvent: JSON.stringify(record),
  };
}

const ALICE = 'arn:aws:sts::111122223333:assumed-role/dev/alice';
const S1 = 'arn:aws:sts::111122223333:assumed-role/app/s1';

function recordEvents(): void {
  server.accounts.get(ACCOUNT)!.CloudTrail = {
    Events: [
      lookupEntry({ id: 'e1', minutesAgo: 100, principal: S1, eventName: 'Decrypt', context: { Department: 'IT' } }),
      lookupEntry({ id: 'e2', minutesAgo: 90, principal: S1, eventName: 'Decrypt', context: { Department: 'IT' } }),
      lookupEntry({ id: 'e3', minutesAgo: 20, principal: ALICE, eventName: 'ScheduleKeyDeletion' }),
      lookupEntry({ id: 'e4', minutesAgo: 80, principal: S1, eventName: 'Decrypt', context: { Department: 'IT' } }),
      lookupEntry({ id: 'e5', minutesAgo: 70, principal: S1, eventName: 'Encrypt', denied: false }),
      lookupEntry({ id: 'e6', minutesAgo: 60, principal: S1, eventName: 'Decrypt', context: { Department: 'IT' } }),
      lookupEntry({
        id: 'e7',
        minutesAgo: 50,
        principal: ALICE,
        eventName: 'Decrypt',
        region: 'eu-west-1',
        key: 'arn:aws:kms:eu-west-1:111122223333:key/0000abcd-12ab-34cd-56ef-1234567890ab',
      }),
      lookupEntry({ id: 'old', minutesAgo: 4 * 24 * 60, principal: S1, eventName: 'Decrypt' }),
    ],
  };
}

describe('explain-event --lookup: recent KMS AccessDenied events from CloudTrail', () => {
  it('pages LookupEvents, keeps the Region and window, groups by (principal, key, action), newest group first', async () => {
    recordEvents();
    server.pageSize.LookupEvents = 2;
    const r = await run(['explain-event', '--lookup', '--since', '2d', '--output', 'json']);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    // 6 events in us-east-1 within 2 days, 2 a page: 3 pages, each call carrying the previous token.
    const calls = server.calls.filter((c) => c.op === 'LookupEvents');
    expect(calls).toHaveLength(3);
    expect(calls[0]!.params.NextToken).toBeUndefined();
    expect(calls[1]!.params.NextToken).toBeDefined();
    expect(calls[0]!.params.LookupAttributes).toEqual([{ AttributeKey: 'EventSource', AttributeValue: 'kms.amazonaws.com' }]);
    expect(doc.input.kmsEvents).toBe(6);
    expect(doc.input.accessDenied).toBe(5);
    expect(
      doc.explanations.map((e: { group: { principal: string; action: string; events: number } }) => [e.group.principal, e.group.action, e.group.events]),
    ).toEqual([
      [ALICE, 'kms:ScheduleKeyDeletion', 1],
      [S1, 'kms:Decrypt', 4],
    ]);
    expect(doc.explanations[1].events.map((e: { eventId: string }) => e.eventId).sort()).toEqual(['e1', 'e2', 'e4', 'e6']);
    expect(doc.explanations[0].notes[0]).toMatch(/Read 6 KMS events in 3 pages of LookupEvents/);
    expect([0, 1]).toContain(r.code);
  });

  it('--principal filters the events (a role matches its sessions); --since narrows the window', async () => {
    recordEvents();
    const r = await run(['explain-event', '--lookup', '--since', '2d', '--principal', 'arn:aws:iam::111122223333:role/app', '--output', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.explanations.map((e: { group: { principal: string } }) => e.group.principal)).toEqual([S1]);
    const narrow = await run(['explain-event', '--lookup', '--since', '30m', '--output', 'json']);
    expect(JSON.parse(narrow.stdout).explanations.map((e: { group: { action: string } }) => e.group.action)).toEqual(['kms:ScheduleKeyDeletion']);
  });

  it('--fix and Markdown: one section per group, each with its verdict today and the fix', async () => {
    recordEvents();
    grantRetired();
    const r = await run(['explain-event', '--lookup', '--since', '2d', '--key', KEY, '--fix', '--output', 'markdown']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^## 1\. arn:aws:sts::111122223333:assumed-role\/dev\/alice — kms:ScheduleKeyDeletion/m);
    expect(r.stdout).toMatch(/^## 2\. arn:aws:sts::111122223333:assumed-role\/app\/s1 — kms:Decrypt/m);
    expect(r.stdout).toContain('### Fix');
  });

  it("KMS's own service events in the window (RotateKey) are skipped and counted, never an error", async () => {
    recordEvents();
    const time = new Date(Date.now() - 30 * 60_000);
    // As KMS writes its yearly rotation (Developer Guide, CloudTrail: RotateKey).
    const rotate = {
      eventVersion: '1.08',
      userIdentity: { accountId: ACCOUNT, invokedBy: 'kms.amazonaws.com' },
      eventTime: time.toISOString().replace(/\.\d+Z$/, 'Z'),
      eventSource: 'kms.amazonaws.com',
      eventName: 'RotateKey',
      awsRegion: 'us-east-1',
      sourceIPAddress: 'kms.amazonaws.com',
      userAgent: 'kms.amazonaws.com',
      requestParameters: null,
      responseElements: null,
      additionalEventData: { keyId: KEY },
      eventID: 'rotate-1',
      readOnly: false,
      resources: [{ ARN: KEY, accountId: ACCOUNT, type: 'AWS::KMS::Key' }],
      eventType: 'AwsServiceEvent',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      serviceEventDetails: { keyId: KEY.slice(KEY.indexOf('/') + 1) },
    };
    const trail = server.accounts.get(ACCOUNT)!.CloudTrail as { Events: unknown[] };
    trail.Events.unshift({
      EventId: 'rotate-1',
      EventName: 'RotateKey',
      ReadOnly: 'false',
      EventTime: Math.floor(time.getTime() / 1000),
      EventSource: 'kms.amazonaws.com',
      Resources: [{ ResourceType: 'AWS::KMS::Key', ResourceName: KEY }],
      CloudTrailEvent: JSON.stringify(rotate),
    });
    const r = await run(['explain-event', '--lookup', '--since', '2d', '--output', 'json']);
    expect(r.stderr).toBe('');
    expect([0, 1]).toContain(r.code);
    const doc = JSON.parse(r.stdout);
    expect(doc.input.serviceEvents).toEqual({ RotateKey: 1 });
    expect(doc.input.kmsEvents).toBe(6);
    expect(doc.explanations.map((e: { group: { action: string } }) => e.group.action)).toEqual(['kms:ScheduleKeyDeletion', 'kms:Decrypt']);
    expect(doc.skipped).toEqual([]);
  });

  it('a time window without AccessDenied explains nothing (exit 0); --since must be a duration or a time', async () => {
    const r = await run(['explain-event', '--lookup', '--since', '1h']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No KMS AccessDenied event to explain.');
    const bad = await run(['explain-event', '--lookup', '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since "yesterday"/);
  });

  it('an event file without --from: the key and principal the event names are read from AWS', async () => {
    const r = await run(['explain-event', `${ROOT}fixtures/cloudtrail/direct-decrypt-denied.json`, '--output', 'json']);
    expect(r.stderr).toBe('');
    expect([0, 1]).toContain(r.code);
    const e = JSON.parse(r.stdout).explanations[0];
    expect(e.report.key).toBe(KEY);
    expect(server.count('GetRole')).toBeGreaterThan(0);
  });
});

describe('--redact on a snapshot read from AWS: every value of the request is hidden, however short', () => {
  // A Deny unless the context and the tag are the ones written: the trace prints the request's values.
  const POLICY = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'Tenant',
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringNotEquals: { 'kms:EncryptionContext:n': '42', 'aws:PrincipalTag/team': 'zz-top' } },
      },
    ],
  };
  /** The values of the inputs and flags, in the forms the outputs print them. */
  const LEAKS = [/\bn=7\b/, /"7"/, /"42"/, /\bn=42\b/, /\bs=[pq]\b/, /"[pq]"/, /zeta/, /zz-top/, /\bm=9\b/, /"9"/];
  const decisions = (out: string): string[] => [...out.matchAll(/"decision"\s*:\s*"(\w+)"/g)].map((m) => m[1]!);

  async function expectHidden(args: string[]): Promise<void> {
    server.script('GetKeyPolicy', { reply: { Policy: JSON.stringify(POLICY), PolicyName: 'default' } });
    const plain = await run([...args, '--output', 'json']);
    expect(plain.stdout).toMatch(/"7"/);
    for (const output of ['json', 'text', 'markdown', 'table']) {
      server.script('GetKeyPolicy', { reply: { Policy: JSON.stringify(POLICY), PolicyName: 'default' } });
      const r = await run([...args, '--output', output, '--redact']);
      expect(r.code, r.stderr).toBe(plain.code);
      for (const leak of LEAKS) expect(r.stdout + r.stderr, `${output}: ${leak}`).not.toMatch(leak);
      if (output === 'json') expect(decisions(r.stdout)).toEqual(decisions(plain.stdout));
    }
  }

  it('explain-error', async () => {
    const msg = `An error occurred (AccessDeniedException) when calling the Decrypt operation: User: ${ALICE} is not authorized to perform: kms:Decrypt on resource: ${KEY} with an explicit deny in a resource-based policy`;
    await expectHidden([
      'explain-error',
      msg,
      '--context',
      'n=7',
      '--context',
      's=q',
      '--condition',
      'aws:PrincipalTag/team=zeta',
      '--condition',
      'kms:EncryptionContext:m=9',
    ]);
  });

  it("explain-event --lookup --from: the events read with the snapshot file's placeholders, so the verdict is the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-redact-lookup-'));
    const file = join(dir, 'snapshot.json');
    expect((await run(['snapshot', '--key', KEY, '--principal', S1, '--output-file', file])).code).toBe(0);
    server.accounts.get(ACCOUNT)!.CloudTrail = {
      Events: [lookupEntry({ id: 'e1', minutesAgo: 10, principal: S1, eventName: 'Decrypt', context: { n: '7' } })],
    };
    const args = ['explain-event', '--lookup', '--since', '1h', '--from', file, '--output', 'json'];
    const plain = await run(args);
    const red = await run([...args, '--redact']);
    expect(decisions(plain.stdout)).toHaveLength(1);
    expect(decisions(red.stdout)).toEqual(decisions(plain.stdout));
    expect(red.stdout).not.toMatch(/"7"/);
  });

  it('explain-event: the event gives the context, a flag overrides it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-redact-live-'));
    const file = join(dir, 'event.json');
    const entry = lookupEntry({ id: 'e1', minutesAgo: 10, principal: ALICE, eventName: 'Decrypt', context: { n: '7', s: 'p' } });
    writeFileSync(file, entry.CloudTrailEvent as string);
    await expectHidden(['explain-event', file, '--context', 's=q', '--condition', 'aws:PrincipalTag/team=zeta', '--condition', 'kms:EncryptionContext:m=9']);
  });
});
