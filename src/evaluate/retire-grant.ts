// RetireGrant: the grant being retired says who may retire it (its retiring principal, its
// grantee when it includes the RetireGrant operation, or the account that created it); a key
// policy's kms:RetireGrant "is not effective" [KMS "Retiring and revoking grants"; API RetireGrant;
// docs/semantics.md#retiregrant].
import type { DecidedBy, Decision, GrantMatch, Limit, Reason, RetireRole, TraceFinding } from '../model/decision.js';
import type { Key } from '../model/key.js';
import { biased } from './conditions.js';
import { grantMatchRecord, grantMayNotBeInEffect, grantStateDetail, grantStateUsable, pendingDetail } from './grants.js';
import { accountOf, matchGrantPrincipal } from './principals.js';
import { grantReason, nearMissOrMatch, reasonOf, refOf, ROOT_REASON, type Walk } from './walk.js';

export function retireGrant(k: Walk, key: Key): Decision {
  const { r, ex, caller } = k;
  const keyArn = key.metadata.arn;
  let blocked: Limit | undefined;
  const grantId = r.request.grantId;
  const target = r.targetGrant;
  if (grantId === undefined && target === undefined) {
    if (ex.on) ex.step('retire-grant', { kind: 'which-grant' }, 'unknown', { kind: 'no-grant-id' });
    if (ex.on) ex.hint({ kind: 'give-grant-id' });
    return k.finish('unknown', 'unknown', []);
  }
  // kms:RetireGrant in a key policy "is not effective" [KMS-GRANTDEL].
  const inKeyPolicy = k.scan(k.keyPolicies, 'Allow', keyArn);
  if (inKeyPolicy.matched.length > 0) ex.hint({ kind: 'retire-grant-in-key-policy', statements: inKeyPolicy.matched.map(refOf) });
  if (target === undefined) {
    if (ex.on) ex.step('retire-grant', { kind: 'grant-exists', grantId: grantId! }, 'no', { kind: 'no-such-grant' });
    return k.deny(blocked);
  }
  if (!grantStateUsable(target, r.request)) {
    if (ex.on)
      ex.step('retire-grant', { kind: 'grant-current', grantId: target.grantId }, 'no', { kind: 'grant-state', detail: grantStateDetail(target, r.request) });
    return k.deny(blocked);
  }
  // A grant created moments before the request may not be in effect yet: retiring it may need its token.
  const fresh = grantMayNotBeInEffect(target, r.request, r.grantTokens);
  if (
    fresh !== undefined &&
    fresh !== 'token-assumed' &&
    !biased(k.env, 'Allow', { name: target.grantId, input: fresh }, `grant-in-effect:${target.grantId}`)
  ) {
    if (ex.on) ex.step('retire-grant', { kind: 'grant-current', grantId: target.grantId }, 'no', { kind: 'grant-state', detail: pendingDetail(r.request) });
    return k.deny(blocked);
  }
  const record: GrantMatch = grantMatchRecord({ grant: target, principal: { matched: false }, matched: false, detail: { kind: 'none' } });
  const yes = (why: TraceFinding, by: DecidedBy, reasons: Reason[]): Decision => {
    // Allowed only if the token presented is the grant's (a grant that new may not be in effect yet).
    if (fresh === 'token-assumed') ex.assume('grantTokenPresented');
    // The grant allows it, as a grant allows its operations: a permissions boundary or session
    // policy is taken not to limit it (docs/semantics.md#grants-not-limited-by-boundary).
    if (by === 'grant' && (k.w.boundary || k.sessionPolicies.length > 0)) ex.assume('grantsNotLimitedByBoundary');
    // The stand-in for unreadable grants allows in its world; what it says is no fact about the grant.
    if (ex.on && target.standIn === true)
      ex.step('retire-grant', { kind: 'may-retire', principal: caller.arn, grantId: target.grantId }, 'unknown', { kind: 'grant-unread' });
    else if (ex.on)
      ex.step('retire-grant', { kind: 'may-retire', principal: caller.arn, grantId: target.grantId }, 'yes', why, () => ({
        grants: [{ ...record, matched: true }],
      }));
    return k.finish('allow', by, reasons);
  };
  /**
   * An account named by the grant (as grantee or retiring principal): its root user may act on
   * it, its IAM principals with an identity-policy allow — one rule for use and retirement
   * (assumption accountGrantee).
   */
  const viaAccount = (as: RetireRole): Decision | undefined => {
    ex.assume('accountGrantee');
    if (caller.kind === 'root') return yes({ kind: 'account-may-retire', as, account: caller.account, root: true }, 'grant', [grantReason(target)]);
    if (!r.options.accountGranteeRequiresIamDelegation)
      return yes({ kind: 'account-may-retire', as, account: caller.account, root: false }, 'grant', [grantReason(target)]);
    const side = k.callerSide(keyArn);
    if (side.ok)
      return yes({ kind: 'account-may-retire', as, account: caller.account, root: false, statements: side.iam.map(refOf) }, 'grant', [
        grantReason(target),
        ...side.iam.map(reasonOf),
      ]);
    if (ex.on)
      ex.propose(
        {
          kind: 'retire-as-account',
          grantId: target.grantId,
          as: as === 'retiring-principal' ? 'retiring-principal' : 'grantee',
          principal: caller.arn,
          account: caller.account,
          keyArn: keyArn,
        },
        k.iamAllow('AllowRetireGrant', keyArn),
      );
    return undefined;
  };
  if (target.retiringPrincipal !== undefined) {
    const m = matchGrantPrincipal(target.retiringPrincipal, caller);
    if (m.matched && m.via !== 'account') {
      if (m.via === 'role') ex.assume('roleGranteeSessions');
      return yes({ kind: 'retiring-principal', retiringPrincipal: target.retiringPrincipal }, 'grant', [grantReason(target)]);
    }
  }
  const grantee = matchGrantPrincipal(target.granteePrincipal, caller);
  const retireOp = target.operations.includes('RetireGrant');
  if (grantee.matched && grantee.via !== 'account' && retireOp) {
    if (grantee.via === 'role') ex.assume('roleGranteeSessions');
    return yes({ kind: 'grantee-with-retire' }, 'grant', [grantReason(target)]);
  }
  if (grantee.matched && grantee.via === 'account' && retireOp) {
    const d = viaAccount('grantee-with-retire');
    if (d !== undefined) return d;
  }
  const retiringAcct = target.retiringPrincipal !== undefined ? accountOf(target.retiringPrincipal) : undefined;
  if (retiringAcct !== undefined && caller.kind !== 'service' && caller.account === retiringAcct) {
    const d = viaAccount('retiring-principal');
    if (d !== undefined) return d;
  }
  // The account that created the grant (API: IssuingAccount) may retire it by IAM alone: its
  // root user, and its IAM principals with kms:RetireGrant in an identity policy; the key
  // policy plays no part [API RetireGrant; KMS grant-delete].
  const issuing = target.issuingAccount !== undefined ? accountOf(target.issuingAccount) : undefined;
  if (issuing) ex.assume('retireByIssuingAccount');
  if (issuing !== undefined && caller.kind !== 'service' && caller.account === issuing) {
    if (caller.kind === 'root') return yes({ kind: 'issuer-root', account: caller.account }, 'iam-policy', [ROOT_REASON]);
    const side = k.callerSide(keyArn);
    if (ex.on)
      ex.step(
        'identity-policy',
        { kind: 'issuer-iam', account: caller.account },
        side.ok ? 'yes' : 'no',
        (): TraceFinding => (side.iam.length > 0 ? { kind: 'statements', statements: side.iam.map(refOf) } : { kind: 'no-iam-allow' }),
        () => ({ statements: side.records.filter(nearMissOrMatch) }),
      );
    if (side.ok) return k.finish('allow', 'iam-policy', side.iam.map(reasonOf));
    if (side.blockedBy) blocked ??= k.limited(side.blockedBy, { kind: 'identity-policy', action: 'kms:RetireGrant' });
    else if (ex.on)
      ex.propose(
        { kind: 'retire-as-issuer', grantId: target.grantId, principal: caller.arn, account: caller.account, keyArn: keyArn },
        k.iamAllow('AllowRetireGrant', keyArn),
      );
    return k.deny(blocked);
  }
  // A grant that does not say which account created it (a hand-written snapshot: ListGrants
  // always gives IssuingAccount): that account may retire it by IAM alone, so a caller who would
  // be allowed as its issuer may or may not be.
  if (target.issuingAccountUnknown !== undefined && issuing === undefined && caller.kind !== 'service') {
    const root = caller.kind === 'root';
    const side = root ? undefined : k.callerSide(keyArn);
    if ((root || side!.ok) && biased(k.env, 'Allow', { name: 'IssuingAccount', input: target.issuingAccountUnknown }, 'issuingaccount')) {
      ex.assume('retireByIssuingAccount');
      if (root) return yes({ kind: 'issuer-root', account: caller.account }, 'iam-policy', [ROOT_REASON]);
      return k.finish('allow', 'iam-policy', side!.iam.map(reasonOf));
    }
  }
  const why: TraceFinding =
    grantee.matched && !target.operations.includes('RetireGrant')
      ? { kind: 'grantee-without-retire' }
      : { kind: 'may-not-retire', ...(target.retiringPrincipal ? { retiringPrincipal: target.retiringPrincipal } : {}) };
  if (ex.on) ex.step('retire-grant', { kind: 'may-retire', principal: caller.arn, grantId: target.grantId }, 'no', why, () => ({ grants: [record] }));
  if (ex.on) ex.hint({ kind: 'retire-not-allowed', grantId: target.grantId });
  return k.deny(blocked);
}
