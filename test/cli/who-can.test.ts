// `kms-why who-can` and `kms-why diff`, run in-process through their add*Command functions with a
// fresh commander program and a fake io (as main() wires them).
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Run as RunAction } from '../../src/cli/command.js';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatError } from '../../src/cli/errors.js';
import { redactingIo } from '../../src/cli/redact.js';
import type { CliIo } from '../../src/cli/io.js';
import { addDiffCommand } from '../../src/cli/diff.js';
import { addWhoCanCommand } from '../../src/cli/who-can.js';
import { parseWhoCanJson } from '../../src/sources/who-can-report.js';
import { runMain } from './in-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BASIC = `${ROOT}fixtures/who-can/basic.json`;
const DETAILS = `${ROOT}fixtures/who-can/iam-details.json`;
const tmp = mkdtempSync(join(tmpdir(), 'kms-why-who-can-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function kmsWhy(args: string[], opts: { stdoutIsTTY?: boolean; stderrIsTTY?: boolean; env?: Record<string, string> } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: opts.env ?? {},
    stdoutIsTTY: opts.stdoutIsTTY ?? false,
    stderrIsTTY: opts.stderrIsTTY ?? false,
  };
  if (args.includes('--redact')) io = redactingIo(io, args); // as main() does
  let code = 0;
  let debug = false;
  const program = new Command('kms-why').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  // As main() does: each action returns its exit code, and --debug is read before it runs.
  const run: RunAction =
    (action) =>
    async (...args) => {
      code = await action(...args);
    };
  program.hook('preAction', (_program, command) => {
    if (command.options.some((o) => o.long === '--debug')) debug = command.opts().debug === true;
  });
  addWhoCanCommand(program, io, run);
  addDiffCommand(program, io, run);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else {
      const f = formatError(e, debug);
      stderr += f.text;
      code = f.code;
    }
  }
  return { code, stdout, stderr };
}

const ACTIONS = 'kms:Decrypt,kms:Encrypt,kms:GenerateDataKey,kms:DescribeKey,kms:CreateGrant,kms:PutKeyPolicy,kms:ScheduleKeyDeletion,kms:DisableKey';

