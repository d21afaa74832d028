// The GitHub Action (action.yml): its audit step's own script, run with bash as the runner runs
// it, against the local AWS stand-in, with the runner's files for outputs and the job summary.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsServer, type AwsServer } from '../helpers/aws-server.js';
import { BIN, ROOT } from './helpers.js';

let server: AwsServer;
beforeAll(async () => {
  server = await startAwsServer();
});
afterAll(async () => {
  await server.close();
});

/** The `run: |` block of the step named `name`, without its indentation. */
function stepScript(name: string): string {
  const lines = readFileSync(`${ROOT}action.yml`, 'utf8').split('\n');
  const step = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  expect(step, `a step named ${name}`).toBeGreaterThan(0);
  const run = lines.findIndex((l, i) => i > step && l.trim() === 'run: |');
  const indent = /^ */.exec(lines[run + 1]!)![0].length;
  const body: string[] = [];
  for (const l of lines.slice(run + 1)) {
    if (l.trim() !== '' && /^ */.exec(l)![0].length < indent) break;
    body.push(l.slice(indent));
  }
  return body.join('\n');
}

function runStep(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', script], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

describe('action.yml', () => {
  it('writes the audit to the job summary once, annotations to the log and the exit code to the step outputs', async () => {
    server.reset();
    const dir = mkdtempSync(join(tmpdir(), 'kms-why-action-'));
    const summary = join(dir, 'summary.md');
    const output = join(dir, 'output.txt');
    writeFileSync(summary, '');
    writeFileSync(output, '');
    const creds = server.credentials('111122223333');
    const r = await runStep(stepScript('Audit KMS grants'), {
      PATH: process.env.PATH ?? '',
      HOME: mkdtempSync(join(tmpdir(), 'kms-why-home-')),
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: server.url,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      KMS_WHY: BIN,
      IN_KEYS: '',
      IN_ALL_KEYS: 'true',
      IN_EXPECT: '',
      IN_FAIL_ON: 'none',
      IN_MAX_AGE: '',
      IN_REGION: '',
      IN_UPLOAD: 'false',
      IN_SARIF: join(dir, 'kms-why.sarif'),
    });
    expect(r.code, r.stderr).toBe(0);
    const md = readFileSync(summary, 'utf8');
    const title = /^## .*$/m.exec(md)?.[0];
    expect(title, md.slice(0, 300)).toBeDefined();
    // One report, not the CLI's and the action's both.
    expect(md.split('\n').filter((l) => l === title)).toHaveLength(1);
    expect(readFileSync(output, 'utf8')).toMatch(/^exit-code=[0-3]$/m);
    expect(JSON.parse(readFileSync(join(dir, 'kms-why.sarif'), 'utf8')).version).toBe('2.1.0');
  });
});
