// Renderers for `kms-why who-can`: json (the contract below), text, table, markdown; and the
// reader of the JSON contract (`kms-why diff` compares two such reports).
//
// JSON contract, version 1 (`"kmsWhyWhoCan": 1`; fields are only ever added within a version):
//
//   {
//     "kmsWhyWhoCan": 1,
//     "capturedAt": "2025-06-01T12:00:00Z" | null,          the snapshot's capture time
//     "at"?: "2026-01-31T09:30:00.000Z",                     when the requests were made (who-can --at, default: the time of the run)
//     "filters"?: {                                          what the report was limited to (who-can writes it; absent: not limited)
//       "keys": ["alias/app"] | null,                        --key values (null: every customer managed key; --all-keys of a snapshot
//                                                            made for some keys only: its keysAskedFor)
//       "principals": ["role/app-*"] | null,                 --principal patterns: other principals were left out (anyone "*" is kept)
//       "actions": ["kms:Decrypt"] | null,                   --action values (null: every action each key can do)
//       "redacted"?: true                                    --redact: "principals" shown redacted (matched against the real ARNs);
//                                                            diff takes the principals the report lists as the ones it kept
//     },
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
//           "assumptions"?: ["account-grantee"],               through a grant: the assumptions the answer rests on (docs/semantics.md#ID)
//           "unreadable"?: ["what: reason"]                    unknown only
//           "unknownBecause"?: "…",                            unknown with nothing unreadable: what the request would need that kms-why cannot know
//           "missingContext"?: ["aws:SourceIp"]                 unknown only: condition keys the verdict depends on that kms-why cannot derive
//         }]
//       }],
//       "public": [{ "statement": "Sid", "notPrincipal": false, "actions": ["kms:Decrypt"], "conditions": [ … ] }],
//       "externalAccounts": [{ "account": "444455556666", "principals": ["arn:…"], "actions": ["kms:Decrypt"] }],
//       "notes": ["…"], "skipped": [{ "principal": "AROA…", "why": "…" }],
//       "unlistedPrincipals"?: [{ "account": "111122223333" | null, "why": "…" }]   principals (of that account; null: any) that may be
//                                                            missing from "principals": an input that names them could not be read,
//                                                            or the snapshot lists only the principals it was asked for
//       "assumptions"?: [{ "id": "account-grantee", "assumption": "…", "principals": 3 }]   every assumption an answer on the key rests on,
//                                                            with the number of principals whose answers rest on it
//       "orgPoliciesNotGiven"?: [{ "kind": "scp", "account": "111122223333" }]   the SCPs and RCPs no input gives that could deny
//                                                            access on this key (the summary gathers them)
//     }]
//   }
//
// Roles are evaluated as one of their sessions; verdicts are for requests without context (no
// encryption context, no kms:ViaService …); "conditional" means such a request is denied but one
// with the shown context (the witness) is allowed.
import type { ActionInfo } from '../model/actions.js';
import type { AccessEntry, GuardCondition, KeyWhoCan, ReasonRef, WhoCanFilters, WhoCanPrincipal, WhoCanResult, Witness } from '../analyses/who-can.js';
import { ADMIN_LEVEL_ACTIONS, finalVerdict, isAdminLevel } from '../analyses/who-can.js';
import { pushWrapped } from './wrap-spaces.js';
import { layoutTable, layoutTableChunks, type Row } from './layout.js';
import { assumptionText, hintText, orgPoliciesNotGivenText, partGapText, partWhatText } from './phrases.js';
import { ASSUMPTION_IDS, assumptionSlug, GRANT_TO_CREATE, type AssumptionId, type HintNote, type OrgPoliciesNotGiven } from '../model/decision.js';

import { WHO_CAN_REPORT_VERSION } from '../model/who-can.js';
import { hasControlChar } from '../model/control-chars.js';
import { escapeControls, escapeShared } from './escape.js';
import { code, escapeMd, MARKDOWN_BUDGET, prose, row } from './markdown.js';

/**
 * JSON text with no control character left raw. JSON.stringify escapes U+0000–U+001F itself, but
 * not DEL, the C1 controls, the line separators or the bidirectional marks, which the terminal
 * must not see either: they become `\uXXXX` here, as the CLI's last pass over stdout would make
 * them (report/escape.ts). JSON and JSON lines are built only from such pieces (each escaped once,
 * where it is encoded once), so the CLI writes them without a second pass over the whole text.
 */
function json(value: unknown): string {
  return escapeControls(JSON.stringify(value));
}

export { WHO_CAN_REPORT_VERSION };

type JsonObject = Record<string, unknown>;

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
    const parts = g.map((c) =>
      first.source === 'grant'
        ? `${c.operator === 'SourceArn' ? 'aws:SourceArn' : `encryption context ${c.key}`} ${c.operator === 'EncryptionContextSubset' ? 'includes' : '='} ${valuesText(c.values)}`
        : `${c.key} ${c.operator} ${valuesText(c.values)}`,
    );
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
  if (e.access === 'unknown') return unknownWhy(e);
  if (e.access === 'conditional') {
    const flags = witnessFlags(e.witness);
    return `${conditionsText(e.conditions ?? []) || `with request context (${e.decidedBy})`}${flags ? `; e.g. ${flags}` : ''}`;
  }
  return `${e.decidedBy}: ${e.reasons.map(reasonText).join(' + ') || '(no statement)'}`;
}

/** Why an answer is unknown: the inputs that could not be read, else what the request would need that kms-why cannot know. */
export function unknownWhy(e: AccessEntry): string {
  if (e.unreadable !== undefined && e.unreadable.length > 0) return `depends on what could not be read: ${e.unreadable.join('; ')}`;
  return dependsText(e) ?? 'depends on request details kms-why cannot derive';
}

/** The phrase of an unknown answer's notes (none: undefined). Who-can requests carry no context, so no flag to give is named. */
export function dependsText(e: AccessEntry): string | undefined {
  if (e.dependsOn === undefined || e.dependsOn.length === 0) return e.unknownBecause;
  return [...new Set(e.dependsOn.map(dependsNoteText))].join('; ');
}

function dependsNoteText(n: HintNote): string {
  switch (n.kind) {
    case 'underivable-decides':
      return `depends on ${n.name === GRANT_TO_CREATE ? 'the grant to create' : n.name}, which the request would carry but kms-why cannot derive`;
    case 'companion-unknown':
      return `needs a further permission on ${partWhatText(n.what)}, but ${partGapText(n.missing)}`;
    case 'part':
      return `[${partWhatText(n.what)}] ${dependsNoteText(n.note)}`;
    default:
      return hintText(n).replace(/\.$/, '');
  }
}

/** The assumptions an answer rests on, by their ids in kebab case (docs/semantics.md#ID): `, assuming a, b`, or nothing. */
export function assumesText(e: AccessEntry): string {
  return e.assumptions === undefined || e.assumptions.length === 0 ? '' : `; assumes ${e.assumptions.map(assumptionSlug).join(', ')}`;
}

/** An answer's assumptions in its JSON (ids in kebab case, as docs/semantics.md#assumptions heads them). */
function assumptionsJson(o: JsonObject, e: AccessEntry): void {
  if (e.assumptions !== undefined && e.assumptions.length > 0) o.assumptions = e.assumptions.map(assumptionSlug);
}

/**
 * The assumptions any answer on the key rests on (docs/semantics.md#assumptions), each with the
 * number of principals with an answer that rests on it; in the order of ASSUMPTION_IDS. Principals
 * with the same row of answers (most of them) are counted together.
 */