describe('kms-why who-can', () => {
  it('text: the principals per action, admin-level powers, external accounts and public statements (exit 0)', async () => {
    const r = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', ACTIONS]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab\n    (alias/app)');
    expect(r.stdout).toMatch(/Use the key\n\s+kms:Decrypt\n/);
    // Long lines are wrapped to 80 columns (at spaces only): the phrases are read with the line breaks as spaces.
    const flat = r.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('allow arn:aws:iam::111122223333:role/ops key-policy-and-iam: key-policy "EnableIAM" + identity-policy "OpsAll" (ops)');
    expect(flat).toContain(
      'conditional arn:aws:iam::111122223333:role/app if kms:EncryptionContext:app StringEquals billing (key-policy "AppUse") or kms:ViaService StringEquals lambda.us-east-1.amazonaws.com (key-policy "ViaLambda")',
    );
    expect(r.stdout).toContain('arn:aws:iam::111122223333:role/admin [ADMIN-LEVEL]');
    expect(r.stdout).toContain('Admin-level powers (allowed without conditions):');
    expect(r.stdout).toContain('    444455556666: arn:aws:iam::444455556666:root — kms:Decrypt, kms:DescribeKey');
    expect(flat).toContain(
      '"ViaLambda" allows kms:Decrypt if kms:CallerAccount StringEquals 111122223333 and kms:ViaService StringEquals lambda.us-east-1.amazonaws.com',
    );
    // Actions with the same answers for everyone share a row.
    expect(r.stdout).toContain('    kms:PutKeyPolicy, kms:DisableKey\n');
    expect(r.stdout).toContain('64 decisions on 1 key: 23 allowed, 6 conditional, 0 unknown, 35 denied.');
  });

  it('json: the documented contract (kmsWhyWhoCan: 1), and it reads back', async () => {
    const r = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', ACTIONS, '--output', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.kmsWhyWhoCan).toBe(1);
    expect(j.capturedAt).toBe('2025-06-01T12:00:00Z');
    expect(j.summary).toEqual({
      keys: 1,
      decisions: 64,
      allowed: 23,
      conditional: 6,
      unknown: 0,
      externalAccounts: ['444455556666'],
      publicKeys: ['arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
      // The snapshot gives no SCPs or RCPs: those of the accounts with access, and of the key's.
      orgPoliciesNotGiven: [
        { kind: 'scp', account: '111122223333' },
        { kind: 'scp', account: '444455556666' },
        { kind: 'rcp', account: '111122223333' },
      ],
    });
    const k = j.keys[0];
    expect(k).toMatchObject({
      key: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      aliases: ['alias/app'],
      account: '111122223333',
      keyState: 'Enabled',
      aliasForAliasActions: null,
    });
    expect(k.principals.find((p: { principal: string }) => p.principal === 'arn:aws:iam::444455556666:root')).toEqual({
      principal: 'arn:aws:iam::444455556666:root',
      kind: 'account-root',
      account: '444455556666',
      external: true,
      origins: ['key-policy'],
    });
    const put = k.actions.find((a: { action: string }) => a.action === 'kms:PutKeyPolicy');
    expect(put).toMatchObject({ group: 'administer', adminLevel: true, keyStateError: null });
    expect(put.principals.map((p: { principal: string }) => p.principal)).toEqual([
      'arn:aws:iam::111122223333:role/admin',
      'arn:aws:iam::111122223333:role/ops',
      'arn:aws:iam::111122223333:root',
    ]);
    expect(put.principals[0]).toEqual({
      principal: 'arn:aws:iam::111122223333:role/admin',
      access: 'allow',
      decidedBy: 'key-policy',
      reasons: [{ source: 'key-policy', id: 'Admins', effect: 'Allow', policyName: 'key policy' }],
      adminLevel: true,
    });
    const decrypt = k.actions.find((a: { action: string }) => a.action === 'kms:Decrypt');
    const web = decrypt.principals.find((p: { principal: string }) => p.principal === 'arn:aws:iam::111122223333:role/web');
    expect(web.access).toBe('conditional');
    expect(web.witness).toEqual({ viaService: 'lambda.us-east-1.amazonaws.com' });
    expect(web.conditions).toContainEqual({ source: 'grant', id: 'g-web', effect: 'Allow', operator: 'EncryptionContextEquals', key: 'app', values: ['web'] });
    expect(k.public).toEqual([{ statement: 'ViaLambda', notPrincipal: false, actions: ['kms:Decrypt'], conditions: expect.any(Array) }]);
    expect(k.externalAccounts).toEqual([
      { account: '444455556666', principals: ['arn:aws:iam::444455556666:root'], actions: ['kms:Decrypt', 'kms:DescribeKey'] },
    ]);
    // The report reads back into the same answers.
    const back = parseWhoCanJson(j, 'report.json');
    expect(back.keys[0]!.actions.map((a) => a.name)).toEqual(ACTIONS.split(','));
    expect(back.stats.decisions).toBe(64);
  });

  it('table and markdown', async () => {
    const t = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', 'kms:Decrypt,kms:PutKeyPolicy', '--output', 'table']);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('┌');
    expect(t.stdout).toContain('Use the key');
    expect(t.stdout).not.toMatch(/\x1b\[/);
    const coloured = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', 'kms:Decrypt'], { stdoutIsTTY: true });
    expect(coloured.stdout).toContain('┌');
    expect(coloured.stdout).toMatch(/\x1b\[/);
    const plain = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', 'kms:Decrypt', '--no-color'], { stdoutIsTTY: true });
    expect(plain.stdout).not.toMatch(/\x1b\[/);
    const md = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', 'kms:Decrypt,kms:PutKeyPolicy', '--output', 'markdown']);
    expect(md.stdout.startsWith('## Who can use these KMS keys')).toBe(true);
    expect(md.stdout).toContain('| `kms:PutKeyPolicy` | **allow** | `arn:aws:iam::111122223333:role/admin` **admin-level** |');
  });

  it('every action the key can do by default, alias actions on its alias (but CreateAlias, which it has already)', async () => {
    const r = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--output', 'json']);
    const k = JSON.parse(r.stdout).keys[0];
    const names = k.actions.map((a: { action: string }) => a.action);
    expect(names).toContain('kms:UpdateAlias');
    expect(names).not.toContain('kms:CreateAlias');
    expect(names).not.toContain('kms:Sign');
    expect(names).not.toContain('kms:RetireGrant');
    expect(k.aliasForAliasActions).toBe('alias/app');
  });

  it('exit 3 when a verdict is unknown (an external role whose IAM policies are not in the snapshot)', async () => {
    const r = await kmsWhy(['who-can', '--from', DETAILS, '--key', 'alias/payments']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /unknown\s+arn:aws:iam::444455556666:role\/consumer \[external\]\n\s+depends on what could not be read: identity policies of\s+arn:aws:iam::444455556666:role\/consumer/,
    );
    // The deny to avoid, with the request that avoids it (the line wrapped at spaces).
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      'if the request avoids the Deny: unless kms:ViaService StringNotEquals s3.us-east-1.amazonaws.com (Deny key-policy "DenyOutsideS3"); e.g. --via-service s3.us-east-1.amazonaws.com',
    );
  });

  it('exit 2 on bad input, with a message', async () => {
    // Without --from, who-can reads the account from AWS: here no region is configured.
    const live = await kmsWhy(['who-can', '--key', 'alias/app'], { env: {} });
    expect(live.code).toBe(2);
    const noKey = await kmsWhy(['who-can', '--from', BASIC]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('give --key (repeatable) or --all-keys');
    const unknownKey = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/nope']);
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toContain('key "alias/nope" is not in the snapshot');
    const iamOnly = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', 'kms:ListKeys']);
    expect(iamOnly.code).toBe(2);
    expect(iamOnly.stderr).toContain('kms:ListKeys is not an action on a key');
    const typo = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', 'kms:Decryp']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean kms:Decrypt?');
    const retire = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', 'kms:RetireGrant']);
    expect(retire.code).toBe(2);
    expect((await kmsWhy(['who-can', '--from', `${tmp}/missing.json`, '--key', 'alias/app'])).code).toBe(2);
    expect((await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--output', 'xml'])).code).toBe(2);
  });

  it('--all-keys: a progress bar on stderr only when stderr is a terminal', async () => {
    // One request time for both runs: the JSON report records it.
    const at = ['--at', '2026-01-01T00:00:00Z'];
    const tty = await kmsWhy(['who-can', '--from', `${ROOT}fixtures/snapshots/full.json`, '--all-keys', '--action', 'kms:Decrypt', '--output', 'json', ...at], {
      stderrIsTTY: true,
    });
    expect(tty.stderr).toMatch(/\rkms-why who-can \[#+\.*\] 1\/\d+ keys/);
    expect(JSON.parse(tty.stdout).kmsWhyWhoCan).toBe(1);
    const pipe = await kmsWhy(['who-can', '--from', `${ROOT}fixtures/snapshots/full.json`, '--all-keys', '--action', 'kms:Decrypt', '--output', 'json', ...at]);
    expect(pipe.stderr).toBe('');
    expect(pipe.stdout).toBe(tty.stdout);
  });

  it('--redact hides account ids and names', async () => {
    const r = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', 'kms:Decrypt', '--redact']);
    expect(r.stdout).not.toContain('111122223333');
    expect(r.stdout).not.toContain('role/ops');
  });

  it('--output-file: the same bytes as stdout (no colour), redacted with --redact; a symbolic link is refused without --force', async () => {
    for (const output of ['json', 'jsonl', 'text', 'markdown']) {
      const file = join(tmp, `who-can.${output}`);
      const args = ['who-can', '--from', BASIC, '--all-keys', '--output', output, '--at', '2026-01-01T00:00:00Z'];
      const std = await kmsWhy(args);
      const r = await kmsWhy([...args, '--output-file', file]);
      expect(r.code).toBe(std.code);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`wrote ${file}`);
      expect(readFileSync(file, 'utf8')).toBe(std.stdout);
    }
    const red = join(tmp, 'who-can-redacted.txt');
    await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', 'kms:Decrypt', '--redact', '--output-file', red]);
    expect(readFileSync(red, 'utf8')).not.toContain('111122223333');
    const link = join(tmp, 'who-can-link.txt');
    symlinkSync(red, link);
    const refused = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--output-file', link]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is a symbolic link/);
  });
});

// ─── diff ──────────────────────────────────────────────────────────────────────────────────────

/** basic.json after a change: role/web named for Decrypt and PutKeyPolicy, the partner account removed, a new grant for alice. */
function changedSnapshot(): string {
  const s = JSON.parse(readFileSync(BASIC, 'utf8'));
  const key = s.keys[0];
  key.Policy.Statement = key.Policy.Statement.filter((st: { Sid: string }) => st.Sid !== 'Partner');
  key.Policy.Statement.push({
    Sid: 'WebUse',
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::111122223333:role/web' },
    Action: ['kms:Decrypt', 'kms:PutKeyPolicy'],
    Resource: '*',
  });
  key.Grants.push({
    GrantId: 'g-alice',
    GranteePrincipal: 'arn:aws:iam::111122223333:user/alice',
    IssuingAccount: 'arn:aws:iam::111122223333:root',
    Operations: ['Encrypt'],
  });
  const file = join(tmp, 'after.json');
  writeFileSync(file, JSON.stringify(s, null, 2));
  return file;
}

describe('kms-why diff', () => {
  it('says who gained and lost what, and which source decided before and after', async () => {
    const after = changedSnapshot();
    // At 120 columns (the widest text is laid out to) and at the default 80.
    const r = await kmsWhy(['diff', BASIC, after, '--action', ACTIONS], { env: { COLUMNS: '240' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const narrow = await kmsWhy(['diff', BASIC, after, '--action', ACTIONS]);
    expect(Math.max(...narrow.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(narrow.stdout).toContain(
      ['           before: conditional (key-policy: key-policy "ViaLambda" + grant', '                   g-web) if kms:ViaService StringEquals'].join('\n'),
    );
    expect(r.stdout).toContain(
      [
        '  GAINED   arn:aws:iam::111122223333:role/web: kms:Decrypt',
        '           before: conditional (key-policy: key-policy "ViaLambda" + grant g-web) if kms:ViaService StringEquals',
        '                   lambda.us-east-1.amazonaws.com (key-policy "ViaLambda") or encryption context app = web (grant g-web)',
        '           after:  allow (key-policy: key-policy "WebUse")',
        '           why:    key-policy statement "WebUse" is new',
        '           why:    key-policy statement "ViaLambda" (unchanged) no longer decides',
        '           why:    grant g-web (unchanged) no longer decides',
        '  GAINED   arn:aws:iam::111122223333:role/web [ADMIN-LEVEL]: kms:PutKeyPolicy',
        '           before: deny (implicit-deny)',
        '           after:  allow (key-policy: key-policy "WebUse")',
        '           why:    key-policy statement "WebUse" is new',
        '  GAINED   arn:aws:iam::111122223333:user/alice: kms:Encrypt',
        '           before: deny (implicit-deny)',
        '           after:  allow (grant: grant g-alice)',
        '           why:    grant g-alice is new',
        '  LOST     arn:aws:iam::444455556666:root [external]: kms:Decrypt, kms:DescribeKey',
        '           before: allow (key-policy-and-iam: key-policy "Partner")',
        '           after:  deny (implicit-deny)',
        '           why:    key-policy statement "Partner" was removed',
      ].join('\n'),
    );
    expect(r.stdout).toContain('3 gained, 2 lost, 0 changed, 0 now or formerly unknown');
  });

  it('--fail-on-gain: exit 1 when access was gained, 0 otherwise', async () => {
    const after = changedSnapshot();
    expect((await kmsWhy(['diff', BASIC, after, '--fail-on-gain'])).code).toBe(1);
    expect((await kmsWhy(['diff', after, BASIC])).code).toBe(0);
    const same = await kmsWhy(['diff', BASIC, BASIC, '--fail-on-gain']);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('No change in who can do what.');
  });

  it('compares two who-can JSON reports as well', async () => {
    const after = changedSnapshot();
    const a = await kmsWhy(['who-can', '--from', BASIC, '--all-keys', '--output', 'json']);
    const b = await kmsWhy(['who-can', '--from', after, '--all-keys', '--output', 'json']);
    writeFileSync(join(tmp, 'a.json'), a.stdout);
    writeFileSync(join(tmp, 'b.json'), b.stdout);
    const r = await kmsWhy(['diff', join(tmp, 'a.json'), join(tmp, 'b.json'), '--output', 'json', '--fail-on-gain']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.kmsWhyDiff).toBe(1);
    const web = j.changes.find((c: { principal: string; change: string }) => c.principal === 'arn:aws:iam::111122223333:role/web' && c.change === 'gained');
    expect(web).toMatchObject({ actions: ['kms:Decrypt'], old: { access: 'conditional' }, new: { access: 'allow', decidedBy: 'key-policy' } });
    // Without the snapshots, the sources cannot be compared; the deciding statement is still named.
    expect(web.why).toEqual([
      'key-policy statement "WebUse" now decides',
      'key-policy statement "ViaLambda" no longer decides',
      'grant g-web no longer decides',
    ]);
    // Mixed: a report on one side, a snapshot on the other.
    const mixed = await kmsWhy(['diff', join(tmp, 'a.json'), after, '--output', 'json']);
    expect(JSON.parse(mixed.stdout).summary).toEqual(j.summary);
  });

  it('markdown and table', async () => {
    const after = changedSnapshot();
    const md = await kmsWhy(['diff', BASIC, after, '--output', 'markdown', '--action', 'kms:Decrypt']);
    expect(md.stdout).toContain('| **gained** | `arn:aws:iam::111122223333:role/web` | `kms:Decrypt` |');
    const t = await kmsWhy(['diff', BASIC, after, '--output', 'table', '--action', 'kms:Decrypt']);
    expect(t.stdout).toContain('┌');
    expect(t.stdout).toContain('gained');
  });

  it('an input that could not list every principal (account IAM unreadable): what it lacks is unknown, not lost or gained, and diff exits 3', async () => {
    // Both written by kms-why snapshot --account against the AWS stand-in; the second with GetAccountAuthorizationDetails denied.
    const full = `${ROOT}fixtures/snapshots/account.json`;
    const unread = `${ROOT}fixtures/snapshots/account-iam-unreadable.json`;
    const r = await kmsWhy(['diff', full, unread, '--action', 'kms:Encrypt', '--output', 'json']);
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout);
    expect(j.summary).toMatchObject({ gained: 0, lost: 0 });
    const app = j.changes.find((c: { principal: string }) => c.principal === 'arn:aws:iam::111122223333:role/app');
    expect(app).toMatchObject({ change: 'unknown', old: { access: 'allow' }, new: { access: 'unknown', decidedBy: null } });
    expect(app.new.notEvaluated).toMatch(/could not list every principal: IAM roles, users and policies of account 111122223333 could not be read/);
    expect(JSON.stringify(j.changes)).not.toMatch(/detached|no longer in the snapshot/);
    const text = await kmsWhy(['diff', full, unread, '--action', 'kms:Encrypt']);
    expect(text.stdout).not.toMatch(/LOST/);
    expect(text.stdout).toContain('after:  not evaluated');
    // The other way round: not gained; --fail-on-gain fails (the old input did not evaluate what the new one allows).
    const back = await kmsWhy(['diff', unread, full, '--action', 'kms:Encrypt', '--fail-on-gain']);
    expect(back.code).toBe(1);
    expect(back.stdout).not.toMatch(/GAINED/);
    expect((await kmsWhy(['diff', unread, full, '--action', 'kms:Encrypt'])).code).toBe(3);
  });

  it('a who-can report made with --principal or --key records its filters; diff does not read what it left out as denied', async () => {
    const filtered = await kmsWhy(['who-can', '--from', BASIC, '--all-keys', '--principal', 'role/app', '--output', 'json']);
    const f = JSON.parse(filtered.stdout);
    expect(f.filters).toEqual({ keys: null, principals: ['role/app'], actions: null });
    writeFileSync(join(tmp, 'filtered.json'), filtered.stdout);
    const r = await kmsWhy(['diff', BASIC, join(tmp, 'filtered.json'), '--output', 'json']);
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout);
    expect(j.summary).toMatchObject({ gained: 0, lost: 0 });
    expect(j.changes.length).toBeGreaterThan(0);
    for (const c of j.changes) expect(c.new.notEvaluated).toBe('the new input is a who-can report of only the principals matching --principal role/app');
    expect((await kmsWhy(['diff', BASIC, join(tmp, 'filtered.json'), '--fail-on-gain'])).code).toBe(1);
    const back = await kmsWhy(['diff', join(tmp, 'filtered.json'), BASIC]);
    expect(back.code).toBe(3);
    expect(back.stdout).not.toMatch(/GAINED|LOST/);
    // Unfiltered, the report says so; with --key and --action, it records them.
    expect(JSON.parse((await kmsWhy(['who-can', '--from', BASIC, '--all-keys', '--output', 'json'])).stdout).filters).toEqual({
      keys: null,
      principals: null,
      actions: null,
    });
    const one = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', 'kms:Decrypt', '--output', 'json']);
    expect(JSON.parse(one.stdout).filters).toEqual({ keys: ['alias/app'], principals: null, actions: ['kms:Decrypt'] });
  });

  describe('--principal with --redact', () => {
    // Roles whose placeholders one pattern's would be a substring of (role-1 is in role-10…): a
    // pattern redacted before it is matched keeps other principals than it did.
    const names = ['app', 'app2', 'team/app-team', ...Array.from({ length: 12 }, (_, i) => `w${i}`)];
    const snapshot = (without: string[] = []): string => {
      const s = JSON.parse(readFileSync(`${ROOT}fixtures/examples/pattern-1-key-policy-names-role.json`, 'utf8'));
      s.keys[0].Policy.Statement.push({
        Sid: 'Delegate',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: 'kms:Decrypt',
        Resource: '*',
      });
      const allow = [{ PolicyName: 'p', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] } }];
      s.principals = names.filter((n) => !without.includes(n)).map((n) => ({ Arn: `arn:aws:iam::111122223333:role/${n}`, IdentityPolicies: allow }));
      const f = join(tmp, `redact-filter-${without.join('-') || 'all'}.json`);
      writeFileSync(f, JSON.stringify(s));
      return f;
    };
    const report = async (from: string, ...more: string[]) =>
      JSON.parse((await kmsWhy(['who-can', '--from', from, '--key', 'alias/app', '--output', 'json', ...more])).stdout);
    const listed = (r: any): string[] => r.keys[0].principals.map((p: any) => p.principal);
    const save = (name: string, r: unknown): string => {
      const f = join(tmp, name);
      writeFileSync(f, JSON.stringify(r));
      return f;
    };

    it('keeps the principals the pattern matches without --redact, and records it redacted', async () => {
      const from = snapshot();
      for (const pattern of ['app', 'role/app', 'w1', '*/w1?', 'arn:aws:iam::111122223333:role/app*']) {
        const plain = await report(from, '--principal', pattern);
        const red = await report(from, '--principal', pattern, '--redact');
        expect(listed(red).length, pattern).toBe(listed(plain).length);
        expect(listed(plain).length, pattern).toBeGreaterThan(0);
        expect(red.filters, pattern).toMatchObject({ redacted: true, principals: [expect.any(String)] });
        expect(JSON.stringify(red), pattern).not.toMatch(/111122223333|role\/app|\bw1\b|app-team/);
      }
      expect(listed(await report(from, '--principal', 'w1', '--redact'))).toHaveLength(3); // w1, w10, w11
      expect((await report(from, '--principal', 'app')).filters).toEqual({ keys: ['alias/app'], principals: ['app'], actions: null });
    });

    it('diff does not read a principal a redacted filter left out as lost', async () => {
      const all = save('r-all.json', await report(snapshot(), '--redact'));
      const app = save('r-app.json', await report(snapshot(), '--principal', 'app', '--redact'));
      const r = JSON.parse((await kmsWhy(['diff', all, app, '--output', 'json'])).stdout);
      expect(r.summary).toMatchObject({ gained: 0, lost: 0 });
      expect(r.changes.length).toBeGreaterThan(0);
      for (const c of r.changes) expect(c.new.notEvaluated).toMatch(/written with --redact of only the principals matching --principal role-1/);
      // A principal the pattern matched that is gone: not known to be evaluated (its pattern cannot be matched again).
      const gone = save('r-app-gone.json', await report(snapshot(['app2']), '--principal', 'app', '--redact'));
      const g = JSON.parse((await kmsWhy(['diff', app, gone, '--output', 'json'])).stdout);
      expect(g.summary.lost).toBe(0);
      expect(g.changes.every((c: any) => c.change === 'unknown')).toBe(true);
    });

    it('diff --redact of reports written without it matches their patterns as they were written', async () => {
      const all = save('p-all.json', await report(snapshot()));
      const app = save('p-app.json', await report(snapshot(), '--principal', 'app'));
      const plain = JSON.parse((await kmsWhy(['diff', all, app, '--output', 'json'])).stdout);
      const red = JSON.parse((await kmsWhy(['diff', all, app, '--output', 'json', '--redact'])).stdout);
      expect(red.summary).toEqual(plain.summary);
      expect(red.summary).toMatchObject({ gained: 0, lost: 0 });
      expect(JSON.stringify(red)).not.toMatch(/role\/app|app-team|111122223333/);
      // A principal the pattern matched that is gone is lost, as without --redact.
      const gone = save('p-app-gone.json', await report(snapshot(['app2']), '--principal', 'app'));
      const p2 = JSON.parse((await kmsWhy(['diff', app, gone, '--output', 'json'])).stdout);
      const r2 = JSON.parse((await kmsWhy(['diff', app, gone, '--output', 'json', '--redact'])).stdout);
      expect(p2.summary.lost).toBeGreaterThan(0);
      expect(r2.summary).toEqual(p2.summary);
    });
  });

  it('access that became unknown: exit 3 (whether it changed cannot be said)', async () => {
    const s = JSON.parse(readFileSync(BASIC, 'utf8'));
    s.keys[0].Grants = { kmsWhyUnreadable: { reason: 'AccessDeniedException on kms:ListGrants' } };
    writeFileSync(join(tmp, 'grants-unreadable.json'), JSON.stringify(s));
    const r = await kmsWhy(['diff', BASIC, join(tmp, 'grants-unreadable.json')]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/UNKNOWN/);
  });

  it('exit 2 on bad input', async () => {
    expect((await kmsWhy(['diff', BASIC])).code).toBe(2);
    const missing = await kmsWhy(['diff', BASIC, `${tmp}/nope.json`]);
    expect(missing.code).toBe(2);
    writeFileSync(join(tmp, 'v9.json'), JSON.stringify({ kmsWhyWhoCan: 9, keys: [] }));
    const v9 = await kmsWhy(['diff', BASIC, join(tmp, 'v9.json')]);
    expect(v9.code).toBe(2);
    expect(v9.stderr).toContain('unsupported who-can report version 9');
    const noKey = await kmsWhy(['diff', BASIC, BASIC, '--key', 'alias/nope']);
    expect(noKey.code).toBe(2);
  });
});

// ─── the request time (--at) ────────────────────────────────────────────────────────────────────

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const BOB = 'arn:aws:iam::111122223333:user/Bob';

/** One key whose policy enables IAM policies (plus `statements`), Bob without policies, and `grants`. */
function timeSnapshot(name: string, grants: unknown[], statements: unknown[] = []): string {
  const s = {
    kmsWhySnapshot: 1,
    region: 'us-east-1',
    keys: [
      {
        KeyMetadata: {
          KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
          Arn: KEY_ARN,
          AWSAccountId: '111122223333',
          KeyState: 'Enabled',
          KeyManager: 'CUSTOMER',
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeySpec: 'SYMMETRIC_DEFAULT',
          MultiRegion: false,
          Origin: 'AWS_KMS',
        },
        Aliases: [],
        Tags: [],
        Policy: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'EnableIAM', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
            ...statements,
          ],
        },
        Grants: grants,
      },
    ],
    principals: [{ Arn: BOB, IdentityPolicies: [], Tags: [] }],
  };
  const file = join(tmp, name);
  writeFileSync(file, JSON.stringify(s));
  return file;
}

const FRESH_GRANT = {
  KeyId: KEY_ARN,
  GrantId: 'g-fresh',
  IssuingAccount: 'arn:aws:iam::111122223333:root',
  CreationDate: '2026-01-01T00:00:00Z',
  GranteePrincipal: BOB,
  Operations: ['Decrypt'],
};

/** Bob's answer on kms:Decrypt in a who-can JSON report (null: denied). */
function bobDecrypt(report: string): { access: string; unreadable?: string[] } | null {
  const j = JSON.parse(report);
  const a = j.keys[0].actions.find((x: { action: string }) => x.action === 'kms:Decrypt');
  return a.principals.find((p: { principal: string }) => p.principal === BOB) ?? null;
}

describe('kms-why who-can --at: every request made at one time, as check makes it', () => {
  it('a grant created under five minutes before --at may not be in effect yet: unknown, as check says; five minutes on, allowed', async () => {
    const file = timeSnapshot('fresh-grant.json', [FRESH_GRANT]);
    const early = await kmsWhy(['who-can', '--from', file, '--all-keys', '--action', 'kms:Decrypt', '--output', 'json', '--at', '2026-01-01T00:02:00Z']);
    expect(early.code).toBe(3);
    expect(JSON.parse(early.stdout).at).toBe('2026-01-01T00:02:00Z');
    const e = bobDecrypt(early.stdout);
    expect(e?.access).toBe('unknown');
    expect(e?.unreadable?.[0]).toMatch(/^whether grant g-fresh is in effect yet: it was created at 2026-01-01T00:00:00/);
    const check = await runMain(['check', '--from', file, '--key', KEY_ARN, '--principal', BOB, '--action', 'kms:Decrypt', '--at', '2026-01-01T00:02:00Z']);
    expect(check.code).toBe(3);
    expect(check.stdout).toMatch(/UNKNOWN/);
    const later = await kmsWhy(['who-can', '--from', file, '--all-keys', '--action', 'kms:Decrypt', '--output', 'json', '--at', '2026-01-01T00:06:00Z']);
    expect(later.code).toBe(0);
    expect(bobDecrypt(later.stdout)).toMatchObject({ access: 'allow', decidedBy: 'grant' });
  });

  it('without --at the requests are made at the time of the run, recorded in the JSON report', async () => {
    const before = Date.now();
    const r = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--action', 'kms:Decrypt', '--output', 'json']);
    const at = Date.parse(JSON.parse(r.stdout).at);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    // Read back, as diff reads a report.
    expect(parseWhoCanJson(JSON.parse(r.stdout), 'r.json').at).toBe(JSON.parse(r.stdout).at);
  });

  it('aws:CurrentTime is the request time, which no request can choose: an Allow that has expired is no conditional access', async () => {
    const expired = {
      Sid: 'BobUntil2025',
      Effect: 'Allow',
      Principal: { AWS: BOB },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:CurrentTime': '2025-01-01T00:00:00Z' } },
    };
    const file = timeSnapshot('expired.json', [], [expired]);
    const after = await kmsWhy(['who-can', '--from', file, '--all-keys', '--action', 'kms:Decrypt', '--output', 'json', '--at', '2026-01-01T00:00:00Z']);
    expect(after.code).toBe(0);
    expect(bobDecrypt(after.stdout)).toBeNull();
    const before = await kmsWhy(['who-can', '--from', file, '--all-keys', '--action', 'kms:Decrypt', '--output', 'json', '--at', '2024-06-01T00:00:00Z']);
    expect(bobDecrypt(before.stdout)).toMatchObject({ access: 'allow', decidedBy: 'key-policy' });
  });

  it('a malformed --at is a usage error, as check says it', async () => {
    const r = await kmsWhy(['who-can', '--from', BASIC, '--key', 'alias/app', '--at', 'tomorrow']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kms-why: error: --at "tomorrow" is not an ISO 8601 date and time');
    expect(r.stderr).toContain('Write it as --at 2026-01-31T09:30:00Z');
    const d = await kmsWhy(['diff', BASIC, BASIC, '--at', '1700000000']);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('kms-why: error: --at "1700000000" is not an ISO 8601 date and time');
  });

  it('diff makes the requests of a snapshot side at --at: a grant too new to be known in effect is no gain, but unknown', async () => {
    const old = timeSnapshot('no-grant.json', []);
    const neu = timeSnapshot('fresh-grant-2.json', [FRESH_GRANT]);
    const early = await kmsWhy(['diff', old, neu, '--action', 'kms:Decrypt', '--output', 'json', '--at', '2026-01-01T00:02:00Z']);
    expect(early.code).toBe(3);
    expect(JSON.parse(early.stdout).summary).toMatchObject({ gained: 0, unknown: 1 });
    const later = await kmsWhy(['diff', old, neu, '--action', 'kms:Decrypt', '--output', 'json', '--at', '2026-01-01T00:06:00Z']);
    expect(later.code).toBe(0);
    expect(JSON.parse(later.stdout).summary).toMatchObject({ gained: 1, unknown: 0 });
  });
});
