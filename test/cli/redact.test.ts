// --redact as a property of the whole output (issue 14): no identifier of the inputs appears in
// any output of any command with --redact, in any format, on stdout, stderr or written files; and a
// redacted snapshot replays to the same verdicts, deciding statements and grants.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { learnContextFlags } from '../../src/cli/redact.js';
import type { CliIo } from '../../src/cli/io.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { KEY_ACTIONS } from '../../src/model/actions.js';
import { Redactor } from '../../src/report/redact.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';
import { delegatingKey, oneKeySnapshot } from '../helpers/snapshot-doc.js';
import { ROOT } from './helpers.js';

const FIX = `${ROOT}fixtures/`;
/** Every snapshot in fixtures/ (the other fixtures are AWS CLI outputs, events, messages and scenario cases). */
const SNAPSHOTS = [
  'cloudtrail/snapshot-cross-account.json',
  'errors/snapshot-identity-deny.json',
  ...readdirSync(`${FIX}examples`).map((f) => `examples/${f}`),
  'examples/grants-audit-snapshot.json',
  ...readdirSync(`${FIX}lambda`).map((f) => `lambda/${f}`),
  'snapshots/full.json',
  // An Organization.Id with an aws:PrincipalOrgID condition on it: both take the organization placeholder.
  'snapshots/organization.json',
  'who-can/basic.json',
  'who-can/iam-details.json',
].filter((f) => f.endsWith('.json') && readFileSync(`${FIX}${f}`, 'utf8').includes('"kmsWhySnapshot"'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { NO_COLOR: '' }, stdoutIsTTY: false, stderrIsTTY: false };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'kms-why-redact-'));

// ─── The identifiers of the inputs ────────────────────────────────────────────────────────────

const ARN_NAME_RE = /arn:aws[a-z-]*:([a-z0-9-]+):[a-z0-9-]*:(\d{12}|):([^"\s,]+)/g;
/** Names too generic to look for as words (they are also the report's vocabulary). */
const GENERIC = new Set(['root', 'service-role', 'aws', 'key', 'app', 'default', 'admin', 'prod', 'test', 'true', 'false']);

/** Account ids, key ids, aliases, role/user/session/function names, grant ids, IPs and tag values of a document. */
function identifiers(doc: unknown): Set<string> {
  const out = new Set<string>();
  const add = (s: string): void => {
    if (s.length >= 4 && !GENERIC.has(s.toLowerCase()) && !/[*?$]/.test(s) && !s.startsWith('aws/')) out.add(s);
  };
  const visit = (v: unknown, field: string | undefined, parent: Record<string, unknown> | undefined): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/(?<!\d)\d{12}(?!\d)/g)) add(m[0]);
      for (const m of v.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}/g)) add(m[0]);
      for (const m of v.matchAll(/(?<![0-9.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![0-9])/g)) add(m[0]);
      for (const m of v.matchAll(/alias\/([A-Za-z0-9/_-]+)/g)) add(m[1]!);
      for (const m of v.matchAll(/(?<![A-Za-z0-9])(AROA|AIDA)[A-Z0-9]{12,}/g)) add(m[0]);
      for (const m of v.matchAll(ARN_NAME_RE)) {
        const res = m[3]!;
        const parts = res.split(/[/:]/).slice(1);
        if (m[1] === 'iam' || m[1] === 'sts' || m[1] === 'lambda') for (const p of parts) if (p !== 'service-role' && p !== 'aws-service-role') add(p);
      }
      if (field !== undefined && /^(GrantId|grantId|RoleName|UserName|FunctionName)$/.test(field)) add(v);
      if (field === 'Value' && parent !== undefined && 'Key' in parent) add(v);
      return;
    }
    if (Array.isArray(v)) for (const x of v) visit(x, field, parent);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, k, v as Record<string, unknown>);
  };
  visit(doc, undefined, undefined);
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function leaks(text: string, ids: Set<string>): string[] {
  return [...ids].filter((id) => new RegExp(`(?<![A-Za-z0-9_-])${escapeRe(id)}(?![A-Za-z0-9_-])`).test(text));
}

interface Doc {
  kmsWhySnapshot: number;
  keys: Array<{ KeyMetadata: { Arn: string; KeyManager?: string }; Aliases?: string[] }>;
  principals?: Array<{ Arn: string }>;
  Functions?: Array<{ FunctionName: string }>;
}

