// Renderers for `kms-why diff`: json, text, table, markdown.
//
// JSON contract, version 1 (`"kmsWhyDiff": 1`):
//
//   {
//     "kmsWhyDiff": 1,
//     "old": "before.json", "new": "after.json",
//     "summary": { "gained": 2, "lost": 1, "changed": 0, "unknown": 0 },   (principal, key, action) triples
//     "keysAdded": ["arn:…"], "keysRemoved": [],            not a key the other side was not made for (who-can --key, keysAskedFor)
//     "changes": [{
//       "key": "arn:…", "aliases": ["alias/app"], "principal": "arn:…", "principalKind": "role", "external": false,
//       "actions": ["kms:Decrypt", "kms:Encrypt"],
//       "change": "gained" | "lost" | "changed" | "unknown",
//       "adminLevel": false,
//       "old": { "access": "allow" | "conditional" | "unknown" | "deny", "decidedBy": "…" | null, "reasons": [ … ], "conditions"?: [ … ], "absent"?: "key" | "principal",
//                "notEvaluated"?: "…" },   this side did not evaluate it (a who-can report made with --key or --principal, or an input that could
//                                           not list every principal, such as a snapshot --principal, or a snapshot of some keys only, such
//                                           as a snapshot --key, without this key), and why: access "unknown", change "unknown", never "lost" or "gained"
//       "new": { … the same … },
//       "why": ["key-policy statement \"AllowApp\" is new"]
//     }],
//     "notes": []
//   }
import type { AccessChange, AccessDiff, AccessSide } from '../analyses/diff.js';
import type { ReasonRef } from '../analyses/who-can.js';
import { conditionsText } from './who-can.js';
import { escapeControls, escapeShared } from './escape.js';
import { MAX_WIDTH, pushHanging } from './explain.js';
import { code, prose, row } from './markdown.js';

export const DIFF_REPORT_VERSION = 1;

export interface DiffRenderOptions {
  color?: boolean;
  oldName: string;
  newName: string;
  /** The width tables are laid out to. */
  width?: number;
}

function reasonText(r: ReasonRef): string {
  if (r.source === 'grant') return `grant ${r.id}`;
  return `${r.source} "${r.id}"`;
}

export function sideText(s: AccessSide): string {
  if (s.notEvaluated !== undefined) return 'not evaluated';
  if (s.absent === 'key') return 'no such key';
  if (s.absent === 'principal') return 'no such principal';
  const by = s.decidedBy !== undefined ? ` (${s.decidedBy}${s.reasons.length > 0 ? `: ${s.reasons.map(reasonText).join(' + ')}` : ''})` : '';
  const conds = s.access === 'conditional' && s.conditions !== undefined && s.conditions.length > 0 ? ` ${conditionsText(s.conditions)}` : '';
  return `${s.access}${by}${conds}`;
}

function summaryLine(d: AccessDiff): string {
  const s = d.summary;
  const total = s.gained + s.lost + s.changed + s.unknown;
  if (total === 0) return 'No change in who can do what.';
  return `${s.gained} gained, ${s.lost} lost, ${s.changed} changed, ${s.unknown} now or formerly unknown ((principal, key, action) triples).`;
}

function byKey(d: AccessDiff): Map<string, AccessChange[]> {
  const m = new Map<string, AccessChange[]>();
  for (const c of d.changes) {
    const l = m.get(c.key);
    if (l) l.push(c);
    else m.set(c.key, [c]);
  }
  return m;
}

function keyTitle(c: AccessChange, d: AccessDiff): string {
  const tag = d.keysAdded.includes(c.key) ? ' [new key]' : d.keysRemoved.includes(c.key) ? ' [removed key]' : '';
  return `${c.key}${c.aliases.length > 0 ? ` (${c.aliases.join(', ')})` : ''}${tag}`;
}

// Every renderer yields its text a key at a time (a diff of two large reports can be longer than
// one string may be); renderDiff* join the pieces for callers that want one string.

