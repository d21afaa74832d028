// Every hint that proposes a change is one kms-why has checked: applied to a copy of the inputs,
// the request is allowed. Here each printed proposal is applied again, its policies re-read from
// the JSON the hint would have the user write (parsed as a snapshot file is), and the request
// evaluated by a fresh evaluator. A hint that proposes no change states a fact, never a change.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/model/decision.js';
import { hintText } from '../../src/report/phrases.js';
import type { Policy } from '../../src/model/policy.js';
import type { Request } from '../../src/model/request.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { isUnknown } from '../../src/model/unknown.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { applyProposal, VERIFIED_HINTS, type HintProposal } from '../../src/evaluate/hint-edits.js';
import { parsePolicyDocument } from '../../src/sources/policy-document.js';
import { scenarioToInput, type ScenarioCase } from '../../src/sources/scenario.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';

const casesDir = fileURLToPath(new URL('../../fixtures/cases/', import.meta.url));
const examplesDir = fileURLToPath(new URL('../../fixtures/examples/', import.meta.url));
const publicFile = fileURLToPath(new URL('../../fixtures/public/cases-public.json', import.meta.url));

/** The policy as the JSON the hint shows, read back the way a snapshot file is read. */
function reread(p: Policy): Policy {
  const doc = { Version: '2012-10-17', Statement: p.statements.map((s) => s.raw) };
  const q = parsePolicyDocument(doc, { source: p.source, name: p.name, path: 'hint', ...(p.arn !== undefined ? { arn: p.arn } : {}) });
  return q;
}

function rereadAll(s: Snapshot): Snapshot {
  const list = (ps: Policy[]): Policy[] => ps.map(reread);
  const principals: Snapshot['principals'] = {};
  for (const [arn, pp] of Object.entries(s.principals)) {
    principals[arn] = {
      ...pp,
      identityPolicies: isUnknown(pp.identityPolicies) ? pp.identityPolicies : list(pp.identityPolicies),
      permissionsBoundary: pp.permissionsBoundary === null || isUnknown(pp.permissionsBoundary) ? pp.permissionsBoundary : reread(pp.permissionsBoundary),
      sessionPolicies: isUnknown(pp.sessionPolicies) ? pp.sessionPolicies : list(pp.sessionPolicies),
    };
  }
  const out: Snapshot = { ...s, keys: s.keys.map((k) => ({ ...k, policy: isUnknown(k.policy) ? k.policy : reread(k.policy) })), principals };
  if (s.organization) {
    const levels = (m: Record<string, Array<{ target: string; policies: Policy[] }>>) =>
      Object.fromEntries(Object.entries(m).map(([a, ls]) => [a, ls.map((l) => ({ ...l, policies: list(l.policies) }))]));
    out.organization = {
      ...s.organization,
      serviceControlPolicies: levels(s.organization.serviceControlPolicies),
      resourceControlPolicies: levels(s.organization.resourceControlPolicies),
    };
  }
  return out;
}

/** Words that propose a change: a hint with them must be a verified proposal. */
const CHANGE =
  /attach an identity policy|add a key-policy statement|remove or narrow|to the NotPrincipal|would allow this|allow it there too|allow it in |create a (new )?grant|a new grant|pass its grant token|use Resource "\*"/i;

interface Tally {
  denied: number;
  proposals: number;
  policyEdits: number;
  kinds: Set<string>;
  chained: number;
}

function checkDecision(snapshot: Snapshot, request: Request, d: Decision, t: Tally, where: string): void {
  if (d.decision === 'allow') return;
  if (d.decision === 'deny') t.denied++;
  const verified: HintProposal[] = VERIFIED_HINTS.get(d) ?? [];
  const texts = new Set(verified.map((p) => hintText(p.note)));
  for (const h of d.hints.map(hintText)) {
    if (texts.has(h)) continue;
    // Not a proposal: it must not propose a change.
    expect(h, `${where}: a hint proposing a change that was not verified`).not.toMatch(CHANGE);
  }
  for (const p of verified) {
    expect(d.hints, where).toContainEqual(p.note);
    const changed = applyProposal(snapshot, request, p);
    const again = new Evaluator(rereadAll(changed.snapshot)).evaluate(changed.request, { explain: false });
    expect(again.decision, `${where}: "${hintText(p.note)}" applied`).toBe('allow');
    t.proposals++;
    for (let q: HintProposal | undefined = p; q !== undefined; q = q.next) {
      for (const e of q.edits ?? []) {
        t.policyEdits++;
        t.kinds.add(e.kind);
      }
      if (q.set.length > 0 || q.encryptionContext !== undefined || q.grantTokens !== undefined) t.kinds.add('request');
    }
    if (p.next !== undefined) t.chained++;
  }
}

const ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:DescribeKey',
  'kms:CreateGrant',
  'kms:PutKeyPolicy',
  'kms:ScheduleKeyDeletion',
  'kms:CreateKey',
];

describe('every hint is verified', () => {
  const t: Tally = { denied: 0, proposals: 0, policyEdits: 0, kinds: new Set(), chained: 0 };

  it('fixtures/cases and the public cases: every proposal, applied, allows the request', () => {
    const files = readdirSync(casesDir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    const cases: Array<[string, ScenarioCase]> = files.flatMap((f) =>
      (JSON.parse(readFileSync(casesDir + f, 'utf8')) as ScenarioCase[]).map((c) => [f, c] as [string, ScenarioCase]),
    );
    for (const c of JSON.parse(readFileSync(publicFile, 'utf8')) as ScenarioCase[]) cases.push(['cases-public.json', c]);
    for (const [file, c] of cases) {
      if (c.expected.error !== undefined) continue;
      const { snapshot, request } = scenarioToInput(c, file);
      const d = new Evaluator(snapshot).evaluate(request);
      checkDecision(snapshot, request, d, t, `${file} ${c.id}`);
    }
  });

  it('fixtures/examples: every principal, key and common action', () => {
    for (const f of readdirSync(examplesDir).filter((x) => x.endsWith('.json'))) {
      const raw = JSON.parse(readFileSync(examplesDir + f, 'utf8')) as Record<string, unknown>;
      if (!('Keys' in raw) && !('keys' in raw)) continue;
      const snapshot = parseSnapshot(raw, f);
      const ev = new Evaluator(snapshot);
      const principals = Object.keys(snapshot.principals).filter((p) => !p.includes('*'));
      for (const key of snapshot.keys) {
        for (const principal of principals) {
          for (const action of ACTIONS) {
            const request: Request = action === 'kms:CreateKey' ? { action, principal } : { action, principal, keyArn: key.metadata.arn };
            let d: Decision;
            try {
              d = ev.evaluate(request);
            } catch {
              continue;
            }
            checkDecision(snapshot, request, d, t, `${f} ${principal} ${action}`);
          }
        }
      }
    }
  });

  it('the scenarios exercised proposals of every kind, policy edits among them', () => {
    expect(t.denied).toBeGreaterThan(100);
    expect(t.proposals).toBeGreaterThan(100);
    expect(t.policyEdits).toBeGreaterThan(50);
    for (const kind of ['request', 'add-statement', 'replace-statement', 'attach-identity-policy', 'add-grant']) expect([...t.kinds]).toContain(kind);
    expect(t.chained).toBeGreaterThan(0);
  });
});