/** Every command and format worth running on a snapshot, with --redact. */
function commands(file: string, doc: Doc): string[][] {
  const out: string[][] = [];
  const key = doc.keys[0]!.KeyMetadata.Arn;
  const alias = doc.keys[0]!.Aliases?.[0];
  const principals = (doc.principals ?? []).map((p) => p.Arn).slice(0, 3);
  if (principals.length === 0) principals.push(key.replace(/:kms:[^:]*:(\d{12}):.*/, ':iam::$1:root').replace('arn:aws:iam', 'arn:aws:iam'));
  for (const output of ['text', 'json', 'markdown', 'table']) {
    for (const p of principals)
      out.push(['check', '--action', 'kms:Decrypt,kms:CreateGrant', '--from', file, '--key', alias ?? key, '--principal', p, '--output', output, '--redact']);
    out.push(['who-can', '--from', file, '--all-keys', '--output', output, '--redact']);
    out.push(['grants', '--from', file, '--all-keys', '--output', output, '--redact', '--now', '2026-12-01T00:00:00Z']);
    for (const f of doc.Functions ?? []) out.push(['lambda', f.FunctionName, '--from', file, '--output', output, '--redact']);
    if (principals[0] !== undefined)
      out.push([
        'explain-error',
        `User: ${principals[0]} is not authorized to perform: kms:Decrypt on resource: ${key} because no resource-based policy allows the kms:Decrypt action`,
        '--from',
        file,
        '--fix',
        '--output',
        output,
        '--redact',
      ]);
  }
  // Errors and hints on stderr: a key that is not in the snapshot, named like the inputs.
  out.push(['decrypt', '--from', file, '--key', key.replace(/key\/.*/, 'key/00000000-1111-2222-3333-444444444444'), '--principal', principals[0]!, '--redact']);
  out.push(['grants', '--from', file, '--key', `${alias ?? 'alias/x'}-missing`, '--redact']);
  out.push(['diff', file, file, '--redact']);
  return out;
}

async function expectNoLeak(file: string, doc: unknown, extraIds: string[] = []): Promise<void> {
  const ids = identifiers(doc);
  for (const x of extraIds) ids.add(x);
  expect(ids.size).toBeGreaterThan(0);
  for (const args of commands(file, doc as Doc)) {
    const r = await run(args);
    const where = `${args.slice(0, 2).join(' ')} ${args.slice(-3).join(' ')}`;
    expect(leaks(r.stdout, ids), `stdout of ${where}`).toEqual([]);
    expect(leaks(r.stderr, ids), `stderr of ${where}`).toEqual([]);
    // File names given on the command line are replaced too.
    expect(r.stdout + r.stderr, where).not.toContain(file);
    if (args.includes('json') && r.code <= 1) expect(() => JSON.parse(r.stdout), where).not.toThrow();
  }
}

