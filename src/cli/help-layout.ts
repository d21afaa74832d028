// Help and usage text laid out to the output width, as every other text output of kms-why is (80
// columns on a pipe: a ticket, a CI log). Commander wraps an option's or command's description
// only when its column is at least 40 wide, and never the text added after the help; with
// kms-why's long option names the column is narrower, so lines ran to 250 columns. This pass
// takes what commander wrote and wraps each line that is too long:
// - an item ("  --from <file>    snapshot file, …") continues under its description, or, when the
//   description column would be narrower than MIN_COLUMN, under its term, indented;
// - prose continues at its own indent;
// - a command line (`kms-why …`, `aws …`, `$ …`) stays whole, to be pasted.
import { wrap } from '../report/explain.js';
import { displayWidth } from '../report/width.js';

/** The narrowest description column worth wrapping into. */
const MIN_COLUMN = 30;
const ITEM = /^( +)(\S(?:.*?\S)?)( {2,})(\S.*)$/;
const COMMAND = /^\s*(?:kms-why |aws |\$ )/;

export function layoutHelp(text: string, width: number): string {
  const lines = text.split('\n');
  if (!lines.some((l) => displayWidth(l) > width)) return text;
  const out: string[] = [];
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (displayWidth(line) <= width || COMMAND.test(line)) {
      out.push(line);
      continue;
    }
    const item = ITEM.exec(line);
    if (item !== null) {
      const [, indent, term, gap, description] = item as unknown as [string, string, string, string, string];
      const column = indent.length + term.length + gap.length;
      // A word wider than the column (an action name) is not cut: the description goes under the term.
      if (width - column >= MIN_COLUMN && description.split(' ').every((w) => displayWidth(w) <= width - column)) {
        const lines = wrap(description, width - column);
        out.push(`${indent}${term}${gap}${lines[0]}`, ...lines.slice(1).map((l) => ' '.repeat(column) + l));
      } else {
        const under = `${indent}    `;
        out.push(`${indent}${term}`, ...wrap(description, width - under.length).map((l) => under + l));
      }
      continue;
    }
    // Prose: the rest of its paragraph (the lines after it at the same indent, up to a blank line,
    // an item or a command) is flowed with it, so that the text is not left ragged.
    const indent = /^ */.exec(line)![0];
    let para = line.slice(indent.length);
    while (n + 1 < lines.length) {
      const next = lines[n + 1]!;
      if (next.trim() === '' || COMMAND.test(next) || ITEM.test(next) || /^ */.exec(next)![0] !== indent) break;
      // A word the text broke at its hyphen (get-account-authorization-/details) is joined whole.
      para += /[A-Za-z]-$/.test(para) && /^[a-z]/.test(next.slice(indent.length)) ? next.slice(indent.length) : ` ${next.slice(indent.length)}`;
      n++;
    }
    out.push(...wrap(para, width - indent.length).map((l) => indent + l));
  }
  return out.join('\n');
}
