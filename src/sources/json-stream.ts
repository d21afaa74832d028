// A streaming JSON reader for inputs too large to hold as one string (V8 strings stop at about
// 512 MB; a 50,000-role account snapshot is ≈ 140 MB, two who-can reports for `diff` far more).
//
// It takes the input in byte chunks and keeps, at any time, at most about `sliceBytes` of it (plus
// the chunk being scanned): a byte-level scanner follows the structure, and every value of at most
// `sliceBytes` bytes is handed whole to JSON.parse (native speed); only the containers larger than
// that are assembled here, member by member. So the time is linear in the input, and the memory is
// the parsed value plus a bounded window.
//
// It keeps the checks of the whole-text reader (json-file.ts): duplicate keys are refused with their
// JSON path (AWS refuses them; JSON.parse would keep the last), nesting is limited, bad UTF-8 and
// syntax errors are reported with line and column, and `__proto__` is an ordinary member (as
// JSON.parse makes it), never the object's prototype.
//
// Why our own and not a package: the streaming JSON packages on npm (stream-json,
// @streamparser/json) emit a token object per value and assemble with `obj[key] = value` (which
// turns a `__proto__` member into a prototype), keep the last of duplicate keys, and carry no JSON
// path in their errors; this file is a few hundred lines and runs at JSON.parse speed on what
// matters.
//
// `select` lets a caller read part of a document: for a who-can report, `diff` reads only each
// key's ARN and aliases and where the key's bytes are, and later parses one key at a time.
import { InputError } from '../model/errors.js';
import { MAX_JSON_DEPTH, errorOffset, cleanParserMessage, excerpt, firstInvalidUtf8Offset, lineColumn } from './json-file.js';
import { parseKeepingNumbers, scanJson } from './json-scan.js';
import type { JsonPathPart } from './json-lines.js';

/**
 * What to do with a value (asked for the root and for each member of a `build` or `sparse`
 * container): `keep` it as part of the result; `build` it member by member (so its members are
 * asked about too); `sparse`: build it from only the members that are kept, hand it to `onValue`
 * with its byte range, and leave it out of its parent; `skip` it (read over, kept nowhere).
 */
export type SelectMode = 'keep' | 'build' | 'sparse' | 'skip';

/** Where a value sits in the input: byte offsets [start, end), and the line and column of its start. */
export interface ByteRange {
  start: number;
  end: number;
  line: number;
  column: number;
}

export interface JsonStreamOptions {
  /** The name messages use for the input. */
  name: string;
  /** Values of at most this many bytes go to JSON.parse whole (default 1 MiB). */
  sliceBytes?: number;
  select?: (path: readonly JsonPathPart[]) => SelectMode;
  onValue?: (path: readonly JsonPathPart[], value: unknown, range: ByteRange) => void;
  /** When the bytes are a part of a larger file: where they start, and the JSON path of the value they hold. */
  base?: { offset: number; line: number; column: number; path: readonly JsonPathPart[] };
}

const DEFAULT_SLICE = 1024 * 1024;

// Scanner states.
const VALUE = 0; // a value is expected
const AFTER = 1; // after a value: ',' or the closing bracket
const KEY = 2; // a member name is expected
const COLON = 3;
const STRING = 4; // inside a string token
const SCALAR = 5; // inside a number or literal
const DONE = 6; // after the root value

interface Frame {
  obj: boolean;
  start: number;
  line: number;
  lineStart: number;
  mode: SelectMode;
  /** Assembled here (else its bytes are held until it closes and goes to JSON.parse whole). */
  built: boolean;
  value: Record<string, unknown> | unknown[] | undefined;
  /** Not built: its complete members so far, as byte offsets (objects: keyStart, keyEnd, valueStart, valueEnd, line, lineStart). */
  raw: number[] | undefined;
  /** Built objects: the current member's name and where it starts. */
  key: string;
  keyStart: number;
  keyEnd: number;
  index: number;
  /** The mode of the member being read. */
  childMode: SelectMode;
  first: boolean;
}

