// The request context (spec §1.2 step 1, §3.2, §3.3): which condition keys a KMS request carries
// and their values. Keys are stored lower-cased because condition key names are case-insensitive
// [IAM-COND]; for kms:EncryptionContext:<k> that includes the context key part [KMS-COND].
import type { ActionInfo } from '../model/actions.js';
import type { Grant, GrantConstraints } from '../model/grant.js';
import type { Key } from '../model/key.js';
import type { PrincipalRef } from '../model/principal.js';
import type { ContextValue, Request } from '../model/request.js';

export interface RequestContext {
  values: Map<string, string[]>;
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

function set(ctx: RequestContext, key: string, value: string | string[] | undefined): void {
  if (value === undefined) return;
  ctx.values.set(key.toLowerCase(), Array.isArray(value) ? value : [value]);
}

/** Encryption-context pairs as condition keys: kms:EncryptionContext:<k> and kms:EncryptionContextKeys. */
function setEncryptionContext(ctx: RequestContext, ec: Record<string, string> | undefined): void {
  if (ec === undefined) return;
  const keys = Object.keys(ec);
  if (keys.length === 0) return;
  for (const k of keys) {
    const lk = `kms:encryptioncontext:${k.toLowerCase()}`;
    const prev = ctx.values.get(lk);
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

export function buildContext(input: ContextInput): RequestContext {
  const { action, request, caller, key } = input;
  const ctx: RequestContext = { values: new Map(), multiValued: new Set(MULTI), unknownPrefixes: [] };
  const isService = caller.kind === 'service';
  const keyOp = action.cls === 'key' || action.cls === 'alias' || action.cls === 'retire-grant';

  // Global keys [IAM-GLOBAL]. A service principal has no account or principal ARN of its own (§8.11).
  if (isService) {
    set(ctx, 'aws:PrincipalIsAWSService', 'true');
    set(ctx, 'aws:PrincipalServiceName', caller.name);
  } else {
    set(ctx, 'aws:PrincipalIsAWSService', 'false');
    set(ctx, 'aws:PrincipalArn', input.principalArn);
    set(ctx, 'aws:PrincipalAccount', input.callerAccount);
    set(ctx, 'aws:PrincipalType', principalType(caller));
    if (caller.kind === 'user') set(ctx, 'aws:username', caller.name);
  }
  set(ctx, 'aws:ViaAWSService', request.viaService ? 'true' : 'false');
  // KMS accepts requests over TLS only, so every request is secure transport.
  set(ctx, 'aws:SecureTransport', 'true');
  if (input.principalTags === 'unknown') {
    ctx.unknownPrefixes.push('aws:principaltag/');
  } else {
    for (const [k, v] of Object.entries(input.principalTags)) set(ctx, `aws:PrincipalTag/${k}`, v);
  }

  if (key !== undefined && keyOp) {
    const m = key.metadata;
    set(ctx, 'aws:ResourceAccount', m.account);
    set(ctx, 'aws:RequestedRegion', m.region);
    if (!isService && input.callerAccount) set(ctx, 'kms:CallerAccount', input.callerAccount);
    // Key-resource keys exist only for KMS-key resource operations [KMS-COND, SAR].
    set(ctx, 'kms:KeySpec', m.keySpec);
    set(ctx, 'kms:CustomerMasterKeySpec', m.keySpec);
    set(ctx, 'kms:KeyUsage', m.keyUsage);
    set(ctx, 'kms:CustomerMasterKeyUsage', m.keyUsage);
    set(ctx, 'kms:KeyOrigin', m.origin);
    set(ctx, 'kms:MultiRegion', m.multiRegion ? 'true' : 'false');
    if (m.multiRegion && m.multiRegionKeyType) set(ctx, 'kms:MultiRegionKeyType', m.multiRegionKeyType);
    if (key.aliases.length > 0) set(ctx, 'kms:ResourceAliases', key.aliases);
    for (const [k, v] of Object.entries(key.tags)) set(ctx, `aws:ResourceTag/${k}`, v);
  } else if (action.cls === 'iam-only' && /CustomKeyStore/.test(action.short) && !isService && input.callerAccount) {
    set(ctx, 'kms:CallerAccount', input.callerAccount);
  }

  if (request.viaService && keyOp) set(ctx, 'kms:ViaService', request.viaService);

  if (action.takesEncryptionContext) setEncryptionContext(ctx, request.encryptionContext);
  if (action.encryptionAlgorithm) {
    // A defaulted request parameter still sets its key (spec §1.2 step 1).
    const alg = request.encryptionAlgorithm ?? (key === undefined || key.metadata.keySpec === 'SYMMETRIC_DEFAULT' ? 'SYMMETRIC_DEFAULT' : undefined);
    set(ctx, 'kms:EncryptionAlgorithm', alg);
  }
  if (action.requestAlias && request.keyIdentifier) {
    const id = request.keyIdentifier;
    const alias = id.startsWith('alias/') ? id : /^arn:[^:]+:kms:[^:]*:\d{12}:alias\//.test(id) ? id.slice(id.indexOf(':alias/') + 1) : undefined;
    set(ctx, 'kms:RequestAlias', alias);
  }

  if (action.short === 'CreateGrant' && request.grantRequest) {
    const g = request.grantRequest;
    set(ctx, 'kms:GrantOperations', g.operations);
    set(ctx, 'kms:GranteePrincipal', g.granteePrincipal);
    set(ctx, 'kms:GranteeServicePrincipal', g.granteeServicePrincipal);
    set(ctx, 'kms:RetiringPrincipal', g.retiringPrincipal);
    set(ctx, 'kms:RetiringServicePrincipal', g.retiringServicePrincipal);
    set(ctx, 'kms:GrantConstraintType', constraintType(g.constraints));
    set(ctx, 'kms:GrantConstraintSourceArn', g.constraints?.sourceArn);
    // UNDOCUMENTED how kms:EncryptionContext:* maps on CreateGrant; the natural reading is the
    // grant's constraint (spec §2.5).
    setEncryptionContext(ctx, constraintContext(g.constraints));
  }
  if (action.short === 'RetireGrant' && input.targetGrant) {
    set(ctx, 'kms:GrantConstraintType', constraintType(input.targetGrant.constraints));
    setEncryptionContext(ctx, constraintContext(input.targetGrant.constraints));
  }
  if (action.short === 'CreateGrant' || action.short === 'ListGrants' || action.short === 'RevokeGrant') {
    // True only when an integrated service sends the request on the principal's behalf; modeled
    // as "the request came via a service" (spec §2.5, §8.4).
    const v = request.grantIsForAwsResource ?? request.viaService !== undefined;
    set(ctx, 'kms:GrantIsForAWSResource', v ? 'true' : 'false');
  }

  // Whatever the user supplies wins: it is the most specific knowledge of the request.
  if (request.context) {
    for (const [k, v] of Object.entries(request.context)) {
      const lk = k.toLowerCase();
      ctx.values.set(lk, toStrings(v));
      if (Array.isArray(v)) ctx.multiValued.add(lk);
    }
  }
  return ctx;
}

export function isUnknownKey(ctx: RequestContext, lowerKey: string): boolean {
  for (const p of ctx.unknownPrefixes) if (lowerKey.startsWith(p)) return !ctx.values.has(lowerKey);
  return false;
}
