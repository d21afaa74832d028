// The two sides of `kms-why diff`, read a key at a time. A who-can report larger than the
// streaming size is read in two steps: one pass over the file that keeps, for each key, only its
// ARN, its aliases and where its bytes are; then each key's bytes are parsed when the comparison
// reaches it, and dropped after. So the memory is one key of each side (plus the changes found),
// whatever the size of the reports. Smaller reports, stdin, --redact (which must see a whole input
// before it names anything) and snapshots are read whole.
import { stat } from 'node:fs/promises';
import { DiffAccumulator, keysFiltered, type AccessChange, type AccessDiff } from '../analyses/diff.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { principalFilter, WhoCanEngine, type KeyWhoCan, type WhoCanFilters, type WhoCanPrincipal } from '../analyses/who-can.js';
import type { ActionInfo } from '../model/actions.js';
import type { Key } from '../model/key.js';
import type { Snapshot } from '../model/snapshot.js';
import { isWhoCanJson, parseWhoCanJson, parseWhoCanKey } from '../sources/who-can-report.js';
import { displayName, fileChunks, readJsonText, readRange, STREAM_ABOVE_BYTES } from '../sources/json-file.js';
import { expectArray, expectObject, expectString, index, isObject, member, type Where } from '../sources/json-path.js';
import { parseJsonStream, parseJsonValueBytes, type ByteRange } from '../sources/json-stream.js';
import type { JsonPathPart } from '../sources/json-lines.js';
import { snapshotFromDocuments } from '../sources/load.js';
import { unknownWhy } from '../report/who-can.js';
import type { CliIo } from './io.js';

export interface DiffKeyRef {
  arn: string;
  aliases: string[];
}

export interface DiffSide {
  /** The keys compared, in the input's order. */
  keys: DiffKeyRef[];
  /** --key values this side has no key for. */
  missingKeys: string[];
  /** One key's answers (read or evaluated now). */
  load(arn: string): Promise<KeyWhoCan>;
  /** A snapshot side's snapshot (the diff then says what changed in the sources). */
  snapshot?: Snapshot;
  /** When a snapshot side's requests are made (DiffInputOptions.at). */
  at?: string;
  /** A report side's filters (who-can --key, --principal, --action): what it left out is not compared. */
  filters?: WhoCanFilters;
  /** A report side's --principal filter, when its patterns cannot be matched as shown (DiffSources.oldKeep). */
  keep?: (p: WhoCanPrincipal) => boolean;
}

export interface DiffInputOptions {
  /** Reports larger than this are read a key at a time (default STREAM_ABOVE_BYTES; tests lower it). */
  streamAbove?: number;
  /** When a snapshot side's requests are made (who-can's WhoCanOptions.at); a report records its own. */
  at?: string;
}

/** Opens one side: a who-can JSON report, or a snapshot (any --from input) to evaluate. */
export async function openDiffSide(
  file: string,
  keyIdents: string[],
  actions: ActionInfo[] | undefined,
  io: CliIo,
  opts: DiffInputOptions = {},
): Promise<DiffSide> {
  const limit = opts.streamAbove ?? STREAM_ABOVE_BYTES;
  const name = displayName(file);
  if (file !== '-' && io.redactor === undefined) {
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() && info.size > limit) return openLarge(file, name, keyIdents, actions, opts.at);
  }
  let value = await readJsonText(file, opts.streamAbove !== undefined ? { streamAbove: opts.streamAbove } : {});
  let shown = name;
  const r = io.redactor;
  if (r !== undefined) {
    // A who-can report's --principal patterns hold the real names: redacted, they would no longer
    // match what they matched (role-1 is in role-10), so they are matched against the ARNs the
    // redacted ones stand for, and shown redacted.
    const patterns = realPrincipalPatterns(value);
    r.learn(value);
    value = r.json(value);
    shown = r.file(name);
    const side = fromValue(value, shown, keyIdents, actions, opts.at);
    if (patterns !== undefined && side.filters !== undefined) {
      side.filters = { ...side.filters, principals: patterns.map((p) => r.principalPattern(p)), redacted: true };
      side.keep = principalFilter(patterns, (arn) => r.original(arn))!;
    }
    return side;
  }
  return fromValue(value, shown, keyIdents, actions, opts.at);
}