const PLAIN_KEY = /^[A-Za-z0-9_$:/*@+-]+$/;

export function pathText(path: readonly JsonPathPart[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += PLAIN_KEY.test(p) ? (out === '' ? p : `.${p}`) : `[${JSON.stringify(p)}]`;
  }
  return out;
}

function setMember(o: Record<string, unknown>, key: string, value: unknown): void {
  // A plain assignment of "__proto__" would set the prototype; JSON.parse makes it an own member.
  if (key === '__proto__') Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function isDelimiter(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x2c || c === 0x5d || c === 0x7d || c === 0x3a || c === 0x22 || c === 0x5b || c === 0x7b;
}

export class JsonStreamParser {
  private readonly name: string;
  private readonly slice: number;
  private readonly select: JsonStreamOptions['select'];
  private readonly onValue: JsonStreamOptions['onValue'];
  private readonly basePath: readonly JsonPathPart[];
  private readonly baseColumn: number;
  private readonly baseOffset: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  /** The bytes held, starting at absolute offset bufStart. */
  private buf: Buffer = Buffer.alloc(0);
  private bufStart: number;
  /** Absolute offset of the next byte to scan. */
  private pos: number;
  private line: number;
  private lineStart: number;
  private state = VALUE;
  private stack: Frame[] = [];
  private tokStart = -1;
  private tokIsKey = false;
  private total = 0;
  private sawBom = false;
  private head: Buffer | undefined;
  private result: unknown = undefined;
  private rootMode: SelectMode;

  constructor(opts: JsonStreamOptions) {
    this.name = opts.name;
    this.slice = opts.sliceBytes ?? DEFAULT_SLICE;
    this.select = opts.select;
    this.onValue = opts.onValue;
    this.basePath = opts.base?.path ?? [];
    this.baseOffset = opts.base?.offset ?? 0;
    this.bufStart = this.baseOffset;
    this.pos = this.baseOffset;
    this.line = opts.base?.line ?? 1;
    // lineStart is chosen so that (offset - lineStart + 1) is the column on the first line.
    this.baseColumn = opts.base?.column ?? 1;
    this.lineStart = this.baseOffset - (this.baseColumn - 1);
    this.rootMode = this.select ? this.select(this.basePath) : 'keep';
  }

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.head !== undefined) {
      // The first bytes wait until there are three of them, to tell a byte order mark.
      bytes = Buffer.concat([this.head, bytes]);
      if (bytes.length < 3) {
        this.head = bytes;
        return;
      }
      this.head = undefined;
    } else if (this.total === 0 && !this.sawBom && bytes.length < 3) {
      this.head = Buffer.from(bytes);
      return;
    }
    if (this.total === 0 && !this.sawBom) {
      if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
        throw new InputError('the file is UTF-16 text; kms-why reads UTF-8', {
          file: this.name,
          hint: "Windows PowerShell's > writes UTF-16: use `| Out-File -Encoding utf8 FILE`, or `--output json > FILE` from cmd or a Unix shell.",
        });
      }
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf && this.baseOffset === 0) {
        // A UTF-8 byte order mark (Windows editors add one) is dropped, as TextDecoder does.
        bytes = bytes.subarray(3);
        this.bufStart += 3;
        this.pos += 3;
        this.lineStart += 3;
        this.total += 3;
        this.sawBom = true;
        if (bytes.length === 0) return;
      }
    }
    this.scanChunk(bytes);
  }

  /** The bytes are exactly one value (parseJsonValueBytes). */
  whole(bytes: Buffer): unknown {
    if (bytes.length === 0)
      throw new InputError('the file is empty', { file: this.name, hint: 'Did the command that wrote it fail? Check its error output, or run it again.' });
    this.buf = bytes;
    this.total = bytes.length;
    return this.parseSlice(this.bufStart, this.bufStart + bytes.length, this.line, this.lineStart, () => [...this.basePath]);
  }

  private scanChunk(bytes: Buffer): void {
    this.total += bytes.length;
    // Drop what no open value needs any more, then append.
    const keep = this.holdFrom();
    const drop = Math.min(keep, this.pos) - this.bufStart;
    const rest = drop > 0 ? this.buf.subarray(drop) : this.buf;
    this.bufStart += Math.max(drop, 0);
    this.buf = rest.length === 0 ? Buffer.from(bytes) : Buffer.concat([rest, bytes]);
    this.scan();
    // Containers that have grown past the slice size are assembled here from now on.
    for (const f of this.stack) {
      if (f.built || f.mode === 'skip') continue;
      if (this.bufStart + this.buf.length - f.start > this.slice) this.build(f);
      else break;
    }
  }

  /** The end of the input: the value read (undefined when a `sparse` root handed everything to onValue). */
  end(): unknown {
    if (this.head !== undefined) {
      const head = this.head;
      this.head = undefined;
      this.scanChunk(head);
    }
    if (this.total === 0)
      throw new InputError('the file is empty', { file: this.name, hint: 'Did the command that wrote it fail? Check its error output, or run it again.' });
    if (this.state === SCALAR) {
      this.endScalar(this.bufStart + this.buf.length);
    }
    if (this.state !== DONE) {
      if (this.state === VALUE && this.stack.length === 0) {
        throw new InputError('the file contains only whitespace, no JSON', {
          file: this.name,
          hint: 'Did the command that wrote it fail? Check its error output, or run it again.',
        });
      }
      this.syntax(this.bufStart + this.buf.length, 'the JSON ends too early', true);
    }
    return this.result;
  }

  // ─── The scanner ─────────────────────────────────────────────────────────────────────────────

  private holdFrom(): number {
    let from = this.pos;
    if (this.tokStart >= 0) from = Math.min(from, this.tokStart);
    for (const f of this.stack) {
      if (!f.built && f.mode !== 'skip') {
        from = Math.min(from, f.start);
        break;
      }
    }
    // Keep the current line's start for columns and excerpts, when it is near.
    if (from - this.lineStart < 256) from = Math.max(this.bufStart, Math.min(from, this.lineStart));
    return from;
  }

  private scan(): void {
    const buf = this.buf;
    const base = this.bufStart;
    const n = buf.length;
    let i = this.pos - base;
    while (i < n) {
      const state = this.state;
      if (state === STRING) {
        // Jump from quote to quote; a quote is escaped when an odd number of backslashes precede it.
        let q = buf.indexOf(0x22, i);
        for (;;) {
          if (q < 0) break;
          let b = q - 1;
          const from = this.tokStart - base;
          while (b > from && buf[b] === 0x5c) b--;
          if ((q - 1 - b) % 2 === 0) break;
          q = buf.indexOf(0x22, q + 1);
        }
        if (q < 0) {
          i = n;
          break;
        }
        i = q + 1;
        this.pos = base + i;
        this.endString(base + i);
        continue;
      }
      if (state === SCALAR) {
        while (i < n && !isDelimiter(buf[i]!)) i++;
        if (i === n) break;
        this.pos = base + i;
        this.endScalar(base + i);
        continue;
      }
      const c = buf[i]!;
      if (c === 0x20 || c === 0x09 || c === 0x0d) {
        i++;
        continue;
      }
      if (c === 0x0a) {
        i++;
        this.line++;
        this.lineStart = base + i;
        continue;
      }
      const at = base + i;
      this.pos = at;
      switch (state) {
        case VALUE:
          if (c === 0x7b || c === 0x5b) this.open(c === 0x7b, at);
          else if (c === 0x5d && this.top()?.first === true && this.top()!.obj === false) this.close(at);
          else if (c === 0x22) {
            this.tokStart = at;
            this.tokIsKey = false;
            this.state = STRING;
          } else if (c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e) {
            this.tokStart = at;
            this.state = SCALAR;
          } else this.unexpected(at, c);
          break;
        case AFTER: {
          const top = this.top();
          if (top === undefined) this.unexpected(at, c, 'unexpected data after the JSON value');
          else if (c === 0x2c) {
            this.state = top.obj ? KEY : VALUE;
            top.first = false;
          } else if (c === (top.obj ? 0x7d : 0x5d)) this.close(at);
          else this.unexpected(at, c, `expected ',' or '${top.obj ? '}' : ']'}'`);
          break;
        }
        case KEY:
          if (c === 0x22) {
            this.tokStart = at;
            this.tokIsKey = true;
            this.state = STRING;
          } else if (c === 0x7d && this.top()!.first) this.close(at);
          else this.unexpected(at, c, 'expected a member name in double quotes');
          break;
        case COLON:
          if (c === 0x3a) this.state = VALUE;
          else this.unexpected(at, c, "expected ':' after the member name");
          break;
        case DONE:
          this.unexpected(at, c, 'unexpected data after the JSON value');
      }
      i = at - base + 1;
    }
    this.pos = base + n;
  }

  private top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** The mode of a value that starts now (select is asked for members of build and sparse containers). */
  private modeHere(): SelectMode {
    const top = this.top();
    if (top === undefined) return this.rootMode;
    if (top.mode === 'skip') return 'skip';
    if ((top.mode === 'build' || top.mode === 'sparse') && this.select) return this.select([...this.basePath, ...this.pathOf(this.stack.length)]);
    return 'keep';
  }

  private open(obj: boolean, at: number): void {
    if (this.stack.length + this.basePath.length >= MAX_JSON_DEPTH) {
      throw new InputError(`the JSON is nested too deeply: more than ${MAX_JSON_DEPTH} levels (at ${this.where(at)})`, {
        file: this.name,
        hint: 'AWS policy documents and CLI outputs nest a few levels; this is not one of them.',
      });
    }
    const mode = this.modeHere();
    const top = this.top();
    if (top !== undefined) top.childMode = mode;
    const built = mode === 'build' || mode === 'sparse';
    this.stack.push({
      obj,
      start: at,
      line: this.line,
      lineStart: this.lineStart,
      mode,
      built,
      value: built ? (obj ? {} : []) : undefined,
      raw: built || mode === 'skip' ? undefined : [],
      key: '',
      keyStart: 0,
      keyEnd: 0,
      index: 0,
      childMode: 'keep',
      first: true,
    });
    this.state = obj ? KEY : VALUE;
  }

  private close(at: number): void {
    const f = this.stack.pop()!;
    this.state = this.stack.length === 0 ? DONE : AFTER;
    this.done(f.mode, f.start, at + 1, f.line, f.lineStart, f.built ? f.value : undefined);
  }

  private endString(end: number): void {
    const start = this.tokStart;
    this.tokStart = -1;
    if (this.tokIsKey) {
      const top = this.top()!;
      top.keyStart = start;
      top.keyEnd = end;
      if (top.built) top.key = this.decodeKey(start, end);
      this.state = COLON;
      return;
    }
    this.state = this.stack.length === 0 ? DONE : AFTER;
    this.done(this.modeHere(), start, end, this.line, this.lineStart, undefined);
  }

  private endScalar(end: number): void {
    const start = this.tokStart;
    this.tokStart = -1;
    this.state = this.stack.length === 0 ? DONE : AFTER;
    const mode = this.modeHere();
    if (mode === 'skip') {
      // Not parsed, but still checked: a skipped part of a valid document is valid.
      const text = this.buf.toString('latin1', start - this.bufStart, end - this.bufStart);
      if (text !== 'true' && text !== 'false' && text !== 'null' && !NUMBER.test(text)) this.unexpected(start, this.buf[start - this.bufStart]!);
      this.done(mode, start, end, this.line, this.lineStart, undefined);
      return;
    }
    this.done(mode, start, end, this.line, this.lineStart, undefined);
  }

  /** A value [start, end) is complete; `built`: its assembled value, else its bytes are held. */
  private done(mode: SelectMode, start: number, end: number, line: number, lineStart: number, built: unknown): void {
    const parent = this.top();
    if (mode === 'skip') {
      if (parent !== undefined) parent.index++;
      return;
    }
    if (parent !== undefined && !parent.built) {
      const raw = parent.raw!;
      if (parent.obj) raw.push(parent.keyStart, parent.keyEnd, start, end, line, lineStart);
      else raw.push(start, end, line, lineStart);
      parent.index++;
      return;
    }
    const path = (): JsonPathPart[] => [...this.basePath, ...this.pathOf(this.stack.length)];
    const value = built !== undefined ? built : this.parseSlice(start, end, line, lineStart, path);
    if (mode === 'sparse') {
      this.onValue?.(path(), value, { start, end, line, column: this.column(start, lineStart) });
    } else if (parent === undefined) {
      this.result = value;
    } else this.attach(parent, parent.key, parent.keyStart, value);
    if (parent !== undefined) parent.index++;
  }

  private attach(f: Frame, key: string, keyStart: number, value: unknown): void {
    if (f.obj) {
      const o = f.value as Record<string, unknown>;
      if (Object.hasOwn(o, key)) {
        throw new InputError(`duplicate key ${JSON.stringify(key)} (at ${this.where(keyStart)})`, {
          file: this.name,
          ...this.pathOpt([...this.basePath, ...this.pathOf(this.stack.indexOf(f) + 1).slice(0, -1)]),
          hint: 'An object may name each member once (AWS refuses duplicate keys); JSON.parse would silently keep only the last one. Merge the two.',
        });
      }
      setMember(o, key, value);
    } else (f.value as unknown[]).push(value);
  }

  /** A container has grown past the slice size: assemble it from its members read so far. */
  private build(f: Frame): void {
    const raw = f.raw!;
    f.built = true;
    f.raw = undefined;
    f.value = f.obj ? {} : [];
    const depth = this.stack.indexOf(f) + 1;
    const savedIndex = f.index;
    const step = f.obj ? 6 : 4;
    for (let j = 0, n = 0; j < raw.length; j += step, n++) {
      let key = '';
      let keyStart = 0;
      let s: number, e: number, line: number, lineStart: number;
      if (f.obj) {
        keyStart = raw[j]!;
        key = this.decodeKey(raw[j]!, raw[j + 1]!);
        [s, e, line, lineStart] = [raw[j + 2]!, raw[j + 3]!, raw[j + 4]!, raw[j + 5]!];
      } else [s, e, line, lineStart] = [raw[j]!, raw[j + 1]!, raw[j + 2]!, raw[j + 3]!];
      f.key = key;
      f.index = n;
      const value = this.parseSlice(s, e, line, lineStart, () => [...this.basePath, ...this.pathOf(depth)]);
      this.attach(f, key, keyStart, value);
    }
    f.index = savedIndex;
    // The member being read now (if any) keeps its name (its bytes are still held).
    if (f.obj && f.keyEnd > f.keyStart) f.key = this.decodeKey(f.keyStart, f.keyEnd);
  }

  /** The path of the member being read in stack[depth-1] (without the base path). */
  private pathOf(depth: number): JsonPathPart[] {
    const out: JsonPathPart[] = [];
    for (let d = 0; d < depth; d++) {
      const f = this.stack[d]!;
      if (f.obj) out.push(f.built ? f.key : this.decodeKey(f.keyStart, f.keyEnd));
      else out.push(f.index);
    }
    return out;
  }

  // ─── Values, text and errors ─────────────────────────────────────────────────────────────────

  private decode(start: number, end: number): string {
    const bytes = this.buf.subarray(start - this.bufStart, end - this.bufStart);
    try {
      return this.decoder.decode(bytes);
    } catch {
      const at = firstInvalidUtf8Offset(bytes);
      throw new InputError(`the file is not UTF-8 text (invalid byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} at byte offset ${start + at})`, {
        file: this.name,
        hint: 'Save it as UTF-8; the AWS CLI writes UTF-8 unless the shell re-encodes its output.',
      });
    }
  }

  private decodeKey(start: number, end: number): string {
    const text = this.decode(start, end);
    if (!text.includes('\\')) return text.slice(1, -1);
    return this.parseText(text, start, this.line, this.lineStart, () => []) as string;
  }

  private parseSlice(start: number, end: number, line: number, lineStart: number, path: () => JsonPathPart[]): unknown {
    const text = this.decode(start, end);
    const value = this.parseText(text, start, line, lineStart, path);
    // A number a double would change keeps its text (see parseKeepingNumbers).
    if (typeof value === 'number') return String(value) === text.trim() ? value : text.trim();
    if (typeof value === 'object' && value !== null) {
      const scan = scanJson(text);
      const dup = scan.duplicate;
      if (dup !== undefined) {
        const inner = dup.path;
        const p = [pathText(path()), inner].filter((x) => x !== '').join(inner.startsWith('[') ? '' : '.');
        throw new InputError(`duplicate key ${JSON.stringify(dup.key)} (at ${this.whereInText(text, dup.offset, line, start - lineStart)})`, {
          file: this.name,
          ...(p !== '' ? { path: p } : {}),
          hint: 'An object may name each member once (AWS refuses duplicate keys); JSON.parse would silently keep only the last one. Merge the two.',
        });
      }
      if (scan.lossyNumber) return parseKeepingNumbers(text);
    }
    return value;
  }

  private parseText(text: string, start: number, line: number, lineStart: number, _path: () => JsonPathPart[]): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const off = errorOffset(text, message);
      throw new InputError(`invalid JSON at ${this.whereInText(text, off, line, start - lineStart)}: ${cleanParserMessage(message)}`, {
        file: this.name,
        excerpt: excerpt(text, off),
        hint: 'Check the JSON near that position: a missing comma or quote, a trailing comma, or a comment (JSON allows none).',
      });
    }
  }

  /** Line and column of an offset into a value's text that starts at `line`, `startColumn0` characters into it. */
  private whereInText(text: string, offset: number, line: number, startColumn0: number): string {
    const lc = lineColumn(text, offset);
    return lc.line === 1 ? `line ${line}, column ${startColumn0 + lc.column}` : `line ${line + lc.line - 1}, column ${lc.column}`;
  }

  private column(at: number, lineStart: number): number {
    if (lineStart >= this.bufStart && at <= this.bufStart + this.buf.length && at - lineStart < 4096) {
      try {
        return this.decoder.decode(this.buf.subarray(lineStart - this.bufStart, at - this.bufStart)).length + 1;
      } catch {
        // fall back to bytes
      }
    }
    return at - lineStart + 1;
  }

  private where(at: number): string {
    return `line ${this.line}, column ${this.column(at, this.lineStart)}`;
  }

  private pathOpt(path: readonly JsonPathPart[]): { path?: string } {
    const p = pathText(path);
    return p === '' ? {} : { path: p };
  }

  private unexpected(at: number, c: number, problem?: string): never {
    const ch = c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
    return this.syntax(at, problem !== undefined ? `${problem}, found ${ch}` : `unexpected ${ch}`, false);
  }

  private syntax(at: number, problem: string, truncated: boolean): never {
    let near = '';
    const from = Math.max(this.bufStart, this.lineStart, at - 30);
    const to = Math.min(this.bufStart + this.buf.length, at + 30);
    if (to > from) {
      const piece = this.buf
        .toString('utf8', from - this.bufStart, to - this.bufStart)
        .split('\n')[0]!
        .replace(/\s+/g, ' ')
        .trim();
      if (piece !== '') near = ` (near ${JSON.stringify(`${from > this.lineStart ? '…' : ''}${piece}`)})`;
    }
    throw new InputError(`invalid JSON at ${this.where(at)}: ${problem}`, {
      file: this.name,
      excerpt: near,
      hint: truncated
        ? 'The file looks cut off: was it still being written, or copied only in part?'
        : 'Check the JSON near that position: a missing comma or quote, a trailing comma, or a comment (JSON allows none).',
    });
  }
}

/**
 * Parses the bytes of one value of a larger file (`base` says where they sit), small enough to be
 * one string: decoded and handed whole to JSON.parse, with the same checks and positions as the
 * streamed read (duplicate keys with their JSON path, bad UTF-8, syntax errors with line and
 * column in the file). `diff` reads each key of a large who-can report this way once the first
 * pass has found where it is: that pass has already followed its structure, and a second byte scan
 * building it member by member would cost more than JSON.parse itself.
 */
export function parseJsonValueBytes(bytes: Uint8Array, opts: JsonStreamOptions & { base: NonNullable<JsonStreamOptions['base']> }): unknown {
  const p = new JsonStreamParser(opts);
  return p.whole(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
}

/** Parses a stream of bytes (a file, stdin) with the checks above. */
export async function parseJsonStream(chunks: AsyncIterable<Uint8Array | string>, opts: JsonStreamOptions): Promise<unknown> {
  const p = new JsonStreamParser(opts);
  for await (const chunk of chunks) p.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  return p.end();
}
