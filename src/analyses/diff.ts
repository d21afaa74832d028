// `kms-why diff OLD NEW` (issue #7): who gained or lost which action on which key, and why. Pure:
// it compares two who-can results (computed from snapshots, or read from who-can JSON reports);
// with the snapshots at hand it also says what changed in the source that decided (a new or
// changed key-policy statement, a new grant, a changed IAM policy), and which statement denies
// where access was lost.
import { parsePrincipal } from '../model/arn.js';
import type { DecidedBy } from '../model/decision.js';
import type { Key } from '../model/key.js';
import type { Policy, Statement } from '../model/policy.js';
import type { PrincipalPolicies } from '../model/principal.js';
import type { Snapshot } from '../model/snapshot.js';
import { isUnknown } from '../model/unknown.js';
import { statementId } from '../evaluate/compile.js';
import { Evaluator } from '../evaluate/evaluator.js';
import {
  ADMIN_LEVEL_ACTIONS,
  authorizedBy,
  whoCanRequest,
  type Access,
  type AccessEntry,
  type GuardCondition,
  type KeyWhoCan,
  type ReasonRef,
  principalFilter,
  type WhoCanFilters,
  type WhoCanPrincipal,
  type WhoCanResult,
} from './who-can.js';

export type ChangeKind = 'gained' | 'lost' | 'changed' | 'unknown';

export interface AccessSide {
  access: Access | 'deny';
  /** For deny: known only when the snapshot was at hand (a who-can report records no denies). */
  decidedBy?: DecidedBy;
  reasons: ReasonRef[];
  conditions?: GuardCondition[];
  /** The key, or the principal, is not in this side at all. */
  absent?: 'key' | 'principal';
  /** For unknown: why, in words (DiffSources.unknownReason), to tell a reason that changed. */
  unknownWhy?: string;
  /**
   * This side did not evaluate the (key, principal, action) at all, and why: a who-can report made
   * for some keys or principals only, or an input that could not list every principal (the key
   * policy, the grants or the account's IAM unreadable). Access is then unknown, never deny.
   */
  notEvaluated?: string;
}

export interface AccessChange {
  key: string;
  aliases: string[];
  principal: string;
  principalKind: WhoCanPrincipal['kind'];
  external: boolean;
  actions: string[];
  change: ChangeKind;
  /** An admin-level power (PutKeyPolicy, ScheduleKeyDeletion, DisableKey, unconstrained CreateGrant) was gained or lost. */
  adminLevel: boolean;
  old: AccessSide;
  new: AccessSide;
  /** What changed in the sources, one sentence each. */
  why: string[];
}

export interface AccessDiff {
  changes: AccessChange[];
  keysAdded: string[];
  keysRemoved: string[];
  /** (principal, key, action) triples by kind of change. */
  summary: Record<ChangeKind, number>;
  notes: string[];
}

export interface DiffSources {
  oldSnapshot?: Snapshot;
  newSnapshot?: Snapshot;
  /** When the requests of a snapshot side were made (who-can's WhoCanOptions.at): its requests asked again are made then too. */
  oldAt?: string;
  newAt?: string;
  /**
   * Why an unknown answer is unknown, in words (the CLI passes report/who-can.ts unknownWhy): an
   * answer computed from a snapshot holds the evaluator's notes as facts, one read back from a
   * report holds them in words, and the two are compared as words. Default: wordsOnHand.
   */
  unknownReason?: (e: AccessEntry) => string | undefined;
  /** A who-can report side's filters (who-can --key, --principal): what it left out is not compared. */
  oldFilters?: WhoCanFilters;
  newFilters?: WhoCanFilters;
  /**
   * A side's --principal filter as a test, when its `principals` patterns cannot be matched as
   * shown (diff --redact of reports written without it: the patterns hold the real names, the ARNs
   * placeholders). Default: the patterns; for a report written with --redact (filters.redacted),
   * the principals it lists.
   */
  oldKeep?: (p: WhoCanPrincipal) => boolean;
  newKeep?: (p: WhoCanPrincipal) => boolean;
}

