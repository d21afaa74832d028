// The KMS authorization flowchart (docs/semantics.md#evaluation-order): the only module that combines effects.
// Input is one "world": every source known (an unreadable one has been replaced by its most
// permissive or most restrictive stand-in by evaluator.ts). decide() walks the steps every request
// shares (the action's class, the partition, explicit denies, organization guardrails), then the
// steps of its action class, each in a file of its own: iam-only.ts, alias.ts, retire-grant.ts and
// key-operation.ts (key operations and CreateGrant). Each step is recorded as a fact (recorder.ts).
import type { Decision, PartGap, PartWhat, Reason, TraceFinding, Verdict } from '../model/decision.js';
import { InternalError } from '../model/errors.js';
import { aliasAction } from './alias.js';
import type { ConditionEnv } from './conditions.js';
import { iamOnly } from './iam-only.js';
import { createGrant, keyOperation, keyPolicyScan } from './key-operation.js';
import { Recorder, SILENT, unknownCause } from './recorder.js';
import { retireGrant } from './retire-grant.js';
import { conditionMentions, liftDenies, nearMiss, reasonOf, refOf, usesNotPrincipal, Walk, type Resolved, type Scan, type World } from './walk.js';
import { statementsFor, type CompiledPolicy, type CompiledStatement } from './compile.js';

export type { Resolved, World } from './walk.js';
export type { HintProposal } from './hint-edits.js';
export { HINT_PROPOSALS, sameNote } from './recorder.js';

/**
 * A further permission a request needs (UpdateAlias on the alias's current key, ReplicateKey's
 * kms:CreateKey…), decided as a request of its own; or, when the inputs cannot say what it is,
 * what is missing and how to supply it.
 */
export type Part = { what: PartWhat; decision: Decision; authorizationOnly?: boolean } | { what: PartWhat; missing: PartGap };

/**
 * A request that needs several permissions is allowed only if each is: the first denial decides,
 * otherwise any unknown makes it unknown [IAM-DENYALLOW: every required permission must be allowed].
 * When the key state fails the main request, the final verdict stays that deny whatever the
 * further permissions say; they still decide its authorization, as on a key in a working state,
 * and a denied one is reported before the key state when `authorizeBeforeKeyState` (as decide does).
 */
export function combineParts(main: Decision, parts: Part[], ex: Recorder, authorizeBeforeKeyState = true): Decision {
  const out = combine(main, parts, ex, authorizeBeforeKeyState);
  // The proposals of each part, named by the part, are verified on the whole request (evaluator.ts).
  ex.keep(out);
  return out;
}

function combine(main: Decision, parts: Part[], ex: Recorder, authorizeBeforeKeyState: boolean): Decision {
  const verdictOf = (p: Part): Verdict => ('missing' in p ? 'unknown' : p.authorizationOnly ? p.decision.authorization : p.decision.decision);
  const out: Decision = {
    ...main,
    reasons: [...main.reasons],
    trace: [...main.trace],
    hints: [...main.hints],
    missingContext: [...main.missingContext],
    assumptions: [...main.assumptions],
    unreadable: [...main.unreadable],
  };
  ex.adopt(main);
  ex.assume('companionPermissions');
  for (const p of parts) {
    if ('missing' in p) {
      ex.companionUnknown(main, p.what, p.missing);
      continue;
    }
    ex.part(p.what, p.decision);
    for (const u of p.decision.unreadable) if (!out.unreadable.some((x) => x.what === u.what)) out.unreadable.push(u);
  }
  ex.writeInto(out);
  const keyStateFails = main.decision === 'deny' && main.decidedBy === 'key-state';
  if (keyStateFails && main.keyStateError !== undefined && parts.some((p) => verdictOf(p) !== 'allow')) {
    // Not (known to be) authorized after all: say so as decide does for a request it does not authorize.
    const i = out.hints.findIndex((h) => h.kind === 'key-state' && h.authorized && h.error === main.keyStateError);
    if (i >= 0) out.hints[i] = { kind: 'key-state', error: main.keyStateError, authorized: false };
  }
  const denied = parts.find((p) => verdictOf(p) === 'deny');
  if (denied !== undefined && !('missing' in denied)) {
    const d = denied.decision;
    if (keyStateFails && !authorizeBeforeKeyState)
      return { ...out, decision: 'deny', authorization: 'deny', decidedBy: 'key-state', reasons: d.reasons.map(copyReason) };
    const r: Decision = {
      ...out,
      decidedIn: denied.what,
      decision: 'deny',
      authorization: 'deny',
      decidedBy: d.decidedBy === 'key-state' && denied.authorizationOnly ? 'implicit-deny' : d.decidedBy,
      reasons: d.reasons.map(copyReason),
    };
    if (r.decidedBy !== 'key-state') delete r.keyStateError;
    return r;
  }
  if (main.authorization === 'unknown' || main.decision === 'unknown' || parts.some((p) => verdictOf(p) === 'unknown')) {
    if (keyStateFails) return { ...out, authorization: 'unknown', reasons: [] };
    const r: Decision = { ...out, decision: 'unknown', authorization: 'unknown', decidedBy: 'unknown', reasons: [] };
    delete r.keyStateError;
    const because = unknownCause(out.hints);
    if (because !== undefined) r.unknownBecause = because;
    return r;
  }
  for (const p of parts)
    if (!('missing' in p))
      for (const reason of p.decision.reasons)
        if (!out.reasons.some((x) => x.source === reason.source && x.id === reason.id && x.policyName === reason.policyName))
          out.reasons.push(copyReason(reason));
  return out;
}

