// The Markdown of grants, diff and who-can, and the job summary grants appends in GitHub Actions,
// are pasted into tickets and pull requests. Names and values from the input (a Sid, a policy
// name, a grant's name and its encryption-context pairs, a condition value) are chosen by whoever
// wrote the policy or created the grant: none may render as a link, an image or raw HTML, break
// out of its code span, or add a table cell.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from './helpers.js';
import { runMain } from './in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-why-md-injection-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = ['[x](https://evil)', '![i](https://evil/i.png)', '<img src=x>', 'a` [**click**](https://evil) `b', 'p|q', '``a`` [c](https://evil) ``'];

/** pattern-3 with `name` as a Sid, a policy name, a grant's name and constraint pair, and a condition value. */
function hostileSnapshot(name: string, i: number): string {
  const snap = JSON.parse(readFileSync(`${EXAMPLES}pattern-3-delegation-with-iam.json`, 'utf8')) as {
    keys: Array<{ Policy: { Statement: unknown[] }; Grants: unknown[] }>;
    principals: Array<{ IdentityPolicies: Array<{ PolicyName: string; Document: { Statement: Array<{ Sid?: string }> } }> }>;
  };
  const key = snap.keys[0]!;
  key.Policy.Statement.push(
    { Sid: name, Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:DescribeKey', Resource: '*' },
    {
      Sid: `${name} 2`,
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:role/ops' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:team': name } },
    },
  );
  key.Grants.push({
    GrantId: 'b'.repeat(64),
    Name: name,
    GranteePrincipal: 'arn:aws:iam::111122223333:role/app',
    Operations: ['Decrypt'],
    IssuingAccount: 'arn:aws:iam::111122223333:root',
    Constraints: { EncryptionContextEquals: { [name]: name } },
    CreationDate: '2020-01-01T00:00:00Z',
  });
  const policy = snap.principals[0]!.IdentityPolicies[0]!;
  policy.PolicyName = name;
  policy.Document.Statement[0]!.Sid = name;
  const file = join(dir, `hostile-${i}.json`);
  writeFileSync(file, JSON.stringify(snap));
  return file;
}

/** A code span's end: the next run of exactly `n` backticks (CommonMark), or -1. */
function closingRun(s: string, from: number, n: number): number {
  for (let i = from; i < s.length; ) {
    if (s[i] !== '`') {
      i++;
      continue;
    }
    let j = i;
    while (s[j] === '`') j++;
    if (j - i === n) return i;
    i = j;
  }
  return -1;
}

/** A line as GitHub renders its inline text: code spans and backslash escapes taken out. */
function outsideCode(line: string): string {
  // A table row's escaped pipes are taken before anything else (GFM), also inside code spans.
  const s = line.replace(/\\\|/g, '');
  let out = '';
  for (let i = 0; i < s.length; ) {
    if (s[i] === '\\' && i + 1 < s.length && /[!-/:-@[-`{-~]/.test(s[i + 1]!)) {
      i += 2;
      continue;
    }
    if (s[i] === '`') {
      let j = i;
      while (s[j] === '`') j++;
      const end = closingRun(s, j, j - i);
      if (end >= 0) {
        i = end + (j - i);
        continue;
      }
      out += s.slice(i, j);
      i = j;
      continue;
    }
    out += s[i];
    i++;
  }
  return out;
}

/** What would render as something active: links, images, HTML but kms-why's own tags, extra table cells. */
function activeMarkdown(md: string): string[] {
  const found: string[] = [];
  let fence: string | undefined;
  let cells: number | undefined;
  for (const line of md.split('\n')) {
    const f = /^\s*(`{3,})/.exec(line);
    if (fence !== undefined) {
      if (f !== null && f[1]!.length >= fence.length) fence = undefined;
      continue;
    }
    if (f !== null) {
      fence = f[1];
      continue;
    }
    // Cells end at a pipe with an even run of backslashes before it (none, or escaped backslashes).
    if (line.startsWith('|')) {
      const n = (line.match(/(?<!\\)(?:\\\\)*\|/g) ?? []).length;
      if (cells === undefined) cells = n;
      else if (n !== cells) found.push(`${n} cells where the header has ${cells}: ${line}`);
    } else cells = undefined;
    const text = outsideCode(line);
    if (/\]\(|!\[/.test(text)) found.push(`link or image: ${line}`);
    if (/<(?!\/?(?:br|details|summary)>)[A-Za-z/!?]/.test(text)) found.push(`HTML: ${line}`);
  }
  return found;
}

async function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await runMain(args, { NO_COLOR: '1', ...env });
  expect([0, 1, 3], `${args.join(' ')}: exit ${r.code}: ${r.stderr}`).toContain(r.code);
  return r.stdout;
}

describe('Markdown with hostile names from the input', () => {
  it('finds what renders in the forms the audit found (the checker itself)', () => {
    expect(activeMarkdown('key-policy statement `a` [**click**](https://evil) `b`')).toHaveLength(1);
    expect(activeMarkdown('{k=![x](https://evil/t.png)}')).toHaveLength(1);
    expect(activeMarkdown('"Allow <b>x</b>"')).toHaveLength(1);
    expect(activeMarkdown('| a | b |\n|---|---|\n| p|q | c |')).toHaveLength(1);
    expect(activeMarkdown('`` a` [c](https://evil) `b `` \\[c\\](x) `<img>`<br>')).toEqual([]);
  });

  HOSTILE.forEach((name, i) => {
    it(`renders ${JSON.stringify(name)} inert in grants, its job summary, who-can and diff`, async () => {
      const file = hostileSnapshot(name, i);
      const summary = join(dir, `summary-${i}.md`);
      writeFileSync(summary, '');
      const outputs: Record<string, string> = {
        grants: await run(['grants', '--all-keys', '--from', file, '--output', 'markdown', '--inventory']),
        'who-can': await run(['who-can', '--all-keys', '--from', file, '--output', 'markdown', '--principals']),
        diff: await run(['diff', `${EXAMPLES}pattern-3-delegation-with-iam.json`, file, '--output', 'markdown']),
      };
      await run(['grants', '--all-keys', '--from', file, '--output', 'github', '--inventory'], { GITHUB_STEP_SUMMARY: summary });
      outputs['job summary'] = readFileSync(summary, 'utf8');
      // The name is shown (escaped), not left out.
      for (const [what, md] of Object.entries(outputs)) expect(md, what).toMatch(/evil|img|p\\?\|q/);
      const found = Object.fromEntries(Object.entries(outputs).map(([what, md]) => [what, activeMarkdown(md)]));
      expect(found).toEqual({ grants: [], 'who-can': [], diff: [], 'job summary': [] });
    });
  });
});
