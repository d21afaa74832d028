// Where values sit in a JSON text (1-based line and column), so that SARIF results and messages can
// point into the user's own file (an expectation matcher, an accepted finding). The text has been
// parsed by JSON.parse already: this walker only tracks positions and trusts the syntax.

export type JsonPathPart = string | number;

export interface TextPosition {
  line: number;
  column: number;
}

/** The position of every value in the text, keyed by its JSON path (`JSON.stringify(path)`). */
export function jsonPositions(text: string): Map<string, TextPosition> {
  const out = new Map<string, TextPosition>();
  // Line starts, for offset → line/column.
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const position = (offset: number): TextPosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  // Recursive: the reader has already refused input nested deeper than MAX_JSON_DEPTH.
  const value = (path: JsonPathPart[]): void => {
    ws();
    out.set(JSON.stringify(path), position(i));
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const k = str();
        ws();
        i++; // ':'
        value([...path, k]);
        ws();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value([...path, n]);
        ws();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') {
      str();
      return;
    }
    while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  value([]);
  return out;
}

/** The 1-based line of the value at `path`, or undefined when the text has no such value. */
export function lineOf(positions: Map<string, TextPosition>, path: JsonPathPart[]): number | undefined {
  return positions.get(JSON.stringify(path))?.line;
}
