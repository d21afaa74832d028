// `--fix` on the evaluating commands, and `check --action all` for scripts: the built CLI as a
// subprocess. Each proposal of `decrypt --fix` is applied as a person would apply it (the JSON it
// prints pasted into the snapshot) and decrypt is run again: it must turn the verdict into allow.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, kmsWhy, LAMBDA_ARGS, RETIRED_ARGS, ROOT } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'kms-why-fix-'));
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

type Json = Record<string, any>;

/** Every statement list of the snapshot file, with where it is. */
function policies(snap: Json): Array<{ name: string; arn?: string; doc: Json }> {
  const out: Array<{ name: string; arn?: string; doc: Json }> = [];
  for (const k of snap.keys ?? []) if (k.Policy) out.push({ name: 'default', doc: k.Policy });
  for (const p of snap.principals ?? []) for (const ip of p.IdentityPolicies ?? []) out.push({ name: ip.PolicyName, arn: ip.PolicyArn, doc: ip.Document });
  return out;
}

/** Applies one printed change (the `changes[]` of the JSON output) to the snapshot file's JSON. */
function apply(snap: Json, c: Json): void {
  switch (c.kind) {
    case 'add-key-policy-statement':
      snap.keys.find((k: Json) => k.KeyMetadata.Arn === c.keyArn).Policy.Statement.push(c.json);
      return;
    case 'add-identity-policy': {
      const name = c.principalArn.split('/').pop();
      let p = snap.principals.find((x: Json) => x.Arn === c.principalArn) ?? snap.principals.find((x: Json) => x.Arn.split('/').pop() === name);
      if (p === undefined) snap.principals.push((p = { Arn: c.principalArn, IdentityPolicies: [] }));
      (p.IdentityPolicies ??= []).push({ PolicyName: c.policyName, Document: c.json });
      return;
    }
    case 'recreate-lambda-grant':
      snap.keys
        .find((k: Json) => k.KeyMetadata.Arn === c.keyArn)
        .Grants.push({ KeyId: c.keyArn, GrantId: 'new-grant', Name: c.functionName, IssuingAccount: 'arn:aws:iam::111122223333:root', ...c.json });
      return;
    case 'replace-statement':
    case 'remove-statement': {
      let n = 0;
      for (const p of policies(snap)) {
        if (p.name !== c.policyName || (c.policyArn !== undefined && p.arn !== c.policyArn)) continue;
        const sts: Json[] = Array.isArray(p.doc.Statement) ? p.doc.Statement : [p.doc.Statement];
        const i = sts.findIndex((s) => s.Sid === c.statementId);
        if (i < 0) continue;
        if (c.kind === 'replace-statement') sts[i] = c.json;
        else sts.splice(i, 1);
        p.doc.Statement = sts;
        n++;
      }
      expect(n).toBeGreaterThan(0);
      return;
    }
    case 'enable-key': {
      const k = snap.keys.find((x: Json) => x.KeyMetadata.Arn === c.keyArn);
      k.KeyMetadata.KeyState = 'Enabled';
      k.KeyMetadata.Enabled = true;
      return;
    }
    default:
      throw new Error(`the test cannot apply a ${c.kind} change yet`);
  }
}

const SCENARIOS: Array<[string, string, string[]]> = [
  [
    'a key policy that does not delegate to IAM',
    `${EXAMPLES}pattern-2-iam-only-no-delegation.json`,
    ['--key', 'alias/app', '--principal', 'arn:aws:iam::111122223333:role/app'],
  ],
  [
    'delegation without an IAM allow',
    `${EXAMPLES}pattern-4-delegation-without-iam.json`,
    ['--key', 'alias/app', '--principal', 'arn:aws:iam::111122223333:role/app'],
  ],
  [
    "the Lambda seed story (the function's grant retired)",
    `${EXAMPLES}lambda-env-grant-retired.json`,
    RETIRED_ARGS.filter((_, i, a) => a[i] !== '--from' && a[i - 1] !== '--from'),
  ],
  // The Deny turns on aws:SourceVpce, which kms-why cannot derive: the request says it has none.
  [
    'an explicit Deny in an identity policy',
    `${ROOT}fixtures/errors/snapshot-identity-deny.json`,
    ['--key', KEY, '--principal', 'arn:aws:sts::111122223333:assumed-role/app/s1', '--absent', 'aws:SourceVpce'],
  ],
];

