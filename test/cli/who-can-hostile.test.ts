// who-can writes JSON and JSON lines without stdout's last pass over the whole text (each piece is
// escaped where it is encoded, report/who-can.ts). Input that holds escape sequences, C1 controls,
// line separators and bidirectional overrides in a Sid, a condition value and a principal's ARN
// must still never reach stdout raw, in every format, and must come back intact from the JSON.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runMain } from './in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-why-wc-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Anything a terminal would act on, or that could forge a line: C0 but \n and \t, DEL, C1, bidi. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
// ESC/CSI sequences (7-bit and the one-byte C1 CSI), DEL, NEL, a line separator, a bidi override.
const EVIL = '\u001b[2J\u001b[31mALLOW\u009b0m\u007f\u0085\u2028x\u202eevil';
const ROLE = `arn:aws:iam::111122223333:role/app${EVIL}`;

function hostileSnapshot(): string {
  const snap = JSON.parse(readFileSync(new URL('../../fixtures/who-can/basic.json', import.meta.url), 'utf8')) as {
    keys: Array<{ Policy: { Statement: Array<Record<string, unknown>> } }>;
  };
  snap.keys[0]!.Policy.Statement.push({
    Sid: `Use${EVIL}`,
    Effect: 'Allow',
    Principal: { AWS: ROLE },
    Action: ['kms:Decrypt', 'kms:Encrypt'],
    Resource: '*',
    Condition: { StringEquals: { 'kms:EncryptionContext:app': `v${EVIL}` } },
  });
  const file = join(dir, 'hostile.json');
  writeFileSync(file, JSON.stringify(snap));
  return file;
}

async function run(args: string[], env: Record<string, string> = { NO_COLOR: '1' }): Promise<{ code: number; out: string; err: string }> {
  const r = await runMain(args, env);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

test('no control character from the input reaches stdout in any who-can format, and JSON keeps it intact', async () => {
  const file = hostileSnapshot();
  for (const output of ['text', 'table', 'markdown', 'json', 'jsonl']) {
    for (const more of [[], ['--principals']]) {
      const r = await run(['who-can', '--from', file, '--key', 'alias/app', '--output', output, ...more]);
      expect([0, 3], `${output} ${more}: exit ${r.code}: ${r.err}`).toContain(r.code);
      expect(CONTROL.test(r.out), `${output} ${more}`).toBe(false);
      expect(CONTROL.test(r.err)).toBe(false);
      if (output === 'json' || output === 'jsonl') {
        const docs =
          output === 'json'
            ? [JSON.parse(r.out) as unknown]
            : r.out
                .trimEnd()
                .split('\n')
                .map((l) => JSON.parse(l) as unknown);
        const text = JSON.stringify(docs);
        // The hostile strings are there, whole, once decoded: escaped, not dropped.
        expect(text).toContain(JSON.stringify(ROLE).slice(1, -1));
      }
    }
  }
});