export function* diffJsonChunks(d: AccessDiff, opts: DiffRenderOptions): Generator<string> {
  const side = (s: AccessSide): Record<string, unknown> => {
    const o: Record<string, unknown> = { access: s.access, decidedBy: s.decidedBy ?? null, reasons: s.reasons };
    if (s.conditions !== undefined) o.conditions = s.conditions;
    if (s.absent !== undefined) o.absent = s.absent;
    if (s.notEvaluated !== undefined) o.notEvaluated = s.notEvaluated;
    return o;
  };
  // The same text as JSON.stringify(report, null, 2), written a key's changes at a time.
  const member = (name: string, v: unknown): string => `  ${JSON.stringify(name)}: ${JSON.stringify(v, null, 2).replace(/\n/g, '\n  ')}`;
  const head = [
    member('kmsWhyDiff', DIFF_REPORT_VERSION),
    member('old', opts.oldName),
    member('new', opts.newName),
    member('summary', d.summary),
    member('keysAdded', d.keysAdded),
    member('keysRemoved', d.keysRemoved),
  ];
  if (d.changes.length === 0) {
    yield `{\n${[...head, member('changes', []), member('notes', d.notes)].join(',\n')}\n}\n`;
    return;
  }
  yield `{\n${head.join(',\n')},\n  "changes": [\n`;
  let i = 0;
  for (const [, list] of byKey(d)) {
    let buf = '';
    for (const c of list) {
      buf += `${i++ > 0 ? ',\n' : ''}    ${JSON.stringify({ ...c, old: side(c.old), new: side(c.new) }, null, 2).replace(/\n/g, '\n    ')}`;
      if (buf.length > 65536) {
        yield buf;
        buf = '';
      }
    }
    yield buf;
  }
  yield `\n  ],\n${member('notes', d.notes)}\n}\n`;
}

/** Laid out as text: the input's strings (file names too) escaped first, so that none forges a line. */
function escapedInput(d: AccessDiff, opts: DiffRenderOptions): [AccessDiff, DiffRenderOptions] {
  return [escapeShared(d), { ...opts, oldName: escapeControls(opts.oldName), newName: escapeControls(opts.newName) }];
}

export function renderDiffJson(d: AccessDiff, opts: DiffRenderOptions): string {
  return [...diffJsonChunks(d, opts)].join('');
}

export function* diffTextChunks(given: AccessDiff, optsGiven: DiffRenderOptions): Generator<string> {
  const [d, opts] = escapedInput(given, optsGiven);
  // Every line fits the output width (80 on a pipe), continued under its own text.
  const width = Math.min(opts.width ?? 80, MAX_WIDTH);
  const head: string[] = [];
  pushHanging(head, `Comparing ${opts.oldName} (old) with ${opts.newName} (new)`, width, '', '  ');
  yield `${head.join('\n')}\n\n`;
  const field = ' '.repeat(11);
  for (const [, list] of byKey(d)) {
    const out: string[] = [];
    pushHanging(out, keyTitle(list[0]!, d), width, 'Key ', '    ');
    for (const c of list) {
      const tags = [c.external ? 'external' : '', c.adminLevel ? 'ADMIN-LEVEL' : ''].filter(Boolean);
      pushHanging(
        out,
        `${c.principal}${tags.length > 0 ? ` [${tags.join(', ')}]` : ''}: ${c.actions.join(', ')}`,
        width,
        `  ${c.change.toUpperCase().padEnd(8)} `,
        field,
      );
      pushHanging(out, sideText(c.old), width, `${field}before: `, `${field}        `);
      pushHanging(out, sideText(c.new), width, `${field}after:  `, `${field}        `);
      for (const w of c.why) pushHanging(out, w, width, `${field}why:    `, `${field}        `);
    }
    yield `${out.join('\n')}\n\n`;
  }
  const tail: string[] = [];
  for (const n of d.notes) pushHanging(tail, n, width, 'Note: ', '      ');
  pushHanging(tail, summaryLine(d), width, '', '  ');
  yield `${tail.join('\n')}\n`;
}