export function keyAssumptions(k: KeyWhoCan): Array<{ id: AssumptionId; principals: number }> {
  const rowN = new Map<Array<AccessEntry | null>, number>();
  for (const row of k.access) rowN.set(row, (rowN.get(row) ?? 0) + 1);
  const count = new Map<AssumptionId, number>();
  for (const [row, n] of rowN) {
    let ids: Set<AssumptionId> | undefined;
    for (const e of row) if (e?.assumptions !== undefined) for (const id of e.assumptions) (ids ??= new Set()).add(id);
    if (ids !== undefined) for (const id of ids) count.set(id, (count.get(id) ?? 0) + n);
  }
  return ASSUMPTION_IDS.filter((id) => count.has(id)).map((id) => ({ id, principals: count.get(id)! }));
}

function entrySig(e: AccessEntry | null): string {
  if (e === null) return '-';
  return `${e.access}|${e.decidedBy}|${e.reasons.map((r) => `${r.source}:${r.id}`).join(',')}|${(e.conditions ?? []).map((c) => `${c.id}:${c.key}:${c.values.join(',')}`).join(',')}|${(e.assumptions ?? []).join(',')}`;
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
    row.entries.sort((x, y) => accessRank(x.entry.access) - accessRank(y.entry.access));
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

const CAVEAT =
  'Verdicts are for requests without context; roles are evaluated as one of their sessions. "conditional": allowed only with the request context shown.';

// ─── JSON ──────────────────────────────────────────────────────────────────────────────────────

function entryJson(p: WhoCanPrincipal, a: ActionInfo, e: AccessEntry): JsonObject {
  const o: JsonObject = { principal: p.arn, access: e.access, decidedBy: e.decidedBy, reasons: e.reasons, adminLevel: isAdminLevel(a.name, e) };
  if (e.conditions !== undefined) o.conditions = e.conditions;
  if (e.witness !== undefined) o.witness = e.witness;
  if (e.unreadable !== undefined) o.unreadable = e.unreadable;
  assumptionsJson(o, e);
  unknownJson(o, e);
  return o;
}

/** An unknown answer's reason when nothing unreadable explains it (the fields `check` reports too). */
function unknownJson(o: JsonObject, e: AccessEntry): void {
  const why = dependsText(e);
  if (why !== undefined) o.unknownBecause = why;
  if (e.missingContext !== undefined) o.missingContext = e.missingContext;
}

function principalJson(p: WhoCanPrincipal): JsonObject {
  const o: JsonObject = { principal: p.arn, kind: p.kind, account: p.account ?? null, external: p.external, origins: p.origins };
  if (p.arnWithPath !== undefined) o.arnWithPath = p.arnWithPath;
  return o;
}

function keyHeadJson(k: KeyWhoCan): JsonObject {
  return {
    key: k.keyArn,
    aliases: k.aliases,
    account: k.account,
    keyState: k.keyState,
    keyManager: k.keyManager,
    aliasForAliasActions: k.aliasForAliasActions ?? null,
  };
}

function keyTailJson(k: KeyWhoCan): JsonObject {
  const o: JsonObject = {
    public: k.publicStatements.map((s) => ({ statement: s.id, notPrincipal: s.notPrincipal, actions: s.actions, conditions: s.conditions })),
    externalAccounts: externalAccounts(k),
    notes: k.notes,
    skipped: k.skipped,
  };
  if (k.unlisted !== undefined && k.unlisted.length > 0) o.unlistedPrincipals = k.unlisted.map((u) => ({ account: u.account ?? null, why: u.why }));
  const assumed = keyAssumptions(k);
  if (assumed.length > 0) o.assumptions = assumed.map((x) => ({ id: assumptionSlug(x.id), assumption: assumptionText(x.id), principals: x.principals }));
  // Per key as well as in the summary, so that a report read back (kms-why diff) says it again.
  if (k.orgPoliciesNotGiven !== undefined && k.orgPoliciesNotGiven.length > 0) o.orgPoliciesNotGiven = k.orgPoliciesNotGiven.map((n) => ({ ...n }));
  return o;
}

function keyJson(k: KeyWhoCan): JsonObject {
  return {
    ...keyHeadJson(k),
    principals: k.principals.map(principalJson),
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
    ...keyTailJson(k),
  };
}

/** Totals over the keys written so far (the report's summary), kept as each key goes by. */
export class WhoCanTotals {
  keys = 0;
  counts: Counts = { decisions: 0, allowed: 0, conditional: 0, unknown: 0 };
  readonly external = new Set<string>();
  readonly publicKeys: string[] = [];
  /** The SCPs and RCPs no input gives that some key's access could be denied by (KeyWhoCan.orgPoliciesNotGiven), by kind and account. */
  private readonly notGiven = new Map<string, OrgPoliciesNotGiven>();

  add(k: KeyWhoCan): void {
    for (const n of k.orgPoliciesNotGiven ?? []) if (!this.notGiven.has(`${n.kind}|${n.account}`)) this.notGiven.set(`${n.kind}|${n.account}`, n);
    this.keys++;
    const c = keyCounts(k);
    this.counts.decisions += c.decisions;
    this.counts.allowed += c.allowed;
    this.counts.conditional += c.conditional;
    this.counts.unknown += c.unknown;
    for (const x of externalAccounts(k)) this.external.add(x.account);
    if (k.publicStatements.length > 0) this.publicKeys.push(k.keyArn);
  }

  json(): JsonObject {
    const o: JsonObject = { keys: this.keys, ...this.counts, externalAccounts: [...this.external].sort(), publicKeys: this.publicKeys };
    const notGiven = this.orgPoliciesNotGiven();
    if (notGiven.length > 0) o.orgPoliciesNotGiven = notGiven;
    return o;
  }

  /** Every key's SCPs and RCPs no input gives, each once, SCPs first. */
  orgPoliciesNotGiven(): OrgPoliciesNotGiven[] {
    const all = [...this.notGiven.values()];
    return [...all.filter((n) => n.kind === 'scp'), ...all.filter((n) => n.kind === 'rcp')];
  }

  /** The report's note on them (none: undefined). */
  notGivenLine(): string | undefined {
    const notGiven = this.orgPoliciesNotGiven();
    return notGiven.length > 0 ? orgPoliciesNotGivenText(notGiven, 'the access this report shows') : undefined;
  }

  line(): string {
    const c = this.counts;
    // Anyone ("*") is no principal of the counts: its answers come from the public statements, listed apart.
    const anyone = this.publicKeys.length === 0 ? '' : ` Anyone ("*") is counted apart: see the public statements of ${plural(this.publicKeys.length, 'key')}.`;
    return `${fmt(c.decisions)} decision${c.decisions === 1 ? '' : 's'} on ${fmt(this.keys)} key${this.keys === 1 ? '' : 's'}: ${fmt(c.allowed)} allowed, ${fmt(c.conditional)} conditional, ${fmt(c.unknown)} unknown, ${fmt(c.decisions - c.allowed - c.conditional - c.unknown)} denied.${anyone}`;
  }
}

export function whoCanJson(r: WhoCanResult): JsonObject {
  const t = new WhoCanTotals();
  for (const k of r.keys) t.add(k);
  return {
    kmsWhyWhoCan: WHO_CAN_REPORT_VERSION,
    capturedAt: r.capturedAt ?? null,
    ...(r.at !== undefined ? { at: r.at } : {}),
    ...(r.filters !== undefined ? { filters: r.filters } : {}),
    summary: t.json(),
    keys: r.keys.map(keyJson),
  };
}

/**
 * Serialises one key's JSON without building its object tree: an answer's body (everything but
 * the principal) is encoded once per distinct answer and action kind, and each principal's ARN
 * once per key. Most of a large account's answers share a handful of bodies.
 */
class KeyJsonWriter {
  private readonly bodies = new Map<AccessEntry, [string | undefined, string | undefined]>();

  body(e: AccessEntry, admin: boolean): string {
    let pair = this.bodies.get(e);
    if (pair === undefined) {
      pair = [undefined, undefined];
      this.bodies.set(e, pair);
    }
    const i = admin ? 1 : 0;
    let s = pair[i];
    if (s === undefined) {
      const o: JsonObject = { access: e.access, decidedBy: e.decidedBy, reasons: e.reasons, adminLevel: admin && e.access === 'allow' };
      if (e.conditions !== undefined) o.conditions = e.conditions;
      if (e.witness !== undefined) o.witness = e.witness;
      if (e.unreadable !== undefined) o.unreadable = e.unreadable;
      assumptionsJson(o, e);
      unknownJson(o, e);
      s = json(o).slice(1);
      pair[i] = s;
    }
    return s;
  }

  /** The key's JSON, in pieces of bounded size. */
  *write(k: KeyWhoCan): Generator<string> {
    const head = json(keyHeadJson(k));
    let buf = `${head.slice(0, -1)},\n "principals":[`;
    const arns = k.principals.map((p) => json(p.arn));
    for (let i = 0; i < k.principals.length; i++) {
      buf += `${i > 0 ? ',' : ''}\n  ${json(principalJson(k.principals[i]!))}`;
      if (buf.length > 65536) {
        yield buf;
        buf = '';
      }
    }
    buf += '],\n "actions":[';
    for (let ai = 0; ai < k.actions.length; ai++) {
      const a = k.actions[ai]!;
      const admin = ADMIN_LEVEL_ACTIONS.has(a.name);
      buf += `${ai > 0 ? ',' : ''}\n  {"action":${json(a.name)},"group":${json(a.group)},"adminLevel":${admin},"keyStateError":${json(k.keyStateErrors[ai] ?? null)},"principals":[`;
      let first = true;
      for (let pi = 0; pi < k.principals.length; pi++) {
        const e = k.access[pi]![ai];
        if (e === null || e === undefined) continue;
        buf += `${first ? '' : ','}\n   {"principal":${arns[pi]},${this.body(e, admin)}`;
        first = false;
        if (buf.length > 65536) {
          yield buf;
          buf = '';
        }
      }
      buf += ']}';
    }
    const tail = json(keyTailJson(k));
    yield `${buf}],\n ${tail.slice(1)}`;
    this.bodies.clear();
  }
}

/** The JSON report in pieces (see WhoCanWriter); their concatenation is one JSON document. */
export function* whoCanJsonChunks(r: WhoCanResult): Generator<string> {
  const w = new WhoCanWriter('json', {});
  const parts: string[] = [];
  const sink = (s: string): void => {
    parts.push(s);
  };
  w.head(r.capturedAt, sink, r.filters, r.at);
  yield* parts.splice(0);
  for (const k of r.keys) {
    w.key(k, sink);
    yield* parts.splice(0);
  }
  w.tail(sink);
  yield* parts.splice(0);
}

export function renderWhoCanJson(r: WhoCanResult, _opts: WhoCanRenderOptions = {}): string {
  return [...whoCanJsonChunks(r)].join('');
}

// ─── Summaries by access path ──────────────────────────────────────────────────────────────────

const fmt = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`): string => `${fmt(n)} ${n === 1 ? one : many}`;

function keyCounts(k: KeyWhoCan): Counts {
  const c: Counts = { decisions: 0, allowed: 0, conditional: 0, unknown: 0 };
  const rows = new Map<Array<AccessEntry | null>, number>();
  k.principals.forEach((p, pi) => {
    if (p.kind === 'public') return;
    const row = k.access[pi]!;
    rows.set(row, (rows.get(row) ?? 0) + 1);
  });
  for (const [row, n] of rows) {
    for (const e of row) {
      c.decisions += n;
      if (e === null) continue;
      if (e.access === 'allow') c.allowed += n;
      else if (e.access === 'conditional') c.conditional += n;
      else c.unknown += n;
    }
  }
  return c;
}

/** How one group of principals has access: the same kind of answer through the same statements. */
export interface AccessPath {
  access: AccessEntry['access'];
  /** What it says, in one line. */
  text: string;
  /** The same in Markdown (names from the input in code spans, the rest escaped). */
  markdown: string;
  principals: number;
  external: number;
  /** Indices into the key's actions. */
  actions: number[];
  /** A few of its principals. */
  sample: WhoCanPrincipal[];
  adminLevel: boolean;
}

export interface GroupSummary {
  id: ActionInfo['group'];
  title: string;
  /** Indices of the group's actions that the key state does not fail. */
  actions: number[];
  /** Principals with some access in the group: allowed somewhere; else conditional somewhere; else unknown somewhere. */
  allowed: number;
  conditional: number;
  unknown: number;
  paths: AccessPath[];
  /** Access paths not in `paths` (only the largest MAX_PATHS are kept). */
  morePaths: number;
  /** Actions every request fails on now (key state), with how many principals are authorized. */
  failing: Array<{ action: ActionInfo; error: string; authorized: number }>;
}

export interface KeySummary {
  considered: number;
  groups: GroupSummary[];
  /** Principals allowed an admin-level action without context. */
  adminLevel: number;
  adminSample: Array<{ principal: WhoCanPrincipal; actions: string[] }>;
  external: ExternalAccount[];
  /** Principals with some access (any action). */
  withAccess: number;
  /** The assumptions answers on the key rest on (keyAssumptions). */
  assumptions: Array<{ id: AssumptionId; principals: number }>;
}

/** Allowed before conditional before unknown: the order answers and access paths are listed in. */
function accessRank(access: AccessEntry['access']): number {
  return access === 'allow' ? 0 : access === 'conditional' ? 1 : 2;
}

const SAMPLE = 3;
/** Access paths shown per group (the largest first); the rest are counted. */
export const MAX_PATHS = 8;
const moreText = (g: GroupSummary): string => `… and ${plural(g.morePaths, 'more access path')} (smaller; --principals or --output json lists every answer)`;

/** How a path's text quotes a name from the input: in backticks, as plain text shows it. */
const backticks = (name: string): string => `\`${name}\``;

/**
 * Grants are grouped by their constraint keys, not their ids (a key may have thousands); unreadable
 * inputs by what they are. `quote` puts a name from the input in the text: the Markdown view gives
 * code() (a Sid with a backtick in it would end plain backticks, and the rest render as Markdown).
 */
function pathIdOf(e: AccessEntry, quote: (name: string) => string = backticks): PathId {
  const condKeys = [...new Set((e.conditions ?? []).map((c) => (c.source === 'grant' ? `encryption context ${c.key}` : c.key)))].sort();
  const needs = condKeys.length > 0 ? `, needs ${condKeys.map(quote).join(' or ')}` : '';
  if (e.access === 'unknown') {
    const what = [...new Set((e.unreadable ?? []).map((u) => u.replace(/arn:[^\s,;:]+(:[^\s,;]*)?/g, '…')))].sort();
    const why = what.length > 0 ? what.join('; ') : (dependsText(e)?.replace(/arn:[^\s,;:)]+(:[^\s,;)]*)?/g, '…') ?? 'request details kms-why cannot derive');
    return { key: `unknown|${why}`, text: `unknown: ${why}` };
  }
  const grantOnly = e.reasons.length > 0 && e.reasons.every((r) => r.source === 'grant');
  const reasons = grantOnly ? ['grant'] : e.reasons.filter((r) => r.source !== 'grant').map((r) => pathReason(r, quote));
  if (!grantOnly && e.reasons.some((r) => r.source === 'grant')) reasons.push('grant');
  const via = e.decidedBy === 'key-policy-and-iam' ? 'account delegation + ' : '';
  const deny = (e.conditions ?? []).some((c) => c.effect === 'Deny') ? ' (avoiding a conditional Deny)' : '';
  const text = `${via}${reasons.join(' + ') || e.decidedBy}${needs}${deny}`;
  return { key: `${e.access}|${text}`, text };
}

