// Bad input the evaluator must survive: malformed addresses and dates, time zones, and random
// snapshots and requests through the CLI entry point (exit 0–3, never a stack trace).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from './in-process.js';
import { scenarioToInput } from '../../src/sources/scenario.js';
import { snapshotToJson } from '../../src/sources/snapshot-writer.js';
import { actions, KEY_ARN, scenario } from '../helpers/arbitrary.js';
import { ROOT } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-why-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

const run = (args: string[]): ReturnType<typeof runMain> => runMain(args, { NO_COLOR: '1' });

function snapshotFile(doc: unknown): string {
  const f = join(dir, `s${fileNo++}.json`);
  writeFileSync(f, JSON.stringify(doc));
  return f;
}

const POLICY = (cond: Record<string, unknown>): unknown => ({
  kmsWhySnapshot: 1,
  keys: [
    {
      KeyMetadata: { Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' },
      Aliases: [],
      Policy: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'All', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/app' }, Action: 'kms:*', Resource: '*' },
          { Sid: 'Deny', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: cond },
        ],
      },
      Grants: [],
    },
  ],
  principals: [{ Arn: 'arn:aws:iam::111122223333:role/app', IdentityPolicies: [] }],
});
const ARGS = ['decrypt', '--key', KEY_ARN, '--principal', 'arn:aws:sts::111122223333:assumed-role/app/s', '--output', 'json'];

