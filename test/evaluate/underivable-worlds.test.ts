// A request that reads a key kms-why cannot derive (aws:SourceIp) is decided in a permissive and
// a restrictive world, and explained in the one whose reasons hold whatever the key says. The
// actual world's explained walk stands in for that walk only when it is the same walk: these
// cases put the unknown condition on the Allow side, the Deny side and both, so that a walk taken
// from the wrong world would give other reasons, another decider or another trace.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import type { Decision } from '../../src/model/decision.js';
import { decidesUnknown } from '../../src/evaluate/recorder.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT as A, delegatingKey, KEY_ARN as KEY } from '../helpers/snapshot-doc.js';

const OFFICE = { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } };
const NOT_OFFICE = { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } };

type St = Record<string, unknown>;

function evaluatorFor(roles: Record<string, { identity: St[]; boundary?: St[] }>): Evaluator {
  const snap = parseSnapshot(
    {
      kmsWhySnapshot: 1,
      keys: [delegatingKey()],
      principals: Object.entries(roles).map(([name, r]) => ({
        Arn: `arn:aws:iam::${A}:role/${name}`,
        IdentityPolicies: [{ PolicyName: `${name}-policy`, Document: { Version: '2012-10-17', Statement: r.identity } }],
        ...(r.boundary
          ? { PermissionsBoundary: { PolicyArn: `arn:aws:iam::${A}:policy/${name}-boundary`, Document: { Version: '2012-10-17', Statement: r.boundary } } }
          : {}),
      })),
    },
    'underivable.json',
  );
  return new Evaluator(snap);
}

