// What every human-readable renderer says about a decision, as plain strings: labels, the one-line
// reason, the near misses, and the layout helpers (wrapping, column widths). Pure and deterministic.
import type {
  ConditionMatchText as ConditionMatch,
  DecidedBy,
  CheckResult,
  GrantMatchText as GrantMatch,
  MismatchReason,
  Reason,
  StatementMatchText as StatementMatch,
  StepAnswer,
  StepId,
  TraceStep,
} from '../model/decision.js';
import type { PolicySource } from '../model/policy.js';
import type { Report } from '../model/report.js';
import { displayWidth, fitEnd } from './width.js';

/** The widest line text and table output aim for. */
export const MAX_WIDTH = 120;

/** The order of the KMS authorization flowchart (docs/semantics.md#evaluation-order), used to lay out diagrams. */
export const STEP_ORDER: readonly StepId[] = [
  'action',
  'explicit-deny',
  'rcp',
  'scp',
  'cross-account',
  'key-policy',
  'account-delegation',
  'identity-policy',
  'permissions-boundary',
  'session-policy',
  'grant',
  'retire-grant',
  'alias',
  'key-state',
];

/** Short box titles for the flowchart steps. */
export const STEP_TITLE: Record<StepId, string> = {
  action: 'Which kind of action?',
  'explicit-deny': 'Explicit Deny?',
  rcp: 'RCPs allow?',
  scp: 'SCPs allow?',
  'cross-account': 'Usable across accounts?',
  'key-policy': 'Key policy allows the caller?',
  'account-delegation': 'Key policy delegates to IAM?',
  'identity-policy': 'Identity policy allows?',
  'permissions-boundary': 'Permissions boundary allows?',
  'session-policy': 'Session policy allows?',
  grant: 'A grant allows?',
  'retire-grant': 'May retire the grant?',
  alias: 'IAM allows it on the alias?',
  'key-state': 'Key state and usage allow?',
};

export function verdictWord(d: CheckResult): string {
  switch (d.decision) {
    case 'allow':
      return 'ALLOW';
    case 'deny':
      return 'DENY';
    case 'unknown':
      return 'UNKNOWN';
  }
}

export function answerWord(a: StepAnswer): string {
  switch (a) {
    case 'yes':
      return 'yes';
    case 'no':
      return 'no';
    case 'unknown':
      return 'unknown';
    case 'not-applicable':
      return 'n/a';
  }
}

export function decidedByLabel(by: DecidedBy): string {
  switch (by) {
    case 'explicit-deny':
      return 'explicit Deny';
    case 'key-policy':
      return 'key policy';
    case 'key-policy-and-iam':
      return 'key policy + IAM';
    case 'iam-policy':
      return 'IAM policy';
    case 'grant':
      return 'grant';
    case 'implicit-deny':
      return 'implicit deny';
    case 'scp':
      return 'SCP';
    case 'rcp':
      return 'RCP';
    case 'permissions-boundary':
      return 'permissions boundary';
    case 'session-policy':
      return 'session policy';
    case 'key-state':
      return 'key state';
    case 'unknown':
      return 'unknown input';
  }
}

/**
 * What decided the verdict, for a label: decidedByLabel's, but for an unknown verdict what it
 * depends on. An unreadable input only when one decides (the evaluator lists in `unreadable` the
 * inputs an unknown verdict depends on); otherwise a condition key kms-why cannot derive, a further
 * permission whose resource the inputs cannot name, the grant CreateGrant would create, or a detail
 * the request leaves out (an alias or a grant id). Short: it heads a line and fills a table cell.
 */
export function decidedByWhat(d: CheckResult): string {
  if (d.decidedBy !== 'unknown' || d.unreadable.length > 0) return decidedByLabel(d.decidedBy);
  const keys = unique(d.missingContext);
  if (keys.length === 1) return `condition key ${keys[0]}`;
  if (keys.length > 1) return `${keys.length} condition keys`;
  // An open step: a further permission (recorded as an open identity-policy step, the one way that
  // step is left open when every input was read), or what the request does not name.
  const open = d.trace.find((t) => t.answer === 'unknown');
  if (open?.step === 'identity-policy') return 'further permission';
  if (open !== undefined) return 'missing request detail';
  // The one underivable value that is no condition key (so never in missingContext).
  if (d.action === 'kms:CreateGrant') return 'grant to create';
  return 'missing request detail';
}

