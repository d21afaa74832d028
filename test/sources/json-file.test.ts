import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { STREAM_ABOVE_BYTES, locateSyntaxError, readJsonText } from '../../src/sources/json-file.js';
import { expectInputErrorAsync, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

function file(name: string, content: string | Uint8Array): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, content);
  return p;
}

describe('readJsonText: good input', () => {
  it('reads a JSON file', async () => {
    expect(await readJsonText(file('ok.json', '{"a": [1, 2]}'))).toEqual({ a: [1, 2] });
  });

  it('accepts a UTF-8 byte order mark silently', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"é": "ü"}', 'utf8')]);
    expect(await readJsonText(file('bom.json', bytes))).toEqual({ é: 'ü' });
  });

  it('reads stdin for "-"', async () => {
    const stdin = Readable.from([Buffer.from('{"from":'), Buffer.from(' "stdin"}')]);
    expect(await readJsonText('-', { stdin })).toEqual({ from: 'stdin' });
  });

  it('loads a 50 MB file of valid JSON', async () => {
    const item = { FunctionName: 'f', Description: 'x'.repeat(1000) };
    const big = JSON.stringify({ items: Array.from({ length: 50_000 }, () => item) });
    expect(big.length).toBeGreaterThan(50_000_000);
    const value = (await readJsonText(file('big.json', big))) as { items: unknown[] };
    expect(value.items).toHaveLength(50_000);
  });
});

describe('readJsonText: bad input', () => {
  it('missing file', async () => {
    const p = join(tmp.dir, 'nope.json');
    await expectInputErrorAsync(readJsonText(p), { file: p, message: /file not found/, hint: /path/ });
  });

  it('a directory', async () => {
    const p = join(tmp.dir, 'a-dir');
    mkdirSync(p);
    await expectInputErrorAsync(readJsonText(p), { file: p, message: /is a directory/ });
  });

  it('an empty file', async () => {
    const p = file('empty.json', '');
    await expectInputErrorAsync(readJsonText(p), { file: p, message: /the file is empty/, hint: /command/ });
  });

  it('a whitespace-only file', async () => {
    const p = file('ws.json', ' \n\t\r\n  ');
    await expectInputErrorAsync(readJsonText(p), { file: p, message: /only whitespace/ });
  });

  it('non-UTF-8 bytes', async () => {
    const p = file('latin1.json', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d])); // {"a":"é"} in Latin-1
    await expectInputErrorAsync(readJsonText(p), { file: p, message: /not UTF-8 text \(invalid byte 0xe9 at byte offset 6\)/ });
  });

  it('UTF-16 text (as PowerShell writes it)', async () => {
    const p = file('utf16.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}', 'utf16le')]));
    await expectInputErrorAsync(readJsonText(p), { file: p, message: /UTF-16/, hint: /Out-File -Encoding utf8/ });
  });

  it('truncated JSON, with the line and column of the end', async () => {
    const p = file('truncated.json', '{\n  "keys": [\n    {"KeyMetadata": {"Arn": "arn:aws:kms:us-east-1:1');
    const err = await expectInputErrorAsync(readJsonText(p), { file: p, message: /invalid JSON at line 3, column \d+: the JSON ends too early/ });
    expect(err.hint).toMatch(/cut off/);
  });

  it('invalid JSON in the middle: the line and column of the bad token', async () => {
    const p = file('bad-token.json', '{\n  "a": 1,\n  "b": }\n');
    await expectInputErrorAsync(readJsonText(p), { file: p, message: /invalid JSON at line 3, column 8: Unexpected token '}' \(near "\\"b\\": }"\)/ });
  });

  it('a trailing comma', async () => {
    const p = file('trailing-comma.json', '{"Statement": [1, 2,]}');
    await expectInputErrorAsync(readJsonText(p), { file: p, message: /invalid JSON at line 1, column 21/ });
  });

  it('garbage after the JSON', async () => {
    const p = file('garbage.json', '{"a": 1}\n}');
    await expectInputErrorAsync(readJsonText(p), { file: p, message: /invalid JSON at line 2, column 1: Unexpected non-whitespace character after JSON/ });
  });

  it('a file larger than 64 MiB is parsed as it streams in, not refused', async () => {
    const p = join(tmp.dir, 'huge.json');
    writeFileSync(p, '');
    truncateSync(p, STREAM_ABOVE_BYTES + 1); // sparse (NUL bytes): costs no disk; the first byte is already wrong
    await expectInputErrorAsync(readJsonText(p), { file: p, message: /invalid JSON at line 1, column 1: unexpected byte 0x00/ });
  });

  it('stdin past the streaming size is parsed as it streams in, with the same checks', async () => {
    const chunks = ['{"a": [1, 2, 3], ', '"b": {"c": "d"}, ', '"b": 1}'].map((s) => Buffer.from(s));
    await expectInputErrorAsync(readJsonText('-', { stdin: Readable.from(chunks), streamAbove: 8 }), {
      file: 'stdin',
      message: /duplicate key "b" \(at line 1, column 35\)/,
    });
    const ok = ['{"a": [1, 2, 3], ', '"b": {"c": "d"}}'].map((s) => Buffer.from(s));
    expect(await readJsonText('-', { stdin: Readable.from(ok), streamAbove: 8 })).toEqual({ a: [1, 2, 3], b: { c: 'd' } });
  });

  it('empty stdin', async () => {
    await expectInputErrorAsync(readJsonText('-', { stdin: Readable.from([]) }), { file: 'stdin', message: /empty/ });
  });

  it('200000 nested arrays: nested too deeply', async () => {
    const p = file('deep.json', '['.repeat(200_000) + ']'.repeat(200_000));
    await expectInputErrorAsync(readJsonText(p), { file: p, message: /nested too deeply: more than 512 levels \(at line 1, column 513\)/ });
  });

  it('deep nesting inside strings does not count', async () => {
    const text = JSON.stringify({ s: '['.repeat(10_000) });
    expect(await readJsonText(file('brackets-in-string.json', text))).toEqual({ s: '['.repeat(10_000) });
  });
});

describe('locateSyntaxError', () => {
  it.each([
    ['{"a": 1}', -1],
    ['[1, 2, {"b": [true, false, null, -1.5e3, "x\\n\\u00e9"]}]', -1],
    ['{"a": }', 6],
    ['{"a" 1}', 5],
    ['[1, 2', 5],
    ['{"a": 1,}', 8],
    ['{"a": tru}', 6],
    ['{"a": "x\\q"}', 8],
    ['{"a": 01}', 7],
    ['{a: 1}', 1],
    ['[1] [2]', 4],
  ])('%s → %i', (text, offset) => {
    expect(locateSyntaxError(text)).toBe(offset);
  });
});
