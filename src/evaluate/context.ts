// The request context (docs/semantics.md#request-context): which condition keys a KMS request carries
// and their values. Keys are stored lower-cased because condition key names are case-insensitive
// [IAM-COND]; for kms:EncryptionContext:<k> that includes the context key part [KMS-COND].
import type { ActionInfo } from '../model/actions.js';
import type { Grant, GrantConstraints } from '../model/grant.js';
import type { Key } from '../model/key.js';
import type { PrincipalRef } from '../model/principal.js';
import type { ContextValue, Request } from '../model/request.js';

export interface RequestContext {
  /** This request's own keys; looked up before `base`. */
  values: Map<string, string[]>;
  /** Keys shared by every action of the same caller and key (see buildBaseContext). */
  base?: Map<string, string[]>;
  /** Keys whose values are lists (set operators apply to them naturally). */
  multiValued: Set<string>;
  /** Lower-cased key prefixes whose values could not be read (e.g. `aws:principaltag/`). */
  unknownPrefixes: string[];
}

export interface ContextInput {
  action: ActionInfo;
  request: Request;
  caller: PrincipalRef;
  callerAccount: string | undefined;
  /** aws:PrincipalArn: the role ARN (with its path when known) for sessions. */
  principalArn: string | undefined;
  principalTags: Record<string, string> | 'unknown';
  key: Key | undefined;
  /** For RetireGrant: the grant being retired (its constraint feeds the EC keys). */
  targetGrant?: Grant;
}

const MULTI = ['kms:encryptioncontextkeys', 'kms:resourcealiases', 'kms:grantoperations', 'aws:calledvia', 'aws:tagkeys'];

function setKeyProperties(ctx: RequestContext, key: Key): void {
  const m = key.metadata;
  set(ctx, 'kms:keyspec', m.keySpec);
  set(ctx, 'kms:customermasterkeyspec', m.keySpec);
  set(ctx, 'kms:keyusage', m.keyUsage);
  set(ctx, 'kms:customermasterkeyusage', m.keyUsage);
  set(ctx, 'kms:keyorigin', m.origin);
  set(ctx, 'kms:multiregion', m.multiRegion ? 'true' : 'false');
  if (m.multiRegion && m.multiRegionKeyType) set(ctx, 'kms:multiregionkeytype', m.multiRegionKeyType);
}

/** `key` is already lower-case. */
function set(ctx: RequestContext, key: string, value: string | string[] | undefined): void {
  if (value === undefined) return;
  ctx.values.set(key, Array.isArray(value) ? value : [value]);
}

/** Encryption-context pairs as condition keys: kms:EncryptionContext:<k> and kms:EncryptionContextKeys. */
function setEncryptionContext(ctx: RequestContext, ec: Record<string, string> | undefined): void {
  if (ec === undefined) return;
  const keys = Object.keys(ec);
  if (keys.length === 0) return;
  for (const k of keys) {
    const lk = `kms:encryptioncontext:${k.toLowerCase()}`;
    const prev = ctx.values.get(lk) ?? ctx.base?.get(lk);
    ctx.values.set(lk, prev ? [...prev, ec[k]!] : [ec[k]!]);
  }
  ctx.values.set('kms:encryptioncontextkeys', keys);
}

function constraintContext(c: GrantConstraints | undefined): Record<string, string> | undefined {
  if (c === undefined) return undefined;
  return c.encryptionContextEquals ?? c.encryptionContextSubset;
}

function constraintType(c: GrantConstraints | undefined): string[] | undefined {
  if (c === undefined) return undefined;
  const t: string[] = [];
  if (c.encryptionContextEquals && Object.keys(c.encryptionContextEquals).length > 0) t.push('EncryptionContextEquals');
  if (c.encryptionContextSubset && Object.keys(c.encryptionContextSubset).length > 0) t.push('EncryptionContextSubset');
  return t.length > 0 ? t : undefined;
}