export function sourceLabel(s: PolicySource | 'grant'): string {
  switch (s) {
    case 'key-policy':
      return 'key policy';
    case 'identity-policy':
      return 'identity policy';
    case 'permissions-boundary':
      return 'permissions boundary';
    case 'session-policy':
      return 'session policy';
    case 'scp':
      return 'SCP';
    case 'rcp':
      return 'RCP';
    case 'grant':
      return 'grant';
  }
}

/** `key policy "Sid"`, `identity policy app-kms "UseAppKey"`, `grant 0c23…` (full id). */
export function reasonRef(r: Reason): string {
  if (r.source === 'grant') return `grant ${r.id}`;
  return statementRef(r.source, r.policyName, r.id, r.statementIndex);
}

export function statementRef(source: PolicySource, policyName: string | undefined, id: string, index: number | undefined): string {
  const label = sourceLabel(source);
  const named = policyName !== undefined && source !== 'key-policy' && policyName !== label ? `${label} ${policyName}` : label;
  // Statements without a Sid are identified as PolicyName#index.
  if (index !== undefined && policyName !== undefined && id === `${policyName}#${index}`) return `${named} statement #${index}`;
  return `${named} "${id}"`;
}

export function matchRef(s: StatementMatch): string {
  return statementRef(s.source, s.policyName, s.id, s.statementIndex);
}

/** A grant id shortened for narrow cells (the full id is printed elsewhere in the same output). */
export function shortGrantId(id: string, max = 12): string {
  return id.length <= max ? id : `${id.slice(0, max)}…`;
}

/** The reasons as short references, for table cells (long grant ids shortened). */
export function reasonRefsShort(d: CheckResult): string[] {
  return d.reasons.map((r) => (r.source === 'grant' ? `grant ${shortGrantId(r.id)}` : reasonRef(r)));
}

