// A walk's scans read each policy's statements of one effect for the action (coveringEffect), and
// a caller's identity policies as one list per action and effect (StatementLists). Both must be
// exactly what the plain reading gives: every statement whose Action/NotAction covers the action,
// of that effect, in policy order then statement order (the order reasons and records follow).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/model/actions.js';
import { compilePolicy, StatementLists, statementCoversAction } from '../../src/evaluate/compile.js';
import { parsePolicyDocument } from '../../src/sources/policy-document.js';

const PATTERNS = [
  'kms:*',
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:Generate*',
  'kms:*Key',
  'kms:Re*',
  '*',
  'kms:Create?lias',
  's3:GetObject',
  'KMS:decrypt',
  'kms:List*',
];

const statementArb = fc.record({
  Effect: fc.constantFrom('Allow', 'Deny'),
  not: fc.boolean(),
  actions: fc.array(fc.constantFrom(...PATTERNS), { minLength: 1, maxLength: 3 }),
});

const policyArb = fc.array(statementArb, { minLength: 1, maxLength: 5 });

describe('statement lists by action and effect', () => {
  it('are the covering statements of the effect, in policy and statement order', () => {
    fc.assert(
      fc.property(
        fc.array(policyArb, { minLength: 0, maxLength: 5 }),
        fc.array(fc.nat({ max: ACTIONS.length - 1 }), { minLength: 1, maxLength: 12 }),
        (docs, asked) => {
          const policies = docs.map((sts, i) =>
            compilePolicy(
              parsePolicyDocument(
                {
                  Version: '2012-10-17',
                  Statement: sts.map((s, j) => ({ Sid: `S${i}x${j}`, Effect: s.Effect, [s.not ? 'NotAction' : 'Action']: s.actions, Resource: '*' })),
                },
                { source: 'identity-policy', name: `p${i}`, path: 'test' },
              ),
            ),
          );
          const lists = new StatementLists(policies);
          // Asked in any order, some twice: the lists are made on first use and kept.
          for (const ai of asked) {
            const action = ACTIONS[ai]!;
            for (const effect of ['Allow', 'Deny'] as const) {
              const plain = policies.flatMap((cp) =>
                cp.policy.statements
                  .filter((st) => st.effect === effect && statementCoversAction(st, action.name))
                  .map((st) => `${cp.policy.name}#${st.index}`),
              );
              const ids = (l: readonly { policy: { name: string }; st: { index: number } }[]) => l.map((cs) => `${cs.policy.name}#${cs.st.index}`);
              expect(ids(lists.of(action, effect))).toEqual(plain);
              for (const cp of policies) expect(ids(cp.coveringEffect(action, effect))).toEqual(plain.filter((x) => x.startsWith(`${cp.policy.name}#`)));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('tells apart Action lists that would read alike joined (statements share one set per list)', () => {
    const doc = (actions: string[]) =>
      compilePolicy(
        parsePolicyDocument(
          { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] },
          { source: 'identity-policy', name: 'p', path: 'test' },
        ),
      );
    const decrypt = ACTIONS.find((a) => a.name === 'kms:Decrypt')!;
    // One pattern holding a NUL (matches nothing) and two patterns (match Decrypt and Encrypt).
    expect(doc(['kms:Decrypt\u0000kms:Encrypt']).covering(decrypt)).toHaveLength(0);
    expect(doc(['kms:Decrypt', 'kms:Encrypt']).covering(decrypt)).toHaveLength(1);
    expect(doc(['1:kms:Decrypt']).covering(decrypt)).toHaveLength(0);
    expect(doc(['kms:Decrypt']).covering(decrypt)).toHaveLength(1);
  });
});
