// Renderers for `kms-why who-can`: json (the contract below), text, table, markdown; and the
// reader of the JSON contract (`kms-why diff` compares two such reports).
//
// JSON contract, version 1 (`"kmsWhyWhoCan": 1`; fields are only ever added within a version):
//
//   {
//     "kmsWhyWhoCan": 1,
//     "capturedAt": "2025-06-01T12:00:00Z" | null,          the snapshot's capture time
//     "summary": {
//       "keys": 1, "decisions": 64,                          (principal, key, action) triples answered
//       "allowed": 20, "conditional": 7, "unknown": 0,       triples by answer (the rest are denied)
//       "externalAccounts": ["444455556666"],                accounts other than the key's with any access
//       "publicKeys": ["arn:…"]                              keys with a public (`*`) Allow statement
//     },
//     "keys": [{
//       "key": "arn:aws:kms:…:key/…", "aliases": ["alias/app"], "account": "111122223333",
//       "keyState": "Enabled", "keyManager": "CUSTOMER",
//       "aliasForAliasActions": "alias/app" | null,          the alias CreateAlias/UpdateAlias/DeleteAlias were evaluated on
//       "principals": [{                                      every principal considered
//         "principal": "arn:…" | "*", "kind": "role" | "user" | "role-session" | "federated-user" | "account-root" | "service" | "public",
//         "account": "111122223333" | null, "external": false,
//         "origins": ["iam" | "account-root" | "key-policy" | "grantee" | "public"], "arnWithPath"?: "arn:…:role/path/name"
//       }],
//       "actions": [{
//         "action": "kms:Decrypt", "group": "use" | "grant" | "administer", "adminLevel": false,
//         "keyStateError": null | "DisabledException: …",    what an authorized request still gets
//         "principals": [{                                    everyone not denied, in the order of "principals"
//           "principal": "arn:…", "access": "allow" | "conditional" | "unknown",
//           "decidedBy": "key-policy" | "key-policy-and-iam" | "grant" | … | "unknown",
//           "reasons": [{ "source": "key-policy" | "identity-policy" | "grant" | …, "id": "Sid", "effect": "Allow", "policyName"?: "…" }],
//           "adminLevel": true,                                allowed without context on PutKeyPolicy, ScheduleKeyDeletion, DisableKey, CreateGrant
//           "conditions"?: [{ "source", "id", "effect", "operator", "key", "values": [] }],   conditional only; one statement's conditions all hold, statements are alternatives; effect Deny = a Deny to avoid
//           "witness"?: { "encryptionContext"?, "viaService"?, "keyIdentifier"?, "encryptionAlgorithm"?, "grantIsForAwsResource"?, "context"? },   a request context the evaluator allows
//           "unreadable"?: ["what: reason"]                    unknown only
//         }]
//       }],
//       "public": [{ "statement": "Sid", "notPrincipal": false, "actions": ["kms:Decrypt"], "conditions": [ … ] }],
//       "externalAccounts": [{ "account": "444455556666", "principals": ["arn:…"], "actions": ["kms:Decrypt"] }],
//       "notes": ["…"], "skipped": [{ "principal": "AROA…", "why": "…" }]
//     }]
//   }
//
// Roles are evaluated as one of their sessions; verdicts are for requests without context (no
// encryption context, no kms:ViaService …); "conditional" means such a request is denied but one
// with the shown context (the witness) is allowed.
import { findAction, type ActionInfo } from '../model/actions.js';
import type { DecidedBy, ReasonSource } from '../model/decision.js';
import type { AccessEntry, GuardCondition, KeyWhoCan, PublicStatement, ReasonRef, WhoCanPrincipal, WhoCanResult, Witness } from '../evaluate/who-can.js';
import { ADMIN_LEVEL_ACTIONS, isAdminLevel } from '../evaluate/who-can.js';
import type { Row } from './layout.js';
import { expectArray, expectObject, expectString, fail, index, isObject, member, type JsonObject, type Where } from '../sources/json-path.js';