/** The flowchart step that settled the verdict, when one did (implicit deny has none). */
export function decidingStep(d: CheckResult): StepId | undefined {
  const has = (s: StepId): boolean => d.trace.some((t) => t.step === s);
  const pick = (...ids: StepId[]): StepId | undefined => ids.find(has);
  switch (d.decidedBy) {
    case 'explicit-deny':
      return pick('explicit-deny');
    case 'key-policy':
      return pick('key-policy', 'retire-grant');
    case 'key-policy-and-iam':
      return pick('identity-policy', 'alias', 'key-policy');
    case 'iam-policy':
      return pick('identity-policy');
    case 'grant':
      return pick('grant', 'retire-grant');
    case 'scp':
      return pick('scp');
    case 'rcp':
      return pick('rcp');
    case 'permissions-boundary':
      return pick('permissions-boundary');
    case 'session-policy':
      return pick('session-policy');
    case 'key-state':
      return pick('key-state');
    case 'implicit-deny':
      // An action that cannot be used across accounts is settled by that step alone.
      return d.trace.some((t) => t.step === 'cross-account' && t.answer === 'no') ? 'cross-account' : undefined;
    case 'unknown': {
      const u = d.trace.find((t) => t.answer === 'unknown');
      if (u) return u.step;
      const guessed = d.trace.find((t) => /\(unreadable|\(if it allowed everything\)/.test(t.detail));
      return guessed?.step;
    }
  }
}

/** The index (in d.trace) of the deciding step: the last trace entry with that id. */
export function decidingIndex(d: CheckResult): number {
  const s = decidingStep(d);
  if (s === undefined) return -1;
  const walk = d.decidingWalk;
  const i = walk === undefined ? -1 : d.trace.findLastIndex((t, j) => t.step === s && walk.includes(j));
  return i >= 0 ? i : d.trace.findLastIndex((t) => t.step === s);
}

function step(d: CheckResult, id: StepId): TraceStep | undefined {
  return d.trace.findLast((t) => t.step === id);
}

function ctxText(ctx: Record<string, string>): string {
  const ks = Object.keys(ctx);
  return ks.length === 0 ? '{}' : `{${ks.map((k) => `${k}=${ctx[k]}`).join(', ')}}`;
}

/** A one-line reason for the verdict (it may still be long: renderers wrap it). */
export function reasonLine(d: CheckResult): string {
  switch (d.decidedBy) {
    case 'key-policy': {
      const kp = step(d, 'key-policy');
      // How the deciding statement matched the caller (another statement, say the account's, may match too).
      const decided = d.reasons.filter((r) => r.source === 'key-policy');
      const rec = kp?.statements?.find(
        (s) => s.matched && decided.some((r) => r.id === s.id && (r.statementIndex === undefined || r.statementIndex === s.statementIndex)),
      );
      const via = (rec ?? kp?.statements?.find((s) => s.matched))?.principal?.via;
      return `the key policy allows the caller${via ? ` (matched by ${viaText(via)})` : ''}`;
    }
    case 'key-policy-and-iam':
      return 'the key policy delegates to IAM and an identity policy allows it';
    case 'iam-policy':
      return 'an identity policy allows this IAM-only action';
    case 'grant': {
      const g = step(d, 'grant') ?? step(d, 'retire-grant');
      const m = g?.grants?.find((x) => x.matched);
      if (m && g?.step === 'retire-grant') return `may retire the grant: ${m.detail}`;
      // Say so when neither the key policy nor IAM would have allowed it.
      const kp = step(d, 'key-policy')?.answer;
      const iam = step(d, 'account-delegation')?.answer === 'yes' && step(d, 'identity-policy')?.answer === 'yes';
      return `allowed by a grant for this principal${kp === 'no' && !iam ? ', not by the key policy or IAM' : ''}`;
    }
    case 'explicit-deny':
      return 'an explicit Deny applies (it beats every allow, grants included)';
    case 'scp':
    case 'rcp':
    case 'permissions-boundary':
    case 'session-policy': {
      const t = step(d, d.decidedBy);
      return t ? t.detail : `${decidedByLabel(d.decidedBy)} does not allow it`;
    }
    case 'key-state':
      return d.keyStateError ?? step(d, 'key-state')?.detail ?? 'the key state does not allow it';
    case 'unknown': {
      const whats = unique(d.unreadable.map((u) => u.what));
      if (whats.length > 0) return `depends on unreadable input: ${whats.join('; ')}`;
      const open = d.trace.find((t) => t.answer === 'unknown');
      if (open) return open.detail;
      return d.unknownBecause ?? 'depends on missing request details';
    }
    case 'implicit-deny':
      return implicitDenyParts(d).join('; ');
  }
}

function viaText(via: string): string {
  switch (via) {
    case 'wildcard':
      return 'Principal "*"';
    case 'account':
      return 'its account';
    case 'not-principal':
      return 'NotPrincipal';
    default:
      return `its ${via} ARN`;
  }
}

function implicitDenyParts(d: CheckResult): string[] {
  const out: string[] = [];
  const delegated = step(d, 'account-delegation')?.answer;
  for (const t of d.trace) {
    switch (t.step) {
      case 'cross-account':
        if (t.answer === 'no') out.push(t.detail);
        break;
      case 'key-policy':
        if (t.answer === 'no') out.push('not in the key policy');
        break;
      case 'account-delegation':
        if (t.answer === 'no') out.push('no IAM delegation');
        else if (t.answer === 'yes') out.push('delegated to IAM');
        break;
      case 'identity-policy':
        if (t.answer === 'yes' && delegated === 'no') out.push('IAM allows it, but is not delegated');
        else if (t.answer === 'no') out.push('no IAM allow');
        break;
      case 'grant': {
        if (t.answer === 'not-applicable') out.push('no grant can allow it');
        else if (t.answer === 'no') {
          const near = (t.grants ?? []).filter((g) => !g.matched);
          if (near.length === 0) out.push('no grant');
          for (const g of near) out.push(`grant ${shortGrantId(g.grantId)} ${grantFailShort(g)}`);
        }
        break;
      }
      case 'alias':
        if (t.answer === 'no') out.push('no IAM allow on the alias');
        else if (t.answer === 'unknown') out.push(t.detail);
        break;
      case 'retire-grant':
        if (t.answer === 'no') out.push(t.detail);
        break;
      default:
        break;
    }
  }
  if (out.length === 0) out.push('no statement or grant applies');
  return out;
}

function grantFailShort(g: GrantMatch): string {
  if (g.failed === 'encryption-context' && g.neededContext) return `needs encryption context ${ctxText(g.neededContext)}`;
  return `does not apply: ${mismatchText(g.failed)}`;
}

/** Why a statement or grant did not apply, in words. */
export function mismatchText(m: MismatchReason | undefined): string {
  switch (m) {
    case undefined:
      return 'it did not match';
    case 'principal':
      return 'its Principal does not match the caller';
    case 'not-principal':
      return 'its NotPrincipal excludes the caller';
    case 'action':
      return 'its Action does not cover this action';
    case 'not-action':
      return 'its NotAction excludes this action';
    case 'resource':
      return 'its Resource does not cover the key';
    case 'not-resource':
      return 'its NotResource excludes the key';
    case 'condition':
      return 'a condition failed';
    case 'ineffective-statement':
      return 'this permission has no effect in that kind of policy';
    case 'grantee':
      return 'it is for another grantee (or needs an IAM allow)';
    case 'orphaned-grantee':
      return 'its grantee is an orphaned unique id (the principal was deleted and recreated)';
    case 'operation':
      return 'its operations do not include this one';
    case 'grant-state':
      return 'the grant is retired or not yet usable';
    case 'encryption-context':
      return 'its encryption-context constraint is not met';
    case 'source-arn':
      return 'its SourceArn constraint is not met';
    case 'grant-invalid':
      return 'the grant is invalid';
    case 'grant-not-found':
      return 'the grant was not found';
    case 'child-grant':
      return 'a child grant cannot be created from it';
  }
}

export interface NearMiss {
  step: StepId;
  kind: 'statement' | 'grant';
  /** `grant <full id> (name)` or `key policy "Sid"` (Allow) / `Deny key policy "Sid"`. */
  what: string;
  /** Why it did not apply, in one sentence. */
  why: string;
  /** Each failed element in detail (failed conditions, the needed encryption context). */
  details: string[];
  /** The encryption context that would satisfy a grant constraint. */
  neededContext?: Record<string, string>;
}

function conditionText(c: ConditionMatch): string {
  const expected = c.expected.length === 1 ? JSON.stringify(c.expected[0]) : JSON.stringify(c.expected);
  const actual = c.unknown
    ? 'its value could not be read'
    : c.missing || c.actual === null
      ? 'the request has no value'
      : `the request has ${c.actual.length === 1 ? JSON.stringify(c.actual[0]) : JSON.stringify(c.actual)}`;
  return `${c.operator} ${c.key} ${expected}: ${actual}${c.note ? ` (${c.note})` : ''}`;
}

/**
 * Statements that failed only on a condition, and grants for this principal that did not apply
 * (operations, state, encryption context …): what would have to change for them to apply.
 */
export function nearMisses(d: CheckResult): NearMiss[] {
  const out: NearMiss[] = [];
  const seen = new Set<string>();
  for (const t of d.trace) {
    for (const s of t.statements ?? []) {
      if (s.matched || s.failed !== 'condition') continue;
      const k = `s|${s.source}|${s.policyName}|${s.id}|${s.effect}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const failing = s.conditions.filter((c) => !c.matched);
      out.push({
        step: t.step,
        kind: 'statement',
        what: `${s.effect === 'Deny' ? 'Deny statement' : 'Allow statement'} ${matchRef(s)}`,
        why: s.effect === 'Deny' ? 'would deny this request if its conditions held' : 'would allow this request but a condition failed',
        details: (failing.length > 0 ? failing : s.conditions).map(conditionText).concat(s.note ? [s.note] : []),
      });
    }
    for (const g of t.grants ?? []) {
      if (g.matched) continue;
      const k = `g|${g.grantId}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const nm: NearMiss = {
        step: t.step,
        kind: 'grant',
        what: `grant ${g.grantId}${g.name ? ` (${g.name})` : ''}`,
        why:
          g.failed === 'encryption-context'
            ? 'is for this principal and operation but failed on its encryption context'
            : `is for this principal but did not apply: ${mismatchText(g.failed)}`,
        details: [],
      };
      if (g.detail) nm.details.push(g.detail);
      if (g.neededContext) {
        nm.neededContext = g.neededContext;
        const flags = Object.entries(g.neededContext).map(([k, v]) => `--context ${k}=${v}`);
        if (!g.detail) nm.details.push(`it needs the encryption context ${ctxText(g.neededContext)}`);
        nm.details.push(`to use it, send ${flags.join(' ')}`);
      }
      out.push(nm);
    }
  }
  return out;
}

export function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The text with the action's own name replaced by a marker, so that per-action lines can be grouped. */
function normalizeForAction(line: string, action: string): string {
  const short = action.replace(/^kms:/i, '');
  return line.replace(new RegExp(escapeRe(action), 'g'), '\u0000').replace(new RegExp(`(?<![A-Za-z0-9:])${escapeRe(short)}(?![A-Za-z0-9])`, 'g'), '\u0000');
}

export interface GroupedLine {
  text: string;
  /** The actions it applies to; empty when it applies to every action of the report. */
  actions: string[];
}

/**
 * Lines of several results, said once each: a line that differs between actions only by the
 * action's name is printed once with "the action" and the list of actions it applies to.
 */
export function groupByAction<D extends CheckResult>(results: readonly D[], pick: (d: D) => readonly string[]): GroupedLine[] {
  if (results.length === 1) return unique(pick(results[0]!)).map((text) => ({ text, actions: [] }));
  const groups: Array<{ key: string; first: string; actions: string[] }> = [];
  for (const d of results) {
    for (const line of unique(pick(d))) {
      const key = normalizeForAction(line, d.action);
      const g = groups.find((x) => x.key === key);
      if (g) {
        if (!g.actions.includes(d.action)) g.actions.push(d.action);
      } else groups.push({ key, first: line, actions: [d.action] });
    }
  }
  return groups.map((g) => {
    const all = g.actions.length === results.length;
    let text = g.actions.length === 1 ? g.first : g.key.includes('\u0000') ? g.key.replace(/\u0000/g, 'the action') : g.first;
    if (text.startsWith('the action')) text = 'T' + text.slice(1);
    return { text, actions: all ? [] : g.actions };
  });
}

/** Unique deciding reasons across results, with the actions each one decided. */
export function decidingReasons(results: readonly CheckResult[]): Array<{ reason: Reason; actions: string[] }> {
  const out: Array<{ reason: Reason; actions: string[] }> = [];
  for (const d of results) {
    for (const r of d.reasons) {
      const found = out.find((x) => x.reason.source === r.source && x.reason.id === r.id && x.reason.policyName === r.policyName);
      if (found) {
        if (!found.actions.includes(d.action)) found.actions.push(d.action);
      } else out.push({ reason: r, actions: [d.action] });
    }
  }
  return out;
}

export interface UnreadableLine {
  what: string;
  why: string;
}

/** Inputs that could not be read: those the verdicts depend on, and those the sources reported. */
export function unreadableInputs(report: Report): UnreadableLine[] {
  const out: UnreadableLine[] = [];
  const seen = new Set<string>();
  for (const d of report.results) {
    for (const u of d.unreadable) {
      if (seen.has(u.what)) continue;
      seen.add(u.what);
      out.push({ what: u.what, why: u.reason + (u.neededPermission ? ` (needs ${u.neededPermission})` : '') });
    }
  }
  for (const i of report.inputs ?? []) {
    if (i.status !== 'unreadable' || seen.has(i.what)) continue;
    seen.add(i.what);
    out.push({ what: i.what, why: `${i.from}${i.detail ? `: ${i.detail}` : ''}` });
  }
  return out;
}

/** The request details worth showing beside key and principal. */
export function requestLines(report: Report): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const ec = report.request.encryptionContext;
  if (Object.keys(ec).length > 0)
    out.push([
      'encryption context',
      Object.keys(ec)
        .map((k) => `${k}=${ec[k]}`)
        .join(', '),
    ]);
  if (report.request.viaService !== null) out.push(['via service', report.request.viaService]);
  const cond = report.request.conditions;
  const ck = Object.keys(cond);
  if (ck.length > 0) out.push(['conditions', ck.map((k) => `${k}=${Array.isArray(cond[k]) ? (cond[k] as string[]).join('|') : String(cond[k])}`).join(', ')]);
  if (report.request.grantId !== undefined) out.push(['grant id', report.request.grantId]);
  if (report.request.at !== undefined) out.push(['at', report.request.at]);
  if (report.request.absent !== undefined) out.push(['absent keys', report.request.absent.join(', ')]);
  return out;
}

