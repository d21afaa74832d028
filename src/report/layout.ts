// The one box-drawn table layout of every `--output table` (check, decrypt, lambda, who-can, grants,
// diff): columns fitted to the terminal width, text wrapped inside cells at word boundaries (a word
// longer than its cell breaks after `:` or `/` first, as ARNs do, except in a `whole` column), and
// colour applied after layout, so that no escape code is ever measured or cut. Linear in the number
// of rows: each cell is measured and wrapped once (the first DECIDING_ROWS rows twice, when a whole
// column could be widened). Widths are terminal columns (width.ts): a CJK character takes two.
import { fitColumns, wrap } from './explain.js';
import { breakColumns, displayWidth } from './width.js';
import { pushWrapped } from './wrap-spaces.js';

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
  /**
   * Columns whose words are never broken (action names, which a reader searches and copies whole).
   * Such a column is widened to its longest word when the others can keep their hard minimums
   * beside it, break no more words for it, and the table takes fewer lines so; otherwise a cell
   * holding a word wider than its column is laid out on lines of its own spanning the table, at the
   * top of its row (broken at spaces only), and its column is left blank below them.
   */
  whole?: readonly boolean[];
  /** Lines between body rows: always, never, or only when some row takes several lines (default). */
  separators?: 'always' | 'never' | 'auto';
}

function cellOf(c: string | Cell): Cell {
  return typeof c === 'string' ? { text: c } : c;
}

/**
 * wrap() at `w`, and any line still wider (wrap keeps at least 8 columns) broken into pieces of
 * `w` columns: a narrow column shows all of its cell on more lines, never a cut one ("1039d" as
 * "1039"), and no piece ends inside a character (width.ts).
 */
function fitLines(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const l of wrap(text, w)) {
    if (displayWidth(l) <= w) out.push(l);
    else for (const piece of breakColumns(l, w)) out.push(piece);
  }
  return out;
}

/** `text` wrapped to `width` at spaces only: a word longer than `width` stays whole, on a line of its own. */
function wrapWhole(text: string, width: number): string[] {
  const out: string[] = [];
  pushWrapped(out, text, width);
  return out;
}

/**
 * A body row laid out at some column widths: the lines of each cell, the lines spanning the table
 * above them, and how many words it breaks across lines (words longer than their column).
 */
interface Laid {
  cells: string[][];
  spanning: Array<{ text: string; style?: ((s: string) => string) | undefined }>;
  broken: number;
}

/**
 * The rows laid out both ways when a whole column could be widened: enough to judge the shape of a
 * table, and a long one (who-can --principals on a large account) is still laid out about once.
 */
const DECIDING_ROWS = 1000;

/** Lines a row takes, but for the separator above it. */
function heightOf(l: Laid): number {
  const cells = Math.max(1, ...l.cells.map((c) => c.length));
  return l.spanning.length > 0 ? l.spanning.length + 1 + cells : cells;
}

/** Lays out a table at most `width` columns wide (wider only where its hard minimums, or one word, do not fit). */
export function layoutTable(headers: readonly string[], rows: readonly Row[], width: number, style: TableStyle = {}): string {
  return [...layoutTableChunks(headers, rows, width, style)].join('\n');
}

/** Lines of a table joined in pieces of about this many characters (layoutTableChunks). */
const CHUNK_CHARS = 64 * 1024;

/**
 * layoutTable in pieces of about 64 KiB, each a run of whole lines (joined with '\n', none at the
 * ends: join the pieces with '\n' for the table). Rows after the first thousand are laid out only
 * when their piece is asked for, so a table of a million lines (who-can --principals on a large
 * account) never exists as one string or one array of lines.
 */