export function renderDiffText(d: AccessDiff, opts: DiffRenderOptions): string {
  return [...diffTextChunks(d, opts)].join('');
}

export async function diffTableChunks(given: AccessDiff, optsGiven: DiffRenderOptions): Promise<Generator<string>> {
  const [d, opts] = escapedInput(given, optsGiven);
  const [{ Chalk }, { layoutTable }, { wrap }] = await Promise.all([import('chalk'), import('./layout.js'), import('./explain.js')]);
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const width = opts.width ?? 80;
  const para = (text: string, style: (s: string) => string = (s) => s): string[] => wrap(text, width).map((l) => style(l));
  const colour = (k: AccessChange['change']): ((s: string) => string) =>
    k === 'gained' ? c.red.bold : k === 'lost' ? c.green : k === 'unknown' ? c.magenta : c.yellow;
  return (function* chunks(): Generator<string> {
    yield `${para(`Comparing ${opts.oldName} (old) with ${opts.newName} (new)`, c.dim).join('\n')}\n`;
    for (const [, list] of byKey(d)) {
      const out = para(`Key ${keyTitle(list[0]!, d)}`, c.bold);
      const rows = list.map((x) => [
        { text: x.change, style: colour(x.change) },
        {
          text: `${x.principal}${x.external ? '\n(external)' : ''}${x.adminLevel ? '\nADMIN-LEVEL' : ''}`,
          ...(x.adminLevel ? { style: c.red.bold } : x.external ? { style: c.yellow } : {}),
        },
        x.actions.join('\n'),
        `${sideText(x.old)}\n→ ${sideText(x.new)}`,
        x.why.join('\n'),
      ]);
      out.push(
        layoutTable(['Change', 'Principal', 'Actions', 'Before → after', 'Why'], rows, width, {
          head: c.cyan,
          border: c.grey,
          soft: [8, 24, 14, 20, 20],
          hard: [7, 12, 8, 10, 10],
          whole: [false, false, true, false, false],
          separators: 'always',
        }),
      );
      yield `${out.join('\n')}\n`;
    }
    const tail: string[] = [];
    for (const n of d.notes) tail.push(...para(`Note: ${n}`, c.dim));
    tail.push(...para(summaryLine(d)));
    yield `${tail.join('\n')}\n`;
  })();
}

export async function renderDiffTable(d: AccessDiff, opts: DiffRenderOptions): Promise<string> {
  return [...(await diffTableChunks(d, opts))].join('');
}

export function* diffMarkdownChunks(given: AccessDiff, optsGiven: DiffRenderOptions): Generator<string> {
  // Statement ids, policy names and aliases with Markdown's helpers, as check's Markdown: whoever
  // writes a policy chooses its Sid, and a diff is pasted into a pull request.
  const [d, opts] = escapedInput(given, optsGiven);
  yield ['## KMS access changes', '', `Old: ${code(opts.oldName)} — new: ${code(opts.newName)}`, '', summaryLine(d), ''].join('\n') + '\n';
  for (const [, list] of byKey(d)) {
    const out = [`### ${prose(keyTitle(list[0]!, d))}`, '', '| Change | Principal | Actions | Before | After | Why |', '|---|---|---|---|---|---|'];
    for (const x of list) {
      out.push(
        row([
          x.change === 'gained' ? '**gained**' : x.change,
          `${code(x.principal)}${x.external ? ' (external)' : ''}${x.adminLevel ? ' **admin-level**' : ''}`,
          x.actions.map(code).join(', '),
          prose(sideText(x.old)),
          prose(sideText(x.new)),
          prose(x.why.join('; ')),
        ]),
      );
    }
    yield `${out.join('\n')}\n\n`;
  }
  yield d.notes.map((n) => `> ${prose(n)}\n`).join('') + '';
}

export function renderDiffMarkdown(d: AccessDiff, opts: DiffRenderOptions): string {
  return [...diffMarkdownChunks(d, opts)].join('');
}