export const WHO_CAN_REPORT_VERSION = 1;

export interface WhoCanRenderOptions {
  color?: boolean;
  /** The width tables are laid out to. */
  width?: number;
}

const GROUPS: Array<{ id: ActionInfo['group']; title: string }> = [
  { id: 'use', title: 'Use the key' },
  { id: 'grant', title: 'Manage grants' },
  { id: 'administer', title: 'Administer the key' },
  { id: 'account', title: 'Account-level' },
];

// ─── Summaries shared by the renderers ───────────────────────────────────────────────────────────

interface Counts {
  decisions: number;
  allowed: number;
  conditional: number;
  unknown: number;
}

function counts(r: WhoCanResult): Counts {
  const c: Counts = { decisions: 0, allowed: 0, conditional: 0, unknown: 0 };
  for (const k of r.keys) {
    k.principals.forEach((p, pi) => {
      if (p.kind === 'public') return;
      for (const e of k.access[pi]!) {
        c.decisions++;
        if (e === null) continue;
        if (e.access === 'allow') c.allowed++;
        else if (e.access === 'conditional') c.conditional++;
        else c.unknown++;
      }
    });
  }
  return c;
}

interface ExternalAccount {
  account: string;
  principals: string[];
  actions: string[];
}

/** Accounts other than the key's whose principals have some access (allow, conditional or unknown). */
export function externalAccounts(k: KeyWhoCan): ExternalAccount[] {
  const by = new Map<string, ExternalAccount>();
  k.principals.forEach((p, pi) => {
    if (!p.external || p.account === undefined) return;
    const acts = k.actions.filter((_, ai) => k.access[pi]![ai] !== null).map((a) => a.name);
    if (acts.length === 0) return;
    let x = by.get(p.account);
    if (x === undefined) {
      x = { account: p.account, principals: [], actions: [] };
      by.set(p.account, x);
    }
    x.principals.push(p.arn);
    for (const a of acts) if (!x.actions.includes(a)) x.actions.push(a);
  });
  return [...by.values()];
}

/** Principals allowed an admin-level action without any request context. */
export function adminLevelPrincipals(k: KeyWhoCan): Array<{ principal: WhoCanPrincipal; actions: string[] }> {
  const out: Array<{ principal: WhoCanPrincipal; actions: string[] }> = [];
  k.principals.forEach((p, pi) => {
    const acts = k.actions.filter((a, ai) => isAdminLevel(a.name, k.access[pi]![ai]!)).map((a) => a.name);
    if (acts.length > 0) out.push({ principal: p, actions: acts });
  });
  return out;
}

function reasonText(r: ReasonRef): string {
  if (r.source === 'grant') return `grant ${r.id}`;
  if (r.source === 'key-policy') return `key-policy "${r.id}"`;
  return `${r.source} "${r.id}"${r.policyName !== undefined && !r.id.startsWith(`${r.policyName}#`) ? ` (${r.policyName})` : ''}`;
}

function valuesText(v: string[]): string {
  return v.length === 1 ? v[0]! : `[${v.join(', ')}]`;
}

