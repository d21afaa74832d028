// The evaluator keeps base-context parts across requests (SharedContexts): the part shared by
// callers of one kind and account on one key, and each caller's own keys for every key. A base
// context made through the cache must hold exactly the keys one made from scratch holds, in any
// order of callers, keys and request fields, and a caller's own keys are one map for every key.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePrincipal } from '../../src/model/arn.js';
import type { Key } from '../../src/model/key.js';
import type { PrincipalRef } from '../../src/model/principal.js';
import { buildBaseContext, SharedContexts, type RequestContext } from '../../src/evaluate/context.js';
import { enabledKeyMetadata } from '../helpers/keys.js';

function key(id: string, tags: Record<string, string>): Key {
  return {
    metadata: enabledKeyMetadata(`arn:aws:kms:us-east-1:111122223333:key/${id}`),
    policy: { source: 'key-policy', name: 'key policy', statements: [] },
    grants: [],
    aliases: id === 'k1' ? ['alias/one'] : [],
    tags,
  } as unknown as Key;
}

const KEYS = [key('k1', { team: 'a' }), key('k2', {})];
const CALLERS: PrincipalRef[] = [
  'arn:aws:iam::111122223333:role/app',
  'arn:aws:sts::111122223333:assumed-role/app/s1',
  'arn:aws:iam::111122223333:user/alice',
  'arn:aws:iam::444455556666:role/other',
  'arn:aws:iam::111122223333:root',
  'lambda.amazonaws.com',
].map((t) => parsePrincipal(t)!);
const TAGS: Array<Record<string, string> | 'unknown'> = [{ team: 'a', Env: 'Prod' }, {}, 'unknown'];

/** Every key a context answers, as plain data. */
function keysOf(ctx: RequestContext): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of [ctx.shared, ctx.base, ctx.values]) if (m !== undefined) for (const [k, v] of m) out[k] = v;
  return out;
}

const stepArb = fc.record({
  caller: fc.nat({ max: CALLERS.length - 1 }),
  key: fc.nat({ max: KEYS.length - 1 }),
  tags: fc.nat({ max: TAGS.length - 1 }),
  principalId: fc.constantFrom(undefined, 'AROAEXAMPLE', 'AIDAEXAMPLE'),
  viaService: fc.constantFrom(undefined, 's3.us-east-1.amazonaws.com'),
  at: fc.constantFrom(undefined, '2026-01-01T00:00:00Z'),
  keyOp: fc.boolean(),
  withSession: fc.boolean(),
});

describe('SharedContexts', () => {
  it('gives the base context made from scratch, in any order of requests', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), (steps) => {
        const cache = new SharedContexts();
        for (const s of steps) {
          const caller = CALLERS[s.caller]!;
          const input = {
            request: { action: 'kms:Decrypt', principal: caller.arn, ...(s.viaService ? { viaService: s.viaService } : {}), ...(s.at ? { at: s.at } : {}) },
            caller,
            callerAccount: caller.kind === 'service' ? undefined : caller.account,
            principalArn: caller.kind === 'service' ? undefined : caller.arn,
            principalTags: TAGS[s.tags]!,
            key: KEYS[s.key],
            principalId: s.principalId,
            orgIdOf: () => undefined,
          };
          const cached = buildBaseContext(input, s.keyOp, s.withSession, cache);
          const fresh = buildBaseContext(input, s.keyOp, s.withSession);
          expect(keysOf(cached)).toEqual(keysOf(fresh));
          expect(cached.unknownPrefixes).toEqual(fresh.unknownPrefixes);
          expect(cached.underivable).toEqual(fresh.underivable);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps one map of a caller’s own keys for every key', () => {
    const cache = new SharedContexts();
    const caller = CALLERS[0]!;
    const tags = { team: 'a' };
    const make = (k: Key) =>
      buildBaseContext(
        {
          request: { action: 'kms:Decrypt', principal: caller.arn },
          caller,
          callerAccount: '111122223333',
          principalArn: caller.arn,
          principalTags: tags,
          key: k,
        },
        true,
        true,
        cache,
      );
    const a = make(KEYS[0]!);
    const b = make(KEYS[1]!);
    expect(b.values).toBe(a.values);
    expect(b.shared).not.toBe(a.shared);
    expect(a.values.get('aws:principaltag/team')).toEqual(['a']);
  });
});