describe('decrypt --fix: every proposal, applied, turns the verdict into allow', () => {
  for (const [title, file, args] of SCENARIOS) {
    it(title, () => {
      const before = kmsWhy(['decrypt', '--from', file, ...args, '--fix', '--output', 'json']);
      expect(before.stderr).toBe('');
      expect(before.code).toBe(1);
      const j = JSON.parse(before.stdout);
      expect(j.results[0].decision).toBe('deny');
      expect(j.fixes).toHaveLength(1);
      const proposals = j.fixes[0].proposals;
      expect(proposals.length).toBeGreaterThan(0);
      expect(proposals.map((p: Json) => p.rank)).toEqual(proposals.map((_: unknown, i: number) => i + 1));
      for (const p of proposals) {
        expect(p.verified.decision).toBe('allow');
        expect(Array.isArray(p.alsoAllows)).toBe(true);
        const snap = JSON.parse(readFileSync(file, 'utf8'));
        for (const c of p.changes) apply(snap, c);
        const changed = join(tmp, `${p.id}-${Math.random().toString(16).slice(2)}.json`);
        writeFileSync(changed, JSON.stringify(snap));
        const after = kmsWhy(['decrypt', '--from', changed, ...args, '--output', 'json']);
        expect(after.code, `${title}: proposal ${p.rank} (${p.id})`).toBe(0);
        expect(JSON.parse(after.stdout).results[0].decision).toBe('allow');
      }
    });
  }
});