/**
 * An unknown answer's reason in the words it already has (the unreadable inputs, the reason read
 * back from a report), else undefined: notes held as facts are phrased only by report/, and an
 * answer whose reason cannot be said is not told changed.
 */
function wordsOnHand(e: AccessEntry): string | undefined {
  if (e.unreadable !== undefined && e.unreadable.length > 0) return e.unreadable.join('; ');
  return e.unknownBecause;
}

const RANK: Record<Exclude<AccessSide['access'], 'unknown'>, number> = { deny: 0, conditional: 1, allow: 2 };

function sideOf(e: AccessEntry | null, reason: (e: AccessEntry) => string | undefined): AccessSide {
  if (e === null) return { access: 'deny', reasons: [] };
  const s: AccessSide = { access: e.access, decidedBy: e.decidedBy, reasons: e.reasons };
  if (e.conditions !== undefined) s.conditions = e.conditions;
  if (e.access === 'unknown') {
    const why = reason(e);
    if (why !== undefined) s.unknownWhy = why;
  }
  return s;
}

const reasonKey = (r: ReasonRef): string => `${r.source}|${r.policyName ?? ''}|${r.id}|${r.effect}`;

function sideSig(s: AccessSide): string {
  return `${s.access}|${s.decidedBy ?? ''}|${s.absent ?? ''}|${s.reasons.map(reasonKey).sort().join(',')}|${(s.conditions ?? [])
    .map((c) => `${c.source}:${c.id}:${c.effect}:${c.operator}:${c.key}:${c.values.join(',')}`)
    .sort()
    .join(',')}`;
}

function kindOf(o: AccessSide, n: AccessSide): ChangeKind | undefined {
  if (o.access === n.access) {
    if (o.access === 'deny') return undefined;
    // Still unknown: a change only when the reason changed (what it depends on is what to act on).
    if (o.access === 'unknown') return o.unknownWhy === undefined || n.unknownWhy === undefined || o.unknownWhy === n.unknownWhy ? undefined : 'unknown';
    // The same access through other statements or grants, or under other conditions.
    return sideSig(o) === sideSig(n) ? undefined : 'changed';
  }
  if (o.access === 'unknown' || n.access === 'unknown') return 'unknown';
  return RANK[n.access] > RANK[o.access] ? 'gained' : 'lost';
}

// ─── What changed in the sources ────────────────────────────────────────────────────────────────

/** The policies a principal's entry in a snapshot has (as the evaluator finds them). */
function principalEntry(s: Snapshot, arn: string): PrincipalPolicies | undefined {
  const direct = s.principals[arn];
  if (direct !== undefined) return direct;
  const ref = parsePrincipal(arn);
  if (ref === null) return undefined;
  const wanted = ref.kind === 'assumed-role' ? { kind: 'role', name: ref.roleName } : { kind: ref.kind, name: ref.name };
  for (const [a, pp] of Object.entries(s.principals)) {
    const p = parsePrincipal(a);
    if (p && p.kind === wanted.kind && p.account === ref.account && p.name === wanted.name) return pp;
  }
  return undefined;
}

function policiesOf(s: Snapshot, principal: string, key: Key | undefined): Policy[] {
  const out: Policy[] = [];
  if (key !== undefined && !isUnknown(key.policy)) out.push(key.policy);
  const pp = principalEntry(s, principal);
  if (pp !== undefined) {
    if (!isUnknown(pp.identityPolicies)) out.push(...pp.identityPolicies);
    if (!isUnknown(pp.permissionsBoundary) && pp.permissionsBoundary !== null) out.push(pp.permissionsBoundary);
    if (!isUnknown(pp.sessionPolicies)) out.push(...pp.sessionPolicies);
  }
  const org = s.organization;
  if (org !== undefined)
    for (const levels of [...Object.values(org.serviceControlPolicies), ...Object.values(org.resourceControlPolicies)])
      for (const l of levels) out.push(...l.policies);
  return out;
}

