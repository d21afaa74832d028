// No SCPs or RCPs given at all (no Organization map of that kind, no --scp-file/--rcp-file):
// kms-why evaluates none, so an allow holds only if they allow it too. The evaluator records which
// ones would restrict the request (as data, by its own rules of whom they restrict); a report that
// allows says so once (text, table, Markdown), and carries them in its JSON; so does who-can.
import { describe, expect, it } from 'vitest';
import { whoCan } from '../../src/analyses/who-can.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import type { Decision } from '../../src/model/decision.js';
import type { Request } from '../../src/model/request.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { buildReport } from '../../src/report/build.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { orgPoliciesNotGivenText } from '../../src/report/phrases.js';
import { renderTable } from '../../src/report/table.js';
import { renderText } from '../../src/report/text.js';
import { renderWhoCanJson, renderWhoCanMarkdown, renderWhoCanText } from '../../src/report/who-can.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { schemaErrors } from '../helpers/schemas.js';
import { ACCOUNT, KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const OTHER = '444455556666';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;
const PARTNER = `arn:aws:iam::${OTHER}:role/partner`;
const ALLOW_ALL = { PolicyName: 'all', Document: { Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } };
const FULL = { Name: 'FullAWSAccess', Content: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) };
const RCP_FULL = { Name: 'RCPFullAWSAccess', Content: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }) };
const NOTE = `No SCPs or RCPs were given: if account ${ACCOUNT} is in AWS Organizations, they can deny what this report allows (give them with --scp-file/--rcp-file or in the snapshot's Organization).`;

