// Issue 17: input grammar, single-value flags, --scp-file/--rcp-file with --from, safe file
// writes, and the live answers that are not answers (exit 3 naming the operation).

import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AtomicFile, writeAtomically } from '../../src/cli/io.js';
import { runMain } from './in-process.js';
import { InputError } from '../../src/model/errors.js';
import { parseJsonText } from '../../src/sources/json-file.js';
import { scanJson } from '../../src/sources/json-scan.js';
import { parsePolicyDocument } from '../../src/sources/policy-document.js';
import { startAwsServer, type AwsServer } from '../helpers/aws-server.js';
import { EXAMPLES, kmsWhyLive, LAMBDA_ARGS as ARGS, type RunResult } from './helpers.js';

const LAMBDA_ARGS = ['decrypt', ...ARGS];

const dir = mkdtempSync(join(tmpdir(), 'kms-why-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runMain(args, { NO_COLOR: '1' });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

describe('policy grammar', () => {
  const parse = (doc: string): unknown => parsePolicyDocument(doc, { source: 'key-policy', name: 'key policy', file: 'f.json', path: 'Policy' });
  test('duplicate keys are refused, with the JSON path', () => {
    expect(() => parse('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*"}]}')).toThrow(
      /Policy\.Statement\[0\]: duplicate key "Effect"/,
    );
    expect(() => parseJsonText('{"a":{"b":1,"c":[{"x":1},{"x":2,"\\u0078":3}]}}', 'f.json')).toThrow(
      /f\.json: a\.c\[1\]: duplicate key "x" \(at line 1, column 33\)/,
    );
    expect(scanJson('{"a":"\\"b\\"","b":{"a":1},"c":[1,{"a":1,"b":2}]}').duplicate).toBeUndefined();
    expect(scanJson('{"k":1,"k2":{"s":"}{,\\\\"},"k":2}').duplicate).toMatchObject({ key: 'k', path: '' });
  });
  test('Version is 2012-10-17 or 2008-10-17', () => {
    expect(() => parse('{"Version":"2012-10-18","Statement":[]}')).toThrow(/Policy\.Version: Version "2012-10-18" is not a policy language version/);
    expect(() => parse('{"Version":"2008-10-17","Statement":[]}')).not.toThrow();
  });
  test('an empty condition operator block is not "no condition"', () => {
    expect(() =>
      parse('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{}}}]}'),
    ).toThrow(/Condition\.StringEquals: the StringEquals block names no condition key/);
  });
});

describe('flags', () => {
  test('a single-value flag given twice is a usage error', async () => {
    for (const flag of [
      ['--principal', 'arn:aws:iam::111122223333:role/x'],
      ['--key', 'alias/x'],
      ['--expect', 'allow'],
      ['--output', 'json'],
      ['--timeout', '3'],
    ]) {
      const r = await run([...LAMBDA_ARGS, '--expect', 'deny', '--output', 'text', '--timeout', '2', ...flag]);
      expect(r.code, flag.join(' ')).toBe(2);
      expect(r.err).toMatch(new RegExp(`${flag[0]} is given more than once`));
    }
    // Repeatable flags stay repeatable.
    expect((await run([...LAMBDA_ARGS, '--context', 'a=b', '--output', 'text'])).code).toBe(1);
  });
  test('who-can: --key, --action, --from and --principal repeat, as its help says', async () => {
    const account = `${EXAMPLES}account-snapshot.json`;
    const whoCan = async (args: string[]) => {
      const r = await run(['who-can', ...args, '--output', 'json']);
      expect(r.err, args.join(' ')).not.toMatch(/given more than once/);
      expect(r.code, args.join(' ')).toBe(0);
      return JSON.parse(r.out) as { keys: { key: string; principals: { principal: string }[]; actions: { action: string }[] }[] };
    };
    const keys = await whoCan(['--from', account, '--key', 'alias/app', '--key', 'alias/app', '--action', 'kms:Decrypt']);
    expect(keys.keys).toHaveLength(1);
    const actions = await whoCan(['--from', account, '--all-keys', '--action', 'kms:Decrypt', '--action', 'kms:Encrypt']);
    expect(actions.keys[0]!.actions.map((a) => a.action)).toEqual(['kms:Decrypt', 'kms:Encrypt']);
    const principals = await whoCan(['--from', account, '--all-keys', '--action', 'kms:Decrypt', '--principal', 'role/app', '--principal', 'user/alice']);
    expect(
      principals.keys[0]!.principals.map((p) => p.principal)
        .filter((p) => p !== '*')
        .sort(),
    ).toEqual(['arn:aws:iam::111122223333:role/app', 'arn:aws:iam::111122223333:user/alice']);
    // AWS CLI outputs as separate --from files, merged: the key policy comes from the second file.
    const merged = await run([
      'who-can',
      '--from',
      `${EXAMPLES}../aws-cli/describe-key.json`,
      '--from',
      `${EXAMPLES}../aws-cli/get-key-policy.json`,
      '--all-keys',
      '--action',
      'kms:Decrypt',
      '--output',
      'json',
    ]);
    expect(merged.err).not.toMatch(/given more than once/);
    expect(JSON.parse(merged.out).keys[0].principals.length).toBeGreaterThan(0);
  });
  test('--timeout is checked with --from too', async () => {
    expect((await run([...LAMBDA_ARGS, '--timeout', '0'])).code).toBe(2);
    expect((await run([...LAMBDA_ARGS, '--timeout', 'soon'])).code).toBe(2);
    expect((await run(['grants', '--from', `${EXAMPLES}lambda-env-grant.json`, '--all-keys', '--timeout', '-1'])).code).toBe(2);
    expect((await run([...LAMBDA_ARGS, '--timeout', '2.5'])).code).toBe(0);
  });
  test('--context with prototype names are ordinary keys', async () => {
    const r = await run([...LAMBDA_ARGS, '--context', 'constructor=x', '--context', '__proto__=y', '--output', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).request.encryptionContext).toMatchObject({ constructor: 'x', ['__proto__']: 'y' });
  });
  test('an invalid partition is invalid input', async () => {
    const args = LAMBDA_ARGS.map((a) => a.replace('arn:aws:sts', 'arn:aws-mars:sts'));
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/"aws-mars" is not an AWS partition/);
  });
});

describe('--scp-file and --rcp-file with --from', () => {
  const deny = join(dir, 'deny.json');
  writeFileSync(deny, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }] }));
  test('they apply', async () => {
    expect((await run([...LAMBDA_ARGS, '--output', 'text'])).code).toBe(0);
    const scp = await run([...LAMBDA_ARGS, '--scp-file', deny, '--output', 'json']);
    expect(scp.code).toBe(1);
    expect(JSON.parse(scp.out).results[0].decidedBy).toBe('explicit-deny');
    expect((await run([...LAMBDA_ARGS, '--rcp-file', deny])).code).toBe(1);
  });
  test('who-can and explain-error read them too (they were left unread there: a confident allow)', async () => {
    const whoCan = ['who-can', '--from', `${EXAMPLES}lambda-env-grant.json`, '--all-keys', '--action', 'kms:Decrypt', '--output', 'json'];
    const allowed = async (extra: string[]) => {
      const { summary } = JSON.parse((await run([...whoCan, ...extra])).out);
      return (summary.allowed as number) + (summary.conditional as number);
    };
    expect(await allowed([])).toBeGreaterThan(0);
    expect(await allowed(['--scp-file', deny])).toBe(0);
    expect(await allowed(['--rcp-file', deny])).toBe(0);
    const role = LAMBDA_ARGS[LAMBDA_ARGS.indexOf('--principal') + 1]!;
    const key = JSON.parse((await run(whoCan)).out).keys[0].key as string;
    const message = `User: ${role} is not authorized to perform: kms:Decrypt on resource: ${key} with an explicit deny in a service control policy`;
    const fromFile = await run(['explain-error', message, '--from', `${EXAMPLES}lambda-env-grant.json`, '--scp-file', deny, '--output', 'json']);
    expect(fromFile.out).toContain('"decidedBy": "explicit-deny"');
  });
  test('the single-policy files are the SCPs of one level: their Allow statements are OR-ed', async () => {
    const full = join(dir, 'full.json');
    writeFileSync(full, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));
    const s3 = join(dir, 's3-only.json');
    writeFileSync(s3, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }));
    const both = await run([...LAMBDA_ARGS, '--scp-file', full, '--scp-file', s3, '--output', 'json']);
    expect(both.code).toBe(0);
    const r = JSON.parse(both.out).results[0];
    expect(r.decision).toBe('allow');
    expect(r.assumptions.join(' ')).not.toMatch(/FullAWSAccess/);
    // The allow-list alone is the level: kms:Decrypt is not in it.
    const alone = JSON.parse((await run([...LAMBDA_ARGS, '--scp-file', s3, '--output', 'json'])).out).results[0];
    expect([alone.decision, alone.decidedBy]).toEqual(['deny', 'scp']);
    // A deny-list file beside the allow-list: the advice is to allow it in the allow-list.
    const denyEnc = join(dir, 'deny-encrypt.json');
    writeFileSync(denyEnc, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kms:Encrypt', Resource: '*' }] }));
    const mixed = JSON.parse((await run([...LAMBDA_ARGS, '--scp-file', denyEnc, '--scp-file', s3, '--output', 'json'])).out).results[0];
    expect([mixed.decision, mixed.decidedBy]).toEqual(['deny', 'scp']);
    expect(mixed.hints.join(' ')).toMatch(/level 1 \(deny-encrypt, s3-only\) do not allow kms:Decrypt.*allow it in s3-only\./);
    // The deny-list alone: FullAWSAccess assumed beside it, and said.
    const denyOnly = JSON.parse((await run([...LAMBDA_ARGS, '--scp-file', denyEnc, '--output', 'json'])).out).results[0];
    expect(denyOnly.decision).toBe('allow');
    expect(denyOnly.assumptions.join(' ')).toMatch(/FullAWSAccess attached too/);
  });
  test('a missing or garbage file is exit 2', async () => {
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, '{"Statement": 7}');
    expect((await run([...LAMBDA_ARGS, '--scp-file', join(dir, 'nope.json')])).code).toBe(2);
    expect((await run([...LAMBDA_ARGS, '--rcp-file', garbage])).code).toBe(2);
  });
  test('kms-why grants refuses them', async () => {
    const r = await run(['grants', '--from', `${EXAMPLES}lambda-env-grant.json`, '--all-keys', '--scp-file', deny]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/do not apply to kms-why grants/);
  });
});

