// kms-why writes stdout and stderr directly to a file, a pipe, a socket or /dev/null (FdOutput),
// and through Node's stream otherwise or once a direct write fails: the bytes and their order are
// the same either way, a reader that stops early ends the run quietly, and a full disk is exit 2.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FdOutput } from '../../src/cli/io.js';
import { ACCOUNT, delegatingKey } from '../helpers/snapshot-doc.js';
import { BIN, LAMBDA_ARGS, ROOT } from './helpers.js';

/** A stream that keeps what it is given. */
function fakeStream(): { stream: NodeJS.WriteStream; got: string[] } {
  const got: string[] = [];
  const stream = { write: (c: string | Uint8Array) => got.push(typeof c === 'string' ? c : Buffer.from(c).toString('utf8')) } as unknown as NodeJS.WriteStream;
  return { stream, got };
}

/**
 * A writeSync that keeps what it is given: at most `perCall` bytes a call (as a non-blocking pipe
 * may take), failing with EAGAIN from call `failFrom` on.
 */
function recordingWrite(
  perCall: number,
  failFrom = Number.POSITIVE_INFINITY,
): {
  write: (fd: number, b: Uint8Array, off: number, len: number) => number;
  written: Buffer[];
  calls: () => number;
} {
  const written: Buffer[] = [];
  let calls = 0;
  const write = (_fd: number, b: Uint8Array, off: number, len: number): number => {
    if (++calls >= failFrom) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
    const n = Math.min(perCall, len);
    written.push(Buffer.from(b.subarray(off, off + n)));
    return n;
  };
  return { write, written, calls: () => calls };
}

/** 3,000 roles allowed every key action (and `more` principals): megabytes of output, far more than a pipe holds. */
function manyRoles(file: string, more: unknown[] = []): string {
  const principals = [...more];
  for (let i = 0; i < 3000; i++)
    principals.push({
      Arn: `arn:aws:iam::${ACCOUNT}:role/role-${i}`,
      IdentityPolicies: [{ PolicyName: 'kms', Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }],
    });
  writeFileSync(file, JSON.stringify({ kmsWhySnapshot: 1, keys: [delegatingKey()], principals }));
  return file;
}

describe('FdOutput', () => {
  it('writes everything directly, in order, across partial writes', () => {
    const { write, written } = recordingWrite(5);
    const { stream, got } = fakeStream();
    const out = new FdOutput(1, () => stream, write, 'direct');
    out.write('héllo, wörld ✓ ');
    out.write('second');
    expect(Buffer.concat(written).toString('utf8')).toBe('héllo, wörld ✓ second');
    expect(got).toEqual([]);
    expect(out.needsDrain).toBe(false);
  });

  it('writes the UTF-8 bytes of each piece, long or short, one-byte or not, whatever came before', () => {
    // Every byte a call: one recorded chunk per piece.
    const { write, written } = recordingWrite(Number.POSITIVE_INFINITY);
    const out = new FdOutput(1, () => fakeStream().stream, write, 'direct');
    // Pieces are encoded in a buffer of 256 KiB when 3 bytes a code unit fit; longer ones on their own.
    const pieces = ['€'.repeat(87_381), 'short', '€'.repeat(87_382), '€'.repeat(100_000), 'x'.repeat(200_000), 'é✓😀\n', 'a'.repeat(90_000), 'b'];
    for (const p of pieces) out.write(p);
    expect(written.map((b) => b.length)).toEqual(pieces.map((p) => Buffer.byteLength(p, 'utf8')));
    for (const [i, b] of written.entries()) expect(b.equals(Buffer.from(pieces[i]!, 'utf8')), `piece ${i}`).toBe(true);
  });

  it('a direct write that fails part-way hands the rest, and every later write, to the stream, in order', () => {
    const { write, written, calls } = recordingWrite(4, 3);
    const { stream, got } = fakeStream();
    const out = new FdOutput(1, () => stream, write, 'direct');
    out.write('0123456789abcdef');
    out.write('tail');
    expect(Buffer.concat(written).toString('utf8')).toBe('01234567');
    expect(got).toEqual(['89abcdef', 'tail']);
    expect(calls()).toBe(3);
  });

  it('a terminal or another device goes through the stream from the start', () => {
    const { stream, got } = fakeStream();
    const never = (): number => {
      throw new Error('not a direct write');
    };
    const out = new FdOutput(2, () => stream, never, 'other');
    out.write('to the stream');
    expect(got).toEqual(['to the stream']);
  });
});

