// kms-why snapshot's exit codes, as its --help and the README state them: no usable AWS
// credentials is exit 2 (like any input kms-why cannot open), never 3, which means AWS answered
// but could not be read at all.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers.js';
import { runMain } from './in-process.js';

const home = mkdtempSync(join(tmpdir(), 'kms-why-nocreds-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('kms-why snapshot exit codes', () => {
  it('--help puts missing credentials and an unreachable endpoint under 2, not 3', async () => {
    const help = (await runMain(['snapshot', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('2 bad input, no usable AWS credentials or an AWS endpoint that cannot be reached, 3 nothing written');
    expect(help).not.toMatch(/3 nothing written[^.]*credentials,/);
  });

  it('exits 2 without usable credentials, naming the problem', () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    };
    const r = spawnSync(
      process.execPath,
      [BIN, 'snapshot', '--key', 'alias/app', '--principal', 'arn:aws:iam::111122223333:role/app', '--output-file', join(home, 'x.json')],
      { cwd: ROOT, env, encoding: 'utf8', timeout: 60000 },
    );
    expect(r.stderr).toContain('no usable AWS credentials');
    expect(r.status).toBe(2);
  });
});
