// What a grant step of the trace says is what the inputs show: a grant that could not be read is
// not described as naming the caller, and a request that presents a grant token is not said to
// present none.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { phraseDecision } from '../../src/report/phrases.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCOUNT, KEY_ARN, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const APP = `arn:aws:iam::${ACCOUNT}:role/App`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/Bob`;
const g1 = { KeyId: KEY_ARN, GrantId: 'g1', GranteePrincipal: APP, IssuingAccount: ROOT, Operations: ['Decrypt', 'RetireGrant'] };

describe('RetireGrant of a grant the partial grant list does not hold for the caller', () => {
  const snapshot = parseSnapshot(
    oneKeySnapshot({ Grants: [g1], GrantsPartial: { FirstPage: 100, GranteePrincipals: [APP, ROOT, ACCOUNT], GrantIds: [] } }, [
      { Arn: APP, IdentityPolicies: [] },
      { Arn: BOB, IdentityPolicies: [] },
    ]),
    'partial.json',
  );

  it('is unknown, and its retire step says the grant could not be read, not that it names the caller', () => {
    const d = new Evaluator(snapshot).evaluate({ action: 'kms:RetireGrant', principal: BOB, keyArn: KEY_ARN, grantId: 'g1' });
    expect(d.decision).toBe('unknown');
    const step = phraseDecision(d).trace.find((t) => t.step === 'retire-grant')!;
    expect(step.answer).toBe('unknown');
    expect(step.detail).toMatch(/could not be read/);
    expect(step.detail).not.toMatch(/retiring principal \(/);
    expect(step.grants).toBeUndefined();
  });
});

describe('a grant not yet consistent, and a request that presents a grant token', () => {
  const pending = { ...g1, GrantId: 'gp', GranteePrincipal: BOB, Operations: ['Decrypt'], State: 'pending-consistency', GrantToken: 'TOKEN-P' };
  const ev = new Evaluator(parseSnapshot(oneKeySnapshot({ Grants: [pending] }, [{ Arn: BOB, IdentityPolicies: [] }]), 'pending.json'));
  const detail = (grantTokens?: string[]): string => {
    const d = ev.evaluate({ action: 'kms:Decrypt', principal: BOB, keyArn: KEY_ARN, ...(grantTokens ? { grantTokens } : {}) });
    expect(d.decision).toBe('deny');
    return phraseDecision(d).trace.find((t) => t.step === 'grant')!.detail;
  };

  it('says the token presented is not its own, when another is presented', () => {
    expect(detail(['XYZ'])).toContain('no grant token the request presents is its own');
    expect(detail(['XYZ'])).not.toContain('does not present its grant token');
  });

  it('says the request presents none, when none is', () => {
    expect(detail()).toContain('the request does not present its grant token');
  });
});