/** Whether the source a reason names could not be read in `s` (the key policy, or the principal's policies of that kind). */
function unreadOn(s: Snapshot, principal: string, key: Key | undefined, r: ReasonRef): boolean {
  if (r.source === 'key-policy') return key !== undefined && isUnknown(key.policy);
  const pp = principalEntry(s, principal);
  if (pp === undefined) return false;
  if (r.source === 'identity-policy') return isUnknown(pp.identityPolicies);
  if (r.source === 'permissions-boundary') return isUnknown(pp.permissionsBoundary);
  if (r.source === 'session-policy') return isUnknown(pp.sessionPolicies);
  return false;
}

function findStatement(policies: Policy[], r: ReasonRef): { policy: Policy; statement?: Statement } | undefined {
  for (const p of policies) {
    if (p.source !== r.source) continue;
    if (r.source !== 'key-policy' && r.policyName !== undefined && p.name !== r.policyName) continue;
    const statement = p.statements.find((st) => statementId(p, st) === r.id);
    return statement === undefined ? { policy: p } : { policy: p, statement };
  }
  return undefined;
}

function keyIn(s: Snapshot | undefined, arn: string): Key | undefined {
  return s?.keys.find((k) => k.metadata.arn === arn);
}

function describeReason(r: ReasonRef): string {
  if (r.source === 'grant') return `grant ${r.id}`;
  if (r.source === 'key-policy') return `key-policy statement "${r.id}"`;
  return `statement "${r.id}" of ${r.source} ${r.policyName !== undefined ? `"${r.policyName}"` : ''}`.trim();
}

/**
 * One sentence on a source that decides on one side only: `here` is the snapshot of the side
 * where it decides, `there` the other one's; `appears`: it decides on the new side (else on the
 * old one); `verb`: what it does now ("now allows", "no longer decides" …).
 */
function sourceChange(
  r: ReasonRef,
  appears: boolean,
  verb: string,
  keyArn: string,
  principal: string,
  here: Snapshot | undefined,
  there: Snapshot | undefined,
): string {
  const what = describeReason(r);
  if (here === undefined || there === undefined) return `${what} ${verb}`;
  const thereKey = keyIn(there, keyArn);
  const hereKey = keyIn(here, keyArn);
  if (r.source === 'grant') {
    const find = (k: Key | undefined): unknown =>
      k === undefined || isUnknown(k.grants) ? undefined : k.grants.find((g) => g.grantId === r.id && g.state !== 'retired');
    const a = find(hereKey);
    const b = find(thereKey);
    if (b === undefined) return `${what} ${appears ? 'is new' : 'was retired or revoked'}`;
    return JSON.stringify(a) === JSON.stringify(b) ? `${what} (unchanged) ${verb}` : `${what} changed`;
  }
  // Unread on the other side: it may be as it was, or not (never "detached" or "removed").
  if (unreadOn(there, principal, thereKey, r)) return `${what} could not be read in the ${appears ? 'old' : 'new'} snapshot`;
  const mine = findStatement(policiesOf(here, principal, hereKey), r);
  const theirs = findStatement(policiesOf(there, principal, thereKey), r);
  if (r.source !== 'key-policy' && r.source !== 'scp' && r.source !== 'rcp' && theirs === undefined) {
    return `${r.source} "${r.policyName ?? r.id}" ${appears ? 'is newly attached to' : 'was detached from'} ${principal}`;
  }
  if (theirs?.statement === undefined) return `${what} ${appears ? 'is new' : 'was removed'}`;
  if (mine?.statement !== undefined && JSON.stringify(mine.statement.raw) !== JSON.stringify(theirs.statement.raw)) return `${what} changed`;
  return `${what} (unchanged) ${verb}`;
}

