import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, kmsWhy, LAMBDA_ARGS, LAMBDA_GRANT_ID, RETIRED_ARGS, ROOT } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'kms-why-cli-'));
const write = (name: string, content: string | Buffer): string => {
  const f = join(tmp, name);
  writeFileSync(f, content);
  return f;
};

describe('kms-why decrypt on the seed story', () => {
  it('explains that the Lambda grant, not the key policy or IAM, allows Decrypt (exit 0)', () => {
    const r = kmsWhy(['decrypt', ...LAMBDA_ARGS, '--output', 'text']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('ALLOW');
    expect(r.stdout).toContain(LAMBDA_GRANT_ID);
    // The reason is wrapped in its table cell (80 columns): read with the lines joined.
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('allowed by a grant for this principal, not by the key policy or IAM');
  });

  it('denies once the grant is retired, saying nothing allowed it (exit 1)', () => {
    const r = kmsWhy(['decrypt', ...RETIRED_ARGS, '--output', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.kmsWhyReport).toBe(1);
    expect(report.results[0]).toMatchObject({ action: 'kms:Decrypt', decision: 'deny', decidedBy: 'implicit-deny', reasons: [] });
    expect(report.results[0].hints.join(' ')).toMatch(/no key-policy statement, no IAM delegation and no grant/i);
  });

  it('--expect deny turns an expected deny into exit 0, and an allow into exit 1', () => {
    expect(kmsWhy(['decrypt', ...RETIRED_ARGS, '--expect', 'deny', '--output', 'json']).code).toBe(0);
    expect(kmsWhy(['decrypt', ...LAMBDA_ARGS, '--expect', 'deny', '--output', 'json']).code).toBe(1);
  });

  it('the JSON report follows the contract', () => {
    const r = kmsWhy(['check', '--action', 'kms:Decrypt,kms:Encrypt', ...LAMBDA_ARGS, '--output', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      kmsWhyReport: 1,
      key: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      principal: 'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function',
      request: { encryptionContext: { 'aws:lambda:FunctionArn': 'arn:aws:lambda:us-east-1:111122223333:function:my-function' }, viaService: null },
    });
    expect(report.results.map((x: { action: string; decision: string }) => [x.action, x.decision])).toEqual([
      ['kms:Decrypt', 'allow'],
      ['kms:Encrypt', 'deny'],
    ]);
    const decrypt = report.results[0];
    expect(decrypt.reasons).toEqual([{ source: 'grant', id: LAMBDA_GRANT_ID, effect: 'Allow' }]);
    for (const key of ['trace', 'missingContext', 'hints', 'assumptions']) expect(Array.isArray(decrypt[key])).toBe(true);
  });

  it('reads the snapshot from stdin with --from -', () => {
    const input = readFileSync(`${EXAMPLES}lambda-env-grant.json`, 'utf8');
    const args = LAMBDA_ARGS.map((a) => (a.endsWith('.json') ? '-' : a));
    const r = kmsWhy(['decrypt', ...args, '--output', 'json'], { input });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results[0].decidedBy).toBe('grant');
  });
});

describe('the four key-policy patterns', () => {
  const run = (file: string, action = 'decrypt') =>
    kmsWhy([action, '--from', `${EXAMPLES}${file}`, '--key', 'alias/app', '--principal', 'arn:aws:sts::111122223333:assumed-role/app/s1', '--output', 'json']);
  it.each([
    ['pattern-1-key-policy-names-role.json', 0, 'key-policy'],
    ['pattern-2-iam-only-no-delegation.json', 1, 'implicit-deny'],
    ['pattern-3-delegation-with-iam.json', 0, 'key-policy-and-iam'],
    ['pattern-4-delegation-without-iam.json', 1, 'implicit-deny'],
  ])('%s → exit %i, %s', (file, code, decidedBy) => {
    const r = run(file);
    expect(r.code).toBe(code);
    expect(JSON.parse(r.stdout).results[0].decidedBy).toBe(decidedBy);
  });
  it('pattern 2 says why the IAM allow has no effect', () => {
    const hints: string[] = JSON.parse(run('pattern-2-iam-only-no-delegation.json').stdout).results[0].hints;
    expect(hints.join(' ')).toMatch(/has no effect because the key policy does not delegate kms:Decrypt to account 111122223333/);
  });
});

describe('commands, help and version', () => {
  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    const r = kmsWhy(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
  it.each([
    'check',
    'decrypt',
    'encrypt',
    'generate-data-key',
    're-encrypt',
    'create-grant',
    'retire-grant',
    'describe-key',
    'put-key-policy',
    'list-keys',
    'create-alias',
  ])('%s --help shows an example and the exit codes', (cmd) => {
    const r = kmsWhy([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Example');
    expect(r.stdout).toContain(`kms-why ${cmd}`);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*3 +at least one verdict is unknown/);
  });
  it('re-encrypt checks ReEncryptFrom on the source and ReEncryptTo on the destination', () => {
    const r = kmsWhy([
      're-encrypt',
      '--from',
      `${EXAMPLES}pattern-1-key-policy-names-role.json`,
      '--key',
      'alias/app',
      '--destination-key',
      'alias/app',
      '--principal',
      'arn:aws:sts::111122223333:assumed-role/app/s',
      '--output',
      'json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results.map((x: { action: string }) => x.action)).toEqual(['kms:ReEncryptFrom', 'kms:ReEncryptTo']);
  });
  it('re-encrypt: --encryption-algorithm is the source key’s, --destination-encryption-algorithm the destination’s (default SYMMETRIC_DEFAULT)', () => {
    const key = (id: string, spec: string, alias: string, alg: string) => ({
      KeyMetadata: {
        KeyId: id,
        Arn: `arn:aws:kms:us-east-1:111122223333:key/${id}`,
        AWSAccountId: '111122223333',
        KeyState: 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: spec,
      },
      Aliases: [alias],
      Tags: [],
      Grants: [],
      Policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::111122223333:role/app' },
            Action: 'kms:ReEncrypt*',
            Resource: '*',
            Condition: { StringEquals: { 'kms:EncryptionAlgorithm': alg } },
          },
        ],
      },
    });
    // RSA-encrypted data re-encrypted under a symmetric key.
    const snap = write(
      'reencrypt-algorithms.json',
      JSON.stringify({
        kmsWhySnapshot: 1,
        keys: [
          key('1234abcd-12ab-34cd-56ef-1234567890ab', 'RSA_2048', 'alias/rsa', 'RSAES_OAEP_SHA_256'),
          key('22222222-12ab-34cd-56ef-1234567890ab', 'SYMMETRIC_DEFAULT', 'alias/sym', 'SYMMETRIC_DEFAULT'),
        ],
        principals: [{ Arn: 'arn:aws:iam::111122223333:role/app', IdentityPolicies: [] }],
      }),
    );
    const ask = (...more: string[]) => {
      const r = kmsWhy([
        're-encrypt',
        '--from',
        snap,
        '--key',
        'alias/rsa',
        '--destination-key',
        'alias/sym',
        '--principal',
        'arn:aws:sts::111122223333:assumed-role/app/s',
        '--encryption-algorithm',
        'RSAES_OAEP_SHA_256',
        ...more,
        '--output',
        'json',
      ]);
      return JSON.parse(r.stdout).results.map((x: { action: string; decision: string }) => [x.action, x.decision]);
    };
    expect(ask()).toEqual([
      ['kms:ReEncryptFrom', 'allow'],
      ['kms:ReEncryptTo', 'allow'],
    ]);
    expect(ask('--destination-encryption-algorithm', 'RSAES_OAEP_SHA_1')[1]).toEqual(['kms:ReEncryptTo', 'deny']);
  });
  it('re-encrypt knows kms:ReEncryptOnSameKey from its two keys (a Deny on re-encrypting under the same key decides)', () => {
    const statement = (effect: string, condition?: unknown) => ({
      Effect: effect,
      Principal: effect === 'Deny' ? '*' : { AWS: 'arn:aws:iam::111122223333:role/app' },
      Action: 'kms:ReEncrypt*',
      Resource: '*',
      ...(condition !== undefined ? { Condition: condition } : {}),
    });
    const key = (id: string, alias: string) => ({
      KeyMetadata: {
        KeyId: id,
        Arn: `arn:aws:kms:us-east-1:111122223333:key/${id}`,
        AWSAccountId: '111122223333',
        KeyState: 'Enabled',
        KeySpec: 'SYMMETRIC_DEFAULT',
      },
      Aliases: [alias],
      Tags: [],
      Grants: [],
      Policy: { Version: '2012-10-17', Statement: [statement('Allow'), statement('Deny', { Bool: { 'kms:ReEncryptOnSameKey': 'true' } })] },
    });
    const snap = write(
      'reencrypt-same-key.json',
      JSON.stringify({
        kmsWhySnapshot: 1,
        keys: [key('1234abcd-12ab-34cd-56ef-1234567890ab', 'alias/src'), key('22222222-12ab-34cd-56ef-1234567890ab', 'alias/dst')],
        principals: [{ Arn: 'arn:aws:iam::111122223333:role/app', IdentityPolicies: [] }],
      }),
    );
    const ask = (dest: string, ...more: string[]) => {
      const r = kmsWhy([
        're-encrypt',
        '--from',
        snap,
        '--key',
        'alias/src',
        '--destination-key',
        dest,
        '--principal',
        'arn:aws:iam::111122223333:role/app',
        ...more,
        '--output',
        'json',
      ]);
      return JSON.parse(r.stdout).results.map((x: { decision: string }) => x.decision);
    };
    expect(ask('alias/dst')).toEqual(['allow', 'allow']);
    // The same key by another name (its ARN) is the same key.
    expect(ask('arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab')).toEqual(['deny', 'deny']);
    // A --condition says otherwise, and wins.
    expect(ask('alias/dst', '--condition', 'kms:ReEncryptOnSameKey=true')).toEqual(['deny', 'deny']);
  });

  it('check --action all covers every action the key can do, and no others', () => {
    const r = kmsWhy([
      'check',
      '--action',
      'all',
      '--from',
      `${EXAMPLES}pattern-1-key-policy-names-role.json`,
      '--key',
      'alias/app',
      '--principal',
      'arn:aws:iam::111122223333:role/KeyAdminRole',
      '--output',
      'json',
    ]);
    const actions: string[] = JSON.parse(r.stdout).results.map((x: { action: string }) => x.action);
    expect(actions).toContain('kms:Decrypt');
    expect(actions).toContain('kms:PutKeyPolicy');
    expect(actions).not.toContain('kms:Sign'); // a symmetric key cannot sign
    expect(actions).not.toContain('kms:ListKeys'); // IAM-only: not about this key
  });
  it('merges several AWS CLI outputs given as --from files', () => {
    const r = kmsWhy([
      'describe-key',
      '--from',
      `${ROOT}fixtures/aws-cli/describe-key.json`,
      '--from',
      `${ROOT}fixtures/aws-cli/get-key-policy.json`,
      '--from',
      `${ROOT}fixtures/aws-cli/list-grants.json`,
      '--key',
      JSON.parse(readFileSync(`${ROOT}fixtures/aws-cli/describe-key.json`, 'utf8')).KeyMetadata.Arn,
      '--principal',
      'arn:aws:iam::111122223333:root',
      '--output',
      'json',
    ]);
    expect([0, 1, 3]).toContain(r.code);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).results[0].action).toBe('kms:DescribeKey');
  });
});