describe('--fix in every output format', () => {
  const args = [
    'decrypt',
    '--from',
    `${EXAMPLES}pattern-2-iam-only-no-delegation.json`,
    '--key',
    'alias/app',
    '--principal',
    'arn:aws:iam::111122223333:role/app',
    '--fix',
  ];

  it('markdown: each proposal as a ready-to-paste JSON block and the AWS CLI commands that apply it', () => {
    const r = kmsWhy([...args, '--output', 'markdown']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('## Fix');
    expect(r.stdout).toContain('### Fix for `kms:Decrypt`');
    const json = /```json\n([\s\S]*?)\n```/.exec(r.stdout.slice(r.stdout.indexOf('## Fix')));
    expect(JSON.parse(json![1]!)).toMatchObject({ Effect: 'Allow', Action: 'kms:Decrypt', Principal: { AWS: 'arn:aws:iam::111122223333:role/app' } });
    expect(r.stdout).toMatch(/```sh\naws kms get-key-policy --key-id [^\n]+\n#[^\n]+\naws kms put-key-policy [^\n]+\n```/);
  });

  it('text and table: the proposals after the report, with what else they allow', () => {
    for (const format of ['text', 'table']) {
      const r = kmsWhy([...args, '--output', format]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('=== Fix for kms:Decrypt ===');
      expect(r.stdout).toContain('verified: the request would be ALLOWED');
      expect(r.stdout).toMatch(/It allows nothing else kms-why checked|This also lets/);
      expect(r.stdout).toContain('$ aws kms put-key-policy');
    }
  });

  it('the JSON to paste means what --output json says, control and bidi characters escaped as JSON escapes', () => {
    // An encryption-context value may hold any character: a tab, a bidi override, NEL, ESC.
    const value = 'a\u202eb\tc\u0085d\u001be';
    const withContext = [...args, '--context', `k=${value}`];
    const json = JSON.parse(kmsWhy([...withContext, '--output', 'json']).stdout) as Json;
    const expected = json.fixes[0].proposals[0].changes[0].json as Json;
    expect(JSON.stringify(expected)).toContain(JSON.stringify(value));
    /** The first JSON statement printed after the report: from its `{` line to the `}` at the same indentation. */
    const printed = (out: string): Json => {
      const lines = out.slice(out.search(/=== Fix for|## Fix/)).split('\n');
      const start = lines.findIndex((l) => /^\s*\{$/.test(l));
      const indent = lines[start]!.indexOf('{');
      const end = lines.findIndex((l, i) => i > start && l === `${' '.repeat(indent)}}`);
      return JSON.parse(lines.slice(start, end + 1).join('\n')) as Json;
    };
    for (const format of ['text', 'table', 'markdown']) {
      const r = kmsWhy([...withContext, '--output', format]);
      expect(r.code, format).toBe(1);
      expect(printed(r.stdout), format).toEqual(expected);
      // Still nothing a terminal would act on: JSON's own escapes.
      expect(r.stdout, format).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
      expect(r.stdout, format).toContain('"a\\u202eb\\tc\\u0085d\\u001be"');
    }
  });

  it('an allowed request needs no fix; encrypt, per-action commands and check take --fix too', () => {
    const ok = kmsWhy(['decrypt', ...LAMBDA_ARGS, '--fix', '--output', 'json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).fixes).toEqual([]);
    const enc = kmsWhy([
      'encrypt',
      '--from',
      `${EXAMPLES}pattern-2-iam-only-no-delegation.json`,
      '--key',
      'alias/app',
      '--principal',
      'arn:aws:iam::111122223333:role/app',
      '--fix',
      '--output',
      'json',
    ]);
    expect(JSON.parse(enc.stdout).fixes[0].action).toBe('kms:Encrypt');
    const gdk = kmsWhy([
      'generate-data-key',
      '--from',
      `${EXAMPLES}pattern-2-iam-only-no-delegation.json`,
      '--key',
      'alias/app',
      '--principal',
      'arn:aws:iam::111122223333:role/app',
      '--fix',
      '--output',
      'json',
    ]);
    expect(JSON.parse(gdk.stdout).fixes[0].proposals[0].verified.decision).toBe('allow');
    const check = kmsWhy([
      'check',
      '--action',
      'kms:Decrypt,kms:Encrypt',
      '--from',
      `${EXAMPLES}pattern-2-iam-only-no-delegation.json`,
      '--key',
      'alias/app',
      '--principal',
      'arn:aws:iam::111122223333:role/app',
      '--fix',
      '--output',
      'json',
    ]);
    expect(JSON.parse(check.stdout).fixes.map((f: Json) => f.action)).toEqual(['kms:Decrypt', 'kms:Encrypt']);
  });
});

describe('check --action all is scriptable', () => {
  const base = ['check', '--action', 'all', ...RETIRED_ARGS];

  it("as Markdown, with or without --fix, stays under GitHub's comment limit and says what it left out", () => {
    const args = [
      'check',
      '--action',
      'all',
      '--from',
      `${EXAMPLES}account-snapshot.json`,
      '--key',
      'alias/app',
      '--principal',
      'arn:aws:iam::111122223333:role/app',
    ];
    for (const extra of [[], ['--fix']]) {
      const r = kmsWhy([...args, ...extra, '--output', 'markdown']);
      expect([0, 1, 3]).toContain(r.code);
      expect(r.stdout.length, extra.join(' ')).toBeLessThanOrEqual(60_000);
      expect(r.stdout).toMatch(/are left out to keep this under GitHub's comment limit/);
    }
  });

  it('actions that need a detail not given are listed as not evaluated and do not make it unknown', () => {
    const r = kmsWhy([...base, '--output', 'json', '--expect', 'deny']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.notEvaluated).toEqual(
      expect.arrayContaining([
        { action: 'kms:RetireGrant', needs: ['--grant-id'] },
        { action: 'kms:RevokeGrant', needs: ['--grant-id'] },
        { action: 'kms:CreateGrant', needs: ['--grantee'] },
        { action: 'kms:CreateAlias', needs: ['--alias'] },
      ]),
    );
    expect(j.results.some((x: Json) => x.decision === 'unknown')).toBe(false);
    expect(j.results.map((x: Json) => x.action)).not.toContain('kms:RetireGrant');
  });

  it('in every output format', () => {
    const text = kmsWhy([...base, '--output', 'text']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/; 6 not evaluated/);
    expect(text.stdout).toContain('kms:RetireGrant: not evaluated: needs --grant-id');
    const table = kmsWhy([...base, '--output', 'table']);
    expect(table.stdout).toContain('kms:CreateGrant: not evaluated: needs --grantee');
    const md = kmsWhy([...base, '--output', 'markdown']);
    expect(md.stdout).toContain('## Not evaluated');
    expect(md.stdout).toContain('`kms:RetireGrant`: not evaluated: needs `--grant-id`');
  });

  it('given the detail, the action is evaluated; named on its own, it is evaluated as before', () => {
    const withId = JSON.parse(kmsWhy([...base, '--grant-id', 'abc', '--output', 'json']).stdout);
    expect(withId.notEvaluated.map((x: Json) => x.action)).not.toContain('kms:RetireGrant');
    expect(withId.results.map((x: Json) => x.action)).toContain('kms:RetireGrant');
    const named = kmsWhy(['check', '--action', 'all,kms:RetireGrant', ...RETIRED_ARGS, '--output', 'json']);
    expect(JSON.parse(named.stdout).results.map((x: Json) => x.action)).toContain('kms:RetireGrant');
  });

  it('unknown (exit 3) stays for inputs that could not be read', () => {
    const snap = JSON.parse(readFileSync(`${EXAMPLES}lambda-env-grant-retired.json`, 'utf8'));
    // A key without Policy has an unknown policy (it could not be read).
    delete snap.keys[0].Policy;
    const f = join(tmp, 'unreadable-policy.json');
    writeFileSync(f, JSON.stringify(snap));
    const r = kmsWhy([
      'check',
      '--action',
      'all',
      ...RETIRED_ARGS.map((a) => (a.endsWith('lambda-env-grant-retired.json') ? f : a)),
      '--expect',
      'deny',
      '--output',
      'json',
    ]);
    expect(r.code).toBe(3);
  });
});
