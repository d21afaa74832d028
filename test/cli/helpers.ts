// Runs the built CLI as a subprocess, as a user or a CI job would.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${ROOT}bin/kms-why.js`;
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
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
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
