// Duplicate keys in a JSON object, and numbers a double would change. AWS refuses a policy with two members of the same name
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
  /** Objects: where this object's keys start in the shared key list (KeyList). */
  keysFrom: number;
  /** Objects with many keys: every key, decoded (else they are compared in the text). */
  keys: Set<string> | undefined;
  /** Objects: the current member's key; arrays: the current index. */
  keyStart: number;
  keyEnd: number;
  index: number;
}

/**
 * The keys of the open objects, as offsets into the text ([start, end) inside the quotes, and
 * whether the key holds an escape), one object's after its parent's: most objects have a handful
 * of keys, compared in place without a string or a Set for each (a scan over a who-can report
 * meets millions of them). An object past SMALL keys gets a Set of its decoded keys instead.
 */
const SMALL = 12;

function decodeKey(text: string, start: number, end: number, escaped: boolean): string {
  const raw = text.slice(start, end);
  return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
}

function sameText(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (; a < aEnd; a++, b++) if (text.charCodeAt(a) !== text.charCodeAt(b)) return false;
  return true;
}

const PLAIN_KEY = /^[A-Za-z0-9_$:/*@+-]+$/;

function pathOf(text: string, stack: Frame[]): string {
  let path = '';
  // stack[0] is the root container; each later frame is a member of the one before it.
  for (let i = 0; i < stack.length - 1; i++) {
    const f = stack[i]!;
    if (f.object) {
      const raw = text.slice(f.keyStart, f.keyEnd);
      const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
      path = PLAIN_KEY.test(key) ? (path === '' ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`;
    } else path = `${path}[${f.index}]`;
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

/** What one pass over valid JSON text finds: the first duplicate key, and whether a number would change as a double. */
export interface JsonScan {
  duplicate: DuplicateKey | undefined;
  /**
   * A number whose text a double does not give back (`12345678901234567890`, `1.0`, `1e2`, `-0`):
   * JSON.parse rounds it, and a policy condition compares the text AWS was given, so such a text is
   * re-read by parseKeepingNumbers.
   */
  lossyNumber: boolean;
}

/**
 * JSON.parse, where every number whose text a double would change is kept as that text (a
 * string): IAM reads an unquoted condition value as written, and the evaluator compares strings.
 * Only for text scanJson found such a number in (the reviver visits every value).
 */
export function parseKeepingNumbers(text: string): unknown {
  return JSON.parse(text, (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && context?.source !== undefined && String(value) !== context.source ? context.source : value,
  ) as unknown;
}

/** A character of a JSON number after its first (digits, `.`, `e`, `E`, `+`, `-`). */
function inNumber(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

export function scanJson(text: string): JsonScan {
  let lossyNumber = false;
  // The open containers are stack[0..depth); frames are reused as the scan goes up and down.
  const stack: Frame[] = [];
  let depth = 0;
  const push = (object: boolean, keysFrom: number): void => {
    const f = stack[depth];
    if (f === undefined) stack.push({ object, keysFrom, keys: undefined, keyStart: 0, keyEnd: 0, index: 0 });
    else {
      f.object = object;
      f.keysFrom = keysFrom;
      f.keys = undefined;
      f.index = 0;
    }
    depth++;
  };
  // KeyList: start, end and escaped (0/1) of each key of the open objects.
  let keyList = new Int32Array(3 * 64);
  let keyCount = 0;
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      const top = depth > 0 ? stack[depth - 1] : undefined;
      if (expectKey && top?.object) {
        const ks = i + 1;
        const ke = end - 1;
        let escaped = false;
        for (let j = ks; j < ke; j++) if (text.charCodeAt(j) === 0x5c) escaped = true;
        top.keyStart = ks;
        top.keyEnd = ke;
        if (top.keys !== undefined) {
          const key = decodeKey(text, ks, ke, escaped);
          if (top.keys.has(key)) return { duplicate: { key, path: pathOf(text, stack.slice(0, depth)), offset: i }, lossyNumber };
          top.keys.add(key);
        } else {
          const count = keyCount - top.keysFrom;
          for (let j = top.keysFrom * 3; j < keyCount * 3; j += 3) {
            const js = keyList[j]!;
            const je = keyList[j + 1]!;
            // Two unescaped keys are equal when their text is; an escape needs both decoded.
            const dup =
              keyList[j + 2] === 0 && !escaped
                ? sameText(text, js, je, ks, ke)
                : decodeKey(text, js, je, keyList[j + 2] === 1) === decodeKey(text, ks, ke, escaped);
            if (dup) return { duplicate: { key: decodeKey(text, ks, ke, escaped), path: pathOf(text, stack.slice(0, depth)), offset: i }, lossyNumber };
          }
          if (count + 1 > SMALL) {
            const keys = new Set<string>();
            for (let j = top.keysFrom * 3; j < keyCount * 3; j += 3) keys.add(decodeKey(text, keyList[j]!, keyList[j + 1]!, keyList[j + 2] === 1));
            keys.add(decodeKey(text, ks, ke, escaped));
            top.keys = keys;
            keyCount = top.keysFrom;
          } else {
            if (keyList.length < (keyCount + 1) * 3) {
              const grown = new Int32Array(keyList.length * 2);
              grown.set(keyList);
              keyList = grown;
            }
            keyList[keyCount * 3] = ks;
            keyList[keyCount * 3 + 1] = ke;
            keyList[keyCount * 3 + 2] = escaped ? 1 : 0;
            keyCount++;
          }
        }
        expectKey = false;
      }
      i = end - 1;
    } else if (c === 0x7b) {
      push(true, keyCount);
      expectKey = true;
    } else if (c === 0x5b) {
      push(false, keyCount);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth > 0) keyCount = stack[--depth]!.keysFrom;
      expectKey = false;
    } else if (c === 0x2c) {
      const top = depth > 0 ? stack[depth - 1] : undefined;
      if (top !== undefined) {
        if (top.object) expectKey = true;
        else top.index++;
      }
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      let j = i + 1;
      while (j < n && inNumber(text.charCodeAt(j))) j++;
      if (!lossyNumber) {
        const token = text.slice(i, j);
        lossyNumber = String(Number(token)) !== token;
      }
      i = j - 1;
    }
  }
  return { duplicate: undefined, lossyNumber };
}
