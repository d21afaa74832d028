// Every output format from the built CLI, colour conventions, and --redact across formats.
import { describe, expect, it } from 'vitest';
import { kmsWhy, LAMBDA_ARGS, LAMBDA_GRANT_ID } from './helpers.js';

const ESC = '\u001b[';

describe('output formats', () => {
  it.each(['table', 'text', 'json', 'markdown'])('%s names the deciding grant and nothing goes to stderr', (output) => {
    const r = kmsWhy(['decrypt', ...LAMBDA_ARGS, '--output', output]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(LAMBDA_GRANT_ID);
  });

  it('markdown carries a Mermaid flowchart, the deciding grant as JSON and the command line', () => {
    const md = kmsWhy(['decrypt', ...LAMBDA_ARGS, '--output', 'markdown']).stdout;
    expect(md).toMatch(/```mermaid\nflowchart TD/);
    expect(md).toMatch(/class s\d+ deciding;/);
    const json = /```json\n([\s\S]*?)\n\s*```/.exec(md)![1]!;
    expect(JSON.parse(json.replace(/^ {2}/gm, '')).grantId).toBe(LAMBDA_GRANT_ID);
    expect(md).toContain('kms-why decrypt --from');
  });
});

describe('colour', () => {
  it('FORCE_COLOR colours the table; NO_COLOR and --no-color turn it off', () => {
    expect(kmsWhy(['decrypt', ...LAMBDA_ARGS, '--output', 'table'], { env: { FORCE_COLOR: '1' } }).stdout).toContain(ESC);
    expect(kmsWhy(['decrypt', ...LAMBDA_ARGS, '--output', 'table'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toContain(ESC);
    expect(kmsWhy(['decrypt', ...LAMBDA_ARGS, '--output', 'table', '--no-color'], { env: { FORCE_COLOR: '1' } }).stdout).not.toContain(ESC);
  });
  it('text and JSON never carry colour codes', () => {
    for (const output of ['text', 'json'])
      expect(kmsWhy(['decrypt', ...LAMBDA_ARGS, '--output', output], { env: { FORCE_COLOR: '1' } }).stdout).not.toContain(ESC);
  });
});

describe('--redact', () => {
  it.each(['table', 'text', 'json', 'markdown'])('%s: no account id, grant id, role or function name is left', (output) => {
    const r = kmsWhy(['decrypt', ...LAMBDA_ARGS, '--output', output, '--redact']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('111122223333');
    expect(r.stdout).toContain('000000000001');
    expect(r.stdout).not.toContain(LAMBDA_GRANT_ID);
    expect(r.stdout).not.toContain('app-exec-role');
    expect(r.stdout).not.toContain('my-function');
    if (output === 'markdown') expect(r.stdout).toContain('lambda.us-east-1.amazonaws.com'); // service principals stay readable
    if (output === 'json') expect(() => JSON.parse(r.stdout)).not.toThrow();
  });
});
