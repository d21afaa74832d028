// A newline in a Sid or a grant name must not forge a line of a report. stdout's last pass escapes
// every control character but the newlines and tabs kms-why lays out itself, so each renderer that
// lays input out as text escapes it first: who-can, grants and diff in text, table and Markdown,
// check's --fix section and the Lambda analysis. (Once, who-can, grants and diff printed a grant
// named "x\n\nFindings: none" as a line of its own.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from './helpers.js';
import { runMain } from './in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-why-forged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What follows a newline in the input; printed only right after its escape. Short, so that no table cell breaks it. */
const MARK = 'QZ';
const EVIL = `a\n${MARK}`;

function write(name: string, doc: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

type Snap = {
  keys: Array<{ Policy: { Statement: Array<Record<string, unknown>> }; Grants?: Array<Record<string, unknown>> }>;
  principals?: unknown[];
};
const read = (file: string): Snap => JSON.parse(readFileSync(file, 'utf8')) as Snap;

/**
 * Every MARK comes right after an escaped newline (a narrow cell may break the line after its `\`),
 * and the output shows one. In JSON to paste (--fix) the escape is JSON's own `\n`: `\u000a` there
 * would be another value.
 */
function expectEscaped(out: string, what: string, json = false): void {
  const at = [...out.matchAll(new RegExp(MARK, 'g'))].map((m) => m.index);
  expect(at.length, `${what}: the input is shown`).toBeGreaterThan(0);
  for (const i of at) {
    const before = out.slice(i - 5, i);
    const context = `${what}: ${JSON.stringify(out.slice(Math.max(0, i - 40), i + 10))}`;
    if (json && /"a\\n$/.test(before)) continue;
    expect(before, context).toBe('u000a');
  }
}

async function stdout(args: string[], codes: number[]): Promise<string> {
  const r = await runMain(args, { NO_COLOR: '1' });
  expect(codes, `${args.join(' ')}: exit ${r.code}: ${r.stderr}`).toContain(r.code);
  return r.stdout;
}

describe('input newlines are escaped, never laid out', () => {
  const base = new URL('../../fixtures/who-can/basic.json', import.meta.url).pathname;
  const evilWhoCan = (() => {
    const snap = read(base);
    snap.keys[0]!.Policy.Statement.push({
      Sid: EVIL,
      Effect: 'Allow',
      // A principal whose name holds the newline too.
      Principal: { AWS: ['arn:aws:iam::111122223333:role/ops', `arn:aws:iam::111122223333:role/${EVIL}`] },
      Action: 'kms:Decrypt',
      Resource: '*',
    });
    return write('who-can.json', snap);
  })();

  it('who-can, in every format laid out as text', async () => {
    for (const output of ['text', 'table', 'markdown'])
      for (const more of [[], ['--principals']]) {
        const out = await stdout(['who-can', '--from', evilWhoCan, '--key', 'alias/app', '--action', 'kms:Decrypt', '--output', output, ...more], [0, 3]);
        expectEscaped(out, `who-can ${output} ${more.join(' ')}`);
      }
  });

  it('who-can, in the summary of a key whose list of principals is too long to print', async () => {
    // More principals with access than a summary lists: the renderers escape the summary and the
    // key's other fields, not its answers (a public statement named EVIL allows them all).
    const snap = read(base);
    snap.keys[0]!.Policy.Statement.push({ Sid: EVIL, Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' });
    snap.principals = [
      ...(snap.principals ?? []),
      ...Array.from({ length: 40 }, (_, i) => ({ Arn: `arn:aws:iam::111122223333:role/many-${i}`, IdentityPolicies: [] })),
    ];
    const file = write('who-can-many.json', snap);
    for (const output of ['text', 'table', 'markdown']) {
      const out = await stdout(['who-can', '--from', file, '--key', 'alias/app', '--action', 'kms:Decrypt', '--output', output], [0, 3]);
      expect(out, `who-can ${output}: the summary alone`).not.toContain('role/many-17');
      expectEscaped(out, `who-can ${output} (summary)`);
    }
  });

  it('diff of two snapshots, in every format laid out as text', async () => {
    for (const output of ['text', 'table', 'markdown']) {
      const out = await stdout(['diff', base, evilWhoCan, '--output', output], [0, 1, 3]);
      expectEscaped(out, `diff ${output}`);
    }
  });

  it('grants, in every format laid out as text', async () => {
    const snap = read(`${EXAMPLES}grants-audit-snapshot.json`);
    snap.keys[0]!.Grants![0]!.Name = EVIL;
    const file = write('grants.json', snap);
    for (const output of ['text', 'table', 'markdown']) {
      const out = await stdout(['grants', '--from', file, '--all-keys', '--inventory', '--output', output], [0, 1, 3]);
      expectEscaped(out, `grants ${output}`);
    }
  });

  it("check's --fix section", async () => {
    // A Deny named with a newline: the fix names it ("Exempt … from the Deny …").
    const snap = read(`${EXAMPLES}pattern-3-delegation-with-iam.json`);
    snap.keys[0]!.Policy.Statement.push({ Sid: EVIL, Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' });
    const file = write('fix.json', snap);
    for (const output of ['text', 'markdown']) {
      const out = await stdout(
        ['decrypt', '--from', file, '--key', 'alias/app', '--principal', 'arn:aws:iam::111122223333:role/app', '--fix', '--output', output],
        [1],
      );
      expectEscaped(out.slice(out.search(/Fix/)), `--fix ${output}`, true);
    }
  });
});