describe('stdout through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-why-stdio-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Every action: a report of several kilobytes.
  const check = ['check', '--action', 'all', ...LAMBDA_ARGS, '--output', 'json', '--at', '2026-01-01T00:00:00Z'];
  const run = (stdout: 'pipe' | number) =>
    spawnSync(process.execPath, [BIN, ...check], { cwd: ROOT, stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', timeout: 30000 });

  it('a regular file gets the same bytes as a pipe; /dev/null takes them without a word', () => {
    const piped = run('pipe');
    expect(piped.stderr).toBe('');
    expect(piped.stdout.length).toBeGreaterThan(1000);
    const file = join(dir, 'out.json');
    const fd = openSync(file, 'w');
    const toFile = run(fd);
    closeSync(fd);
    expect(toFile.status).toBe(piped.status);
    expect(toFile.stderr).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(piped.stdout);
    const nul = openSync('/dev/null', 'w');
    const toNull = run(nul);
    closeSync(nul);
    expect(toNull.status).toBe(piped.status);
    expect(toNull.stderr).toBe('');
  });

  it.skipIf(!existsSync('/dev/full'))('a full device is exit 2 with one line on stderr, never 1', () => {
    const full = openSync('/dev/full', 'w');
    const r = run(full);
    closeSync(full);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('kms-why: error: cannot write the output to stdout: ENOSPC\n');
  });

  it('a reader that stops early ends the run quietly, with the exit code of the answer', async () => {
    // One role's identity policies could not be read: its answers are unknown.
    const unread = { Arn: `arn:aws:iam::${ACCOUNT}:role/unread`, IdentityPolicies: { kmsWhyUnreadable: { reason: 'AccessDenied on iam:ListRolePolicies' } } };
    const snapshot = manyRoles(join(dir, 'many.json'), [unread]);
    const child = spawn(process.execPath, [BIN, 'who-can', '--from', snapshot, '--all-keys', '--output', 'jsonl'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let first = '';
    child.stdout.once('data', (d: Buffer) => {
      first = d.toString('utf8').split('\n')[0]!;
      child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(JSON.parse(first)).toHaveProperty('type');
    expect(stderr).toBe('');
    // The one key is answered before its first line is written: the code of the whole run (3:
    // the unread role's answers are unknown).
    const whole = spawnSync(process.execPath, [BIN, 'who-can', '--from', snapshot, '--all-keys', '--output', 'jsonl'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    expect(whole.status).toBe(3);
    expect(code).toBe(whole.status);
  });

  it('a who-can cut short by its reader ends with the exit code of what it answered: 3 once an answer was unknown', async () => {
    const snapshot = manyRoles(join(dir, 'many-unknown.json'), [
      { Arn: `arn:aws:iam::${ACCOUNT}:role/unreadable`, IdentityPolicies: { kmsWhyUnreadable: { reason: 'AccessDenied' } } },
    ]);
    const child = spawn(process.execPath, [BIN, 'who-can', '--from', snapshot, '--all-keys', '--output', 'jsonl'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(3);
  });
});

describe('a signal while --output-file is written', () => {
  it('removes the temporary file, leaves the target as it was and ends by the signal', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kms-why-sigint-'));
    const snapshot = manyRoles(join(d, 'many.json'));
    const out = join(d, 'out.txt');
    writeFileSync(out, 'before');
    const child = spawn(process.execPath, [BIN, 'who-can', '--from', snapshot, '--all-keys', '--principals', '--output', 'text', '--output-file', out], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    // Once the temporary file exists (the report is being made), Ctrl-C.
    const temp = (): boolean => readdirSync(d).some((f) => f.endsWith('.tmp'));
    for (let i = 0; i < 1500 && !temp() && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 10));
    expect(temp()).toBe(true);
    child.kill('SIGINT');
    const end = await closed;
    expect(end.signal ?? end.code).toBe(end.signal !== null ? 'SIGINT' : 130);
    expect(readdirSync(d).sort()).toEqual(['many.json', 'out.txt']);
    expect(readFileSync(out, 'utf8')).toBe('before');
  });
});
