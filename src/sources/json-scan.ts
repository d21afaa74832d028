// Duplicate keys in a JSON object. AWS refuses a policy with two members of the same name
// ("Duplicate key" from the IAM policy grammar); JSON.parse keeps the last one silently, so a
// second "Effect" or "Condition" would change what kms-why evaluates without a word. This scan
// finds the first duplicate and its JSON path. It runs over the text once, iteratively (deep input
// cannot overflow it), and jumps from quote to quote inside strings, so a 100 MB snapshot costs
// about as much as JSON.parse itself. It assumes the text is valid JSON (run it after JSON.parse).

export interface DuplicateKey {
  /** The key that appears twice, decoded. */
  key: string;
  /** The JSON path of the object that holds it (`''` for the root), in json-path.ts style. */
  path: string;
  /** Offset of the second occurrence in the text. */
  offset: number;
}

interface Frame {
  object: boolean;
  /** Objects: the first key, then every key once there are two. */
  first: string | undefined;
  keys: Set<string> | undefined;
  /** Objects: the current member's key; arrays: the current index. */
  key: string;
  index: number;
}

const PLAIN_KEY = /^[A-Za-z0-9_$:/*@+-]+$/;

function pathOf(stack: Frame[]): string {
  let path = '';
  // stack[0] is the root container; each later frame is a member of the one before it.
  for (let i = 0; i < stack.length - 1; i++) {
    const f = stack[i]!;
    if (f.object) path = PLAIN_KEY.test(f.key) ? (path === '' ? f.key : `${path}.${f.key}`) : `${path}[${JSON.stringify(f.key)}]`;
    else path = `${path}[${f.index}]`;
  }
  return path;
}

/** The end (index after the closing quote) of the string that starts at `start`. */
function stringEnd(text: string, start: number): number {
  let j = start + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return text.length;
    // The quote is escaped when an odd number of backslashes precede it.
    let b = q - 1;
    while (b > start && text.charCodeAt(b) === 0x5c) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (expectKey && top?.object) {
        const raw = text.slice(i + 1, end - 1);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.first === undefined && top.keys === undefined) top.first = key;
        else {
          if (top.keys === undefined) top.keys = new Set([top.first!]);
          if (top.keys.has(key)) return { key, path: pathOf(stack), offset: i };
          top.keys.add(key);
        }
        top.key = key;
        expectKey = false;
      }
      i = end - 1;
    } else if (c === 0x7b) {
      stack.push({ object: true, first: undefined, keys: undefined, key: '', index: 0 });
      expectKey = true;
    } else if (c === 0x5b) {
      stack.push({ object: false, first: undefined, keys: undefined, key: '', index: 0 });
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top !== undefined) {
        if (top.object) expectKey = true;
        else top.index++;
      }
    }
  }
  return undefined;
}
