// who-can's text and table output fit the output width (80 columns when not a terminal): long lines
// wrap with a hanging indent, at spaces only, so an ARN or a quoted name is never cut. Only a single
// word longer than the width may exceed it, alone on its line.
import { describe, expect, it } from 'vitest';
import { pushWrapped } from '../../src/report/wrap-spaces.js';
import { runMain } from './in-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const FILES = [
  'fixtures/examples/account-snapshot.json',
  'fixtures/examples/account-snapshot-after.json',
  'fixtures/who-can/basic.json',
  'fixtures/who-can/iam-details.json',
];

const whoCan = (args: string[]): ReturnType<typeof runMain> => runMain(['who-can', ...args]);

/** The lines wider than `width`, but for one word alone on its line. */
function tooWide(text: string, width: number): string[] {
  return text.split('\n').filter((l) => [...l].length > width && l.trim().includes(' '));
}

describe('who-can text and table fit 80 columns', () => {
  for (const file of FILES)
    for (const output of ['text', 'table'])
      for (const principals of [false, true])
        it(`${file}, --output ${output}${principals ? ' --principals' : ''}`, async () => {
          const r = await whoCan(['--from', ROOT + file, '--all-keys', '--output', output, '--no-color', ...(principals ? ['--principals'] : [])]);
          expect(r.stderr).not.toContain('rror');
          expect(r.stdout.length).toBeGreaterThan(500);
          expect(tooWide(r.stdout, 80)).toEqual([]);
          if (output === 'text') {
            // No ARN is cut: every ARN the JSON report names appears whole, and every ARN-like word in
            // the text is one the report names (a cut one would be a prefix, or a tail without "arn:").
            const json = await whoCan(['--from', ROOT + file, '--all-keys', '--output', 'json']);
            const arns = new Set<string>(JSON.stringify(JSON.parse(json.stdout)).match(/arn:aws:[A-Za-z0-9:/_+=,.@*-]+/g) ?? []);
            const words = r.stdout.match(/arn:aws:[A-Za-z0-9:/_+=,.@*-]+/g) ?? [];
            expect(words.length).toBeGreaterThan(0);
            for (const w of words) expect(arns.has(w.replace(/[.,:]+$/, '')), w).toBe(true);
          }
        });
});

describe('pushWrapped', () => {
  const wrapOf = (text: string, width: number, first = '', rest = first): string[] => {
    const out: string[] = [];
    pushWrapped(out, text, width, first, rest);
    return out;
  };

  it('leaves a line that fits as it is, and wraps the rest at spaces with a hanging indent', () => {
    expect(wrapOf('a  b', 10, '> ')).toEqual(['> a  b']);
    expect(wrapOf('one two three four five', 12, '- ', '    ')).toEqual(['- one two', '    three', '    four', '    five']);
  });

  it('never cuts a quoted name or an ARN; a word longer than the line stays whole on its own line', () => {
    expect(wrapOf('policy "My Key Admins" allows it', 16)).toEqual(['policy', '"My Key Admins"', 'allows it']);
    expect(wrapOf('identity policy `(the account root user)` here', 20)).toEqual(['identity policy', '`(the account root user)`', 'here']);
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(wrapOf(`key ${arn} is not pending deletion`, 40)).toEqual(['key', arn, 'is not pending deletion']);
  });

  it('indents less a word that fits the width but not under its indent; an unmatched quote quotes nothing', () => {
    const arn = 'arn:aws:iam::111122223333:role/a-role-with-a-long-name';
    expect(wrapOf(`see ${arn}`, arn.length + 2, '', '      ')).toEqual(['see', `  ${arn}`]);
    expect(wrapOf('say "hello there now', 9)).toEqual(['say', '"hello', 'there now']);
  });
});
