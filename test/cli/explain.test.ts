// `kms-why explain-error` and `kms-why explain-event`, run in-process through explainCommands
// with a fresh commander program and a fake io.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatError } from '../../src/cli/errors.js';
import { explainCommands } from '../../src/cli/explain.js';
import { redactingIo } from '../../src/cli/redact.js';
import type { CliIo } from '../../src/cli/io.js';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import { applyChanges, type FixChange } from '../../src/analyses/fix.js';
import { fixTitleText } from '../../src/report/fix-phrases.js';
import { loadFrom } from '../../src/sources/load.js';
import { ACCOUNT, oneKeySnapshot } from '../helpers/snapshot-doc.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EX = `${ROOT}fixtures/examples/`;
const ERR = `${ROOT}fixtures/errors/`;
const CT = `${ROOT}fixtures/cloudtrail/`;
const K = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const S = 'arn:aws:sts::111122223333:assumed-role/app/s1';
const FN_SESSION = 'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function';
const FN_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:my-function';

const tmp = mkdtempSync(join(tmpdir(), 'kms-why-explain-'));
const write = (name: string, content: string): string => {
  const f = join(tmp, name);
  writeFileSync(f, content);
  return f;
};
/** Text output wraps at 120 columns; sentences are checked with the line breaks taken out. */
const flat = (s: string): string => s.replace(/\s+/g, ' ');
const message = (file: string): string => readFileSync(`${ERR}${file}`, 'utf8');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  let io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, stdoutIsTTY: false, stderrIsTTY: false };
  if (args.includes('--redact')) io = redactingIo(io, args); // as main() does
  const program = new Command('kms-why').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  // Each action returns its exit code (as main's runner keeps it).
  explainCommands(program, io, (action) => async (...a) => {
    code = await action(...a);
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else {
      const f = formatError(e, false);
      stderr += f.text;
      code = f.code;
    }
  }
  return { code, stdout, stderr };
}

async function runJson(args: string[]): Promise<{ code: number; doc: any }> {
  const r = await run([...args, '--output', 'json']);
  expect(r.stderr).toBe('');
  return { code: r.code, doc: JSON.parse(r.stdout) };
}

