// Nothing from the input reaches the terminal raw. A Sid, grant name, tag, alias or file name may
// hold control characters: an escape sequence could recolour, move the cursor, rewrite an earlier
// line ("ALLOW" over "DENY"), set the window title or plant a hyperlink; a newline or carriage
// return could forge a whole line of the report; bidirectional overrides could reorder what is
// shown (the "Trojan Source" trick). Each such character is printed as a `\uXXXX` escape, which is
// readable in text and valid inside a JSON string.
import { CONTROL_CLASS, CONTROL_CLASS_BUT_LAYOUT, hasControlChar } from '../model/control-chars.js';

// The characters are model/control-chars.ts's; SGR colour sequences are matched whole, so that
// keepColor can keep them.
const UNSAFE = new RegExp(`(\u001b\\[[0-9;]*m)|[${CONTROL_CLASS}]`, 'g');
/** UNSAFE without `\n` and `\t`: a whole rendered output has newlines on every line, which keepLayout keeps: a quick test first that most outputs pass. */
const UNSAFE_IN_LAYOUT = new RegExp(`[${CONTROL_CLASS_BUT_LAYOUT}]`);

export interface EscapeOptions {
  /** Keep `\n` and `\t`: for whole rendered outputs, whose lines kms-why itself laid out. */
  keepLayout?: boolean;
  /** Keep SGR colour sequences (`ESC [ … m`): for outputs kms-why coloured itself. */
  keepColor?: boolean;
}

function hex4(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function escapeControls(text: string, opts: EscapeOptions = {}): string {
  if (opts.keepLayout === true) {
    if (!UNSAFE_IN_LAYOUT.test(text)) return text;
  }
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (m: string, sgr: string | undefined) => {
    if (sgr !== undefined) return opts.keepColor === true ? m : hex4(m[0]!) + m.slice(1);
    if (opts.keepLayout === true && (m === '\n' || m === '\t')) return m;
    return hex4(m);
  });
}

/** A deep copy in which every string (values and keys) is escaped: the data a renderer lays out. */
export function escapeDeep<T>(value: T): T {
  if (typeof value === 'string') return escapeControls(value) as T;
  if (Array.isArray(value)) return value.map((v) => escapeDeep(v)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = Object.create(Object.getPrototypeOf(value) === null ? null : Object.prototype) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, escapeControls(k), { value: escapeDeep(v), enumerable: true, writable: true, configurable: true });
    }
    return out as T;
  }
  return value;
}

/**
 * `value` with every string (values and keys) escaped, as escapeDeep, but sharing what needs no
 * escape: an object or array none of whose strings changed is returned itself, and one reached
 * twice is escaped once (who-can's rows and answers are shared by thousands of principals, so a
 * deep copy would cost as much as the report). The final pass over an output (escapeControls with
 * keepLayout) keeps newlines and tabs, so a renderer that lays input out as text escapes it first:
 * a Sid or grant name with a newline must not forge a line ("Findings: none").
 */
export function escapeShared<T>(value: T, memo: Map<object, unknown> = new Map()): T {
  if (typeof value === 'string') return escapeControls(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  const hit = memo.get(value);
  if (hit !== undefined) return hit as T;
  let out: unknown = value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v === null || (typeof v !== 'object' && typeof v !== 'string')) continue;
      const e = escapeShared(v, memo);
      if (e !== v) (copy ??= value.slice())[i] = e;
    }
    if (copy !== undefined) out = copy;
  } else {
    // Read first, copied only when something changed (most objects hold no control character).
    const o = value as Record<string, unknown>;
    let changed = false;
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (hasControlChar(k) || ((typeof v === 'string' || (typeof v === 'object' && v !== null)) && escapeShared(v, memo) !== v)) {
        changed = true;
        break;
      }
    }
    if (changed) {
      const copy = Object.create(Object.getPrototypeOf(value) === null ? null : Object.prototype) as Record<string, unknown>;
      for (const k of Object.keys(o))
        Object.defineProperty(copy, escapeControls(k), { value: escapeShared(o[k], memo), enumerable: true, writable: true, configurable: true });
      out = copy;
    }
  }
  memo.set(value, out);
  return out as T;
}
