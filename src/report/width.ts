// Terminal columns, for everything that wraps, pads or fits text to a width (explain.ts wrap,
// wrap-spaces.ts, layout.ts, text.ts): a string's length counts UTF-16 code units, but a terminal
// gives an East Asian Wide or Fullwidth character (CJK, kana, Hangul, fullwidth forms, emoji) two
// columns and a combining mark none, so a Sid or an encryption-context value in Japanese ran lines
// far past the width. No dependency: Node has no string width of its own, and the table below is
// the W and F ranges of Unicode's EastAsianWidth.txt (15.1, with the unassigned ranges it gives W:
// the CJK blocks and planes 2 and 3) and the characters of Emoji_Presentation (Unicode 17), which
// terminals draw two columns wide; the regional indicators among them are a flag only in pairs,
// and a pair takes two columns.
//
// Text is measured by grapheme cluster, so that a piece of a broken word never ends inside one (or
// inside a surrogate pair): a character and the zero-width ones after it (combining marks, the
// variation selectors, emoji modifiers and tags, the Hangul vowels and finals that join a leading
// consonant), an emoji and the ones a zero-width joiner adds to it, two regional indicators.
// A cluster takes the width of its first character, or two when a variation selector 16 asks for
// emoji presentation. Strings of Latin-1 only (all kms-why's own text, ARNs, action names) are
// measured by their length: a regular-expression test, so who-can's long outputs do not pay more.

/**
 * East Asian Wide and Fullwidth ranges, and Emoji_Presentation: pairs of first and last code point,
 * sorted. The combining marks among them (U+302A–302F, U+3099–309A, U+16FE4, U+16FF0–16FF1) are
 * left out: they take no column of their own.
 */
const WIDE: readonly number[] = [
  0x1100, 0x115f, 0x231a, 0x231b, 0x2329, 0x232a, 0x23e9, 0x23ec, 0x23f0, 0x23f0, 0x23f3, 0x23f3, 0x25fd, 0x25fe, 0x2614, 0x2615, 0x2648, 0x2653, 0x267f,
  0x267f, 0x2693, 0x2693, 0x26a1, 0x26a1, 0x26aa, 0x26ab, 0x26bd, 0x26be, 0x26c4, 0x26c5, 0x26ce, 0x26ce, 0x26d4, 0x26d4, 0x26ea, 0x26ea, 0x26f2, 0x26f3,
  0x26f5, 0x26f5, 0x26fa, 0x26fa, 0x26fd, 0x26fd, 0x2705, 0x2705, 0x270a, 0x270b, 0x2728, 0x2728, 0x274c, 0x274c, 0x274e, 0x274e, 0x2753, 0x2755, 0x2757,
  0x2757, 0x2795, 0x2797, 0x27b0, 0x27b0, 0x27bf, 0x27bf, 0x2b1b, 0x2b1c, 0x2b50, 0x2b50, 0x2b55, 0x2b55, 0x2e80, 0x2e99, 0x2e9b, 0x2ef3, 0x2f00, 0x2fd5,
  0x2ff0, 0x3029, 0x3030, 0x303e, 0x3041, 0x3096, 0x309b, 0x30ff, 0x3105, 0x312f, 0x3131, 0x318e, 0x3190, 0x31e3, 0x31ef, 0x321e, 0x3220, 0x3247, 0x3250,
  0x4dbf, 0x4e00, 0xa48c, 0xa490, 0xa4c6, 0xa960, 0xa97c, 0xac00, 0xd7a3, 0xf900, 0xfaff, 0xfe10, 0xfe19, 0xfe30, 0xfe52, 0xfe54, 0xfe66, 0xfe68, 0xfe6b,
  0xff01, 0xff60, 0xffe0, 0xffe6, 0x16fe0, 0x16fe3, 0x17000, 0x187f7, 0x18800, 0x18cd5, 0x18d00, 0x18d08, 0x1aff0, 0x1aff3, 0x1aff5, 0x1affb, 0x1affd, 0x1affe,
  0x1b000, 0x1b122, 0x1b132, 0x1b132, 0x1b150, 0x1b152, 0x1b155, 0x1b155, 0x1b164, 0x1b167, 0x1b170, 0x1b2fb, 0x1f004, 0x1f004, 0x1f0cf, 0x1f0cf, 0x1f18e,
  0x1f18e, 0x1f191, 0x1f19a, 0x1f1e6, 0x1f202, 0x1f210, 0x1f23b, 0x1f240, 0x1f248, 0x1f250, 0x1f251, 0x1f260, 0x1f265, 0x1f300, 0x1f320, 0x1f32d, 0x1f335,
  0x1f337, 0x1f37c, 0x1f37e, 0x1f393, 0x1f3a0, 0x1f3ca, 0x1f3cf, 0x1f3d3, 0x1f3e0, 0x1f3f0, 0x1f3f4, 0x1f3f4, 0x1f3f8, 0x1f43e, 0x1f440, 0x1f440, 0x1f442,
  0x1f4fc, 0x1f4ff, 0x1f53d, 0x1f54b, 0x1f54e, 0x1f550, 0x1f567, 0x1f57a, 0x1f57a, 0x1f595, 0x1f596, 0x1f5a4, 0x1f5a4, 0x1f5fb, 0x1f64f, 0x1f680, 0x1f6c5,
  0x1f6cc, 0x1f6cc, 0x1f6d0, 0x1f6d2, 0x1f6d5, 0x1f6d8, 0x1f6dc, 0x1f6df, 0x1f6eb, 0x1f6ec, 0x1f6f4, 0x1f6fc, 0x1f7e0, 0x1f7eb, 0x1f7f0, 0x1f7f0, 0x1f90c,
  0x1f93a, 0x1f93c, 0x1f945, 0x1f947, 0x1f9ff, 0x1fa70, 0x1fa7c, 0x1fa80, 0x1fa8a, 0x1fa8e, 0x1fac6, 0x1fac8, 0x1fac8, 0x1facd, 0x1fadc, 0x1fadf, 0x1faea,
  0x1faef, 0x1faf8, 0x20000, 0x2fffd, 0x30000, 0x3fffd,
];

