// Reads one JSON input file (or stdin for `-`) and turns every way it can be unreadable into an
// InputError that names the file and says what is wrong, never a stack trace.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { InputError } from '../model/errors.js';
import { parseKeepingNumbers, scanJson } from './json-scan.js';
import { parseJsonStream } from './json-stream.js';
import type { DuplicateKey } from './json-scan.js';

/**
 * Inputs up to this size are read whole and parsed by JSON.parse (the fast path); larger ones
 * (a 50,000-role account snapshot is ≈ 140 MB, a who-can report of a large account several hundred)
 * are parsed as they stream in (json-stream.ts): V8 cannot hold a string of more than about 512 MB.
 */
export const STREAM_ABOVE_BYTES = 64 * 1024 * 1024;
/** What must be read as one text (an expectation file, whose lines SARIF points to) stays under this. */
export const MAX_TEXT_BYTES = STREAM_ABOVE_BYTES;
/** AWS documents nest a dozen levels at most; deeper input is garbage that would overflow recursive readers later. */
export const MAX_JSON_DEPTH = 512;

export interface ReadJsonOptions {
  /** The stream read for `-` (default: process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Parse inputs larger than this as they stream in (default STREAM_ABOVE_BYTES; tests lower it). */
  streamAbove?: number;
}

/** The name messages use for a file argument. */
export function displayName(file: string): string {
  return file === '-' ? 'stdin' : file;
}

export async function readJsonText(file: string, opts: ReadJsonOptions = {}): Promise<unknown> {
  const name = displayName(file);
  const limit = opts.streamAbove ?? STREAM_ABOVE_BYTES;
  const read = file === '-' ? await readLimited(opts.stdin ?? process.stdin, name, limit) : await readFileBytes(file, name, limit);
  if (read instanceof Uint8Array) return parseJsonText(decodeUtf8(read, name), name);
  try {
    return await parseJsonStream(read, { name });
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw fsError(e, name);
  }
}

/** The chunks of a large file, read in pieces of 1 MiB (json-stream.ts holds about one piece beyond its window). */
export function fileChunks(file: string, range?: { start: number; end: number }): AsyncIterable<Uint8Array> {
  return createReadStream(file, { highWaterMark: 1024 * 1024, ...(range !== undefined ? { start: range.start, end: range.end - 1 } : {}) });
}

/** The bytes [start, end) of a file, in one buffer (a range the caller found by streaming it before). */
export async function readRange(file: string, range: { start: number; end: number }): Promise<Buffer> {
  const name = displayName(file);
  const length = range.end - range.start;
  const handle = await open(file, 'r').catch((e: unknown) => {
    throw fsError(e, name);
  });
  try {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await handle.read(buf, got, length - got, range.start + got);
      // The file shrank since it was indexed: what is there is parsed and fails as cut off.
      if (bytesRead === 0) return buf.subarray(0, got);
      got += bytesRead;
    }
    return buf;
  } catch (e) {
    throw fsError(e, name);
  } finally {
    await handle.close();
  }
}

/** Like readJsonText, and the text itself too (to find where values sit in it). */
export async function readJsonWithText(file: string, opts: ReadJsonOptions = {}): Promise<{ value: unknown; text: string }> {
  const name = displayName(file);
  const bytes = file === '-' ? await readLimited(opts.stdin ?? process.stdin, name, MAX_TEXT_BYTES) : await readFileBytes(file, name, MAX_TEXT_BYTES);
  if (!(bytes instanceof Uint8Array)) throw tooLarge(name);
  const text = decodeUtf8(bytes, name);
  return { value: parseJsonText(text, name), text };
}

/** Parses JSON text already in memory, with the same checks and messages as readJsonText. */
export function parseJsonText(text: string, name: string): unknown {
  if (text.trim() === '') {
    throw new InputError('the file contains only whitespace, no JSON', { file: name, hint: EMPTY_HINT });
  }
  const deepAt = excessiveNestingOffset(text, MAX_JSON_DEPTH);
  if (deepAt >= 0) throw nestedTooDeeply(text, deepAt, name);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (e) {
    // V8 parses iteratively today, but other engines (and older V8) recurse and overflow the stack.
    if (e instanceof RangeError) throw nestedTooDeeply(text, -1, name);
    throw syntaxError(text, e instanceof Error ? e.message : String(e), name);
  }
  const scan = scanJson(text);
  if (scan.duplicate !== undefined) throw duplicateKeyError(text, scan.duplicate, name);
  return scan.lossyNumber ? parseKeepingNumbers(text) : value;
}

/** JSON.parse keeps the last of two members with one name; AWS refuses such a document, and so does kms-why. */
export function duplicateKeyError(text: string, dup: DuplicateKey, file: string | undefined, basePath = ''): InputError {
  const path = [basePath, dup.path].filter((p) => p !== '').join('.');
  const opts: { file?: string; path?: string; hint: string } = {
    hint: 'An object may name each member once (AWS refuses duplicate keys); JSON.parse would silently keep only the last one. Merge the two.',
  };
  if (file !== undefined) opts.file = file;
  if (path !== '') opts.path = path;
  return new InputError(`duplicate key ${JSON.stringify(dup.key)} (at ${lineColumnText(text, dup.offset)})`, opts);
}

