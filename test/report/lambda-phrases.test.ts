// The exact words of every kind src/analyses/lambda.ts returns and src/report/lambda-phrases.ts
// phrases (traps, fix titles, what a fix also allows, notes), the AWS CLI commands of a fix, and the
// errors of FunctionError. No golden file holds `kms-why lambda` output, so each is pinned here. The
// samples are Records over the kinds: a new kind fails to compile until it is given a sample.
import { describe, expect, it } from 'vitest';
import type { Fix, LambdaAnalysis, LambdaFunction, LambdaNote, Trap } from '../../src/analyses/lambda.js';
import { FunctionError, type FunctionProblem, InputError } from '../../src/model/errors.js';
import { lambdaJson, lambdaMarkdown, lambdaText } from '../../src/report/lambda.js';
import { prose } from '../../src/report/markdown.js';
import { fixAlsoAllowsText, fixCommands, fixTitleText, fixView, lambdaNoteText, trapText, trapView } from '../../src/report/lambda-phrases.js';

const FN: LambdaFunction = {
  name: 'my-function',
  arn: 'arn:aws:lambda:us-east-1:111122223333:function:my-function',
  qualifiedArn: 'arn:aws:lambda:us-east-1:111122223333:function:my-function:7',
  account: '111122223333',
  region: 'us-east-1',
  partition: 'aws',
  roleArn: 'arn:aws:iam::111122223333:role/service-role/app-exec-role',
  roleName: 'app-exec-role',
  kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  hasEnvironment: true,
};
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SESSION = 'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function';

type Samples<U extends { [k in D]: string }, D extends keyof U> = { [K in U[D]]: Array<[Extract<U, { [k in D]: K }>, string]> };

