// Paged lists that go round in a circle (m1 → m2 → m1 …): a marker handed out before ends the read
// at once as a malformed answer, in every paging loop of the live path, not after 10,000 calls.
import { describe, expect, test } from 'vitest';
import { PageMarkers } from '../../../src/sources/live/paging.js';
import { readAccount, readKeys } from '../../../src/sources/live/index.js';
import type { Step } from '../../helpers/aws-server.js';
import { A, APP_ROLE, APP_ROLE_WITH_PATH, KEY_ARN, liveOptions, read, useAwsServer } from './helpers.js';

const { server } = useAwsServer();

/** Eight truncated pages whose markers go m1, m2, m1, m2 …; then the recorded (whole) answer. */
function circle(page: (marker: string) => Record<string, unknown>): Step[] {
  return Array.from({ length: 8 }, (_, i) => ({ reply: page(i % 2 === 0 ? 'm1' : 'm2') }));
}

test('PageMarkers: a marker is fresh once', () => {
  const m = new PageMarkers('m0');
  expect(m.fresh('m0')).toBe(false);
  expect(m.fresh('m1')).toBe(true);
  expect(m.fresh('m2')).toBe(true);
  expect(m.fresh('m1')).toBe(false);
  expect(m.fresh(undefined)).toBe(false);
  expect(m.fresh('')).toBe(false);
});

describe('a list whose markers go round in a circle is malformed after three pages', () => {
  test('kms:ListGrants', async () => {
    const s = server();
    s.script(
      'ListGrants',
      circle((m) => ({ Grants: [], Truncated: true, NextMarker: m })),
    );
    const r = await readKeys([KEY_ARN], liveOptions(s));
    expect(r.snapshot.keys[0]!.grants).toMatchObject({
      unknown: true,
      reason: expect.stringMatching(/^malformed response to kms:ListGrants \(Truncated: the list is truncated but has no new NextMarker\)/),
    });
    expect(s.count('ListGrants')).toBe(3);
  });

  test('iam:ListRolePolicies', async () => {
    const s = server();
    s.script(
      'ListRolePolicies',
      circle((m) => ({ PolicyNames: [], IsTruncated: true, Marker: m })),
    );
    const r = await read(s, { key: KEY_ARN, principal: APP_ROLE });
    expect(r.snapshot.principals[APP_ROLE_WITH_PATH]!.identityPolicies).toMatchObject({
      unknown: true,
      reason: expect.stringMatching(/malformed response to iam:ListRolePolicies \(IsTruncated: the list is truncated but has no new Marker\)/),
    });
    expect(s.count('ListRolePolicies')).toBe(3);
  });

  test('iam:GetAccountAuthorizationDetails and lambda:ListFunctions', async () => {
    const s = server();
    s.script(
      'GetAccountAuthorizationDetails',
      circle((m) => ({ UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [], IsTruncated: true, Marker: m })),
    );
    s.script(
      'ListFunctions',
      circle((m) => ({ Functions: [], NextMarker: m })),
    );
    const r = await readAccount({ ...liveOptions(s), lambdaFunctions: true });
    expect(r.snapshot.inputs!.find((i) => i.what === `IAM roles, users and policies of account ${A}`)).toMatchObject({
      status: 'unreadable',
      detail: 'malformed response: the list is truncated but has no new Marker',
    });
    expect(r.snapshot.inputs!.find((i) => i.what === 'Lambda functions of region us-east-1')).toMatchObject({
      status: 'unreadable',
      detail: 'malformed response: a repeated NextMarker',
    });
    expect(s.count('GetAccountAuthorizationDetails')).toBe(3);
    expect(s.count('ListFunctions')).toBe(3);
  });
});