const EMPTY_HINT = 'Did the command that wrote it fail? Check its error output, or run it again.';

/**
 * Files up to this size are read synchronously: one stat and one read, without starting libuv's
 * thread pool (its start, on the first asynchronous file operation of a process, and loading
 * node:fs/promises cost a cold start 5–15 ms; a read this size takes a few milliseconds at most).
 */
const SYNC_READ_BYTES = 4 * 1024 * 1024;

/** The whole file, or (larger than `limit`) its chunks to parse as they come. */
async function readFileBytes(file: string, name: string, limit: number): Promise<Uint8Array | AsyncIterable<Uint8Array>> {
  const info = statOrFail(file, name);
  if (info.isDirectory()) {
    throw new InputError('is a directory, not a file', { file: name, hint: 'Give the path of a JSON file.' });
  }
  if (!info.isFile()) return readLimited(createReadStream(file), name, limit); // a FIFO or /dev/stdin: size unknown
  if (info.size > limit) return fileChunks(file);
  if (info.size === 0) throw emptyFile(name);
  try {
    return info.size <= SYNC_READ_BYTES ? readFileSync(file) : await readFile(file);
  } catch (e) {
    throw fsError(e, name);
  }
}

/** A stat is one system call: synchronous, like the read of a small file (SYNC_READ_BYTES). */
function statOrFail(file: string, name: string): Stats {
  try {
    return statSync(file);
  } catch (e) {
    throw fsError(e, name);
  }
}

/** Reads a stream of unknown length: whole, or (once it passes `limit`) the chunks read so far and the rest, to parse as they come. */
async function readLimited(stream: NodeJS.ReadableStream, name: string, limit: number): Promise<Uint8Array | AsyncIterable<Uint8Array>> {
  const chunks: Buffer[] = [];
  let total = 0;
  const it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await it.next();
      if (next.done === true) break;
      const chunk = next.value;
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
      total += buf.length;
      chunks.push(buf);
      if (total > limit) {
        return (async function* rest(): AsyncGenerator<Uint8Array> {
          yield* chunks.splice(0);
          for (;;) {
            const n = await it.next();
            if (n.done === true) return;
            yield typeof n.value === 'string' ? Buffer.from(n.value, 'utf8') : n.value;
          }
        })();
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw fsError(e, name);
  }
  if (total === 0) throw emptyFile(name);
  return Buffer.concat(chunks, total);
}

function fsError(e: unknown, name: string): InputError {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ENOENT':
      return new InputError('file not found', { file: name, hint: 'Check the path; relative paths are taken from the current directory.' });
    case 'ENOTDIR':
      return new InputError('file not found (a part of the path is not a directory)', { file: name });
    case 'EACCES':
    case 'EPERM':
      return new InputError('cannot read the file: permission denied', { file: name });
    case 'EISDIR':
      return new InputError('is a directory, not a file', { file: name, hint: 'Give the path of a JSON file.' });
    default:
      return new InputError(`cannot read the file${typeof code === 'string' ? ` (${code})` : ''}`, { file: name });
  }
}

function tooLarge(name: string): InputError {
  return new InputError(`the file is larger than ${MAX_TEXT_BYTES / (1024 * 1024)} MiB, the most kms-why reads of this kind of file`, {
    file: name,
    hint: 'An expectation file names grant shapes, not grants: a few kilobytes. Write it again with --write-expect.',
  });
}

function emptyFile(name: string): InputError {
  return new InputError('the file is empty', { file: name, hint: EMPTY_HINT });
}

function decodeUtf8(bytes: Uint8Array, name: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputError('the file is UTF-16 text; kms-why reads UTF-8', {
      file: name,
      hint: "Windows PowerShell's > writes UTF-16: use `| Out-File -Encoding utf8 FILE`, or `--output json > FILE` from cmd or a Unix shell.",
    });
  }
  try {
    // fatal: refuse rather than replace bad bytes; the default ignoreBOM=false drops a UTF-8 BOM,
    // which Windows editors add and JSON.parse would reject.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8Offset(bytes);
    throw new InputError(`the file is not UTF-8 text (invalid byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} at byte offset ${at})`, {
      file: name,
      hint: 'Save it as UTF-8; the AWS CLI writes UTF-8 unless the shell re-encodes its output.',
    });
  }
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    const cp = decodeCodePoint(bytes, i, len);
    const overlong = (len === 3 && cp < 0x800) || (len === 4 && cp < 0x10000);
    if (overlong || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += len;
  }
  return bytes.length;
}

function decodeCodePoint(bytes: Uint8Array, i: number, len: number): number {
  let cp = bytes[i]! & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
  for (let k = 1; k < len; k++) cp = (cp << 6) | (bytes[i + k]! & 0x3f);
  return cp;
}

/** The offset where nesting first exceeds `max` levels, or -1. Linear and iterative: safe on any input. */
export function excessiveNestingOffset(text: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return -1;
}