export function summaryCounts(results: readonly CheckResult[]): string {
  const n = (v: string): number => results.filter((d) => d.decision === v).length;
  const parts = [`${n('allow')} allowed`, `${n('deny')} denied`];
  if (n('unknown') > 0) parts.push(`${n('unknown')} unknown`);
  return `${results.length} action${results.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// Layout

/**
 * Characters after which a long token may be broken: ARNs break at `:` and `/`, which no name
 * inside them contains, so that every name stays whole on one line (and --redact still sees it).
 */
const BREAK_AFTER = new Set(['/', ':', ',', ';', '=']);

/**
 * Breaks one over-long token into pieces at most `width` columns wide, preferring to end a piece
 * after one of the characters above (one at least a third of the width in), and never inside a
 * character (a surrogate pair, a letter and its combining marks, an emoji sequence: width.ts).
 */
function breakToken(token: string, width: number): string[] {
  const out: string[] = [];
  const least = Math.ceil(width / 3);
  let start = 0;
  while (start < token.length) {
    let cut = -1;
    const end = fitEnd(token, start, width, (at, w) => {
      if (w >= least && BREAK_AFTER.has(token[at - 1]!)) cut = at;
    });
    if (end >= token.length) {
      out.push(token.slice(start));
      break;
    }
    if (cut <= start) cut = end;
    out.push(token.slice(start, cut));
    start = cut;
  }
  return out;
}

/** Greedy word wrap to `width` columns; newlines in the text are kept. Never returns no lines. */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(8, width);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    let lineWidth = 0;
    for (const word of para.split(' ').filter((x) => x !== '')) {
      const wordWidth = displayWidth(word);
      const pieces = wordWidth > w ? breakToken(word, w) : [word];
      for (const p of pieces) {
        const pw = pieces.length === 1 ? wordWidth : displayWidth(p);
        if (line === '') {
          line = p;
          lineWidth = pw;
        } else if (lineWidth + 1 + pw <= w) {
          line += ' ' + p;
          lineWidth += 1 + pw;
        } else {
          out.push(line);
          line = p;
          lineWidth = pw;
        }
      }
    }
    out.push(line);
  }
  return out;
}

/** Wraps `text` and puts `marker` after it: on the last line when it fits, else on a line of its own. */
export function wrapWithMarker(text: string, marker: string, width: number): string[] {
  const lines = wrap(text, width);
  const last = lines[lines.length - 1]!;
  if (displayWidth(last) + 2 + displayWidth(marker) <= width) lines[lines.length - 1] = `${last}  ${marker}`;
  else lines.push(marker);
  return lines;
}

/**
 * Appends `text` to `out` wrapped to `width` columns: its first line after `first`, the others
 * after `rest`, each within the width (breaking long tokens as wrap does). A line that fits is
 * pushed as it is: long lists (a diff, a grants audit) pay a width check per line.
 */
export function pushHanging(out: string[], text: string, width: number, first = '', rest = first): void {
  if (displayWidth(first) + displayWidth(text) <= width && !text.includes('\n')) {
    out.push(first + text);
    return;
  }
  for (const l of wrapHanging(text, width, first, rest)) out.push(l);
}

/** Wraps with a first-line prefix and an indent for continuation lines, each line within `width` (the wider of the two sets the text's width). */
export function wrapHanging(text: string, width: number, first: string, rest: string = ' '.repeat(displayWidth(first))): string[] {
  return wrap(text, width - Math.max(displayWidth(first), displayWidth(rest))).map((l, i) => (i === 0 ? first : rest) + l);
}

/**
 * Column widths that fit `budget`: start from each column's natural width and narrow the widest
 * column (above its minimum) one character at a time, to the soft minimums first, then to the hard
 * ones. A column given a `keep` width (the longest word of a column whose words must not be broken)
 * goes no narrower than that, whatever its minimums. Deterministic.
 */
export function fitColumns(
  natural: readonly number[],
  soft: readonly number[],
  budget: number,
  hard: readonly number[] = soft.map(() => 6),
  keep: readonly number[] = [],
): number[] {
  const w = [...natural];
  let total = w.reduce((a, b) => a + b, 0);
  for (const mins of [soft, hard]) {
    const floor = natural.map((n, i) => Math.min(n, Math.max(mins[i] ?? 1, keep[i] ?? 0)));
    while (total > budget) {
      let best = -1;
      for (let i = 0; i < w.length; i++) {
        if (w[i]! <= floor[i]!) continue;
        if (best === -1 || w[i]! >= w[best]!) best = i;
      }
      if (best === -1) break;
      w[best]!--;
      total--;
    }
  }
  return w;
}

/** The row cells shared by the table and text renderers. */
export interface ActionRow {
  action: string;
  verdict: string;
  decidedBy: string;
  refs: string;
  reason: string;
}

export function actionRow(d: CheckResult): ActionRow {
  const refs = reasonRefsShort(d);
  return {
    action: d.action,
    verdict: verdictWord(d),
    decidedBy: decidedByWhat(d),
    refs: refs.length > 0 ? refs.join('\n') : '-',
    reason: reasonLine(d),
  };
}

export const ROW_HEADERS = ['ACTION', 'VERDICT', 'DECIDED BY', 'REASON'] as const;

/** The cells of a row: the deciding source and its statements or grants share one cell. */
export function rowCells(r: ActionRow): string[] {
  const refs = r.refs.split('\n');
  const by = r.refs === '-' ? r.decidedBy : refs.every((x) => x.startsWith(r.decidedBy)) ? r.refs : `${r.decidedBy}:\n${r.refs}`;
  return [r.action, r.verdict, by, r.reason];
}

/** Widths for the row columns, within `budget` columns of cell content. */
export function rowWidths(rows: readonly ActionRow[], budget: number): number[] {
  const natural = ROW_HEADERS.map((h, i) => Math.max(displayWidth(h), ...rows.flatMap((r) => rowCells(r)[i]!.split('\n').map(displayWidth))));
  return fitColumns(natural, [42, 7, 24, 30], budget, [12, 7, 12, 16]);
}

/** A deciding grant with its full id, name and operations (from its excerpt), for reference lists. */
export function describeGrantReason(r: Reason): string {
  const ex = r.excerpt as { name?: unknown; operations?: unknown } | undefined;
  const name = ex && typeof ex.name === 'string' ? ` (${ex.name})` : '';
  const ops = ex && Array.isArray(ex.operations) ? `: ${ex.operations.join(', ')}` : '';
  return `grant ${r.id}${name}${ops}`;
}
