// Resolves a request against a snapshot and evaluates it. An unreadable input is replaced by its
// most permissive and its most restrictive stand-in: since adding an Allow never turns an allow
// into a deny and adding a Deny never turns a deny into an allow, a verdict that both worlds
// share holds whatever the input says; otherwise the verdict is `unknown`.
import { findAction, type ActionInfo } from '../model/actions.js';
import { accountRootIn, parsePrincipal, roleArnOf } from '../model/arn.js';
import { type Decision, type HintNote, type OrgPoliciesNotGiven, STAND_IN_SID, standInPolicyName } from '../model/decision.js';
import { RequestError } from '../model/errors.js';
import type { Grant } from '../model/grant.js';
import type { Key, PartialGrants } from '../model/key.js';
import type { Policy, PolicySource } from '../model/policy.js';
import type { PrincipalPolicies, PrincipalRef } from '../model/principal.js';
import { givenValue, type Request } from '../model/request.js';
import { documentedViaService } from '../model/via-service.js';
import { keyStateDoubt, mayDoubtKeyState } from '../model/key-state.js';
import type { Organization, OrgPolicyLevel, Snapshot } from '../model/snapshot.js';
import { isUnknown, memberOrgPoliciesMissing, principalNotInSnapshot, rolePathNotInSnapshot, type UnknownInput, type Unknowable } from '../model/unknown.js';
import { compilePolicy, StatementLists, type CompiledPolicy } from './compile.js';
import type { ConditionEnv, UnknownBias } from './conditions.js';
import {
  buildBaseContext,
  buildContext,
  isKeyOp,
  sessionKeys,
  SharedContexts,
  takesContext,
  type ContextInput,
  type RequestContext,
  type UnknownKeyInfo,
} from './context.js';
import { combineParts, decide, HINT_PROPOSALS, sameNote, type Part, type Resolved, type World } from './flowchart.js';
import { DEFAULT_OPTIONS, type EvaluatorOptions } from './options.js';
import { Recorder, SILENT, unknownCause } from './recorder.js';
import { applyProposal, editSignature, VERIFIED_HINTS, type HintProposal } from './hint-edits.js';
import { callerKeys, compilePrincipalValue, patternKey } from './principals.js';
import { isServiceLinked, SnapshotIndex, type PrincipalEntry } from './snapshot-index.js';

export interface EvaluateOptions {
  /** Build the trace, hints and assumptions (default true). The verdict is the same either way. */
  explain?: boolean;
  /**
   * With the explanation: evaluate each proposed change again and keep as hints only those that
   * turn the verdict into an allow (default true). Without it, no proposal becomes a hint; every
   * other note, the missing keys and the reason for an unknown verdict are the same.
   */
  verifyHints?: boolean;
  /**
   * With the explanation: record the trace, step by step (default true). Without it the trace is
   * empty; the notes, the missing keys and the reason for an unknown verdict are the same.
   */
  trace?: boolean;
  /**
   * Without the explanation: an unknown verdict still carries what it depends on (its notes that
   * decide it, hints filtered by decidesUnknown, and the missing keys), from one explained walk
   * of the permissive world, as the explanation reports them. Other verdicts carry nothing more.
   * For reports that list why each unknown answer is unknown (who-can), without explaining the
   * whole request again. Not for requests with further permissions (evaluateAll's companions),
   * whose notes are those of their parts.
   */
  unknownNotes?: boolean;
}

type Mode = 'actual' | 'permissive' | 'restrictive';

export interface CallerSources {
  identity: Unknowable<Policy[]>;
  boundary: Unknowable<Policy | null>;
  session: Unknowable<Policy[]>;
  tags: Unknowable<Record<string, string>>;
  /** Nothing said what the tags are (PrincipalPolicies.tagsAbsent): aws:PrincipalTag is unknown where read. */
  tagsAbsent?: UnknownInput | undefined;
  principalArn: string | undefined;
  /**
   * A role session with an entry of its own whose role the snapshot does not hold: the role's
   * path, so aws:PrincipalArn, is not known (a session ARN leaves it out), and why.
   */
  principalArnUnknown?: UnknownInput;
  uniqueId?: string | undefined;
  /** A role session whose aws:PrincipalTag values are its role's tags (no tags of its own were given). */
  roleTags?: boolean;
}

interface Resolution {
  caller: PrincipalRef;
  key: Key | undefined;
  keyOp: boolean;
  callerAccountGiven: string | undefined;
  grantId: string | undefined;
  viaService: string | undefined;
  at: string | undefined;
  tags: Record<string, string> | 'unknown';
  /** Some input of this caller and key could not be read. */
  anyUnknown: boolean;
  /** The SCPs of the caller's account, when they apply and the snapshot leaves them out (orgPoliciesUnknown). */
  scpsUnknown: UnknownInput | undefined;
  /** The RCPs of the key's account, when they may apply and the snapshot leaves them out (orgPoliciesUnknown). */
  rcpsUnknown: UnknownInput | undefined;
  callerAccount: string | undefined;
  cs: CallerSources;
  keyPolicy: Unknowable<Policy> | null;
  grants: Unknowable<Grant[]>;
  principalArn: string | undefined;
  /** For a role session whose role's part is shared (RoleShare): without the session's keys. */
  baseCtx: RequestContext;
  /** The keys of this session that baseCtx lacks (sessionKeys), when it is a shared one. */
  sessionKeys: Array<[string, string[]]> | undefined;
  /** By WORLD_SLOTS. */
  worlds: Array<World | undefined>;
}

/**
 * What every session of a role shares for one key and the same request parameters: the context
 * without the session's own keys, and the worlds. A session asks for its role's sources, its
 * role's grants (unless they were read in part or not at all, see grantsOf) and its role's
 * worlds; only aws:RoleSessionName and aws:userid name the session.
 */
interface RoleShare {
  baseCtx: RequestContext;
  worlds: Array<World | undefined>;
}

const NO_NOTES: HintNote[] = [];

/** A request's worlds by mode and organization-policy variant (constant strings: no key is built per request). */
const WORLD_KEYS = {
  actual: { rcp: 'rcp', 'no-rcp': 'no-rcp' },
  permissive: { rcp: 'permissive|rcp', 'no-rcp': 'permissive|no-rcp' },
  restrictive: { rcp: 'restrictive|rcp', 'no-rcp': 'restrictive|no-rcp' },
} as const;
/** The same, as places in Resolution.worlds. */
const WORLD_SLOTS = {
  actual: { rcp: 0, 'no-rcp': 1 },
  permissive: { rcp: 2, 'no-rcp': 3 },
  restrictive: { rcp: 4, 'no-rcp': 5 },
} as const;

const KNOWN_NONE: CallerSources = { identity: [], boundary: null, session: [], tags: {}, principalArn: undefined };

function stand(source: PolicySource, name: string, effect: 'Allow' | 'Deny', withPrincipal: boolean): Policy {
  const raw: Record<string, unknown> = { Effect: effect, Action: '*', Resource: '*' };
  if (withPrincipal) raw.Principal = '*';
  return {
    source,
    name,
    statements: [
      {
        index: 0,
        sid: STAND_IN_SID[effect],
        effect,
        ...(withPrincipal ? { principal: { wildcard: true, aws: [], service: [], federated: [], canonicalUser: [] } } : {}),
        action: ['*'],
        resource: ['*'],
        condition: [],
        raw,
      },
    ],
  };
}

/**
 * For a verdict-only decision that is unknown only because a further permission cannot be named:
 * the notes its explained decision would give as deciding (those `decidesUnknown` selects, in
 * order), so that who-can need not explain it. Kept beside the decision, as HINT_PROPOSALS are,
 * never in the report contract.
 */
export const UNKNOWN_NOTES = new WeakMap<Decision, HintNote[]>();

/** Actions whose verdict includes further permissions, each a request of its own (Evaluator.companions). */
// Whom AWS Organizations policies restrict (docs/semantics.md#organization-policies): the one
// place that says it, for the worlds (orgLevels), unknown ones (orgPoliciesUnknown) and ones no
// input gives (orgPoliciesNotGiven).