function snapshot(org?: Record<string, unknown>, metadata: Record<string, unknown> = {}): Snapshot {
  const doc = oneKeySnapshot(
    {
      Policy: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Delegate', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
          { Sid: 'Partner', Effect: 'Allow', Principal: { AWS: PARTNER }, Action: 'kms:Decrypt', Resource: '*' },
          { Sid: 'Service', Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*' },
        ],
      },
    },
    [
      { Arn: ROLE, IdentityPolicies: [ALLOW_ALL], Tags: [] },
      { Arn: PARTNER, IdentityPolicies: [ALLOW_ALL], Tags: [] },
      { Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/logs.amazonaws.com/AWSServiceRoleForLogs`, IdentityPolicies: [ALLOW_ALL], Tags: [] },
    ],
    metadata,
  );
  if (org !== undefined) doc.Organization = org;
  return parseSnapshot(doc, 'snap.json');
}

const evaluator = (org?: Record<string, unknown>, metadata: Record<string, unknown> = {}): Evaluator => new Evaluator(snapshot(org, metadata));

const req = (principal: string, action = 'kms:Decrypt'): Request => ({ action, principal, keyArn: KEY_ARN });
const notGiven = (d: Decision) => d.orgPoliciesNotGiven ?? [];

describe('the evaluator records the SCPs and RCPs no input gives, by whom they restrict', () => {
  it('no Organization: the caller account’s SCPs and the key account’s RCPs', () => {
    const d = evaluator().evaluate(req(ROLE));
    expect(d.decision).toBe('allow');
    expect(notGiven(d)).toEqual([
      { kind: 'scp', account: ACCOUNT },
      { kind: 'rcp', account: ACCOUNT },
    ]);
    // Facts of an explained decision only: the verdict-only path stays as it was.
    expect(evaluator().evaluate(req(ROLE), { explain: false }).orgPoliciesNotGiven).toBeUndefined();
  });

  it('a caller of another account: its SCPs, the key account’s RCPs', () => {
    expect(notGiven(evaluator().evaluate(req(PARTNER)))).toEqual([
      { kind: 'scp', account: OTHER },
      { kind: 'rcp', account: ACCOUNT },
    ]);
  });

  it('no SCPs for a service principal, a service-linked role or the management account', () => {
    const e = evaluator();
    expect(notGiven(e.evaluate(req('logs.amazonaws.com')))).toEqual([{ kind: 'rcp', account: ACCOUNT }]);
    expect(notGiven(e.evaluate(req(`arn:aws:iam::${ACCOUNT}:role/aws-service-role/logs.amazonaws.com/AWSServiceRoleForLogs`)))).toEqual([
      { kind: 'rcp', account: ACCOUNT },
    ]);
    // The management account's key and callers: neither applies.
    expect(notGiven(evaluator({ ManagementAccountId: ACCOUNT }).evaluate(req(ROLE)))).toEqual([]);
  });

  it('no RCPs on an AWS managed key, for kms:RetireGrant or an IAM-only action', () => {
    expect(notGiven(evaluator(undefined, { KeyManager: 'AWS' }).evaluate(req(ROLE)))).toEqual([{ kind: 'scp', account: ACCOUNT }]);
    expect(notGiven(evaluator().evaluate({ action: 'kms:CreateKey', principal: ROLE }))).toEqual([{ kind: 'scp', account: ACCOUNT }]);
    expect(notGiven(evaluator().evaluate({ ...req(ROLE, 'kms:RetireGrant'), grantId: 'g-1' }))).toEqual([{ kind: 'scp', account: ACCOUNT }]);
  });

  it('none of a kind that is given: SCPs given, RCPs not, and the other way round', () => {
    const scps = { [ACCOUNT]: [{ Target: 'r-abcd', Policies: [FULL] }] };
    const rcps = { [ACCOUNT]: [{ Target: 'r-abcd', Policies: [RCP_FULL] }] };
    expect(notGiven(evaluator({ ServiceControlPolicies: scps }).evaluate(req(ROLE)))).toEqual([{ kind: 'rcp', account: ACCOUNT, member: true }]);
    expect(notGiven(evaluator({ ResourceControlPolicies: rcps }).evaluate(req(ROLE)))).toEqual([{ kind: 'scp', account: ACCOUNT, member: true }]);
    expect(notGiven(evaluator({ ServiceControlPolicies: scps, ResourceControlPolicies: rcps }).evaluate(req(ROLE)))).toEqual([]);
  });

  it('an account the inputs name as a member (a live DescribeOrganization records it so) is one, with its organization', () => {
    const d = evaluator({ Id: 'o-a1b2c3d4e5', Accounts: [ACCOUNT] }).evaluate(req(ROLE));
    expect(notGiven(d)).toEqual([
      { kind: 'scp', account: ACCOUNT, member: true, organizationId: 'o-a1b2c3d4e5' },
      { kind: 'rcp', account: ACCOUNT, member: true, organizationId: 'o-a1b2c3d4e5' },
    ]);
  });
});

describe('the check report says it once, on what it allows', () => {
  it('every format: once per report, however many actions', () => {
    const e = evaluator();
    const actions = ['kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey'];
    const report = buildReport(
      req(ROLE),
      actions.map((a) => e.evaluate(req(ROLE, a))),
    );
    expect(report.orgPoliciesNotGiven).toEqual([
      { kind: 'scp', account: ACCOUNT },
      { kind: 'rcp', account: ACCOUNT },
    ]);
    const text = renderText(report, { width: 80 });
    expect(text).toContain(
      [
        'Assumptions:',
        `  - No SCPs or RCPs were given: if account ${ACCOUNT} is in AWS Organizations,`,
        '    they can deny what this report allows (give them with --scp-file/--rcp-file',
        "    or in the snapshot's Organization).",
      ].join('\n'),
    );
    expect(text.split('No SCPs').length).toBe(2);
    const table = renderTable(report, { width: 80 });
    expect(table.split('No SCPs').length).toBe(2);
    expect(table).toContain(`  • No SCPs or RCPs were given: if account ${ACCOUNT} is in AWS Organizations,`);
    const md = renderMarkdown(report);
    expect(md.split('No SCPs').length).toBe(2);
    expect(md).toContain(`## Assumptions\n\n- No SCPs or RCPs were given: if account \`${ACCOUNT}\` is in AWS Organizations`);
    const json = JSON.parse(renderJson(report)) as Record<string, unknown>;
    expect(json.orgPoliciesNotGiven).toEqual(report.orgPoliciesNotGiven);
    expect(schemaErrors('check-report-1.schema.json', json)).toEqual([]);
  });

  it('the words', () => {
    expect(
      orgPoliciesNotGivenText([
        { kind: 'scp', account: ACCOUNT },
        { kind: 'rcp', account: ACCOUNT },
      ]),
    ).toBe(NOTE);
    expect(
      orgPoliciesNotGivenText([
        { kind: 'scp', account: OTHER },
        { kind: 'rcp', account: ACCOUNT },
      ]),
    ).toBe(
      `No SCPs or RCPs were given: if account ${OTHER} (SCPs) or ${ACCOUNT} (RCPs) is in AWS Organizations, they can deny what this report allows (give them with --scp-file/--rcp-file or in the snapshot's Organization).`,
    );
    expect(orgPoliciesNotGivenText([{ kind: 'rcp', account: ACCOUNT, member: true }])).toBe(
      `No RCPs were given: account ${ACCOUNT} is in an organization, whose RCPs can deny what this report allows (give them with --rcp-file or in the snapshot's Organization).`,
    );
    expect(
      orgPoliciesNotGivenText([
        { kind: 'scp', account: ACCOUNT, member: true, organizationId: 'o-a1b2c3d4e5' },
        { kind: 'rcp', account: ACCOUNT, member: true, organizationId: 'o-a1b2c3d4e5' },
      ]),
    ).toBe(
      `No SCPs or RCPs were given: account ${ACCOUNT} is in organization o-a1b2c3d4e5, whose SCPs and RCPs can deny what this report allows (give them with --scp-file/--rcp-file or in the snapshot's Organization).`,
    );
    const many = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555'].map((account) => ({ kind: 'scp' as const, account }));
    expect(orgPoliciesNotGivenText(many, 'the access this report shows')).toBe(
      "No SCPs were given: if any of accounts 111111111111, 222222222222, 333333333333 or 2 more is in AWS Organizations, they can deny the access this report shows (give them with --scp-file or in the snapshot's Organization).",
    );
  });

  it('not on a report that allows nothing, nor where every one is given', () => {
    const e = evaluator();
    const denied = e.evaluate(req(ROLE, 'kms:Sign'));
    expect(denied.decision).toBe('deny');
    const report = buildReport(req(ROLE, 'kms:Sign'), [denied]);
    expect(report.orgPoliciesNotGiven).toBeUndefined();
    expect(renderText(report)).not.toContain('No SCPs');
    expect(renderJson(report)).not.toContain('orgPoliciesNotGiven');
    // Allowed on an AWS managed key by a service principal: nothing that applies is missing.
    const service = evaluator(undefined, { KeyManager: 'AWS' }).evaluate(req('logs.amazonaws.com'));
    expect(service.decision).toBe('allow');
    expect(buildReport(req('logs.amazonaws.com'), [service]).orgPoliciesNotGiven).toBeUndefined();
  });

  it('the schema holds the member to its shape', () => {
    const base = { kmsWhyReport: 1, key: null, principal: 'p', request: { encryptionContext: {}, viaService: null, conditions: {} }, results: [] };
    expect(
      schemaErrors('check-report-1.schema.json', {
        ...base,
        orgPoliciesNotGiven: [{ kind: 'scp', account: ACCOUNT, member: true, organizationId: 'o-a1b2c3d4e5' }],
      }),
    ).toEqual([]);
    expect(schemaErrors('check-report-1.schema.json', { ...base, orgPoliciesNotGiven: [{ kind: 'iam', account: ACCOUNT }] })).not.toEqual([]);
    expect(
      schemaErrors('who-can-report-1.schema.json', { kmsWhyWhoCan: 1, capturedAt: null, keys: [], summary: { orgPoliciesNotGiven: [{ kind: 'scp' }] } }),
    ).not.toEqual([]);
  });
});

