// `--redact` on every output format, and the Redactor on its own.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { redact, Redactor } from '../../src/report/redact.js';
import { renderTable } from '../../src/report/table.js';
import { renderText } from '../../src/report/text.js';
import {
  ACCOUNT,
  allExampleReports,
  FUNCTION_ARN,
  KEY_ID,
  LAMBDA_GRANT_ID,
  lambdaCase,
  reportFor,
  stripAnsi,
} from './helpers.js';

const FORMATS = {
  json: (r: Report) => renderJson(r),
  text: (r: Report) => renderText(r),
  table: (r: Report) => renderTable(r, { color: false }),
  'table (colour)': (r: Report) => renderTable(r, { color: true }),
  markdown: (r: Report) => renderMarkdown(r),
};

/** A name standing on its own (not part of a longer name such as app-kms). */
const word = (name: string): RegExp => new RegExp(`(?<![A-Za-z0-9_+=,.@-])${name}(?![A-Za-z0-9_+=,.@-])`);

let all: Array<{ name: string; report: Report }>;
let allow: Report;
let nearMiss: Report;

beforeAll(async () => {
  all = await allExampleReports();
  allow = (await reportFor(lambdaCase())).report;
  nearMiss = (await reportFor(lambdaCase({ functionArn: `${FUNCTION_ARN}-other` }))).report;
});

