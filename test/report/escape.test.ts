// escapeShared: every input string escaped, as escapeDeep, while what needed no escape stays the
// same object (who-can's rows and answers are shared by thousands of principals).
import { describe, expect, it } from 'vitest';
import { escapeControls, escapeDeep, escapeShared } from '../../src/report/escape.js';

describe('escapeShared', () => {
  it('returns the value itself when no string needs escaping', () => {
    const entry = { access: 'allow', reasons: [{ id: 'Use', source: 'key-policy' }] };
    const key = {
      principals: [{ arn: 'arn:aws:iam::111122223333:role/a' }],
      access: [
        [entry, null],
        [entry, null],
      ],
    };
    expect(escapeShared(key)).toBe(key);
  });

  it('escapes strings and keys as escapeDeep does, copying only the path to what changed', () => {
    const evil = { id: 'a\nb', source: 'key-policy' };
    const plain = { id: 'Use', source: 'key-policy' };
    const row = [
      { access: 'allow', reasons: [evil] },
      { access: 'allow', reasons: [plain] },
    ];
    const value = { access: [row, row], witness: { encryptionContext: { 'k\t': 'v\u001b[2J' } }, untouched: { list: ['x'] } };
    const out = escapeShared(value);
    expect(out).toEqual(escapeDeep(value));
    expect(out.access[0]![0]!.reasons[0]!.id).toBe('a\\u000ab');
    expect(Object.keys(out.witness.encryptionContext)).toEqual(['k\\u0009']);
    // The shared row is escaped once and stays shared; what held no control character is the input's.
    expect(out.access[0]).toBe(out.access[1]);
    expect(out.access[0]![1]).toBe(row[1]);
    expect(out.untouched).toBe(value.untouched);
    // The input is left as it was.
    expect(evil.id).toBe('a\nb');
  });

  it('keeps a __proto__ key as data', () => {
    const value = JSON.parse('{"__proto__": "x\\ny", "ok": 1}') as Record<string, unknown>;
    const out = escapeShared(value);
    expect(Object.keys(out)).toEqual(['__proto__', 'ok']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('x\\u000ay');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('escapes a string as escapeControls does', () => {
    for (const s of ['plain', 'a\nb', '\u202eevil', '\u001b[31mred']) expect(escapeShared(s)).toBe(escapeControls(s));
  });
});

describe('escapeControls', () => {
  it('escapes the invisible characters and bidi marks that make two names look alike, not an emoji joiner', () => {
    for (const ch of ['\u200b', '\u2060', '\ufeff', '\u061c', '\u202e', '\u2066']) {
      const out = escapeControls(`role${ch}app`);
      expect(out).not.toContain(ch);
      expect(out).toContain(`\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    }
    expect(escapeControls('team 👩\u200d💻')).toBe('team 👩\u200d💻');
  });
});
