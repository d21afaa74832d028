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