describe('redacted reports', () => {
  it('leave no account id, grant id, key id, role, session, function or alias name in any format', () => {
    for (const { name, report } of all) {
      for (const [fmt, render] of Object.entries(FORMATS)) {
        const out = stripAnsi(redact(render(report)));
        const where = `${name} ${fmt}`;
        expect(out, where).not.toMatch(/(?<![0-9])\d{12}(?![0-9])/);
        expect(out, where).not.toContain(ACCOUNT);
        expect(out, where).not.toMatch(/[0-9a-f]{64}/);
        expect(out, where).not.toContain(LAMBDA_GRANT_ID.slice(0, 12));
        expect(out, where).not.toContain(KEY_ID);
        for (const n of ['app-exec-role', 'my-function', 'app-env', 'KeyAdminRole', 'other-app']) expect(out, `${where} ${n}`).not.toMatch(word(n));
        expect(out, where).not.toMatch(/role\/app\b/);
        expect(out, where).toContain('<account-1>');
        expect(out, where).not.toMatch(/[\uE000-\uE003]/);
      }
    }
  });

  it('keep JSON valid, with the same shape', () => {
    for (const { name, report } of all) {
      const plain = JSON.parse(renderJson(report)) as Record<string, unknown>;
      const red = JSON.parse(redact(renderJson(report))) as Record<string, unknown>;
      expect(Object.keys(red), name).toEqual(Object.keys(plain));
      expect((red.results as unknown[]).length).toBe((plain.results as unknown[]).length);
    }
  });

  it('give the same value the same placeholder everywhere in an output', () => {
    const o = JSON.parse(redact(renderJson(allow))) as {
      key: string;
      principal: string;
      request: { encryptionContext: Record<string, string>; keyIdentifier: string };
      results: Array<{ reasons: Array<{ id: string }>; trace: Array<{ step: string; question: string; grants?: Array<{ grantId: string; granteePrincipal: string }> }> }>;
      inputs: Array<{ what: string }>;
      commandLine: string;
    };
    expect(o.principal).toBe('arn:aws:sts::<account-1>:assumed-role/<role-1>/<session-1>');
    expect(o.key).toBe('arn:aws:kms:us-east-1:<account-1>:key/<key-1>');
    expect(o.request.keyIdentifier).toBe('alias/<alias-1>');
    expect(o.request.encryptionContext).toEqual({ 'aws:lambda:FunctionArn': 'arn:aws:lambda:us-east-1:<account-1>:function:<function-1>' });
    const r = o.results[0]!;
    expect(r.reasons[0]!.id).toBe('<grant-1>');
    const g = r.trace.find((t) => t.step === 'grant')!.grants![0]!;
    expect(g.grantId).toBe('<grant-1>');
    expect(g.granteePrincipal).toBe(o.principal);
    // The role behind the session is the same role, wherever it is named.
    expect(o.inputs.map((i) => i.what)).toContain('principal arn:aws:iam::<account-1>:role/service-role/<role-1>');
    expect(o.commandLine).toContain(`--principal ${o.principal}`);
    expect(o.commandLine).toContain('--key alias/<alias-1>');
  });

  it('are deterministic, and one Redactor keeps its mapping across outputs', () => {
    const json = renderJson(allow);
    expect(redact(json)).toBe(redact(json));
    const r = new Redactor();
    // Redact the near miss first: its function ARN (…-other) takes <function-1>.
    const first = r.redact(renderText(nearMiss));
    const second = r.redact(renderJson(allow));
    expect(first).toContain('function:<function-1>');
    expect((JSON.parse(second) as { request: { encryptionContext: Record<string, string> } }).request.encryptionContext['aws:lambda:FunctionArn']).toBe(
      'arn:aws:lambda:us-east-1:<account-1>:function:<function-2>',
    );
    // …while a fresh mapping numbers from 1 again.
    expect(redact(renderJson(allow))).toContain('function:<function-1>');
    // The grant and the principal keep their placeholders across both outputs.
    expect(first).toContain('<grant-1>');
    expect(second).toContain('"<grant-1>"');
    expect(first).toContain('arn:aws:sts::<account-1>:assumed-role/<role-1>/<session-1>');
    expect(second).toContain('arn:aws:sts::<account-1>:assumed-role/<role-1>/<session-1>');
  });

  it('keep AWS-owned names readable', () => {
    const md = redact(renderMarkdown(allow));
    expect(md).toContain('"retiringPrincipal": "lambda.us-east-1.amazonaws.com"');
    expect(md).toContain('aws:lambda:FunctionArn');
    expect(md).toContain('kms:Decrypt');
    expect(md).toContain('us-east-1');
    expect(md).toContain('"issuingAccount": "arn:aws:iam::<account-1>:root"');
  });

  it('keep the box table aligned: every row as wide as its borders', () => {
    for (const { name, report } of all) {
      for (const color of [false, true]) {
        const lines = stripAnsi(redact(renderTable(report, { color }))).split('\n');
        const top = lines.findIndex((l) => l.startsWith('┌'));
        const bottom = lines.findIndex((l) => l.startsWith('└'));
        const width = [...lines[top]!].length;
        for (const l of lines.slice(top, bottom + 1)) expect([...l].length, `${name}: ${l}`).toBe(width);
      }
    }
  });

  it('change nothing when applied twice', () => {
    for (const { name, report } of all) {
      for (const [fmt, render] of Object.entries(FORMATS)) {
        const once = redact(render(report));
        expect(redact(once), `${name} ${fmt}`).toBe(once);
      }
    }
  });

  it('keep the table drawn and coloured', () => {
    const out = redact(renderTable(nearMiss, { color: true }));
    expect(out).toContain('\u001b[31mDENY');
    expect(out).toMatch(/[┌│└]/);
  });

  it('keep Markdown placeholders visible: escaped in prose, plain in code, entity codes in Mermaid', () => {
    const md = renderMarkdown(allow).replace('## Walk', '## Walk\n\nThe role app-exec-role, in prose.');
    const out = redact(md);
    expect(out).toContain('The role \\<role-1\\>, in prose.');
    expect(out).toContain('`arn:aws:sts::<account-1>:assumed-role/<role-1>/<session-1>`');
    const mermaid = redact('# t\n\n```mermaid\nflowchart TD\n  a["account 111122223333"]\n```\n');
    expect(mermaid).toContain('a["account #lt;account-1#gt;"]');
  });
});

