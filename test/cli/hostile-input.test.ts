// Hostile input is data, never control. fast-check builds snapshots whose Sids, grant names, tags,
// aliases, encryption-context keys and condition keys are prototype names (__proto__, constructor)
// or hold escape sequences and other control characters, with callers of other partitions, and
// runs the CLI on them in-process: every run ends with exit 0–3 (never 4, "a bug"), and no control
// character reaches stdout or stderr in any output format.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { runMain } from './in-process.js';
import { EXAMPLES } from './helpers.js';
import { readFileSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'kms-why-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = JSON.parse(readFileSync(`${EXAMPLES}lambda-env-grant.json`, 'utf8')) as {
  keys: Array<{ Policy: { Statement: Array<Record<string, unknown>> }; Grants: Array<Record<string, unknown>>; Tags?: unknown; Aliases?: string[] }>;
};
const SESSION = 'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function';

/** Anything a terminal would act on, or that could forge a line: C0 but \n and \t, DEL, C1, bidi. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const hostile = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype'),
  fc.constantFrom(
    '\u001b[2J\u001b[H',
    '\u001b]0;pwned\u0007',
    '\u001b]8;;http://evil/\u001b\\link',
    '\u009b31m',
    'x\u202eevil',
    'line\nkms:Decrypt: ALLOW',
    'back\rspace',
    '\u0000nul',
    '|pipe|`tick`*star*',
  ),
  fc.string({
    unit: fc.constantFrom('a', 'Z', ':', '/', '\u001b', '\u0007', '\n', '\r', '\t', '\u0085', '\u009b', '\u202e', '|', '`', '*', '_', '<', '&'),
    minLength: 1,
    maxLength: 12,
  }),
);
const partition = fc.constantFrom('aws', 'aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc');

interface Case {
  sid: string;
  grantName: string;
  tagKey: string;
  tagValue: string;
  alias: string;
  ecKey: string;
  condKey: string;
  contextKey: string;
  callerPartition: string;
  policyPartition: string;
  output: 'text' | 'table' | 'markdown' | 'json';
  command: 'decrypt' | 'check' | 'grants';
}

const cases: fc.Arbitrary<Case> = fc.record({
  sid: hostile,
  grantName: hostile,
  tagKey: hostile,
  tagValue: hostile,
  // Alias names are validated (a hostile one is exit 2); mostly prototype names, which are valid.
  alias: fc.oneof({ arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'app-2'), weight: 4 }, { arbitrary: hostile, weight: 1 }),
  ecKey: hostile,
  condKey: hostile,
  contextKey: hostile.filter((k) => !k.includes('=') && k !== ''),
  callerPartition: partition,
  policyPartition: partition,
  output: fc.constantFrom('text', 'table', 'markdown', 'json'),
  command: fc.constantFrom('decrypt', 'check', 'grants'),
});

function snapshotFor(c: Case): unknown {
  const snap = JSON.parse(JSON.stringify(BASE)) as typeof BASE;
  const key = snap.keys[0]!;
  key.Policy.Statement.push({
    Sid: c.sid,
    Effect: 'Allow',
    Principal: { AWS: `arn:${c.policyPartition}:iam::111122223333:root` },
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { StringEquals: { [`kms:EncryptionContext:${c.condKey}`]: c.tagValue } },
  });
  const g = key.Grants[0]!;
  g.Name = c.grantName;
  g.Constraints = { EncryptionContextEquals: { [c.ecKey]: c.tagValue } };
  key.Tags = [{ TagKey: c.tagKey, TagValue: c.tagValue }];
  key.Aliases = [...(key.Aliases ?? []), `alias/${c.alias}`];
  return snap;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runMain(args, { NO_COLOR: '1' });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

let n = 0;
const seen = { runs: 0, byExit: new Map<number, number>() };

describe('hostile keys and strings', () => {
  test('exit 0–3 and no control character in any output', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const file = join(dir, `s${n++}.json`);
        writeFileSync(file, JSON.stringify(snapshotFor(c)));
        const principal = SESSION.replace('arn:aws:', `arn:${c.callerPartition}:`);
        const args =
          c.command === 'grants'
            ? ['grants', '--from', file, '--all-keys', '--output', c.output === 'json' ? 'json' : c.output]
            : [
                c.command,
                ...(c.command === 'check' ? ['--action', 'all'] : []),
                '--from',
                file,
                '--key',
                'alias/app-env',
                '--principal',
                principal,
                '--context',
                `${c.contextKey}=${c.tagValue}`,
                '--context',
                'aws:lambda:FunctionArn=arn:aws:lambda:us-east-1:111122223333:function:my-function',
                '--output',
                c.output,
              ];
        const r = await run(args);
        seen.runs++;
        seen.byExit.set(r.code, (seen.byExit.get(r.code) ?? 0) + 1);
        if (r.code === 2 && process.env.DEBUG_FUZZ) console.log(r.err.split('\n')[0]);
        expect([0, 1, 2, 3], `exit ${r.code}: ${r.err}`).toContain(r.code);
        expect(CONTROL.test(r.out), r.out).toBe(false);
        expect(CONTROL.test(r.err), r.err).toBe(false);
        // 'line\nkms:Decrypt: ALLOW' never stands as a line of its own (newlines are escaped too).
        expect(/^[\s│|*`"'-]*kms:Decrypt: ALLOW[\s│|*`"'.]*$/m.test(r.out), r.out).toBe(false);
        if (c.output === 'json' && r.code !== 2) expect(() => JSON.parse(r.out) as unknown).not.toThrow();
        // A caller of another partition never gets in on this aws-partition key.
        if (c.command === 'decrypt' && c.callerPartition !== 'aws' && r.code !== 2) expect(r.code).toBe(1);
      }),
      { numRuns: 120, seed: 17 },
    );
    console.log(`hostile input: ${seen.runs} runs, exits ${JSON.stringify(Object.fromEntries([...seen.byExit].sort()))}`);
  }, 300_000);

  test('a grant constrained on {"__proto__": …} stays constrained', async () => {
    const snap = JSON.parse(JSON.stringify(BASE)) as typeof BASE;
    snap.keys[0]!.Grants[0]!.Constraints = { EncryptionContextEquals: { __proto__: 'x' } };
    // JSON.stringify of an object literal with __proto__ sets the prototype; write the text by hand.
    const text = JSON.stringify(snap).replace('"EncryptionContextEquals":{}', '"EncryptionContextEquals":{"__proto__":"x"}');
    const file = join(dir, 'proto.json');
    writeFileSync(file, text);
    const base = ['decrypt', '--from', file, '--key', 'alias/app-env', '--principal', SESSION, '--output', 'text'];
    expect((await run(base)).code).toBe(1);
    expect((await run([...base, '--context', '__proto__=x'])).code).toBe(0);
    expect((await run([...base, '--context', 'constructor=x', '--context', '__proto__=x'])).code).toBe(1);
  });

  // A backtracking regular expression never returns on this; the linear matcher (model/wildcard.ts)
  // answers it (its step bound is asserted in test/model/wildcard.test.ts).
  test('a statement with 50 stars and a failing suffix evaluates', async () => {
    const snap = JSON.parse(JSON.stringify(BASE)) as typeof BASE;
    snap.keys[0]!.Policy.Statement.push({ Effect: 'Deny', Principal: '*', Action: `kms:${'*'.repeat(50)}Z`, Resource: '*' });
    const file = join(dir, 'stars.json');
    writeFileSync(file, JSON.stringify(snap));
    // The Deny's action pattern ends in Z: it does not match Decrypt, so the grant still decides.
    const ctx = ['--context', 'aws:lambda:FunctionArn=arn:aws:lambda:us-east-1:111122223333:function:my-function'];
    expect((await run(['decrypt', '--from', file, '--key', 'alias/app-env', '--principal', SESSION, ...ctx])).code).toBe(0);
  });
});