export function* layoutTableChunks(headers: readonly string[], rows: readonly Row[], width: number, style: TableStyle = {}): Generator<string> {
  const n = headers.length;
  const border = style.border ?? ((s: string): string => s);
  const head = style.head ?? ((s: string): string => s);
  const soft = style.soft ?? headers.map(() => 10);
  const hard = style.hard ?? headers.map(() => 4);
  const whole = headers.map((_h, i) => style.whole?.[i] === true);
  // Natural widths: the longest line of each column (title rows span and do not count); and the
  // longest word of each whole column.
  const natural = headers.map((h) => Math.max(1, ...h.split('\n').map(displayWidth)));
  const words = headers.map((h, i) => (whole[i] ? Math.max(...h.split(/[ \n]/).map(displayWidth)) : 0));
  for (const r of rows) {
    if (!Array.isArray(r)) continue;
    r.forEach((c, i) => {
      for (const l of cellOf(c).text.split('\n')) {
        const lw = displayWidth(l);
        if (lw > natural[i]!) natural[i] = lw;
        if (whole[i])
          for (const w of l.split(' ')) {
            const ww = displayWidth(w);
            if (ww > words[i]!) words[i] = ww;
          }
      }
    });
  }
  // Borders: n + 1 vertical bars; padding: one space either side of every cell.
  const budget = Math.max(n * 4, width - (n + 1) - 2 * n);
  const totalOf = (ws: readonly number[]): number => ws.reduce((a, b) => a + b, 0) + 3 * (n - 1);
  const layRow = (cells: Cell[], ws: readonly number[], count: boolean): Laid => {
    const spanning: Laid['spanning'] = [];
    let broken = 0;
    const laid = cells.map((c, i) => {
      const w = ws[i]!;
      if (whole[i]) {
        const lines = wrapWhole(c.text, w);
        if (lines.every((l) => displayWidth(l) <= w)) return lines;
        for (const l of wrapWhole(c.text, totalOf(ws))) spanning.push({ text: l, style: c.style });
        return [];
      }
      if (count) for (const word of c.text.split(/[ \n]/)) if (displayWidth(word) > w) broken++;
      return fitLines(c.text, w);
    });
    return { cells: laid, spanning, broken };
  };
  /** Rows `from` to `to` laid out at widths `ws`, counting the words they break when they are to be compared. */
  const layRows = (ws: readonly number[], from: number, to: number, count = false): Array<Laid | undefined> =>
    rows.slice(from, to).map((r) =>
      Array.isArray(r)
        ? layRow(
            headers.map((_h, i) => cellOf(r[i] ?? '')),
            ws,
            count,
          )
        : undefined,
    );
  const sum = (laid: ReadonlyArray<Laid | undefined>, f: (l: Laid) => number): number => laid.reduce((a, l) => a + (l ? f(l) : 0), 0);

  let widths = fitColumns(natural, soft, budget, hard);
  const narrow = whole.some((w, i) => w && words[i]! > widths[i]!);
  let laid = layRows(widths, 0, DECIDING_ROWS, narrow);
  // A whole column narrower than its longest word: try it that wide instead, the other columns
  // giving way down to their hard minimums, and keep that only if it breaks no more words in them
  // and takes fewer lines (or as many, with fewer lines spanning the table). One long name among
  // short ones reads better on a line of its own than every other column squeezed for it.
  if (narrow) {
    const floors = natural.map((nat, i) => Math.min(nat, hard[i] ?? 1));
    const others = floors.reduce((a, b) => a + b, 0);
    const keep = words.map((w, i) => (whole[i] ? Math.min(w, budget - others + floors[i]!) : 0));
    const wider = fitColumns(natural, soft, budget, hard, keep);
    const laidWider = layRows(wider, 0, DECIDING_ROWS, true);
    const lines = sum(laidWider, heightOf) - sum(laid, heightOf);
    const spills = sum(laidWider, (l) => l.spanning.length) - sum(laid, (l) => l.spanning.length);
    if (sum(laidWider, (l) => l.broken) <= sum(laid, (l) => l.broken) && (lines < 0 || (lines === 0 && spills < 0))) {
      widths = wider;
      laid = laidWider;
    }
  }
  const total = totalOf(widths);

  const line = (l: string, m: string, r: string): string => border(l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r);
  const bar = border('│');
  const paint = (text: string, style: ((s: string) => string) | undefined): string => (text === '' || !style ? text : style(text));
  const spanLine = (text: string, style: ((s: string) => string) | undefined): string =>
    `${bar} ${paint(text, style)}${' '.repeat(Math.max(0, total - displayWidth(text)))} ${bar}`;
  const cellLines = (cells: string[][], styles: ReadonlyArray<((s: string) => string) | undefined>): string[] => {
    const out: string[] = [];
    const height = Math.max(1, ...cells.map((c) => c.length));
    for (let k = 0; k < height; k++) {
      let s = bar;
      cells.forEach((c, i) => {
        const text = c[k] ?? '';
        s += ` ${paint(text, styles[i])}${' '.repeat(Math.max(0, widths[i]! - displayWidth(text)))} ${bar}`;
      });
      out.push(s);
    }
    return out;
  };

  // A body row's lines, and whether they start with lines spanning the table (a title, or a whole cell too wide).
  const bodyRow = (ri: number): { lines: string[]; spans: boolean; title: boolean } => {
    const r = rows[ri]!;
    if (!Array.isArray(r)) {
      const title = cellOf((r as { title: string | Cell }).title);
      return { lines: fitLines(title.text, total).map((t) => spanLine(t, title.style)), spans: true, title: true };
    }
    const l =
      ri < DECIDING_ROWS
        ? laid[ri]!
        : layRow(
            headers.map((_h, i) => cellOf(r[i] ?? '')),
            widths,
            false,
          );
    const styles = headers.map((_h, i) => cellOf(r[i] ?? '').style);
    const spans = l.spanning.map((x) => spanLine(x.text, x.style));
    const lines = spans.length > 0 ? [...spans, line('├', '┬', '┤'), ...cellLines(l.cells, styles)] : cellLines(l.cells, styles);
    return { lines, spans: spans.length > 0, title: false };
  };
  const headCells = headers.map((h, i) => fitLines(h, widths[i]!));
  // Rules between all rows, or none, or (auto) only when some row takes several lines: that one
  // needs every row laid out first, which a table with rules always (who-can's) never waits for.
  // With rules only where some row takes several lines ('auto', small tables: check's), every row is
  // laid out before the first is written; those rows are kept and written as they are.
  const early = style.separators === 'always' || style.separators === 'never' ? undefined : rows.map((_r, ri) => bodyRow(ri));
  const tall = style.separators === 'always' || early?.some((b) => b.lines.length > 1) === true;
  let chunk: string[] = [
    line('┌', '┬', '┐'),
    ...cellLines(
      headCells,
      headers.map(() => head),
    ),
  ];
  let chars = 0;
  let prevTitle = false;
  for (let i = 0; i < rows.length; i++) {
    const b = early?.[i] ?? bodyRow(i);
    if (i === 0 || tall || b.spans || prevTitle) {
      // A line spanning every column (a title, or a whole cell too wide for its column) has no
      // column joints on its side of the rule; only a title also ends that way.
      chunk.push(
        b.spans && prevTitle ? border(`├${'─'.repeat(total + 2)}┤`) : b.spans ? line('├', '┴', '┤') : prevTitle ? line('├', '┬', '┤') : line('├', '┼', '┤'),
      );
    }
    for (const l of b.lines) {
      chunk.push(l);
      chars += l.length + 1;
    }
    prevTitle = b.title;
    if (chars >= CHUNK_CHARS) {
      yield chunk.join('\n');
      chunk = [];
      chars = 0;
    }
  }
  const lastTitle = rows.length > 0 && !Array.isArray(rows[rows.length - 1]);
  chunk.push(lastTitle ? border(`└${'─'.repeat(total + 2)}┘`) : line('└', '┴', '┘'));
  yield chunk.join('\n');
}