function whyOf(change: ChangeKind, o: AccessSide, n: AccessSide, keyArn: string, principal: string, src: DiffSources): string[] {
  // A side that did not evaluate it says nothing of what changed: only why it cannot be compared.
  if (o.notEvaluated !== undefined || n.notEvaluated !== undefined)
    return [o.notEvaluated, n.notEvaluated].filter((w): w is string => w !== undefined).map((w) => `cannot compare: ${w}`);
  const out: string[] = [];
  if (o.absent === 'key') out.push('the key is new');
  if (n.absent === 'key') out.push('the key is no longer in the snapshot');
  if (o.absent === 'principal') out.push('the principal is new');
  if (n.absent === 'principal') out.push('the principal is no longer in the snapshot');
  const oldKeys = new Set(o.reasons.map(reasonKey));
  const newKeys = new Set(n.reasons.map(reasonKey));
  const granted = (x: AccessSide): boolean => x.access === 'allow' || x.access === 'conditional';
  for (const r of n.reasons) {
    if (oldKeys.has(reasonKey(r))) continue;
    const verb = r.effect === 'Deny' ? 'now denies' : granted(o) ? 'now decides' : 'now allows';
    out.push(sourceChange(r, true, verb, keyArn, principal, src.newSnapshot, src.oldSnapshot));
  }
  for (const r of o.reasons) {
    if (newKeys.has(reasonKey(r))) continue;
    const verb = r.effect === 'Deny' ? 'no longer denies' : granted(n) ? 'no longer decides' : 'no longer allows';
    out.push(sourceChange(r, false, verb, keyArn, principal, src.oldSnapshot, src.newSnapshot));
  }
  // A source that decides on both sides may have changed itself (e.g. its conditions).
  if (src.oldSnapshot !== undefined && src.newSnapshot !== undefined) {
    for (const r of n.reasons) {
      if (!oldKeys.has(reasonKey(r)) || r.source === 'grant') continue;
      const a = findStatement(policiesOf(src.oldSnapshot, principal, keyIn(src.oldSnapshot, keyArn)), r)?.statement;
      const b = findStatement(policiesOf(src.newSnapshot, principal, keyIn(src.newSnapshot, keyArn)), r)?.statement;
      if (a !== undefined && b !== undefined && JSON.stringify(a.raw) !== JSON.stringify(b.raw)) out.push(`${describeReason(r)} changed`);
    }
  }
  if (change === 'changed' && out.length === 0) out.push('the conditions changed');
  if (out.length === 0 && o.decidedBy !== n.decidedBy && n.decidedBy !== undefined)
    out.push(`now decided by ${n.decidedBy}${o.decidedBy ? ` (was ${o.decidedBy})` : ''}`);
  if (out.length === 0 && n.access === 'unknown' && o.access === 'unknown') out.push(`still unknown, now: ${n.unknownWhy} (was: ${o.unknownWhy})`);
  if (out.length === 0 && (n.access === 'unknown' || o.access === 'unknown'))
    out.push(n.access === 'unknown' ? 'an input it depends on could not be read' : 'the inputs it depends on can be read now');
  return out;
}

// ─── The comparison ─────────────────────────────────────────────────────────────────────────────

/** A side's deny, with what decided it when its snapshot is at hand. */
function explainDeny(
  side: AccessSide,
  ev: Evaluator | undefined,
  snap: Snapshot | undefined,
  keyArn: string,
  principal: string,
  actionIndex: number,
  k: KeyWhoCan,
  at: string | undefined,
): AccessSide {
  // A principal this side did not consider (e.g. an account no longer named in the key policy) is
  // still asked about: its deny, if it is one, is what changed.
  if (side.access !== 'deny' || side.absent === 'key' || ev === undefined || snap === undefined || principal === '*') return side;
  const key = keyIn(snap, keyArn);
  if (key === undefined) return side;
  try {
    const d = ev.evaluate(whoCanRequest(key, k.actions[actionIndex]!, principal, at), { explain: false });
    if (d.authorization !== 'deny') return side;
    return {
      access: 'deny',
      decidedBy: authorizedBy(d),
      reasons: d.reasons.map((r) => ({
        source: r.source,
        id: r.id,
        effect: r.effect,
        ...(r.policyName !== undefined && r.source !== 'grant' ? { policyName: r.policyName } : {}),
      })),
    };
  } catch {
    return side;
  }
}