const TRAPS: Samples<Trap, 'id'> = {
  'no-environment': [[{ id: 'no-environment' }, 'my-function has no environment variables: the runtime does not call Decrypt at init.']],
  'key-not-usable': [
    [{ id: 'key-not-usable', keyArn: KEY, state: 'disabled' }, `the key ${KEY} is disabled: Decrypt fails whatever the grants say.`],
    [{ id: 'key-not-usable', keyArn: KEY, state: 'pending-deletion' }, `the key ${KEY} is pending deletion: Decrypt fails whatever the grants say.`],
  ],
  'orphaned-grantee': [
    [
      { id: 'orphaned-grantee', grantId: 'g1', grantee: 'AROAEXAMPLEID:my-function' },
      'grant g1 names AROAEXAMPLEID:my-function, the unique id of a deleted role: the execution role was deleted and recreated, and the new role (same name, new id) does not match it (docs/semantics.md#grant-session-match).',
    ],
  ],
  'session-name-mismatch': [
    [
      { id: 'session-name-mismatch', grantId: 'g2', session: 'old-name' },
      'grant g2 is for session "old-name" of app-exec-role, but the runtime decrypts as session "my-function".',
    ],
  ],
  'function-arn-mismatch': [
    [
      { id: 'function-arn-mismatch', grantId: 'g3', functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:old-name' },
      'grant g3 is for function ARN arn:aws:lambda:us-east-1:111122223333:function:old-name, not arn:aws:lambda:us-east-1:111122223333:function:my-function: the function was renamed or recreated.',
    ],
  ],
  'managed-key-via-service': [
    [
      { id: 'managed-key-via-service' },
      "alias/aws/lambda's key policy allows use only through Lambda (kms:ViaService); the runtime's own Decrypt does not come through Lambda, so only the grant can allow it (docs/semantics.md#lambda-environment-variables).",
    ],
  ],
  'grant-missing': [
    [
      { id: 'grant-missing', session: SESSION },
      `no grant on the key is for ${SESSION} with encryption context aws:lambda:FunctionArn=arn:aws:lambda:us-east-1:111122223333:function:my-function: the grant Lambda created for my-function has been retired or revoked (or was never created), and neither the key policy nor IAM allows the runtime's Decrypt. That is why the function cannot decrypt its environment variables.`,
    ],
  ],
};

const ROLE_ARN = 'arn:aws:iam::111122223333:role/service-role/app-exec-role';
/** Each fix kind: a sample, its title and what else it allows. */
const FIXES: { [K in Fix['kind']]: [Extract<Fix, { kind: K }>, string, string] } = {
  'recreate-grant': [
    { kind: 'recreate-grant', json: { GranteePrincipal: SESSION }, verified: true },
    'Let Lambda create the grant again: switch the function to another role and back (AWS Knowledge Center). The identity running these needs kms:CreateGrant and kms:Encrypt on the key.',
    "nothing else — the grant covers only this function's Decrypt with its own encryption context",
  ],
  'key-policy-statement': [
    { kind: 'key-policy-statement', json: { Sid: 'AllowLambdaEnvDecrypt-my-function' }, verified: true },
    "Or add this statement to the key policy. Key policies store the role's unique id: if the role is deleted and recreated, save the policy again.",
    "every session of app-exec-role (not only the function's) to Decrypt data whose context names my-function",
  ],
  'iam-statement': [
    { kind: 'iam-statement', roleArn: ROLE_ARN, json: { Version: '2012-10-17' }, verified: true },
    `Or attach this identity policy to ${ROLE_ARN} (the key policy already delegates kms:Decrypt to account 111122223333).`,
    'every session of app-exec-role to Decrypt data whose context names my-function',
  ],
};

const NOTES: Samples<LambdaNote, 'kind'> = {
  'runtime-flow': [
    [
      { kind: 'runtime-flow' },
      'The runtime decrypts at init as the execution-role session named after the function, with encryption context aws:lambda:FunctionArn and no kms:ViaService (docs/semantics.md#lambda-environment-variables).',
    ],
  ],
  'grant-model': [
    [
      { kind: 'grant-model' },
      'AWS does not document the grant Lambda creates; kms-why expects grantee = that session, operations Decrypt and RetireGrant, EncryptionContextEquals on aws:lambda:FunctionArn, retiring principal lambda.<region>.amazonaws.com or the session (docs/semantics.md#lambda-environment-variables).',
    ],
  ],
  'unqualified-arn': [
    [
      { kind: 'unqualified-arn', functionArn: FN.arn },
      'Evaluated with the unqualified function ARN arn:aws:lambda:us-east-1:111122223333:function:my-function in the encryption context (the qualifier does not appear in it).',
    ],
  ],
};

describe('the words of kms-why lambda', () => {
  it('every trap', () => {
    for (const [t, text] of Object.values(TRAPS).flat()) expect(trapText(t, FN)).toBe(text);
  });

  it('a trap in --output json: id, the grant it is about (when it is about one), message', () => {
    expect(trapView({ id: 'session-name-mismatch', grantId: 'g2', session: 'old-name' }, FN)).toEqual({
      id: 'session-name-mismatch',
      grantId: 'g2',
      message: TRAPS['session-name-mismatch'][0]![1],
    });
    expect(Object.keys(trapView({ id: 'grant-missing', session: SESSION }, FN))).toEqual(['id', 'message']);
  });

  it('every fix: its title and what else it allows', () => {
    for (const [f, title, also] of Object.values(FIXES)) {
      expect(fixTitleText(f, FN)).toBe(title);
      expect(fixAlsoAllowsText(f, FN)).toBe(also);
    }
  });

  it('the commands of recreate-grant switch the role away and back; the statements have none', () => {
    expect(fixCommands(FIXES['recreate-grant'][0], FN)).toEqual([
      'aws lambda update-function-configuration --function-name my-function --role arn:aws:iam::111122223333:role/TEMPORARY_ROLE',
      'aws lambda wait function-updated --function-name my-function',
      'aws lambda update-function-configuration --function-name my-function --role arn:aws:iam::111122223333:role/service-role/app-exec-role',
    ]);
    expect(fixCommands(FIXES['key-policy-statement'][0], FN)).toBeUndefined();
    expect(fixCommands(FIXES['iam-statement'][0], FN)).toBeUndefined();
  });

  it('a fix in --output json keeps its fields in order, without the data it was phrased from', () => {
    expect(Object.keys(fixView(FIXES['recreate-grant'][0], FN))).toEqual(['kind', 'title', 'commands', 'json', 'verified', 'alsoAllows']);
    expect(fixView(FIXES['iam-statement'][0], FN)).toEqual({
      kind: 'iam-statement',
      title: FIXES['iam-statement'][1],
      json: { Version: '2012-10-17' },
      verified: true,
      alsoAllows: FIXES['iam-statement'][2],
    });
  });

  it('every note', () => {
    for (const [n, text] of Object.values(NOTES).flat()) expect(lambdaNoteText(n)).toBe(text);
  });

  it('the renderers phrase the typed analysis', () => {
    const a = {
      fn: FN,
      keyIdentifier: KEY,
      runtime: { decision: 'deny', decidedBy: 'implicit-deny' },
      runtimeRequest: {},
      controlPlane: [],
      traps: [{ id: 'no-environment' }],
      fixes: [FIXES['key-policy-statement'][0]],
      notes: [{ kind: 'unqualified-arn', functionArn: FN.arn }],
    } as unknown as LambdaAnalysis;
    const json = lambdaJson(a);
    expect(json.traps).toEqual([{ id: 'no-environment', message: TRAPS['no-environment'][0]![1] }]);
    expect(json.notes).toEqual([NOTES['unqualified-arn'][0]![1]]);
    expect(lambdaText(a)).toContain('  - my-function has no environment variables: the runtime does not call Decrypt at init.\n');
    expect(lambdaText(a)).toContain('     It also allows: every session of app-exec-role (not only the function');
    expect(lambdaMarkdown(a)).toContain(`   It also allows: ${prose(FIXES['key-policy-statement'][2])}.`);
  });

  it('Markdown notes keep placeholders visible: lambda.<region>.amazonaws.com is not taken for HTML', () => {
    const a = {
      fn: FN,
      keyIdentifier: KEY,
      runtime: { decision: 'allow', decidedBy: 'grant' },
      runtimeRequest: {},
      controlPlane: [],
      traps: [],
      fixes: [],
      notes: [{ kind: 'grant-model' }],
    } as unknown as LambdaAnalysis;
    const md = lambdaMarkdown(a);
    expect(md).not.toMatch(/[^\\`]<region>/);
    expect(md).toMatch(/lambda\.\\<region\\>\.amazonaws\.com|`lambda\.<region>\.amazonaws\.com`/);
  });
});

describe('FunctionError phrases what is wrong with a function', () => {
  const cases: { [K in FunctionProblem['kind']]: [Extract<FunctionProblem, { kind: K }>, string, string | undefined][] } = {
    'not-an-object': [[{ kind: 'not-an-object' }, 'a Functions entry must be a GetFunctionConfiguration object', undefined]],
    'missing-fields': [
      [
        { kind: 'missing-fields' },
        'a Functions entry needs FunctionName, FunctionArn and Role (the output of aws lambda get-function-configuration)',
        undefined,
      ],
    ],
    'not-a-function-arn': [[{ kind: 'not-a-function-arn', arn: 'arn:aws:s3:::b' }, 'FunctionArn "arn:aws:s3:::b" is not a Lambda function ARN', undefined]],
    'function-not-in-snapshot': [
      [
        { kind: 'function-not-in-snapshot', function: 'nope', snapshotFunctions: ['a', 'b'] },
        'function "nope" is not in the snapshot',
        'The snapshot has: a, b.',
      ],
      [
        { kind: 'function-not-in-snapshot', function: 'nope', snapshotFunctions: [] },
        'function "nope" is not in the snapshot',
        'Add "Functions": [<aws lambda get-function-configuration output>] to the snapshot, or write one with kms-why snapshot --lambda NAME.',
      ],
    ],
    'key-not-in-snapshot': [
      [
        { kind: 'key-not-in-snapshot', key: 'alias/aws/lambda', managed: true },
        "the function's key alias/aws/lambda is not in the snapshot",
        'The function uses the AWS managed key alias/aws/lambda: add that key (describe-key, get-key-policy, list-grants) to the snapshot.',
      ],
      [
        { kind: 'key-not-in-snapshot', key: KEY, managed: false },
        `the function's key ${KEY} is not in the snapshot`,
        'Add the key to the snapshot (kms-why snapshot writes it).',
      ],
    ],
  };
  it('every problem: message, hint, and an input error (exit 2)', () => {
    for (const [p, message, hint] of Object.values(cases).flat()) {
      const e = new FunctionError(p);
      expect(e).toBeInstanceOf(InputError);
      expect(e.fault).toBe('input');
      expect(e.message).toBe(message);
      expect(e.hint).toBe(hint);
      expect(e.problem).toEqual(p);
    }
  });
});