/** A part's decision may be shared by several requests (Evaluator.createKeyPart): each gets reasons of its own. */
function copyReason(r: Reason): Reason {
  return { ...r };
}

/**
 * Evaluates one request in one world. Pure; `explain` only adds the explanation (`proposing`:
 * with proposed changes; `tracing`: with the trace).
 */
export function decide(r: Resolved, w: World, env: ConditionEnv, explain: boolean, proposing = explain, tracing = explain): Decision {
  const k = new Walk(r, w, env, explain ? new Recorder(true, proposing, tracing) : SILENT);
  return commonSteps(k) ?? byClass(k);
}

/** The steps every request takes; a decision when one of them settles it. */
function commonSteps(k: Walk): Decision | undefined {
  const { r, w, env, ex, action, caller, a, keyArn } = k;
  if (ex.on)
    ex.step('action', { kind: 'action-class', action: a }, 'yes', { kind: 'action-class', cls: action.cls, grantable: action.grantOperation !== undefined });
  for (const n of r.notes) ex.hint(n);
  if (caller.kind === 'service') ex.assume('servicePrincipalAccount');

  if (action.cls === 'internal') {
    if (ex.on) ex.hint({ kind: 'internal-action', action: a });
    return k.finish('deny', 'implicit-deny', []);
  }

  // Partitions are separate: no principal of one can use a key of another, whatever a policy says
  // ("Principal": "*" included).
  if (r.key !== undefined && caller.kind !== 'service' && caller.partition !== r.key.metadata.partition) {
    if (ex.on)
      ex.step('action', { kind: 'same-partition', principal: caller.arn }, 'no', {
        kind: 'partitions',
        caller: caller.partition,
        key: r.key.metadata.partition,
      });
    return k.finish('deny', 'implicit-deny', []);
  }

  // ── Step 3: explicit deny in any policy ───────────────────────────────────────────────────
  // Every Deny scan gathered in one, in order.
  const denies: Scan = k.newScan();
  if (keyArn !== undefined) k.scanInto(k.keyPolicies, 'Deny', keyArn, denies);
  for (const res of k.identityResources) {
    k.scanStatements(w.identityLists.of(action, 'Deny'), res, denies);
    k.scanInto(k.boundaryPolicies, 'Deny', res, denies);
    k.scanInto(k.sessionPolicies, 'Deny', res, denies);
    for (const level of w.scps) k.scanInto(level, 'Deny', res, denies);
  }
  if (keyArn !== undefined) for (const level of w.rcps) k.scanInto(level, 'Deny', keyArn, denies);
  const denyRecords = denies.records;
  const uniqueDenies = denies.matched.length === 0 ? denies.matched : [...new Set(denies.matched)];
  // A Deny that matched because a key was absent (a negated operator, …IfExists): the absence decided.
  for (let i = 0; i < denyRecords.length; i++) {
    const rec = denyRecords[i]!;
    if (rec.matched) for (const c of rec.conditions) if (c.missing && c.matched) ex.miss(c.key);
  }
  // Assumptions are part of the explanation: not looked for without one.
  if (ex.on && w.keyPolicy && k.keyPolicies.length > 0 && usesNotPrincipal(w.keyPolicy, action)) ex.assume('notPrincipal');
  // A role session's principal tags are its role's: session tags, which no snapshot holds, would
  // override them. Said when a statement that can apply to the action reads one.
  if (ex.on && r.roleTags === true && readsPrincipalTags(k, w)) ex.assume('sessionTags');
  // A key-policy or RCP Deny that aws:PrincipalIsAWSService kept from applying: the key can be false
  // for a service using the key through a grant to an AWS-internal grantee (KMS's caveat on the
  // key), so the Deny may apply after all. Said whether or not it applied here.
  if (ex.on && uniqueDenies.length === 0)
    for (const rec of denyRecords)
      if ((rec.source === 'key-policy' || rec.source === 'rcp') && rec.conditions.some((c) => c.key.toLowerCase() === 'aws:principalisawsservice')) {
        ex.assume('principalIsAwsService');
        break;
      }
  if (uniqueDenies.length > 0) {
    if (ex.on)
      ex.step(
        'explicit-deny',
        { kind: 'explicit-deny', action: a },
        'yes',
        (): TraceFinding => ({ kind: 'statements', statements: uniqueDenies.map(refOf) }),
        () => ({ statements: denyRecords.filter((s) => s.matched) }),
      );
    // Every Deny that applies must go: one hint names them all (each alone would leave the request denied).
    if (ex.on) for (const cs of uniqueDenies) if (conditionMentions(cs, 'aws:principalisawsservice')) ex.assume('principalIsAwsService');
    // RCPs apply to customer managed keys only: a KeyManager the file left out decides whether an RCP Deny applies.
    if (ex.on && r.key?.metadata.defaulted?.includes('KeyManager') === true && uniqueDenies.some((cs) => cs.policy.source === 'rcp'))
      ex.assume('keyManagerDefault');
    ex.offer(() => liftDenies(uniqueDenies, caller, k.policyPrincipal()));
    return k.finish('deny', 'explicit-deny', uniqueDenies.map(reasonOf));
  }
  // With a policy unread, "no Deny applies" would claim what kms-why
  // could not see: the unread policy may hold the Deny.
  const unread = w.unreadPolicies === true && env.bias !== null && env.bias !== undefined;
  if (ex.on)
    ex.step('explicit-deny', { kind: 'explicit-deny', action: a }, unread ? 'unknown' : 'no', { kind: 'no-deny', unread }, () => ({
      statements: denyRecords.filter(nearMiss),
    }));

  // ── Step 4: organization guardrails: every level must allow ───────────────────────────────
  if (w.rcps.length > 0 && r.key !== undefined) {
    // RCPFullAWSAccess is attached to every root, OU and account and cannot be detached, so an RCP
    // level always allows; only RCP Deny statements (above) bite (docs/semantics.md#organization-policies, [ORG-RCP]).
    ex.assume('rcpFullAccess');
    if (ex.on) ex.step('rcp', { kind: 'rcp', account: r.key.metadata.account, action: a }, 'yes', { kind: 'rcp-full-access' });
  }
  if (w.scps.length > 0) {
    // SCP levels are looked up only for a known caller account (evaluator.ts orgLevels), so the
    // account the question names is always the one whose SCPs these are.
    const scpAccount = r.callerAccount ?? caller.account;
    // A level none of whose SCPs has an Allow statement (deny-list SCPs only) is taken to have
    // FullAWSAccess attached too, as Organizations attaches it by default to every root, OU and
    // account (docs/semantics.md#scp-full-access): it allows everything its Deny statements (above)
    // do not deny. A level with an Allow statement is taken as written: an allow-list.
    for (const res of k.identityResources) {
      const gap = w.scps.findIndex((level) => !withoutAllow(level) && k.scan(level, 'Allow', res).matched.length === 0);
      const level = w.scps[gap];
      if (level !== undefined) {
        const policies = level.map((p) => p.policy.name);
        if (ex.on) ex.step('scp', { kind: 'scp', account: scpAccount, action: a }, 'no', { kind: 'scp-gap', level: gap + 1, policies, resource: res });
        // The Allow goes into an allow-list SCP of the level, never into a deny-list one beside it.
        const into = level.find((p) => p.hasAllow) ?? level[0];
        if (ex.on)
          ex.propose(
            into === undefined
              ? { kind: 'scp-gap', action: a, level: gap + 1, policies }
              : { kind: 'scp-gap', action: a, level: gap + 1, policies, into: into.policy.name },
            k.addTo(into?.policy, `Allow${action.short}`, res),
          );
        return k.finish('deny', 'scp', []);
      }
    }
    const assumedFull: Array<{ level: number; policies: string[] }> = [];
    w.scps.forEach((level, i) => {
      if (withoutAllow(level)) assumedFull.push({ level: i + 1, policies: level.map((p) => p.policy.name) });
    });
    if (assumedFull.length > 0) ex.assume('scpFullAccess');
    if (ex.on)
      ex.step(
        'scp',
        { kind: 'scp', account: scpAccount, action: a },
        'yes',
        assumedFull.length > 0 ? { kind: 'scp-allows', fullAccessAssumed: assumedFull } : { kind: 'scp-allows' },
      );
  }
  return undefined;
}

