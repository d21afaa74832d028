// `--redact` for the whole run: one Redactor sees the inputs before anything is derived from them
// (documents, live reads, flags, the error message), and every text that leaves the process
// (stdout, stderr, files written) goes through it again as a safety net.
import { existsSync } from 'node:fs';
import type { Snapshot } from '../model/snapshot.js';
import { Redactor } from '../report/redact.js';
import { displayName, readJsonText } from '../sources/json-file.js';
import { loadFrom, snapshotFromDocuments } from '../sources/load.js';
import { parseSnapshot } from '../sources/snapshot-file.js';
import { snapshotToJson } from '../sources/snapshot-writer.js';
import type { CliIo } from './io.js';

/** Flags whose values are file names or settings (never redacted as data). */
const SETTING_FLAGS = new Set([
  'from',
  'messageFile',
  'outputFile',
  'expect',
  'writeExpect',
  'scpFile',
  'rcpFile',
  'report',
  'endpointUrl',
  'profile',
  'principalProfile',
  'region',
  'output',
  'timeout',
  'now',
  'maxAge',
  'failOn',
  'qualifier',
  'concurrency',
  'action',
  'grantOperations',
  'color',
  'redact',
  'debug',
  'expectVerdict',
  'sarif',
  'accepted',
  'format',
]);
/** Flags whose values are encryption-context pairs (key=value). */
const CONTEXT_FLAGS = new Set(['context', 'destinationContext', 'grantConstraintEquals', 'grantConstraintSubset']);
const FILE_FLAGS = new Set([
  '--from',
  '--message-file',
  '--output-file',
  '--expect',
  '--write-expect',
  '--scp-file',
  '--rcp-file',
  '--report',
  '--sarif',
  '--accepted',
]);

/** An io whose every output is redacted, carrying the Redactor for the inputs. File names of argv get placeholders. */
export function redactingIo(io: CliIo, argv: readonly string[]): CliIo {
  const r = new Redactor();
  argv.forEach((a, i) => {
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0 && FILE_FLAGS.has(a.slice(0, eq))) r.file(a.slice(eq + 1));
    else if (i > 0 && FILE_FLAGS.has(argv[i - 1]!)) r.file(a);
    else if (!a.startsWith('-') && a.length < 4096 && /[./]/.test(a) && !a.startsWith('arn:') && existsSync(a)) r.file(a);
  });
  return {
    ...io,
    stdout: (t) => io.stdout(r.text(t)),
    stderr: (t) => io.stderr(r.text(t)),
    redactor: r,
  };
}

/** `--from` files: with --redact, their documents redacted before they are parsed (file names too). */
export async function loadInputs(files: string[], io: CliIo): Promise<Snapshot> {
  const r = io.redactor;
  if (r === undefined) return loadFrom(files);
  const docs: Array<{ file: string; value: unknown }> = [];
  for (const f of files) docs.push({ file: displayName(f), value: await readJsonText(f) });
  r.learn(...docs.map((d) => d.value));
  return snapshotFromDocuments(docs.map((d) => ({ file: r.file(d.file), value: r.json(d.value) })));
}

/** A snapshot read from AWS, redacted through the snapshot contract (what it was read from kept, redacted). */
export function redactSnapshot(s: Snapshot, r: Redactor): Snapshot {
  const json = snapshotToJson(s);
  r.learn(json);
  const out = parseSnapshot(r.json(json), 'AWS');
  out.inputs = (s.inputs ?? []).map((i) => {
    const rec = { ...i, what: r.text(i.what), from: r.text(i.from) };
    if (i.detail !== undefined) rec.detail = r.text(i.detail);
    return rec;
  });
  return out;
}

/**
 * The flags that carry data (--principal, --key, --context k=v …), redacted in place once the
 * inputs are learned, so that the request names the same placeholders as the snapshot.
 */
