// Renderers for `kms-why diff`: json, text, table, markdown.
//
// JSON contract, version 1 (`"kmsWhyDiff": 1`):
//
//   {
//     "kmsWhyDiff": 1,
//     "old": "before.json", "new": "after.json",
//     "summary": { "gained": 2, "lost": 1, "changed": 0, "unknown": 0 },   (principal, key, action) triples
//     "keysAdded": ["arn:…"], "keysRemoved": [],
//     "changes": [{
//       "key": "arn:…", "aliases": ["alias/app"], "principal": "arn:…", "principalKind": "role", "external": false,
//       "actions": ["kms:Decrypt", "kms:Encrypt"],
//       "change": "gained" | "lost" | "changed" | "unknown",
//       "adminLevel": false,
//       "old": { "access": "allow" | "conditional" | "unknown" | "deny", "decidedBy": "…" | null, "reasons": [ … ], "conditions"?: [ … ], "absent"?: "key" | "principal" },
//       "new": { … the same … },
//       "why": ["key-policy statement \"AllowApp\" is new"]
//     }],
//     "notes": []
//   }
import type { AccessChange, AccessDiff, AccessSide } from '../evaluate/diff.js';
import type { ReasonRef } from '../evaluate/who-can.js';
import { conditionsText } from './who-can.js';

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

export function renderDiffJson(d: AccessDiff, opts: DiffRenderOptions): string {
  const side = (s: AccessSide): Record<string, unknown> => {
    const o: Record<string, unknown> = { access: s.access, decidedBy: s.decidedBy ?? null, reasons: s.reasons };
    if (s.conditions !== undefined) o.conditions = s.conditions;
    if (s.absent !== undefined) o.absent = s.absent;
    return o;
  };
  const o = {
    kmsWhyDiff: DIFF_REPORT_VERSION,
    old: opts.oldName,
    new: opts.newName,
    summary: d.summary,
    keysAdded: d.keysAdded,
    keysRemoved: d.keysRemoved,
    changes: d.changes.map((c) => ({ ...c, old: side(c.old), new: side(c.new) })),
    notes: d.notes,
  };
  return JSON.stringify(o, null, 2) + '\n';
}

export function renderDiffText(d: AccessDiff, opts: DiffRenderOptions): string {
  const out: string[] = [`Comparing ${opts.oldName} (old) with ${opts.newName} (new)`, ''];
  for (const [, list] of byKey(d)) {
    out.push(`Key ${keyTitle(list[0]!, d)}`);
    for (const c of list) {
      const tags = [c.external ? 'external' : '', c.adminLevel ? 'ADMIN-LEVEL' : ''].filter(Boolean);
      out.push(`  ${c.change.toUpperCase().padEnd(8)} ${c.principal}${tags.length > 0 ? ` [${tags.join(', ')}]` : ''}: ${c.actions.join(', ')}`);
      out.push(`           before: ${sideText(c.old)}`);
      out.push(`           after:  ${sideText(c.new)}`);
      for (const w of c.why) out.push(`           why:    ${w}`);
    }
    out.push('');
  }
  for (const n of d.notes) out.push(`Note: ${n}`);
  out.push(summaryLine(d));
  return out.join('\n') + '\n';
}

export async function renderDiffTable(d: AccessDiff, opts: DiffRenderOptions): Promise<string> {
  const [{ Chalk }, { layoutTable }, { wrap }] = await Promise.all([import('chalk'), import('./layout.js'), import('./explain.js')]);
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const width = opts.width ?? 80;
  const para = (text: string, style: (s: string) => string = (s) => s): string[] => wrap(text, width).map((l) => style(l));
  const colour = (k: AccessChange['change']): ((s: string) => string) => (k === 'gained' ? c.red.bold : k === 'lost' ? c.green : k === 'unknown' ? c.magenta : c.yellow);
  const out: string[] = para(`Comparing ${opts.oldName} (old) with ${opts.newName} (new)`, c.dim);
  for (const [, list] of byKey(d)) {
    out.push(...para(`Key ${keyTitle(list[0]!, d)}`, c.bold));
    const rows = list.map((x) => [
      { text: x.change, style: colour(x.change) },
      { text: `${x.principal}${x.external ? '\n(external)' : ''}${x.adminLevel ? '\nADMIN-LEVEL' : ''}`, ...(x.adminLevel ? { style: c.red.bold } : x.external ? { style: c.yellow } : {}) },
      x.actions.join('\n'),
      `${sideText(x.old)}\n→ ${sideText(x.new)}`,
      x.why.join('\n'),
    ]);
    out.push(layoutTable(['Change', 'Principal', 'Actions', 'Before → after', 'Why'], rows, width, { head: c.cyan, border: c.grey, soft: [8, 24, 14, 20, 20], hard: [7, 12, 8, 10, 10], separators: 'always' }));
  }
  for (const n of d.notes) out.push(...para(`Note: ${n}`, c.dim));
  out.push(...para(summaryLine(d)));
  return out.join('\n') + '\n';
}

export function renderDiffMarkdown(d: AccessDiff, opts: DiffRenderOptions): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out: string[] = ['## KMS access changes', '', `Old: \`${esc(opts.oldName)}\` — new: \`${esc(opts.newName)}\``, '', summaryLine(d), ''];
  for (const [, list] of byKey(d)) {
    out.push(`### ${esc(keyTitle(list[0]!, d))}`, '', '| Change | Principal | Actions | Before | After | Why |', '|---|---|---|---|---|---|');
    for (const x of list) {
      out.push(
        `| ${x.change === 'gained' ? '**gained**' : x.change} | \`${esc(x.principal)}\`${x.external ? ' (external)' : ''}${x.adminLevel ? ' **admin-level**' : ''} | ${x.actions.map((a) => `\`${a}\``).join(', ')} | ${esc(sideText(x.old))} | ${esc(sideText(x.new))} | ${esc(x.why.join('; '))} |`,
      );
    }
    out.push('');
  }
  for (const n of d.notes) out.push(`> ${esc(n)}`);
  return out.join('\n') + '\n';
}
