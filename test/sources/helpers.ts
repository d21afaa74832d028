// Shared assertions for input errors: the right class, the file and JSON path named, no stack trace.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { InputError } from '../../src/model/errors.js';

export interface ExpectedError {
  file: string;
  /** The exact JSON path the error must name (omit for errors about the whole file). */
  path?: string;
  message?: RegExp;
  hint?: RegExp;
}

export function checkInputError(e: unknown, expected: ExpectedError): InputError {
  expect(e).toBeInstanceOf(InputError);
  const err = e as InputError;
  expect(err.message.startsWith(`${expected.file}: `), err.message).toBe(true);
  expect(err.file).toBe(expected.file);
  if (expected.path !== undefined) {
    expect(err.path).toBe(expected.path);
    expect(err.message).toContain(`${expected.file}: ${expected.path}: `);
  }
  if (expected.message !== undefined) expect(err.message).toMatch(expected.message);
  if (expected.hint !== undefined) expect(err.hint ?? '').toMatch(expected.hint);
  // No stack trace or internals leak into what the user reads.
  for (const text of [err.message, err.hint ?? '']) {
    expect(text).not.toMatch(/\n\s+at /);
    expect(text).not.toMatch(/node:internal|\.ts:\d+|Error: /);
  }
  return err;
}

export function expectInputError(fn: () => unknown, expected: ExpectedError): InputError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (caught === undefined) throw new Error(`expected an InputError for ${expected.file} ${expected.path ?? ''}`);
  return checkInputError(caught, expected);
}

export async function expectInputErrorAsync(promise: Promise<unknown>, expected: ExpectedError): Promise<InputError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  if (caught === undefined) throw new Error(`expected an InputError for ${expected.file} ${expected.path ?? ''}`);
  return checkInputError(caught, expected);
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kms-why-sources-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;
export const ACCT = '111122223333';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:us-east-1:${ACCT}:key/${KEY_ID}`;
