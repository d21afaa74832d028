// Principal matching for key-policy Principal/NotPrincipal elements and grant principals
// (docs/semantics.md#principal-matching). Values are parsed once into patterns; matching is then cheap.
import { breaksPrincipal, isAccountId, isPartition, isServicePrincipal, isUniqueId, parsePrincipal } from '../model/arn.js';
import type { PrincipalMatchVia } from '../model/decision.js';
import type { PrincipalElement } from '../model/policy.js';
import type { PrincipalRef } from '../model/principal.js';

export interface PrincipalMatch {
  matched: boolean;
  via?: PrincipalMatchVia;
  /** The written value that matched. */
  value?: string;
  orphaned?: boolean;
}

/** A principal value as written in a policy or grant, taken apart once. */
export type PrincipalPattern =
  | { kind: 'account'; value: string; partition?: string; account: string }
  | { kind: 'role'; value: string; partition?: string; account: string; name: string }
  | { kind: 'session'; value: string; partition?: string; account: string; role: string; session: string }
  | { kind: 'user'; value: string; partition?: string; account: string; name: string }
  | { kind: 'federated'; value: string; partition?: string; account: string; name: string }
  | { kind: 'service'; value: string; name: string }
  | { kind: 'orphan'; value: string; session?: string }
  | { kind: 'none'; value: string };

const NO: PrincipalMatch = { matched: false };

/** The account an account-principal value names (`111122223333` or `arn:aws:iam::111122223333:root`). */
export function accountOf(value: string): string | undefined {
  if (isAccountId(value)) return value;
  const m = /^arn:[^:]+:iam::(\d{12}):root$/.exec(value);
  return m ? m[1] : undefined;
}

export function compilePrincipalValue(value: string): PrincipalPattern {
  const pattern = compileValue(value);
  // An ARN names its partition: it matches only callers of that partition (a bare account id
  // names an account of the policy's own partition). An unknown partition matches nobody.
  const partition = value.startsWith('arn:') ? value.split(':')[1] : undefined;
  if (partition !== undefined && pattern.kind !== 'none' && pattern.kind !== 'service' && pattern.kind !== 'orphan') {
    return isPartition(partition) ? { ...pattern, partition } : { kind: 'none', value };
  }
  return pattern;
}

function compileValue(value: string): PrincipalPattern {
  const acct = accountOf(value);
  if (acct !== undefined) return { kind: 'account', value, account: acct };
  if (isServicePrincipal(value.toLowerCase())) return { kind: 'service', value, name: value.toLowerCase() };
  if (isUniqueId(value)) {
    const colon = value.indexOf(':');
    return colon >= 0 ? { kind: 'orphan', value, session: value.slice(colon + 1) } : { kind: 'orphan', value };
  }
  const p = parsePrincipal(value);
  if (p === null) return { kind: 'none', value };
  switch (p.kind) {
    case 'role':
      return { kind: 'role', value, account: p.account, name: p.name };
    case 'assumed-role':
      return { kind: 'session', value, account: p.account, role: p.roleName, session: p.sessionName };
    case 'user':
      return { kind: 'user', value, account: p.account, name: p.name };
    case 'federated-user':
      return { kind: 'federated', value, account: p.account, name: p.name };
    default:
      return { kind: 'none', value };
  }
}

/**
 * Does one principal pattern cover the caller?
 * - account id / root ARN: every principal of that account ("account" — delegation, docs/semantics.md#principal-matching)
 * - role ARN: every session of that role (role path ignored: session ARNs carry none)
 * - session ARN: that exact session only ("you cannot use a wildcard to mean all sessions")
 * - user ARN: that user (name case-sensitive)
 * - unique id (AROA…): a deleted principal's id; matches nobody (docs/semantics.md#grant-session-match)
 */
export function matchPattern(p: PrincipalPattern, caller: PrincipalRef): PrincipalMatch {
  switch (p.kind) {
    case 'service':
      return caller.kind === 'service' && caller.name.toLowerCase() === p.name ? { matched: true, via: 'service', value: p.value } : NO;
    case 'orphan':
      return { matched: false, orphaned: true, value: p.value };
    case 'none':
      return NO;
    default:
      break;
  }
  if (caller.kind === 'service' || p.account !== caller.account) return NO;
  if (p.partition !== undefined && p.partition !== caller.partition) return NO;
  switch (p.kind) {
    case 'account':
      return { matched: true, via: 'account', value: p.value };
    case 'role':
      return (caller.kind === 'assumed-role' && caller.roleName === p.name) || (caller.kind === 'role' && caller.name === p.name)
        ? { matched: true, via: 'role', value: p.value }
        : NO;
    case 'session':
      return caller.kind === 'assumed-role' && caller.roleName === p.role && caller.sessionName === p.session
        ? { matched: true, via: 'session', value: p.value }
        : NO;
    case 'user':
      return caller.kind === 'user' && caller.name === p.name ? { matched: true, via: 'user', value: p.value } : NO;
    case 'federated':
      return caller.kind === 'federated-user' && caller.name === p.name ? { matched: true, via: 'federated', value: p.value } : NO;
  }
}

export interface CompiledPrincipalElement {
  wildcard: boolean;
  patterns: PrincipalPattern[];
}

