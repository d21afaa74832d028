// The seed story: a Lambda function's environment variables (issue #6), offline.
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { analyzeLambda, findFunction } from '../../src/analyses/lambda.js';
import { loadFrom } from '../../src/sources/load.js';
import { ROOT } from '../cli/helpers.js';

const DEPLOYER = 'arn:aws:sts::111122223333:assumed-role/deployer/alice';
async function analyze(file: string, as?: string) {
  const snapshot = await loadFrom([`${ROOT}fixtures/${file}`]);
  return { snapshot, a: analyzeLambda(snapshot, findFunction(snapshot, 'my-function'), as) };
}

describe('kms-why lambda', () => {
  it('the function with its grant: allowed by the grant, as the execution-role session, without kms:ViaService', async () => {
    const { a } = await analyze('examples/lambda-env-grant.json');
    expect(a.runtime).toMatchObject({ decision: 'allow', decidedBy: 'grant' });
    expect(a.runtime.reasons[0]!.id).toBe('0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60');
    expect(a.runtimeRequest).toMatchObject({
      principal: 'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function',
      encryptionContext: { 'aws:lambda:FunctionArn': 'arn:aws:lambda:us-east-1:111122223333:function:my-function' },
    });
    expect(a.runtimeRequest.viaService).toBeUndefined();
    expect(a.traps).toEqual([]);
    expect(a.fixes).toEqual([]);
  });

  it('after the grant is retired: denied, with fixes that re-evaluation verified', async () => {
    const { snapshot, a } = await analyze('examples/lambda-env-grant-retired.json');
    expect(a.runtime).toMatchObject({ decision: 'deny', decidedBy: 'implicit-deny' });
    const recreate = a.fixes.find((f) => f.kind === 'recreate-grant')!;
    expect(recreate.verified).toBe(true);
    // The grant Lambda would create (the commands that make it are built by src/report/lambda-phrases.ts).
    expect(recreate.json).toEqual({
      GranteePrincipal: 'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function',
      Operations: ['Decrypt', 'RetireGrant'],
      Constraints: { EncryptionContextEquals: { 'aws:lambda:FunctionArn': 'arn:aws:lambda:us-east-1:111122223333:function:my-function' } },
      RetiringPrincipal: 'lambda.us-east-1.amazonaws.com',
    });
    expect(a.traps).toEqual([{ id: 'grant-missing', session: 'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function' }]);
    expect(a.notes).toEqual([{ kind: 'runtime-flow' }, { kind: 'grant-model' }]);
    // Apply the key-policy fix by hand and check that Decrypt is allowed.
    const kp = a.fixes.find((f) => f.kind === 'key-policy-statement')!;
    expect(kp.verified).toBe(true);
    const doc = JSON.parse(JSON.stringify(snapshot.keys[0]!.policy)) as { statements: unknown[] };
    expect(doc.statements.length).toBe(1);
    const { parsePolicyDocument } = await import('../../src/sources/policy-document.js');
    const raw = {
      Version: '2012-10-17',
      Statement: [...(snapshot.keys[0]!.policy as { statements: Array<{ raw: unknown }> }).statements.map((s) => s.raw), kp.json],
    };
    const fixed = {
      ...snapshot,
      keys: [{ ...snapshot.keys[0]!, policy: parsePolicyDocument(raw, { source: 'key-policy', name: 'key policy', path: 'fixed' }) }],
    };
    expect(new Evaluator(fixed).evaluate(a.runtimeRequest).decision).toBe('allow');
  });

  it('the AWS managed key: the control plane is allowed by the kms:ViaService statement, the runtime only by the grant', async () => {
    const { a } = await analyze('lambda/aws-managed-key.json', DEPLOYER);
    expect(a.keyIdentifier).toBe('alias/aws/lambda');
    expect(a.runtime.decidedBy).toBe('grant');
    expect(a.controlPlane.map((d) => [d.action, d.decision, d.decidedBy])).toEqual([
      ['kms:Encrypt', 'allow', 'key-policy'],
      ['kms:CreateGrant', 'allow', 'key-policy'],
      ['kms:Decrypt', 'allow', 'key-policy'],
    ]);
    const lost = (await analyze('lambda/aws-managed-key-grant-lost.json')).a;
    expect(lost.runtime.decision).toBe('deny');
    expect(lost.traps.map((t) => t.id)).toContain('managed-key-via-service');
    expect(lost.fixes.map((f) => f.kind)).toEqual(['recreate-grant']); // an AWS managed key policy cannot be changed
  });

  it('the AWS managed key of the function’s Region, where the snapshot has aws/lambda in two Regions', async () => {
    const snapshot = await loadFrom([`${ROOT}fixtures/lambda/aws-managed-key.json`]);
    const key = snapshot.keys.find((k) => k.aliases.includes('alias/aws/lambda'))!;
    const arn = key.metadata.arn.replace(':us-east-1:', ':eu-west-1:');
    // Another Region's aws/lambda key first, with a policy that allows nothing.
    const other = { ...key, metadata: { ...key.metadata, arn, region: 'eu-west-1' }, policy: { ...key.policy, statements: [] }, grants: [] };
    const a = analyzeLambda({ ...snapshot, keys: [other, ...snapshot.keys] }, findFunction(snapshot, 'my-function'), DEPLOYER);
    expect(a.runtime.keyArn).toBe(key.metadata.arn);
    expect(a.runtime.decidedBy).toBe('grant');
  });

  it.each([
    ['lambda/role-recreated.json', 'orphaned-grantee'],
    ['lambda/function-arn-mismatch.json', 'function-arn-mismatch'],
    ['lambda/session-name-mismatch.json', 'session-name-mismatch'],
  ])('%s: denied, and the trap is named (%s)', async (file, trap) => {
    const { a } = await analyze(file);
    expect(a.runtime.decision).toBe('deny');
    expect(a.traps.map((t) => t.id)).toEqual([trap]);
    expect(a.traps[0]).toEqual(expect.objectContaining({ grantId: expect.any(String) }));
    expect(a.fixes.find((f) => f.kind === 'recreate-grant')?.verified).toBe(true);
  });
});