describe('--redact leaves no identifier of the inputs in any output', () => {
  for (const f of SNAPSHOTS) {
    it(f, async () => {
      const file = `${FIX}${f}`;
      await expectNoLeak(file, JSON.parse(readFileSync(file, 'utf8')));
    }, 120_000);
  }

  it('files written with --write-expect', async () => {
    const out = join(tmp, 'expect.json');
    const file = `${FIX}examples/grants-audit-snapshot.json`;
    const r = await run(['grants', '--from', file, '--all-keys', '--write-expect', out, '--redact', '--now', '2026-12-01T00:00:00Z']);
    const ids = identifiers(JSON.parse(readFileSync(file, 'utf8')));
    expect(leaks(readFileSync(out, 'utf8'), ids)).toEqual([]);
    expect(r.stderr).not.toContain(out);
  });

  it('a snapshot that says "redacted": true but holds real names (the mark never turns redaction off)', async () => {
    const doc = JSON.parse(readFileSync(`${FIX}examples/pattern-3-delegation-with-iam.json`, 'utf8')) as Doc & {
      keys: Array<{ Aliases: string[]; Policy: { Statement: Array<{ Sid: string }> } }>;
      principals: Array<{ IdentityPolicies: Array<{ PolicyName: string; Document: { Statement: Array<{ Sid: string }> } }> }>;
    };
    doc.keys[0]!.Aliases = ['alias/payroll-prod'];
    doc.keys[0]!.Policy.Statement[0]!.Sid = 'SecretSidPayroll';
    const policy = doc.principals[0]!.IdentityPolicies[0]!;
    policy.PolicyName = 'payroll-secret-policy';
    policy.Document.Statement[0]!.Sid = 'PayrollSid2';
    const file = join(tmp, 'marked-redacted.json');
    writeFileSync(file, JSON.stringify({ ...doc, redacted: true }));
    await expectNoLeak(file, doc, ['SecretSidPayroll', 'payroll-secret-policy', 'PayrollSid2', 'payroll-prod']);
    // The flags are redacted as the file is: the key is found by its alias.
    const r = await run(['decrypt', '--from', file, '--key', 'alias/payroll-prod', '--principal', 'arn:aws:iam::111122223333:role/app', '--redact']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 120_000);

  it('a randomly generated account', async () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9]{3,9}$/);
    const gen = fc.record({
      account: fc.stringMatching(/^[1-9]\d{11}$/),
      other: fc.stringMatching(/^[1-9]\d{11}$/),
      keyId: fc.uuid(),
      alias: word,
      role: word,
      user: word,
      fn: word,
      session: word,
      grantId: fc.stringMatching(/^[0-9a-f]{64}$/),
      ip: fc.tuple(fc.integer({ min: 11, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
      tag: word,
    });
    // A fixed seed, so that a failure replays; KMS_WHY_TEST_SEED tries other names.
    const samples = fc.sample(gen, { numRuns: 3, seed: Number(process.env.KMS_WHY_TEST_SEED ?? 20261206) });
    let checked = 0;
    for (const [i, g] of samples.entries()) {
      const names = new Set([g.alias, g.role, g.user, g.fn, g.session, g.tag]);
      if (names.size < 6 || g.account === g.other) continue;
      const keyArn = `arn:aws:kms:us-east-1:${g.account}:key/${g.keyId}`;
      const doc = {
        kmsWhySnapshot: 1,
        keys: [
          {
            KeyMetadata: {
              KeyId: g.keyId,
              Arn: keyArn,
              AWSAccountId: g.account,
              KeyState: 'Enabled',
              KeyManager: 'CUSTOMER',
              KeyUsage: 'ENCRYPT_DECRYPT',
              KeySpec: 'SYMMETRIC_DEFAULT',
              MultiRegion: false,
              Origin: 'AWS_KMS',
            },
            Aliases: [`alias/${g.alias}`],
            Tags: [{ Key: 'team', Value: g.tag }],
            Policy: {
              Version: '2012-10-17',
              Statement: [
                { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${g.account}:root` }, Action: 'kms:*', Resource: '*' },
                {
                  Sid: 'Partner',
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${g.other}:root` },
                  Action: 'kms:Decrypt',
                  Resource: '*',
                  Condition: { IpAddress: { 'aws:SourceIp': `${g.ip.join('.')}.0/24` } },
                },
              ],
            },
            Grants: [
              {
                KeyId: keyArn,
                GrantId: g.grantId,
                GranteePrincipal: `arn:aws:sts::${g.account}:assumed-role/${g.role}/${g.fn}`,
                IssuingAccount: `arn:aws:iam::${g.account}:root`,
                Operations: ['Decrypt', 'RetireGrant'],
                Constraints: { EncryptionContextEquals: { 'aws:lambda:FunctionArn': `arn:aws:lambda:us-east-1:${g.account}:function:${g.fn}` } },
              },
            ],
          },
        ],
        principals: [
          { Arn: `arn:aws:iam::${g.account}:role/${g.role}`, IdentityPolicies: [], Tags: [{ Key: 'team', Value: g.tag }] },
          {
            Arn: `arn:aws:iam::${g.account}:user/${g.user}`,
            IdentityPolicies: [
              { PolicyName: `${g.user}-kms`, Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: keyArn }] } },
            ],
          },
        ],
        Functions: [
          {
            FunctionName: g.fn,
            FunctionArn: `arn:aws:lambda:us-east-1:${g.account}:function:${g.fn}`,
            Role: `arn:aws:iam::${g.account}:role/${g.role}`,
            KMSKeyArn: keyArn,
          },
        ],
      };
      const file = join(tmp, `${g.account}-${g.role}-${i}.json`);
      writeFileSync(file, JSON.stringify(doc));
      await expectNoLeak(file, doc, [g.session, g.fn, g.role, g.user, g.alias, g.tag, g.grantId.slice(0, 12)]);
      checked++;
    }
    // A seed whose samples all collide would check nothing.
    expect(checked).toBeGreaterThan(0);
  }, 120_000);
});

// ─── Redacted snapshots replay ─────────────────────────────────────────────────────────────────

function verdicts(doc: unknown, name: string, principals: string[], mapPrincipal: (p: string) => string): string[] {
  const s = parseSnapshot(doc, name);
  const ev = new Evaluator(s);
  const out: string[] = [];
  for (const k of s.keys) {
    for (const p of principals) {
      for (const a of KEY_ACTIONS) {
        const d = ev.evaluate({
          action: a.name,
          principal: mapPrincipal(p),
          keyIdentifier: k.metadata.arn,
          encryptionContext: {},
          conditions: {},
          viaService: null,
        } as never);
        out.push([a.name, d.decision, d.decidedBy, ...d.reasons.map((r) => `${r.source}:${r.id}`)].join('\t'));
      }
    }
  }
  return out;
}