/** A path's text in Markdown: an unknown one says what could not be read, in prose; otherwise the names are code spans. */
function pathMarkdown(e: AccessEntry): string {
  return e.access === 'unknown' ? prose(pathIdOf(e).text) : pathIdOf(e, code).text;
}

function pathReason(r: ReasonRef, quote: (name: string) => string): string {
  switch (r.source) {
    case 'key-policy':
      return `key-policy statement ${quote(r.id)}`;
    case 'identity-policy':
      return `identity policy ${quote(r.policyName ?? r.id)}`;
    default:
      return `${r.source} ${quote(r.policyName ?? r.id)}`;
  }
}

/** A path as pathIdOf gives it: what tells it apart, and what it says. */
interface PathId {
  key: string;
  text: string;
}

/** The key's answers summed up by group and access path. Linear in principals × actions (distinct rows once). */
export function summarizeKey(k: KeyWhoCan): KeySummary {
  // Principals with the same row of answers (most of them) are counted together: the distinct
  // rows in order of their first principal, with their counts and first few principals.
  const rowIndex = new Map<Array<AccessEntry | null>, number>();
  const rows: Array<Array<AccessEntry | null>> = [];
  const rowN: number[] = [];
  const rowExternal: number[] = [];
  const rowSample: WhoCanPrincipal[][] = [];
  let considered = 0;
  for (let pi = 0; pi < k.principals.length; pi++) {
    const p = k.principals[pi]!;
    if (p.kind === 'public') continue;
    considered++;
    const row = k.access[pi]!;
    let ri = rowIndex.get(row);
    if (ri === undefined) {
      ri = rows.length;
      rowIndex.set(row, ri);
      rows.push(row);
      rowN.push(0);
      rowExternal.push(0);
      rowSample.push([]);
    }
    rowN[ri]!++;
    if (p.external) rowExternal[ri]!++;
    if (rowSample[ri]!.length < SAMPLE) rowSample[ri]!.push(p);
  }
  const nRows = rows.length;
  const n = k.actions.length;
  // Admin-level actions by position: the only ones isAdminLevel can say yes to.
  const adminAt: number[] = [];
  for (let i = 0; i < n; i++) if (ADMIN_LEVEL_ACTIONS.has(k.actions[i]!.name)) adminAt.push(i);
  const isAdminAt = new Uint8Array(n);
  for (const i of adminAt) isAdminAt[i] = 1;
  // Every answer's access path, numbered once per summary (answers are shared objects; a path is
  // found by its text once per answer). A key where every role has a policy of its own has
  // thousands of paths per group, of which MAX_PATHS are shown: paths are counted in flat arrays
  // first, and only the shown ones get the actions, samples and admin flag (a second pass).
  const pathNo = new Map<string, number>();
  const pathIds: PathId[] = [];
  /** Each path's first answer: the Markdown text of a shown path is made from it. */
  const pathEntry: AccessEntry[] = [];
  const pathRank: number[] = [];
  const pathAccess: Array<AccessEntry['access']> = [];
  const pathAt = new Map<AccessEntry, number>();
  const pathOfEntry = (e: AccessEntry): number => {
    let at = pathAt.get(e);
    if (at === undefined) {
      const id = pathIdOf(e);
      at = pathNo.get(id.key);
      if (at === undefined) {
        at = pathIds.length;
        pathNo.set(id.key, at);
        pathIds.push(id);
        pathEntry.push(e);
        pathRank.push(accessRank(e.access));
        pathAccess.push(e.access);
      }
      pathAt.set(e, at);
    }
    return at;
  };
  // Each distinct row's answers as path numbers (-1: no access), read once: the groups and both
  // passes below read this array, not the answers.
  const cell = new Int32Array(nRows * n);
  // A row's actions mostly share one answer object: the last one is looked up once.
  let lastEntry: AccessEntry | undefined;
  let lastAt = -1;
  for (let ri = 0; ri < nRows; ri++) {
    const row = rows[ri]!;
    for (let ai = 0; ai < n; ai++) {
      const e = row[ai];
      if (e === null || e === undefined) cell[ri * n + ai] = -1;
      else {
        if (e !== lastEntry) {
          lastEntry = e;
          lastAt = pathOfEntry(e);
        }
        cell[ri * n + ai] = lastAt;
      }
    }
  }
  const groups: GroupSummary[] = [];
  for (const g of GROUPS) {
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (k.actions[i]!.group === g.id) all.push(i);
    if (all.length === 0) continue;
    const live = all.filter((i) => k.keyStateErrors[i] === undefined);
    const gs: GroupSummary = { id: g.id, title: g.title, actions: live, allowed: 0, conditional: 0, unknown: 0, paths: [], morePaths: 0, failing: [] };
    // Pass 1: principals and external principals per path (a row counts once per path), in flat
    // arrays indexed by path number; the group's paths in order of first sight.
    const principals = new Float64Array(pathIds.length);
    const external = new Float64Array(pathIds.length);
    const lastRow = new Int32Array(pathIds.length);
    const seen: number[] = [];
    for (let ri = 0; ri < nRows; ri++) {
      let best = 3;
      for (let j = 0; j < live.length; j++) {
        const at = cell[ri * n + live[j]!]!;
        if (at < 0) continue;
        // A path's access is its answers' (pathIdOf's key begins with it).
        const rank = pathRank[at]!;
        if (rank < best) best = rank;
        if (lastRow[at] !== ri + 1) {
          if (lastRow[at] === 0) seen.push(at);
          lastRow[at] = ri + 1;
          principals[at]! += rowN[ri]!;
          external[at]! += rowExternal[ri]!;
        }
      }
      if (best === 0) gs.allowed += rowN[ri]!;
      else if (best === 1) gs.conditional += rowN[ri]!;
      else if (best === 2) gs.unknown += rowN[ri]!;
    }
    // The largest MAX_PATHS, in order (not worth sorting them all): allowed before conditional
    // before unknown, then more principals first, then by text.
    const before = (x: number, y: number): boolean => {
      const dr = pathRank[x]! - pathRank[y]!;
      return dr < 0 || (dr === 0 && (principals[y]! < principals[x]! || (principals[y]! === principals[x]! && pathIds[x]!.text < pathIds[y]!.text)));
    };
    const top: number[] = [];
    for (const at of seen) {
      if (top.length === MAX_PATHS && !before(at, top[MAX_PATHS - 1]!)) continue;
      let pos = Math.min(top.length, MAX_PATHS - 1);
      while (pos > 0 && before(at, top[pos - 1]!)) pos--;
      if (top.length === MAX_PATHS) top.pop();
      top.splice(pos, 0, at);
    }
    gs.morePaths = seen.length - top.length;
    // Pass 2, for the shown paths only: their actions, admin flag and first principals (rows in
    // order, as pass 1 met them).
    const slot = new Int32Array(pathIds.length).fill(-1);
    gs.paths = top.map((at, i) => {
      slot[at] = i;
      return {
        access: pathAccess[at]!,
        text: pathIds[at]!.text,
        markdown: pathMarkdown(pathEntry[at]!),
        principals: principals[at]!,
        external: external[at]!,
        actions: [],
        sample: [],
        adminLevel: false,
      };
    });
    if (top.length > 0) {
      const has = new Uint8Array(top.length * n);
      const lastSampled = new Int32Array(top.length).fill(-1);
      for (let ri = 0; ri < nRows; ri++) {
        for (let j = 0; j < live.length; j++) {
          const ai = live[j]!;
          const at = cell[ri * n + ai]!;
          const s = at < 0 ? -1 : slot[at]!;
          if (s < 0) continue;
          const path = gs.paths[s]!;
          const e = rows[ri]![ai]!;
          if (has[s * n + ai] === 0) {
            has[s * n + ai] = 1;
            path.actions.push(ai);
          }
          if (isAdminAt[ai] === 1 && isAdminLevel(k.actions[ai]!.name, e)) path.adminLevel = true;
          if (lastSampled[s] !== ri) {
            lastSampled[s] = ri;
            for (const p of rowSample[ri]!) if (path.sample.length < SAMPLE) path.sample.push(p);
          }
        }
      }
    }
    for (const p of gs.paths) p.actions.sort((x, y) => x - y);
    for (const i of all) {
      const err = k.keyStateErrors[i];
      if (err === undefined) continue;
      let authorized = 0;
      for (let ri = 0; ri < nRows; ri++) {
        const at = cell[ri * n + i]!;
        if (at >= 0 && pathAccess[at] === 'allow') authorized += rowN[ri]!;
      }
      gs.failing.push({ action: k.actions[i]!, error: err, authorized });
    }
    groups.push(gs);
  }
  let adminLevel = 0;
  let withAccess = 0;
  const adminSample: Array<{ principal: WhoCanPrincipal; actions: string[] }> = [];
  for (let ri = 0; ri < nRows; ri++) {
    const row = rows[ri]!;
    let acts: string[] | undefined;
    for (const ai of adminAt) if (isAdminLevel(k.actions[ai]!.name, row[ai] ?? null)) (acts ??= []).push(k.actions[ai]!.name);
    if (acts !== undefined) {
      adminLevel += rowN[ri]!;
      for (const s of rowSample[ri]!) if (adminSample.length < 10) adminSample.push({ principal: s, actions: acts });
    }
    if (row.some((e) => e !== null)) withAccess += rowN[ri]!;
  }
  return { considered, groups, adminLevel, adminSample, external: externalAccounts(k), withAccess, assumptions: keyAssumptions(k) };
}