const ROLES = {
  // Allow side only; allowed in both worlds: the reasons are the restrictive world's (Plain alone).
  allowSide: {
    identity: [
      { Sid: 'FromOffice', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: OFFICE },
      { Sid: 'Plain', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
    ],
  },
  // Deny side only: allowed where the Deny does not apply, denied where it does.
  denySide: {
    identity: [
      { Sid: 'Plain', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
      { Sid: 'OnlyOffice', Effect: 'Deny', Action: 'kms:*', Resource: '*', Condition: NOT_OFFICE },
    ],
  },
  // Both sides: the permissive world allows through FromOffice, the restrictive one denies.
  bothSides: {
    identity: [
      { Sid: 'FromOffice', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: OFFICE },
      { Sid: 'OnlyOffice', Effect: 'Deny', Action: 'kms:*', Resource: '*', Condition: NOT_OFFICE },
    ],
  },
  // Allow side only, denied in both worlds but for different reasons: the permissive world's
  // identity allow is taken away by the boundary; the restrictive world has no allow at all.
  boundaryLimited: {
    identity: [{ Sid: 'FromOffice', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: OFFICE }],
    boundary: [{ Sid: 'OnlyDescribe', Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }],
  },
};

const ask = (ev: Evaluator, role: string, context?: Record<string, string>): Decision =>
  ev.evaluate({ action: 'kms:Decrypt', principal: `arn:aws:sts::${A}:assumed-role/${role}/s1`, keyArn: KEY, ...(context ? { context } : {}) });

const stepAnswer = (d: Decision, step: string): string | undefined => d.trace.find((t) => t.step === step)?.answer;

describe('a request that reads aws:SourceIp is explained in the right world', () => {
  for (const shared of [false, true]) {
    // The same answers from one evaluator that has seen every role, and from a fresh one per request.
    const evaluator = shared
      ? (() => {
          const ev = evaluatorFor(ROLES);
          return () => ev;
        })()
      : () => evaluatorFor(ROLES);
    const label = shared ? 'one evaluator' : 'a fresh evaluator each';

    it(`Allow side only, allowed in both worlds: the restrictive world's reasons (${label})`, () => {
      const d = ask(evaluator(), 'allowSide');
      expect(d.decision).toBe('allow');
      // The key policy delegates; of the identity statements only Plain holds whatever the address.
      expect(d.reasons.map((r) => r.id)).toEqual(['Delegate', 'Plain']);
      expect(d.hints).toContainEqual({ kind: 'underivable-holds', names: ['aws:SourceIp'] });
      expect(d.assumptions).toContain('unknownContextKeys');
    });

    it(`Deny side only: unknown, explained by the permissive walk where no Deny applies (${label})`, () => {
      const d = ask(evaluator(), 'denySide');
      expect(d.decision).toBe('unknown');
      expect(d.hints.some((h) => h.kind === 'underivable-decides' && h.name === 'aws:SourceIp')).toBe(true);
      expect(stepAnswer(d, 'explicit-deny')).toBe('no');
      expect(stepAnswer(d, 'identity-policy')).toBe('yes');
    });

    it(`both sides: unknown, explained by the permissive walk where FromOffice allows (${label})`, () => {
      const d = ask(evaluator(), 'bothSides');
      expect(d.decision).toBe('unknown');
      expect(stepAnswer(d, 'explicit-deny')).toBe('no');
      // The actual world counts FromOffice as not applying: its walk would say "no" here.
      expect(stepAnswer(d, 'identity-policy')).toBe('yes');
    });

    it(`Allow side only, denied in both worlds: the permissive world's decider, the boundary (${label})`, () => {
      const d = ask(evaluator(), 'boundaryLimited');
      expect(d.decision).toBe('deny');
      // The restrictive (and the actual) walk finds no identity allow: an implicit deny.
      expect(d.decidedBy).toBe('permissions-boundary');
    });

    it(`the address given: no world is needed, and the verdicts follow it (${label})`, () => {
      const ev = evaluator();
      expect(ask(ev, 'bothSides', { 'aws:SourceIp': '203.0.113.7' }).decision).toBe('allow');
      expect(ask(ev, 'bothSides', { 'aws:SourceIp': '192.0.2.7' }).decision).toBe('deny');
      expect(ask(ev, 'boundaryLimited', { 'aws:SourceIp': '192.0.2.7' }).decidedBy).toBe('implicit-deny');
    });
  }

  it('explained and unexplained evaluations agree on every verdict', () => {
    const ev = evaluatorFor(ROLES);
    for (const role of Object.keys(ROLES)) {
      const principal = `arn:aws:sts::${A}:assumed-role/${role}/s2`;
      const explained = ev.evaluate({ action: 'kms:Decrypt', principal, keyArn: KEY });
      const bare = ev.evaluate({ action: 'kms:Decrypt', principal, keyArn: KEY }, { explain: false });
      expect([role, bare.decision, bare.decidedBy, bare.authorization]).toEqual([role, explained.decision, explained.decidedBy, explained.authorization]);
    }
  });
});

describe('unknownNotes: an unknown verdict carries the notes and missing keys of its explanation', () => {
  // who-can asks every request without the explanation, and for an unknown verdict only what it
  // depends on: one explained walk must give what the whole explanation gives.
  const CONTEXT = { StringEquals: { 'kms:EncryptionContext:app': 'web' } };
  const roles = {
    ...ROLES,
    // Unknown, with a statement that reads an encryption-context key the request lacks.
    contextToo: {
      identity: [
        { Sid: 'FromOffice', Effect: 'Allow', Action: 'kms:*', Resource: '*', Condition: OFFICE },
        { Sid: 'WithContext', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: CONTEXT },
        { Sid: 'OnlyOffice', Effect: 'Deny', Action: 'kms:*', Resource: '*', Condition: NOT_OFFICE },
      ],
    },
  };
  const actions = ['kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey', 'kms:EnableKey', 'kms:CreateGrant', 'kms:RetireGrant'];

  it('the same dependsOn, missing keys and cause as the explained evaluation; nothing on other verdicts', () => {
    const ev = evaluatorFor(roles);
    let unknown = 0;
    for (const role of Object.keys(roles))
      for (const action of actions) {
        const req = { action, principal: `arn:aws:sts::${A}:assumed-role/${role}/s3`, keyArn: KEY };
        const x = ev.evaluate(req, { explain: true, verifyHints: false, trace: false });
        const n = ev.evaluate(req, { explain: false, unknownNotes: true, verifyHints: false, trace: false });
        const where = `${role} ${action}`;
        expect([n.decision, n.authorization, n.decidedBy], where).toEqual([x.decision, x.authorization, x.decidedBy]);
        if (x.decision !== 'unknown') {
          expect(n.hints, where).toEqual([]);
          continue;
        }
        unknown++;
        expect(n.hints.filter(decidesUnknown), where).toEqual(x.hints.filter(decidesUnknown));
        expect([...n.missingContext].sort(), where).toEqual([...x.missingContext].sort());
        expect(n.unknownBecause, where).toEqual(x.unknownBecause);
      }
    // The cases reach the unknown branch.
    expect(unknown).toBeGreaterThan(4);
  });
});

describe('a key read only by a statement that cannot apply decides nothing, and is not named', () => {
  // Both walks stop at a statement whose Principal or Resource fails: the explanation must not say
  // that aws:SourceIp was consulted (an "holds whatever the value" hint, the unknown-keys
  // assumption) when only such a statement reads it.
  const plain = { Sid: 'Plain', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' };
  const otherKey = `${KEY.slice(0, KEY.lastIndexOf('/') + 1)}00000000-0000-0000-0000-000000000000`;
  const snapshotWith = (keyStatements: St[], identity: St[]): Evaluator =>
    new Evaluator(
      parseSnapshot(
        {
          kmsWhySnapshot: 1,
          keys: [
            delegatingKey({
              Policy: {
                Version: '2012-10-17',
                Statement: [
                  { Sid: 'Delegate', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
                  ...keyStatements,
                ],
              },
            }),
          ],
          principals: [
            { Arn: `arn:aws:iam::${A}:role/app`, IdentityPolicies: [{ PolicyName: 'app-policy', Document: { Version: '2012-10-17', Statement: identity } }] },
          ],
        },
        'not-consulted.json',
      ),
    );
  const notNamed = (d: Decision): void => {
    expect(d.decision).toBe('allow');
    expect(d.reasons.map((r) => r.id)).toEqual(['Delegate', 'Plain']);
    expect(d.hints.filter((h) => h.kind === 'underivable-holds' || h.kind === 'underivable-decides')).toEqual([]);
    expect(d.assumptions).not.toContain('unknownContextKeys');
    expect(d.missingContext).not.toContain('aws:SourceIp');
  };

  it('a key-policy statement for another principal', () => {
    const ev = snapshotWith(
      [
        {
          Sid: 'OtherFromOffice',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${A}:role/other` },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: OFFICE,
        },
        { Sid: 'OtherOnlyOffice', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${A}:role/other` }, Action: 'kms:*', Resource: '*', Condition: NOT_OFFICE },
      ],
      [plain],
    );
    notNamed(ask(ev, 'app'));
  });

  it('an identity Deny about another key', () => {
    const ev = snapshotWith([], [{ Sid: 'OtherKeyOnlyOffice', Effect: 'Deny', Action: 'kms:*', Resource: otherKey, Condition: NOT_OFFICE }, plain]);
    notNamed(ask(ev, 'app'));
  });

  it('an identity Allow about another key, when nothing else allows: denied, and the address named nowhere', () => {
    const ev = snapshotWith([], [{ Sid: 'OtherKeyFromOffice', Effect: 'Allow', Action: 'kms:*', Resource: otherKey, Condition: OFFICE }]);
    const d = ask(ev, 'app');
    expect([d.decision, d.decidedBy]).toEqual(['deny', 'implicit-deny']);
    expect(d.hints.filter((h) => h.kind === 'underivable-holds' || h.kind === 'underivable-decides')).toEqual([]);
    expect(d.assumptions).not.toContain('unknownContextKeys');
  });

  it('the same statements for this principal and key do read it (the control)', () => {
    const ev = snapshotWith(
      [{ Sid: 'AppOnlyOffice', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${A}:role/app` }, Action: 'kms:*', Resource: '*', Condition: NOT_OFFICE }],
      [plain],
    );
    const d = ask(ev, 'app');
    expect(d.decision).toBe('unknown');
    expect(d.hints.some((h) => h.kind === 'underivable-decides' && h.name === 'aws:SourceIp')).toBe(true);
  });
});