describe('--redact in error messages', () => {
  const PRINCIPAL = ['--key', 'alias/app', '--principal', 'arn:aws:sts::123456789012:assumed-role/payroll-prod-admin/s1', '--redact'];
  const pattern3 = (): string => readFileSync(`${FIX}examples/pattern-3-delegation-with-iam.json`, 'utf8');

  it('leaves out the excerpt of a file that is not JSON (its names were never learned)', async () => {
    const file = join(tmp, 'syntax.json');
    writeFileSync(file, pattern3().replace('"Sid": "UseAppKey",', '"Sid": "PayrollBonusDecrypt" "Effect2": 1,'));
    for (const args of [
      ['decrypt', '--from', file, ...PRINCIPAL],
      ['who-can', '--all-keys', '--from', file, '--redact', '--output', 'json'],
    ]) {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/invalid JSON at line \d+, column \d+/);
      expect(r.stderr).not.toMatch(/payroll|\(near/i);
    }
    // Without --redact the excerpt is shown.
    expect((await run(['decrypt', '--from', file, ...PRINCIPAL.slice(0, -1)])).stderr).toContain('PayrollBonusDecrypt');
  });

  it('shows a refused value of a file or a flag as a placeholder, and the hints as written', async () => {
    const file = join(tmp, 'badval.json');
    const doc = JSON.parse(pattern3()) as { keys: Array<{ Policy: { Statement: Array<Record<string, unknown>> } }> };
    doc.keys[0]!.Policy.Statement[0]!.Condition = { IpAddress: { 'aws:SourceIp': 'payroll-vpn-gateway-10.1.2.3' } };
    writeFileSync(file, JSON.stringify(doc));
    const inFile = await run(['decrypt', '--from', file, ...PRINCIPAL]);
    expect(inFile.stderr).toMatch(/"value-\d+" is not an IPv4 or IPv6 address or CIDR block/);
    expect(inFile.stderr).toContain('203.0.113.7');
    const from = `${FIX}examples/pattern-3-delegation-with-iam.json`;
    const context = await run(['decrypt', '--from', from, ...PRINCIPAL, '--context', 'payroll-tenant']);
    expect(context.stderr).toMatch(/--context "value-\d+" is not KEY=VALUE/);
    const condition = await run(['decrypt', '--from', from, ...PRINCIPAL, '--condition', 'aws:SourceIp=payroll-gw']);
    expect(condition.stderr).toMatch(/"value-\d+" is not an IPv4 or IPv6 address/);
    expect(condition.stderr).toContain('--condition aws:SourceIp=203.0.113.7');
    for (const r of [inFile, context, condition]) {
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/payroll|10\.1\.2\.3/i);
    }
  });
});

describe('--redact in the errors of refused request flags', () => {
  const from = `${FIX}examples/pattern-3-delegation-with-iam.json`;
  const SESSION = 'arn:aws:sts::111122223333:assumed-role/app/s1';
  const CASES: Array<{ flag: string; args: string[] }> = [
    { flag: '--principal', args: ['decrypt', '--key', 'alias/app', '--principal', 'payroll-admin'] },
    { flag: '--principal', args: ['decrypt', '--key', 'alias/app', '--principal', 'arn:payroll:iam::111122223333:role/payroll-admin'] },
    { flag: '--key', args: ['decrypt', '--key', 'payroll/key', '--principal', SESSION] },
    { flag: '--key', args: ['decrypt', '--key', 'arn:payroll:kms:us-east-1:111122223333:key/payroll-key', '--principal', SESSION] },
    { flag: '--alias', args: ['update-alias', '--key', 'alias/app', '--principal', SESSION, '--alias', 'payroll-alias'] },
    { flag: '--grantee', args: ['create-grant', '--key', 'alias/app', '--principal', SESSION, '--grantee', 'payroll-svc', '--grant-operations', 'Decrypt'] },
    { flag: '--via-service', args: ['decrypt', '--key', 'alias/app', '--principal', SESSION, '--via-service', 'payroll.internal'] },
  ];
  for (const c of CASES) {
    it(`${c.flag} ${c.args[c.args.indexOf(c.flag) + 1]}`, async () => {
      const r = await run([...c.args, '--from', from, '--redact']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`invalid ${c.flag} "value-\\d+"`));
      expect(r.stderr).not.toMatch(/payroll/);
      // Without --redact the value is quoted as given.
      expect((await run([...c.args, '--from', from])).stderr).toContain(`"${c.args[c.args.indexOf(c.flag) + 1]}"`);
    });
  }
});