function actionNames(k: KeyWhoCan, idx: number[], of: number): string {
  if (idx.length === of && of > 3) return `all ${of} actions`;
  const names = idx.map((i) => k.actions[i]!.short);
  return names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
}

/** One access path in text: what and how many, then (indented) the actions and, for a few principals, who. */
function pathLines(out: string[], k: KeyWhoCan, g: GroupSummary, p: AccessPath, indent: string, width: number): void {
  const who = plural(p.principals, 'principal');
  const ext = p.external > 0 ? ` (${fmt(p.external)} external)` : '';
  pushWrapped(
    out,
    `${p.access === 'allow' ? '' : `${p.access}: `}${who}${ext}: ${p.text}${p.adminLevel ? ' [ADMIN-LEVEL]' : ''}`,
    width,
    indent,
    `${indent}    `,
  );
  pushWrapped(out, `on ${actionNames(k, p.actions, g.actions.length)}`, width, `${indent}  `, `${indent}    `);
  if (p.principals <= SAMPLE) for (const x of p.sample) pushWrapped(out, principalLabel(x), width, `${indent}  - `, `${indent}    `);
}

/** `text` wrapped to `width` at spaces only (an ARN or a quoted name stays whole). */
function wrapped(text: string, width: number): string[] {
  const out: string[] = [];
  pushWrapped(out, text, width);
  return out;
}

