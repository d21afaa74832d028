// Runs the built CLI as a subprocess, as a user or a CI job would.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { AwsServer } from '../helpers/aws-server.js';
import { assertContract, assertExpectFile } from '../helpers/schemas.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${ROOT}bin/kms-why.cjs`;
export const EXAMPLES = `${ROOT}fixtures/examples/`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kmsWhy(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): RunResult {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...opts.env };
  delete env.FORCE_COLOR;
  if (opts.env?.FORCE_COLOR !== undefined) env.FORCE_COLOR = opts.env.FORCE_COLOR;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input: opts.input ?? '', env, encoding: 'utf8', timeout: 30000 });
  checkContracts(args, r.stdout);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The built CLI against the local AWS stand-in, with credentials in the environment as a user has
 * them and an empty HOME. Asynchronous: spawnSync would block the event loop that serves the stand-in.
 */
export function kmsWhyLive(
  server: AwsServer,
  args: string[],
  opts: { account?: string; env?: Record<string, string>; endpoint?: boolean } = {},
): Promise<RunResult> {
  const creds = server.credentials(opts.account ?? '111122223333');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: mkdtempSync(join(tmpdir(), 'kms-why-home-')),
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_REGION: 'us-east-1',
    ...opts.env,
  };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args, ...(opts.endpoint === false ? [] : ['--endpoint-url', server.url])], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      // What a live run writes (snapshots above all) is held to the published schemas as well.
      try {
        checkContracts(args, stdout);
      } catch (e) {
        fail(e);
        return;
      }
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * Every contract document a CLI run produces must conform to its published schema (schema/, and
 * SARIF 2.1.0): what it printed, and the files it wrote (--output-file, --write-expect, --report).
 */
export function checkContracts(args: readonly string[], stdout: string): void {
  assertContract(stdout, `stdout of kms-why ${args.join(' ')}`);
  for (let i = 0; i < args.length - 1; i++) {
    const flag = args[i]!;
    let file: string | undefined;
    if (flag === '--output-file' || flag === '--write-expect') file = args[i + 1];
    else if (flag === '--report') file = args[i + 1]!.slice(args[i + 1]!.indexOf('=') + 1);
    if (file === undefined) continue;
    const path = resolve(ROOT, file);
    if (!existsSync(path) || !statSync(path).isFile()) continue; // the run failed before writing it: the test says whether that was right
    const text = readFileSync(path, 'utf8');
    assertContract(text, `${file} written by kms-why ${args.join(' ')}`);
    // An expectation file (array form) has no version marker; check it by its flag.
    if (flag === '--write-expect') assertExpectFile(text, file);
  }
}

export const LAMBDA_ARGS = [
  '--from',
  `${EXAMPLES}lambda-env-grant.json`,
  '--key',
  'alias/app-env',
  '--principal',
  'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function',
  '--context',
  'aws:lambda:FunctionArn=arn:aws:lambda:us-east-1:111122223333:function:my-function',
];
export const RETIRED_ARGS = LAMBDA_ARGS.map((a) => (a.endsWith('lambda-env-grant.json') ? `${EXAMPLES}lambda-env-grant-retired.json` : a));
export const LAMBDA_GRANT_ID = '0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60';