export function redactFlags<T extends object>(flags: T, r: Redactor | undefined): T {
  if (r === undefined) return flags;
  const o = flags as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (SETTING_FLAGS.has(k)) continue;
    if (typeof v === 'string') o[k] = redactFlagValue(v, k, r);
    else if (Array.isArray(v)) o[k] = v.map((x) => (typeof x === 'string' ? redactFlagValue(x, k, r) : x));
  }
  return flags;
}

/** One value of a data flag (its name in camel case, as commander gives it), redacted. */
function redactFlagValue(v: string, flag: string, r: Redactor): string {
  const eq = v.indexOf('=');
  // An encryption-context pair: its key is kept (a schema name, as in the policies), whatever its
  // characters; its value is data, named as the inputs' context values are.
  if (eq > 0 && CONTEXT_FLAGS.has(flag)) return `${v.slice(0, eq)}=${r.contextValue(v.slice(eq + 1))}`;
  // k=v pairs (--condition): the key is kept, the value is data, redacted as the inputs' values of
  // that key are (Redactor.conditionValue): every value given is hidden, however short.
  if (eq > 0 && !v.startsWith('arn:') && /^[A-Za-z0-9:/_.-]+$/.test(v.slice(0, eq)))
    return `${v.slice(0, eq)}=${r.conditionValue(v.slice(0, eq), v.slice(eq + 1))}`;
  return r.value(v);
}

/** Options (as typed) whose values are key=value pairs of the request: --context, --condition … */
const PAIR_OPTIONS = new Map<string, string>([
  ['--context', 'context'],
  ['--destination-context', 'destinationContext'],
  ['--grant-constraint-equals', 'grantConstraintEquals'],
  ['--grant-constraint-subset', 'grantConstraintSubset'],
  ['--condition', 'condition'],
]);

/**
 * The command line as a report repeats it, with the request's key=value pairs redacted as their
 * flags are (redactFlags): free text cannot tell a one-letter or all-digit value (--context n=7)
 * from any other word, so the safety net of text() would leave it. The rest is left to text().
 */
export function redactCommandLine(argv: readonly string[], r: Redactor): string[] {
  return argv.map((a, i) => {
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0 && PAIR_OPTIONS.has(a.slice(0, eq)))
      return `${a.slice(0, eq + 1)}${redactFlagValue(a.slice(eq + 1), PAIR_OPTIONS.get(a.slice(0, eq))!, r)}`;
    const flag = i > 0 ? PAIR_OPTIONS.get(argv[i - 1]!) : undefined;
    return flag !== undefined ? redactFlagValue(a, flag, r) : a;
  });
}

/**
 * A snapshot read from AWS for explain-error/explain-event, kept as read (the request comes from a
 * message or event written with the real names): the Redactor learns it, so that every output is
 * redacted as it is written.
 */
export function learnSnapshot(s: Snapshot, r: Redactor): void {
  r.learn(snapshotToJson(s));
}

/**
 * The encryption-context values of the flags, learned where the request keeps them as given (a
 * request read with the real names, explain-error and explain-event from AWS): every output
 * replaces them.
 */
export function learnContextFlags(flags: object, r: Redactor): void {
  const ec: Record<string, string> = {};
  for (const [k, v] of Object.entries(flags as Record<string, unknown>)) {
    if (!Array.isArray(v) || !(CONTEXT_FLAGS.has(k) || k === 'condition')) continue;
    for (const x of v) {
      const eq = typeof x === 'string' ? x.indexOf('=') : -1;
      if (eq > 0 && (k !== 'condition' || /^kms:EncryptionContext:./i.test(x.slice(0, eq)))) ec[String(Object.keys(ec).length)] = x.slice(eq + 1);
    }
  }
  if (Object.keys(ec).length > 0) r.learn({ EncryptionContext: ec });
}

/** --redact with --from: the inputs learned and redacted first, so that the message or event can be read with the same placeholders. */
export async function preloadRedacted(from: string[], flags: object, io: CliIo): Promise<{ snapshot: Snapshot; r: Redactor } | undefined> {
  const r = io.redactor;
  if (r === undefined) return undefined;
  const snapshot = await loadInputs(from, io);
  redactFlags(flags, r);
  return { snapshot, r };
}