/** Conditions grouped by statement or grant: alternatives joined by "or". */
export function conditionsText(conds: GuardCondition[]): string {
  const groups = new Map<string, GuardCondition[]>();
  for (const c of conds) {
    const k = `${c.source}|${c.id}|${c.effect}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  const allow: string[] = [];
  const deny: string[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    const where = first.source === 'grant' ? `grant ${first.id}` : `${first.source} "${first.id}"`;
    const parts = g.map((c) => (first.source === 'grant' ? `${c.operator === 'SourceArn' ? 'aws:SourceArn' : `encryption context ${c.key}`} ${c.operator === 'EncryptionContextSubset' ? 'includes' : '='} ${valuesText(c.values)}` : `${c.key} ${c.operator} ${valuesText(c.values)}`));
    if (first.effect === 'Deny') deny.push(`unless ${parts.join(' and ')} (Deny ${where})`);
    else allow.push(`${parts.join(' and ')} (${where})`);
  }
  const out: string[] = [];
  if (allow.length > 0) out.push(`if ${allow.join(' or ')}`);
  if (deny.length > 0) out.push(`${allow.length > 0 ? 'and ' : 'if the request avoids the Deny: '}${deny.join('; ')}`);
  return out.join(' ');
}

/** The witness as kms-why request flags. */
export function witnessFlags(w: Witness | undefined): string {
  if (w === undefined) return '';
  const f: string[] = [];
  for (const [k, v] of Object.entries(w.encryptionContext ?? {})) f.push(`--context ${k}=${v}`);
  if (w.viaService !== undefined) f.push(`--via-service ${w.viaService}`);
  if (w.keyIdentifier !== undefined) f.push(`--key ${w.keyIdentifier}`);
  if (w.encryptionAlgorithm !== undefined) f.push(`--encryption-algorithm ${w.encryptionAlgorithm}`);
  if (w.grantIsForAwsResource === true) f.push('--grant-is-for-aws-resource');
  for (const [k, v] of Object.entries(w.context ?? {})) f.push(`--condition ${k}=${v}`);
  return f.join(' ');
}

/** Why the principal has this access, in one line. */
export function entryWhy(e: AccessEntry): string {
  if (e.access === 'unknown') return `depends on what could not be read: ${(e.unreadable ?? []).join('; ') || 'an unreadable input'}`;
  if (e.access === 'conditional') {
    const flags = witnessFlags(e.witness);
    return `${conditionsText(e.conditions ?? []) || `with request context (${e.decidedBy})`}${flags ? `; e.g. ${flags}` : ''}`;
  }
  return `${e.decidedBy}: ${e.reasons.map(reasonText).join(' + ') || '(no statement)'}`;
}

function entrySig(e: AccessEntry | null): string {
  if (e === null) return '-';
  return `${e.access}|${e.decidedBy}|${e.reasons.map((r) => `${r.source}:${r.id}`).join(',')}|${(e.conditions ?? []).map((c) => `${c.id}:${c.key}:${c.values.join(',')}`).join(',')}`;
}

/** Actions of one group with identical answers for every principal, merged into one row. */
interface ActionRow {
  actions: ActionInfo[];
  /** The first action's index in k.actions. */
  index: number;
  entries: Array<{ principal: WhoCanPrincipal; entry: AccessEntry }>;
  keyStateError?: string;
}

function actionRows(k: KeyWhoCan, group: ActionInfo['group']): ActionRow[] {
  const rows: ActionRow[] = [];
  const bySig = new Map<string, ActionRow>();
  k.actions.forEach((a, ai) => {
    if (a.group !== group) return;
    const sig = `${k.keyStateErrors[ai] ?? ''}#${ADMIN_LEVEL_ACTIONS.has(a.name)}#${k.access.map((row) => entrySig(row[ai]!)).join(';')}`;
    const hit = bySig.get(sig);
    if (hit !== undefined) {
      hit.actions.push(a);
      return;
    }
    const row: ActionRow = { actions: [a], index: ai, entries: [] };
    const kse = k.keyStateErrors[ai];
    if (kse !== undefined) row.keyStateError = kse;
    k.principals.forEach((p, pi) => {
      const e = k.access[pi]![ai]!;
      if (e !== null) row.entries.push({ principal: p, entry: e });
    });
    const rank = (e: AccessEntry): number => (e.access === 'allow' ? 0 : e.access === 'conditional' ? 1 : 2);
    row.entries.sort((x, y) => rank(x.entry) - rank(y.entry));
    bySig.set(sig, row);
    rows.push(row);
  });
  return rows;
}

function keyTitle(k: KeyWhoCan): string {
  return `${k.keyArn}${k.aliases.length > 0 ? ` (${k.aliases.join(', ')})` : ''} — ${k.keyState}, account ${k.account}`;
}

