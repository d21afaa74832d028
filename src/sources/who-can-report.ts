// Reads a who-can JSON report (`kms-why who-can --output json`) back into the result it describes,
// for `kms-why diff` (which reads large reports a key at a time, parseWhoCanKey) and `who-can`
// given a report instead of a snapshot.
import { findAction, type ActionInfo } from '../model/actions.js';
import { assumptionOfSlug, type AssumptionId, type DecidedBy, type OrgPoliciesNotGiven, type ReasonSource } from '../model/decision.js';
import {
  WHO_CAN_REPORT_VERSION,
  type AccessEntry,
  type GuardCondition,
  type KeyWhoCan,
  type PublicStatement,
  type ReasonRef,
  type UnlistedPrincipals,
  type WhoCanFilters,
  type WhoCanPrincipal,
  type WhoCanResult,
  type Witness,
} from '../model/who-can.js';
import { expectArray, expectObject, expectString, fail, index, isObject, member, type JsonObject, type Where } from './json-path.js';

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
  return {
    source: str(o, 'source', at) as ReasonSource,
    id: str(o, 'id', at),
    effect: o.effect === 'Deny' ? 'Deny' : 'Allow',
    operator: str(o, 'operator', at),
    key: str(o, 'key', at),
    values: strings(o.values, member(at, 'values')),
  };
}

/** One key of a who-can report (`keys[i]`, at `at`); `kms-why diff` reads large reports a key at a time. */
export function parseWhoCanKey(kv: unknown, at: Where): KeyWhoCan {
  const k = expectObject(kv, at, 'a key');
  const pAt = member(at, 'principals');
  const principals: WhoCanPrincipal[] = expectArray(k.principals, pAt).map((pv, pi) => {
    const pat = index(pAt, pi);
    const p = expectObject(pv, pat, 'a principal');
    const w: WhoCanPrincipal = {
      arn: str(p, 'principal', pat),
      kind: str(p, 'kind', pat) as WhoCanPrincipal['kind'],
      external: p.external === true,
      origins: Array.isArray(p.origins) ? (strings(p.origins, member(pat, 'origins')) as WhoCanPrincipal['origins']) : [],
    };
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
      if (e.conditions !== undefined)
        entry.conditions = expectArray(e.conditions, member(eat, 'conditions')).map((c, i) => conditionOf(c, index(member(eat, 'conditions'), i)));
      if (isObject(e.witness)) entry.witness = e.witness as Witness;
      if (e.unreadable !== undefined) entry.unreadable = strings(e.unreadable, member(eat, 'unreadable'));
      // The assumptions an answer through a grant rests on (report/who-can.ts assumptionsJson); one a later kms-why names is left out.
      if (e.assumptions !== undefined) {
        const ids = strings(e.assumptions, member(eat, 'assumptions'))
          .map(assumptionOfSlug)
          .filter((id): id is AssumptionId => id !== undefined);
        if (ids.length > 0) entry.assumptions = ids;
      }
      // An unknown answer's reason when nothing unreadable explains it (report/who-can.ts unknownJson).
      if (e.unknownBecause !== undefined) entry.unknownBecause = expectString(e.unknownBecause, member(eat, 'unknownBecause'));
      if (e.missingContext !== undefined) entry.missingContext = strings(e.missingContext, member(eat, 'missingContext'));
      access[pi]![ai] = entry;
    });
  });
  const publicStatements: PublicStatement[] = Array.isArray(k.public)
    ? k.public.map((sv, si) => {
        const sat = index(member(at, 'public'), si);
        const s = expectObject(sv, sat, 'a public statement');
        return {
          id: str(s, 'statement', sat),
          notPrincipal: s.notPrincipal === true,
          actions: strings(s.actions, member(sat, 'actions')),
          conditions: expectArray(s.conditions ?? [], member(sat, 'conditions')).map((c, i) => conditionOf(c, index(member(sat, 'conditions'), i))),
        };
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
  if (k.unlistedPrincipals !== undefined) {
    const uAt = member(at, 'unlistedPrincipals');
    out.unlisted = expectArray(k.unlistedPrincipals, uAt).map((uv, ui): UnlistedPrincipals => {
      const u = expectObject(uv, index(uAt, ui), 'an entry {"account", "why"}');
      const entry: UnlistedPrincipals = { why: str(u, 'why', index(uAt, ui)) };
      if (u.account !== undefined && u.account !== null) entry.account = expectString(u.account, member(index(uAt, ui), 'account'));
      return entry;
    });
  }
  if (k.orgPoliciesNotGiven !== undefined) {
    const nAt = member(at, 'orgPoliciesNotGiven');
    out.orgPoliciesNotGiven = expectArray(k.orgPoliciesNotGiven, nAt).map((nv, ni): OrgPoliciesNotGiven => {
      const n = expectObject(nv, index(nAt, ni), 'an entry {"kind", "account"}');
      const kind = str(n, 'kind', index(nAt, ni));
      if (kind !== 'scp' && kind !== 'rcp') fail(member(index(nAt, ni), 'kind'), `unknown kind ${JSON.stringify(kind)}`, 'kms-why writes "scp" or "rcp".');
      const entry: OrgPoliciesNotGiven = { kind, account: str(n, 'account', index(nAt, ni)) };
      if (n.member === true) entry.member = true;
      if (n.organizationId !== undefined) entry.organizationId = expectString(n.organizationId, member(index(nAt, ni), 'organizationId'));
      return entry;
    });
  }
  return out;
}

/** Reads a who-can JSON report (version 1) back into the result it describes. */
export function parseWhoCanJson(value: unknown, file: string): WhoCanResult {
  const root: Where = { file, path: '' };
  const o = expectObject(value, root, 'a who-can report');
  if (o.kmsWhyWhoCan !== WHO_CAN_REPORT_VERSION) {
    fail(
      member(root, 'kmsWhyWhoCan'),
      `unsupported who-can report version ${JSON.stringify(o.kmsWhyWhoCan)}`,
      `kms-why reads version ${WHO_CAN_REPORT_VERSION}.`,
    );
  }
  const keysAt = member(root, 'keys');
  const keys = expectArray(o.keys, keysAt).map((kv, ki) => parseWhoCanKey(kv, index(keysAt, ki)));
  const decisions = keys.reduce((n, k) => n + k.principals.filter((p) => p.kind !== 'public').length * k.actions.length, 0);
  const result: WhoCanResult = { keys, stats: { keys: keys.length, decisions, evaluations: 0, sharedPairs: 0 } };
  if (typeof o.capturedAt === 'string') result.capturedAt = o.capturedAt;
  if (typeof o.at === 'string') result.at = o.at;
  if (o.filters !== undefined && o.filters !== null) result.filters = filtersOf(o.filters, member(root, 'filters'));
  return result;
}

/** A report's `filters` (who-can --key, --principal, --action); a report without them is unfiltered. */
function filtersOf(v: unknown, at: Where): WhoCanFilters {
  const o = expectObject(v, at, 'the filters {"keys", "principals", "actions"}');
  const list = (k: 'keys' | 'principals' | 'actions'): string[] | null => (o[k] === undefined || o[k] === null ? null : strings(o[k], member(at, k)));
  const f: WhoCanFilters = { keys: list('keys'), principals: list('principals'), actions: list('actions') };
  if (o.redacted === true) f.redacted = true;
  return f;
}

/** Is this parsed JSON a who-can report (rather than a snapshot)? */
export function isWhoCanJson(value: unknown): boolean {
  return isObject(value) && 'kmsWhyWhoCan' in value;
}
