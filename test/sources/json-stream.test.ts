// The streaming JSON reader (large --from snapshots, diff of large who-can reports): the same
// values as JSON.parse however the bytes are cut, and the same refusals as the whole-text reader.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import { JsonStreamParser, type ByteRange, type JsonStreamOptions } from '../../src/sources/json-stream.js';

/** Parses `text` fed in pieces cut at `cuts` (byte offsets), with containers over `slice` bytes assembled by the reader. */
function parse(text: string | Uint8Array, slice = 0, cuts: number[] = [], opts: Partial<JsonStreamOptions> = {}): unknown {
  const p = new JsonStreamParser({ name: 'f.json', sliceBytes: slice, ...opts });
  const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text);
  let last = 0;
  for (const c of cuts.map((x) => x % (b.length + 1)).sort((x, y) => x - y)) {
    p.write(b.subarray(last, c));
    last = c;
  }
  p.write(b.subarray(last));
  return p.end();
}

function error(text: string, slice = 0, cuts: number[] = []): InputError {
  try {
    parse(text, slice, cuts);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error(`no error for ${text}`);
}

describe('JsonStreamParser: values', () => {
  it('equals JSON.parse on any JSON, any cut into chunks, any slice size', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 80 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (v, slice, cuts, pretty) => {
        const text = JSON.stringify(v, null, pretty ? 2 : undefined);
        expect(parse(text, slice, cuts)).toEqual(JSON.parse(text));
      }),
      { numRuns: 1500 },
    );
  });

  it('nesting, escapes and unicode, cut inside escapes and multi-byte characters', () => {
    const text = '{"a":[[[{"b":"q\\"uo\\\\te\\\\"}]]],"é\\u00e9":"日本\\ud83d\\ude00😀","\\"k":"\\n\\t\\/","x":[]}';
    const want = JSON.parse(text) as unknown;
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (const slice of [0, 8, 1 << 20]) expect(parse(text, slice, [cut])).toEqual(want);
    }
  });

  it('numbers as JSON.parse reads them, but one a double would change keeps its text (as readJsonText gives it)', () => {
    const text = '[0, -0, 1.5, -2e-3, 1E+2, 12345678901234567890, 3.141592653589793]';
    const want = [0, '-0', 1.5, '-2e-3', '1E+2', '12345678901234567890', Math.PI];
    for (const slice of [0, 1 << 20]) {
      expect(parse(text, slice, [5, 17])).toEqual(want);
      expect(parse(`{"a": ${text}}`, slice, [9])).toEqual({ a: want });
    }
  });

  it('__proto__ is an ordinary member, as JSON.parse makes it', () => {
    for (const slice of [0, 1 << 20]) {
      const v = parse('{"__proto__": {"polluted": true}, "a": {"__proto__": 1}}', slice) as Record<string, unknown>;
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect(Object.keys(v)).toEqual(['__proto__', 'a']);
      expect(Object.getOwnPropertyDescriptor(v, '__proto__')?.value).toEqual({ polluted: true });
      expect((v as { polluted?: unknown }).polluted).toBeUndefined();
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    }
  });

  it('drops a UTF-8 byte order mark', () => {
    expect(parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"é": 1}')]), 0, [1, 2])).toEqual({ é: 1 });
  });
});

describe('JsonStreamParser: refusals', () => {
  it('duplicate keys, with the JSON path of the object and the line of the second', () => {
    for (const slice of [0, 4, 1 << 20]) {
      expect(error('{"a":{"b":1,"c":[{"x":1},{"x":2,"\\u0078":3}]}}', slice).message).toBe('f.json: a.c[1]: duplicate key "x" (at line 1, column 33)');
      expect(error('{\n "k": 1,\n "k": 2\n}', slice).message).toBe('f.json: duplicate key "k" (at line 3, column 2)');
      expect(error('[{"odd key": {"y": 1, "y": 2}}]', slice).message).toBe('f.json: [0]["odd key"]: duplicate key "y" (at line 1, column 23)');
    }
  });

  it('truncated input', () => {
    for (const text of ['{"a": [1, 2', '{"a": "unfinished', '[1, 2,', '{"a"', '{"a":']) {
      for (const slice of [0, 1 << 20]) {
        const e = error(text, slice);
        expect(e.message).toMatch(/invalid JSON at line 1, column \d+: the JSON ends too early/);
        expect(e.hint).toMatch(/cut off/);
      }
    }
  });

  it('syntax errors with line and column', () => {
    expect(error('{"a": [1, 2}').message).toMatch(/^f\.json: invalid JSON at line 1, column 12: expected ',' or '\]', found '\}'/);
    expect(error('[1,]').message).toMatch(/line 1, column 4: unexpected '\]'/);
    expect(error('{"a": 1,\n  "b": 2,\n}').message).toMatch(/line 3, column 1: expected a member name/);
    expect(error('{"a": 1} x').message).toMatch(/line 1, column 10: unexpected data after the JSON value/);
    expect(error('[01]').message).toMatch(/line 1, column 3/);
    expect(error('[01]', 1 << 20).message).toMatch(/line 1, column 3/);
    expect(error('{"a": tru}').message).toMatch(/invalid JSON at line 1, column 7/);
    expect(error('["a\tb"]').message).toMatch(/invalid JSON at line 1/); // a raw tab in a string
    expect(error('["\\x"]').message).toMatch(/invalid JSON at line 1/);
  });

  it('empty, whitespace-only, UTF-16 and invalid UTF-8 input', () => {
    expect(error('').message).toMatch(/the file is empty/);
    expect(error(' \n\t ').message).toMatch(/only whitespace/);
    expect(() => parse(Buffer.from([0xff, 0xfe, 0x7b, 0x00]))).toThrow(/UTF-16/);
    expect(() => parse(Buffer.concat([Buffer.from('["a'), Buffer.from([0xc3, 0x28]), Buffer.from('"]')]))).toThrow(
      /not UTF-8 text \(invalid byte 0xc3 at byte offset 3\)/,
    );
  });

  it('nesting deeper than 512 levels', () => {
    expect(error('['.repeat(600) + ']'.repeat(600)).message).toMatch(/nested too deeply: more than 512 levels \(at line 1, column 513\)/);
  });
});

describe('JsonStreamParser: reading part of a document', () => {
  it('sparse values go to onValue with their byte range, and a range parses back with its path in messages', () => {
    const text = '{"v": 1,\n "keys": [\n  {"key": "k1", "big": [1, 2, 3]},\n  {"key": "k2", "big": {"a": 1, "a": 2}}\n ]}';
    const seen: Array<{ path: readonly (string | number)[]; value: unknown; range: ByteRange }> = [];
    const root = parse(text, 0, [10, 30], {
      select: (path) => (path.length < 2 ? 'build' : path.length === 2 ? 'sparse' : path[2] === 'key' ? 'keep' : 'skip'),
      onValue: (path, value, range) => seen.push({ path, value, range }),
    });
    expect(root).toEqual({ v: 1, keys: [] });
    expect(seen.map((s) => [s.path, s.value])).toEqual([
      [['keys', 0], { key: 'k1' }],
      [['keys', 1], { key: 'k2' }],
    ]);
    const r = seen[1]!.range;
    expect(r.line).toBe(4);
    expect(r.column).toBe(3);
    const bytes = Buffer.from(text).subarray(r.start, r.end);
    let message = '';
    try {
      parse(bytes, 0, [], { base: { offset: r.start, line: r.line, column: r.column, path: ['keys', 1] } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('f.json: keys[1].big: duplicate key "a" (at line 4, column 33)');
  });
});