function nestedTooDeeply(text: string, offset: number, name: string): InputError {
  const at = offset >= 0 ? ` (at ${lineColumnText(text, offset)})` : '';
  return new InputError(`the JSON is nested too deeply: more than ${MAX_JSON_DEPTH} levels${at}`, {
    file: name,
    hint: 'AWS policy documents and CLI outputs nest a few levels; this is not one of them.',
  });
}

function syntaxError(text: string, parserMessage: string, name: string): InputError {
  const offset = errorOffset(text, parserMessage);
  const truncated = offset >= text.trimEnd().length;
  const problem = truncated ? 'the JSON ends too early' : cleanParserMessage(parserMessage);
  return new InputError(`invalid JSON at ${lineColumnText(text, offset)}: ${problem}`, {
    file: name,
    excerpt: excerpt(text, offset),
    hint: truncated
      ? 'The file looks cut off: was it still being written, or copied only in part?'
      : 'Check the JSON near that position: a missing comma or quote, a trailing comma, or a comment (JSON allows none).',
  });
}

/** The parser's own position when its message gives one (wording differs between Node versions), else our own scan. */
export function errorOffset(text: string, message: string): number {
  const pos = /at position (\d+)/.exec(message);
  if (pos) return Math.min(Number(pos[1]), text.length);
  const lc = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lc) return offsetOf(text, Number(lc[1]), Number(lc[2]));
  if (/Unexpected end of JSON input/.test(message)) return text.length;
  const found = locateSyntaxError(text);
  return found >= 0 ? found : text.length;
}

export function cleanParserMessage(message: string): string {
  return message
    .replace(/, .*is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/^JSON\.parse: /, '');
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < offset; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function lineColumnText(text: string, offset: number): string {
  const { line, column } = lineColumn(text, offset);
  return `line ${line}, column ${column}`;
}

function offsetOf(text: string, line: number, column: number): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) break;
    start = nl + 1;
  }
  return Math.min(start + column - 1, text.length);
}

/** A short piece of the offending line, so that a one-line (minified) file still shows where. */
export function excerpt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const nl = text.indexOf('\n', offset);
  const lineEnd = nl === -1 ? text.length : nl;
  const from = Math.max(lineStart, offset - 30);
  const to = Math.min(lineEnd, offset + 30);
  const piece = text.slice(from, to).replace(/\s+/g, ' ').trim();
  return piece === '' ? '' : ` (near ${JSON.stringify(`${from > lineStart ? '…' : ''}${piece}${to < lineEnd ? '…' : ''}`)})`;
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;

type ScanState = 'value' | 'after-value' | 'key' | 'colon';

/**
 * Finds the offset of the first JSON syntax error (text.length for a premature end), or -1 when
 * the text is valid. Used only when the parser's message carries no position (Node 20 omits it
 * for "Unexpected token"). Iterative, so deep input cannot overflow it.
 */
export function locateSyntaxError(text: string): number {
  const stack: Array<'[' | '{'> = [];
  let state: ScanState = 'value';
  let i = 0;
  for (;;) {
    i = skipWhitespace(text, i);
    if (i >= text.length) return stack.length === 0 && state === 'after-value' ? -1 : text.length;
    const c = text[i]!;
    if (state === 'value') {
      if (c === '{' || c === '[') {
        stack.push(c);
        i = skipWhitespace(text, i + 1);
        if (text[i] === (c === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          state = 'after-value';
        } else state = c === '{' ? 'key' : 'value';
        continue;
      }
      const end = scanScalar(text, i);
      if (end < 0) return -end - 1;
      i = end;
      state = 'after-value';
    } else if (state === 'after-value') {
      const top = stack[stack.length - 1];
      if (top === undefined) return i;
      if (c === ',') {
        i++;
        state = top === '{' ? 'key' : 'value';
      } else if ((top === '[' && c === ']') || (top === '{' && c === '}')) {
        stack.pop();
        i++;
      } else return i;
    } else if (state === 'key') {
      if (c !== '"') return i;
      const end = scanString(text, i);
      if (end < 0) return -end - 1;
      i = end;
      state = 'colon';
    } else {
      if (c !== ':') return i;
      i++;
      state = 'value';
    }
  }
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  return i;
}

/** The end of the string, number or literal at i; -(offset+1) of an error. */
function scanScalar(text: string, i: number): number {
  const c = text[i]!;
  if (c === '"') return scanString(text, i);
  for (const lit of LITERALS) if (text.startsWith(lit, i)) return i + lit.length;
  NUMBER_RE.lastIndex = i;
  const m = NUMBER_RE.exec(text);
  return m !== null && m[0] !== '' && m[0] !== '-' ? i + m[0].length : -(i + 1);
}

function scanString(text: string, start: number): number {
  for (let j = start + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return -(j + 1);
    if (c === 0x5c) {
      const e = text[j + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) return -(j + 1);
        j += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j++;
      else return -(j + 1);
    }
  }
  return -(text.length + 1);
}
