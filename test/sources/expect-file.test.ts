// The expectation file: the array form, the object form with accepted findings, and the errors
// (file, JSON path, problem) for what it must not contain.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import { parseExpectationFile } from '../../src/sources/expect-file.js';
import { jsonPositions, lineOf } from '../../src/sources/json-lines.js';

const grant = { grantee: 'arn:aws:iam::111122223333:role/app', operations: ['Decrypt'] };
const accept = { code: 'KMSWHY-G004', grant: 'abc', reason: 'RDS', expires: '2027-03-01' };

function error(raw: unknown): string {
  try {
    parseExpectationFile(raw, 'kms-grants.json');
  } catch (e) {
    if (e instanceof InputError) return `${e.message} | ${JSON.stringify(e)}`;
    throw e;
  }
  throw new Error('no error');
}

describe('parseExpectationFile', () => {
  it('reads the array form as matchers only', () => {
    expect(parseExpectationFile([grant], 'f.json')).toEqual({ grants: [grant], accept: [], grantsPath: [] });
  });

  it('reads the object form with grants and accept', () => {
    const f = parseExpectationFile(
      { kmsWhyExpect: 1, grants: [grant], accept: [accept, { code: 'KMSWHY-G001', grantee: 'arn:aws:iam::444455556666:*', reason: 'partner' }] },
      'f.json',
    );
    expect(f.grants).toEqual([grant]);
    expect(f.accept).toEqual([accept, { code: 'KMSWHY-G001', grantee: 'arn:aws:iam::444455556666:*', reason: 'partner' }]);
    expect(f.grantsPath).toEqual(['grants']);
  });

  it('names the JSON path of what is wrong', () => {
    expect(error({ accept: [{ ...accept, code: 'KMSWHY-G04' }] })).toMatch(/unknown finding code "KMSWHY-G04"/);
    expect(error({ accept: [{ ...accept, code: 'KMSWHY-G04' }] })).toMatch(/accept\[0\]\.code/);
    expect(error({ accept: [{ ...accept, grantee: 'x' }] })).toMatch(/exactly one of grant .* or grantee/);
    expect(error({ accept: [{ code: 'KMSWHY-G004', reason: 'r' }] })).toMatch(/exactly one of grant/);
    expect(error({ accept: [{ ...accept, reason: ' ' }] })).toMatch(/reason is required/);
    expect(error({ accept: [{ ...accept, expires: 'next March' }] })).toMatch(/accept\[0\]\.expires.*not a date|not a date.*accept\[0\]\.expires/);
    expect(error({ accept: [{ ...accept, expires: '2027-02-30x' }] })).toMatch(/not a date/);
    expect(error({ accept: [{ ...accept, until: '2027-01-01' }] })).toMatch(/until/);
    expect(error({ kmsWhyExpect: 2, grants: [] })).toMatch(/unsupported expectation file version 2/);
    expect(error({ grant: [grant] })).toMatch(/grant/);
    expect(error({ grants: [{ grantee: 'x', operations: ['decrypt'] }] })).toMatch(/grants\[0\]\.operations\[0\]/);
  });
});

describe('jsonPositions', () => {
  it('finds the line and column of every value', () => {
    const text = '{\n  "grants": [\n    {"a": 1},\n    {"b": "x\\"]"}\n  ],\n  "accept": []\n}\n';
    const pos = jsonPositions(text);
    expect(lineOf(pos, ['grants'])).toBe(2);
    expect(lineOf(pos, ['grants', 0])).toBe(3);
    expect(lineOf(pos, ['grants', 1])).toBe(4);
    expect(pos.get(JSON.stringify(['grants', 1, 'b']))).toEqual({ line: 4, column: 11 });
    expect(lineOf(pos, ['accept'])).toBe(6);
    expect(lineOf(pos, ['accept', 0])).toBeUndefined();
  });

  it('agrees with JSON.parse on the structure of a real file', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../fixtures/examples/grants-expect-accept.json', import.meta.url), 'utf8');
    const doc = JSON.parse(text) as { grants: unknown[]; accept: unknown[] };
    const pos = jsonPositions(text);
    const lines = text.split('\n');
    doc.accept.forEach((_, i) => {
      expect(lines[lineOf(pos, ['accept', i])! - 1]!.trim()).toBe('{');
    });
    doc.grants.forEach((_, i) => {
      expect(lineOf(pos, ['grants', i])).toBeGreaterThan(lineOf(pos, ['grants'])!);
    });
  });
});
