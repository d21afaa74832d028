// Wrapping at spaces only, for who-can's text lines and the whole columns of tables (layout.ts):
// a quoted name, an ARN or an action name is never cut. Widths are terminal columns (width.ts).
import { displayWidth } from './width.js';

/**
 * Appends `text` to `out`, wrapped to `width` columns: its first line after `first`, the others
 * after `rest` (a hanging indent). It breaks only at spaces outside a quoted name ("…" or `…`), so
 * an ARN or a quoted name is never cut: a word longer than the line stays whole, on a line of its
 * own. Linear in the text (each character is looked at once, a quote's closing one found once); a
 * line that fits is pushed as it is, so the long lists who-can prints pay a width check per line
 * (the length of one without characters beyond Latin-1).
 */
export function pushWrapped(out: string[], text: string, width: number, first = '', rest = first): void {
  if (displayWidth(first) + displayWidth(text) <= width && text.indexOf('\n') === -1) {
    out.push(first + text);
    return;
  }
  let prefix = first;
  let prefixWidth = displayWidth(first);
  const restWidth = displayWidth(rest);
  // Set once a quote character has no closing one left: it then quotes nothing (and is not looked for again).
  let noDouble = false;
  let noBack = false;
  for (const para of text.split('\n')) {
    const n = para.length;
    let line = '';
    let lineWidth = 0;
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
      const wordWidth = displayWidth(word);
      i = j;
      if (line === '') {
        line = word;
        lineWidth = wordWidth;
      } else if (prefixWidth + lineWidth + 1 + wordWidth <= width) {
        line += ` ${word}`;
        lineWidth += 1 + wordWidth;
      } else {
        out.push(fitted(prefix, prefixWidth, line, lineWidth, width));
        prefix = rest;
        prefixWidth = restWidth;
        line = word;
        lineWidth = wordWidth;
      }
    }
    out.push(fitted(prefix, prefixWidth, line, lineWidth, width));
    prefix = rest;
    prefixWidth = restWidth;
    noDouble = false;
    noBack = false;
  }
}

/**
 * A line of one word too long for its indent (an ARN under a deep indent): indented less, so that
 * it still fits when the word alone does. An indent holding text is kept whole.
 */
function fitted(prefix: string, prefixWidth: number, line: string, lineWidth: number, width: number): string {
  if (prefixWidth + lineWidth <= width || prefix.trim() !== '') return prefix + line;
  return prefix.slice(0, Math.max(0, width - lineWidth)) + line;
}
