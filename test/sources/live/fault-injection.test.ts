// Fault injection over every live read: for each AWS operation kms-why calls (KMS, IAM, STS,
// Lambda), the local stand-in answers with each way an answer can fail — AccessDenied, a 500,
// throttling, a hang past the timeout, a connection reset, an empty 200 body, an HTML 200 page, a
// body without its list member, a truncated page without a marker — and the test checks the
// promise: never a confident verdict that the unread input could have changed. Every verdict is
// either the one of a clean read or `unknown`; the verdict that depends on the input is `unknown`;
// the input is recorded as unreadable, naming the operation; and the verdicts the input cannot
// change (an IAM-only action, an explicit Deny elsewhere) stay confident.
import { describe, expect, test } from 'vitest';
import type { Verdict } from '../../../src/model/decision.js';
import { isUnknown } from '../../../src/model/unknown.js';
import { readFunction } from '../../../src/sources/live/index.js';
import type { Step } from '../../helpers/aws-server.js';
import type { AwsServer } from '../../helpers/aws-server.js';
import { A, APP_ROLE, KEY_ARN, account, liveOptions, read, useAwsServer, verdict } from './helpers.js';

const { server } = useAwsServer();
const BOB = `arn:aws:iam::${A}:user/bob`;
const ALICE = `arn:aws:iam::${A}:user/alice`;

/** Short timeouts and two attempts: a fault costs well under a second. */
const FAST = { timeoutMs: 400, maxAttempts: 2 };

type Fault = 'deny' | '500' | 'throttle' | 'hang' | 'reset' | 'empty' | 'html' | 'no-list' | 'truncated';
const FAULTS: Fault[] = ['deny', '500', 'throttle', 'hang', 'reset', 'empty', 'html', 'no-list', 'truncated'];

interface OpSpec {
  op: string;
  permission: string;
  principal: string;
  /** The list member of a List operation (undefined for Get/Describe). */
  list?: string;
  service: 'kms' | 'iam';
  /** A verdict that depends on this input: it must become unknown. */
  dependent?: { action: string };
  /** A verdict this input cannot change: it must stay the clean read's (and confident). */
  stays?: string;
}

// Which principal exercises which reads: bob has a grant and no IAM policies (his Decrypt rests on
// the key policy, the grants and the tags); app has inline, managed and boundary policies; alice
// is in two groups.
const OPS: OpSpec[] = [
  { op: 'DescribeKey', permission: 'kms:DescribeKey', principal: BOB, service: 'kms', dependent: { action: 'kms:Decrypt' }, stays: 'kms:CreateKey' },
  { op: 'GetKeyPolicy', permission: 'kms:GetKeyPolicy', principal: BOB, service: 'kms', dependent: { action: 'kms:Decrypt' }, stays: 'kms:CreateKey' },
  {
    op: 'ListGrants',
    permission: 'kms:ListGrants',
    principal: BOB,
    list: 'Grants',
    service: 'kms',
    dependent: { action: 'kms:Decrypt' },
    stays: 'kms:CreateKey',
  },
  {
    op: 'ListResourceTags',
    permission: 'kms:ListResourceTags',
    principal: BOB,
    list: 'Tags',
    service: 'kms',
    dependent: { action: 'kms:Decrypt' },
    stays: 'kms:CreateKey',
  },
  // Aliases feed kms:ResourceAliases; which verdicts that changes is the evaluator's business: here
  // only the record and "never confidently wrong".
  { op: 'ListAliases', permission: 'kms:ListAliases', principal: BOB, list: 'Aliases', service: 'kms', stays: 'kms:CreateKey' },
  { op: 'GetRole', permission: 'iam:GetRole', principal: APP_ROLE, service: 'iam', dependent: { action: 'kms:Decrypt' } },
  {
    op: 'ListRolePolicies',
    permission: 'iam:ListRolePolicies',
    principal: APP_ROLE,
    list: 'PolicyNames',
    service: 'iam',
    dependent: { action: 'kms:Decrypt' },
    stays: 'kms:ScheduleKeyDeletion',
  },
  {
    op: 'GetRolePolicy',
    permission: 'iam:GetRolePolicy',
    principal: APP_ROLE,
    service: 'iam',
    dependent: { action: 'kms:Decrypt' },
    stays: 'kms:ScheduleKeyDeletion',
  },
  {
    op: 'ListAttachedRolePolicies',
    permission: 'iam:ListAttachedRolePolicies',
    principal: APP_ROLE,
    list: 'AttachedPolicies',
    service: 'iam',
    dependent: { action: 'kms:Decrypt' },
    stays: 'kms:ScheduleKeyDeletion',
  },
  { op: 'GetPolicy', permission: 'iam:GetPolicy', principal: APP_ROLE, service: 'iam', dependent: { action: 'kms:Decrypt' } },
  { op: 'GetPolicyVersion', permission: 'iam:GetPolicyVersion', principal: APP_ROLE, service: 'iam', dependent: { action: 'kms:Decrypt' } },
  { op: 'GetUser', permission: 'iam:GetUser', principal: ALICE, service: 'iam', dependent: { action: 'kms:Decrypt' } },
  { op: 'ListUserPolicies', permission: 'iam:ListUserPolicies', principal: ALICE, list: 'PolicyNames', service: 'iam', dependent: { action: 'kms:Decrypt' } },
  { op: 'GetUserPolicy', permission: 'iam:GetUserPolicy', principal: ALICE, service: 'iam', dependent: { action: 'kms:Decrypt' } },
  {
    op: 'ListAttachedUserPolicies',
    permission: 'iam:ListAttachedUserPolicies',
    principal: ALICE,
    list: 'AttachedPolicies',
    service: 'iam',
    dependent: { action: 'kms:Decrypt' },
  },
  { op: 'ListGroupsForUser', permission: 'iam:ListGroupsForUser', principal: ALICE, list: 'Groups', service: 'iam', dependent: { action: 'kms:Decrypt' } },
  { op: 'ListGroupPolicies', permission: 'iam:ListGroupPolicies', principal: ALICE, list: 'PolicyNames', service: 'iam', dependent: { action: 'kms:Decrypt' } },
  { op: 'GetGroupPolicy', permission: 'iam:GetGroupPolicy', principal: ALICE, service: 'iam', dependent: { action: 'kms:Decrypt' } },
  {
    op: 'ListAttachedGroupPolicies',
    permission: 'iam:ListAttachedGroupPolicies',
    principal: ALICE,
    list: 'AttachedPolicies',
    service: 'iam',
    dependent: { action: 'kms:Decrypt' },
  },
];

const ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey', 'kms:ReEncryptFrom', 'kms:ScheduleKeyDeletion', 'kms:CreateKey'];

/** The step that stands for a fault, or undefined when the fault does not apply to the operation. */
function stepFor(fault: Fault, spec: OpSpec): Step | undefined {
  switch (fault) {
    case 'deny':
    case 'throttle':
    case 'hang':
    case 'reset':
    case 'empty':
    case 'html':
      return fault;
    case '500':
      return { status: 500, code: 'InternalFailure', message: 'We encountered an internal error. Please try again.' };
    case 'no-list':
      // The answer parses, but lacks the member kms-why reads.
      if (spec.list === undefined) return { reply: {} };
      return { reply: spec.service === 'kms' ? { Truncated: false } : { IsTruncated: false } };
    case 'truncated':
      if (spec.list === undefined) return undefined;
      return { reply: spec.service === 'kms' ? { [spec.list]: [], Truncated: true } : { [spec.list]: [], IsTruncated: true } };
  }
}

/** A tag-conditioned Deny whose absence of effect depends on reading the key's tags. */
function addTagDeny(s: AwsServer): void {
  const key = account(s, A).Kms!.Keys![0]!;
  const policy = JSON.parse(key.GetKeyPolicy!.Policy) as { Statement: unknown[] };
  policy.Statement.push({
    Sid: 'DenyUnlessProjectAlpha',
    Effect: 'Deny',
    Principal: '*',
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { StringNotEquals: { 'aws:ResourceTag/Project': 'alpha' } },
  });
  key.GetKeyPolicy!.Policy = JSON.stringify(policy);
}

function verdictsOf(snapshot: Parameters<typeof verdict>[0], principal: string): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  for (const a of ACTIONS) out[a] = verdict(snapshot, a, principal, a === 'kms:CreateKey' ? undefined : KEY_ARN);
  return out;
}

const baselines = new Map<string, Record<string, Verdict>>();
async function baseline(s: AwsServer, principal: string): Promise<Record<string, Verdict>> {
  let b = baselines.get(principal);
  if (b === undefined) {
    addTagDeny(s);
    b = verdictsOf((await read(s, { key: KEY_ARN, principal }, FAST)).snapshot, principal);
    s.reset();
    s.reload();
    baselines.set(principal, b);
  }
  return b;
}

/** Counts for the README's reliability section (printed once at the end of the file). */
const tally = { runs: 0, unknownDependent: 0, confidentKept: 0 };

