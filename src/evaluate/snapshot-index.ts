// One index of a snapshot, built once and shared by every evaluator (and analysis) over it:
// principal entries by account and name, a caller's own and role entries (a session reads its
// role's), grants filed by grantee, keys by identifier, and whether a caller is a service-linked
// role. The snapshot is immutable data, so the index is keyed by the snapshot object itself.
import { parseKeyIdentifier, parsePrincipal } from '../model/arn.js';
import { RequestError } from '../model/errors.js';
import type { Grant } from '../model/grant.js';
import type { Key } from '../model/key.js';
import type { PrincipalPolicies, PrincipalRef } from '../model/principal.js';
import type { Snapshot } from '../model/snapshot.js';
import { valueKey } from './principals.js';

/** A role or user entry of the snapshot, with its place in the snapshot's order. */
export interface PrincipalEntry {
  arn: string;
  pp: PrincipalPolicies;
  order: number;
}

const NONE: readonly PrincipalEntry[] = [];

const INDEXES = new WeakMap<Snapshot, SnapshotIndex>();
const GRANT_INDEXES = new WeakMap<readonly Grant[], Map<string, Grant[]>>();
/** Each grant's grantee key (null: none), so that a list with one grant added (a hint's change) files only that one anew. */
const GRANTEE_KEYS = new WeakMap<Grant, string | null>();

function granteeKey(g: Grant): string | null {
  let k = GRANTEE_KEYS.get(g);
  if (k === undefined) {
    k = valueKey(g.granteePrincipal) ?? null;
    GRANTEE_KEYS.set(g, k);
  }
  return k;
}

/**
 * Role and user ARNs without a Region (what IAM writes), taken apart as parsePrincipal takes them
 * (its `(user|role)(/.*\/|/)([^/]+)` on the resource after the fifth colon) without splitting
 * the whole ARN (text parsePrincipal would trim goes its way): the index of 5,000 roles is built on a caller's first request.
 */
const IAM_NAME_RE = /^arn:[^:]+:iam::(\d{12}):(user|role)(?:\/.*\/|\/)([^/]+)$/;

export class SnapshotIndex {
  private byName: Map<string, PrincipalEntry[]> | undefined;
  private tokens: Map<string, Grant> | undefined;
  private readonly keys = new Map<string, Key | undefined>();

  private constructor(readonly snapshot: Snapshot) {}

  /** The index of a snapshot (one per snapshot object). */
  static of(snapshot: Snapshot): SnapshotIndex {
    let idx = INDEXES.get(snapshot);
    if (idx === undefined) {
      idx = new SnapshotIndex(snapshot);
      INDEXES.set(snapshot, idx);
    }
    return idx;
  }

  /**
   * Every role or user entry whose ARN names `kind` `name` in `account` (their ARNs may carry a
   * path that session ARNs lack), in snapshot order.
   */
  entries(kind: 'role' | 'user', account: string, name: string): readonly PrincipalEntry[] {
    return this.names().get(`${kind}:${account}:${name}`) ?? NONE;
  }

  /** The first such entry: the one a caller of that name reads. */
  first(kind: 'role' | 'user', account: string, name: string): PrincipalEntry | undefined {
    return this.names().get(`${kind}:${account}:${name}`)?.[0];
  }

  /** The entry under exactly this ARN. */
  own(arn: string): PrincipalPolicies | undefined {
    const entries = this.snapshot.principals;
    return Object.hasOwn(entries, arn) ? entries[arn] : undefined;
  }

  /**
   * Every entry a request by `principal` (an ARN) can read: its own, and every entry of its role
   * (a session) or of its name (a role or user), in snapshot order.
   */
  entriesOf(principal: string): PrincipalEntry[] {
    const out: PrincipalEntry[] = [];
    const ref = parsePrincipal(principal);
    if (ref !== null) {
      const kind = ref.kind === 'assumed-role' ? 'role' : ref.kind;
      const name = ref.kind === 'assumed-role' ? ref.roleName : ref.name;
      if ((kind === 'role' || kind === 'user') && name !== undefined) out.push(...this.entries(kind, ref.account, name));
    }
    const own = this.own(principal);
    if (own !== undefined && !out.some((e) => e.arn === principal)) out.push({ arn: principal, pp: own, order: this.orderOf(principal) });
    return out.sort((a, b) => a.order - b.order);
  }

