// The published JSON Schemas (schema/*.schema.json) and the SARIF 2.1.0 schema, compiled once, so
// that tests can check every contract document they read or produce: snapshots, expectation
// files, and the check, who-can, grants and diff reports.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCHEMA_DIR = `${ROOT}schema/`;

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const AjvDraft04 = ((AjvDraft04Module as unknown as { default?: unknown }).default ?? AjvDraft04Module) as new (opts: object) => import('ajv').default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: unknown) => void;

/** The contract each version marker names, and its schema file. */
export const MARKERS: Record<string, string> = {
  kmsWhySnapshot: 'snapshot-1.schema.json',
  kmsWhyReport: 'check-report-1.schema.json',
  kmsWhyWhoCan: 'who-can-report-1.schema.json',
  kmsWhyGrantsReport: 'grants-report-1.schema.json',
  kmsWhyDiff: 'diff-report-1.schema.json',
  kmsWhyExpect: 'expect-1.schema.json',
};

let compiled: Map<string, ValidateFunction> | undefined;

export function schemaFiles(): string[] {
  return readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.schema.json'))
    .sort();
}

function validators(): Map<string, ValidateFunction> {
  if (compiled !== undefined) return compiled;
  // Strict: an unknown keyword or a misspelt type is an error in the schema, not a silent pass.
  // strictRequired is off: `oneOf: [{required: [grant]}, {required: [grantee]}]` names properties defined beside it.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  const out = new Map<string, ValidateFunction>();
  for (const f of schemaFiles()) out.set(f, ajv.compile(JSON.parse(readFileSync(SCHEMA_DIR + f, 'utf8')) as object));
  compiled = out;
  return out;
}

/** Errors of `value` against one schema file, as readable lines; [] when valid. */
export function schemaErrors(file: string, value: unknown): string[] {
  const v = validators().get(file);
  if (v === undefined) throw new Error(`no schema ${file}`);
  if (v(value)) return [];
  return (v.errors ?? []).map((e) => `${file}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** The schema file for a contract document (by its version marker), or undefined for anything else. */
export function schemaFor(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  for (const [marker, file] of Object.entries(MARKERS)) if (marker in value) return file;
  return undefined;
}

/** Throws when `text` is a contract document (JSON with a version marker) that its schema rejects. */
export function assertContract(text: string, what: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return; // not JSON: not a contract document
  }
  const file = schemaFor(value) ?? (isSarif(value) ? 'sarif' : undefined);
  if (file === undefined) return;
  const errors = file === 'sarif' ? sarifErrors(value) : schemaErrors(file, value);
  if (errors.length > 0) throw new Error(`${what} does not conform to ${file}:\n${errors.slice(0, 20).join('\n')}`);
}

/** Throws when `text` is not an expectation file the schema accepts. */
export function assertExpectFile(text: string, what: string): void {
  const errors = schemaErrors('expect-1.schema.json', JSON.parse(text));
  if (errors.length > 0) throw new Error(`${what} does not conform to expect-1.schema.json:\n${errors.slice(0, 20).join('\n')}`);
}

function isSarif(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as { version?: unknown }).version === '2.1.0' && Array.isArray((value as { runs?: unknown }).runs)
  );
}

let sarifValidator: ValidateFunction | undefined;

/**
 * Errors of a SARIF log against the SARIF 2.1.0 JSON schema (OASIS; the copy in
 * fixtures/sarif/ comes from the @microsoft/jest-sarif package, MIT), plus the rules GitHub code
 * scanning adds: every result has a rule id and a message.
 */
export function sarifErrors(value: unknown): string[] {
  if (sarifValidator === undefined) {
    // The schema is draft-04 and uses formats (uri, date-time); strict mode would reject its draft-04
    // idioms, and its pattern for `language` is not valid with the u flag (a stray "]").
    const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    sarifValidator = ajv.compile(JSON.parse(readFileSync(`${ROOT}fixtures/sarif/sarif-2.1.0-rtm.5.json`, 'utf8')) as object);
  }
  const validate = sarifValidator;
  const errors = validate(value) ? [] : (validate.errors ?? []).map((e) => `sarif: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  const runs = (value as { runs: Array<{ results?: Array<{ ruleId?: string; message?: { text?: string } }> }> }).runs;
  for (const run of runs) {
    for (const [i, r] of (run.results ?? []).entries()) {
      if (typeof r.ruleId !== 'string') errors.push(`sarif: results[${i}] has no ruleId`);
      if (typeof r.message?.text !== 'string') errors.push(`sarif: results[${i}] has no message text`);
    }
  }
  return errors;
}