describe('unknown inputs give exit 3, never a guess', () => {
  it('a principal missing from the snapshot makes a key-policy allow unknown', () => {
    const r = kmsWhy([
      'decrypt',
      '--from',
      `${EXAMPLES}pattern-1-key-policy-names-role.json`,
      '--key',
      'alias/app',
      '--principal',
      'arn:aws:sts::111122223333:assumed-role/app/s',
      '--output',
      'json',
    ]);
    expect(r.code).toBe(0); // role entry present: known
    const snap = JSON.parse(readFileSync(`${EXAMPLES}pattern-1-key-policy-names-role.json`, 'utf8'));
    snap.principals = [];
    const f = write('no-principal.json', JSON.stringify(snap));
    const u = kmsWhy(['decrypt', '--from', f, '--key', 'alias/app', '--principal', 'arn:aws:sts::111122223333:assumed-role/app/s', '--output', 'json']);
    expect(u.code).toBe(3);
    const res = JSON.parse(u.stdout).results[0];
    expect(res.decision).toBe('unknown');
    expect(res.unreadable[0].what).toContain('identity policies');
  });
  it('a key without Grants makes a deny that a grant could flip unknown', () => {
    const snap = JSON.parse(readFileSync(`${EXAMPLES}lambda-env-grant-retired.json`, 'utf8'));
    delete snap.keys[0].Grants;
    const f = write('no-grants.json', JSON.stringify(snap));
    const args = RETIRED_ARGS.map((a) => (a.endsWith('.json') ? f : a));
    const r = kmsWhy(['decrypt', ...args, '--output', 'json']);
    expect(r.code).toBe(3);
  });
});