/** Long principal lists in the text and Markdown views are cut here (use --principals or JSON for all). */
export const SHORT_LIST = 25;

export interface WhoCanViewOptions {
  color?: boolean;
  /** The width tables are laid out to (80 when not a terminal). */
  width?: number;
  /** The full list of principals per action, however long. */
  principals?: boolean;
}

/** Is the full list short enough to show without --principals? */
function shortEnough(s: KeySummary): boolean {
  return s.withAccess <= SHORT_LIST;
}

/**
 * The key with the input's strings escaped (escapeShared), for a renderer that lays them out as
 * text. Principals are read field by field (their kind and origins are kms-why's own words): the
 * generic walk would visit thousands of them per key.
 */
function escapeKey(k: KeyWhoCan): KeyWhoCan {
  const memo = new Map<object, unknown>();
  const { principals, ...rest } = k;
  const escaped = escapeShared(rest, memo);
  let ps = principals;
  for (let i = 0; i < principals.length; i++) {
    const p = principals[i]!;
    if (hasControlChar(p.arn) || (p.arnWithPath !== undefined && hasControlChar(p.arnWithPath)) || (p.account !== undefined && hasControlChar(p.account)))
      (ps === principals ? (ps = principals.slice()) : ps)[i] = escapeShared(p, memo);
  }
  return escaped === rest && ps === principals ? k : { ...escaped, principals: ps };
}

/**
 * What a text, table or Markdown renderer lays out for a key: its summary, and the key, with the
 * input's strings escaped. The summary is made from the key as it is and escaped after (it holds a
 * few dozen strings). The key's answers and principals are walked only when the list of principals
 * is printed; otherwise only its other fields are escaped (title, notes, public statements), which
 * saved a walk over every answer of every principal.
 */
function laidOut(k: KeyWhoCan, opts: WhoCanViewOptions): { k: KeyWhoCan; s: KeySummary } {
  const raw = summarizeKey(k);
  const s = escapeShared(raw);
  if (listed(opts, raw)) return { k: escapeKey(k), s };
  const { access, principals, ...head } = k;
  const escaped = escapeShared(head);
  return { k: escaped === head ? k : { ...escaped, access, principals }, s };
}

/** Is the list of principals printed? (--principals, or a short list.) */
function listed(opts: WhoCanViewOptions, s: KeySummary): boolean {
  return opts.principals === true || shortEnough(s);
}

// ─── Text ──────────────────────────────────────────────────────────────────────────────────────

// Every line is wrapped to the output width with a hanging indent, at spaces only: an ARN or a
// quoted name is never cut (wrap-spaces.ts pushWrapped). Lines that fit cost a length check.
/**
 * A key's text report in pieces of whole lines: the list of principals (--principals, a line or
 * two per principal and action) is given about every 2,000 lines as it is written, never as one
 * string for the key.
 */
function* textKeyPieces(k: KeyWhoCan, s: KeySummary, opts: WhoCanViewOptions): Generator<string> {
  const width = opts.width ?? 80;
  const out: string[] = [];
  const put = (text: string, first: string, rest: string): void => pushWrapped(out, text, width, first, rest);
  put(`Key ${keyTitle(k)}`, '', '    ');
  put(`${plural(s.considered, 'principal')} considered, ${plural(k.actions.length, 'action')}; ${fmt(s.withAccess)} with some access.`, '  ', '    ');
  for (const g of s.groups) {
    out.push('');
    put(
      `${g.title}: ${fmt(g.allowed)} allowed, ${fmt(g.conditional)} conditional, ${fmt(g.unknown)} unknown (${actionNames(k, g.actions, g.actions.length) || 'no action the key state allows'})`,
      '  ',
      '    ',
    );
    for (const p of g.paths) pathLines(out, k, g, p, '    ', width);
    if (g.morePaths > 0) put(moreText(g), '    ', '      ');
    for (const f of g.failing)
      put(
        `${f.action.name} fails for everyone now: ${f.error}${f.authorized > 0 ? ` (${plural(f.authorized, 'principal')} authorized)` : ''}`,
        '    ',
        '      ',
      );
  }
  if (s.adminLevel > 0) {
    out.push('');
    put(`Admin-level powers (allowed without conditions): ${plural(s.adminLevel, 'principal')}`, '  ', '    ');
    for (const x of s.adminSample) put(`${principalLabel(x.principal)}: ${x.actions.join(', ')}`, '    ', '      ');
    if (s.adminLevel > s.adminSample.length) put(`… and ${fmt(s.adminLevel - s.adminSample.length)} more (--principals lists them)`, '    ', '      ');
  }
  if (s.external.length > 0) {
    out.push('', '  External accounts:');
    for (const x of s.external)
      put(
        `${x.account}: ${x.principals.length <= SAMPLE ? x.principals.join(', ') : plural(x.principals.length, 'principal')} — ${x.actions.join(', ')}`,
        '    ',
        '      ',
      );
  }
  if (k.publicStatements.length > 0) {
    out.push('', '  Public statements (Principal "*" or NotPrincipal):');
    for (const st of k.publicStatements)
      put(
        `"${st.id}" allows ${st.actions.join(', ')} ${st.conditions.length > 0 ? conditionsText(st.conditions) : 'to ANYONE, with no condition'}`,
        '    ',
        '      ',
      );
  }
  if (s.assumptions.length > 0) {
    out.push('');
    put('Assumptions that answers through grants rest on (kms-why check gives each principal its own):', '  ', '    ');
    for (const x of s.assumptions) put(`${assumptionText(x.id)} (${plural(x.principals, 'principal')})`, '    ', '      ');
  }
  if (listed(opts, s)) {
    out.push('', '  Principals by action:');
    // Pushed one line at a time: a spread of a list this long (a line or two per principal and action) overflows the call stack.
    for (const _full of textList(out, k, width)) {
      yield `${out.join('\n')}\n`;
      out.length = 0;
    }
  } else {
    out.push('');
    put(`(${fmt(s.withAccess)} principals with access: --principals lists them, --principal PATTERN filters)`, '  ', '   ');
  }
  if (k.notes.length > 0 || k.skipped.length > 0) {
    out.push('', '  Notes:');
    for (const n of k.notes) put(n, '    ', '      ');
    for (const x of k.skipped.slice(0, 10)) put(`not evaluated: ${x.principal} (${x.why})`, '    ', '      ');
    if (k.skipped.length > 10) put(`… and ${fmt(k.skipped.length - 10)} more principal values not evaluated (JSON lists them)`, '    ', '      ');
  }
  out.push('', '');
  yield out.join('\n');
}