/**
 * The account whose SCPs restrict this caller: its own, but for service principals, service-linked
 * roles (and their sessions) and the organization's management account, which SCPs do not restrict.
 */
function scpAccountOf(caller: PrincipalRef, callerAccount: string | undefined, org: Organization | undefined): string | undefined {
  if (callerAccount === undefined || caller.kind === 'service' || isServiceLinked(caller)) return undefined;
  return callerAccount === org?.managementAccountId ? undefined : callerAccount;
}

/**
 * Whether RCPs restrict requests on this key: a customer managed key of an account other than the
 * management account (not an AWS managed key [KMS-RCP]); 'unknown' when its metadata is unknown.
 */
function rcpsOnKey(key: Key, org: Organization | undefined): 'yes' | 'no' | 'unknown' {
  if (key.metadata.account === org?.managementAccountId) return 'no';
  if (key.metadataUnknown !== undefined) return 'unknown';
  return key.metadata.keyManager === 'CUSTOMER' ? 'yes' : 'no';
}

/** RCPs restrict the actions on a key but kms:RetireGrant [KMS-RCP], not IAM-only actions. */
function rcpsRestrict(action: ActionInfo): boolean {
  return action.cls !== 'iam-only' && action.cls !== 'retire-grant';
}

const WITH_COMPANIONS = new Set(['kms:UpdateAlias', 'kms:ReplicateKey', 'kms:UpdatePrimaryRegion']);

export function hasCompanions(actionName: string): boolean {
  return WITH_COMPANIONS.has(actionName);
}

export class Evaluator {
  readonly options: EvaluatorOptions;
  private compiled = new WeakMap<Policy, CompiledPolicy>();
  private byArn = new Map<string, CompiledPolicy[]>();
  /** Worlds by caller sources, key and mode: every session of a role shares its role's. */
  private worldCache = new Map<string, World>();
  private readonly sourceIds = new WeakMap<CallerSources, number>();
  private nextSourceId = 0;
  private standIns = new Map<string, CompiledPolicy>();
  private readonly callerCache = new Map<string, CallerSources | null>();
  private readonly index: SnapshotIndex;
  private callerRefs = new Map<string, PrincipalRef>();
  /** Resolutions by principal (as written), each list compared field by field (sameResolution). */
  private resolutions = new Map<string, Resolution[]>();
  private resolutionCount = 0;
  private roleShares = new Map<string, RoleShare>();
  /** Base-context parts kept across requests: per kind and account on one key, and per caller (SharedContexts). */
  private readonly sharedContexts = new SharedContexts();
  private lastResolution: Resolution | undefined;
  private lastCaller: [string, PrincipalRef] | undefined;
  private lastKey: [string, Key | undefined, string | undefined] | undefined;
  private readonly orgIdOfFn = (account: string): string | undefined => this.orgIdOf(account);
  /** Verified proposals by request and proposals (see verified). */
  private readonly verifiedMemo = new Map<string, HintProposal[]>();

  /**
   * With `wholeGrantLists` (who-can), a grant list read in part is unknown for every caller: who
   * can use a key depends on all of its grants. With `oneCallerAtATime` (who-can, which asks each
   * caller about one key at a time and never comes back to it on that key), only the current
   * caller's resolutions, worlds and role context are kept: kept longer, each one outlives the
   * young generation and is copied into the old one for nothing.
   */
  constructor(
    readonly snapshot: Snapshot,
    options: Partial<EvaluatorOptions> = {},
    private readonly use: { wholeGrantLists?: boolean; oneCallerAtATime?: boolean } = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    this.index = SnapshotIndex.of(snapshot);
  }

  /**
   * The grants to evaluate `caller` with. A list read in part (Key.grantsPartial) holds every grant
   * to the grantee values it was read for and the grants it was read by id: it is the whole truth
   * for a caller all of whose grantee forms are among them (the index keys under which the
   * evaluator looks grants up for the caller, see callerKeys) and, for RetireGrant, whose grant is
   * among them; for anyone else the grants are unknown, never "none".
   */
  private grantsOf(key: Key, caller: PrincipalRef, grantId: string | undefined): Unknowable<Grant[]> {
    const p = key.grantsPartial;
    if (p === undefined || isUnknown(key.grants)) return key.grants;
    if (this.use.wholeGrantLists === true) return p.whole;
    const covered = new Set<string>();
    for (const v of p.granteePrincipals) {
      const k = patternKey(compilePrincipalValue(v));
      if (k !== undefined) covered.add(k);
    }
    const keys = callerKeys(caller);
    if (keys.length === 0 || !keys.every((k) => covered.has(k))) return p.whole;
    if (grantId !== undefined && !p.grantIds.includes(grantId) && !key.grants.some((g) => g.grantId === grantId)) return p.whole;
    return key.grants;
  }

  /**
   * A caller's policies compiled, as one list per list of policies: every world of the caller (one
   * per key and mode) reads the same list, found once instead of policy by policy, and with it
   * the statements per action and effect its scans read (StatementLists).
   */
  private compileAll(list: readonly Policy[]): StatementLists {
    let c = this.compiledLists.get(list);
    if (c === undefined) {
      c = new StatementLists(list.map((p) => this.compile(p)));
      this.compiledLists.set(list, c);
    }
    return c;
  }
  private readonly compiledLists = new WeakMap<readonly Policy[], StatementLists>();

  compile(p: Policy): CompiledPolicy {
    let c = this.compiled.get(p);
    if (c === undefined) {
      c = this.sharedManaged(p) ?? compilePolicy(p);
      this.compiled.set(p, c);
    }
    return c;
  }

  /**
   * A managed policy appears once per role that attaches it, each copy parsed separately; the
   * copies with the same ARN, name and statements share one compiled policy (what was compiled for
   * one role serves every other). Comparing the statements costs far less than compiling them.
   */
  private sharedManaged(p: Policy): CompiledPolicy | undefined {
    if (p.arn === undefined) return undefined;
    const k = `${p.source}|${p.arn}`;
    const list = this.byArn.get(k);
    if (list !== undefined) {
      for (const c of list) if (c.policy.name === p.name && sameStatements(c.policy, p)) return c;
    }
    const c = compilePolicy(p);
    if (list === undefined) this.byArn.set(k, [c]);
    else if (list.length < 8) list.push(c);
    return c;
  }

  private standIn(source: PolicySource, what: string, effect: 'Allow' | 'Deny'): CompiledPolicy {
    const k = `${source}|${what}|${effect}`;
    let c = this.standIns.get(k);
    if (c === undefined) {
      c = compilePolicy(stand(source, standInPolicyName(what), effect, source === 'key-policy'));
      this.standIns.set(k, c);
    }
    return c;
  }

  /** Finds a key by key id, key ARN, alias name or alias ARN. */
  /** A key by any identifier; `account`: the caller's, which an alias name or key id is looked up in first. */
  findKey(identifier: string, account?: string): Key | undefined {
    if (this.lastKey !== undefined && this.lastKey[0] === identifier && this.lastKey[2] === account) return this.lastKey[1];
    const k = this.index.key(identifier, account);
    this.lastKey = [identifier, k, account];
    return k;
  }

