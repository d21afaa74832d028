// The table layout never breaks a word of a `whole` column (action names): it widens the column
// when that costs the other columns nothing they would keep whole and no extra lines, and otherwise
// lays the cell out on lines of its own spanning the table, above the rest of its row.
import { describe, expect, it } from 'vitest';
import { fitColumns } from '../../src/report/explain.js';
import { layoutTable, layoutTableChunks } from '../../src/report/layout.js';
import { renderTable } from '../../src/report/table.js';
import { EXAMPLES, MANY_ACTIONS, patternCase, reportFor } from './helpers.js';

const LONG = 'kms:GenerateDataKeyPairWithoutPlaintext';
const cols = (l: string): number => [...l].length;

/** The lines of the box-drawn tables in `text`. */
function tableLines(text: string): string[] {
  return text.split('\n').filter((l) => /^[┌├│└]/.test(l));
}

/** Does `name` appear on one of `lines`, not as part of a longer name? */
function whole(lines: readonly string[], name: string): boolean {
  const re = new RegExp(`(^|[^A-Za-z:])${name}($|[^A-Za-z])`);
  return lines.some((l) => re.test(l));
}

describe('whole columns in layoutTable', () => {
  const style = { soft: [16, 24], hard: [10, 12], whole: [true, false] } as const;

  it('puts a name too long for its column on a line spanning the table, above the rest of its row', () => {
    const rows = [
      ['kms:Decrypt', 'allowed by the key policy statement "Use"'],
      [LONG, 'allowed by the key policy statement "Pairs"'],
      ['kms:Encrypt', 'allowed by the key policy statement "Use"'],
    ];
    const out = layoutTable(['Action', 'Through'], rows, 50, style).split('\n');
    for (const l of out) expect(cols(l)).toBeLessThanOrEqual(50);
    const at = out.findIndex((l) => l.includes(LONG));
    expect(out[at]).toBe(`│ ${LONG.padEnd(cols(out[0]!) - 4)} │`);
    // Below it: a rule with the column joint, then the row's other cells beside a blank action cell.
    expect(out[at + 1]).toMatch(/^├─+┬─+┤$/);
    expect(out[at + 2]).toMatch(/^│ +│ allowed by the key +│$/);
    expect(out[at - 1]).toMatch(/^├─+┴─+┤$/);
    // Short names stay in their column.
    expect(out.some((l) => /^│ kms:Decrypt +│ allowed/.test(l))).toBe(true);
  });

  it('widens the column to the name instead, when that breaks no other word and takes fewer lines', () => {
    const out = layoutTable(['Action', 'Through'], [['kms:ScheduleKeyDeletion', 'the key policy allows it']], 44, style).split('\n');
    expect(out.some((l) => /^│ kms:ScheduleKeyDeletion │ the key policy/.test(l))).toBe(true);
  });

  it('never cuts a name, even one wider than the whole table', () => {
    const out = layoutTable(['Action', 'Through'], [[LONG, 'x']], 24, style);
    expect(whole(out.split('\n'), LONG)).toBe(true);
  });

  it('fitColumns keeps a column at its keep width, whatever its minimums', () => {
    expect(fitColumns([39, 7, 40, 40], [42, 7, 24, 30], 67, [12, 7, 12, 16], [39])).toEqual([39, 7, 12, 16]);
    expect(fitColumns([39, 7, 40, 40], [42, 7, 24, 30], 67, [12, 7, 12, 16])).toEqual([20, 7, 20, 20]);
  });
});

describe('the check table at 80 columns', () => {
  it('shows every action name whole, and fits', async () => {
    const actions = [...MANY_ACTIONS, 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DisableKeyRotation', 'kms:GetKeyRotationStatus'];
    const { report } = await reportFor(patternCase('pattern-3-delegation-with-iam.json', actions));
    const lines = tableLines(renderTable(report, { width: 80 }));
    for (const l of lines) expect(cols(l)).toBeLessThanOrEqual(80);
    for (const a of actions) expect(whole(lines, a), a).toBe(true);
  });

  it('widens the action column for one action a little too long for it', async () => {
    const file = `${EXAMPLES}account-snapshot.json`;
    const principal = 'arn:aws:iam::111122223333:role/ops';
    const { report } = await reportFor({
      files: [file],
      actions: ['kms:ScheduleKeyDeletion'],
      request: { principal, keyIdentifier: 'alias/app' },
      argv: ['schedule-key-deletion', '--from', file, '--key', 'alias/app', '--principal', principal],
    });
    const lines = tableLines(renderTable(report, { width: 80 }));
    expect(lines.some((l) => /^│ kms:ScheduleKeyDeletion │ DENY/.test(l))).toBe(true);
    for (const l of lines) expect(cols(l)).toBeLessThanOrEqual(80);
  });
});

describe('narrow columns', () => {
  /** The text of column `i` of a box-drawn table, its lines joined (cells of one row, top to bottom). */
  const column = (table: string, i: number, part: 'head' | 'body' = 'body'): string => {
    const lines = table.split('\n');
    const rule = lines.findIndex((l) => l.startsWith('├'));
    return (part === 'head' ? lines.slice(1, rule) : lines.slice(rule + 1))
      .filter((l) => l.startsWith('│'))
      .map((l) => l.split('│')[i + 1]!.trim())
      .join('');
  };

  it('shows all of a cell narrower than wrap() goes (8 columns) on more lines, never a cut one', () => {
    // Five columns that want more than 40 columns leave the last at its hard minimum, 4.
    const rows = [['grant-1', 'arn:aws:iam::111122223333:role/app', 'Decrypt,Encrypt', 'none', '1039d']];
    const style = { soft: [10, 20, 10, 8, 4], hard: [4, 4, 4, 4, 4] };
    const out = layoutTable(['Grant', 'Grantee', 'Operations', 'Constraints', 'Age'], rows, 40, style);
    for (const l of out.split('\n')) expect(cols(l)).toBeLessThanOrEqual(40);
    // Every character of every cell is there, in order, whatever the column's width.
    rows[0]!.forEach((cell, i) => {
      expect(column(out, i)).toBe(cell.replaceAll(' ', ''));
    });
    // The headers too.
    ['Grant', 'Grantee', 'Operations', 'Constraints', 'Age'].forEach((h, i) => {
      expect(column(out, i, 'head')).toBe(h);
    });
  });
});

describe('layoutTableChunks', () => {
  it('gives the table in pieces of whole lines that join into layoutTable', () => {
    // Enough rows for several 64 KiB pieces, past the first thousand (laid out as they are asked for).
    const rows = Array.from({ length: 3000 }, (_, i) =>
      i % 500 === 0 ? { title: `group ${i / 500}` } : [i % 7 === 0 ? LONG : 'kms:Decrypt', `arn:aws:iam::111122223333:role/role-${i}`, 'allow'],
    );
    for (const separators of ['always', 'never', 'auto'] as const) {
      const style = { soft: [16, 30, 8], hard: [10, 12, 6], whole: [true, false, false], separators };
      const pieces = [...layoutTableChunks(['Action', 'Principal', 'Access'], rows, 80, style)];
      expect(pieces.length).toBeGreaterThan(2);
      expect(pieces.join('\n')).toBe(layoutTable(['Action', 'Principal', 'Access'], rows, 80, style));
      // Each piece starts and ends on a whole line of the table.
      for (const p of pieces) for (const l of p.split('\n')) expect(l).toMatch(/^[┌├│└].*[┐┤│┘]$/);
    }
  });
});
