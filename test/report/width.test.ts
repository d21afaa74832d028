// Terminal columns (src/report/width.ts): East Asian Wide and Fullwidth characters take two, combining
// marks and zero-width characters none, an emoji sequence two; text is broken by columns, never inside
// a character. The wrapping and table layout measure with it.
import { describe, expect, it } from 'vitest';
import { pushHanging, wrap, wrapHanging } from '../../src/report/explain.js';
import { layoutTable } from '../../src/report/layout.js';
import { plainTable } from '../../src/report/text.js';
import { breakColumns, displayWidth, fitEnd, padColumns } from '../../src/report/width.js';
import { pushWrapped } from '../../src/report/wrap-spaces.js';

const widest = (lines: readonly string[]): number => Math.max(...lines.map(displayWidth));

/** No lone surrogate: a piece never ends between the two halves of a character. */
const whole = (s: string): boolean => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('displayWidth', () => {
  it('counts ASCII and Latin-1 by their length', () => {
    expect(displayWidth('')).toBe(0);
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd';
    expect(displayWidth(arn)).toBe(arn.length);
    expect(displayWidth('café naïve ×÷')).toBe(13);
  });

  it('gives CJK, kana, Hangul and fullwidth forms two columns, halfwidth katakana one', () => {
    expect(displayWidth('鍵管理')).toBe(6);
    expect(displayWidth('ひらがなカタカナ')).toBe(16);
    expect(displayWidth('한국어')).toBe(6);
    expect(displayWidth('ＡＢＣ１２３')).toBe(12);
    expect(displayWidth('ｱｲｳ')).toBe(3);
    expect(displayWidth('key=鍵')).toBe(6);
    expect(displayWidth('、。「」')).toBe(8);
  });

  it('counts a character outside the BMP (a surrogate pair) once', () => {
    expect('𠮷'.length).toBe(2);
    expect(displayWidth('𠮷野家')).toBe(6);
    expect(displayWidth('𝐀𝐁')).toBe(2);
  });

  it('gives combining marks and zero-width characters no column', () => {
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('a\u0300\u0301\u0302')).toBe(1);
    expect(displayWidth('か\u3099')).toBe(2);
    expect(displayWidth('\u1100\u1161\u11a8')).toBe(2);
    expect(displayWidth('a\u200bb')).toBe(2);
    expect(displayWidth('a\u200db')).toBe(2);
    expect(displayWidth('\u0301')).toBe(0);
  });

  it('gives an emoji, a ZWJ sequence, a flag, a modified or keycap emoji two columns', () => {
    expect(displayWidth('😀')).toBe(2);
    expect(displayWidth('👨‍👩‍👧‍👦')).toBe(2);
    expect(displayWidth('🇯🇵')).toBe(2);
    expect(displayWidth('👍🏽')).toBe(2);
    expect(displayWidth('❤️')).toBe(2);
    expect(displayWidth('❤')).toBe(1);
    expect(displayWidth('1️⃣')).toBe(2);
    expect(displayWidth('a👨‍👩‍👧b')).toBe(4);
  });
});

describe('breaking by columns', () => {
  it('breaks into pieces of at most the width, never inside a character, and loses nothing', () => {
    const texts = ['鍵管理者権限鍵管理者権限', 'ab鍵cd𠮷ef', 'e\u0301e\u0301e\u0301e\u0301', '👨‍👩‍👧😀🇯🇵👍🏽❤️x', 'ＡＢＣ１２３'];
    for (const t of texts)
      for (const w of [2, 3, 5, 8]) {
        const pieces = breakColumns(t, w);
        expect(pieces.join(''), `${t} ${w}`).toBe(t);
        for (const p of pieces) {
          expect(displayWidth(p), `${t} ${w} ${p}`).toBeLessThanOrEqual(w);
          expect(whole(p)).toBe(true);
          // No piece starts with a mark or a joiner: the character it belongs to is in the piece before.
          expect(/^(?:\p{M}|\u200d|\ufe0f|[\u{1f3fb}-\u{1f3ff}])/u.test(p), `${t} ${w} ${p}`).toBe(false);
        }
      }
    expect(breakColumns('鍵管理', 3)).toEqual(['鍵', '管', '理']);
    expect(breakColumns('a鍵b', 2)).toEqual(['a', '鍵', 'b']);
    // A character wider than the width takes a piece of its own: breaking always advances.
    expect(breakColumns('鍵鍵', 1)).toEqual(['鍵', '鍵']);
    expect(fitEnd('鍵鍵', 0, 1)).toBe(1);
  });

  it('pads by columns', () => {
    expect(padColumns('鍵', 4)).toBe('鍵  ');
    expect(padColumns('e\u0301', 3)).toBe('e\u0301  ');
    expect(padColumns('abc', 2)).toBe('abc');
  });
});

describe('wrapping and tables measure in columns', () => {
  const cjk = Array.from({ length: 12 }, () => '鍵管理者権').join(' ');

  it('wrap, wrapHanging and pushHanging keep every line within the width', () => {
    for (const w of [20, 37, 80]) {
      const lines = wrap(cjk, w);
      expect(widest(lines)).toBeLessThanOrEqual(w);
      expect(lines.join(' ')).toBe(cjk);
      // The lines are full: each holds as many words as fit.
      expect(lines.length).toBe(Math.ceil(12 / Math.floor((w + 1) / 11)));
      expect(widest(wrapHanging(cjk, w, 'context: '))).toBeLessThanOrEqual(w);
      const out: string[] = [];
      pushHanging(out, cjk, w, '- ', '  ');
      expect(widest(out)).toBeLessThanOrEqual(w);
    }
    // One long token is broken by columns, never inside a surrogate pair.
    const long = '𠮷'.repeat(30);
    const lines = wrap(long, 20);
    expect(widest(lines)).toBeLessThanOrEqual(20);
    expect(lines.join('')).toBe(long);
    for (const l of lines) expect(whole(l)).toBe(true);
    // An ARN still breaks after `:` or `/` when it must.
    expect(wrap('arn:aws:iam::111122223333:role/鍵管理者ロール', 40)).toEqual(['arn:aws:iam::111122223333:role/', '鍵管理者ロール']);
  });

  it('pushWrapped wraps at spaces by columns', () => {
    const out: string[] = [];
    pushWrapped(out, cjk, 40, '  ', '    ');
    expect(widest(out)).toBeLessThanOrEqual(40);
    expect(out.map((l) => l.trim()).join(' ')).toBe(cjk);
  });

  it('lays a table with wide characters out within the width, its borders aligned', () => {
    const rows = [
      ['kms:Decrypt', `statement "${cjk}"`, 'ok'],
      ['kms:Encrypt', 'ＡＢＣ鍵管理者権限𠮷野家👨‍👩‍👧e\u0301'.repeat(4), '鍵'],
    ];
    for (const w of [40, 60, 80]) {
      const lines = layoutTable(['Action', 'Through', 'Note'], rows, w).split('\n');
      expect(widest(lines), String(w)).toBeLessThanOrEqual(w);
      // Every line of the table is as wide as its top border.
      for (const l of lines) expect(displayWidth(l)).toBe(displayWidth(lines[0]!));
      for (const l of lines) expect(whole(l)).toBe(true);
    }
  });

  it('pads the columns of a plain table by columns', () => {
    const lines = plainTable(
      ['A', 'B'],
      [
        ['鍵管理', 'x'],
        ['abc', 'y'],
      ],
      [8, 4],
    );
    expect(lines.slice(2)).toEqual(['鍵管理    x', 'abc       y']);
  });
});