/** A who-can report's --principal patterns as written, unless none or already redacted (filters.redacted). */
function realPrincipalPatterns(value: unknown): string[] | undefined {
  if (!isWhoCanJson(value)) return undefined;
  const f = (value as { filters?: unknown }).filters;
  if (!isObject(f) || f.redacted === true || !Array.isArray(f.principals) || f.principals.length === 0) return undefined;
  return f.principals.every((x): x is string => typeof x === 'string') ? f.principals : undefined;
}

function fromValue(value: unknown, name: string, keyIdents: string[], actions: ActionInfo[] | undefined, at: string | undefined): DiffSide {
  if (isWhoCanJson(value)) {
    const result = parseWhoCanJson(value, name);
    const byArn = new Map(result.keys.map((k) => [k.keyArn, k]));
    const { keys, missing } = pick(
      result.keys.map((k) => ({ arn: k.keyArn, aliases: k.aliases })),
      keyIdents,
    );
    return {
      keys,
      missingKeys: missing,
      load: async (arn) => restrict(byArn.get(arn)!, actions),
      ...(result.filters !== undefined ? { filters: result.filters } : {}),
    };
  }
  const snapshot = snapshotFromDocuments([{ file: name, value }]);
  return snapshotSide(snapshot, keyIdents, actions, at);
}

function snapshotSide(snapshot: Snapshot, keyIdents: string[], actions: ActionInfo[] | undefined, at: string | undefined): DiffSide {
  const ev = new Evaluator(snapshot);
  let keys: Key[];
  const missing: string[] = [];
  if (keyIdents.length === 0) keys = snapshot.keys.filter((k) => k.metadata.keyManager === 'CUSTOMER');
  else {
    keys = [];
    for (const ident of keyIdents) {
      const k = ev.findKey(ident);
      if (k === undefined) missing.push(ident);
      else if (!keys.includes(k)) keys.push(k);
    }
  }
  const engine = new WhoCanEngine(snapshot, at !== undefined ? { at } : {});
  const byArn = new Map(keys.map((k) => [k.metadata.arn, k]));
  return {
    keys: keys.map((k) => ({ arn: k.metadata.arn, aliases: [...k.aliases] })),
    missingKeys: missing,
    load: async (arn) => engine.key(byArn.get(arn)!, actions),
    snapshot,
    ...(at !== undefined ? { at } : {}),
  };
}

/** The keys --key names (by ARN, id, alias or alias ARN), in the report's order; every key without --key. */
function pick(all: DiffKeyRef[], keyIdents: string[]): { keys: DiffKeyRef[]; missing: string[] } {
  if (keyIdents.length === 0) return { keys: all, missing: [] };
  const missing: string[] = [];
  const keep = new Set<string>();
  for (const ident of keyIdents) {
    const k = all.find(
      (x) => x.arn === ident || x.arn.endsWith(`:key/${ident}`) || x.aliases.includes(ident) || x.aliases.some((a) => ident.endsWith(`:${a}`)),
    );
    if (k === undefined) missing.push(ident);
    else keep.add(k.arn);
  }
  return { keys: all.filter((k) => keep.has(k.arn)), missing };
}

/** --action: only those actions of a key read from a report (a snapshot side evaluates only them). */
function restrict(k: KeyWhoCan, actions: ActionInfo[] | undefined): KeyWhoCan {
  if (actions === undefined) return k;
  const names = new Set(actions.map((a) => a.name));
  const keep = k.actions.map((a, i) => [a, i] as const).filter(([a]) => names.has(a.name));
  return {
    ...k,
    actions: keep.map(([a]) => a),
    keyStateErrors: keep.map(([, i]) => k.keyStateErrors[i]),
    access: k.access.map((row) => keep.map(([, i]) => row[i]!)),
  };
}

/** A key of a large report up to this size is parsed as one text (JSON.parse); a larger one is streamed. */
const WHOLE_KEY_BYTES = STREAM_ABOVE_BYTES;

interface IndexedKey extends DiffKeyRef {
  index: number;
  range: ByteRange;
}