describe('IP addresses (node:net)', () => {
  it.each(['1:2:3:4:5:6:7:8::9', '10.0.0.256/8', '203.0.113.0/33', '2001:db8::/129', 'not-an-ip', '203.0.113.0/'])(
    'a malformed address or block %s in a policy is invalid input with its JSON path (exit 2)',
    async (bad) => {
      const r = await run([...ARGS, '--from', snapshotFile(POLICY({ NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', bad] } }))]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('keys[0].Policy.Statement[1].Condition.NotIpAddress.aws:SourceIp[1]');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it('a malformed --condition aws:SourceIp is a usage error', async () => {
    const r = await run([
      ...ARGS,
      '--from',
      snapshotFile(POLICY({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } })),
      '--condition',
      'aws:SourceIp=1:2:3:4:5:6:7:8::9',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not an IPv4 or IPv6 address/);
  });

  it.each([
    ['203.0.113.7', 0],
    ['198.51.100.7', 1],
    ['2001:db8::7', 1],
  ])('aws:SourceIp=%s against NotIpAddress 203.0.113.0/24 → exit %i', async (ip, code) => {
    const r = await run([...ARGS, '--from', snapshotFile(POLICY({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } })), '--condition', `aws:SourceIp=${ip}`]);
    expect(r.code).toBe(code);
  });

  it('without aws:SourceIp the verdict is unknown, naming the key and the flag (exit 3)', async () => {
    const r = await run([...ARGS, '--from', snapshotFile(POLICY({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }))]);
    expect(r.code).toBe(3);
    const d = JSON.parse(r.stdout).results[0];
    expect(d.missingContext).toContain('aws:SourceIp');
    expect(d.hints.join('\n')).toContain('--condition aws:SourceIp=');
  });
});

describe('numbers, Booleans and dates in conditions are read strictly', () => {
  // Read leniently (JavaScript's Number, Date.UTC's roll-over) or never matching, such a value
  // skipped a Deny without a word: the request was allowed.
  it.each([
    ['NumericGreaterThan', 'kms:ScheduleKeyDeletionPendingWindowInDays', 'seven', 'not a number'],
    ['NumericLessThan', 'kms:ScheduleKeyDeletionPendingWindowInDays', '0x100', 'not a number'],
    ['NumericEquals', 'kms:ScheduleKeyDeletionPendingWindowInDays', ' 1e3 ', 'not a number'],
    ['Bool', 'aws:ViaAWSService', 'flase', 'not true or false'],
    ['DateGreaterThan', 'aws:CurrentTime', '2026-01-01T24:30:00Z', 'not an ISO 8601 date'],
    ['DateGreaterThan', 'aws:CurrentTime', '2026-01-01T23:59:60Z', 'not an ISO 8601 date'],
  ])('%s %s "%s" is invalid input with its JSON path (exit 2)', async (op, key, bad, message) => {
    const good = op === 'Bool' ? 'true' : op.startsWith('Date') ? '2026-01-01' : '1';
    const r = await run([...ARGS, '--from', snapshotFile(POLICY({ [op]: { [key]: [good, bad] } }))]);
    expect(r.code, r.stdout).toBe(2);
    expect(r.stderr).toContain(`keys[0].Policy.Statement[1].Condition.${op}.${key}[1]`);
    expect(r.stderr).toContain(message);
  });

  it.each([
    ['NumericLessThan', 'kms:ScheduleKeyDeletionPendingWindowInDays', ['7', '-2', '0.5', '+3', '.5']],
    ['Bool', 'aws:ViaAWSService', ['true', 'FALSE']],
    ['DateLessThan', 'aws:CurrentTime', ['2026-01-01T24:00:00Z', '2026-01-01']],
  ])('%s %s accepts %j', async (op, key, good) => {
    const r = await run([...ARGS, '--from', snapshotFile(POLICY({ [op]: { [key]: good } }))]);
    expect(r.code, r.stderr).not.toBe(2);
  });
});

describe('dates never depend on the time zone', () => {
  const file = snapshotFile(POLICY({ DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00' } }));
  const at = '2026-01-01T00:30:00Z';
  // A child process per time zone: process.env.TZ is read when the process starts.
  for (const tz of ['America/Los_Angeles', 'Asia/Kolkata', 'UTC']) {
    it(`TZ=${tz}: a policy date without an offset is UTC (exit 1, the Deny applies)`, () => {
      const r = spawnSync(process.execPath, [`${ROOT}bin/kms-why.cjs`, ...ARGS, '--from', file, '--at', at], {
        env: { ...process.env, TZ: tz, NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(1);
      expect(JSON.parse(r.stdout).request.at).toBe(at);
    });
    it(`TZ=${tz}: --at without an offset is UTC too, and shown with it`, () => {
      const r = spawnSync(process.execPath, [`${ROOT}bin/kms-why.cjs`, ...ARGS, '--from', file, '--at', '2025-12-31T23:30:00'], {
        env: { ...process.env, TZ: tz, NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).request.at).toBe('2025-12-31T23:30:00.000Z');
    });
  }

  it.each(['2026-13-01T00:00:00Z', '2026-02-30', 'yesterday', '2026-01-01T25:00:00Z'])('a malformed policy date %s is invalid input (exit 2)', async (bad) => {
    const r = await run([...ARGS, '--from', snapshotFile(POLICY({ DateGreaterThan: { 'aws:CurrentTime': bad } }))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Condition.DateGreaterThan.aws:CurrentTime');
  });

  it.each(['tomorrow', '2026-01-01T00:00:00+25:00', '1700000000'])('a malformed --at %s is a usage error', async (bad) => {
    const r = await run([...ARGS, '--from', snapshotFile(POLICY({ DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } })), '--at', bad]);
    expect(r.code).toBe(2);
  });

  it('the report shows the time used, defaulting to now', async () => {
    const before = Date.now();
    const r = await run([...ARGS, '--from', snapshotFile(POLICY({ DateGreaterThan: { 'aws:CurrentTime': '2000-01-01T00:00:00Z' } }))]);
    const at = Date.parse(JSON.parse(r.stdout).request.at as string);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(r.code).toBe(1);
  });
});

// Hostile condition values and keys mixed into otherwise well-formed scenarios.
const hostileConditions: Array<Record<string, unknown>> = [
  { IpAddress: { 'aws:SourceIp': '1:2:3:4:5:6:7:8::9' } },
  { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } },
  { DateLessThan: { 'aws:CurrentTime': '2026-01-01' } },
  { DateGreaterThan: { 'aws:CurrentTime': 'soon' } },
  { StringNotEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
  { StringLike: { 'aws:userid': 'AROA*:${aws:username}' } },
  { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/*' } },
  { NumericLessThan: { 'aws:MultiFactorAuthAge': 'x' } },
  { Bool: { 'aws:SecureTransport': 'false' } },
  { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
  { Null: { 'aws:SourceIp': 'true' } },
  { ArnNotLike: { 'aws:PrincipalArn': '${aws:PrincipalTag/x}' } },
];
const flagSets: string[][] = [
  [],
  ['--condition', 'aws:SourceIp=203.0.113.7'],
  ['--condition', 'aws:SourceIp=::ffff:1.2.3.4'],
  ['--condition', 'aws:SourceIp=999.1.1.1'],
  ['--at', '2026-06-01T00:00:00Z'],
  ['--at', '2026-06-01T00:00:00'],
  ['--at', 'garbage'],
  ['--absent', 'aws:SourceIp'],
  ['--absent', 'not a key'],
  ['--condition', 'aws:CurrentTime=2026-02-30T00:00:00Z'],
  ['--context', 'Dept=IT'],
];

describe('random snapshots and requests through the CLI entry point', () => {
  it('every run ends with exit 0–3 and no stack trace', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.option(fc.constantFrom(...hostileConditions), { nil: undefined }),
        fc.constantFrom(...flagSets),
        fc.constantFrom(...actions),
        fc.boolean(),
        async (c, hostile, flags, action, dropAliases) => {
          if (hostile !== undefined)
            (c.keyPolicy as { Statement: Array<Record<string, unknown>> }).Statement.push({
              Effect: 'Deny',
              Principal: '*',
              Action: 'kms:*',
              Resource: '*',
              Condition: hostile,
            });
          let doc: unknown;
          try {
            doc = snapshotToJson(scenarioToInput(c).snapshot);
          } catch {
            // A hostile value the policy parser refuses: the CLI must refuse it too, below, as a raw file.
            doc = { kmsWhySnapshot: 1, keys: [{ KeyMetadata: { Arn: KEY_ARN }, Aliases: [], Policy: c.keyPolicy, Grants: [] }] };
          }
          if (dropAliases) for (const k of (doc as { keys: Array<Record<string, unknown>> }).keys) delete k.Aliases;
          const args = [
            'check',
            '--action',
            action,
            '--from',
            snapshotFile(doc),
            '--key',
            KEY_ARN,
            '--principal',
            String(c.request.principal),
            '--output',
            'json',
            ...flags,
          ];
          const r = await run(args);
          runs++;
          expect([0, 1, 2, 3], `${args.join(' ')}\n${r.stderr}`).toContain(r.code);
          expect(r.stderr).not.toMatch(/internal error|\n\s+at [^\n]*\(/);
        },
      ),
      { numRuns: 1500 },
    );
    expect(runs).toBe(1500);
  }, 300_000);
});