  /** The caller's policies from the snapshot; a session takes its role's entry (contract). */
  private callerSources(caller: PrincipalRef): CallerSources | null {
    if (caller.kind === 'root' || caller.kind === 'service') return KNOWN_NONE;
    let own: PrincipalPolicies | undefined = this.index.own(caller.arn);
    // A session without an entry of its own has exactly its role's sources: one object for all.
    const cacheKey = own === undefined && caller.kind === 'assumed-role' ? `role:${caller.account}:${caller.roleName}` : caller.arn;
    const hit = this.callerCache.get(cacheKey);
    if (hit !== undefined) return hit;
    let role: PrincipalPolicies | undefined;
    let roleArn: string | undefined;
    if (own === undefined && (caller.kind === 'user' || caller.kind === 'role')) {
      const hit = this.index.first(caller.kind, caller.account, caller.name);
      if (hit) {
        own = hit.pp;
        roleArn = hit.pp.resolvedArn ?? hit.arn;
      }
    }
    if (caller.kind === 'assumed-role') {
      const hit = this.index.first('role', caller.account, caller.roleName ?? '');
      if (hit) {
        role = hit.pp;
        roleArn = hit.pp.resolvedArn ?? hit.arn;
      }
    }
    let result: CallerSources | null = null;
    const base = own ?? role;
    if (base !== undefined) {
      const ownTags = own !== undefined && !isUnknown(own.tags) && Object.keys(own.tags).length > 0;
      const tagsFrom: PrincipalPolicies = own !== undefined && ownTags ? own : (role ?? base);
      result = {
        identity: own !== undefined && role !== undefined && isUnknownOrEmptyList(own.identityPolicies) ? role.identityPolicies : base.identityPolicies,
        boundary: own !== undefined && role !== undefined && own.permissionsBoundary === null ? role.permissionsBoundary : base.permissionsBoundary,
        session: own?.sessionPolicies ?? [],
        tags: tagsFrom.tags,
        principalArn: caller.kind === 'assumed-role' ? (roleArn ?? roleArnOf(caller)) : (base.resolvedArn ?? roleArn ?? caller.arn),
        uniqueId: caller.kind === 'assumed-role' ? (role?.uniqueId ?? own?.uniqueId) : base.uniqueId,
      };
      if (tagsFrom.tagsAbsent !== undefined) result.tagsAbsent = tagsFrom.tagsAbsent;
      if (caller.kind === 'assumed-role' && !ownTags) result.roleTags = true;
      // aws:PrincipalArn of a session is its role's ARN with the role's path, which only the
      // role's entry gives (docs/semantics.md#request-context): never guessed as no path.
      if (caller.kind === 'assumed-role' && role === undefined) {
        const given = own?.resolvedArn;
        const r = given === undefined ? null : parsePrincipal(given);
        if (r !== null && r.kind === 'role' && r.partition === caller.partition && r.account === caller.account && r.name === caller.roleName) {
          result.principalArn = given;
        } else {
          result.principalArn = undefined;
          result.principalArnUnknown = rolePathNotInSnapshot(roleArnOf(caller));
        }
      }
    }
    this.callerCache.set(cacheKey, result);
    return result;
  }

  /**
   * The identity, boundary and session policies and the tags the evaluator reads for this caller
   * (null: the caller is not in the snapshot). who-can compares callers by what they read.
   */
  sourcesOf(principal: string): Readonly<CallerSources> | null {
    return this.callerSources(this.parseCaller(principal));
  }

  /** The context keys of a request on this key that depend only on its caller and the key (who-can compares callers by them). */
  callerContext(principal: string, key: Key): RequestContext {
    const caller = this.parseCaller(principal);
    const res = this.resolution({ action: 'kms:DescribeKey', principal, keyArn: key.metadata.arn }, caller, key, true);
    if (res.sessionKeys === undefined || res.sessionKeys.length === 0) return res.baseCtx;
    const values = new Map(res.baseCtx.values);
    for (const [k, v] of res.sessionKeys) values.set(k, v);
    return { ...res.baseCtx, values };
  }

  private parseCaller(text: string): PrincipalRef {
    if (this.lastCaller !== undefined && this.lastCaller[0] === text) return this.lastCaller[1];
    let p = this.callerRefs.get(text);
    if (p === undefined) {
      const parsed = parsePrincipal(text);
      if (parsed === null) throw new RequestError({ kind: 'invalid-principal', principal: text });
      if (parsed.kind === 'unique-id') throw new RequestError({ kind: 'unique-id', principal: text });
      p = parsed;
      this.callerRefs.set(text, p);
    }
    this.lastCaller = [text, p];
    return p;
  }

  /**
   * Everything about a request that depends on its caller and key but not on its action: the
   * caller's sources, the unreadable inputs and the worlds. Kept for the last few (caller, key)
   * pairs, since callers evaluate many actions for one principal in a row.
   */
  private resolution(request: Request, caller: PrincipalRef, key: Key | undefined, keyOp: boolean): Resolution {
    const last = this.lastResolution;
    if (last !== undefined && sameResolution(last, request, caller, key, keyOp)) return last;
    // A caller asked again (a report over many keys, a service answering the same callers) finds
    // its resolution by its principal text without building a key of every field.
    const list = this.resolutions.get(request.principal);
    if (list !== undefined) {
      for (const hit of list) {
        if (sameResolution(hit, request, caller, key, keyOp)) {
          this.lastResolution = hit;
          return hit;
        }
      }
    }
    if (list === undefined && this.use.oneCallerAtATime === true) {
      // A new caller: who-can asks the last one nothing more. Worlds and a role's shared context
      // are kept by caller too (a role's sessions share them).
      // New maps, not cleared ones. Map#clear gives a map a new table and leaves the old one,
      // with its pointers, to the collector: once the map is in the old generation, every
      // young-generation collection counts what that table points to (the last callers'
      // resolutions and worlds) as alive until the next full collection, so they are promoted and
      // keep what they point to alive in turn. A caller's maps die young with its resolutions.
      this.resolutions = new Map();
      this.resolutionCount = 0;
      this.worldCache = new Map();
      this.roleShares = new Map();
    }
    const callerAccount = caller.kind === 'service' ? undefined : (request.callerAccount ?? caller.account);
    let cs = this.callerSources(caller);
    // A session whose role the snapshot lacks: the role's path, in aws:PrincipalArn, is unknown.
    let principalArnUnknown: UnknownInput | undefined = cs?.principalArnUnknown;
    if (cs === null) {
      const u = principalNotInSnapshot(caller.arn);
      cs = { identity: u, boundary: u, session: u, tags: u, principalArn: undefined };
      if (caller.kind === 'assumed-role') principalArnUnknown = u;
    }
    const keyPolicy: Unknowable<Policy> | null = key === undefined ? null : key.policy;
    const grants: Unknowable<Grant[]> = key === undefined ? [] : this.grantsOf(key, caller, request.grantId);
    // SCPs apply to the caller as scpAccountOf says; RCPs to the key as rcpsOnKey says, for the
    // action classes rcpsRestrict says (per action, below).
    const org = this.snapshot.organization;
    const scpAccount = scpAccountOf(caller, callerAccount, org);
    const scpsUnknown = scpAccount !== undefined ? this.orgPoliciesUnknown('scp', scpAccount) : undefined;
    const rcpsUnknown = key !== undefined && rcpsOnKey(key, org) !== 'no' ? this.orgPoliciesUnknown('rcp', key.metadata.account) : undefined;
    const principalArn = principalArnUnknown !== undefined ? undefined : (cs.principalArn ?? defaultPrincipalArn(caller));
    const ctxInput = {
      request,
      caller,
      callerAccount,
      principalArn,
      ...(principalArnUnknown !== undefined ? { principalArnUnknown } : {}),
      principalTags: isUnknown(cs.tags) ? ('unknown' as const) : cs.tags,
      ...(cs.tagsAbsent !== undefined ? { principalTagsAbsent: cs.tagsAbsent } : {}),
      key,
      principalId: cs.uniqueId,
      orgIdOf: this.orgIdOfFn,
    };
    let baseCtx: RequestContext;
    let worlds: Array<World | undefined>;
    let sessionCtx: Array<[string, string[]]> | undefined;
    // Grants read in part or not at all may differ between sessions (grantsOf, the permissive stand-in).
    if (caller.kind === 'assumed-role' && key?.grantsPartial === undefined && !isUnknown(grants)) {
      const shareKey = `${this.sourceId(cs)}|${caller.partition}|${caller.account}|${caller.roleName}|${key?.metadata.arn ?? ''}|${request.callerAccount ?? ''}|${request.grantId ?? ''}|${request.viaService ?? ''}|${request.at ?? ''}|${keyOp}`;
      let share = this.roleShares.get(shareKey);
      if (share === undefined) {
        share = { baseCtx: buildBaseContext(ctxInput, keyOp, false, this.sharedContexts), worlds: [] };
        if (this.roleShares.size >= 4096) this.roleShares.clear();
        this.roleShares.set(shareKey, share);
      }
      baseCtx = share.baseCtx;
      worlds = share.worlds;
      sessionCtx = sessionKeys(ctxInput);
    } else {
      baseCtx = buildBaseContext(ctxInput, keyOp, true, this.sharedContexts);
      worlds = [];
    }
    const res: Resolution = {
      caller,
      key,
      keyOp,
      callerAccountGiven: request.callerAccount,
      grantId: request.grantId,
      viaService: request.viaService,
      at: request.at,
      callerAccount,
      cs,
      keyPolicy,
      grants,
      principalArn,
      tags: isUnknown(cs.tags) ? 'unknown' : cs.tags,
      scpsUnknown,
      rcpsUnknown,
      anyUnknown:
        scpsUnknown !== undefined ||
        rcpsUnknown !== undefined ||
        (keyPolicy !== null && isUnknown(keyPolicy)) ||
        isUnknown(grants) ||
        isUnknown(cs.identity) ||
        isUnknown(cs.boundary) ||
        isUnknown(cs.session) ||
        isUnknown(cs.tags) ||
        key?.tagsUnknown !== undefined ||
        key?.metadataUnknown !== undefined,
      baseCtx,
      sessionKeys: sessionCtx,
      worlds,
    };
    this.lastResolution = res;
    // Bounded by resolutions, not callers (who-can asks each caller about every key).
    if (this.resolutionCount >= 4096) {
      this.resolutions.clear();
      this.resolutionCount = 0;
    }
    const kept = this.resolutions.get(request.principal);
    if (kept === undefined) this.resolutions.set(request.principal, [res]);
    else kept.push(res);
    this.resolutionCount++;
    return res;
  }

