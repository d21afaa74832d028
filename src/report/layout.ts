// The one box-drawn table layout of every `--output table` (check, decrypt, lambda, who-can, grants,
// diff): columns fitted to the terminal width, text wrapped inside cells at word boundaries (a word
// longer than its cell breaks after `:` or `/` first, as ARNs do), and colour applied after layout,
// so that no escape code is ever measured or cut. Linear in the number of rows: each cell is
// measured and wrapped once.
import { fitColumns, wrap } from './explain.js';

/** A cell: its text, and an optional colour applied to each of its laid-out lines. */
export interface Cell {
  text: string;
  style?: (s: string) => string;
}

/** A row of cells, or a title row spanning the whole table. */
export type Row = Array<string | Cell> | { title: string | Cell };

export interface TableStyle {
  /** Colour of the borders. */
  border?: (s: string) => string;
  /** Colour of the header cells. */
  head?: (s: string) => string;
  /** Minimum widths: kept while other columns can still give way. */
  soft?: readonly number[];
  /** Minimum widths no column goes below. */
  hard?: readonly number[];
  /** Lines between body rows: always, never, or only when some row takes several lines (default). */
  separators?: 'always' | 'never' | 'auto';
}

/** The width output for people is laid out to: the terminal's, or 80 when not a terminal. */
export function terminalWidth(isTTY: boolean, columns: number | undefined): number {
  return isTTY && columns !== undefined && columns >= 20 ? columns : 80;
}

function cellOf(c: string | Cell): Cell {
  return typeof c === 'string' ? { text: c } : c;
}

function len(s: string): number {
  return [...s].length;
}

/** Lays out a table at most `width` columns wide. */
export function layoutTable(headers: readonly string[], rows: readonly Row[], width: number, style: TableStyle = {}): string {
  const n = headers.length;
  const border = style.border ?? ((s: string): string => s);
  const head = style.head ?? ((s: string): string => s);
  // Natural widths: the longest line of each column (title rows span and do not count).
  const natural = headers.map((h) => Math.max(1, ...h.split('\n').map(len)));
  for (const r of rows) {
    if (!Array.isArray(r)) continue;
    r.forEach((c, i) => {
      for (const l of cellOf(c).text.split('\n')) if (len(l) > natural[i]!) natural[i] = len(l);
    });
  }
  // Borders: n + 1 vertical bars; padding: one space either side of every cell.
  const budget = Math.max(n * 4, width - (n + 1) - 2 * n);
  const widths = fitColumns(natural, style.soft ?? natural.map(() => 10), budget, style.hard ?? natural.map(() => 4));
  const total = widths.reduce((a, b) => a + b, 0) + 3 * (n - 1);

  const line = (l: string, m: string, r: string): string => border(l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r);
  const bar = border('│');
  const renderRow = (cells: Cell[], ws: number[], headStyle: boolean): string[] => {
    const wrapped = cells.map((c, i) => wrap(c.text, ws[i]!).map((l) => (len(l) > ws[i]! ? [...l].slice(0, ws[i]!).join('') : l)));
    const height = Math.max(...wrapped.map((w) => w.length));
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      let s = bar;
      wrapped.forEach((w, i) => {
        const text = w[k] ?? '';
        const style = cells[i]?.style;
        const styled = text === '' ? '' : headStyle ? head(text) : style ? style(text) : text;
        s += ` ${styled}${' '.repeat(ws[i]! - len(text))} ${bar}`;
      });
      out.push(s);
    }
    return out;
  };

  const body: string[][] = rows.map((r) => {
    if (!Array.isArray(r)) return renderRow([cellOf((r as { title: string | Cell }).title)], [total], false);
    const cells = headers.map((_h, i) => cellOf(r[i] ?? ''));
    return renderRow(cells, widths, false);
  });
  const tall = style.separators === 'always' || (style.separators !== 'never' && body.some((b) => b.length > 1));
  const out: string[] = [
    line('┌', '┬', '┐'),
    ...renderRow(
      headers.map((h) => ({ text: h })),
      widths,
      true,
    ),
  ];
  body.forEach((b, i) => {
    const prevTitle = i > 0 && !Array.isArray(rows[i - 1]);
    const isTitle = !Array.isArray(rows[i]);
    if (i === 0 || tall || isTitle || prevTitle) {
      // A title row spans every column: the line above or below it has no column joints on its side.
      out.push(
        isTitle && prevTitle ? border(`├${'─'.repeat(total + 2)}┤`) : isTitle ? line('├', '┴', '┤') : prevTitle ? line('├', '┬', '┤') : line('├', '┼', '┤'),
      );
    }
    out.push(...b);
  });
  const lastTitle = rows.length > 0 && !Array.isArray(rows[rows.length - 1]);
  out.push(lastTitle ? border(`└${'─'.repeat(total + 2)}┘`) : line('└', '┴', '┘'));
  return out.join('\n');
}