export function diffWhoCan(oldR: WhoCanResult, newR: WhoCanResult, given: DiffSources = {}): AccessDiff {
  const src: DiffSources = {
    ...given,
    ...(given.oldFilters === undefined && oldR.filters !== undefined ? { oldFilters: oldR.filters } : {}),
    ...(given.newFilters === undefined && newR.filters !== undefined ? { newFilters: newR.filters } : {}),
  };
  const oldKeys = new Map(oldR.keys.map((k) => [k.keyArn, k]));
  const newKeys = new Map(newR.keys.map((k) => [k.keyArn, k]));
  const arns = [...newKeys.keys(), ...[...oldKeys.keys()].filter((a) => !newKeys.has(a))];
  const acc = new DiffAccumulator(src);
  for (const arn of arns) acc.changes.push(...acc.key(oldKeys.get(arn), newKeys.get(arn)));
  return {
    changes: acc.changes,
    keysAdded: keysFiltered(src.oldFilters, src.oldSnapshot) ? [] : [...newKeys.keys()].filter((a) => !oldKeys.has(a)),
    keysRemoved: keysFiltered(src.newFilters, src.newSnapshot) ? [] : [...oldKeys.keys()].filter((a) => !newKeys.has(a)),
    summary: acc.summary,
    notes: acc.notes,
  };
}

/** A side's --principal filter as shown (undefined: none, or patterns redacted, which cannot be matched again: DiffAccumulator.unevaluated). */
function keepOf(f: WhoCanFilters | undefined): ((p: WhoCanPrincipal) => boolean) | undefined {
  return f === undefined || f.redacted === true ? undefined : principalFilter(f.principals ?? []);
}

/**
 * A report of only the keys named with --key, or a snapshot of only the keys it was asked for
 * (keysAskedFor): a key it does not hold was not evaluated (neither added nor removed).
 */
export function keysFiltered(f: WhoCanFilters | undefined, s?: Snapshot): boolean {
  return (f !== undefined && f.keys !== null) || s?.keysAskedFor !== undefined;
}

/** A snapshot's keysAskedFor, in words. */
const keyList = (keys: readonly string[]): string => (keys.length > 0 ? keys.join(', ') : 'none');

/**
 * The comparison one key at a time (`kms-why diff` reads large who-can reports a key at a time):
 * `key` returns that key's changes, in the order of the report, and adds to the summary and notes.
 */
export class DiffAccumulator {
  readonly summary: Record<ChangeKind, number> = { gained: 0, lost: 0, changed: 0, unknown: 0 };
  readonly notes: string[] = [];
  /** For the caller's use (diffWhoCan collects every change here). */
  readonly changes: AccessChange[] = [];
  private readonly oldEv: Evaluator | undefined;
  private readonly newEv: Evaluator | undefined;
  /** A filtered report side's --principal: the principals it kept. */
  private readonly oldKeep: ((p: WhoCanPrincipal) => boolean) | undefined;
  private readonly newKeep: ((p: WhoCanPrincipal) => boolean) | undefined;

  constructor(private readonly src: DiffSources = {}) {
    this.oldEv = src.oldSnapshot ? new Evaluator(src.oldSnapshot) : undefined;
    this.newEv = src.newSnapshot ? new Evaluator(src.newSnapshot) : undefined;
    this.oldKeep = src.oldKeep ?? keepOf(src.oldFilters);
    this.newKeep = src.newKeep ?? keepOf(src.newFilters);
    for (const [label, s] of [
      ['old', src.oldSnapshot],
      ['new', src.newSnapshot],
    ] as const) {
      const asked = s?.principalsAskedFor;
      if (asked !== undefined)
        this.notes.push(
          `The ${label} input is a snapshot of only the principals it was asked for (${asked.length > 0 ? asked.join(', ') : 'none'}): the others are not compared.`,
        );
      const keys = s?.keysAskedFor;
      if (keys !== undefined)
        this.notes.push(`The ${label} input is a snapshot of only the keys it was asked for (${keyList(keys)}): a key it does not hold is not compared.`);
    }
    for (const [label, f] of [
      ['old', src.oldFilters],
      ['new', src.newFilters],
    ] as const) {
      if (f === undefined) continue;
      if (f.keys !== null)
        this.notes.push(
          `The ${label} input is a who-can report of only the keys named with --key (${f.keys.join(', ')}): a key it does not hold is not compared.`,
        );
      if (f.principals !== null)
        this.notes.push(
          `The ${label} input is a who-can report of only the principals matching --principal ${f.principals.join(', ')}: the others are not compared.`,
        );
    }
  }