/** Lines textList gathers before it lets them be written. */
const TEXT_PIECE_LINES = 2048;

/**
 * The principals of each action row: the access and who on one line, then (indented) through
 * what. Yields whenever `out` holds TEXT_PIECE_LINES lines or more (whole lines, for the caller to
 * write and clear).
 */
function* textList(out: string[], k: KeyWhoCan, width: number): Generator<void> {
  const why = ' '.repeat(19);
  const whyRest = ' '.repeat(21);
  for (const g of GROUPS) {
    const rows = actionRows(k, g.id);
    if (rows.length === 0) continue;
    out.push(`  ${g.title}`);
    for (const row of rows) {
      pushWrapped(
        out,
        `${row.actions.map((a) => a.name).join(', ')}${row.keyStateError ? `  (fails anyway: ${row.keyStateError})` : ''}`,
        width,
        '    ',
        '      ',
      );
      if (row.entries.length === 0) out.push('      nobody');
      for (const { principal, entry } of row.entries) {
        const admin = row.actions.some((a) => isAdminLevel(a.name, entry)) ? ' [ADMIN-LEVEL]' : '';
        pushWrapped(out, `${principalLabel(principal)}${admin}`, width, `      ${entry.access.padEnd(11)}  `, why);
        pushWrapped(out, `${entryWhy(entry)}${assumesText(entry)}`, width, why, whyRest);
        if (out.length >= TEXT_PIECE_LINES) yield;
      }
    }
  }
}

/** The text report in pieces, one per key (see WhoCanWriter). */
export function* whoCanTextChunks(r: WhoCanResult, opts: WhoCanViewOptions = {}): Generator<string> {
  yield* chunksOf('text', r, opts);
}

export function renderWhoCanText(r: WhoCanResult, opts: WhoCanViewOptions = {}): string {
  return [...chunksOf('text', r, opts)].join('');
}

function* chunksOf(format: WhoCanFormat, r: WhoCanResult, opts: WhoCanViewOptions): Generator<string> {
  const w = new WhoCanWriter(format, opts);
  const parts: string[] = [];
  const sink = (s: string): void => {
    parts.push(s);
  };
  w.head(r.capturedAt, sink, r.filters, r.at);
  for (const k of r.keys) {
    w.key(k, sink);
    yield* parts.splice(0);
  }
  w.tail(sink);
  yield* parts.splice(0);
}

// ─── Table (src/report/layout.ts) ─────────────────────────────────────────────────────────────────────────────────────

/**
 * A key's table report in pieces: the summary whole, the list of principals (--principals, which
 * may run to a million lines on a large account) in pieces of about 64 KiB as it is laid out.
 */
function* tableKeyPieces(k: KeyWhoCan, s: KeySummary, opts: WhoCanViewOptions, c: import('chalk').ChalkInstance): Generator<string> {
  const width = opts.width ?? 80;
  // Lines outside the tables: wrapped to the width first, coloured after (src/report/layout.ts).
  const para = (text: string, style: (x: string) => string = (x) => x): string =>
    wrapped(text, width)
      .map((l) => style(l))
      .join('\n') + '\n';
  const colour = (a: AccessEntry['access']): ((x: string) => string) => (a === 'allow' ? c.green : a === 'conditional' ? c.yellow : c.magenta);
  let out =
    para(`Key ${keyTitle(k)}`, c.bold) +
    para(`${plural(s.considered, 'principal')} considered, ${plural(k.actions.length, 'action')}; ${fmt(s.withAccess)} with some access.`);
  const body: Row[] = [];
  for (const g of s.groups) {
    body.push({ title: { text: `${g.title}: ${fmt(g.allowed)} allowed, ${fmt(g.conditional)} conditional, ${fmt(g.unknown)} unknown`, style: c.bold } });
    for (const p of g.paths) {
      body.push([
        { text: `${fmt(p.principals)} ${p.access}${p.external > 0 ? `\n${fmt(p.external)} external` : ''}`, style: colour(p.access) },
        {
          text: `${p.text}${p.adminLevel ? '\nADMIN-LEVEL' : ''}${p.principals <= SAMPLE ? `\n${p.sample.map((x) => x.arn).join('\n')}` : ''}`,
          ...(p.adminLevel ? { style: c.red } : {}),
        },
        actionNames(k, p.actions, g.actions.length),
      ]);
    }
    if (g.morePaths > 0) body.push({ title: { text: moreText(g), style: c.dim } });
    for (const f of g.failing)
      body.push([{ text: 'fails now', style: c.red }, `${f.error}${f.authorized > 0 ? ` (${fmt(f.authorized)} authorized)` : ''}`, f.action.short]);
  }
  out +=
    layoutTable(['Principals', 'Through', 'Actions'], body, width, {
      head: c.cyan,
      border: c.grey,
      soft: [11, 30, 15],
      hard: [8, 12, 8],
      whole: [false, false, true],
      separators: 'always',
    }) + '\n';
  if (s.adminLevel > 0)
    out += para(
      `Admin-level powers: ${plural(s.adminLevel, 'principal')}${
        s.adminSample.length > 0
          ? ` — ${s.adminSample
              .slice(0, 5)
              .map((x) => `${principalLabel(x.principal)} (${x.actions.join(', ')})`)
              .join('; ')}${s.adminLevel > 5 ? '; …' : ''}`
          : ''
      }`,
      c.red,
    );
  if (s.external.length > 0) out += para(`External accounts: ${s.external.map((x) => `${x.account} (${x.actions.join(', ')})`).join('; ')}`, c.yellow);
  for (const st of k.publicStatements)
    out += para(
      `Public statement "${st.id}": ${st.actions.join(', ')} ${st.conditions.length > 0 ? conditionsText(st.conditions) : 'to ANYONE, with no condition'}`,
      c.yellow,
    );
  for (const x of s.assumptions) out += para(`Assumption (${plural(x.principals, 'principal')}): ${assumptionText(x.id)}`, c.dim);
  if (listed(opts, s)) {
    const list: Row[] = [];
    for (const g of GROUPS) {
      const rows = actionRows(k, g.id);
      if (rows.length === 0) continue;
      list.push({ title: { text: g.title, style: c.bold } });
      for (const row of rows) {
        const actionCell = row.actions.map((a) => a.name).join('\n') + (row.keyStateError ? '\n(fails: key state)' : '');
        if (row.entries.length === 0) {
          list.push([actionCell, { text: 'nobody', style: c.red }, '', '']);
          continue;
        }
        row.entries.forEach(({ principal, entry }, i) => {
          const admin = row.actions.some((a) => isAdminLevel(a.name, entry));
          const label = principalLabel(principal);
          list.push([
            i === 0 ? actionCell : '',
            { text: entry.access, style: colour(entry.access) },
            admin ? { text: `${label}\nADMIN-LEVEL`, style: c.red.bold } : principal.external ? { text: label, style: c.yellow } : label,
            `${entryWhy(entry)}${assumesText(entry)}`,
          ]);
        });
      }
    }
    yield out;
    out = '';
    for (const piece of layoutTableChunks(['Action', 'Access', 'Principal', 'Through'], list, width, {
      head: c.cyan,
      border: c.grey,
      soft: [16, 11, 24, 24],
      hard: [10, 8, 12, 12],
      whole: [true, false, false, false],
      separators: 'always',
    }))
      yield `${piece}\n`;
  } else out += para(`${fmt(s.withAccess)} principals with access: --principals lists them, --principal PATTERN filters.`, c.dim);
  for (const n of k.notes) out += para(n, c.dim);
  for (const x of k.skipped.slice(0, 10)) out += para(`not evaluated: ${x.principal} (${x.why})`, c.dim);
  if (k.skipped.length > 10) out += para(`… and ${fmt(k.skipped.length - 10)} more principal values not evaluated`, c.dim);
  yield `${out}\n`;
}