describe('a redacted snapshot replays', () => {
  for (const f of SNAPSHOTS) {
    it(`${f}: same verdicts, deciding statements and grants; "redacted": true; redacting twice changes nothing`, () => {
      const doc = JSON.parse(readFileSync(`${FIX}${f}`, 'utf8')) as Doc;
      const r = new Redactor();
      r.learn(doc);
      const red = { ...r.json(doc), redacted: true };
      const principals = (doc.principals ?? []).map((p) => p.Arn);
      const keyAccount = doc.keys[0]!.KeyMetadata.Arn.split(':')[4]!;
      principals.push(`arn:aws:iam::${keyAccount}:root`);
      const before = verdicts(doc, f, principals, (p) => p).map((l) => {
        // The reasons of the original, as the redactor names them.
        const [action, dec, by, ...reasons] = l.split('\t');
        const name = (id: string): string =>
          id
            .split('#')
            .map((p, i) => (i === 0 ? r.value(p) : p))
            .join('#');
        return [action, dec, by, ...reasons.map((x) => `${x.slice(0, x.indexOf(':'))}:${name(x.slice(x.indexOf(':') + 1))}`)].join('\t');
      });
      const after = verdicts(red, 'redacted', principals, (p) => r.value(p));
      expect(after).toEqual(before);
      // The redacted snapshot parses (every ARN), declares itself redacted, and is stable.
      expect(parseSnapshot(red, 'redacted').redacted).toBe(true);
      const again = new Redactor();
      again.learn(red);
      expect(again.json(red)).toEqual(red);
    });
  }

  it('replays through the CLI: kms-why lambda on a redacted snapshot', async () => {
    const doc = JSON.parse(readFileSync(`${FIX}examples/lambda-env-grant-retired.json`, 'utf8'));
    const r = new Redactor();
    r.learn(doc);
    const file = join(tmp, 'redacted.json');
    writeFileSync(file, JSON.stringify({ ...r.json(doc), redacted: true }));
    const orig = await run(['lambda', 'my-function', '--from', `${FIX}examples/lambda-env-grant-retired.json`, '--output', 'json']);
    const red = await run(['lambda', r.value('my-function'), '--from', file, '--output', 'json']);
    expect(red.stderr).toBe('');
    expect(red.code).toBe(orig.code);
    const o = JSON.parse(orig.stdout);
    const x = JSON.parse(red.stdout);
    expect(x.results.map((d: { decision: string; decidedBy: string }) => [d.decision, d.decidedBy])).toEqual(
      o.results.map((d: { decision: string; decidedBy: string }) => [d.decision, d.decidedBy]),
    );
    expect(x.lambda.fixes.map((f: { kind: string }) => f.kind)).toEqual(o.lambda.fixes.map((f: { kind: string }) => f.kind));
    expect(red.stdout).not.toContain('my-function');
  });
});

// ─── Scenario cases ────────────────────────────────────────────────────────────────────────────

/**
 * Cases where a placeholder cannot carry the original's meaning: a policy variable composed into a
 * name (alias/${aws:username}-*), case-insensitive comparisons of names, condition values matched
 * against parts of names. Listed so that any other case that changes is a failure.
 */
const KNOWN_DIFFERENT = new Set(['XL152', 'XE017', 'XF125', 'XF144', 'XF150', 'XH008', 'XJ009']);

describe('redacted scenario cases evaluate as the originals', () => {
  it('every case in fixtures/cases and the public cases, but the known few', () => {
    const dir = `${FIX}cases/`;
    const all: ScenarioCase[] = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => JSON.parse(readFileSync(dir + f, 'utf8')) as ScenarioCase[]);
    const pub = JSON.parse(readFileSync(`${FIX}public/cases-public.json`, 'utf8'));
    all.push(...((Array.isArray(pub) ? pub : pub.cases) as ScenarioCase[]));
    const differ: string[] = [];
    let compared = 0;
    for (const c of all) {
      let d1: ReturnType<Evaluator['evaluate']>;
      try {
        const { snapshot, request } = scenarioToInput(c, 'case');
        d1 = new Evaluator(snapshot).evaluate(request);
      } catch {
        continue;
      }
      const r = new Redactor();
      r.learn(c);
      const { snapshot, request } = scenarioToInput(r.json(c), 'case');
      const d2 = new Evaluator(snapshot).evaluate(request);
      compared++;
      if (d1.decision !== d2.decision || d1.decidedBy !== d2.decidedBy || d1.reasons.length !== d2.reasons.length) differ.push(c.id);
    }
    expect(compared).toBeGreaterThan(500);
    expect(differ.filter((id) => !KNOWN_DIFFERENT.has(id))).toEqual([]);
  });
});

// ─── Encryption-context values ─────────────────────────────────────────────────────────────────