describe('bad input: one clear message, exit 2, nothing on stdout', () => {
  const good = `${EXAMPLES}lambda-env-grant.json`;
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown option', ['decrypt', '--frm', good], /unknown option/],
    ['unknown command', ['decrypts', '--from', good], /unknown command/],
    [
      'unknown action with suggestion',
      ['check', '--action', 'kms:Decrpyt', '--from', good, '--key', 'alias/app-env', '--principal', 'arn:aws:iam::111122223333:root'],
      /Did you mean kms:Decrypt/,
    ],
    ['neither --from nor --key', ['decrypt', '--principal', 'arn:aws:iam::111122223333:root'], /--key is required to read AWS/],
    ['missing --principal', ['decrypt', '--from', good, '--key', 'alias/app-env'], /--principal is required/],
    ['invalid principal ARN', ['decrypt', '--from', good, '--key', 'alias/app-env', '--principal', 'arn:aws:iam::12:role/x'], /invalid --principal/],
    ['invalid key', ['decrypt', '--from', good, '--key', 'not a key', '--principal', 'arn:aws:iam::111122223333:root'], /invalid --key/],
    ['key not in snapshot', ['decrypt', '--from', good, '--key', 'alias/nope', '--principal', 'arn:aws:iam::111122223333:root'], /not in the snapshot/],
    [
      '--context without =',
      ['decrypt', '--from', good, '--key', 'alias/app-env', '--principal', 'arn:aws:iam::111122223333:root', '--context', 'Department'],
      /--context "Department" is not KEY=VALUE/,
    ],
    [
      '--context with empty key',
      ['decrypt', '--from', good, '--key', 'alias/app-env', '--principal', 'arn:aws:iam::111122223333:root', '--context', '=x'],
      /not KEY=VALUE/,
    ],
    [
      'duplicate --context key',
      ['decrypt', '--from', good, '--key', 'alias/app-env', '--principal', 'arn:aws:iam::111122223333:root', '--context', 'a=1', '--context', 'a=2'],
      /gives "a" twice/,
    ],
    [
      'bad --via-service',
      ['decrypt', '--from', good, '--key', 'alias/app-env', '--principal', 'arn:aws:iam::111122223333:root', '--via-service', 'lambda'],
      /invalid --via-service/,
    ],
    ['bad --output', ['decrypt', '--from', good, '--output', 'yaml'], /Allowed choices/],
    [
      'bad grant operation',
      [
        'create-grant',
        '--from',
        good,
        '--key',
        'alias/app-env',
        '--principal',
        'arn:aws:iam::111122223333:root',
        '--grantee',
        'arn:aws:iam::111122223333:root',
        '--grant-operations',
        'decrypt',
      ],
      /Did you mean Decrypt/,
    ],
    [
      'bad --caller-account',
      ['decrypt', '--from', good, '--key', 'alias/app-env', '--principal', 'arn:aws:iam::111122223333:root', '--caller-account', '123'],
      /12 digits/,
    ],
    ['missing file', ['decrypt', '--from', '/nonexistent/x.json', '--key', 'alias/app-env', '--principal', 'arn:aws:iam::111122223333:root'], /x\.json/],
  ];
  it.each(cases)('%s', (_name, args, message) => {
    const r = kmsWhy(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  });

  const fileCases: Array<[string, string | Buffer, RegExp]> = [
    ['empty file', '', /empty/i],
    ['truncated JSON', '{"kmsWhySnapshot": 1, "keys": [', /line 1/],
    ['non-UTF-8 bytes', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), /UTF-8/],
    [
      'unknown operator',
      JSON.stringify({
        kmsWhySnapshot: 1,
        keys: [
          {
            KeyMetadata: { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', Arn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
            Policy: {
              Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringEqulas: { 'kms:ViaService': 'x' } } }],
            },
            Grants: [],
          },
        ],
      }),
      /keys\[0\]\.Policy\.Statement\[0\]\.Condition: unknown operator "StringEqulas"/,
    ],
    ['wrong type', JSON.stringify({ kmsWhySnapshot: 1, keys: {} }), /keys/],
    ['unknown snapshot version', JSON.stringify({ kmsWhySnapshot: 9, keys: [] }), /kmsWhySnapshot/],
  ];
  it.each(fileCases)('file: %s', (name, content, message) => {
    const f = write(`${name.replace(/\W+/g, '-')}.json`, content);
    const r = kmsWhy(['decrypt', '--from', f, '--key', 'alias/app-env', '--principal', 'arn:aws:iam::111122223333:root']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(f);
    expect(r.stderr).toMatch(message);
  });

  it('--debug adds the stack trace', () => {
    const r = kmsWhy(['decrypt', '--from', '/nonexistent/x.json', '--key', 'alias/app-env', '--principal', 'arn:aws:iam::111122223333:root', '--debug']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('an error fits the terminal', () => {
  it('its hint is wrapped to 80 columns (or COLUMNS) at spaces; the error line stays whole', () => {
    const args = ['decrypt', '--from', `${EXAMPLES}account-snapshot.json`, '--key', 'alias/app', '--principal', 'p'];
    for (const [columns, width] of [
      [undefined, 80],
      ['60', 60],
    ] as const) {
      const r = kmsWhy(args, columns === undefined ? {} : { env: { COLUMNS: columns } });
      expect(r.code).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe('kms-why: error: invalid --principal "p"');
      expect(lines[1]).toMatch(/^hint: Give an ARN such as\b/);
      expect(lines.length).toBeGreaterThan(2);
      for (const l of lines.slice(2)) expect(l).toMatch(/^ {6}\S/);
      for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(width);
      // Nothing is lost: the words of the hint, in order.
      expect(lines.slice(1).join(' ').replace(/\s+/g, ' ')).toContain(
        'arn:aws:iam::111122223333:root, or a service principal such as lambda.us-east-1.amazonaws.com.',
      );
    }
  });
});