/** A character above Latin-1: only such strings need more than their length. */
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;
/** A combining mark at lastIndex. */
const MARK_AT = /\p{M}/uy;

function isWide(c: number): boolean {
  if (c < WIDE[0]!) return false;
  let lo = 0;
  let hi = WIDE.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < WIDE[2 * mid]!) hi = mid - 1;
    else if (c > WIDE[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Whether the character `c` at `s[i]` takes no column: it joins the cluster before it. */
function isZeroWidth(c: number, s: string, i: number): boolean {
  if (
    (c >= 0x200b && c <= 0x200d) || // zero-width space, non-joiner, joiner
    c === 0x2060 || // word joiner
    c === 0xfeff || // zero-width no-break space
    (c >= 0xfe00 && c <= 0xfe0f) || // variation selectors
    (c >= 0xe0100 && c <= 0xe01ef) ||
    (c >= 0xe0020 && c <= 0xe007f) || // tags (subdivision flags)
    (c >= 0x1160 && c <= 0x11ff) || // Hangul vowels and finals (after a leading consonant)
    (c >= 0xd7b0 && c <= 0xd7ff)
  )
    return true;
  MARK_AT.lastIndex = i;
  return MARK_AT.test(s);
}

const isRegional = (c: number): boolean => c >= 0x1f1e6 && c <= 0x1f1ff;
const isModifier = (c: number): boolean => c >= 0x1f3fb && c <= 0x1f3ff;

/**
 * The grapheme cluster starting at `s[i]`: where it ends, times 4, plus its width in columns (0, 1
 * or 2). One number, so that measuring a long string allocates nothing.
 */
function cluster(s: string, i: number): number {
  const c = s.codePointAt(i)!;
  let j = i + (c > 0xffff ? 2 : 1);
  // Wide characters are never zero-width (the table leaves the marks out): looked up first, as CJK text is mostly them.
  let w = c < 0x300 ? 1 : isWide(c) ? 2 : isZeroWidth(c, s, i) ? 0 : 1;
  let regional = isRegional(c);
  while (j < s.length) {
    const d = s.codePointAt(j)!;
    if (d < 0x300) break;
    const n = d > 0xffff ? 2 : 1;
    if (d === 0x200d) {
      // A zero-width joiner: an emoji after it is drawn as part of this one.
      j += n;
      if (j < s.length) {
        const e = s.codePointAt(j)!;
        if (w === 2 && isWide(e)) j += e > 0xffff ? 2 : 1;
      }
      continue;
    }
    if (d === 0xfe0f) {
      if (w === 1) w = 2;
    } else if (regional && isRegional(d)) {
      regional = false;
    } else if (isModifier(d) ? w !== 2 : isWide(d) || !isZeroWidth(d, s, j)) break;
    j += n;
  }
  return j * 4 + w;
}

/** The columns `s` takes on a terminal (one line: a newline is counted as a character). */
export function displayWidth(s: string): number {
  if (!BEYOND_LATIN1.test(s)) return s.length;
  let w = 0;
  for (let i = 0; i < s.length; ) {
    const r = cluster(s, i);
    w += r & 3;
    i = r >>> 2;
  }
  return w;
}

/**
 * Where the longest start of `s[from…]` at most `columns` wide ends, at a cluster boundary: at
 * least one cluster, even one wider than `columns`, so that a caller breaking text always advances.
 * Calls `at(end, columns)` at each boundary on the way (for a caller that prefers some other one).
 */
export function fitEnd(s: string, from: number, columns: number, at?: (end: number, width: number) => void): number {
  let i = from;
  let w = 0;
  while (i < s.length) {
    const r = cluster(s, i);
    const cw = r & 3;
    if (w + cw > columns && i > from) break;
    w += cw;
    i = r >>> 2;
    at?.(i, w);
  }
  return i;
}

/** `s` in pieces at most `columns` wide (a cluster wider than that alone in its piece), never cut inside a cluster. */
export function breakColumns(s: string, columns: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    const end = fitEnd(s, i, columns);
    out.push(s.slice(i, end));
    i = end;
  }
  return out;
}

/** `s` padded with spaces to `columns` (as padEnd, by columns). */
export function padColumns(s: string, columns: number): string {
  const w = displayWidth(s);
  return w >= columns ? s : s + ' '.repeat(columns - w);
}
