// Tables fit the terminal (issue 14): the built CLI run in a real pseudo-terminal (util-linux
// `script`) at 80, 120 and 200 columns, in colour. No line is wider than the terminal, no escape
// sequence is cut or stray, and every table's borders line up.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, EXAMPLES, LAMBDA_ARGS, ROOT } from './helpers.js';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

const COMMANDS: Record<string, string[]> = {
  decrypt: ['decrypt', ...LAMBDA_ARGS],
  'check --action all': [
    'check',
    '--action',
    'all',
    '--from',
    `${ROOT}fixtures/snapshots/full.json`,
    '--key',
    'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    '--principal',
    'arn:aws:iam::111122223333:role/AppRole',
  ],
  lambda: ['lambda', 'my-function', '--from', `${EXAMPLES}lambda-env-grant-retired.json`],
  'who-can': ['who-can', '--from', `${ROOT}fixtures/who-can/basic.json`, '--key', 'alias/app'],
  grants: ['grants', '--from', `${ROOT}fixtures/examples/grants-audit-snapshot.json`, '--all-keys', '--now', '2026-12-01T00:00:00Z'],
  diff: ['diff', `${EXAMPLES}account-snapshot.json`, `${EXAMPLES}account-snapshot-after.json`],
};

const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

function inTerminal(cols: number, args: string[]): string {
  const cmd = `stty cols ${cols} rows 60; ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}`;
  // NO_COLOR is removed, not emptied: Node 22 warns on stderr when it is set beside FORCE_COLOR.
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '1', TERM: 'xterm' };
  delete env.NO_COLOR;
  const r = spawnSync('script', ['-q', '-e', '-c', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 60000, env });
  return r.stdout.replace(/\r/g, '');
}

describe.skipIf(!hasScript)('tables in a real terminal', () => {
  for (const cols of [80, 120, 200]) {
    for (const [name, args] of Object.entries(COMMANDS)) {
      it(`${name} at ${cols} columns`, () => {
        const out = inTerminal(cols, args);
        expect(out).toMatch(/┌/); // a table was drawn, in colour
        expect(out).toMatch(SGR);
        const lines = out.split('\n');
        for (const l of lines) {
          const visible = l.replace(SGR, '');
          expect([...visible].length, `wider than ${cols}: ${visible}`).toBeLessThanOrEqual(cols);
          // Only whole colour codes: nothing of an escape sequence left once they are removed.
          expect(visible, 'stray escape').not.toMatch(/\u001b|\[\d+m/);
        }
        // Borders: each table's lines are equally wide, and begin and end with a border.
        let table: number | undefined;
        for (const l of lines.map((x) => x.replace(SGR, ''))) {
          if (l.startsWith('┌')) table = [...l].length;
          if (table === undefined) continue;
          expect(l, 'table line').toMatch(/^[│├└┌].*[│┤┘┐]$/);
          expect([...l].length, `border of: ${l}`).toBe(table);
          if (l.startsWith('└')) table = undefined;
        }
        // Words stay whole: no word of the vocabulary split across lines.
        expect(out.replace(SGR, '')).not.toMatch(/condit\s*│?\s*\n.*ional|Admin\s*│?\s*\n.*istrators/);
      }, 90_000);
    }
  }
});