export async function renderWhoCanTable(r: WhoCanResult, opts: WhoCanViewOptions = {}): Promise<string> {
  const w = new WhoCanWriter('table', opts);
  await w.ready();
  let s = '';
  const sink = (x: string): void => {
    s += x;
  };
  w.head(r.capturedAt, sink, r.filters, r.at);
  for (const k of r.keys) w.key(k, sink);
  w.tail(sink);
  return s;
}

// ─── Markdown ──────────────────────────────────────────────────────────────────────────────────

// Names from the input (Sids, policy names, aliases, tag values, unreadable inputs' reasons) go
// through Markdown's helpers, as check's Markdown does: code spans for identifiers, prose escaped,
// table cells one line with their pipes escaped. The report is pasted into tickets and pull
// requests: a Sid must not render as a link, an image or HTML.

function markdownKey(k: KeyWhoCan, s: KeySummary, opts: WhoCanViewOptions, budget: number): { text: string; full: boolean } {
  const out: string[] = [
    `### ${prose(keyTitle(k))}`,
    '',
    `${plural(s.considered, 'principal')} considered, ${plural(k.actions.length, 'action')}; ${fmt(s.withAccess)} with some access.`,
    '',
  ];
  out.push('| Group | Principals | Through | Actions |', '|---|---|---|---|');
  for (const g of s.groups) {
    out.push(row([`**${g.title}**`, `${fmt(g.allowed)} allowed, ${fmt(g.conditional)} conditional, ${fmt(g.unknown)} unknown`, '', '']));
    for (const p of g.paths) {
      const who = `${fmt(p.principals)} ${p.access === 'allow' ? '**allow**' : p.access}${p.external > 0 ? ` (${fmt(p.external)} external)` : ''}`;
      const sample = p.principals <= SAMPLE ? `<br>${p.sample.map((x) => code(x.arn)).join('<br>')}` : '';
      out.push(row(['', who, `${p.markdown}${p.adminLevel ? ' **admin-level**' : ''}${sample}`, escapeMd(actionNames(k, p.actions, g.actions.length))]));
    }
    if (g.morePaths > 0) out.push(row(['', '', prose(moreText(g)), '']));
    for (const f of g.failing)
      out.push(row(['', 'fails now', `${prose(f.error)}${f.authorized > 0 ? ` (${fmt(f.authorized)} authorized)` : ''}`, f.action.short]));
  }
  out.push('');
  if (s.adminLevel > 0) {
    out.push(`**Admin-level powers** (allowed without conditions): ${plural(s.adminLevel, 'principal')}`, '');
    for (const x of s.adminSample) out.push(`- ${code(x.principal.arn)}: ${x.actions.join(', ')}`);
    if (s.adminLevel > s.adminSample.length) out.push(`- … and ${fmt(s.adminLevel - s.adminSample.length)} more`);
    out.push('');
  }
  if (s.external.length > 0) {
    out.push('**External accounts:**', '');
    for (const x of s.external)
      out.push(
        `- ${code(x.account)}: ${x.principals.length <= SAMPLE ? x.principals.map((p) => code(p)).join(', ') : plural(x.principals.length, 'principal')} — ${x.actions.join(', ')}`,
      );
    out.push('');
  }
  if (k.publicStatements.length > 0) {
    out.push('**Public statements:**', '');
    for (const st of k.publicStatements)
      out.push(
        `- ${code(st.id)}: ${st.actions.join(', ')} ${st.conditions.length > 0 ? prose(conditionsText(st.conditions)) : '**to anyone, with no condition**'}`,
      );
    out.push('');
  }
  if (s.assumptions.length > 0) {
    out.push('**Assumptions** the answers through grants rest on:', '');
    for (const x of s.assumptions) out.push(`- ${prose(assumptionText(x.id))} (${plural(x.principals, 'principal')})`);
    out.push('');
  }
  for (const n of k.notes) out.push(`> ${prose(n)}`);
  for (const x of k.skipped.slice(0, 10)) out.push(`> not evaluated: ${code(x.principal)} (${prose(x.why)})`);
  if (k.notes.length > 0 || k.skipped.length > 0) out.push('');
  let text = out.join('\n');
  if (text.length > budget) return { text: '', full: false };
  if (listed(opts, s)) {
    // The list, inside <details>, as far as the budget goes.
    const list: string[] = ['<details><summary>Principals by action</summary>', '', '| Action | Access | Principal | Through |', '|---|---|---|---|'];
    let size = list.join('\n').length + 40;
    let cut = 0;
    for (const g of GROUPS) {
      for (const r of actionRows(k, g.id)) {
        const acts = r.actions.map((a) => code(a.name)).join(', ') + (r.keyStateError ? ` (fails: ${prose(r.keyStateError)})` : '');
        const lines =
          r.entries.length === 0
            ? [row([acts, 'nobody', '', ''])]
            : r.entries.map(({ principal, entry }, i) =>
                row([
                  i === 0 ? acts : '',
                  entry.access === 'allow' ? '**allow**' : entry.access,
                  `${code(principal.arn)}${principal.external ? ' (external)' : ''}${r.actions.some((a) => isAdminLevel(a.name, entry)) ? ' **admin-level**' : ''}`,
                  prose(`${entryWhy(entry)}${assumesText(entry)}`),
                ]),
              );
        for (const l of lines) {
          if (text.length + size + l.length + 1 > budget) {
            cut++;
            continue;
          }
          list.push(l);
          size += l.length + 1;
        }
      }
    }
    if (cut > 0) list.push('', `… ${plural(cut, 'more line')} left out to keep this under GitHub's comment limit (the JSON report has them all).`);
    list.push('', '</details>', '');
    text += `\n${list.join('\n')}`;
  }
  return { text: `${text}\n`, full: true };
}

export function renderWhoCanMarkdown(r: WhoCanResult, opts: WhoCanViewOptions = {}): string {
  return [...chunksOf('markdown', r, opts)].join('');
}

// ─── JSON lines ────────────────────────────────────────────────────────────────────────────────

// `--output jsonl`: one line per answer that is not deny, written key by key as the key is decided:
//   {"type":"answer","key":"arn:…","action":"kms:Decrypt","principal":"arn:…","access":"allow","verdict":"allow","decidedBy":…,"reasons":[…],"adminLevel":false, …}
// before them one {"type":"key", …} line per key (its principals considered, public statements,
// notes), and at the end one {"type":"summary", …} line. An absent (key, action, principal)
// answer is deny. "verdict" is what `check` prints for the request without context (an action the
// key state fails is denied).