  /** The organization id of an account, when the snapshot says it is a member and names the organization. */
  orgIdOf(account: string): string | undefined {
    const org = this.snapshot.organization;
    if (org?.id === undefined) return undefined;
    return this.isMember(account) ? org.id : undefined;
  }

  /** Whether the snapshot's Organization names the account (as its management account, in a map or in Accounts). */
  private isMember(account: string): boolean {
    const org = this.snapshot.organization;
    if (org === undefined) return false;
    return (
      account === org.managementAccountId ||
      account in org.serviceControlPolicies ||
      account in org.resourceControlPolicies ||
      (org.accounts ?? []).includes(account)
    );
  }

  /**
   * The SCPs (RCPs) of an account when no input gives any SCP (RCP): the snapshot has no
   * Organization, or one without a map of that kind (nor did --scp-file/--rcp-file give one).
   * kms-why evaluates none, so a verdict holds only if they allow it too (OrgPoliciesNotGiven).
   */
  private notGiven(kind: 'scp' | 'rcp', account: string): OrgPoliciesNotGiven | undefined {
    const org = this.snapshot.organization;
    if (org !== undefined && Object.keys(kind === 'scp' ? org.serviceControlPolicies : org.resourceControlPolicies).length > 0) return undefined;
    const n: OrgPoliciesNotGiven = { kind, account };
    if (this.isMember(account)) {
      n.member = true;
      if (org?.id !== undefined) n.organizationId = org.id;
    }
    return n;
  }

  /** The SCPs that would restrict this caller (scpAccountOf), when no input gives any SCP. */
  scpsNotGiven(principal: string, callerAccount?: string): OrgPoliciesNotGiven | undefined {
    const caller = this.parseCaller(principal);
    const account = scpAccountOf(caller, caller.kind === 'service' ? undefined : (callerAccount ?? caller.account), this.snapshot.organization);
    return account === undefined ? undefined : this.notGiven('scp', account);
  }

  /** The RCPs that would (or, on a key whose metadata is unknown, may) restrict this action on this key, when no input gives any RCP. */
  rcpsNotGiven(action: ActionInfo, key: Key): OrgPoliciesNotGiven | undefined {
    return rcpsRestrict(action) && rcpsOnKey(key, this.snapshot.organization) !== 'no' ? this.notGiven('rcp', key.metadata.account) : undefined;
  }

  /** The SCPs and RCPs that would restrict this request and that no input gives (none: []). */
  orgPoliciesNotGiven(request: Request): OrgPoliciesNotGiven[] {
    const action = findAction(request.action);
    if (action === undefined) return [];
    const caller = this.parseCaller(request.principal);
    const out: OrgPoliciesNotGiven[] = [];
    const scp = this.scpsNotGiven(request.principal, request.callerAccount);
    if (scp !== undefined) out.push(scp);
    const ident = request.keyArn ?? request.keyIdentifier;
    const key = action.cls === 'iam-only' || ident === undefined ? undefined : this.findKey(ident, request.callerAccount ?? caller.account);
    const rcp = key === undefined ? undefined : this.rcpsNotGiven(action, key);
    if (rcp !== undefined) out.push(rcp);
    return out;
  }

  evaluate(request: Request, opts: EvaluateOptions = {}): Decision {
    // Without the explanation there are no hints, so nothing to verify: the fast path stays fast.
    if (opts.explain === false || opts.verifyHints === false) return this.withOrgNotGiven(this.evaluateAll(request, opts), request, opts);
    return this.withOrgNotGiven(this.explained(request, 0), request, opts);
  }

  /** An explained decision records the organization policies no input gives (in place: hints are kept by the decision object). */
  private withOrgNotGiven(d: Decision, request: Request, opts: EvaluateOptions): Decision {
    if (opts.explain === false) return d;
    const n = this.orgPoliciesNotGiven(request);
    if (n.length > 0) d.orgPoliciesNotGiven = n;
    return d;
  }

  private explained(request: Request, depth: number): Decision {
    return this.verified(request, this.evaluateAll(request, {}), depth);
  }

  private evaluateAll(request: Request, opts: EvaluateOptions): Decision {
    const main = this.evaluateOne(request, opts);
    // evaluateOne has refused an unknown action, and a key action on a key the snapshot does not have.
    const action = findAction(request.action);
    if (action === undefined || !hasCompanions(action.name)) return main;
    const key = this.findKey(request.keyArn ?? request.keyIdentifier ?? '');
    if (key === undefined) return main;
    // A request the key state fails still reports its authorization, which is the one it would get
    // on a key in a working state: the further permissions are part of it. Only a denied
    // authorization needs nothing more.
    const keyStateOnly = main.decidedBy === 'key-state' && main.authorization !== 'deny';
    if (main.decision === 'deny' && !keyStateOnly) return main;
    const parts = this.companions(request, action, key, opts);
    if (parts.length === 0) return main;
    const out = combineParts(
      main,
      parts,
      opts.explain !== false ? new Recorder(true, opts.verifyHints !== false, opts.trace !== false) : SILENT,
      this.options.authorizeBeforeKeyState,
    );
    // Verdict only, unknown solely through further permissions the inputs cannot name (the request
    // and every named one authorized): the notes the explanation would give as deciding are those
    // parts' (Recorder.companionUnknown); an authorized walk names no deciding note and no missing key.
    if (opts.explain === false && out.authorization === 'unknown' && main.authorization === 'allow' && main.unreadable.length === 0) {
      const notes: HintNote[] = [];
      for (const p of parts) {
        if (!('missing' in p)) {
          if ((p.authorizationOnly ? p.decision.authorization : p.decision.decision) !== 'allow' || p.decision.unreadable.length > 0) return out;
        } else notes.push({ kind: 'companion-unknown', action: main.action, what: p.what, missing: p.missing });
      }
      UNKNOWN_NOTES.set(out, notes);
    }
    return out;
  }

  /**
   * Every hint that proposes a change (to the request, the policies or the grants) is applied to a
   * copy of the inputs and the request evaluated again; only those that turn the verdict into an
   * allow are printed. A change that is not enough alone is printed together with the verified
   * change that completes it (one level deep), so that no printed hint leaves the request denied.
   */
  private verified(request: Request, d: Decision, depth: number): Decision {
    const proposals = HINT_PROPOSALS.get(d);
    // No entry in VERIFIED_HINTS reads as none: an allow (most decisions) adds no weak-map entry.
    if (proposals === undefined || d.decision === 'allow') return d;
    // The same request on the same inputs makes the same proposals with the same outcome: a
    // request asked again (a warm pass, a report over many actions) verifies nothing twice. An
    // evaluator's snapshot and options never change and deciding is pure, so the request alone
    // says which proposals it makes (writing them into the key cost more than the lookup saves).
    const memoKey = `${depth}|${JSON.stringify(request)}`;
    let kept = this.verifiedMemo.get(memoKey);
    if (kept === undefined) {
      kept = this.verify(request, proposals, depth);
      if (this.verifiedMemo.size >= 4096) this.verifiedMemo.clear();
      this.verifiedMemo.set(memoKey, kept);
    }
    if (kept.length > 0) VERIFIED_HINTS.set(d, [...kept]);
    for (const p of kept) if (!d.hints.some((h) => sameNote(h, p.note))) d.hints.push(p.note);
    return d;
  }

