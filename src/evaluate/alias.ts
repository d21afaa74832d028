// Alias actions (CreateAlias, UpdateAlias, DeleteAlias): the alias is authorized by identity
// policies only, and the key by the key policy (or IAM the key policy delegates to); both must
// allow, in the key's account only [KMS "Controlling access to aliases"; docs/semantics.md#action-classes].
import type { Decision, HintNote, Limit, Reason, TraceFinding } from '../model/decision.js';
import type { Key } from '../model/key.js';
import { principalVia } from './compile.js';
import type { KeyPolicyScan } from './key-operation.js';
import { dedupeReasons, nearMissOrMatch, reasonOf, sideFinding, type Walk } from './walk.js';

export function aliasAction(k: Walk, kp: KeyPolicyScan, key: Key): Decision {
  const { r, ex, action, caller, a } = k;
  const keyArn = key.metadata.arn;
  const { allows: keyPolicyAllows, named, account: accountStmts } = kp;
  let blocked: Limit | undefined;
  if (r.aliasArn === undefined) {
    if (ex.on) ex.step('alias', { kind: 'alias', action: a }, 'unknown', { kind: 'alias-not-named' });
    if (ex.on) ex.hint({ kind: 'give-alias', action: a });
    return k.finish('unknown', 'unknown', []);
  }
  if (!k.sameAccount) {
    if (ex.on) ex.step('cross-account', { kind: 'cross-account', action: a }, 'no', { kind: 'alias-not-cross-account' });
    return k.deny(blocked);
  }
  const aliasSide = k.callerSide(r.aliasArn);
  if (ex.on)
    ex.step(
      'alias',
      { kind: 'alias', action: a, alias: r.aliasArn },
      aliasSide.ok ? 'yes' : 'no',
      () => sideFinding(aliasSide, false, () => ({ kind: 'no-iam-allow', on: 'alias' })),
      () => ({ statements: aliasSide.records.filter(nearMissOrMatch) }),
    );
  const keySide = k.callerSide(keyArn);
  let keyReasons: Reason[] | undefined;
  const namedOk = named.filter((cs) => principalVia(cs, caller).via !== 'role' || k.roleLimits() === undefined);
  if (namedOk.length > 0) keyReasons = namedOk.map(reasonOf);
  else if (accountStmts.length > 0 && keySide.ok) keyReasons = [...accountStmts.map(reasonOf), ...keySide.iam.map(reasonOf)];
  if (ex.on)
    ex.step(
      'key-policy',
      { kind: 'alias-key', principal: caller.arn, action: a, keyArn: keyArn },
      keyReasons ? 'yes' : 'no',
      (): TraceFinding => (keyReasons ? { kind: 'reasons', reasons: keyReasons.map((x) => ({ source: x.source, id: x.id })) } : { kind: 'not-on-key' }),
      () => ({ statements: keyPolicyAllows.records.filter(nearMissOrMatch) }),
    );
  if (aliasSide.ok && keyReasons) return k.finish('allow', 'key-policy-and-iam', dedupeReasons([...keyReasons, ...aliasSide.iam.map(reasonOf)]));
  const aliasText: HintNote = { kind: 'alias-iam', action: a, alias: r.aliasArn, principal: caller.arn };
  const aliasEdit = k.iamAllow(`Allow${action.short}OnAlias`, r.aliasArn);
  const keyText: HintNote = { kind: 'alias-key', action: a, keyArn: keyArn, to: k.policyPrincipal(), account: caller.account };
  const keyEdit = k.keyPolicyAllow(`Allow${action.short}`);
  const aliasMissing = !aliasSide.ok && !aliasSide.blockedBy;
  const keyMissing = !keyReasons && !(keySide.blockedBy && accountStmts.length > 0);
  if (!aliasSide.ok && aliasSide.blockedBy) blocked ??= k.limited(aliasSide.blockedBy, { kind: 'identity-policy', action: a, on: 'alias' }, r.aliasArn);
  if (!keyReasons && keySide.blockedBy && accountStmts.length > 0) blocked ??= k.limited(keySide.blockedBy, { kind: 'identity-policy', action: a, on: 'key' });
  if (aliasMissing && keyMissing) ex.propose({ kind: 'both', notes: [aliasText, keyText] }, [...aliasEdit, ...keyEdit]);
  else if (aliasMissing) ex.propose(aliasText, aliasEdit);
  else if (keyMissing) ex.propose(keyText, keyEdit);
  return k.deny(blocked);
}