function principalLabel(p: WhoCanPrincipal): string {
  if (p.kind === 'public') return '* (anyone)';
  const tags: string[] = [];
  if (p.kind === 'account-root') tags.push('account root');
  if (p.external) tags.push('external');
  return `${p.arn}${tags.length > 0 ? ` [${tags.join(', ')}]` : ''}`;
}

function summaryLine(r: WhoCanResult): string {
  const c = counts(r);
  return `${c.decisions} decision${c.decisions === 1 ? '' : 's'} on ${r.keys.length} key${r.keys.length === 1 ? '' : 's'}: ${c.allowed} allowed, ${c.conditional} conditional, ${c.unknown} unknown, ${c.decisions - c.allowed - c.conditional - c.unknown} denied.`;
}

const CAVEAT = 'Verdicts are for requests without context; roles are evaluated as one of their sessions. "conditional": allowed only with the request context shown.';

// ─── JSON ──────────────────────────────────────────────────────────────────────────────────────

function entryJson(p: WhoCanPrincipal, a: ActionInfo, e: AccessEntry): JsonObject {
  const o: JsonObject = { principal: p.arn, access: e.access, decidedBy: e.decidedBy, reasons: e.reasons, adminLevel: isAdminLevel(a.name, e) };
  if (e.conditions !== undefined) o.conditions = e.conditions;
  if (e.witness !== undefined) o.witness = e.witness;
  if (e.unreadable !== undefined) o.unreadable = e.unreadable;
  return o;
}

function keyJson(k: KeyWhoCan): JsonObject {
  return {
    key: k.keyArn,
    aliases: k.aliases,
    account: k.account,
    keyState: k.keyState,
    keyManager: k.keyManager,
    aliasForAliasActions: k.aliasForAliasActions ?? null,
    principals: k.principals.map((p) => {
      const o: JsonObject = { principal: p.arn, kind: p.kind, account: p.account ?? null, external: p.external, origins: p.origins };
      if (p.arnWithPath !== undefined) o.arnWithPath = p.arnWithPath;
      return o;
    }),
    actions: k.actions.map((a, ai) => ({
      action: a.name,
      group: a.group,
      adminLevel: ADMIN_LEVEL_ACTIONS.has(a.name),
      keyStateError: k.keyStateErrors[ai] ?? null,
      principals: k.principals.flatMap((p, pi) => {
        const e = k.access[pi]![ai]!;
        return e === null ? [] : [entryJson(p, a, e)];
      }),
    })),
    public: k.publicStatements.map((s) => ({ statement: s.id, notPrincipal: s.notPrincipal, actions: s.actions, conditions: s.conditions })),
    externalAccounts: externalAccounts(k),
    notes: k.notes,
    skipped: k.skipped,
  };
}

function headJson(r: WhoCanResult): JsonObject {
  const c = counts(r);
  const ext = new Set<string>();
  for (const k of r.keys) for (const x of externalAccounts(k)) ext.add(x.account);
  return {
    kmsWhyWhoCan: WHO_CAN_REPORT_VERSION,
    capturedAt: r.capturedAt ?? null,
    summary: { keys: r.keys.length, ...c, externalAccounts: [...ext].sort(), publicKeys: r.keys.filter((k) => k.publicStatements.length > 0).map((k) => k.keyArn) },
  };
}

export function whoCanJson(r: WhoCanResult): JsonObject {
  return { ...headJson(r), keys: r.keys.map(keyJson) };
}

/**
 * The JSON report in pieces, one per key, whose concatenation is the report (the same text as
 * renderWhoCanJson): a whole account's report can exceed the longest string a JavaScript engine
 * holds, so the CLI writes it piece by piece.
 */
export function* whoCanJsonChunks(r: WhoCanResult): Generator<string> {
  const head = JSON.stringify(headJson(r), null, 2);
  yield `${head.slice(0, -2)},\n  "keys": [`;
  for (let i = 0; i < r.keys.length; i++) yield `${i > 0 ? ',' : ''}\n    ${JSON.stringify(keyJson(r.keys[i]!), null, 2).replace(/\n/g, '\n    ')}`;
  yield `${r.keys.length > 0 ? '\n  ' : ''}]\n}\n`;
}