describe.each(OPS)('$permission', (spec) => {
  test.each(FAULTS)('%s', async (fault) => {
    const s = server();
    const step = stepFor(fault, spec);
    if (step === undefined) return;
    const before = await baseline(s, spec.principal);
    addTagDeny(s);
    s.script(spec.op, step);
    const r = await read(s, { key: KEY_ARN, principal: spec.principal }, FAST);
    tally.runs++;
    const after = verdictsOf(r.snapshot, spec.principal);
    // Never confidently wrong: each verdict is the clean read's, or unknown.
    for (const a of ACTIONS) expect([before[a], 'unknown'], `${a}: ${after[a]} (clean read: ${before[a]})`).toContain(after[a]);
    // The input is recorded as unreadable, naming the operation.
    const records = (r.snapshot.inputs ?? []).filter((i) => i.status === 'unreadable' && (i.detail ?? '').includes(spec.permission));
    expect(records.length, JSON.stringify(r.snapshot.inputs, null, 1)).toBeGreaterThan(0);
    if (spec.dependent !== undefined) {
      expect(after[spec.dependent.action]).toBe('unknown');
      tally.unknownDependent++;
    }
    if (spec.stays !== undefined) {
      expect(before[spec.stays]).not.toBe('unknown');
      expect(after[spec.stays]).toBe(before[spec.stays]);
    }
    for (const a of ACTIONS) if (after[a] !== 'unknown') tally.confidentKept++;
  });
});

describe('sts:GetCallerIdentity', () => {
  test.each(FAULTS.filter((f) => f !== 'truncated'))('%s: the verdicts stay those of a clean read or become unknown', async (fault) => {
    const s = server();
    const before = await baseline(s, APP_ROLE);
    addTagDeny(s);
    s.script('GetCallerIdentity', stepFor(fault, { op: 'GetCallerIdentity', permission: 'sts:GetCallerIdentity', principal: APP_ROLE, service: 'iam' })!);
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE }, FAST).catch((e: unknown) => e);
    tally.runs++;
    if (r instanceof Error) {
      // Giving up is allowed only as an AWS error (exit 3), never as the user's fault or a crash.
      expect(r.name).toBe('AwsError');
      return;
    }
    const after = verdictsOf((r as Awaited<ReturnType<typeof read>>).snapshot, APP_ROLE);
    for (const a of ACTIONS) expect([before[a], 'unknown'], `${a}: ${after[a]} (clean read: ${before[a]})`).toContain(after[a]);
  });

  test.each(FAULTS.filter((f) => f !== 'truncated'))('%s with --principal me: an AWS error naming GetCallerIdentity', async (fault) => {
    const s = server();
    s.script('GetCallerIdentity', stepFor(fault, { op: 'GetCallerIdentity', permission: 'sts:GetCallerIdentity', principal: APP_ROLE, service: 'iam' })!);
    const e = await read(s, { key: KEY_ARN, principal: 'me' }, FAST).then(
      () => undefined,
      (x: unknown) => x,
    );
    tally.runs++;
    expect(e).toMatchObject({ name: 'AwsError', message: expect.stringMatching(/GetCallerIdentity/) });
  });
});

describe('lambda:GetFunctionConfiguration', () => {
  test.each(FAULTS.filter((f) => f !== 'truncated'))('%s: unknown, naming the operation', async (fault) => {
    const s = server();
    s.script(
      'GetFunctionConfiguration',
      stepFor(fault, { op: 'GetFunctionConfiguration', permission: 'lambda:GetFunctionConfiguration', principal: APP_ROLE, service: 'kms' })!,
    );
    const fn = await readFunction('my-function', undefined, liveOptions(s, FAST));
    tally.runs++;
    expect(isUnknown(fn)).toBe(true);
    expect(fn).toMatchObject({ reason: expect.stringMatching(/lambda:GetFunctionConfiguration/) });
    if (fault === 'deny') expect(fn).toMatchObject({ neededPermission: expect.stringMatching(/^lambda:GetFunctionConfiguration on my-function/) });
  });

  test('a clean read is read', async () => {
    const fn = await readFunction('my-function', undefined, liveOptions(server(), FAST));
    expect(isUnknown(fn)).toBe(false);
  });
});

describe('counts', () => {
  test('every fault was injected', () => {
    // 19 operations × 9 faults (8 for Get/Describe, which have no page), STS and Lambda × 8.
    const listOps = OPS.filter((o) => o.list !== undefined).length;
    expect(tally.runs).toBe(listOps * 9 + (OPS.length - listOps) * 8 + 8 + 8 + 8);
    console.log(`fault injection: ${tally.runs} runs, ${tally.unknownDependent} dependent verdicts unknown, ${tally.confidentKept} verdicts kept confident`);
  });
});