  private orderOf(arn: string): number {
    let i = 0;
    for (const k in this.snapshot.principals) {
      if (k === arn) return i;
      i++;
    }
    return i;
  }

  private names(): Map<string, PrincipalEntry[]> {
    if (this.byName === undefined) {
      const idx = new Map<string, PrincipalEntry[]>();
      let order = 0;
      for (const [arn, pp] of Object.entries(this.snapshot.principals)) {
        let k: string | undefined;
        const m = IAM_NAME_RE.exec(arn);
        if (m !== null && arn.trimEnd() === arn) k = `${m[2]}:${m[1]}:${m[3]}`;
        else {
          const p = parsePrincipal(arn);
          if (p && (p.kind === 'role' || p.kind === 'user')) k = `${p.kind}:${p.account}:${p.name}`;
        }
        if (k !== undefined) {
          const list = idx.get(k);
          const e = { arn, pp, order };
          if (list === undefined) idx.set(k, [e]);
          else list.push(e);
        }
        order++;
      }
      this.byName = idx;
    }
    return this.byName;
  }

  /**
   * A key by key id, key ARN, alias name or alias ARN. An alias name or key id names a key of the
   * caller's own account (`account`, when known) [KMS "Key identifiers"]: where the snapshot holds
   * keys of several accounts under the same name, that account's.
   */
  key(identifier: string, account?: string): Key | undefined {
    const cacheKey = account === undefined || account === '' ? identifier : `${account}|${identifier}`;
    if (this.keys.has(cacheKey)) return this.keys.get(cacheKey);
    const k = lookupKey(this.snapshot.keys, identifier, account);
    this.keys.set(cacheKey, k);
    return k;
  }

  /**
   * The grants of the snapshot that record their grant token (GrantToken), by token: ListGrants
   * does not return tokens, so a token the snapshot does not list may be any grant's.
   */
  grantTokens(): ReadonlyMap<string, Grant> {
    if (this.tokens === undefined) {
      const m = new Map<string, Grant>();
      for (const k of this.snapshot.keys)
        if (Array.isArray(k.grants)) for (const g of k.grants) if (g.grantToken !== undefined && !m.has(g.grantToken)) m.set(g.grantToken, g);
      this.tokens = m;
    }
    return this.tokens;
  }

  /** Grants filed by grantee (patternKey of the grantee), so that a request looks only at grants that can concern its caller. */
  static grantsByGrantee(grants: readonly Grant[]): Map<string, Grant[]> {
    let idx = GRANT_INDEXES.get(grants);
    if (idx === undefined) {
      idx = new Map();
      for (const g of grants) {
        const k = granteeKey(g);
        if (k === null) continue;
        const list = idx.get(k);
        if (list) list.push(g);
        else idx.set(k, [g]);
      }
      GRANT_INDEXES.set(grants, idx);
    }
    return idx;
  }
}

/** A service-linked role or one of its sessions (SCPs do not restrict them). */
export function isServiceLinked(caller: PrincipalRef): boolean {
  return (caller.kind === 'assumed-role' || caller.kind === 'role') && (caller.roleName ?? caller.name).startsWith('AWSServiceRoleFor');
}

function lookupKey(keys: readonly Key[], identifier: string, account: string | undefined): Key | undefined {
  const id = parseKeyIdentifier(identifier);
  // An alias ARN names its account and Region; an alias name or key id names neither.
  const placed = id?.kind === 'alias-arn' ? id.arn : undefined;
  const mine: Key[] = [];
  const others: Key[] = [];
  for (const k of keys) {
    const m = k.metadata;
    if (identifier === m.arn) return k;
    const named =
      identifier === m.keyId ||
      (id?.aliasName !== undefined &&
        k.aliases.includes(id.aliasName) &&
        (placed === undefined || (placed.account === m.account && placed.region === m.region && placed.partition === m.partition)));
    if (!named) continue;
    // A name without an account: the caller's account's key first.
    if (placed !== undefined || account === undefined || account === '' || m.account === account) mine.push(k);
    else others.push(k);
  }
  const found = mine.length > 0 ? mine : others;
  // A key id (a multi-Region key's, in every Region it is in) or an alias name (one per Region)
  // can name keys in several Regions: which one a request reaches depends on the Region its client
  // calls, which the request does not say [KMS key identifiers, "Key ID", "Alias name"].
  if (found.length > 1) throw new RequestError({ kind: 'ambiguous-key', key: identifier, keyArns: found.map((k) => k.metadata.arn) });
  return found[0];
}