export function renderWhoCanJson(r: WhoCanResult, _opts: WhoCanRenderOptions = {}): string {
  return [...whoCanJsonChunks(r)].join('');
}

// ─── Text ──────────────────────────────────────────────────────────────────────────────────────

/** The text report in pieces, one per key (see whoCanJsonChunks). */
export function* whoCanTextChunks(r: WhoCanResult): Generator<string> {
  for (const k of r.keys) {
    const out: string[] = [];
    out.push(`Key ${keyTitle(k)}`);
    const considered = k.principals.filter((p) => p.kind !== 'public').length;
    out.push(`  ${considered} principal${considered === 1 ? '' : 's'} considered, ${k.actions.length} action${k.actions.length === 1 ? '' : 's'}.`);
    for (const g of GROUPS) {
      const rows = actionRows(k, g.id);
      if (rows.length === 0) continue;
      out.push('', `  ${g.title}`);
      for (const row of rows) {
        out.push(`    ${row.actions.map((a) => a.name).join(', ')}${row.keyStateError ? `  (fails anyway: ${row.keyStateError})` : ''}`);
        if (row.entries.length === 0) out.push('      nobody');
        for (const { principal, entry } of row.entries) {
          const admin = row.actions.some((a) => isAdminLevel(a.name, entry)) ? ' [ADMIN-LEVEL]' : '';
          out.push(`      ${entry.access.padEnd(11)}  ${principalLabel(principal)}${admin}`);
          out.push(`${' '.repeat(19)}${entryWhy(entry)}`);
        }
      }
    }
    const admins = adminLevelPrincipals(k);
    if (admins.length > 0) {
      out.push('', '  Admin-level powers (allowed without conditions):');
      for (const x of admins) out.push(`    ${principalLabel(x.principal)}: ${x.actions.join(', ')}`);
    }
    const ext = externalAccounts(k);
    if (ext.length > 0) {
      out.push('', '  External accounts:');
      for (const x of ext) out.push(`    ${x.account}: ${x.principals.join(', ')} — ${x.actions.join(', ')}`);
    }
    if (k.publicStatements.length > 0) {
      out.push('', '  Public statements (Principal "*" or NotPrincipal):');
      for (const s of k.publicStatements) out.push(`    "${s.id}" allows ${s.actions.join(', ')} ${s.conditions.length > 0 ? conditionsText(s.conditions) : 'to ANYONE, with no condition'}`);
    }
    if (k.notes.length > 0 || k.skipped.length > 0) {
      out.push('', '  Notes:');
      for (const n of k.notes) out.push(`    ${n}`);
      for (const s of k.skipped) out.push(`    not evaluated: ${s.principal} (${s.why})`);
    }
    out.push('', '');
    yield out.join('\n');
  }
  yield `${summaryLine(r)}\n${CAVEAT}\n`;
}

export function renderWhoCanText(r: WhoCanResult, _opts: WhoCanRenderOptions = {}): string {
  return [...whoCanTextChunks(r)].join('');
}

// ─── Table (src/report/layout.ts) ─────────────────────────────────────────────────────────────────────────────────────