  private verify(request: Request, proposals: HintProposal[], depth: number): HintProposal[] {
    const kept: HintProposal[] = [];
    const seen = new Set<string>();
    // Bounded: a policy with hundreds of near misses must not cost hundreds of evaluations.
    let completions = depth === 0 ? 4 : 0;
    for (const p of proposals.slice(0, 8)) {
      const sig = editSignature(p);
      if (seen.has(sig)) continue;
      const r = this.tryProposal(request, p);
      if (r === undefined) continue;
      if (r.verdict === 'allow') {
        seen.add(sig);
        kept.push(p);
        continue;
      }
      if (completions === 0 || r.verdict !== 'deny') continue;
      completions--;
      let next: HintProposal | undefined;
      try {
        next = VERIFIED_HINTS.get(r.ev.explained(r.request, depth + 1))?.[0];
      } catch {
        next = undefined;
      }
      if (next === undefined) continue;
      const both: HintProposal = { ...p, note: { kind: 'also', first: p.note, second: next.note }, next };
      const sig2 = editSignature(both);
      if (seen.has(sig2)) continue;
      seen.add(sig2);
      kept.push(both);
    }
    return kept;
  }

  /** The verdict with the proposal applied; undefined when it cannot be applied to these inputs. */
  private tryProposal(request: Request, p: HintProposal): { verdict: Decision['decision']; ev: Evaluator; request: Request } | undefined {
    try {
      const base = hasEdits(p) ? this.narrowed(request, p) : this.snapshot;
      const changed = applyProposal(base, request, p);
      const ev = changed.snapshot === this.snapshot ? this : this.child(changed.snapshot);
      return { verdict: ev.evaluate(changed.request, { explain: false }).decision, ev, request: changed.request };
    } catch {
      // A change that cannot be applied (the policy is not in the snapshot, the input is
      // unreadable) or a request it makes invalid is not a hint kms-why can vouch for.
      return undefined;
    }
  }

  /** An evaluator of changed inputs that shares the compiled forms of the policies left unchanged. */
  private child(snapshot: Snapshot): Evaluator {
    const ev = new Evaluator(snapshot, this.options);
    ev.compiled = this.compiled;
    ev.byArn = this.byArn;
    ev.standIns = this.standIns;
    ev.callerRefs = this.callerRefs;
    return ev;
  }

  /**
   * The snapshot as the evaluation of `request` with the proposal's changes reads it: every key and
   * the organization, but of the principal entries only those the caller (and a principal the
   * proposal attaches a policy to) can read, in their order. Changing a copy of 5,000 roles to
   * verify one hint of one caller costs what 5,000 roles cost; this costs what the caller costs.
   * A managed policy is changed in each copy the evaluation reads, as it would be in all of them.
   */
  private narrowed(request: Request, p: HintProposal): Snapshot {
    const wanted = new Map<string, PrincipalEntry>();
    const add = (principal: string): void => {
      for (const e of this.index.entriesOf(principal)) wanted.set(e.arn, e);
    };
    add(request.principal);
    for (let q: HintProposal | undefined = p; q !== undefined; q = q.next) {
      for (const e of q.edits ?? []) if (e.kind === 'attach-identity-policy') add(e.principal);
    }
    const principals: Record<string, PrincipalPolicies> = {};
    // entriesOf gives each principal's entries in snapshot order; merged, they must keep it.
    const order = [...wanted.values()];
    if (order.length > 1) order.sort((a, b) => a.order - b.order);
    for (const e of order) principals[e.arn] = e.pp;
    return { ...this.snapshot, principals };
  }

  /**
   * The other permissions some actions need besides the one on their key (each evaluated as a
   * request of its own): UpdateAlias on the key the alias points to now; ReplicateKey kms:CreateKey
   * (and kms:TagResource with tags) in an identity policy; UpdatePrimaryRegion on the replica too.
   */
  private companions(request: Request, action: ActionInfo, key: Key, opts: EvaluateOptions): Part[] {
    const m = key.metadata;
    const ctx = request.context ?? {};
    const onKey = (k: Key): Request => {
      const r: Request = { ...request, keyArn: k.metadata.arn };
      delete r.keyIdentifier;
      return r;
    };
    const parts: Part[] = [];
    if (action.short === 'UpdateAlias') {
      // "kms:UpdateAlias on the alias, on the key it is associated with now, and on the new
      // target key" [KMS-ALIASAUTH, API UpdateAlias].
      const aliasArn = request.aliasArn ?? request.keyIdentifier;
      if (aliasArn === undefined) return parts;
      const name = aliasArn.slice(aliasArn.indexOf('alias/'));
      if (!name.startsWith('alias/')) return parts;
      const current = this.aliasTarget(aliasArn, key);
      if (current === key) return parts;
      if (current !== undefined)
        parts.push({
          what: { kind: 'alias-current-key', alias: name, keyArn: current.metadata.arn },
          decision: this.evaluateOne({ ...onKey(current), aliasSourcePart: true }, opts),
          authorizationOnly: true,
        });
      else parts.push({ what: { kind: 'alias-current-key', alias: name }, missing: { kind: 'alias-target-unknown', alias: name } });
      return parts;
    }
    if (action.short === 'ReplicateKey') {
      // The replica is created in the other Region: kms:CreateKey there (IAM only), and
      // kms:TagResource when the request tags it [API ReplicateKey, KMS multi-Region keys].
      const region = givenValue(request, 'kms:ReplicaRegion');
      const sub: Request = { action: 'kms:CreateKey', principal: request.principal, createsReplica: true };
      for (const k of ['callerAccount', 'viaService', 'viaServiceUnknown', 'at'] as const)
        if (request[k] !== undefined) (sub as unknown as Record<string, unknown>)[k] = request[k];
      sub.context = { ...ctx, ...(region !== undefined ? { 'aws:RequestedRegion': region } : {}) };
      parts.push({
        what: region !== undefined ? { kind: 'replica-create-key', region } : { kind: 'replica-create-key' },
        decision: this.createKeyPart(sub, opts),
      });
      const tagged = Object.keys(ctx).some((k) => k.toLowerCase() === 'aws:tagkeys' || k.toLowerCase().startsWith('aws:requesttag/'));
      if (tagged) {
        if (region === undefined) parts.push({ what: { kind: 'replica-tag' }, missing: { kind: 'replica-region-unknown' } });
        else {
          const replicaArn = `arn:${m.partition}:kms:${region}:${m.account}:key/${m.keyId}`;
          parts.push({
            what: { kind: 'replica-tag', replicaArn },
            decision: this.evaluateOne({ ...sub, action: 'kms:TagResource' }, opts, replicaArn),
          });
        }
      }
      return parts;
    }
    // UpdatePrimaryRegion: "permission on both the primary key and the replica key" [KMS
    // multi-Region keys: controlling access]; the replica is the key of the same id in kms:PrimaryRegion.
    const region = givenValue(request, 'kms:PrimaryRegion');
    const replicas = this.snapshot.keys.filter(
      (k) => k !== key && k.metadata.keyId === m.keyId && k.metadata.account === m.account && (region === undefined || k.metadata.region === region),
    );
    if (replicas.length === 1)
      parts.push({
        what: { kind: 'replica-key', keyArn: replicas[0]!.metadata.arn },
        decision: this.evaluateOne({ ...onKey(replicas[0]!), replicaPart: true }, opts),
      });
    else if (region === undefined) parts.push({ what: { kind: 'replica-key' }, missing: { kind: 'primary-region-unknown' } });
    else
      parts.push({
        what: { kind: 'replica-key', region },
        missing: { kind: 'replica-not-in-snapshot', keyId: m.keyId, region, partition: m.partition, account: m.account },
      });
    return parts;
  }

