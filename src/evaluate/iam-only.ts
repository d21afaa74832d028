// IAM-only actions (CreateKey, ListKeys, the custom key store operations…): identity policies alone
// authorize them; key policies and grants play no part, because the request names no key
// [KMS permissions reference: "IAM policy" resource type; docs/semantics.md#action-classes].
import type { Decision, Limit } from '../model/decision.js';
import { collectMissing, nearMissOrMatch, reasonOf, ROOT_REASON, sideFinding, type Walk } from './walk.js';

/** Does an identity policy allow it (on "*", or on the key a CreateKey-like request makes)? */
export function iamOnly(k: Walk): Decision {
  const { r, ex, action, caller, a } = k;
  let blocked: Limit | undefined;
  const cs = k.callerSide(r.iamResource ?? '*');
  if (ex.on)
    ex.step(
      'identity-policy',
      { kind: 'iam-only', action: a, resource: r.iamResource ?? '*' },
      cs.root ? 'yes' : cs.iam.length > 0 ? 'yes' : 'no',
      () => sideFinding(cs, false, () => ({ kind: 'no-iam-allow' })),
      () => ({ statements: cs.records.filter(nearMissOrMatch) }),
    );
  if (cs.ok) return k.finish('allow', 'iam-policy', cs.root ? [ROOT_REASON] : cs.iam.map(reasonOf));
  if (cs.blockedBy) blocked ??= k.limited(cs.blockedBy, { kind: 'identity-policy', action: a });
  else if (ex.on)
    ex.propose(
      { kind: 'attach-iam-only', action: a, principal: caller.arn, ...(r.iamResource !== undefined ? { resource: r.iamResource } : {}) },
      k.iamAllow(`Allow${action.short}`, r.iamResource ?? '*'),
    );
  collectMissing(ex, cs.records);
  return k.deny(blocked);
}