export async function renderWhoCanTable(r: WhoCanResult, opts: WhoCanRenderOptions = {}): Promise<string> {
  const [{ Chalk }, { layoutTable }, { wrap }] = await Promise.all([import('chalk'), import('./layout.js'), import('./explain.js')]);
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const width = opts.width ?? 80;
  // Lines outside the table: wrapped to the width first, coloured after.
  const para = (text: string, style: (s: string) => string = (s) => s): string[] => wrap(text, width).map((l) => style(l));
  const colour = (e: AccessEntry): ((s: string) => string) => (e.access === 'allow' ? c.green : e.access === 'conditional' ? c.yellow : c.magenta);
  const out: string[] = [];
  for (const k of r.keys) {
    out.push(...para(`Key ${keyTitle(k)}`, c.bold));
    const body: Row[] = [];
    for (const g of GROUPS) {
      const rows = actionRows(k, g.id);
      if (rows.length === 0) continue;
      body.push({ title: { text: g.title, style: c.bold } });
      for (const row of rows) {
        const actionCell = row.actions.map((a) => a.name).join('\n') + (row.keyStateError ? '\n(fails: key state)' : '');
        if (row.entries.length === 0) {
          body.push([actionCell, { text: 'nobody', style: c.red }, '', '']);
          continue;
        }
        row.entries.forEach(({ principal, entry }, i) => {
          const admin = row.actions.some((a) => isAdminLevel(a.name, entry));
          const label = principalLabel(principal);
          body.push([i === 0 ? actionCell : '', { text: entry.access, style: colour(entry) }, admin ? { text: `${label}\nADMIN-LEVEL`, style: c.red.bold } : principal.external ? { text: label, style: c.yellow } : label, entryWhy(entry)]);
        });
      }
    }
    out.push(layoutTable(['Action', 'Access', 'Principal', 'Through'], body, width, { head: c.cyan, border: c.grey, soft: [16, 11, 24, 24], hard: [10, 8, 12, 12], separators: 'always' }));
    const admins = adminLevelPrincipals(k);
    if (admins.length > 0) out.push(...para(`Admin-level powers: ${admins.map((x) => `${principalLabel(x.principal)} (${x.actions.join(', ')})`).join('; ')}`, c.red));
    const ext = externalAccounts(k);
    if (ext.length > 0) out.push(...para(`External accounts: ${ext.map((x) => `${x.account} (${x.actions.join(', ')})`).join('; ')}`, c.yellow));
    for (const s of k.publicStatements) out.push(...para(`Public statement "${s.id}": ${s.actions.join(', ')} ${s.conditions.length > 0 ? conditionsText(s.conditions) : 'to ANYONE, with no condition'}`, c.yellow));
    for (const n of k.notes) out.push(...para(n, c.dim));
    for (const s of k.skipped) out.push(...para(`not evaluated: ${s.principal} (${s.why})`, c.dim));
    out.push('');
  }
  out.push(...para(summaryLine(r)), ...para(CAVEAT, c.dim));
  return out.join('\n') + '\n';
}

// ─── Markdown ──────────────────────────────────────────────────────────────────────────────────

export function renderWhoCanMarkdown(r: WhoCanResult, _opts: WhoCanRenderOptions = {}): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out: string[] = ['## Who can use these KMS keys', '', summaryLine(r), '', `> ${CAVEAT}`, ''];
  for (const k of r.keys) {
    out.push(`### ${esc(keyTitle(k))}`, '');
    for (const g of GROUPS) {
      const rows = actionRows(k, g.id);
      if (rows.length === 0) continue;
      out.push(`#### ${g.title}`, '', '| Action | Access | Principal | Through |', '|---|---|---|---|');
      for (const row of rows) {
        const acts = row.actions.map((a) => `\`${a.name}\``).join(', ') + (row.keyStateError ? ` (fails: ${esc(row.keyStateError)})` : '');
        if (row.entries.length === 0) out.push(`| ${acts} | nobody | | |`);
        row.entries.forEach(({ principal, entry }, i) => {
          const admin = row.actions.some((a) => isAdminLevel(a.name, entry)) ? ' **admin-level**' : '';
          out.push(`| ${i === 0 ? acts : ''} | ${entry.access === 'allow' ? '**allow**' : entry.access} | \`${esc(principal.arn)}\`${principal.external ? ' (external)' : ''}${admin} | ${esc(entryWhy(entry))} |`);
        });
      }
      out.push('');
    }
    const admins = adminLevelPrincipals(k);
    if (admins.length > 0) {
      out.push('**Admin-level powers** (allowed without conditions):', '');
      for (const x of admins) out.push(`- \`${esc(x.principal.arn)}\`: ${x.actions.join(', ')}`);
      out.push('');
    }
    const ext = externalAccounts(k);
    if (ext.length > 0) {
      out.push('**External accounts:**', '');
      for (const x of ext) out.push(`- ${x.account}: ${x.principals.map((p) => `\`${esc(p)}\``).join(', ')} — ${x.actions.join(', ')}`);
      out.push('');
    }
    if (k.publicStatements.length > 0) {
      out.push('**Public statements:**', '');
      for (const s of k.publicStatements) out.push(`- \`${esc(s.id)}\`: ${s.actions.join(', ')} ${s.conditions.length > 0 ? esc(conditionsText(s.conditions)) : '**to anyone, with no condition**'}`);
      out.push('');
    }
    if (k.notes.length > 0 || k.skipped.length > 0) {
      for (const n of k.notes) out.push(`> ${esc(n)}`);
      for (const s of k.skipped) out.push(`> not evaluated: \`${esc(s.principal)}\` (${esc(s.why)})`);
      out.push('');
    }
  }
  return out.join('\n');
}