  /** The key of the snapshot an alias (name or ARN) is associated with now, in the alias's account and the key's Region. */
  private aliasTarget(aliasArn: string, key: Key): Key | undefined {
    const name = aliasArn.slice(aliasArn.indexOf('alias/'));
    if (!name.startsWith('alias/')) return undefined;
    const m = key.metadata;
    const acct = /^arn:[^:]+:kms:[^:]*:(\d{12}):/.exec(aliasArn)?.[1] ?? m.account;
    return this.snapshot.keys.find((k) => k.aliases.includes(name) && k.metadata.account === acct && k.metadata.region === m.region);
  }

  /**
   * ReplicateKey's kms:CreateKey, decided by the caller's identity policies alone, the same for
   * every key: a report over many keys (who-can) asks it once per caller, not once per key. Only
   * verdicts are kept (a decision is pure, and combineParts copies what it takes from it).
   */
  private createKeyPart(sub: Request, opts: EvaluateOptions): Decision {
    if (opts.explain !== false) return this.evaluateOne(sub, opts);
    const memoKey = `${sub.principal}|${sub.callerAccount ?? ''}|${sub.viaService ?? ''}|${sub.viaServiceUnknown === true}|${sub.at ?? ''}|${JSON.stringify(sub.context ?? {})}`;
    let d = this.createKeyMemo.get(memoKey);
    if (d === undefined) {
      d = this.evaluateOne(sub, opts);
      if (this.createKeyMemo.size >= 8192) this.createKeyMemo.clear();
      this.createKeyMemo.set(memoKey, d);
    }
    return d;
  }
  private readonly createKeyMemo = new Map<string, Decision>();

