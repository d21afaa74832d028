// The corpus of error messages (fixtures/errors/*, expectations in fixtures/errors/expected.json):
// every form, in several clients' wrappings, with the request each must give.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import { clueMeaning } from '../../src/report/error-clue.js';
import { parseErrorMessage, type ParsedErrorMessage } from '../../src/sources/error-message.js';

const DIR = fileURLToPath(new URL('../../fixtures/errors/', import.meta.url));

interface Expected {
  client?: string;
  lambda?: boolean;
  errorCode?: string;
  kmsErrorCode?: string;
  operation?: string;
  request?: { principal?: string; action?: string; keyArn?: string };
  clue?: { kind: string; layer?: string; policyArn?: string };
  missing?: string[];
  error?: string;
  hint?: string;
}

const corpus = JSON.parse(readFileSync(`${DIR}expected.json`, 'utf8')) as { messages: Record<string, Expected> };
const messageFiles = readdirSync(DIR).filter((f) => /\.(txt|json)$/.test(f) && f !== 'expected.json' && !f.startsWith('snapshot-'));

const K = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const S = 'arn:aws:sts::111122223333:assumed-role/app/s1';

describe('the error-message corpus', () => {
  it('has an expectation for every message file, and a file for every expectation', () => {
    expect(messageFiles.sort()).toEqual(Object.keys(corpus.messages).sort());
  });

  it('covers the forms and the wrappings the issue lists', () => {
    const clients = new Set(Object.values(corpus.messages).map((e) => e.client));
    for (const c of ['aws-cli', 'boto3', 'sdk-js-v3', 'lambda']) expect(clients).toContain(c);
    const clues = Object.values(corpus.messages).map((e) => `${e.clue?.kind}/${e.clue?.layer ?? ''}`);
    for (const c of ['no-allow/resource-based policy', 'no-allow/identity-based policy', 'explicit-deny/identity-based policy', 'key-inaccessible/'])
      expect(clues).toContain(c);
  });

  for (const [file, exp] of Object.entries(corpus.messages)) {
    it(`${file}: ${exp.error ? 'refused with a hint' : `${exp.client} ${exp.request?.action ?? ''}`}`, () => {
      const text = readFileSync(`${DIR}${file}`, 'utf8');
      if (exp.error !== undefined) {
        let err: unknown;
        try {
          parseErrorMessage(text);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(InputError);
        expect((err as InputError).message).toContain(exp.error);
        expect((err as InputError).hint ?? '').toContain(exp.hint ?? '');
        return;
      }
      const p = parseErrorMessage(text);
      expect(p.client).toBe(exp.client);
      expect(p.lambda).toBe(exp.lambda === true);
      expect(p.errorCode).toBe(exp.errorCode);
      expect(p.kmsErrorCode).toBe(exp.kmsErrorCode);
      expect(p.operation).toBe(exp.operation);
      expect(p.principal).toBe(exp.request?.principal);
      expect(p.action).toBe(exp.request?.action);
      expect(p.keyArn).toBe(exp.request?.keyArn);
      expect(p.clue).toMatchObject(exp.clue!);
      if (exp.clue?.policyArn === undefined && p.clue.kind === 'explicit-deny') expect(p.clue.policyArn).toBeUndefined();
      expect(p.missing.map((m) => m.field)).toEqual(exp.missing);
      // Every missing part names the flag that gives it.
      for (const m of p.missing) expect(m.why).toMatch(/--(principal|key|action|context|via-service)/);
      // The KMS message is kept without the client's wrapping.
      expect(p.kmsMessage).not.toMatch(/An error occurred|Traceback|\$metadata|Service: AWSKMS|operation error/);
    });
  }
});

describe('parseErrorMessage', () => {
  const base = `User: ${S} is not authorized to perform: kms:Decrypt on resource: ${K}`;

  it('reads the bare KMS message', () => {
    const p = parseErrorMessage(`${base} because no resource-based policy allows the kms:Decrypt action`);
    expect(p).toMatchObject({ client: 'plain', principal: S, action: 'kms:Decrypt', keyArn: K, clue: { kind: 'no-allow', layer: 'resource-based policy' } });
    expect(p.kmsMessage).toBe(`${base} because no resource-based policy allows the kms:Decrypt action`);
  });

  it('reads every layer of "because no … allows" and "with an explicit deny in …"', () => {
    const layers = [
      'identity-based policy',
      'resource-based policy',
      'permissions boundary',
      'session policy',
      'service control policy',
      'resource control policy',
      'VPC endpoint policy',
    ];
    for (const l of layers) {
      expect(parseErrorMessage(`${base} because no ${l} allows the kms:Decrypt action`).clue).toMatchObject({ kind: 'no-allow', layer: l });
      const article = /^[aeiou]/i.test(l) ? 'an' : 'a';
      expect(parseErrorMessage(`${base} with an explicit deny in ${article} ${l}`).clue).toMatchObject({ kind: 'explicit-deny', layer: l });
    }
    expect(parseErrorMessage(`${base} with an explicit deny`).clue).toMatchObject({ kind: 'explicit-deny', layer: null });
  });

  it('reads a JSON error body with escaped quotes', () => {
    const body = JSON.stringify({ __type: 'AccessDeniedException', message: `${base} because no identity-based policy allows the kms:Decrypt action` });
    const p = parseErrorMessage(body);
    expect(p).toMatchObject({ client: 'json', errorCode: 'AccessDeniedException', principal: S, keyArn: K, clue: { layer: 'identity-based policy' } });
  });

  it('reads a message quoted inside a log line, and strips the quote and full stop from the ARN', () => {
    const p = parseErrorMessage(`level=error msg="decrypt failed" err="${base}."`);
    expect(p.keyArn).toBe(K);
  });

  it('takes the action from the operation when the message does not name it, and asks for the principal and key', () => {
    const p = parseErrorMessage(
      'An error occurred (AccessDeniedException) when calling the GenerateDataKey operation: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
    );
    expect(p.action).toBe('kms:GenerateDataKey');
    expect(p.actionFrom).toBe('operation');
    expect(p.missing.filter((m) => m.required).map((m) => m.field)).toEqual(['principal', 'key']);
  });

  it('reads the newer wording of the ciphertext message', () => {
    const p = parseErrorMessage('The ciphertext refers to a KMS key that does not exist, does not exist in this region, or you are not allowed to access.');
    expect(p.clue.kind).toBe('key-inaccessible');
    expect(p.action).toBe('kms:Decrypt');
    expect(p.actionFrom).toBe('default');
  });

  it('ReEncrypt without the action in the message means ReEncryptFrom, and says so', () => {
    const p = parseErrorMessage(
      'An error occurred (AccessDeniedException) when calling the ReEncrypt operation: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
    );
    expect(p.action).toBe('kms:ReEncryptFrom');
    expect(p.notes.join(' ')).toMatch(/ReEncryptTo/);
  });

  it('a Lambda error without the KMS message still names Decrypt and asks for the rest', () => {
    const p = parseErrorMessage(
      "Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's KMS key settings.",
    );
    expect(p).toMatchObject({ lambda: true, action: 'kms:Decrypt', clue: { kind: 'not-authorized' } });
    expect(p.missing.map((m) => m.field)).toEqual(['principal', 'key']);
    expect(p.missing[0]!.why).toContain('assumed-role/EXECUTION_ROLE/FUNCTION_NAME');
  });

  it('says when the caller named is no principal it can evaluate', () => {
    const p = parseErrorMessage(`User: anonymous is not authorized to perform: kms:Decrypt on resource: ${K}`);
    expect(p.principal).toBeUndefined();
    expect(p.missing[0]!.field).toBe('principal');
    expect(p.notes.join(' ')).toContain('anonymous');
  });

  it('refuses empty text, a non-KMS action and an unknown kms: action, each with a hint', () => {
    for (const [text, msg] of [
      ['   ', /empty/],
      ['Something went wrong', /cannot read this error message/],
      [`User: ${S} is not authorized to perform: kms:Decrypto on resource: ${K}`, /kms:Decrypto, not a KMS action/],
    ] as const) {
      let err: unknown;
      try {
        parseErrorMessage(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message).toMatch(msg);
      expect((err as InputError).hint).toBeTruthy();
    }
  });

  it('reads the key-state errors, bare or wrapped, as a key-state clue that is no access denial', () => {
    const bare = parseErrorMessage(`DisabledException: ${K} is disabled.`);
    expect(bare).toMatchObject({ keyArn: K, errorCode: 'DisabledException', clue: { kind: 'key-state', errorCode: 'DisabledException', state: 'disabled' } });
    expect(bare.missing.filter((m) => m.required).map((m) => m.field)).toEqual(['principal', 'action']);
    expect(bare.missing[0]!.why).toMatch(/^DisabledException is a key-state error \(the key was disabled\), not an authorization error/);
    expect(bare.notes.join(' ')).toMatch(/not for a missing permission/);
    const cli = parseErrorMessage(`An error occurred (KMSInvalidStateException) when calling the Decrypt operation: ${K} is pending deletion.`);
    expect(cli).toMatchObject({
      client: 'aws-cli',
      action: 'kms:Decrypt',
      keyArn: K,
      clue: { kind: 'key-state', errorCode: 'KMSInvalidStateException', state: 'pending deletion' },
    });
    const json = parseErrorMessage(JSON.stringify({ __type: 'KMSInvalidStateException', message: `${K} is pending import.` }));
    expect(json.clue).toMatchObject({ kind: 'key-state', state: 'pending import' });
    expect(clueMeaning(cli.clue, 'kms:Decrypt')).toBe(
      "The key's state refused kms:Decrypt: the key was pending deletion when the call was made. KMSInvalidStateException is a key-state error, not an access denial: it does not say whether the policies allowed the request.",
    );
    // The state sentence without a key-state exception is not read as one.
    expect(() => parseErrorMessage(`ThrottlingException: ${K} is disabled.`)).toThrow(/cannot read this error message/);
  });

  it('explains each clue in a sentence', () => {
    const p: ParsedErrorMessage = parseErrorMessage(`${base} because no resource-based policy allows the kms:Decrypt action`);
    expect(clueMeaning(p.clue, 'kms:Decrypt')).toMatch(/key policy .* nor a grant/);
    // An IAM-only action has no key policy to let IAM decide; an alias is authorized by IAM alone.
    const noIdentity = { kind: 'no-allow', layer: 'identity-based policy', text: '' } as const;
    expect(clueMeaning(noIdentity, 'kms:Decrypt')).toMatch(/the key policy lets IAM decide/);
    expect(clueMeaning(noIdentity, 'kms:CreateKey')).toBe(
      'No identity-based policy allows kms:CreateKey: kms:CreateKey is authorized by IAM policies alone, and no IAM policy of the caller allows it.',
    );
    expect(clueMeaning(noIdentity, 'kms:DeleteAlias')).toMatch(/on the alias \(authorized by IAM policies alone\)/);
    expect(clueMeaning({ kind: 'explicit-deny', layer: 'service control policy', text: '' }, 'kms:Decrypt')).toBe(
      'An explicit Deny in a service control policy blocked kms:Decrypt.',
    );
  });
});
