// Turns a policy document as AWS stores it (an object, a JSON string, or IAM's URL-encoded JSON
// string) into the normalized model, with errors that name the JSON path of the problem.
import { InputError } from '../model/errors.js';
import type { Policy } from '../model/policy.js';
import { errOptsLoose, policyFromJson, type PolicyParseOptions } from '../model/policy-document.js';
import { duplicateKeyError } from './json-file.js';
import { parseKeepingNumbers, scanJson } from './json-scan.js';

export type { PolicyParseOptions } from '../model/policy-document.js';

/** Decodes a document given as a string: JSON, or IAM's URL-encoded JSON (GetRolePolicy etc.). */
export function decodePolicyString(text: string, where: { file?: string | undefined; path: string }): unknown {
  const trimmed = text.trim();
  let candidate = trimmed;
  // IAM returns documents URL-encoded (RFC 3986); a JSON document never starts with '%'.
  if (trimmed.startsWith('%') || /^%7B/i.test(trimmed)) {
    try {
      candidate = decodeURIComponent(trimmed.replace(/\+/g, ' '));
    } catch {
      throw new InputError('policy document is neither JSON nor valid URL-encoded JSON', errOptsLoose(where));
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(candidate);
  } catch (e) {
    throw new InputError(`policy document is not valid JSON (${(e as Error).message})`, errOptsLoose(where));
  }
  const scan = scanJson(candidate);
  if (scan.duplicate !== undefined) throw duplicateKeyError(candidate, scan.duplicate, where.file, where.path);
  return scan.lossyNumber ? parseKeepingNumbers(candidate) : value;
}

export function parsePolicyDocument(doc: unknown, opts: PolicyParseOptions): Policy {
  const value = typeof doc === 'string' ? decodePolicyString(doc, errOptsLoose({ file: opts.file, path: opts.path })) : doc;
  return policyFromJson(value, opts);
}