  /** One request on one key. `iamOnlyResource`: authorize the action by identity policies alone on that resource. */
  private evaluateOne(request: Request, opts: EvaluateOptions = {}, iamOnlyResource?: string): Decision {
    const explain = opts.explain !== false;
    const found = findAction(request.action);
    if (found === undefined) throw new RequestError({ kind: 'unknown-action', action: request.action });
    const action: ActionInfo = iamOnlyResource === undefined ? found : { ...found, cls: 'iam-only' };
    let caller = this.parseCaller(request.principal);

    let key: Key | undefined;
    if (action.cls !== 'iam-only') {
      const ident = request.keyArn ?? request.keyIdentifier;
      if (ident === undefined) throw new RequestError({ kind: 'no-key', action: action.name });
      key = this.findKey(ident, request.callerAccount ?? caller.account);
      if (key === undefined) {
        throw new RequestError({ kind: 'key-not-in-snapshot', key: ident, snapshotKeys: this.snapshot.keys.map((k) => [k.metadata.arn, ...k.aliases]) });
      }
      // A bare account id says no partition: it is the account's root user in the key's (accountRootIn).
      if (caller.kind === 'root' && caller.partition !== key.metadata.partition) {
        const root = accountRootIn(request.principal, key.metadata.partition);
        if (root !== undefined) caller = this.parseCaller(root.arn);
      }
    }
    const res = this.resolution(request, caller, key, isKeyOp(action));
    const { cs, keyPolicy, grants, callerAccount } = res;
    let notes: HintNote[] = caller.kind === 'role' ? [{ kind: 'role-as-caller', role: caller.arn }] : NO_NOTES;
    if (action.takesEncryptionContext && key !== undefined && !takesContext(key) && Object.keys(request.encryptionContext ?? {}).length > 0)
      notes = [...notes, { kind: 'context-on-asymmetric-key', keySpec: key.metadata.keySpec }];
    if (action.short === 'CreateGrant' && Object.keys(request.encryptionContext ?? {}).length > 0) notes = [...notes, { kind: 'context-on-create-grant' }];
    if (request.viaService !== undefined) {
      const listed = documentedViaService(request.viaService);
      if (!listed.documented) {
        const n: HintNote = { kind: 'via-service-not-listed', viaService: request.viaService, service: listed.label };
        if (listed.instead !== undefined) n.instead = listed.instead;
        notes = [...notes, n];
      }
    }

    // The inputs this action depends on that could not be read (none, usually: skip the work).
    const unknowns: UnknownInput[] = [];
    if (res.anyUnknown) {
      const relevant = (x: unknown): void => {
        if (isUnknown(x) && !unknowns.includes(x)) unknowns.push(x);
      };
      // Every action class: SCPs limit IAM-only actions too. RCPs: those rcpsRestrict says.
      if (res.scpsUnknown !== undefined) relevant(res.scpsUnknown);
      if (res.rcpsUnknown !== undefined && rcpsRestrict(action)) relevant(res.rcpsUnknown);
      if (action.cls !== 'iam-only') {
        relevant(keyPolicy);
        if (key?.tagsUnknown !== undefined) relevant(key.tagsUnknown);
        if (key?.metadataUnknown !== undefined) relevant(key.metadataUnknown);
      }
      if (action.grantOperation !== undefined) relevant(grants);
      if (caller.kind !== 'service') {
        relevant(cs.identity);
        relevant(cs.boundary);
        if (caller.kind === 'assumed-role' || caller.kind === 'federated-user') relevant(cs.session);
        relevant(cs.tags);
      }
    }

    // A key-state failure that turns on what the key's metadata does not record (keyStateDoubt).
    if (key !== undefined && key.metadataUnknown === undefined && action.cls !== 'iam-only' && mayDoubtKeyState(key.metadata)) {
      const doubt = keyStateDoubt(action, request.replicaPart === true, key.metadata);
      if (doubt !== undefined && !unknowns.includes(doubt.input)) unknowns.push(doubt.input);
    }

    const aliasArn =
      action.cls !== 'alias'
        ? undefined
        : request.aliasArn !== undefined
          ? (aliasArnFor(request.aliasArn, key) ?? request.aliasArn)
          : ((request.keyIdentifier && /:alias\//.test(request.keyIdentifier) ? request.keyIdentifier : undefined) ?? aliasArnFor(request.keyIdentifier, key));
    const orgVariant = action.cls === 'iam-only' || action.cls === 'retire-grant' ? 'no-rcp' : 'rcp';

    let built: { targetGrant: Grant | undefined; ctx: RequestContext; r: Resolved } | undefined;
    const run = (mode: Mode, withExplain: boolean): Decision => {
      const slot = WORLD_SLOTS[mode][orgVariant];
      let w = res.worlds[slot];
      if (w === undefined) {
        const wk = WORLD_KEYS[mode][orgVariant];
        // Only a stand-in for unreadable grants names the caller; otherwise a world depends on the
        // caller's sources, account and (for SCPs) role name, all shared by the role's sessions.
        const callerPart =
          mode === 'permissive' && isUnknown(grants)
            ? `${caller.arn}|${request.grantId ?? ''}`
            : caller.kind === 'assumed-role'
              ? (caller.roleName ?? '')
              : caller.arn;
        // A grant list read in part is known for some callers and unknown for others (grantsOf).
        const shared = `${this.sourceId(cs)}|${key?.metadata.arn ?? ''}|${wk}|${callerAccount ?? ''}|${callerPart}${key?.grantsPartial !== undefined && isUnknown(grants) ? '|grants?' : ''}`;
        w = this.worldCache.get(shared);
        if (w === undefined) {
          const org = this.orgLevels(action, caller, callerAccount, key, mode, res);
          w = this.world(mode, { keyPolicy, grants, cs, org, caller, request, partial: isUnknown(grants) ? undefined : key?.grantsPartial });
          if (this.worldCache.size >= 20000) this.worldCache.clear();
          this.worldCache.set(shared, w);
        }
        res.worlds[slot] = w;
      }
      const targetGrant = action.cls === 'retire-grant' ? findGrant(w.grants, request) : undefined;
      // The context and the resolved request are the same in every world (but for the grant a
      // RetireGrant names, which the world's grants hold): built once for this request.
      if (built === undefined || built.targetGrant !== targetGrant) {
        const input: ContextInput = { action, request, caller, callerAccount, principalArn: res.principalArn, principalTags: res.tags, key };
        if (targetGrant !== undefined) input.targetGrant = targetGrant;
        const r: Resolved = {
          request,
          action,
          caller,
          callerAccount,
          key,
          keyArn: key?.metadata.arn,
          aliasArn,
          options: this.options,
          notes,
          targetGrant,
          grantTokens: this.index.grantTokens(),
        };
        if (iamOnlyResource !== undefined) r.iamResource = iamOnlyResource;
        if (aliasArn !== undefined && key !== undefined) {
          const current = this.aliasTarget(aliasArn, key);
          if (current !== undefined) r.aliasCurrent = current;
        }
        if (cs.roleTags === true) r.roleTags = true;
        built = { targetGrant, ctx: buildContext(input, res.baseCtx, res.sessionKeys), r };
      }
      const { ctx, r } = built;
      const env: ConditionEnv = withExplain
        ? { ctx, bias: w.bias, touched, assumed: new Set(), biasedSides: 0 }
        : { ctx, bias: w.bias, touched, biasedSides: 0 };
      const d = decide(r, w, env, withExplain, withExplain && opts.verifyHints !== false, withExplain && opts.trace !== false);
      lastSides = env.biasedSides ?? 3;
      // Made by the first condition that consulted an unknown key; kept for the next walks.
      touched = env.touched;
      return d;
    };
    /** The biased answers the last walk gave (1: Allow side, 2: Deny side). */
    let lastSides = 3;

    // Keys the request does not carry and kms-why cannot derive (aws:SourceIp, …) matter only when
    // a condition consults them: decide once, and in both worlds only if one did.
    let touched: Map<string, UnknownKeyInfo> | undefined;
    let actual: { d: Decision; sides: number; touched: number } | undefined;
    if (unknowns.length === 0) {
      const d = run('actual', explain);
      if (touched === undefined) return d;
      // With every input read, the three worlds differ in their bias alone (world()): the actual
      // walk is the walk of a biased world whose bias it never contradicted (env.biasedSides).
      if (!res.anyUnknown) actual = { d, sides: lastSides, touched: touched.size };
    }
    // A biased world whose bias the actual walk never contradicted takes every branch the actual
    // walk took (each condition it consults answers as in the actual world): its verdict is the
    // actual one, and it touches no key the actual walk did not. Only the verdict and authorization
    // of these two walks are read when explaining (the explanation comes from explained()); without
    // it, the actual walk's decision is the biased walk's, field for field.
    // Only the notes of an unknown verdict (EvaluateOptions.unknownNotes): the permissive world's
    // walk, explained, as explained('permissive') gives it when the actual walk is not that walk
    // (its verdict is the same walk's). It is walked before the restrictive world, so it may count
    // fewer touched keys as assumed; the notes and missing keys do not read them.
    const withNotes = !explain && opts.unknownNotes === true;
    const permissive = withNotes ? run('permissive', true) : actual !== undefined && (actual.sides & 1) === 0 ? actual.d : run('permissive', false);
    const restrictive = actual !== undefined && (actual.sides & 2) === 0 ? actual.d : run('restrictive', false);
    // The explained walk in a biased world, or the actual one's when it is the same walk: the same
    // biased answers, and no key touched in the other worlds that the explanation would count
    // (Recorder.assumeTouched reads every key touched so far).
    const explained = (mode: 'permissive' | 'restrictive'): Decision => {
      if (actual !== undefined && (touched?.size ?? 0) === actual.touched && (actual.sides & (mode === 'restrictive' ? 2 : 1)) === 0) return actual.d;
      return run(mode, true);
    };
    const supplied: Array<UnknownKeyInfo & { supply: string }> = [];
    if (touched !== undefined)
      for (const u of touched.values()) {
        if (u.supply !== undefined) supplied.push(u as UnknownKeyInfo & { supply: string });
        // Inputs consulted only through a condition key (aliases): they count once a condition read them.
        if (u.input !== undefined && !unknowns.includes(u.input)) unknowns.push(u.input);
      }
    if (permissive.decision === restrictive.decision) {
      // The reasons come from the world where they hold whatever the unknown says: the
      // restrictive one for an allow, the permissive one for a deny.
      const authAgrees = permissive.authorization === restrictive.authorization;
      const pick = (authAgrees ? permissive.authorization : permissive.decision) === 'allow' ? 'restrictive' : 'permissive';
      // With unknownNotes, the permissive walk was explained: its explanation is not this verdict's.
      const d = explain
        ? explained(pick)
        : pick === 'restrictive'
          ? restrictive
          : withNotes
            ? { ...permissive, trace: [], missingContext: [], hints: [], assumptions: [] }
            : permissive;
      if (!authAgrees) {
        d.authorization = 'unknown';
        d.reasons = [];
        // The walk explained is one world's: it may call the request authorized, which is unknown.
        d.hints = d.hints.map((h) => (h.kind === 'key-state' && h.authorized ? { ...h, authorized: false } : h));
      }
      d.unreadable = unknowns;
      if (explain) {
        for (const u of unknowns) d.hints.push({ kind: 'unreadable', what: u.what, reason: u.reason, decides: false });
        if (supplied.length > 0) d.hints.push({ kind: 'underivable-holds', names: [...new Set(supplied.map((u) => u.name))] });
      }
      return d;
    }
    const d = explain ? explained('permissive') : permissive;
    const result: Decision = {
      ...d,
      decision: 'unknown',
      decidedBy: 'unknown',
      authorization: 'unknown',
      reasons: [],
      unreadable: unknowns,
      missingContext: explain || withNotes ? [...new Set([...supplied.filter((u) => u.name.includes(':')).map((u) => u.name), ...d.missingContext])] : [],
      hints:
        explain || withNotes
          ? [
              ...unknowns.map(
                (u): HintNote => ({
                  kind: 'unreadable',
                  what: u.what,
                  reason: u.reason,
                  decides: true,
                  ...(u.neededPermission ? { neededPermission: u.neededPermission } : {}),
                }),
              ),
              ...supplied.map((u): HintNote => ({ kind: 'underivable-decides', name: u.name, supply: u.supply })),
              ...d.hints,
            ]
          : [],
    };
    delete result.keyStateError;
    // The reason a report gives for an unknown verdict no unreadable input or open step explains.
    const because = unknownCause(result.hints);
    if (because !== undefined) result.unknownBecause = because;
    return result;
  }

  private sourceId(cs: CallerSources): number {
    let id = this.sourceIds.get(cs);
    if (id === undefined) {
      id = ++this.nextSourceId;
      this.sourceIds.set(cs, id);
    }
    return id;
  }

  /**
   * The SCPs (RCPs) of a member account of the snapshot's organization that the snapshot gives
   * none for, while it gives them for other accounts: the organization uses them, and that
   * account's are not known, never "none" (docs/snapshot.md#what-absence-means). A member is an
   * account in Accounts or in the other map; the management account is never one (they do not
   * apply to it). One object per account, so that a verdict lists it once.
   */
  orgPoliciesUnknown(kind: 'scp' | 'rcp', account: string): UnknownInput | undefined {
    const org = this.snapshot.organization;
    if (org === undefined || account === org.managementAccountId) return undefined;
    const k = `${kind}|${account}`;
    let u = this.orgUnknowns.get(k);
    if (u === undefined) {
      const [map, other] =
        kind === 'scp' ? [org.serviceControlPolicies, org.resourceControlPolicies] : [org.resourceControlPolicies, org.serviceControlPolicies];
      const member = Object.hasOwn(other, account) || (org.accounts ?? []).includes(account);
      u = member && !Object.hasOwn(map, account) && Object.keys(map).length > 0 ? memberOrgPoliciesMissing(kind, account) : null;
      this.orgUnknowns.set(k, u);
    }
    return u ?? undefined;
  }
  private readonly orgUnknowns = new Map<string, UnknownInput | null>();

  private orgLevels(
    action: ActionInfo,
    caller: PrincipalRef,
    callerAccount: string | undefined,
    key: Key | undefined,
    mode: Mode,
    res: Pick<Resolution, 'scpsUnknown' | 'rcpsUnknown'>,
  ): { scps: OrgPolicyLevel[]; rcps: OrgPolicyLevel[]; scpsUnknown?: UnknownInput; rcpsUnknown?: UnknownInput } {
    const org = this.snapshot.organization;
    if (org === undefined) return { scps: [], rcps: [] };
    const scpAccount = scpAccountOf(caller, callerAccount, org);
    const scps: OrgPolicyLevel[] = scpAccount !== undefined ? (org.serviceControlPolicies[scpAccount] ?? []) : [];
    // Unknown SCPs (RCPs): the world stands in for them (world()).
    const unknownOnes: { scpsUnknown?: UnknownInput; rcpsUnknown?: UnknownInput } = {};
    if (res.scpsUnknown !== undefined) unknownOnes.scpsUnknown = res.scpsUnknown;
    let rcps: OrgPolicyLevel[] = [];
    // Whether a key whose metadata is unknown is customer managed is unknown too (an AWS managed
    // key's ARN looks the same): its RCPs apply in the restrictive world only, so that a verdict
    // they decide is unknown (metadataUnknown is among the request's unknowns, so the actual
    // world is not the one that decides).
    const on = key !== undefined ? rcpsOnKey(key, org) : 'no';
    if (key !== undefined && rcpsRestrict(action) && (on === 'yes' || (on === 'unknown' && mode === 'restrictive'))) {
      rcps = org.resourceControlPolicies[key.metadata.account] ?? [];
      if (res.rcpsUnknown !== undefined) unknownOnes.rcpsUnknown = res.rcpsUnknown;
    }
    return { scps, rcps, ...unknownOnes };
  }

  private world(
    mode: Mode,
    s: {
      keyPolicy: Unknowable<Policy> | null;
      grants: Unknowable<Grant[]>;
      cs: CallerSources;
      org: { scps: OrgPolicyLevel[]; rcps: OrgPolicyLevel[]; scpsUnknown?: UnknownInput; rcpsUnknown?: UnknownInput };
      caller: PrincipalRef;
      request: Request;
      /** The grants are a list read in part (that covers the caller). */
      partial: PartialGrants | undefined;
    },
  ): World {
    const permissive = mode === 'permissive';
    const bias: UnknownBias = mode === 'actual' ? null : permissive ? 'allow' : 'deny';
    const one = (v: Unknowable<Policy>, source: PolicySource, what: string): CompiledPolicy =>
      isUnknown(v) ? this.standIn(source, what, permissive ? 'Allow' : 'Deny') : this.compile(v);
    const keyPolicy = s.keyPolicy === null ? null : one(s.keyPolicy, 'key-policy', 'key policy');
    const identity = isUnknown(s.cs.identity)
      ? new StatementLists([this.standIn('identity-policy', 'identity policies', permissive ? 'Allow' : 'Deny')])
      : this.compileAll(s.cs.identity);
    const boundary = isUnknown(s.cs.boundary)
      ? permissive
        ? null
        : this.standIn('permissions-boundary', 'permissions boundary', 'Deny')
      : s.cs.boundary === null
        ? null
        : this.compile(s.cs.boundary);
    const session = isUnknown(s.cs.session)
      ? permissive
        ? []
        : [this.standIn('session-policy', 'session policies', 'Deny')]
      : this.compileAll(s.cs.session).policies;
    let grants: Grant[];
    if (isUnknown(s.grants)) {
      grants = permissive
        ? [
            {
              grantId: s.request.grantId ?? '(unreadable grants)',
              granteePrincipal: s.caller.arn,
              retiringPrincipal: s.caller.arn,
              operations: [
                'Decrypt',
                'Encrypt',
                'GenerateDataKey',
                'GenerateDataKeyPair',
                'GenerateDataKeyPairWithoutPlaintext',
                'GenerateDataKeyWithoutPlaintext',
                'ReEncryptFrom',
                'ReEncryptTo',
                'Sign',
                'Verify',
                'GenerateMac',
                'VerifyMac',
                'DeriveSharedSecret',
                'GetPublicKey',
                'DescribeKey',
                'CreateGrant',
                'RetireGrant',
              ],
              state: 'active',
              standIn: true,
            },
          ]
        : [];
    } else grants = s.grants;
    const index = SnapshotIndex.grantsByGrantee(grants);
    return {
      keyPolicy,
      grants,
      grantsFor: (caller, explain) => {
        const out: Grant[] = [];
        for (const k of callerKeys(caller)) for (const g of index.get(k) ?? []) out.push(g);
        if (explain && caller.kind === 'assumed-role') for (const g of index.get(`orphan:${caller.sessionName}`) ?? []) out.push(g);
        return out;
      },
      identity: identity.policies,
      identityLists: identity,
      boundary,
      session,
      // Organization policies not known: none in the permissive world, a Deny of everything in the
      // restrictive one (they can only restrict).
      scps:
        s.org.scpsUnknown !== undefined
          ? permissive
            ? []
            : [[this.standIn('scp', s.org.scpsUnknown.what, 'Deny')]]
          : s.org.scps.map((l) => l.policies.map((p) => this.compile(p))),
      rcps:
        s.org.rcpsUnknown !== undefined
          ? permissive
            ? []
            : [[this.standIn('rcp', s.org.rcpsUnknown.what, 'Deny')]]
          : s.org.rcps.map((l) => l.policies.map((p) => this.compile(p))),
      bias,
      unreadPolicies:
        (s.keyPolicy !== null && isUnknown(s.keyPolicy)) ||
        isUnknown(s.cs.identity) ||
        isUnknown(s.cs.boundary) ||
        isUnknown(s.cs.session) ||
        s.org.scpsUnknown !== undefined ||
        s.org.rcpsUnknown !== undefined,
      ...(s.partial !== undefined ? { grantsFirstPage: s.partial.firstPage } : {}),
    };
  }
}

/** A resolution made for the same caller, key and request fields (the caller is one object per principal text, parseCaller). */
function sameResolution(r: Resolution, request: Request, caller: PrincipalRef, key: Key | undefined, keyOp: boolean): boolean {
  return (
    r.caller === caller &&
    r.key === key &&
    r.keyOp === keyOp &&
    r.callerAccountGiven === request.callerAccount &&
    r.grantId === request.grantId &&
    r.viaService === request.viaService &&
    r.at === request.at
  );
}

function hasEdits(p: HintProposal): boolean {
  for (let q: HintProposal | undefined = p; q !== undefined; q = q.next) if ((q.edits?.length ?? 0) > 0) return true;
  return false;
}

/** Same statements as written (the raw JSON of each), so that one compiled form serves both. */
function sameStatements(a: Policy, b: Policy): boolean {
  if (a.statements.length !== b.statements.length) return false;
  for (let i = 0; i < a.statements.length; i++) if (!sameJson(a.statements[i]!.raw, b.statements[i]!.raw)) return false;
  return true;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function isUnknownOrEmptyList(v: Unknowable<Policy[]>): boolean {
  return isUnknown(v) || v.length === 0;
}

function defaultPrincipalArn(caller: PrincipalRef): string {
  if (caller.kind === 'assumed-role') return roleArnOf(caller);
  return caller.arn;
}

function aliasArnFor(identifier: string | undefined, key: Key | undefined): string | undefined {
  if (identifier === undefined || key === undefined || !identifier.startsWith('alias/')) return undefined;
  const m = key.metadata;
  return `arn:${m.partition}:kms:${m.region}:${m.account}:${identifier}`;
}

function findGrant(grants: Grant[], req: Request): Grant | undefined {
  if (req.grantId !== undefined) return grants.find((g) => g.grantId === req.grantId);
  const tokens = req.grantTokens ?? [];
  return grants.find((g) => g.grantToken !== undefined && tokens.includes(g.grantToken));
}

/** One-shot convenience: evaluate a request against a snapshot. */
export function evaluate(snapshot: Snapshot, request: Request, options: Partial<EvaluatorOptions> & EvaluateOptions = {}): Decision {
  return new Evaluator(snapshot, options).evaluate(request, options);
}