describe('Redactor', () => {
  it('redacts ARNs by kind and keeps their structure', () => {
    const out = redact(
      [
        'arn:aws:iam::111122223333:user/alice',
        'arn:aws:iam::111122223333:role/team/deployer',
        'arn:aws:sts::444455556666:assumed-role/deployer/ci-run-42',
        'arn:aws:sts::111122223333:federated-user/bob',
        'arn:aws:kms:eu-west-1:111122223333:alias/payments',
        'arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
        'arn:aws:lambda:us-east-1:111122223333:function:orders:prod',
        'arn:aws:iam::111122223333:policy/KmsUse',
        'arn:aws:iam::111122223333:root',
        'arn:aws:s3:::acme-payroll-exports/*',
        'aws:PrincipalOrgID o-a1b2c3d4e5 and ou-ab12-cdef3456',
      ].join('\n'),
    ).split('\n');
    expect(out).toEqual([
      'arn:aws:iam::<account-1>:user/<user-1>',
      'arn:aws:iam::<account-1>:role/team/<role-1>',
      'arn:aws:sts::<account-2>:assumed-role/<role-1>/<session-1>',
      'arn:aws:sts::<account-1>:federated-user/<user-2>',
      'arn:aws:kms:eu-west-1:<account-1>:alias/<alias-1>',
      'arn:aws:kms:eu-west-1:<account-1>:key/<key-1>',
      'arn:aws:lambda:us-east-1:<account-1>:function:<function-1>:prod',
      'arn:aws:iam::<account-1>:policy/<policy-1>',
      'arn:aws:iam::<account-1>:root',
      'arn:aws:s3:::<resource-1>/*',
      'aws:PrincipalOrgID <id-1> and <id-2>',
    ]);
  });

  it('keeps AWS managed policies, AWS managed aliases, service-linked roles, service principals and wildcards', () => {
    const keep = [
      'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      'alias/aws/ebs',
      'arn:aws:kms:us-east-1:111122223333:alias/aws/s3',
      'arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
      'lambda.us-east-1.amazonaws.com',
      'arn:aws:kms:*:111122223333:key/*',
      'kms:EncryptionContext:aws:lambda:FunctionArn',
      'kms:ViaService',
    ];
    const out = redact(keep.join('\n')).split('\n');
    expect(out).toEqual(keep.map((k) => k.replace('111122223333', '<account-1>')));
  });

  it('redacts account ids in prose and JSON values, unique ids, UUIDs, grant ids and grant tokens', () => {
    const text = [
      'Does the key policy allow account 111122223333 to use IAM policies?',
      '{"AWS": "444455556666", "aws:userid": "AROAEXAMPLEID1234567:my-session", "user": "AIDAEXAMPLEID1234567"}',
      `"KeyId": "${KEY_ID}", key/${KEY_ID}`,
      `grant ${LAMBDA_GRANT_ID} and its short form ${LAMBDA_GRANT_ID.slice(0, 12)}…`,
      '{"grantId": "g-sub", "grantToken": "AQpAMzM0NTYtexample"}',
      'g-sub: the grant needs the encryption context; May x retire grant g-sub?',
      'kms-why retire-grant --grant-id g-other --grant-token AQpAMzM0NTYtexample',
    ].join('\n');
    const out = redact(text);
    expect(out).not.toMatch(/\d{12}/);
    expect(out).toContain('allow account <account-1> to use');
    expect(out).toContain('{"AWS": "<account-2>", "aws:userid": "<id-1>:<session-1>", "user": "<id-2>"}');
    expect(out).toContain('"KeyId": "<key-1>", key/<key-1>');
    expect(out).toContain('grant <grant-1> and its short form <grant-1>…');
    expect(out).toContain('{"grantId": "<grant-2>", "grantToken": "<token-1>"}');
    expect(out).toContain('<grant-2>: the grant needs the encryption context; May x retire grant <grant-2>?');
    expect(out).toContain('--grant-id <grant-3> --grant-token <token-1>');
    expect(out).not.toContain('g-sub');
    expect(out).not.toContain('AQpAMzM0NTYtexample');
  });

  it('replaces names learned from ARNs where they stand alone, but not inside other words or keys', () => {
    const out = redact('arn:aws:iam::111122223333:role/app-exec-role\nname "app-exec-role/123"; policy app-exec-role-kms; kms:app-exec-role');
    expect(out).toContain('name "<role-1>/123"');
    expect(out).toContain('policy app-exec-role-kms');
    expect(out).toContain('kms:app-exec-role');
  });

  it('does not take vocabulary for names: a role called "key" leaves the prose alone', () => {
    const out = redact('arn:aws:iam::111122223333:role/key\nthe key policy allows kms:Decrypt');
    expect(out).toBe('arn:aws:iam::<account-1>:role/<role-1>\nthe key policy allows kms:Decrypt');
  });

  it('sees through colour codes', () => {
    const out = redact('\u001b[2m111122223333\u001b[22m \u001b[1marn:aws:iam::111122223333:role/app\u001b[22m');
    expect(out).toBe('\u001b[2m<account-1>\u001b[22m \u001b[1marn:aws:iam::<account-1>:role/<role-1>\u001b[22m');
  });
});