describe('safe file writes', () => {
  test('a new file is 0600; a replaced file keeps its mode; no temporary file stays', async () => {
    const d = mkdtempSync(join(dir, 'w-'));
    await writeAtomically(join(d, 'a.json'), 'one');
    expect(statSync(join(d, 'a.json')).mode & 0o777).toBe(0o600);
    chmodSync(join(d, 'a.json'), 0o640);
    await writeAtomically(join(d, 'a.json'), 'two');
    expect(readFileSync(join(d, 'a.json'), 'utf8')).toBe('two');
    expect(statSync(join(d, 'a.json')).mode & 0o777).toBe(0o640);
    expect(readdirSync(d)).toEqual(['a.json']);
  });
  test('pieces are written in order, long or short, as UTF-8; a failed write leaves the file as it was and is thrown, naming it', async () => {
    const d = mkdtempSync(join(dir, 'p-'));
    const pieces = ['€'.repeat(90_000), 'é ✓ 😀', 'x'.repeat(100_000), '{"a":1}\n'];
    await writeAtomically(join(d, 'p.json'), pieces);
    expect(readFileSync(join(d, 'p.json'), 'utf8')).toBe(pieces.join(''));
    writeFileSync(join(d, 'keep.json'), 'keep');
    const f = await AtomicFile.create(join(d, 'keep.json'));
    f.write('first');
    // The temporary file's descriptor closed under it: the next write fails.
    closeSync((f as unknown as { fh: { fd: number } }).fh.fd);
    f.write('second');
    f.write('third');
    await expect(f.settle()).rejects.toThrow(/cannot write .*keep\.json/);
    await expect(f.commit()).rejects.toThrow(/cannot write .*keep\.json/);
    expect(readFileSync(join(d, 'keep.json'), 'utf8')).toBe('keep');
    expect(readdirSync(d).sort()).toEqual(['keep.json', 'p.json']);
  });
  test('devices, FIFOs, directories and (without --force) symlinks are refused, exit 2 naming the path', async () => {
    const d = mkdtempSync(join(dir, 'r-'));
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'real.json'), 'keep');
    symlinkSync(join(d, 'real.json'), join(d, 'link.json'));
    await expect(writeAtomically('/dev/null', 'x')).rejects.toThrow(/cannot write \/dev\/null: it is a device/);
    await expect(writeAtomically(join(d, 'sub'), 'x')).rejects.toThrow(/it is a directory/);
    await expect(writeAtomically(join(d, 'link.json'), 'x')).rejects.toThrow(/is a symbolic link/);
    await expect(writeAtomically(join(d, 'missing', 'x.json'), 'x')).rejects.toThrow(InputError);
    expect(readFileSync(join(d, 'real.json'), 'utf8')).toBe('keep');
    await writeAtomically(join(d, 'link.json'), 'new', { force: true });
    expect(readFileSync(join(d, 'real.json'), 'utf8')).toBe('new');
    expect(lstatSync(join(d, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['link.json', 'real.json', 'sub']);
    const r = await run(['grants', '--from', `${EXAMPLES}lambda-env-grant.json`, '--all-keys', '--write-expect', join(d, 'sub')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot write .*sub: it is a directory/);
    expect(existsSync('/dev/null')).toBe(true);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });
  test('an output that is one of the inputs is refused before anything is read or written (another path to it too)', async () => {
    const d = mkdtempSync(join(dir, 'same-'));
    const snap = join(d, 'account.json');
    copyFileSync(`${EXAMPLES}account-snapshot.json`, snap);
    const before = readFileSync(snap, 'utf8');
    symlinkSync(snap, join(d, 'alias.json'));
    for (const argv of [
      ['who-can', '--from', snap, '--key', 'alias/app', '--output', 'json', '--output-file', snap],
      ['who-can', '--from', join(d, 'alias.json'), '--key', 'alias/app', '--output-file', snap],
      ['diff', snap, `${EXAMPLES}account-snapshot-after.json`, '--report', `sarif=${snap}`],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/is also an input of this command/);
    }
    expect(readFileSync(snap, 'utf8')).toBe(before);
  });

  test('with --force, a link to a file not there yet makes the file where it points and keeps the link', async () => {
    const d = mkdtempSync(join(dir, 'dangling-'));
    symlinkSync('target.json', join(d, 'link.json'));
    await writeAtomically(join(d, 'link.json'), 'new', { force: true });
    expect(lstatSync(join(d, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(d, 'target.json'), 'utf8')).toBe('new');
    expect(readdirSync(d).sort()).toEqual(['link.json', 'target.json']);
  });
});

describe('answers that are not answers, through the CLI', () => {
  let server: AwsServer;
  beforeAll(async () => {
    server = await startAwsServer();
  });
  afterAll(async () => {
    await server.close();
  });
  function live(args: string[]): Promise<RunResult> {
    return kmsWhyLive(server, [...args, '--timeout', '1'], { env: { NO_COLOR: '1' } });
  }
  const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  test('ListGrants without Grants: grants is exit 3, never a silent pass', async () => {
    server.reset();
    server.script('ListGrants', { reply: { Truncated: false } });
    const r = await live(['grants', '--key', KEY, '--output', 'text']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/kms:ListGrants/);
  });

  test('an HTML answer to ListRolePolicies: the verdicts that need it are unknown (exit 3)', async () => {
    server.reset();
    server.script('ListRolePolicies', 'html');
    const r = await live(['decrypt', '--key', KEY, '--principal', 'arn:aws:iam::111122223333:role/app', '--output', 'text']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/iam:ListRolePolicies/);
  });

  test('an empty DescribeKey answer is no crash', async () => {
    server.reset();
    server.script('DescribeKey', 'empty');
    const byArn = await live(['decrypt', '--key', KEY, '--principal', 'arn:aws:iam::111122223333:role/app', '--output', 'text']);
    expect(byArn.code).toBe(3);
    expect(byArn.stdout).toMatch(/kms:DescribeKey/);
    const byAlias = await live(['decrypt', '--key', 'alias/app', '--principal', 'arn:aws:iam::111122223333:role/app', '--output', 'text']);
    expect(byAlias.code).toBe(3);
    expect(byAlias.stderr).toMatch(/DescribeKey/);
  });

  test('kms lambda with GetFunctionConfiguration denied: exit 3 naming the permission', async () => {
    server.reset();
    server.script('GetFunctionConfiguration', 'deny');
    const r = await live(['lambda', 'my-function']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/lambda:GetFunctionConfiguration/);
    expect(r.stderr).not.toMatch(/check the function name/i);
    server.reset();
    server.script('GetFunctionConfiguration', 'not-found');
    expect((await live(['lambda', 'my-function'])).code).toBe(2);
  });

  test('an unreadable key policy: the walk does not claim "no Deny statement applies"', async () => {
    server.reset();
    server.script('GetKeyPolicy', 'deny');
    const r = await live(['decrypt', '--key', KEY, '--principal', 'arn:aws:iam::111122223333:role/app', '--output', 'text']);
    expect(r.code).toBe(3);
    expect(r.stdout).not.toMatch(/no Deny statement applies\b(?! among)/);
  });
});

describe('key specs', () => {
  test('an unknown key spec is invalid input, with the JSON path', () => {
    const doc = JSON.parse(readFileSync(`${EXAMPLES}lambda-env-grant.json`, 'utf8')) as { keys: Array<{ KeyMetadata: Record<string, unknown> }> };
    doc.keys[0]!.KeyMetadata.KeySpec = 'RSA_1024';
    const file = join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify(doc));
    return run(['decrypt', '--from', file, '--key', 'alias/app-env', '--principal', 'arn:aws:iam::111122223333:role/x']).then((r) => {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/keys\[0\]\.KeyMetadata\.KeySpec: unknown key spec "RSA_1024"/);
    });
  });
});