describe('kms-why explain-error', () => {
  it('reads an AWS CLI error, evaluates it, and says it is still denied for the reason the message gives (exit 1)', async () => {
    const r = await run(['explain-error', message('aws-cli-no-resource-policy.txt'), '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Error message (AWS CLI, AccessDeniedException, when calling Decrypt)');
    expect(r.stdout).toMatch(/principal +arn:aws:sts::111122223333:assumed-role\/app\/s1 — the message/);
    expect(r.stdout).toContain('kms:Decrypt: DENY (decided by implicit deny)');
    expect(r.stdout).toContain('Today: STILL DENIED (agrees with the error)');
    expect(r.stdout).toMatch(/Not in the message:\n {2}- encryption context: error messages never carry/);
  });

  it('JSON: a versioned document with the extraction, the kms-why report, the verdict today and (--fix) verified proposals', async () => {
    const { code, doc } = await runJson([
      'explain-error',
      message('boto3-no-resource-policy.txt'),
      '--from',
      `${EX}pattern-2-iam-only-no-delegation.json`,
      '--fix',
    ]);
    expect(code).toBe(1);
    expect(doc).toMatchObject({
      kmsWhyExplain: 1,
      command: 'explain-error',
      input: { kind: 'error-message', client: 'boto3', errorCode: 'AccessDeniedException', operation: 'Decrypt' },
      skipped: [],
    });
    const e = doc.explanations[0];
    expect(e.extracted.map((x: any) => [x.field, x.value, x.from])).toEqual([
      ['principal', S, 'the message'],
      ['action', 'kms:Decrypt', 'the message'],
      ['key', K, 'the message'],
    ]);
    expect(e.missing).toEqual([expect.objectContaining({ field: 'encryptionContext', flag: '--context', required: false })]);
    expect(e.clue).toMatchObject({ kind: 'no-allow', layer: 'resource-based policy', meaning: expect.stringContaining('nor a grant') });
    expect(e.report).toMatchObject({
      kmsWhyReport: 1,
      key: K,
      principal: S,
      results: [{ action: 'kms:Decrypt', decision: 'deny', decidedBy: 'implicit-deny' }],
    });
    expect(e.today).toMatchObject({ status: 'still-denied', agrees: true });
    expect(e.fix.proposals[0]).toMatchObject({ rank: 1, id: 'key-policy-statement', verified: { decision: 'allow', decidedBy: 'key-policy' } });
    expect(e.fix.proposals[0].changes[0].json).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:role/app' },
      Action: 'kms:Decrypt',
    });
  });

  it('flags fill what the message lacks: the ciphertext message needs --principal and --key (exit 2 without them)', async () => {
    const bad = await run(['explain-error', message('aws-cli-ciphertext.txt'), '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/error: the message does not say the principal or which key/);
    expect(bad.stderr).toMatch(/hint: .*Add --principal and --key\./);
    const ok = await run([
      'explain-error',
      message('aws-cli-ciphertext.txt'),
      '--from',
      `${EX}pattern-2-iam-only-no-delegation.json`,
      '--principal',
      S,
      '--key',
      'alias/app',
      '--context',
      'Department=IT',
    ]);
    expect(ok.code).toBe(1);
    expect(ok.stdout).toMatch(/key +alias\/app — --key/);
    expect(ok.stdout).toMatch(/encryption context +Department=IT — --context/);
    expect(ok.stdout).toContain('as the error says');
  });

  it('flags override what the message says, and say so', async () => {
    const { doc } = await runJson([
      'explain-error',
      message('aws-cli-no-resource-policy.txt'),
      '--from',
      `${EX}pattern-1-key-policy-names-role.json`,
      '--principal',
      'arn:aws:sts::111122223333:assumed-role/app/s2',
    ]);
    expect(doc.explanations[0].notes).toContain(`--principal arn:aws:sts::111122223333:assumed-role/app/s2 overrides the message's ${S}.`);
  });

  it('without --from it reads AWS, and asks by flag name for what the message lacks before reading anything', async () => {
    const r = await run(['explain-error', message('aws-cli-ciphertext.txt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: the message does not say the principal or which key/);
    expect(r.stderr).toMatch(/hint: .*Add --principal and --key\./);
    expect(r.stderr).not.toMatch(/credentials/);
  });

  it('a key-state error is explained as one: the key state then and today, what it refuses, and the fix', async () => {
    const snap = (state: string) => write(`state-${state}.json`, JSON.stringify(oneKeySnapshot({}, [], { KeyState: state, Enabled: state === 'Enabled' })));
    // Without the caller and action: exit 2, saying it is a key-state error and the key's state today.
    const bare = await run(['explain-error', '--from', snap('Disabled'), `DisabledException: ${K} is disabled.`]);
    expect(bare.code).toBe(2);
    expect(flat(bare.stderr)).toMatch(/DisabledException is a key-state error \(the key was disabled\), not an authorization error/);
    expect(flat(bare.stderr)).toMatch(/Today the snapshot shows the key Disabled, a state that refuses .*Decrypt/);
    const msg = `An error occurred (KMSInvalidStateException) when calling the Decrypt operation: ${K} is pending deletion.`;
    const still = await runJson(['explain-error', '--from', snap('PendingDeletion'), '--principal', `arn:aws:iam::${ACCOUNT}:root`, msg, '--fix']);
    const e = still.doc.explanations[0];
    expect(e.clue).toMatchObject({ kind: 'key-state', errorCode: 'KMSInvalidStateException', state: 'pending deletion' });
    expect(e.today).toMatchObject({ status: 'denied', agrees: null });
    expect(e.today.text).toMatch(
      /Today the key is PendingDeletion: its state still refuses kms:Decrypt .*; today's policies alone allow it\. In state PendingDeletion the key refuses .*kms:Decrypt/,
    );
    expect(e.fix.proposals[0].id).toBe('enable-key');
    const now = await runJson(['explain-error', '--from', snap('Enabled'), '--principal', `arn:aws:iam::${ACCOUNT}:root`, msg]);
    expect(now.code).toBe(0);
    expect(now.doc.explanations[0].today.text).toMatch(/Today the key is Enabled: its state no longer refuses kms:Decrypt; today the request is allowed\./);
  });

  it('stdin is read once: the message and --from cannot both be -', async () => {
    const r = await run(['explain-error', '--message-file', '-', '--from', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stdin can be read only once/);
    expect((await run(['explain-event', '-', '--from', '-'])).stderr).toMatch(/stdin can be read only once/);
  });

  it('a message it cannot read is exit 2 with a hint naming the forms it reads', async () => {
    const r = await run(['explain-error', message('unreadable-throttling.txt'), '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot read this error message/);
    expect(r.stderr).toMatch(/hint: kms-why reads the KMS AccessDeniedException forms/);
    expect((await run(['explain-error', '--from', `${EX}pattern-2-iam-only-no-delegation.json`])).stderr).toMatch(/give the error message/);
  });

  it("Lambda's console error on the retired grant: the function context is filled in, and --fix re-creates the grant", async () => {
    const { code, doc } = await runJson([
      'explain-error',
      '--message-file',
      `${ERR}lambda-console.txt`,
      '--from',
      `${EX}lambda-env-grant-retired.json`,
      '--fix',
    ]);
    expect(code).toBe(1);
    const e = doc.explanations[0];
    expect(doc.input).toMatchObject({ client: 'lambda', kmsErrorCode: 'AccessDeniedException' });
    expect(e.extracted).toContainEqual({
      field: 'encryptionContext',
      value: `aws:lambda:FunctionArn=${FN_ARN}`,
      from: 'the snapshot (configuration of function my-function)',
    });
    expect(e.extracted.some((x: any) => x.field === 'viaService')).toBe(false);
    expect(e.report.request.viaService).toBeNull();
    expect(e.today).toMatchObject({ status: 'still-denied', agrees: true });
    expect(e.fix.proposals[0].id).toBe('recreate-lambda-grant');
    expect(e.fix.proposals[0].commands[0]).toBe(
      'aws lambda update-function-configuration --function-name my-function --role arn:aws:iam::111122223333:role/TEMPORARY_ROLE',
    );
  });

  it('…and when the key lacks in the message, the function configuration in the snapshot gives it', async () => {
    const { doc } = await runJson([
      'explain-error',
      message('lambda-console-ciphertext.txt'),
      '--principal',
      FN_SESSION,
      '--from',
      `${EX}lambda-env-grant-retired.json`,
    ]);
    expect(doc.explanations[0].extracted).toContainEqual({ field: 'key', value: K, from: 'the snapshot (KMSKeyArn of function my-function)' });
  });

  it('…and with the grant in place, it is allowed now: something changed since the error (exit 0)', async () => {
    const r = await run(['explain-error', message('lambda-cli-invoke.txt'), '--from', `${EX}lambda-env-grant.json`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Today: ALLOWED NOW (DISAGREES with the error');
    expect(flat(r.stdout)).toMatch(/something has changed since, or the request kms-why evaluated differs/);
  });

  it('the SDK for JavaScript v3 dump is read through its stack trace and $metadata', async () => {
    const r = await run(['explain-error', message('sdk-js-v3-no-resource-policy.txt'), '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Error message (AWS SDK for JavaScript v3, AccessDeniedException)');
  });

  it('an explicit deny in an identity-based policy agrees; --fix names the Deny and proposes exempting the caller first', async () => {
    // The request did not come through a VPC endpoint: without --absent, aws:SourceVpce is unknown.
    const r = await run([
      'explain-error',
      message('aws-cli-explicit-deny-identity.txt'),
      '--from',
      `${ERR}snapshot-identity-deny.json`,
      '--fix',
      '--absent',
      'aws:SourceVpce',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Today: STILL DENIED (agrees with the error)');
    expect(flat(r.stdout)).toContain('as the error says: "DenyDecryptOutsideVpce" of DenyKmsOutsideVpce');
    expect(flat(r.stdout)).toMatch(/1\. Exempt arn:aws:iam::111122223333:role\/app from the Deny "DenyDecryptOutsideVpce"/);
    expect(flat(r.stdout)).toMatch(/2\. Remove the Deny "DenyDecryptOutsideVpce"/);
    expect(flat(r.stdout)).toContain('This also lets arn:aws:iam::111122223333:role/batch Decrypt.');
  });

  it('says plainly when its verdict disagrees with the message: an input is missing (here the SCPs)', async () => {
    const { code, doc } = await runJson([
      'explain-error',
      message('boto3-explicit-deny-scp.txt'),
      '--from',
      `${EX}pattern-2-iam-only-no-delegation.json`,
      '--fix',
    ]);
    expect(code).toBe(1);
    const e = doc.explanations[0];
    expect(e.today.agrees).toBe(false);
    expect(e.today.text).toMatch(/An input is missing or has changed/);
    expect(e.today.missingInputs[0]).toMatch(/service control policies of account 111122223333: the snapshot has none/);
    expect(e.fix.warnings[0]).toMatch(/disagree with the error: find the missing input first/);
  });

  it('markdown and table outputs, and --redact', async () => {
    const md = await run([
      'explain-error',
      message('aws-cli-no-resource-policy.txt'),
      '--from',
      `${EX}pattern-2-iam-only-no-delegation.json`,
      '--fix',
      '--output',
      'markdown',
    ]);
    expect(md.stdout.startsWith('# kms-why explain-error\n')).toBe(true);
    expect(md.stdout).toContain('## What the message says');
    expect(md.stdout).toContain('## kms:Decrypt: DENY');
    expect(md.stdout).toContain('## Today: STILL DENIED');
    expect(md.stdout).toContain('```json');
    const table = await run([
      'explain-error',
      message('aws-cli-no-resource-policy.txt'),
      '--from',
      `${EX}pattern-2-iam-only-no-delegation.json`,
      '--output',
      'table',
    ]);
    expect(table.stdout).toContain('┌');
    const red = await run([
      'explain-error',
      message('aws-cli-no-resource-policy.txt'),
      '--from',
      `${EX}pattern-2-iam-only-no-delegation.json`,
      '--fix',
      '--redact',
    ]);
    expect(red.stdout).not.toContain('111122223333');
    expect(red.stdout).toContain('000000000001');
  });

  it('an unreadable key policy makes the verdict unknown (exit 3)', async () => {
    const doc = JSON.parse(readFileSync(`${EX}pattern-4-delegation-without-iam.json`, 'utf8'));
    doc.keys[0].Policy = { kmsWhyUnreadable: { reason: 'AccessDenied on kms:GetKeyPolicy', neededPermission: 'kms:GetKeyPolicy' } };
    const f = write('unreadable-policy.json', JSON.stringify(doc));
    const { code, doc: out } = await runJson(['explain-error', message('aws-cli-no-resource-policy.txt'), '--from', f]);
    expect(code).toBe(3);
    expect(out.explanations[0].today.status).toBe('unknown');
  });
});

describe('kms-why explain-event', () => {
  it('a direct call: still denied, agreeing with the error message in the event (exit 1)', async () => {
    const r = await run(['explain-event', `${CT}direct-decrypt-denied.json`, '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('CloudTrail');
    expect(r.stdout).toMatch(/encryption context +Department=IT — the event \(requestParameters\)/);
    expect(r.stdout).toContain('Today: STILL DENIED (agrees with the error)');
  });

  it('via S3 on a key that delegates to IAM: ViaService from invokedBy, and the IAM statement conditioned on it', async () => {
    const { code, doc } = await runJson([
      'explain-event',
      `${CT}via-s3-generate-data-key-denied.json`,
      '--from',
      `${EX}pattern-4-delegation-without-iam.json`,
      '--fix',
    ]);
    expect(code).toBe(1);
    const e = doc.explanations[0];
    expect(e.report.request).toMatchObject({
      viaService: 's3.us-east-1.amazonaws.com',
      encryptionContext: { 'aws:s3:arn': 'arn:aws:s3:::reports-bucket/report.csv' },
    });
    expect(e.today).toMatchObject({ status: 'still-denied', agrees: true });
    const p = e.fix.proposals[0];
    expect(p.id).toBe('iam-statement');
    expect(p.changes[0].json.Statement[0].Condition.StringEquals['kms:ViaService']).toBe('s3.us-east-1.amazonaws.com');
  });

  it('the network origin the event shows decides a key policy that reads it: aws:SourceIp, and aws:SourceVpce without aws:SourceIp', async () => {
    const snap = JSON.parse(readFileSync(`${EX}pattern-2-iam-only-no-delegation.json`, 'utf8'));
    const statement = (condition: unknown) => ({
      Sid: 'AppFromOffice',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:role/app' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: condition,
    });
    snap.keys[0].Policy.Statement.push(statement({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }));
    const byIp = write('by-ip.json', JSON.stringify(snap));
    const direct = await runJson(['explain-event', `${CT}direct-decrypt-denied.json`, '--from', byIp]);
    expect(direct.doc.explanations[0].report.results[0].decision).toBe('allow');
    expect(direct.doc.explanations[0].extracted).toContainEqual({
      field: 'condition',
      value: 'aws:SourceIp=203.0.113.24',
      from: 'the event (sourceIPAddress)',
    });
    // A flag overrides the event's value, and says so.
    const other = await run(['explain-event', `${CT}direct-decrypt-denied.json`, '--from', byIp, '--condition', 'aws:SourceIp=198.51.100.1']);
    expect(flat(other.stdout)).toContain("--condition aws:SourceIp=198.51.100.1 overrides the event's aws:SourceIp=203.0.113.24");
    expect(other.code).toBe(1);

    const event = JSON.parse(readFileSync(`${CT}direct-decrypt-denied.json`, 'utf8'));
    const viaVpce = write('vpce-event.json', JSON.stringify({ ...event, sourceIPAddress: '10.0.1.17', vpcEndpointId: 'vpce-0a1b2c3d' }));
    // Through the endpoint the request has no aws:SourceIp: the IpAddress condition fails (not unknown).
    const noIp = await runJson(['explain-event', viaVpce, '--from', byIp]);
    expect(noIp.doc.explanations[0].report.results[0].decision).toBe('deny');
    snap.keys[0].Policy.Statement[2] = statement({ StringEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d' } });
    const byVpce = await runJson(['explain-event', viaVpce, '--from', write('by-vpce.json', JSON.stringify(snap))]);
    expect(byVpce.doc.explanations[0].report.results[0].decision).toBe('allow');
  });

  it("applying the proposals it prints to the snapshot turns the event's request into allow", async () => {
    const { doc } = await runJson(['explain-event', `${CT}lambda-runtime-init-denied.json`, '--from', `${EX}lambda-env-grant-retired.json`, '--fix']);
    const e = doc.explanations[0];
    expect(e.fix.proposals.length).toBeGreaterThanOrEqual(2);
    // Re-run proposeFixes' own changes: the JSON shows what to paste; the evaluator check needs the typed changes.
    const { proposeFixes } = await import('../../src/analyses/fix.js');
    const s = await loadFrom([`${EX}lambda-env-grant-retired.json`]);
    const req = { action: 'kms:Decrypt', principal: FN_SESSION, keyIdentifier: K, keyArn: K, encryptionContext: { 'aws:lambda:FunctionArn': FN_ARN } };
    const f = proposeFixes(s, req);
    expect(f.proposals.map((p) => fixTitleText(p.titles))).toEqual(e.fix.proposals.map((p: any) => p.title));
    for (const p of f.proposals) expect(new Evaluator(applyChanges(s, p.changes as FixChange[])).evaluate(req).decision).toBe('allow');
    expect(e.report.request.viaService).toBeNull();
    expect(e.notes.join(' ')).toMatch(/runtime-init/);
  });

  it('cross-account: both sides, as one verified proposal', async () => {
    const { doc } = await runJson(['explain-event', `${CT}cross-account-decrypt-denied.json`, '--from', `${CT}snapshot-cross-account.json`, '--fix']);
    const p = doc.explanations[0].fix.proposals;
    expect(p).toHaveLength(1);
    expect(p[0].changes.map((c: any) => c.kind)).toEqual(['add-key-policy-statement', 'add-identity-policy']);
  });

  it('a file with several KMS events needs --all or --event-id (exit 2 with the ids)', async () => {
    const r = await run(['explain-event', `${CT}trail-mixed.json`, '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the file holds 6 KMS events \(5 AccessDenied\): say which to explain/);
    // The hint is wrapped to 80 columns: its continuation lines joined back.
    expect(r.stderr.replace(/\n {6}/g, ' ')).toMatch(/hint: Give --all .*b7e2c0a4-6d1f-4c3e-8a9b-0f1e2d3c4b5a/);
    const one = await runJson([
      'explain-event',
      `${CT}trail-mixed.json`,
      '--event-id',
      '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d',
      '--from',
      `${EX}pattern-4-delegation-without-iam.json`,
    ]);
    expect(one.doc.explanations).toHaveLength(1);
    expect(one.doc.explanations[0].report.results[0].action).toBe('kms:GenerateDataKey');
  });

  it('--all explains every KMS AccessDenied, grouped by (principal, key, action)', async () => {
    const { code, doc } = await runJson(['explain-event', `${CT}trail-mixed.json`, '--all', '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(code).toBe(1);
    expect(doc.input).toMatchObject({
      kind: 'cloudtrail',
      format: 'records',
      records: 7,
      kmsEvents: 6,
      accessDenied: 5,
      otherSources: { 's3.amazonaws.com': 1 },
    });
    expect(doc.explanations.map((e: any) => [e.group.principal, e.group.action, e.group.events])).toEqual([
      [S, 'kms:Decrypt', 3],
      [S, 'kms:GenerateDataKey', 1],
      ['arn:aws:sts::444455556666:assumed-role/ext-app/job-42', 'kms:Decrypt', 1],
    ]);
    expect(doc.explanations[0].events.map((x: any) => x.eventTime)).toEqual(['2026-11-20T03:12:44Z', '2026-11-20T03:13:44Z', '2026-11-20T03:14:44Z']);
    const text = await run(['explain-event', `${CT}trail-mixed.json`, '--all', '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(text.stdout.replace(/\n +/g, ' ')).toMatch(/=== 1 of 3: .* \(3 events\) ===/);
  });

  it('--all skips (and reports) an event whose caller cannot be known, exit 3', async () => {
    const rec = JSON.parse(readFileSync(`${CT}cross-account-key-owner-copy.json`, 'utf8'));
    rec.errorMessage = 'Access denied';
    const f = write('owner-copy.json', JSON.stringify({ Records: [rec, JSON.parse(readFileSync(`${CT}direct-decrypt-denied.json`, 'utf8'))] }));
    const { code, doc } = await runJson(['explain-event', f, '--all', '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(code).toBe(3);
    expect(doc.explanations).toHaveLength(1);
    expect(doc.skipped[0].why).toMatch(/names only account 444455556666.*--principal.*--event-id 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/);
    // Without --all, the same event needs --principal.
    const single = await run([
      'explain-event',
      f,
      '--event-id',
      '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      '--from',
      `${EX}pattern-2-iam-only-no-delegation.json`,
    ]);
    expect(single.code).toBe(2);
    expect(single.stderr).toMatch(/the event does not say the principal/);
    const given = await run([
      'explain-event',
      f,
      '--event-id',
      '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      '--principal',
      'arn:aws:sts::444455556666:assumed-role/ext-app/job-42',
      '--from',
      `${CT}snapshot-cross-account.json`,
    ]);
    expect(given.code).toBe(1);
  });

  it('--all goes on past an event whose key is not in the snapshot, and reports it (exit 3)', async () => {
    const f = write(
      'with-reencrypt.json',
      JSON.stringify({
        Records: [JSON.parse(readFileSync(`${CT}direct-decrypt-denied.json`, 'utf8')), JSON.parse(readFileSync(`${CT}reencrypt-denied.json`, 'utf8'))],
      }),
    );
    const { code, doc } = await runJson(['explain-event', f, '--all', '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(code).toBe(3);
    expect(doc.explanations).toHaveLength(1);
    expect(doc.skipped).toEqual([
      {
        title: expect.stringContaining('ReEncrypt'),
        why: expect.stringMatching(/key "arn:aws:kms:us-east-1:111122223333:key\/0987dcba-09fe-87dc-65ba-ab0987654321" is not in the snapshot/),
      },
    ]);
  });

  it('lookup-events output: the one AccessDenied among its events is explained', async () => {
    const { doc } = await runJson(['explain-event', `${CT}lookup-events.json`, '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(doc.input.format).toBe('lookup-events');
    expect(doc.explanations[0].notes[0]).toMatch(/the one AccessDenied among them is explained/);
  });

  it('--all on a file without AccessDenied explains nothing (exit 0); a file without KMS events is exit 2', async () => {
    const okOnly = JSON.parse(readFileSync(`${CT}lookup-events.json`, 'utf8'));
    okOnly.Events = okOnly.Events.slice(0, 1);
    const f = write('ok-only.json', JSON.stringify(okOnly));
    const r = await run(['explain-event', f, '--all', '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No KMS AccessDenied event to explain.');
    const s3only = write('s3-only.json', JSON.stringify({ Records: [{ eventSource: 's3.amazonaws.com', eventName: 'GetObject' }] }));
    const bad = await run(['explain-event', s3only, '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no KMS event in the file \(1 from s3\.amazonaws\.com\)/);
  });

  it('a file that is not a CloudTrail event is exit 2, naming the file', async () => {
    const r = await run(['explain-event', `${EX}pattern-2-iam-only-no-delegation.json`, '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pattern-2-iam-only-no-delegation\.json: not a CloudTrail event/);
  });

  it('markdown for --all has one section per group', async () => {
    const r = await run(['explain-event', `${CT}trail-mixed.json`, '--all', '--from', `${EX}pattern-2-iam-only-no-delegation.json`, '--output', 'markdown']);
    expect(r.stdout.startsWith('# kms-why explain-event\n')).toBe(true);
    expect(r.stdout.match(/^## \d\. /gm)).toHaveLength(3);
    expect(r.stdout).toContain('### What the event says');
  });
});

describe('what the message or event shows without its value is unknown, never a confident verdict', () => {
  // The key policy of an AWS managed key (aws/s3): anyone in the account, through S3 in us-east-1 only.
  const viaS3Key = (): string => {
    const snap = JSON.parse(readFileSync(`${EX}pattern-4-delegation-without-iam.json`, 'utf8'));
    snap.keys[0].Policy.Statement = [
      {
        Sid: 'ThroughS3',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': '111122223333', 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
      },
    ];
    return write('via-s3-key.json', JSON.stringify(snap));
  };
  const ONE_EVENT = `${CT}direct-decrypt-denied.json`;
  const event = (patch: Record<string, unknown>): string => {
    const rec = { ...JSON.parse(readFileSync(ONE_EVENT, 'utf8')), ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete rec[k];
    return write(`event-${Object.keys(patch).join('-')}.json`, JSON.stringify(rec));
  };

  it("explain-error: another service's operation (S3 PutObject) called KMS: kms:ViaService is unknown, not absent (exit 3)", async () => {
    const key = viaS3Key();
    const args = ['explain-error', '--message-file', `${ERR}s3-putobject-generate-data-key.txt`, '--from', key];
    const { code, doc } = await runJson(args);
    expect(code).toBe(3);
    const e = doc.explanations[0];
    expect(e.report.results[0]).toMatchObject({ decision: 'unknown', missingContext: expect.arrayContaining(['kms:ViaService']) });
    expect(e.today).toMatchObject({ status: 'unknown', agrees: null });
    expect(e.today.text).toMatch(/depends on kms:ViaService, which the error message does not give/);
    expect((await run([...args, '--via-service', 's3.us-east-1.amazonaws.com'])).code).toBe(0);
    // Said to be absent, it is: the condition fails.
    expect((await run([...args, '--absent', 'kms:ViaService'])).code).toBe(1);
  });

  it('explain-event: invokedBy "AWS Internal" shows a service without naming it: unknown; a named service gives <service>.<awsRegion>.amazonaws.com', async () => {
    const key = viaS3Key();
    const ui = JSON.parse(readFileSync(ONE_EVENT, 'utf8')).userIdentity;
    const internal = await runJson([
      'explain-event',
      event({ userIdentity: { ...ui, invokedBy: 'AWS Internal' }, sourceIPAddress: 'AWS Internal' }),
      '--from',
      key,
    ]);
    expect(internal.code).toBe(3);
    expect(internal.doc.explanations[0].report.results[0]).toMatchObject({ decision: 'unknown', missingContext: ['kms:ViaService'] });
    expect(internal.doc.explanations[0].notes.join(' ')).toMatch(/"AWS Internal": a service called KMS on the principal's behalf/);
    const named = await runJson([
      'explain-event',
      event({ userIdentity: { ...ui, invokedBy: 's3.amazonaws.com' }, sourceIPAddress: 's3.amazonaws.com' }),
      '--from',
      key,
    ]);
    expect(named.code).toBe(0);
    expect(named.doc.explanations[0].report.request.viaService).toBe('s3.us-east-1.amazonaws.com');
  });

  it('explain-error: the message never carries the encryption context, so a grant constraint that decides makes the verdict unknown', async () => {
    const m =
      'An error occurred (AccessDeniedException) when calling the Decrypt operation: User: arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the kms:Decrypt action';
    const args = ['explain-error', m, '--from', `${EX}lambda-env-grant.json`];
    const { code, doc } = await runJson(args);
    expect(code).toBe(3);
    expect(doc.explanations[0].report.results[0]).toMatchObject({ decision: 'unknown', missingContext: ['kms:EncryptionContextKeys'] });
    expect((await run([...args, '--context', `aws:lambda:FunctionArn=${FN_ARN}`])).code).toBe(0);
    expect((await run([...args, '--absent', 'kms:EncryptionContextKeys'])).code).toBe(1);
  });

  it("explain-event: the record's requestParameters give the context; a record without them leaves it unknown", async () => {
    const snap = JSON.parse(readFileSync(`${EX}pattern-2-iam-only-no-delegation.json`, 'utf8'));
    snap.keys[0].Policy.Statement.push({
      Sid: 'ItOnly',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:role/app' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:Department': 'IT' } },
    });
    const key = write('it-only.json', JSON.stringify(snap));
    // The fixture's record has Department=IT in requestParameters.
    expect((await run(['explain-event', ONE_EVENT, '--from', key])).code).toBe(0);
    const without = await runJson(['explain-event', event({ requestParameters: null }), '--from', key]);
    expect(without.code).toBe(3);
    expect(without.doc.explanations[0].report.results[0].decision).toBe('unknown');
    expect(without.doc.explanations[0].notes.join(' ')).toMatch(/no requestParameters/);
  });
});

describe('explain-event compares today with what the event shows happened, not always with a denial', () => {
  const rec = (patch: Record<string, unknown>, name: string): string => {
    const r = JSON.parse(readFileSync(`${CT}direct-decrypt-denied.json`, 'utf8'));
    delete r.errorCode;
    delete r.errorMessage;
    // The record's key was in its error message: resources name it as a successful call's would.
    return write(name, JSON.stringify({ ...r, resources: [{ type: 'AWS::KMS::Key', ARN: K }], ...patch }));
  };
  const allows = `${EX}pattern-3-delegation-with-iam.json`;
  const denies = `${EX}pattern-4-delegation-without-iam.json`;

  it('a call that succeeded: STILL ALLOWED agrees with the event; DENIED NOW disagrees (never "still denied")', async () => {
    const ok = rec({}, 'succeeded.json');
    const same = await run(['explain-event', ok, '--from', allows]);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('Today: STILL ALLOWED (agrees with the event)');
    expect(flat(same.stdout)).not.toMatch(/says it was denied|STILL DENIED|ALLOWED NOW/);
    const changed = await runJson(['explain-event', ok, '--from', denies]);
    expect(changed.code).toBe(1);
    expect(changed.doc.explanations[0].today).toMatchObject({ status: 'denied-now', agrees: false });
    expect(changed.doc.explanations[0].today.text).toMatch(/although the event shows the call succeeded/);
    const text = await run(['explain-event', ok, '--from', denies]);
    expect(text.stdout).toContain('Today: DENIED NOW (DISAGREES with the event');
  });

  it('a call that failed for another reason (DisabledException, ThrottlingException) is not compared as a denial', async () => {
    for (const errorCode of ['DisabledException', 'ThrottlingException']) {
      const f = rec({ errorCode, errorMessage: `${errorCode} for the test` }, `${errorCode}.json`);
      const allowed = await runJson(['explain-event', f, '--from', allows]);
      expect(allowed.code).toBe(0);
      expect(allowed.doc.explanations[0].today).toMatchObject({ status: 'allowed', agrees: null });
      expect(allowed.doc.explanations[0].today.text).toContain(`failed with ${errorCode}, not an access denial`);
      const denied = await run(['explain-event', f, '--from', denies]);
      expect(denied.code).toBe(1);
      expect(denied.stdout).toMatch(/Today: DENIED\n/);
      expect(flat(denied.stdout)).not.toMatch(/says it was denied|STILL DENIED|agrees|DISAGREES/);
    }
  });
});

describe('IAM-only and alias actions: "no identity-based policy allows" is what kms-why finds too', () => {
  const P3 = `${EX}pattern-3-delegation-with-iam.json`;
  const msg = (action: string, resource: string): string =>
    `An error occurred (AccessDeniedException) when calling the ${action} operation: User: ${S} is not authorized to perform: kms:${action} on resource: ${resource} because no identity-based policy allows the kms:${action} action`;

  it('explain-error on CreateKey and DeleteAlias: STILL DENIED, agreeing with the error', async () => {
    for (const [action, resource] of [
      ['CreateKey', '*'],
      ['DeleteAlias', 'arn:aws:kms:us-east-1:111122223333:alias/app'],
    ] as const) {
      const r = await run(['explain-error', msg(action, resource), '--from', P3]);
      expect(r.code, action).toBe(1);
      expect(r.stdout, action).toContain('Today: STILL DENIED (agrees with the error)');
      expect(flat(r.stdout), action).not.toMatch(/DISAGREES|kms-why finds no resource-based policy/);
    }
  });

  it('explain-event on a denied CreateKey agrees too', async () => {
    const rec = JSON.parse(readFileSync(`${CT}direct-decrypt-denied.json`, 'utf8'));
    const f = write(
      'createkey.json',
      JSON.stringify({
        ...rec,
        eventName: 'CreateKey',
        requestParameters: { keySpec: 'SYMMETRIC_DEFAULT' },
        errorMessage: msg('CreateKey', '*').replace(/^.*?User:/, 'User:'),
      }),
    );
    const { code, doc } = await runJson(['explain-event', f, '--from', P3]);
    expect(code).toBe(1);
    expect(doc.explanations[0].today).toMatchObject({ status: 'still-denied', agrees: true });
  });
});

describe("explain-event skips KMS's own service events (RotateKey, DeleteKey, DeleteExpiredKeyMaterial)", () => {
  // As KMS writes them (Developer Guide, CloudTrail: RotateKey, DeleteKey, DeleteExpiredKeyMaterial).
  const serviceEvent = (eventName: string): Record<string, unknown> => ({
    eventVersion: '1.08',
    userIdentity: { accountId: '111122223333', invokedBy: 'kms.amazonaws.com' },
    eventTime: '2026-11-20T03:00:00Z',
    eventSource: 'kms.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: 'kms.amazonaws.com',
    userAgent: 'kms.amazonaws.com',
    requestParameters: null,
    responseElements: null,
    additionalEventData: { keyId: K },
    eventID: `svc-${eventName}`,
    readOnly: false,
    resources: [{ ARN: K, accountId: '111122223333', type: 'AWS::KMS::Key' }],
    eventType: 'AwsServiceEvent',
    managementEvent: true,
    recipientAccountId: '111122223333',
    serviceEventDetails: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
  });

  it('--all gives the report it gives without them, and counts them in the summary', async () => {
    const trail = JSON.parse(readFileSync(`${CT}trail-mixed.json`, 'utf8'));
    const snapshot = `${EX}pattern-2-iam-only-no-delegation.json`;
    const plain = await runJson(['explain-event', `${CT}trail-mixed.json`, '--all', '--from', snapshot]);
    for (const name of ['RotateKey', 'DeleteKey', 'DeleteExpiredKeyMaterial']) {
      const f = write(`trail-${name}.json`, JSON.stringify({ Records: [...trail.Records, serviceEvent(name)] }));
      const r = await runJson(['explain-event', f, '--all', '--from', snapshot]);
      expect(r.code, name).toBe(plain.code);
      expect(r.doc.input).toMatchObject({ records: 8, kmsEvents: 6, accessDenied: 5, serviceEvents: { [name]: 1 } });
      expect(r.doc.explanations.map((e: any) => e.title)).toEqual(plain.doc.explanations.map((e: any) => e.title));
      expect(r.doc.skipped).toEqual(plain.doc.skipped);
      const text = await run(['explain-event', f, '--all', '--from', snapshot]);
      expect(flat(text.stdout)).toContain(`skipped 1 KMS service event (1 ${name}: made by KMS itself, not a request)`);
    }
  });

  it('a file of service events alone has nothing to explain, and says why (exit 2)', async () => {
    const f = write('rotate-only.json', JSON.stringify(serviceEvent('RotateKey')));
    const r = await run(['explain-event', f, '--from', `${EX}pattern-2-iam-only-no-delegation.json`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no KMS event to explain in the file \(1 KMS service event RotateKey, made by KMS itself\)/);
  });
});

describe('explain-event --all skips an event of an operation kms-why does not know', () => {
  it('counts it and explains the rest; asked for alone, it is refused', async () => {
    const trail = JSON.parse(readFileSync(`${CT}trail-mixed.json`, 'utf8'));
    const future = { ...trail.Records[0], eventName: 'FutureKmsOperation', eventID: 'future-1' };
    const f = write('trail-future.json', JSON.stringify({ Records: [...trail.Records, future] }));
    const snapshot = `${EX}pattern-2-iam-only-no-delegation.json`;
    const plain = await runJson(['explain-event', `${CT}trail-mixed.json`, '--all', '--from', snapshot]);
    const r = await runJson(['explain-event', f, '--all', '--from', snapshot]);
    expect(r.code).toBe(plain.code);
    expect(r.doc.input).toMatchObject({ records: 8, kmsEvents: 6, unknownEvents: { FutureKmsOperation: 1 } });
    expect(plain.doc.input.unknownEvents).toBeUndefined();
    expect(r.doc.explanations.map((e: any) => e.title)).toEqual(plain.doc.explanations.map((e: any) => e.title));
    const text = await run(['explain-event', f, '--all', '--from', snapshot]);
    expect(flat(text.stdout)).toContain('skipped 1 event of an operation kms-why does not know (1 FutureKmsOperation: not explained)');
    const alone = await run(['explain-event', f, '--event-id', 'future-1', '--from', snapshot]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/unknown KMS event "FutureKmsOperation"/);
  });
});

describe('explain-event: kms:ReEncryptOnSameKey from the record', () => {
  // Two keys whose policies allow the role kms:ReEncrypt* (only on different keys with `allowOnlyDiff`)
  // and deny re-encrypting on the same key (`denySame`) [KMS condition keys: kms:ReEncryptOnSameKey].
  const K2 = 'arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321';
  const snapshot = (statements: unknown[]): string => {
    const key = (arn: string, alias: string) => ({
      KeyMetadata: { KeyId: arn.slice(arn.indexOf('/') + 1), Arn: arn, AWSAccountId: '111122223333', KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT' },
      Aliases: [alias],
      Tags: [],
      Grants: [],
      Policy: { Version: '2012-10-17', Statement: statements },
    });
    return write(
      `reencrypt-same-key-snapshot-${statements.length}.json`,
      JSON.stringify({
        kmsWhySnapshot: 1,
        keys: [key(K, 'alias/src'), key(K2, 'alias/dst')],
        principals: [{ Arn: 'arn:aws:iam::111122223333:role/app', IdentityPolicies: [] }],
      }),
    );
  };
  const allow = (condition?: unknown) => ({
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::111122223333:role/app' },
    Action: 'kms:ReEncrypt*',
    Resource: '*',
    ...(condition !== undefined ? { Condition: condition } : {}),
  });
  const denySame = snapshot([
    allow(),
    { Effect: 'Deny', Principal: '*', Action: 'kms:ReEncrypt*', Resource: '*', Condition: { Bool: { 'kms:ReEncryptOnSameKey': 'true' } } },
  ]);
  const allowOnlyDiff = snapshot([allow({ Bool: { 'kms:ReEncryptOnSameKey': 'false' } })]);
  const event = (name: string, patch: (r: Record<string, any>) => void): string => {
    const rec = JSON.parse(readFileSync(`${CT}reencrypt-denied.json`, 'utf8'));
    delete rec.errorCode;
    delete rec.errorMessage;
    rec.eventID = name;
    patch(rec);
    return write(`${name}.json`, JSON.stringify(rec));
  };
  const sameKey = event('reencrypt-on-one-key', (r) => {
    r.requestParameters.sourceKeyId = K;
    r.requestParameters.destinationKeyId = K;
    r.resources = [{ type: 'AWS::KMS::Key', ARN: K }];
  });
  const otherKey = event('reencrypt-to-another-key', () => {}); // resources: K, then K2 (destinationKeyId)
  const verdicts = async (...args: string[]) =>
    (await runJson(['explain-event', ...args])).doc.explanations.map((e: any) => e.report.results.map((x: any) => `${x.action} ${x.decision}`).join());

  it('is known from the key ARNs or the two keys the record names, for both permissions', async () => {
    expect(await verdicts(sameKey, '--from', denySame)).toEqual(['kms:ReEncryptFrom deny', 'kms:ReEncryptTo deny']);
    expect(await verdicts(otherKey, '--from', denySame)).toEqual(['kms:ReEncryptFrom allow', 'kms:ReEncryptTo allow']);
    expect(await verdicts(sameKey, '--from', allowOnlyDiff)).toEqual(['kms:ReEncryptFrom deny', 'kms:ReEncryptTo deny']);
    expect(await verdicts(otherKey, '--from', allowOnlyDiff)).toEqual(['kms:ReEncryptFrom allow', 'kms:ReEncryptTo allow']);
    const { doc } = await runJson(['explain-event', sameKey, '--from', denySame]);
    expect(doc.explanations[0].extracted).toContainEqual({
      field: 'condition',
      value: 'kms:ReEncryptOnSameKey=true',
      from: `the event (ReEncrypt from ${K} to ${K})`,
    });
    // Two keys in resources are two keys, whichever is the source: the destination as an alias
    // says no more, and not which of them was the source (no key is guessed) …
    const byAlias = event('reencrypt-to-an-alias', (r) => {
      r.requestParameters.destinationKeyId = 'alias/dst';
    });
    const unnamed = await run(['explain-event', byAlias, '--from', denySame]);
    expect(unnamed.code).toBe(2);
    expect(flat(unnamed.stderr)).toMatch(/does not name the source key/);
    // … which --key gives: the record's kms:ReEncryptOnSameKey holds.
    const alias = await runJson(['explain-event', byAlias, '--from', denySame, '--key', K]);
    expect(alias.doc.explanations.map((e: any) => [e.report.key, e.report.results[0].decision])).toEqual([
      [K, 'allow'],
      [K2, 'allow'],
    ]);
    expect(alias.doc.explanations[1].extracted).toContainEqual({
      field: 'condition',
      value: 'kms:ReEncryptOnSameKey=false',
      from: 'the event (resources name two keys, the source and the destination)',
    });
  });

  it('the one key the record names, taken as source and destination, is the same key', async () => {
    const f = event('reencrypt-one-resource', (r) => {
      r.requestParameters.destinationKeyId = K;
      r.resources = [{ type: 'AWS::KMS::Key', ARN: K }];
    });
    expect(await verdicts(f, '--from', denySame)).toEqual(['kms:ReEncryptFrom deny', 'kms:ReEncryptTo deny']);
  });

  it('stays unknown when the record does not name both keys by ARN, and a flag overrides it', async () => {
    // The destination as an alias, one key in resources: which key the alias named then is not in the record.
    const f = event('reencrypt-alias-destination', (r) => {
      r.requestParameters.sourceKeyId = K;
      r.requestParameters.destinationKeyId = 'alias/src';
      r.resources = [{ type: 'AWS::KMS::Key', ARN: K }];
    });
    const { doc } = await runJson(['explain-event', f, '--from', denySame]);
    const from = doc.explanations[0];
    expect(from.report.results[0]).toMatchObject({ action: 'kms:ReEncryptFrom', decision: 'unknown' });
    expect(from.extracted.some((x: any) => /ReEncryptOnSameKey/.test(x.value))).toBe(false);
    expect(await verdicts(sameKey, '--from', denySame, '--condition', 'kms:ReEncryptOnSameKey=false')).toEqual([
      'kms:ReEncryptFrom allow',
      'kms:ReEncryptTo allow',
    ]);
  });

  it('--all does not group a re-encrypt on one key with one to another key', async () => {
    // Denied calls (--all explains those) whose error message names no permission: both are evaluated.
    const recs = [sameKey, otherKey].map((f) => ({ ...JSON.parse(readFileSync(f, 'utf8')), errorCode: 'AccessDenied' }));
    recs[1].requestParameters.sourceKeyId = K;
    const f = write('reencrypt-both.json', JSON.stringify({ Records: recs }));
    const { doc } = await runJson(['explain-event', f, '--all', '--from', denySame]);
    const from = doc.explanations.filter((e: any) => e.report.results[0].action === 'kms:ReEncryptFrom');
    expect(from.map((e: any) => [e.report.key, e.report.results[0].decision]).sort()).toEqual([
      [K, 'allow'],
      [K, 'deny'],
    ]);
  });
});

describe('explain-event: which key of a ReEncrypt record is the source', () => {
  // Key K denies the role kms:ReEncryptFrom; K2 allows everything. A verdict on the wrong key is
  // "allow" where the right one is "deny".
  const K2 = 'arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321';
  const K3 = 'arn:aws:kms:us-east-1:111122223333:key/5555eeee-55ee-55ee-55ee-555555555555';
  const ROLE = 'arn:aws:iam::111122223333:role/app';
  const allowAll = { Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', Resource: '*' };
  const snapshot = (name: string, aliases: Record<string, string>): string => {
    const key = (arn: string, statements: unknown[]) => ({
      KeyMetadata: { KeyId: arn.slice(arn.indexOf('/') + 1), Arn: arn, AWSAccountId: '111122223333', KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT' },
      Aliases: Object.entries(aliases)
        .filter(([, k]) => k === arn)
        .map(([a]) => a),
      Tags: [],
      Grants: [],
      Policy: { Version: '2012-10-17', Statement: statements },
    });
    return write(
      `${name}.json`,
      JSON.stringify({
        kmsWhySnapshot: 1,
        keys: [key(K, [allowAll, { Effect: 'Deny', Principal: '*', Action: 'kms:ReEncryptFrom', Resource: '*' }]), key(K2, [allowAll]), key(K3, [allowAll])],
        principals: [{ Arn: ROLE, IdentityPolicies: [] }],
      }),
    );
  };
  /** A ReEncrypt record from `source` to `destination` (as sent), whose resources list the destination key first. */
  const record = (name: string, source: string | undefined, destination: string, resources = [K2, K]): string => {
    const rec = JSON.parse(readFileSync(`${CT}reencrypt-denied.json`, 'utf8'));
    delete rec.errorCode;
    delete rec.errorMessage;
    rec.eventID = name;
    if (source !== undefined) rec.requestParameters.sourceKeyId = source;
    rec.requestParameters.destinationKeyId = destination;
    rec.resources = resources.map((ARN) => ({ accountId: '111122223333', type: 'AWS::KMS::Key', ARN }));
    return write(`${name}.json`, JSON.stringify(rec));
  };
  const today = snapshot('aliases-as-then', { 'alias/src': K, 'alias/dst': K2 });
  const results = (doc: any) => doc.explanations.map((e: any) => [e.report.results[0].action, e.report.key, e.report.results[0].decision]);

  it('is the other key of two when the destination key is named, whatever the alias names today', async () => {
    const f = record('src-alias-dst-arn', 'alias/src', K2);
    const moved = snapshot('alias-moved', { 'alias/src': K2, 'alias/dst': K2 });
    for (const s of [today, moved]) {
      const { doc } = await runJson(['explain-event', f, '--from', s]);
      expect(results(doc)).toEqual([
        ['kms:ReEncryptFrom', K, 'deny'],
        ['kms:ReEncryptTo', K2, 'allow'],
      ]);
      expect(doc.explanations[0].extracted).toContainEqual({ field: 'key', value: K, from: 'the event (resources)' });
    }
  });

  it('is the key a source alias names today when the record does not say, bounded by the keys it names, and said so', async () => {
    // Both keys sent as aliases: resources name K2 and K, and do not say which was the source (the
    // first, K2, was once taken as the source: ReEncryptFrom allowed on the destination key).
    const f = record('both-aliases', 'alias/src', 'alias/dst');
    const { code, doc } = await runJson(['explain-event', f, '--from', today]);
    expect(code).toBe(1);
    expect(results(doc)).toEqual([
      ['kms:ReEncryptFrom', K, 'deny'],
      ['kms:ReEncryptTo', K2, 'allow'],
    ]);
    expect(doc.explanations[0].report.results[0].decidedBy).toBe('explicit-deny');
    expect(flat(doc.explanations[0].notes.join(' '))).toMatch(
      /The record gives the source key as alias\/src and does not say which key that alias named then \(resources name .* and .*\): it is taken to be the key the alias names in the snapshot today, provided that is one of them and not the key alias\/dst names\./,
    );
    // An alias that names a key the record does not name, or the key the other alias names, named another key then: not known.
    // (Two aliases on one key: either may have moved, so neither key is known.)
    for (const [name, aliases, why, evaluated] of [
      [
        'alias-elsewhere',
        { 'alias/src': K3, 'alias/dst': K2 },
        /names \S+5555eeee\S+ in the snapshot today, a key the record does not name/,
        ['kms:ReEncryptTo'],
      ],
      ['aliases-onto-one', { 'alias/src': K2, 'alias/dst': K2 }, /names \S+0987dcba\S+ in the snapshot today, the key alias\/dst names too/, []],
    ] as const) {
      const r = await run(['explain-event', f, '--from', snapshot(name, aliases)]);
      expect(r.code, name).toBe(2);
      expect(flat(r.stderr), name).toMatch(/the record gives the source key as alias\/src, which/);
      expect(flat(r.stderr), name).toMatch(why);
      expect(flat(r.stderr), name).toMatch(/give --key/);
      // With --all (it explains denied calls) the event is skipped as unknown, not evaluated on a guess.
      const denied = write(`${name}-denied.json`, JSON.stringify({ ...JSON.parse(readFileSync(f, 'utf8')), errorCode: 'AccessDenied' }));
      const all = await runJson(['explain-event', denied, '--all', '--from', snapshot(name, aliases)]);
      expect(all.code, name).toBe(3);
      expect(all.doc.explanations.map((e: any) => e.report.results[0].action)).toEqual(evaluated);
      expect(flat(all.doc.skipped[0].why)).toMatch(/the record gives the source key as alias\/src/);
    }
  });

  it('is not known when the record does not send it and does not say which key it was', async () => {
    const f = record('no-source-alias-dst', undefined, 'alias/dst');
    const r = await run(['explain-event', f, '--from', today]);
    expect(r.code).toBe(2);
    expect(flat(r.stderr)).toMatch(/does not name the source key/);
  });

  it('--key gives the source key and --destination-key the destination key; either one replaces kms:ReEncryptOnSameKey', async () => {
    const f = record('src-arn-dst-arn', K, K2);
    // The record: from K to K2 (not the same key).
    const { doc } = await runJson(['explain-event', f, '--from', today]);
    expect(results(doc)).toEqual([
      ['kms:ReEncryptFrom', K, 'deny'],
      ['kms:ReEncryptTo', K2, 'allow'],
    ]);
    // --key is the source key only: the destination stays the record's, and the two keys are now the same.
    const key = await runJson(['explain-event', f, '--from', today, '--key', K2]);
    expect(results(key.doc)).toEqual([
      ['kms:ReEncryptFrom', K2, 'allow'],
      ['kms:ReEncryptTo', K2, 'allow'],
    ]);
    for (const e of key.doc.explanations)
      expect(e.extracted).toContainEqual({ field: 'condition', value: 'kms:ReEncryptOnSameKey=true', from: `ReEncrypt from ${K2} to ${K2} (--key)` });
    const dst = await runJson(['explain-event', f, '--from', today, '--destination-key', K3]);
    expect(results(dst.doc)).toEqual([
      ['kms:ReEncryptFrom', K, 'deny'],
      ['kms:ReEncryptTo', K3, 'allow'],
    ]);
    // A key given as an alias does not say whether the keys are the same.
    const alias = await runJson(['explain-event', f, '--from', today, '--key', 'alias/dst']);
    expect(alias.doc.explanations[0].extracted.some((x: any) => /ReEncryptOnSameKey/.test(x.value))).toBe(false);
    expect(flat(alias.doc.explanations[0].notes.join(' '))).toMatch(
      /kms:ReEncryptOnSameKey: not known, --key replacing a key of the record's \(which gave false\)/,
    );
    // --destination-key goes with a ReEncrypt's destination key only.
    const other = await run(['explain-event', `${CT}direct-decrypt-denied.json`, '--from', today, '--destination-key', K2]);
    expect(other.code).toBe(2);
    expect(flat(other.stderr)).toMatch(/--destination-key names the destination key of a ReEncrypt event/);
  });

  it('takes each permission from eventName, not from an error message the record does not have', async () => {
    const { doc } = await runJson(['explain-event', record('labels', K, K2), '--from', today]);
    expect(doc.explanations.map((e: any) => e.extracted.find((x: any) => x.field === 'action'))).toEqual([
      { field: 'action', value: 'kms:ReEncryptFrom', from: 'the event: eventSource kms.amazonaws.com, eventName ReEncrypt (on the source key)' },
      { field: 'action', value: 'kms:ReEncryptTo', from: 'the event: eventSource kms.amazonaws.com, eventName ReEncrypt (on the destination key)' },
    ]);
    // The error message that names one permission is where that one comes from.
    const denied = await runJson(['explain-event', `${CT}reencrypt-denied.json`, '--from', today]);
    expect(denied.doc.explanations[0].extracted).toContainEqual({ field: 'action', value: 'kms:ReEncryptTo', from: "the event's error message (ReEncrypt)" });
  });
});

describe('explain-event on a ReEncrypt of one key', () => {
  const sameKey = (patch: (r: Record<string, any>) => void = () => {}): string => {
    const rec = JSON.parse(readFileSync(`${CT}reencrypt-denied.json`, 'utf8'));
    rec.errorMessage = null;
    rec.requestParameters.destinationKeyId = K;
    rec.resources = [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN: K }];
    patch(rec);
    return write('reencrypt-same-key.json', JSON.stringify(rec));
  };

  it('evaluates both permissions on that key (the record names it), not "the record names no key"', async () => {
    const { code, doc } = await runJson(['explain-event', sameKey(), '--from', `${EX}pattern-3-delegation-with-iam.json`]);
    expect(code).toBe(1);
    expect(doc.explanations.map((e: any) => [e.report.results[0].action, e.report.key])).toEqual([
      ['kms:ReEncryptFrom', K],
      ['kms:ReEncryptTo', K],
    ]);
  });

  it('a record that names no source key says so, not that it names no key', async () => {
    const f = sameKey((r) => {
      r.resources = [];
    });
    const r = await run(['explain-event', f, '--from', `${EX}pattern-3-delegation-with-iam.json`]);
    expect(r.code).toBe(2);
    expect(flat(r.stderr)).toMatch(/does not name the source key \(no requestParameters.sourceKeyId/);
    expect(r.stderr).not.toMatch(/no resources/);
  });
});
