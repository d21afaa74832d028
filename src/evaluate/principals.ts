// Principal matching for key-policy Principal/NotPrincipal elements and grant principals
// (spec §1.4, §2.2, §8.3).
import { isAccountId, isUniqueId, parsePrincipal } from '../model/arn.js';
import type { PrincipalMatchVia } from '../model/decision.js';
import type { PrincipalElement } from '../model/policy.js';
import type { PrincipalRef } from '../model/principal.js';

export interface PrincipalMatch {
  matched: boolean;
  via?: PrincipalMatchVia;
  /** The written value that matched, or a note on why the closest one did not. */
  value?: string;
  orphaned?: boolean;
}

const NO: PrincipalMatch = { matched: false };

/** The account an account-principal value names (`111122223333` or `arn:aws:iam::111122223333:root`). */
export function accountOf(value: string): string | undefined {
  if (isAccountId(value)) return value;
  const m = /^arn:[^:]+:iam::(\d{12}):root$/.exec(value);
  return m ? m[1] : undefined;
}

/**
 * Does one AWS principal value (as written in a policy or a grant) cover the caller?
 * - account id / root ARN: every principal of that account ("account" — delegation, §1.4)
 * - role ARN: every session of that role (role path ignored: session ARNs carry none)
 * - session ARN: that exact session only ("you cannot use a wildcard to mean all sessions")
 * - user ARN: that user (name case-sensitive)
 * - unique id (AROA…): a deleted principal's id; matches nobody (§8.3)
 */
export function matchAwsValue(value: string, caller: PrincipalRef): PrincipalMatch {
  if (caller.kind === 'service') return NO;
  const acct = accountOf(value);
  if (acct !== undefined) return acct === caller.account ? { matched: true, via: 'account', value } : NO;
  if (isUniqueId(value)) return { matched: false, orphaned: true, value };
  const p = parsePrincipal(value);
  if (p === null || p.account !== caller.account) return NO;
  switch (p.kind) {
    case 'role':
      if ((caller.kind === 'assumed-role' && caller.roleName === p.name) || (caller.kind === 'role' && caller.name === p.name)) {
        return { matched: true, via: 'role', value };
      }
      return NO;
    case 'assumed-role':
      return caller.kind === 'assumed-role' && caller.roleName === p.roleName && caller.sessionName === p.sessionName
        ? { matched: true, via: 'session', value }
        : NO;
    case 'user':
      return caller.kind === 'user' && caller.name === p.name ? { matched: true, via: 'user', value } : NO;
    case 'federated-user':
      return caller.kind === 'federated-user' && caller.name === p.name ? { matched: true, via: 'federated', value } : NO;
    default:
      return NO;
  }
}

export function matchServiceValue(value: string, caller: PrincipalRef): PrincipalMatch {
  return caller.kind === 'service' && caller.name.toLowerCase() === value.toLowerCase()
    ? { matched: true, via: 'service', value }
    : NO;
}

/** Matches a Principal element; the most specific match wins (named beats account beats `*`). */
export function matchPrincipalElement(el: PrincipalElement, caller: PrincipalRef): PrincipalMatch {
  let best: PrincipalMatch = NO;
  const rank = (m: PrincipalMatch): number => (!m.matched ? 0 : m.via === 'wildcard' ? 1 : m.via === 'account' ? 2 : 3);
  for (const v of el.aws) {
    const m = matchAwsValue(v, caller);
    if (rank(m) > rank(best)) best = m;
  }
  for (const v of el.service) {
    const m = matchServiceValue(v, caller);
    if (rank(m) > rank(best)) best = m;
  }
  if (el.wildcard && !best.matched) best = { matched: true, via: 'wildcard', value: '*' };
  return best;
}

/**
 * All account/role/session (or account/user) values that identify the caller: NotPrincipal
 * exempts a caller only when every link of that chain is listed, because "AWS might validate
 * the account first, then the role, and then the assumed-role user" [IAM-NOTPRINCIPAL]. A
 * principal of another kind is exempt when it is listed itself.
 */
export function notPrincipalExempts(el: PrincipalElement, caller: PrincipalRef): boolean {
  if (el.wildcard) return true;
  if (caller.kind === 'service') return el.service.some((s) => s.toLowerCase() === caller.name.toLowerCase());
  const listed = (pred: (m: PrincipalMatch) => boolean): boolean => el.aws.some((v) => pred(matchAwsValue(v, caller)));
  const account = listed((m) => m.matched && m.via === 'account');
  switch (caller.kind) {
    case 'root':
      return account;
    case 'assumed-role':
      return account && listed((m) => m.matched && m.via === 'role') && listed((m) => m.matched && m.via === 'session');
    case 'role':
      return account && listed((m) => m.matched && m.via === 'role');
    case 'user':
      return account && listed((m) => m.matched && m.via === 'user');
    case 'federated-user':
      return account && listed((m) => m.matched && m.via === 'federated');
    default:
      return false;
  }
}

/** Matches a grant's grantee or retiring principal (a single value: ARN, account, service, unique id). */
export function matchGrantPrincipal(value: string, caller: PrincipalRef): PrincipalMatch {
  if (value.includes('.amazonaws.com')) return matchServiceValue(value, caller);
  return matchAwsValue(value, caller);
}