describe('who-can says it once per report', () => {
  it('in the summary (text, Markdown, JSON): the accounts of the principals with access and the key', () => {
    const snap = snapshot();
    const r = whoCan(snap, snap.keys);
    expect(r.keys[0]!.orgPoliciesNotGiven).toEqual([
      { kind: 'scp', account: ACCOUNT },
      { kind: 'scp', account: OTHER },
      { kind: 'rcp', account: ACCOUNT },
    ]);
    const text = renderWhoCanText(r, { width: 80 });
    expect(text.split('No SCPs').length).toBe(2);
    expect(text).toContain(`No SCPs or RCPs were given: if account ${ACCOUNT} or ${OTHER} (SCPs) is in`);
    expect(renderWhoCanMarkdown(r).split('No SCPs').length).toBe(2);
    const json = JSON.parse(renderWhoCanJson(r)) as { summary: Record<string, unknown> };
    expect(json.summary.orgPoliciesNotGiven).toEqual(r.keys[0]!.orgPoliciesNotGiven);
    expect(schemaErrors('who-can-report-1.schema.json', json)).toEqual([]);
  });

  it('not when they are given', () => {
    const snap = snapshot({
      ServiceControlPolicies: { [ACCOUNT]: [{ Target: 'r', Policies: [FULL] }], [OTHER]: [{ Target: 'r', Policies: [FULL] }] },
      ResourceControlPolicies: { [ACCOUNT]: [{ Target: 'r', Policies: [RCP_FULL] }] },
    });
    const r = whoCan(snap, snap.keys);
    expect(r.keys[0]!.orgPoliciesNotGiven).toBeUndefined();
    expect(renderWhoCanText(r)).not.toContain('No SCPs');
    expect(renderWhoCanJson(r)).not.toContain('orgPoliciesNotGiven');
  });
});