export function compilePrincipalElement(el: PrincipalElement): CompiledPrincipalElement {
  // Federated and CanonicalUser principals never match a KMS caller we model; kept as 'none'.
  return {
    wildcard: el.wildcard,
    patterns: [
      ...el.aws.map(compilePrincipalValue),
      ...el.service.map((s): PrincipalPattern => ({ kind: 'service', value: s, name: s.toLowerCase() })),
      ...el.federated.map((s): PrincipalPattern => ({ kind: 'none', value: s })),
      ...el.canonicalUser.map((s): PrincipalPattern => ({ kind: 'none', value: s })),
    ],
  };
}

const rank = (m: PrincipalMatch): number => (!m.matched ? 0 : m.via === 'wildcard' ? 1 : m.via === 'account' ? 2 : 3);

/** Matches a Principal element; the most specific match wins (named beats account beats `*`). */
export function matchPrincipalElement(el: CompiledPrincipalElement, caller: PrincipalRef): PrincipalMatch {
  let best: PrincipalMatch = NO;
  for (let i = 0; i < el.patterns.length; i++) {
    const m = matchPattern(el.patterns[i]!, caller);
    if (rank(m) > rank(best)) best = m;
  }
  if (el.wildcard && !best.matched) best = { matched: true, via: 'wildcard', value: '*' };
  return best;
}

/**
 * NotPrincipal exempts a caller only when every link of its chain is listed (account, role,
 * session — or account, user; a role, taken as one of its sessions, never), because "AWS might validate the account first, then the role,
 * and then the assumed-role user" [IAM-NOTPRINCIPAL].
 */
export function notPrincipalExempts(el: CompiledPrincipalElement, caller: PrincipalRef): boolean {
  if (el.wildcard) return true;
  const listed = (via: PrincipalMatchVia): boolean =>
    el.patterns.some((p) => {
      const m = matchPattern(p, caller);
      return m.matched && m.via === via;
    });
  switch (caller.kind) {
    case 'service':
      return listed('service');
    case 'root':
      return listed('account');
    case 'assumed-role':
      return listed('account') && listed('role') && listed('session');
    case 'role':
      // A role calls KMS only through a session, and kms-why evaluates it as one of its sessions
      // (whose name it does not know): no listed session ARN is known to be that session, so no
      // NotPrincipal exempts it, as none exempts a session whose ARN it does not list.
      return false;
    case 'user':
      return listed('account') && listed('user');
    case 'federated-user':
      return listed('account') && listed('federated');
    default:
      return false;
  }
}

/** Matches a grant's grantee or retiring principal (a single value). */
export function matchGrantPrincipal(value: string, caller: PrincipalRef): PrincipalMatch {
  return matchPattern(compilePrincipalValue(value), caller);
}

/** The index keys under which grants for this caller are filed (see GrantIndex). */
export function callerKeys(caller: PrincipalRef): string[] {
  switch (caller.kind) {
    case 'service':
      return [`service:${caller.name.toLowerCase()}`];
    case 'assumed-role':
      return [`session:${caller.account}:${caller.roleName}:${caller.sessionName}`, `role:${caller.account}:${caller.roleName}`, `account:${caller.account}`];
    case 'role':
      return [`role:${caller.account}:${caller.name}`, `account:${caller.account}`];
    case 'user':
      return [`user:${caller.account}:${caller.name}`, `account:${caller.account}`];
    case 'federated-user':
      return [`federated:${caller.account}:${caller.name}`, `account:${caller.account}`];
    case 'root':
      return [`account:${caller.account}`];
    case 'unique-id':
      return [];
  }
}

/**
 * Session and role ARNs as grants name their grantees, read in one regular expression each: a
 * value they match has exactly the key patternKey(compilePrincipalValue(value)) gives (each part
 * as parsePrincipal reads it: no colon in partition, service or region, a 12-digit account, a role
 * name without `/`, nothing that trimming would change at either end).
 */
const SESSION_ARN_RE = /^arn:([^:]+):sts:[^:]*:(\d{12}):assumed-role\/([^/]+)\/(.*\S)$/;
const ROLE_ARN_RE = /^arn:([^:]+):iam:[^:]*:(\d{12}):role(?:\/.*\/|\/)([^/]*[^/\s])$/;

/**
 * The key patternKey(compilePrincipalValue(value)) gives, read faster for a session or role ARN
 * (a key's grants are filed by it on the first request: 500 grantees a key).
 */
export function valueKey(value: string): string | undefined {
  if (value.startsWith('arn:') && !breaksPrincipal(value)) {
    const s = SESSION_ARN_RE.exec(value);
    if (s !== null && isPartition(s[1]!)) return `session:${s[2]}:${s[3]}:${s[4]}`;
    const r = s === null ? ROLE_ARN_RE.exec(value) : null;
    if (r !== null && isPartition(r[1]!)) return `role:${r[2]}:${r[3]}`;
  }
  return patternKey(compilePrincipalValue(value));
}

export function patternKey(p: PrincipalPattern): string | undefined {
  switch (p.kind) {
    case 'account':
      return `account:${p.account}`;
    case 'role':
      return `role:${p.account}:${p.name}`;
    case 'session':
      return `session:${p.account}:${p.role}:${p.session}`;
    case 'user':
      return `user:${p.account}:${p.name}`;
    case 'federated':
      return `federated:${p.account}:${p.name}`;
    case 'service':
      return `service:${p.name}`;
    case 'orphan':
      return p.session !== undefined ? `orphan:${p.session}` : undefined;
    case 'none':
      return undefined;
  }
}