describe('--redact replaces encryption-context values and keeps the verdicts', () => {
  const ACCOUNT = '111122223333';
  const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const APP = `arn:aws:iam::${ACCOUNT}:role/app`;
  const WORKER = `arn:aws:iam::${ACCOUNT}:role/worker`;
  const allow = (sid: string, principal: string, action: string, op: string, ctx: string, value: string): Record<string, unknown> => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: action,
    Resource: '*',
    Condition: { [op]: { [`kms:EncryptionContext:${ctx}`]: value } },
  });
  const snapshot = (tenant: string): unknown => ({
    kmsWhySnapshot: 1,
    keys: [
      {
        KeyMetadata: {
          KeyId: KEY.split('/')[1],
          Arn: KEY,
          AWSAccountId: ACCOUNT,
          KeyState: 'Enabled',
          KeyManager: 'CUSTOMER',
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeySpec: 'SYMMETRIC_DEFAULT',
          Origin: 'AWS_KMS',
        },
        Aliases: ['alias/app'],
        Policy: {
          Version: '2012-10-17',
          Statement: [
            allow('Tenant', APP, 'kms:Decrypt', 'StringEquals', 'tenant', tenant),
            allow('Orders', APP, 'kms:Encrypt', 'StringLike', 'order', 'ord-77*'),
            allow('Dept', APP, 'kms:GenerateDataKey', 'StringEqualsIgnoreCase', 'dept', 'Finance'),
            {
              Sid: 'Project',
              Effect: 'Deny',
              Principal: '*',
              Action: 'kms:Decrypt',
              Resource: '*',
              Condition: { StringEquals: { 'kms:EncryptionContext:project': 'black-ops' } },
            },
          ],
        },
        Grants: [
          {
            KeyId: KEY,
            GrantId: 'a'.repeat(64),
            GranteePrincipal: WORKER,
            IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
            Operations: ['Decrypt'],
            Constraints: { EncryptionContextSubset: { tenant: 'acme-hr' } },
          },
          {
            KeyId: KEY,
            GrantId: 'b'.repeat(64),
            GranteePrincipal: WORKER,
            IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
            Operations: ['Encrypt'],
            Constraints: { EncryptionContextEquals: { order: 'ord-7701' } },
          },
        ],
      },
    ],
    principals: [
      { Arn: APP, IdentityPolicies: [] },
      { Arn: WORKER, IdentityPolicies: [] },
    ],
  });
  /** Every encryption-context value the inputs and the flags below hold (none may be printed with --redact). */
  const VALUES = [
    'payroll-secret',
    'payroll-other',
    'black-ops',
    'ord-77',
    'ord-7755',
    'ord-8800',
    'Finance',
    'FINANCE',
    'Fin',
    'acme-hr',
    'acme-finance',
    'ord-7701',
    'q3-bonus',
  ];
  const file = join(tmp, 'context.json');
  const after = join(tmp, 'context-after.json');
  writeFileSync(file, JSON.stringify(snapshot('payroll-secret')));
  writeFileSync(after, JSON.stringify(snapshot('q3-bonus')));
  const event = join(tmp, 'context-event.json');
  writeFileSync(
    event,
    JSON.stringify({
      Records: ['payroll-secret', 'payroll-other'].map((tenant, i) => ({
        eventVersion: '1.08',
        userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`, accountId: ACCOUNT },
        eventTime: '2026-11-20T03:12:44Z',
        eventSource: 'kms.amazonaws.com',
        eventName: 'Decrypt',
        awsRegion: 'us-east-1',
        errorCode: i === 0 ? undefined : 'AccessDenied',
        requestParameters: { encryptionContext: { tenant, project: 'black-ops' } },
        resources: [{ ARN: KEY, accountId: ACCOUNT, type: 'AWS::KMS::Key' }],
        eventID: `b7e2c0a4-6d1f-4c3e-8a9b-0f1e2d3c4b5${i}`,
        recipientAccountId: ACCOUNT,
      })),
    }),
  );
  const request = (action: string, principal: string, ...context: string[]): string[] => [
    action,
    '--from',
    file,
    '--key',
    'alias/app',
    '--principal',
    principal,
    ...context.flatMap((c) => ['--context', c]),
  ];
  const CASES: Array<{ name: string; args: string[] }> = [
    { name: 'StringEquals, allowed', args: request('decrypt', APP, 'tenant=payroll-secret') },
    { name: 'StringEquals, another value', args: request('decrypt', APP, 'tenant=payroll-other') },
    { name: 'a Deny on another pair', args: request('decrypt', APP, 'tenant=payroll-secret', 'project=black-ops') },
    { name: 'StringLike, matched', args: request('encrypt', APP, 'order=ord-7755') },
    { name: 'StringLike, not matched', args: request('encrypt', APP, 'order=ord-8800') },
    { name: 'StringEqualsIgnoreCase, other case', args: request('generate-data-key', APP, 'dept=FINANCE') },
    { name: 'StringEqualsIgnoreCase, another value', args: request('generate-data-key', APP, 'dept=Fin') },
    { name: 'grant EncryptionContextSubset, held', args: request('decrypt', WORKER, 'tenant=acme-hr', 'stage=q3-bonus') },
    { name: 'grant EncryptionContextSubset, not held', args: request('decrypt', WORKER, 'tenant=acme-finance') },
    { name: 'grant EncryptionContextEquals, equal', args: request('encrypt', WORKER, 'order=ord-7701') },
    { name: 'grant EncryptionContextEquals, more pairs', args: request('encrypt', WORKER, 'order=ord-7701', 'tenant=acme-hr') },
    {
      name: 'a CreateGrant constraint',
      args: [
        'check',
        '--action',
        'kms:CreateGrant',
        '--from',
        file,
        '--key',
        'alias/app',
        '--principal',
        APP,
        '--grantee',
        WORKER,
        '--grant-operations',
        'Decrypt',
        '--grant-constraint-equals',
        'tenant=payroll-secret',
      ],
    },
    { name: 'explain-event', args: ['explain-event', event, '--all', '--from', file] },
    { name: 'who-can', args: ['who-can', '--from', file, '--all-keys'] },
    { name: 'grants', args: ['grants', '--from', file, '--all-keys', '--now', '2026-12-01T00:00:00Z'] },
    { name: 'diff', args: ['diff', file, after] },
  ];
  const decisions = (out: string): string[] => [...out.matchAll(/"decision"\s*:\s*"(\w+)"/g)].map((m) => m[1]!);

  it("explain-error and explain-event read from AWS (the request kept as given): the flags' values are learned for the output", () => {
    const r = new Redactor();
    learnContextFlags({ context: ['tenant=payroll-secret'], condition: ['kms:EncryptionContext:order=ord-7701', 'aws:SourceIp=203.0.113.7'] }, r);
    const out = r.text('encryption context: tenant=payroll-secret, order=ord-7701 (aws:SourceIp=203.0.113.7)');
    expect(out).toMatch(/^encryption context: tenant=value-\d+, order=value-\d+ \(aws:SourceIp=203\.0\.113\.7\)$/);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const plain = await run([...c.args, '--output', 'json']);
      const red = await run([...c.args, '--output', 'json', '--redact']);
      expect(red.code, red.stderr).toBe(plain.code);
      expect(decisions(red.stdout)).toEqual(decisions(plain.stdout));
      // The inputs' values are there without --redact (so that their absence below means something) …
      expect(VALUES.some((v) => (plain.stdout + plain.stderr).includes(v)) || c.name === 'who-can').toBe(true);
      // … and in no format with it.
      for (const output of ['json', 'text', 'markdown']) {
        const r = output === 'json' ? red : await run([...c.args, '--output', output, '--redact']);
        for (const v of VALUES) {
          expect(r.stdout, `${output}: ${v}`).not.toContain(v);
          expect(r.stderr, `${output}: ${v}`).not.toContain(v);
        }
      }
    });
  }
});

// ─── Every value given for the request ─────────────────────────────────────────────────────────

describe('--redact hides every value given for the request, however short, in every format', () => {
  const ACCOUNT = '111122223333';
  const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const APP = `arn:aws:iam::${ACCOUNT}:role/app`;
  const file = join(tmp, 'request-values.json');
  writeFileSync(
    file,
    JSON.stringify({
      kmsWhySnapshot: 1,
      keys: [
        {
          KeyMetadata: { Arn: KEY, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' },
          Aliases: ['alias/app'],
          Tags: [],
          Policy: {
            Version: '2012-10-17',
            Statement: [
              { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
              {
                Sid: 'Team',
                Effect: 'Deny',
                Principal: '*',
                Action: 'kms:Decrypt',
                Resource: '*',
                Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'payroll', 'kms:EncryptionContext:n': '8' } },
              },
            ],
          },
          Grants: [],
        },
      ],
      principals: [
        {
          Arn: APP,
          Tags: [],
          IdentityPolicies: [{ PolicyName: 'all', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }],
        },
      ],
    }),
  );
  const args = [
    'decrypt',
    '--from',
    file,
    '--key',
    'alias/app',
    '--principal',
    APP,
    '--context',
    'n=7',
    '--context=s=q',
    '--condition',
    'aws:PrincipalTag/team=zeta',
    '--condition',
    'aws:SourceIdentity=jdoe-ops',
  ];
  /** Each given value in the forms the outputs print it (a pair, a quoted string). */
  const LEAKS = [/\bn=7\b/, /"7"/, /\bs=q\b/, /"q"/, /zeta/, /jdoe-ops/];

  it('a value of the inputs or not, in the request, the trace and the command line', async () => {
    const plain = await run([...args, '--output', 'json']);
    expect(plain.stdout).toMatch(/zeta/);
    for (const output of ['json', 'text', 'markdown', 'table']) {
      const r = await run([...args, '--output', output, '--redact']);
      expect(r.code, r.stderr).toBe(plain.code);
      for (const leak of LEAKS) expect(r.stdout + r.stderr, `${output}: ${leak}`).not.toMatch(leak);
    }
    const red = JSON.parse((await run([...args, '--output', 'json', '--redact'])).stdout) as {
      commandLine: string;
      results: Array<{ decision: string }>;
      request: { conditions: Record<string, string> };
    };
    expect(red.results.map((x) => x.decision)).toEqual((JSON.parse(plain.stdout) as { results: Array<{ decision: string }> }).results.map((x) => x.decision));
    expect(red.request.conditions['aws:PrincipalTag/team']).toMatch(/^value-\d+$/);
    expect(red.commandLine).toMatch(/--context n=value-\d+ --context=s=value-\d+ --condition aws:PrincipalTag\/team=value-\d+/);
  });
});

describe('a name the user is to fill in', () => {
  it('stays as written under --redact: the lambda fix command keeps role/TEMPORARY_ROLE', async () => {
    const args = ['lambda', 'my-function', '--from', `${FIX}examples/lambda-env-grant-retired.json`, '--output', 'text'];
    const plain = await run(args);
    const red = await run([...args, '--redact']);
    expect(plain.stdout).toContain(':role/TEMPORARY_ROLE');
    expect(red.stdout).toContain(':role/TEMPORARY_ROLE');
    // The function's own role is still redacted on the line beside it.
    expect(red.stdout).toMatch(/--role arn:aws:iam::\d{12}:role\/service-role\/role-\d+/);
  });
});

// ─── Names learned from the inputs, wherever an output writes them ────────────────────────────

describe('--redact replaces every name of the inputs, in a path and an ARN written in part too', () => {
  // Every part of a name starts with "zq", which no word of kms-why's and no placeholder holds: any
  // "zq" in an output is (a piece of) a name of the inputs. Names join parts with each character
  // an IAM name may hold besides letters and digits, and paths nest them.
  const part = fc.stringMatching(/^zq[a-z0-9]{2,6}$/);
  const iamName = fc
    .tuple(part, fc.array(fc.tuple(fc.constantFrom('-', '_', '.', '@', '+', '=', ','), part), { maxLength: 2 }))
    .map(([first, rest]) => first + rest.map(([sep, p]) => sep + p).join(''));
  const path = fc.array(iamName, { maxLength: 2 }).map((segs) => (segs.length === 0 ? '/' : `/${segs.join('/')}/`));
  const gen = fc.record({
    account: fc.stringMatching(/^[1-9]\d{11}$/),
    keyId: fc.uuid(),
    role: iamName,
    rolePath: path,
    other: iamName,
    otherPath: path,
    user: iamName,
    userPath: path,
    unknownRole: iamName,
    session: iamName,
    delegate: fc.boolean(),
  });

  it('check --fix and who-can, in every format, for randomly named roles, users and paths', async () => {
    const samples = fc.sample(gen, { numRuns: 6, seed: Number(process.env.KMS_WHY_TEST_SEED ?? 20261207) });
    for (const [i, g] of samples.entries()) {
      const keyArn = `arn:aws:kms:us-east-1:${g.account}:key/${g.keyId}`;
      const iam = `arn:aws:iam::${g.account}`;
      const role = `${iam}:role${g.rolePath}${g.role}`;
      const other = `${iam}:role${g.otherPath}${g.other}`;
      const user = `${iam}:user${g.userPath}${g.user}`;
      const allowKey = (action: string): unknown => ({
        PolicyName: `${g.user}-kms`,
        Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: keyArn }] },
      });
      const doc = oneKeySnapshot(
        {
          KeyMetadata: { ...(delegatingKey().KeyMetadata as object), Arn: keyArn, KeyId: g.keyId, AWSAccountId: g.account },
          Policy: {
            Version: '2012-10-17',
            Statement: [
              ...(g.delegate ? [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `${iam}:root` }, Action: 'kms:*', Resource: '*' }] : []),
              { Sid: 'Role', Effect: 'Allow', Principal: { AWS: role }, Action: 'kms:Decrypt', Resource: '*' },
              { Sid: 'NoOther', Effect: 'Deny', Principal: { AWS: other }, Action: 'kms:Encrypt', Resource: '*' },
            ],
          },
        },
        [
          { Arn: role, IdentityPolicies: [allowKey('kms:Encrypt')] },
          { Arn: other, IdentityPolicies: [allowKey('kms:*')] },
          // An input that could not be read, its reason an AWS error message naming the principals in part.
          {
            Arn: user,
            IdentityPolicies: {
              kmsWhyUnreadable: {
                reason: `AccessDenied: not authorized to perform: iam:ListUserPolicies on resource: user ${g.user} (also role${g.rolePath}${g.role}, user${g.userPath}${g.user}, assumed-role/${g.other}/${g.session}, path ${g.otherPath})`,
                neededPermission: 'iam:ListUserPolicies',
              },
            },
          },
        ],
      );
      const names = [
        g.account,
        g.keyId,
        ...`${g.role}${g.rolePath}${g.other}${g.otherPath}${g.user}${g.userPath}${g.unknownRole}/${g.session}`.matchAll(/zq[a-z0-9]+/g),
      ].map((m) => (typeof m === 'string' ? m : m[0]));
      const file = join(tmp, `random-names-${i}.json`);
      writeFileSync(file, JSON.stringify(doc));
      const principals = [
        role,
        user,
        `arn:aws:sts::${g.account}:assumed-role/${g.other}/${g.session}`,
        // A role the snapshot does not hold: its path is ROLE_PATH, to fill in.
        `arn:aws:sts::${g.account}:assumed-role/${g.unknownRole}/${g.session}`,
      ];
      for (const output of ['text', 'json', 'markdown', 'table']) {
        const runs = [
          ...principals.map((p) => [
            'check',
            '--action',
            'kms:Decrypt,kms:Encrypt,kms:CreateGrant',
            '--from',
            file,
            '--key',
            keyArn,
            '--principal',
            p,
            '--fix',
            '--output',
            output,
            '--redact',
          ]),
          ['who-can', '--from', file, '--all-keys', '--output', output, '--redact'],
        ];
        for (const args of runs) {
          const r = await run(args);
          const where = `${args[0]} ${args[8] ?? ''} --output ${output}`;
          expect([0, 1, 3], `${where}: ${r.stderr}`).toContain(r.code);
          for (const n of names) expect(r.stdout + r.stderr, `${where}: ${n}: ${JSON.stringify(g)}`).not.toContain(n);
        }
      }
    }
  }, 120_000);
});