  /**
   * Why `side` did not evaluate principal `p` on this key (`k` undefined: the key is not in that
   * input), or undefined when its absence means what it says (the key or the principal is gone).
   */
  private unevaluated(which: 'old' | 'new', k: KeyWhoCan | undefined, p: WhoCanPrincipal): string | undefined {
    const label = `the ${which} input`;
    const filters = which === 'old' ? this.src.oldFilters : this.src.newFilters;
    if (k === undefined) {
      if (filters !== undefined && filters.keys !== null)
        return `${label} is a who-can report of only some keys (--key ${filters.keys.join(', ')}), not this one`;
      const asked = (which === 'old' ? this.src.oldSnapshot : this.src.newSnapshot)?.keysAskedFor;
      return asked !== undefined ? `not read in ${label}: that snapshot holds only the keys it was asked for (${keyList(asked)})` : undefined;
    }
    const keep = which === 'old' ? this.oldKeep : this.newKeep;
    if (keep !== undefined && !keep(p)) return `${label} is a who-can report of only the principals matching --principal ${filters!.principals!.join(', ')}`;
    // Written with --redact, its patterns were matched against the real ARNs: a principal it does
    // not list (every principal it evaluated, it lists) may have been left out by them.
    if (keep === undefined && filters?.redacted === true && filters.principals !== null && p.kind !== 'public')
      return `${label} is a who-can report written with --redact of only the principals matching --principal ${filters.principals.join(', ')}, and does not list this one (a redacted pattern cannot be matched again)`;
    const account = p.account ?? parsePrincipal(p.arn)?.account;
    const u = k.unlisted?.find((x) => x.account === undefined || x.account === account);
    return u === undefined ? undefined : `${label} could not list every principal: ${u.why}`;
  }