// ─── Reading a report back ─────────────────────────────────────────────────────────────────────

const ACCESS = ['allow', 'conditional', 'unknown'] as const;

function str(o: JsonObject, k: string, at: Where): string {
  return expectString(o[k], member(at, k));
}

function strings(v: unknown, at: Where): string[] {
  return expectArray(v, at).map((x, i) => expectString(x, index(at, i)));
}

function reasonOf(v: unknown, at: Where): ReasonRef {
  const o = expectObject(v, at, 'a reason');
  const r: ReasonRef = { source: str(o, 'source', at) as ReasonSource, id: str(o, 'id', at), effect: o.effect === 'Deny' ? 'Deny' : 'Allow' };
  if (typeof o.policyName === 'string') r.policyName = o.policyName;
  return r;
}

function conditionOf(v: unknown, at: Where): GuardCondition {
  const o = expectObject(v, at, 'a condition');
  return { source: str(o, 'source', at) as ReasonSource, id: str(o, 'id', at), effect: o.effect === 'Deny' ? 'Deny' : 'Allow', operator: str(o, 'operator', at), key: str(o, 'key', at), values: strings(o.values, member(at, 'values')) };
}

/** Reads a who-can JSON report (version 1) back into the result it describes. */
export function parseWhoCanJson(value: unknown, file: string): WhoCanResult {
  const root: Where = { file, path: '' };
  const o = expectObject(value, root, 'a who-can report');
  if (o.kmsWhyWhoCan !== WHO_CAN_REPORT_VERSION) {
    fail(member(root, 'kmsWhyWhoCan'), `unsupported who-can report version ${JSON.stringify(o.kmsWhyWhoCan)}`, `kms-why reads version ${WHO_CAN_REPORT_VERSION}.`);
  }
  const keysAt = member(root, 'keys');
  const keys = expectArray(o.keys, keysAt).map((kv, ki): KeyWhoCan => {
    const at = index(keysAt, ki);
    const k = expectObject(kv, at, 'a key');
    const pAt = member(at, 'principals');
    const principals: WhoCanPrincipal[] = expectArray(k.principals, pAt).map((pv, pi) => {
      const pat = index(pAt, pi);
      const p = expectObject(pv, pat, 'a principal');
      const w: WhoCanPrincipal = { arn: str(p, 'principal', pat), kind: str(p, 'kind', pat) as WhoCanPrincipal['kind'], external: p.external === true, origins: Array.isArray(p.origins) ? strings(p.origins, member(pat, 'origins')) as WhoCanPrincipal['origins'] : [] };
      if (typeof p.account === 'string') w.account = p.account;
      if (typeof p.arnWithPath === 'string') w.arnWithPath = p.arnWithPath;
      return w;
    });
    const byArn = new Map(principals.map((p, i) => [p.arn, i]));
    const aAt = member(at, 'actions');
    const actionList = expectArray(k.actions, aAt);
    const actions: ActionInfo[] = [];
    const keyStateErrors: Array<string | undefined> = [];
    const access: Array<Array<AccessEntry | null>> = principals.map(() => []);
    actionList.forEach((av, ai) => {
      const aat = index(aAt, ai);
      const a = expectObject(av, aat, 'an action');
      const name = str(a, 'action', aat);
      const info = findAction(name);
      if (info === undefined) fail(member(aat, 'action'), `unknown KMS action "${name}"`);
      actions.push(info);
      keyStateErrors.push(typeof a.keyStateError === 'string' ? a.keyStateError : undefined);
      for (const row of access) row.push(null);
      const epAt = member(aat, 'principals');
      expectArray(a.principals, epAt).forEach((ev, ei) => {
        const eat = index(epAt, ei);
        const e = expectObject(ev, eat, 'an answer');
        const arn = str(e, 'principal', eat);
        let pi = byArn.get(arn);
        if (pi === undefined) {
          pi = principals.length;
          principals.push({ arn, kind: arn === '*' ? 'public' : 'role', external: false, origins: [] });
          byArn.set(arn, pi);
          access.push(actions.map(() => null));
        }
        const acc = str(e, 'access', eat);
        if (!(ACCESS as readonly string[]).includes(acc)) fail(member(eat, 'access'), `access must be one of ${ACCESS.join(', ')}, got "${acc}"`);
        const entry: AccessEntry = {
          access: acc as AccessEntry['access'],
          decidedBy: str(e, 'decidedBy', eat) as DecidedBy,
          reasons: expectArray(e.reasons ?? [], member(eat, 'reasons')).map((r, i) => reasonOf(r, index(member(eat, 'reasons'), i))),
        };
        if (e.conditions !== undefined) entry.conditions = expectArray(e.conditions, member(eat, 'conditions')).map((c, i) => conditionOf(c, index(member(eat, 'conditions'), i)));
        if (isObject(e.witness)) entry.witness = e.witness as Witness;
        if (e.unreadable !== undefined) entry.unreadable = strings(e.unreadable, member(eat, 'unreadable'));
        access[pi]![ai] = entry;
      });
    });
    const publicStatements: PublicStatement[] = Array.isArray(k.public)
      ? k.public.map((sv, si) => {
          const sat = index(member(at, 'public'), si);
          const s = expectObject(sv, sat, 'a public statement');
          return { id: str(s, 'statement', sat), notPrincipal: s.notPrincipal === true, actions: strings(s.actions, member(sat, 'actions')), conditions: expectArray(s.conditions ?? [], member(sat, 'conditions')).map((c, i) => conditionOf(c, index(member(sat, 'conditions'), i))) };
        })
      : [];
    const out: KeyWhoCan = {
      keyArn: str(k, 'key', at),
      aliases: Array.isArray(k.aliases) ? strings(k.aliases, member(at, 'aliases')) : [],
      account: typeof k.account === 'string' ? k.account : '',
      keyState: typeof k.keyState === 'string' ? k.keyState : 'Enabled',
      keyManager: typeof k.keyManager === 'string' ? k.keyManager : 'CUSTOMER',
      actions,
      keyStateErrors,
      principals,
      access,
      publicStatements,
      notes: Array.isArray(k.notes) ? strings(k.notes, member(at, 'notes')) : [],
      skipped: [],
    };
    if (typeof k.aliasForAliasActions === 'string') out.aliasForAliasActions = k.aliasForAliasActions;
    return out;
  });
  const decisions = keys.reduce((n, k) => n + k.principals.filter((p) => p.kind !== 'public').length * k.actions.length, 0);
  const result: WhoCanResult = { keys, stats: { keys: keys.length, decisions, evaluations: 0, sharedPairs: 0 } };
  if (typeof o.capturedAt === 'string') result.capturedAt = o.capturedAt;
  return result;
}

/** Is this parsed JSON a who-can report (rather than a snapshot)? */
export function isWhoCanJson(value: unknown): boolean {
  return isObject(value) && 'kmsWhyWhoCan' in value;
}