/** An SCP level none of whose policies has an Allow statement: FullAWSAccess is taken to be attached there too. */
function withoutAllow(level: readonly CompiledPolicy[]): boolean {
  for (const p of level) if (p.hasAllow) return false;
  return true;
}

/** The steps of the request's action class. */
function byClass(k: Walk): Decision {
  const { r, ex, action, caller, a } = k;
  if (action.cls === 'iam-only') return iamOnly(k);
  // Every other class is asked on a key: evaluator.ts refuses a request without one, or on a key
  // the snapshot does not have, before any walk.
  const key = r.key;
  if (key === undefined) throw new InternalError(`${a}: no key`);
  // ── Cross-account scope (docs/semantics.md#cross-account) ──
  if (!k.sameAccount) {
    if (!action.crossAccount) {
      if (ex.on)
        ex.step('cross-account', { kind: 'cross-account', action: a }, 'no', { kind: 'not-cross-account', action: a, keyAccount: key.metadata.account });
      if (ex.on) ex.hint({ kind: 'not-cross-account', action: a, keyAccount: key.metadata.account });
      return k.deny(undefined);
    }
    if (ex.on)
      ex.step('cross-account', { kind: 'cross-account', action: a }, 'yes', {
        kind: 'cross-account',
        retire: action.cls === 'retire-grant',
        account: caller.account,
      });
  }
  // RetireGrant: the grant decides (docs/semantics.md#retiregrant).
  if (action.cls === 'retire-grant') return retireGrant(k, key);
  const kp = keyPolicyScan(k);
  if (action.cls === 'alias') return aliasAction(k, kp, key);
  return action.short === 'CreateGrant' ? createGrant(k, kp, key) : keyOperation(k, kp, key);
}

/** Whether a statement of any policy that can apply to the walk's action reads an aws:PrincipalTag key. */
function readsPrincipalTags(k: Walk, w: World): boolean {
  const reads = (cs: CompiledStatement): boolean =>
    (cs.readsPrincipalTags ??= cs.conditions.some(
      (c) => c.key.startsWith('aws:principaltag/') || (c.hasVariables && c.values.some((v) => /\$\{aws:principaltag\//i.test(v))),
    ));
  const anyReads = (cps: readonly CompiledPolicy[]): boolean => {
    for (const cp of cps) if (statementsFor(cp, k.action).some(reads)) return true;
    return false;
  };
  if (anyReads(k.keyPolicies) || anyReads(k.boundaryPolicies) || anyReads(k.sessionPolicies)) return true;
  for (const level of w.scps) if (anyReads(level)) return true;
  for (const level of w.rcps) if (anyReads(level)) return true;
  return w.identityLists.of(k.action, 'Allow').some(reads) || w.identityLists.of(k.action, 'Deny').some(reads);
}
