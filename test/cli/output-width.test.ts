// The width tables and wrapped text are laid out to: COLUMNS (a whole number ≥ 20) first, as a
// shell sets it for ls and less, then the terminal's width, then 80.
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { outputWidth } from '../../src/cli/output.js';
import { runMain } from './in-process.js';

const io = (env: Record<string, string>, tty?: number): CliIo => ({
  stdout: () => {},
  stderr: () => {},
  env,
  stdoutIsTTY: tty !== undefined,
  ...(tty !== undefined ? { stdoutColumns: tty } : {}),
  stderrIsTTY: false,
});

describe('outputWidth', () => {
  it('reads COLUMNS before the terminal, and 80 when neither says', () => {
    expect(outputWidth(io({}))).toBe(80);
    expect(outputWidth(io({}, 132))).toBe(132);
    expect(outputWidth(io({ COLUMNS: '120' }))).toBe(120);
    expect(outputWidth(io({ COLUMNS: ' 100 ' }, 132))).toBe(100);
  });

  it('ignores a COLUMNS that is not a usable width', () => {
    for (const bad of ['', 'wide', '-5', '12', '1e3', '100px', '99999']) {
      expect([bad, outputWidth(io({ COLUMNS: bad }))]).toEqual([bad, 80]);
      expect([bad, outputWidth(io({ COLUMNS: bad }, 132))]).toEqual([bad, 132]);
    }
    // A terminal too narrow to lay out a table is taken as 80, as before.
    expect(outputWidth(io({}, 10))).toBe(80);
  });
});

describe('check --output table and text follow COLUMNS', () => {
  const argv = [
    'decrypt',
    '--from',
    'fixtures/examples/pattern-3-delegation-with-iam.json',
    '--key',
    'alias/app',
    '--principal',
    'arn:aws:iam::111122223333:role/app',
    '--output',
    'table',
  ];
  const widest = (text: string): number => Math.max(...text.split('\n').map((l) => [...l].length));

  it('fits 80 columns by default and uses the width COLUMNS gives', async () => {
    const narrow = await runMain(argv);
    const wide = await runMain(argv, { COLUMNS: '140' });
    expect([narrow.code, wide.code]).toEqual([0, 0]);
    expect(widest(narrow.stdout)).toBeLessThanOrEqual(80);
    expect(widest(wide.stdout)).toBeGreaterThan(80);
    expect(widest(wide.stdout)).toBeLessThanOrEqual(140);
    // The same table, laid out wider: fewer lines.
    expect(wide.stdout.split('\n').length).toBeLessThan(narrow.stdout.split('\n').length);
  });

  it('lays text out the same way, the --fix section, the Lambda analysis, explain-event, diff and the grants audit included', async () => {
    // Text once kept 120 columns whatever COLUMNS said. Commands and JSON stay whole on their line
    // (to be pasted), so the lines are measured without them.
    const prose = (text: string): string =>
      text
        .split('\n')
        .filter((l) => !/^\s+(\$ |# |aws |"|[{}[\]])/.test(l))
        .join('\n');
    const runs: string[][] = [
      [...argv.slice(0, -1), 'text'],
      [
        'decrypt',
        '--from',
        'fixtures/examples/pattern-2-iam-only-no-delegation.json',
        '--key',
        'alias/app',
        '--principal',
        'arn:aws:iam::111122223333:role/app',
        '--output',
        'text',
        '--fix',
      ],
      ['lambda', 'my-function', '--from', 'fixtures/examples/lambda-env-grant-retired.json', '--output', 'text'],
      ['explain-event', 'fixtures/examples/trail.json', '--from', 'fixtures/examples/trail-snapshot.json', '--all', '--output', 'text'],
      ['diff', 'fixtures/examples/account-snapshot.json', 'fixtures/examples/account-snapshot-after.json', '--output', 'text'],
      // The grants audit: findings (most over 80 columns) and the inventory.
      ['grants', '--from', 'fixtures/examples/grants-audit-snapshot.json', '--all-keys', '--inventory', '--now', '2026-12-01T00:00:00Z', '--output', 'text'],
    ];
    for (const run of runs) {
      const narrow = await runMain(run);
      const wide = await runMain(run, { COLUMNS: '140' });
      expect(narrow.stderr, run.join(' ')).toBe('');
      expect(widest(prose(narrow.stdout)), run.join(' ')).toBeLessThanOrEqual(80);
      expect(widest(prose(wide.stdout)), run.join(' ')).toBeGreaterThan(80);
      expect(widest(prose(wide.stdout)), run.join(' ')).toBeLessThanOrEqual(120);
    }
  });
});