function* jsonlKey(k: KeyWhoCan): Generator<string> {
  const kArn = json(k.keyArn);
  yield `${json({ type: 'key', ...keyHeadJson(k), principals: k.principals.filter((p) => p.kind !== 'public').length, actions: k.actions.map((a) => a.name), ...keyTailJson(k) })}\n`;
  // Each principal's ARN is encoded once per key, each answer's body once per kind of action
  // (admin-level or not, its key-state error): most answers share a few bodies.
  const arns = k.principals.map((p) => json(p.arn));
  const bodies = new Map<AccessEntry, string>();
  const byVariant = new Map<AccessEntry, Map<string, string>>();
  let buf = '';
  for (let ai = 0; ai < k.actions.length; ai++) {
    const a = k.actions[ai]!;
    const admin = ADMIN_LEVEL_ACTIONS.has(a.name);
    const kse = k.keyStateErrors[ai];
    const variant = `${admin ? 'a' : '-'}${kse ?? ''}`;
    const pre = `{"type":"answer","key":${kArn},"action":${json(a.name)},"principal":`;
    bodies.clear();
    for (let pi = 0; pi < k.principals.length; pi++) {
      const p = k.principals[pi]!;
      const e = k.access[pi]![ai];
      if (e === null || e === undefined) continue;
      let body = p.kind === 'public' ? undefined : bodies.get(e);
      if (body === undefined) {
        const shared = p.kind === 'public' ? undefined : byVariant.get(e);
        body = shared?.get(variant);
        if (body === undefined) {
          const o: JsonObject = {
            access: e.access,
            verdict: p.kind === 'public' ? null : finalVerdict(e, kse),
            decidedBy: e.decidedBy,
            reasons: e.reasons,
            adminLevel: isAdminLevel(a.name, e),
          };
          if (kse !== undefined) o.keyStateError = kse;
          if (e.conditions !== undefined) o.conditions = e.conditions;
          if (e.witness !== undefined) o.witness = e.witness;
          if (e.unreadable !== undefined) o.unreadable = e.unreadable;
          assumptionsJson(o, e);
          unknownJson(o, e);
          body = `,${json(o).slice(1)}\n`;
          if (p.kind !== 'public') {
            if (shared === undefined) byVariant.set(e, new Map([[variant, body]]));
            else shared.set(variant, body);
          }
        }
        if (p.kind !== 'public') bodies.set(e, body);
      }
      buf += pre + arns[pi]! + body;
      if (buf.length > 65536) {
        yield buf;
        buf = '';
      }
    }
  }
  if (buf !== '') yield buf;
}

// ─── The writer: one key at a time ─────────────────────────────────────────────────────────────

export type WhoCanFormat = 'table' | 'text' | 'json' | 'jsonl' | 'markdown';

/**
 * Writes a who-can report one key at a time, so that a caller can compute a key, write it and
 * drop it: nothing here holds more than one key, and no piece passed to `out` is longer than a
 * key's report (JSON and JSON lines: 64 KiB). Totals for the summary are kept as keys go by.
 */
export class WhoCanWriter {
  readonly totals = new WhoCanTotals();
  private keysWritten = 0;
  private mdUsed = 0;
  private mdLeftOut = 0;
  private chalk: import('chalk').ChalkInstance | undefined;
  private readonly json = new KeyJsonWriter();

  /**
   * JSON and JSON lines come out already free of control characters (every piece is escaped where
   * it is encoded, see json()): the CLI may write them without a pass over the whole text.
   */
  readonly escaped: boolean;

  constructor(
    readonly format: WhoCanFormat,
    readonly opts: WhoCanViewOptions,
  ) {
    this.escaped = format === 'json' || format === 'jsonl';
  }

  /** Loads what the table needs (chalk); call once before writing a table. */
  async ready(): Promise<void> {
    if (this.format === 'table' && this.chalk === undefined) {
      const { Chalk } = await import('chalk');
      this.chalk = new Chalk({ level: this.opts.color ? 1 : 0 });
    }
  }

  /** `at`: when the requests were made (WhoCanResult.at). */
  head(capturedAt: string | undefined, out: (s: string) => void, filters?: WhoCanFilters, at?: string): void {
    if (this.format === 'json')
      out(
        `{"kmsWhyWhoCan":${WHO_CAN_REPORT_VERSION},"capturedAt":${json(capturedAt ?? null)},${at !== undefined ? `"at":${json(at)},` : ''}${filters !== undefined ? `"filters":${json(filters)},` : ''}\n"keys":[`,
      );
    else if (this.format === 'markdown') {
      const h = `## Who can use these KMS keys\n\n> ${CAVEAT}\n\n`;
      this.mdUsed += h.length;
      out(h);
    }
  }

  key(k: KeyWhoCan, out: (s: string) => void): void {
    for (const piece of this.pieces(k)) out(piece);
  }

  /** A key's report in pieces (JSON and JSON lines: about 64 KiB each), made as they are asked for. */
  *pieces(k: KeyWhoCan): Generator<string> {
    this.totals.add(k);
    switch (this.format) {
      case 'json':
        if (this.keysWritten > 0) yield ',\n';
        yield* this.json.write(k);
        break;
      case 'jsonl':
        yield* jsonlKey(k);
        break;
      // Laid out as text: the input's strings escaped first (escapeShared).
      case 'text': {
        const { k: e, s } = laidOut(k, this.opts);
        yield* textKeyPieces(e, s, this.opts);
        break;
      }
      case 'table': {
        if (this.chalk === undefined) throw new Error('WhoCanWriter.ready() was not awaited before a table');
        const { k: e, s } = laidOut(k, this.opts);
        yield* tableKeyPieces(e, s, this.opts, this.chalk);
        break;
      }
      case 'markdown': {
        // The footer (summary line, what was left out) needs about 600 characters.
        const { k: e, s } = laidOut(k, this.opts);
        const { text } = markdownKey(e, s, this.opts, MARKDOWN_BUDGET - 600 - this.mdUsed);
        if (text === '') this.mdLeftOut++;
        else {
          this.mdUsed += text.length;
          yield text;
        }
        break;
      }
    }
    this.keysWritten++;
  }

  /** The report's notes after its totals, once per report: the organization policies no input gives. */
  private notes(): string[] {
    const n = this.totals.notGivenLine();
    return n === undefined ? [] : [n];
  }

  tail(out: (s: string) => void): void {
    switch (this.format) {
      case 'json':
        out(`${this.keysWritten > 0 ? '\n' : ''}],\n"summary":${json(this.totals.json())}}\n`);
        return;
      case 'jsonl':
        out(`${json({ type: 'summary', ...this.totals.json() })}\n`);
        return;
      case 'text':
        out(
          `${[this.totals.line(), ...this.notes()].map((l) => wrapped(l, this.opts.width ?? 80).join('\n')).join('\n')}\n${wrapped(CAVEAT, this.opts.width ?? 80).join('\n')}\n`,
        );
        return;
      case 'table':
        // Wrapped to the table's width, coloured after (src/report/layout.ts).
        out(
          `${[this.totals.line(), ...this.notes()].map((l) => wrapped(l, this.opts.width ?? 80).join('\n')).join('\n')}\n${wrapped(
            CAVEAT,
            this.opts.width ?? 80,
          )
            .map((l) => (this.chalk ? this.chalk.dim(l) : l))
            .join('\n')}\n`,
        );
        return;
      case 'markdown':
        out(
          `${this.mdLeftOut > 0 ? `> ${plural(this.mdLeftOut, 'more key')} left out to keep this under GitHub's comment limit: run with --output json, or --key for fewer keys.\n\n` : ''}${this.totals.line()}\n${this.notes()
            .map((n) => `\n> ${prose(n)}\n`)
            .join('')}`,
        );
        return;
    }
  }
}