/** A large input: a who-can report is indexed (and read a key at a time later); anything else is read whole. */
async function openLarge(file: string, name: string, keyIdents: string[], actions: ActionInfo[] | undefined, at: string | undefined): Promise<DiffSide> {
  // A report written by who-can names its version first: only then are its keys read sparsely
  // (a snapshot's `keys`, or a report edited into another order, is read whole).
  let isReport = false;
  const entries: Array<{ index: number; value: unknown; range: ByteRange }> = [];
  const select = (path: readonly JsonPathPart[]): 'keep' | 'build' | 'sparse' | 'skip' => {
    if (path.length === 0) return 'build';
    if (path.length === 1) {
      if (path[0] === 'kmsWhyWhoCan') isReport = true;
      return path[0] === 'keys' && isReport ? 'build' : 'keep';
    }
    if (path.length === 2) return 'sparse';
    return path[2] === 'key' || path[2] === 'aliases' ? 'keep' : 'skip';
  };
  const root = await parseJsonStream(fileChunks(file), {
    name,
    select,
    onValue: (path, value, range) => entries.push({ index: path[1] as number, value, range }),
  });
  if (!isReport || !isWhoCanJson(root)) {
    return fromValue(root, name, keyIdents, actions, at);
  }
  // The report's head (version, capture time) is checked as a report without keys.
  const head = parseWhoCanJson({ ...(root as Record<string, unknown>), keys: [] }, name);
  const keysAt: Where = member({ file: name, path: '' }, 'keys');
  expectArray((root as Record<string, unknown>).keys, keysAt);
  const indexed: IndexedKey[] = entries.map((e) => {
    const at = index(keysAt, e.index);
    const o = expectObject(e.value, at, 'a key');
    const arn = expectString(o.key, member(at, 'key'));
    const aliases = Array.isArray(o.aliases) ? o.aliases.map((a, i) => expectString(a, index(member(at, 'aliases'), i))) : [];
    return { arn, aliases, index: e.index, range: e.range };
  });
  const byArn = new Map(indexed.map((k) => [k.arn, k]));
  const { keys, missing } = pick(indexed, keyIdents);
  return {
    keys: keys.map((k) => ({ arn: k.arn, aliases: k.aliases })),
    missingKeys: missing,
    ...(head.filters !== undefined ? { filters: head.filters } : {}),
    load: async (arn) => {
      const k = byArn.get(arn)!;
      const base = { offset: k.range.start, line: k.range.line, column: k.range.column, path: ['keys', k.index] };
      // A key that fits in one string is read whole (the first pass has checked its syntax and depth);
      // a larger one is streamed as the file was.
      const value =
        k.range.end - k.range.start <= WHOLE_KEY_BYTES
          ? parseJsonValueBytes(await readRange(file, k.range), { name, base })
          : await parseJsonStream(fileChunks(file, k.range), { name, base });
      if (!isObject(value)) expectObject(value, index(keysAt, k.index), 'a key');
      return restrict(parseWhoCanKey(value, index(keysAt, k.index)), actions);
    },
  };
}

/** The comparison a key at a time: read (or evaluate) it on both sides, compare, keep only the changes. */
export async function diffSides(before: DiffSide, after: DiffSide): Promise<AccessDiff> {
  const acc = new DiffAccumulator({
    // An unknown answer's reason in the report's words, whether computed here or read back from a report.
    unknownReason: unknownWhy,
    ...(before.snapshot ? { oldSnapshot: before.snapshot } : {}),
    ...(after.snapshot ? { newSnapshot: after.snapshot } : {}),
    ...(before.at !== undefined ? { oldAt: before.at } : {}),
    ...(after.at !== undefined ? { newAt: after.at } : {}),
    ...(before.filters ? { oldFilters: before.filters } : {}),
    ...(after.filters ? { newFilters: after.filters } : {}),
    ...(before.keep ? { oldKeep: before.keep } : {}),
    ...(after.keep ? { newKeep: after.keep } : {}),
  });
  const oldArns = new Set(before.keys.map((k) => k.arn));
  const newArns = new Set(after.keys.map((k) => k.arn));
  const changes: AccessChange[] = [];
  for (const arn of [...newArns, ...[...oldArns].filter((a) => !newArns.has(a))]) {
    const ok = oldArns.has(arn) ? await before.load(arn) : undefined;
    const nk = newArns.has(arn) ? await after.load(arn) : undefined;
    for (const c of acc.key(ok, nk)) changes.push(c);
  }
  // A key missing from a report of only some keys (who-can --key), or from a snapshot of only the
  // keys it was asked for (keysAskedFor), was not evaluated there: neither added nor removed.
  return {
    changes,
    keysAdded: keysFiltered(before.filters, before.snapshot) ? [] : [...newArns].filter((a) => !oldArns.has(a)),
    keysRemoved: keysFiltered(after.filters, after.snapshot) ? [] : [...oldArns].filter((a) => !newArns.has(a)),
    summary: acc.summary,
    notes: acc.notes,
  };
}