function toStrings(v: ContextValue): string[] {
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

export function principalType(p: PrincipalRef): string | undefined {
  switch (p.kind) {
    case 'user':
      return 'User';
    case 'assumed-role':
    case 'role':
      return 'AssumedRole';
    case 'root':
      return 'Account';
    case 'federated-user':
      return 'FederatedUser';
    case 'service':
    case 'unique-id':
      return undefined;
  }
}

/** The part of the context that depends only on the caller and the key (cacheable across actions). */
export function buildBaseContext(input: Omit<ContextInput, 'action' | 'targetGrant'>, keyOp: boolean): RequestContext {
  const { request, caller, key } = input;
  const ctx: RequestContext = { values: new Map(), multiValued: new Set(MULTI), unknownPrefixes: [] };
  const isService = caller.kind === 'service';
  // Global keys [IAM-GLOBAL]. A service principal has no account or principal ARN of its own (docs/semantics.md#service-principal-account).
  if (isService) {
    set(ctx, 'aws:principalisawsservice', 'true');
    set(ctx, 'aws:principalservicename', caller.name);
  } else {
    set(ctx, 'aws:principalisawsservice', 'false');
    set(ctx, 'aws:principalarn', input.principalArn);
    set(ctx, 'aws:principalaccount', input.callerAccount);
    set(ctx, 'aws:principaltype', principalType(caller));
    if (caller.kind === 'user') set(ctx, 'aws:username', caller.name);
  }
  set(ctx, 'aws:viaawsservice', request.viaService ? 'true' : 'false');
  // KMS accepts requests over TLS only, so every request is secure transport.
  set(ctx, 'aws:securetransport', 'true');
  if (input.principalTags === 'unknown') {
    ctx.unknownPrefixes.push('aws:principaltag/');
  } else {
    for (const [k, v] of Object.entries(input.principalTags)) set(ctx, `aws:principaltag/${k.toLowerCase()}`, v);
  }
  if (key !== undefined && keyOp) {
    const m = key.metadata;
    set(ctx, 'aws:resourceaccount', m.account);
    set(ctx, 'aws:requestedregion', m.region);
    if (!isService && input.callerAccount) set(ctx, 'kms:calleraccount', input.callerAccount);
    // Key-resource keys exist only for KMS-key resource operations [KMS-COND, SAR].
    if (key.metadataUnknown !== undefined) {
      ctx.unknownPrefixes.push('kms:keyspec', 'kms:keyusage', 'kms:keyorigin', 'kms:multiregion', 'kms:customermasterkey');
    } else {
      setKeyProperties(ctx, key);
    }
    if (key.aliases.length > 0) set(ctx, 'kms:resourcealiases', key.aliases);

    if (key.tagsUnknown !== undefined) ctx.unknownPrefixes.push('aws:resourcetag/');
    for (const [k, v] of Object.entries(key.tags)) set(ctx, `aws:resourcetag/${k.toLowerCase()}`, v);
    if (request.viaService) set(ctx, 'kms:viaservice', request.viaService);
  }
  return ctx;
}

export function isKeyOp(action: ActionInfo): boolean {
  return action.cls === 'key' || action.cls === 'alias' || action.cls === 'retire-grant';
}

/** The full context: a copy of the base plus what the action and its parameters add. */
export function buildContext(input: ContextInput, base?: RequestContext): RequestContext {
  const { action, request, caller, key } = input;
  const b = base ?? buildBaseContext(input, isKeyOp(action));
  const ctx: RequestContext = { values: new Map(), base: b.values, multiValued: b.multiValued, unknownPrefixes: b.unknownPrefixes };
  const isService = caller.kind === 'service';
  if (action.cls === 'iam-only' && /CustomKeyStore/.test(action.short) && !isService && input.callerAccount) {
    set(ctx, 'kms:calleraccount', input.callerAccount);
  }
  if (action.takesEncryptionContext) setEncryptionContext(ctx, request.encryptionContext);
  if (action.encryptionAlgorithm) {
    // A defaulted request parameter still sets its key (docs/semantics.md#request-context).
    const alg = request.encryptionAlgorithm ?? (key === undefined || key.metadata.keySpec === 'SYMMETRIC_DEFAULT' ? 'SYMMETRIC_DEFAULT' : undefined);
    set(ctx, 'kms:encryptionalgorithm', alg);
  }
  if (action.requestAlias && request.keyIdentifier) {
    const id = request.keyIdentifier;
    const alias = id.startsWith('alias/') ? id : /^arn:[^:]+:kms:[^:]*:\d{12}:alias\//.test(id) ? id.slice(id.indexOf(':alias/') + 1) : undefined;
    set(ctx, 'kms:requestalias', alias);
  }
  if (action.short === 'CreateGrant' && request.grantRequest) {
    const g = request.grantRequest;
    set(ctx, 'kms:grantoperations', g.operations);
    set(ctx, 'kms:granteeprincipal', g.granteePrincipal);
    set(ctx, 'kms:granteeserviceprincipal', g.granteeServicePrincipal);
    set(ctx, 'kms:retiringprincipal', g.retiringPrincipal);
    set(ctx, 'kms:retiringserviceprincipal', g.retiringServicePrincipal);
    set(ctx, 'kms:grantconstrainttype', constraintType(g.constraints));
    set(ctx, 'kms:grantconstraintsourcearn', g.constraints?.sourceArn);
    // UNDOCUMENTED how kms:EncryptionContext:* maps on CreateGrant; the natural reading is the
    // grant's constraint (docs/semantics.md#creategrant).
    setEncryptionContext(ctx, constraintContext(g.constraints));
  }
  if (action.short === 'RetireGrant' && input.targetGrant) {
    set(ctx, 'kms:grantconstrainttype', constraintType(input.targetGrant.constraints));
    setEncryptionContext(ctx, constraintContext(input.targetGrant.constraints));
  }
  if (action.short === 'CreateGrant' || action.short === 'ListGrants' || action.short === 'RevokeGrant') {
    // True only when an integrated service sends the request on the principal's behalf; modeled
    // as "the request came via a service" (docs/semantics.md#creategrant).
    const v = request.grantIsForAwsResource ?? request.viaService !== undefined;
    set(ctx, 'kms:grantisforawsresource', v ? 'true' : 'false');
  }
  // Whatever the user supplies wins: it is the most specific knowledge of the request.
  if (request.context) {
    for (const [k, v] of Object.entries(request.context)) {
      const lk = k.toLowerCase();
      ctx.values.set(lk, toStrings(v));
      if (Array.isArray(v)) {
        if (ctx.multiValued === b.multiValued) ctx.multiValued = new Set(b.multiValued);
        ctx.multiValued.add(lk);
      }
    }
  }
  return ctx;
}

export function isUnknownKey(ctx: RequestContext, lowerKey: string): boolean {
  for (const p of ctx.unknownPrefixes) if (lowerKey.startsWith(p)) return contextGet(ctx, lowerKey) === undefined;
  return false;
}

/** The values of a (lower-case) key, or undefined when the request does not carry it. */
export function contextGet(ctx: RequestContext, lowerKey: string): string[] | undefined {
  return ctx.values.get(lowerKey) ?? ctx.base?.get(lowerKey);
}
