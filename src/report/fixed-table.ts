// A fixed-width table for long reports (who-can): every column has a width given up front, so a
// row is laid out by itself and the whole table costs time linear in its cells (cli-table3
// measures every cell against the rows above it, which is quadratic on thousands of rows).
// The widths fit 80 columns by default. Kept small and separate so that a shared width-aware
// layout can replace it.

export interface FixedColumn {
  title: string;
  width: number;
}

/** A cell: its text and an optional style applied after padding (so colour codes never count as width). */
export type FixedCell = string | { text: string; style?: (s: string) => string };

/** Breaks text into lines of at most `width` characters, at spaces where it can, else anywhere. Linear. */
export function wrapFixed(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let rest = para;
    while (rest.length > width) {
      let cut = rest.lastIndexOf(' ', width);
      if (cut <= 0) cut = width;
      out.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut).trimStart();
    }
    out.push(rest);
  }
  return out;
}

export class FixedTable {
  private readonly border: (s: string) => string;
  constructor(
    private readonly columns: FixedColumn[],
    opts: { border?: (s: string) => string; head?: (s: string) => string } = {},
  ) {
    this.border = opts.border ?? ((s) => s);
    this.headStyle = opts.head ?? ((s) => s);
  }
  private readonly headStyle: (s: string) => string;

  private rule(l: string, m: string, r: string): string {
    return this.border(`${l}${this.columns.map((c) => '─'.repeat(c.width + 2)).join(m)}${r}`);
  }

  top(): string {
    return `${this.rule('┌', '┬', '┐')}\n${this.row(this.columns.map((c) => ({ text: c.title, style: this.headStyle })))}${this.rule('├', '┼', '┤')}\n`;
  }

  bottom(): string {
    return `${this.rule('└', '┴', '┘')}\n`;
  }

  separator(): string {
    return `${this.rule('├', '┼', '┤')}\n`;
  }

  /** One row, as many lines as its tallest cell. */
  row(cells: FixedCell[]): string {
    const lines = this.columns.map((c, i) => {
      const cell = cells[i] ?? '';
      const text = typeof cell === 'string' ? cell : cell.text;
      return wrapFixed(text, c.width);
    });
    const height = Math.max(...lines.map((l) => l.length));
    const bar = this.border('│');
    let out = '';
    for (let y = 0; y < height; y++) {
      out += bar;
      this.columns.forEach((c, i) => {
        const cell = cells[i] ?? '';
        const style = typeof cell === 'string' ? undefined : cell.style;
        const t = (lines[i]![y] ?? '').padEnd(c.width);
        out += ` ${style && t.trim() !== '' ? style(t) : t} ${bar}`;
      });
      out += '\n';
    }
    return out;
  }

  /** A row spanning every column (a section title). */
  span(text: string, style?: (s: string) => string): string {
    const width = this.columns.reduce((n, c) => n + c.width + 3, -3);
    const bar = this.border('│');
    return wrapFixed(text, width)
      .map((l) => `${bar} ${style ? style(l.padEnd(width)) : l.padEnd(width)} ${bar}\n`)
      .join('');
  }
}

/**
 * Appends `text` to `out`, wrapped to `width` columns: its first line after `first`, the others
 * after `rest` (a hanging indent). It breaks only at spaces outside a quoted name ("…" or `…`), so
 * an ARN or a quoted name is never cut: a word longer than the line stays whole, on a line of its
 * own. Linear in the text (each character is looked at once, a quote's closing one found once); a
 * line that fits is pushed as it is, so the long lists who-can prints pay a length check per line.
 */
export function pushWrapped(out: string[], text: string, width: number, first = '', rest = first): void {
  if (first.length + text.length <= width && text.indexOf('\n') === -1) {
    out.push(first + text);
    return;
  }
  let prefix = first;
  // Set once a quote character has no closing one left: it then quotes nothing (and is not looked for again).
  let noDouble = false;
  let noBack = false;
  for (const para of text.split('\n')) {
    const n = para.length;
    let line = '';
    let i = 0;
    while (i < n) {
      while (i < n && para.charCodeAt(i) === 32) i++;
      if (i >= n) break;
      let j = i;
      while (j < n) {
        const c = para.charCodeAt(j);
        if (c === 32) break;
        if ((c === 34 && !noDouble) || (c === 96 && !noBack)) {
          const close = para.indexOf(c === 34 ? '"' : '`', j + 1);
          if (close !== -1) {
            j = close + 1;
            continue;
          }
          if (c === 34) noDouble = true;
          else noBack = true;
        }
        j++;
      }
      const word = para.slice(i, j);
      i = j;
      if (line === '') line = word;
      else if (prefix.length + line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        out.push(fitted(prefix, line, width));
        prefix = rest;
        line = word;
      }
    }
    out.push(fitted(prefix, line, width));
    prefix = rest;
    noDouble = false;
    noBack = false;
  }
}

/**
 * A line of one word too long for its indent (an ARN under a deep indent): indented less, so that
 * it still fits when the word alone does. An indent holding text is kept whole.
 */
function fitted(prefix: string, line: string, width: number): string {
  if (prefix.length + line.length <= width || prefix.trim() !== '') return prefix + line;
  return prefix.slice(0, Math.max(0, width - line.length)) + line;
}