  key(ok: KeyWhoCan | undefined, nk: KeyWhoCan | undefined): AccessChange[] {
    const { summary, notes, src, oldEv, newEv } = this;
    const reason = src.unknownReason ?? wordsOnHand;
    const changes: AccessChange[] = [];
    const ref = (nk ?? ok)!;
    const arn = ref.keyArn;
    // Actions compared: those both sides evaluated (or the one side's, for a key on one side only).
    let actionNames = (nk ?? ok)!.actions.map((a) => a.name);
    if (ok && nk) {
      const inOld = new Set(ok.actions.map((a) => a.name));
      const onlyNew = nk.actions.filter((a) => !inOld.has(a.name)).map((a) => a.name);
      const onlyOld = ok.actions.filter((a) => !nk.actions.some((b) => b.name === a.name)).map((a) => a.name);
      if (onlyNew.length > 0) notes.push(`${arn}: ${onlyNew.join(', ')} evaluated only in the new input; not compared.`);
      if (onlyOld.length > 0) notes.push(`${arn}: ${onlyOld.join(', ')} evaluated only in the old input; not compared.`);
      actionNames = actionNames.filter((a) => inOld.has(a));
      // The changes compare authorization; a key state that now fails (or no longer fails) every
      // request changes what can be done without changing who is authorized: said here.
      if (ok.keyState !== nk.keyState) {
        const fails = (k: KeyWhoCan): number => k.keyStateErrors.filter((e) => e !== undefined).length;
        notes.push(
          `${arn}: key state ${ok.keyState} → ${nk.keyState}; the key state fails ${fails(nk)} of ${nk.actions.length} actions now (${fails(ok)} before), whoever is authorized.`,
        );
      }
    }
    const index = (k: KeyWhoCan | undefined): { p: Map<string, number>; a: Map<string, number> } => ({
      p: new Map((k?.principals ?? []).map((p, i) => [p.arn, i])),
      a: new Map((k?.actions ?? []).map((a, i) => [a.name, i])),
    });
    const oi = index(ok);
    const ni = index(nk);
    const principals = new Map<string, WhoCanPrincipal>();
    for (const p of nk?.principals ?? []) principals.set(p.arn, p);
    for (const p of ok?.principals ?? []) if (!principals.has(p.arn)) principals.set(p.arn, p);
    const sorted = [...principals.values()].sort((x, y) => (x.arn < y.arn ? -1 : x.arn > y.arn ? 1 : 0));

    for (const p of sorted) {
      const groups = new Map<string, AccessChange>();
      // Where a side does not hold the key or the principal: gone, or never evaluated there (and then unknown).
      const missing = (which: 'old' | 'new', k: KeyWhoCan | undefined, ix: typeof oi): AccessSide | undefined => {
        if (k !== undefined && ix.p.has(p.arn)) return undefined;
        const why = this.unevaluated(which, k, p);
        if (why !== undefined) return { access: 'unknown', reasons: [], notEvaluated: why };
        return { access: 'deny', reasons: [], absent: k === undefined ? 'key' : 'principal' };
      };
      const oldMissing = missing('old', ok, oi);
      const newMissing = missing('new', nk, ni);
      for (const name of actionNames) {
        const side = (k: KeyWhoCan | undefined, ix: typeof oi, gone: AccessSide | undefined): AccessSide =>
          gone !== undefined ? { ...gone } : sideOf(k!.access[ix.p.get(p.arn)!]![ix.a.get(name)!]!, reason);
        let o = side(ok, oi, oldMissing);
        let n = side(nk, ni, newMissing);
        const change = kindOf(o, n);
        if (change === undefined) continue;
        summary[change]++;
        if (ok) o = explainDeny(o, oldEv, src.oldSnapshot, arn, p.arn, oi.a.get(name)!, ok, src.oldAt);
        if (nk) n = explainDeny(n, newEv, src.newSnapshot, arn, p.arn, ni.a.get(name)!, nk, src.newAt);
        if (kindOf(o, n) === undefined) {
          // Asked again, a principal this side did not consider turns out to have the same access.
          summary[change]--;
          continue;
        }
        const why = whyOf(change, o, n, arn, p.arn, src);
        const g = `${change}|${sideSig(o)}|${sideSig(n)}|${why.join('|')}`;
        const adminHere = ADMIN_LEVEL_ACTIONS.has(name) && (change === 'gained' || change === 'changed' ? n : o).access === 'allow';
        const hit = groups.get(g);
        if (hit !== undefined) {
          hit.actions.push(name);
          hit.adminLevel ||= adminHere;
          continue;
        }
        const c: AccessChange = {
          key: arn,
          aliases: ref.aliases,
          principal: p.arn,
          principalKind: p.kind,
          external: p.external,
          actions: [name],
          change,
          adminLevel: adminHere,
          old: o,
          new: n,
          why,
        };
        groups.set(g, c);
        changes.push(c);
      }
    }
    const order: Record<ChangeKind, number> = { gained: 0, unknown: 1, lost: 2, changed: 3 };
    changes.sort((x, y) => order[x.change] - order[y.change] || (x.principal < y.principal ? -1 : x.principal > y.principal ? 1 : 0));
    return changes;
  }
}

/**
 * A change that may hide a gain: access became unknown, or what the new input allows was unknown
 * on the old side (an input that could not be read, a report made for some principals or keys
 * only, an input that could not list it): it may not have been allowed before.
 */
export function mayHideGain(c: AccessChange): boolean {
  if (c.change !== 'unknown') return false;
  if (c.new.access === 'unknown' && c.old.access !== 'unknown') return true;
  return (c.old.access === 'unknown' || c.old.notEvaluated !== undefined) && (c.new.access === 'allow' || c.new.access === 'conditional');
}

/** For --fail-on-gain: access was gained, or may have been (mayHideGain). */
export function hasGain(d: AccessDiff): boolean {
  return d.summary.gained > 0 || d.changes.some(mayHideGain);
}
