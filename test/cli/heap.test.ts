// who-can and diff on a large input run in a child node with a heap limit (bin/heap.js): the limit
// follows the inputs' sizes, a heap size the user chose wins, exit codes and signals pass through
// unchanged, and running out of memory is one error line and a hint, not V8's report.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FLOOR_MB,
  heapLimitMb,
  inputFiles,
  MB_PER_SNAPSHOT_MB,
  RELAUNCH_FROM_MB,
  SEMI_SPACE_FROM_MB,
  SEMI_SPACE_MB,
  semiSpaceMb,
  userHeapMb,
  userSetHeap,
} from '../../bin/heap.js';
import { BIN, kmsWhy, ROOT } from './helpers.js';

const BASIC = 'fixtures/who-can/basic.json';
const tmp = mkdtempSync(join(tmpdir(), 'kms-why-heap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A file of `mb` MB (sparse) beginning with `head`. */
function sized(name: string, mb: number, head = ''): string {
  const file = join(tmp, name);
  const fd = openSync(file, 'w');
  writeSync(fd, head);
  writeSync(fd, ' ', Math.round(mb * 1048576) - 1);
  closeSync(fd);
  return file;
}

/** basic.json with `roles` more roles, each with an identity policy of its own: a few MB of work per MB of heap. */
function bigSnapshot(roles: number): string {
  const snap = JSON.parse(readFileSync(`${ROOT}${BASIC}`, 'utf8'));
  for (let i = 0; i < roles; i++)
    snap.principals.push({
      Arn: `arn:aws:iam::111122223333:role/gen-${i}`,
      IdentityPolicies: [
        {
          PolicyName: `p${i}`,
          Document: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['kms:Decrypt', 'kms:Encrypt'],
                Resource: '*',
                Condition: { StringEquals: { 'kms:EncryptionContext:app': `app-${i}` } },
              },
            ],
          },
        },
      ],
    });
  const file = join(tmp, `big-${roles}.json`);
  writeFileSync(file, JSON.stringify(snap));
  return file;
}

describe('the heap limit chosen for who-can and diff', () => {
  it('reads the inputs: --from values for who-can, OLD and NEW for diff', () => {
    expect(inputFiles('who-can', ['who-can', '--key', 'k', '--from', 'a.json', '--from=b.json', '--output', 'jsonl'])).toEqual(['a.json', 'b.json']);
    expect(inputFiles('diff', ['diff', '--key', 'k', 'old.json', '--output', 'json', '--fail-on-gain', 'new.json', '--report', 'json=r.json'])).toEqual([
      'old.json',
      'new.json',
    ]);
    expect(inputFiles('diff', ['diff', '--', '-old.json', 'new.json'])).toEqual(['-old.json', 'new.json']);
    expect(inputFiles('diff', ['diff', '--at', '2026-01-01T00:00:00Z', 'old.json', 'new.json'])).toEqual(['old.json', 'new.json']);
  });

  it('grows with the snapshots, weighs who-can reports lightly, and leaves small or unknown inputs alone', () => {
    const env = {};
    const small = sized('small.json', 2);
    const mid = sized('mid.json', 17);
    const big = sized('big.json', 80);
    const report = sized('report.json', 250, '{"kmsWhyWhoCan":1,');
    const smallReport = sized('small-report.json', 150, '{"kmsWhyWhoCan":1,');
    expect(heapLimitMb('who-can', ['who-can', '--from', small], env, [])).toBeUndefined();
    expect(2 * MB_PER_SNAPSHOT_MB).toBeLessThan(RELAUNCH_FROM_MB);
    expect(heapLimitMb('who-can', ['who-can', '--from', small, '--from', small], env, [])).toBeUndefined();
    expect(heapLimitMb('who-can', ['who-can', '--from', mid], env, [])).toBe(FLOOR_MB);
    expect(heapLimitMb('who-can', ['who-can', '--from', big], env, [])).toBe(80 * MB_PER_SNAPSHOT_MB);
    expect(heapLimitMb('who-can', ['who-can', '--from', big, '--from', mid], env, [])).toBe(97 * MB_PER_SNAPSHOT_MB);
    // A who-can report is read a key at a time: 2 × 150 MB of reports stay in this process, 2 × 250 MB get the floor, not 24 × 500 MB.
    expect(heapLimitMb('diff', ['diff', smallReport, smallReport], env, [])).toBeUndefined();
    expect(heapLimitMb('diff', ['diff', report, report], env, [])).toBe(FLOOR_MB);
    expect(heapLimitMb('diff', ['diff', big, report], env, [])).toBe(80 * MB_PER_SNAPSHOT_MB + 250);
    // stdin, a missing file, no --from (the account is read from AWS): V8's own default, in this process.
    expect(heapLimitMb('who-can', ['who-can', '--from', big, '--from', '-'], env, [])).toBeUndefined();
    expect(heapLimitMb('who-can', ['who-can', '--from', join(tmp, 'missing.json')], env, [])).toBeUndefined();
    expect(heapLimitMb('who-can', ['who-can', '--all-keys'], env, [])).toBeUndefined();
    // The heap size node reads from NODE_OPTIONS and its command line (the last one wins).
    expect(userHeapMb({ NODE_OPTIONS: '--max-old-space-size=300' }, [])).toBe(300);
    expect(userHeapMb({ NODE_OPTIONS: '--max_old_space_size=300 --trace-gc' }, ['--max-heap-size=900'])).toBe(900);
    expect(userHeapMb({ NODE_OPTIONS: '--trace-gc' }, [])).toBeUndefined();
    // The user's choice wins; KMS_WHY_HEAP_MB sets it otherwise.
    expect(userSetHeap({ NODE_OPTIONS: '--trace-gc --max-old-space-size=300' }, [])).toBe(true);
    expect(userSetHeap({}, ['--max_old_space_size=300'])).toBe(true);
    expect(userSetHeap({ NODE_OPTIONS: '--max-heap-size=300' }, [])).toBe(true);
    expect(userSetHeap({ NODE_OPTIONS: '--max-semi-space-size=64' }, [])).toBe(false);
    expect(heapLimitMb('who-can', ['who-can', '--from', big], { NODE_OPTIONS: '--max-old-space-size=300' }, [])).toBeUndefined();
    expect(heapLimitMb('who-can', ['who-can', '--from', small], { KMS_WHY_HEAP_MB: '100' }, [])).toBe(100);
    // Under a few MB node crashes rather than running out of memory: the least taken is 16.
    expect(heapLimitMb('who-can', ['who-can', '--from', small], { KMS_WHY_HEAP_MB: '4' }, [])).toBe(16);
    expect(heapLimitMb('who-can', ['who-can', '--from', small], { KMS_WHY_HEAP_MB: '100', NODE_OPTIONS: '--max-old-space-size=300' }, [])).toBeUndefined();
  });
});

describe('the young generation chosen for who-can', () => {
  it('is larger for who-can on a snapshot from SEMI_SPACE_FROM_MB (weighted), unless the user chose one', () => {
    const env = {};
    const under = sized('semi-under.json', (SEMI_SPACE_FROM_MB - 4) / MB_PER_SNAPSHOT_MB);
    const over = sized('semi-over.json', (SEMI_SPACE_FROM_MB + 4) / MB_PER_SNAPSHOT_MB);
    expect(semiSpaceMb('who-can', ['who-can', '--from', under], env, [])).toBeUndefined();
    expect(semiSpaceMb('who-can', ['who-can', '--from', over], env, [])).toBe(SEMI_SPACE_MB);
    expect(semiSpaceMb('who-can', ['who-can', '--from', under, '--from', under], env, [])).toBe(SEMI_SPACE_MB);
    // Under the heap limit as well (a large input gets both).
    expect(semiSpaceMb('who-can', ['who-can', '--from', sized('semi-big.json', 80)], env, [])).toBe(SEMI_SPACE_MB);
    // Not diff; not an input of unknown size (stdin, a missing file, the account read from AWS).
    expect(semiSpaceMb('diff', ['diff', over, over], env, [])).toBeUndefined();
    expect(semiSpaceMb('who-can', ['who-can', '--from', over, '--from', '-'], env, [])).toBeUndefined();
    expect(semiSpaceMb('who-can', ['who-can', '--from', join(tmp, 'missing.json')], env, [])).toBeUndefined();
    expect(semiSpaceMb('who-can', ['who-can', '--all-keys'], env, [])).toBeUndefined();
    // A size the user gave node wins, in NODE_OPTIONS or on node's command line.
    expect(semiSpaceMb('who-can', ['who-can', '--from', over], { NODE_OPTIONS: '--trace-gc --max-semi-space-size=8' }, [])).toBeUndefined();
    expect(semiSpaceMb('who-can', ['who-can', '--from', over], env, ['--min_semi_space_size=4'])).toBeUndefined();
    expect(semiSpaceMb('who-can', ['who-can', '--from', over], { NODE_OPTIONS: '--max-old-space-size=900' }, [])).toBe(SEMI_SPACE_MB);
  });

  it('runs who-can in a child with it, printing as in one process; a size the user gave is kept', () => {
    // basic.json padded with blanks to a large file: the size of a large account, the work of a small one.
    const padded = join(tmp, 'padded.json');
    writeFileSync(padded, readFileSync(`${ROOT}${BASIC}`, 'utf8') + ' '.repeat(Math.ceil(((SEMI_SPACE_FROM_MB + 4) / MB_PER_SNAPSHOT_MB) * 1048576)));
    // A preload that records, in every node the run starts, whether it is the child and its flags.
    const seen = join(tmp, 'seen.jsonl');
    const spy = join(tmp, 'spy.cjs');
    writeFileSync(
      spy,
      `require('node:fs').appendFileSync(${JSON.stringify(seen)}, JSON.stringify({ child: process.env.KMS_WHY_HEAP_CHILD === '1', argv: process.execArgv }) + '\\n');\n`,
    );
    const runs = (nodeOptions: string): Array<{ child: boolean; argv: string[] }> => {
      rmSync(seen, { force: true });
      // One request time for both runs: the JSON report records it.
      const args = ['who-can', '--from', padded, '--all-keys', '--output', 'json', '--at', '2026-01-01T00:00:00Z'];
      const r = kmsWhy(args, { env: { NODE_OPTIONS: `--require ${spy}${nodeOptions}` } });
      expect(r).toEqual(kmsWhy(args, { env: { KMS_WHY_HEAP_CHILD: '1' } }));
      return readFileSync(seen, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
    };
    const started = runs('');
    expect(started.map((x) => x.child)).toEqual([false, true]);
    expect(started[1]!.argv).toContain(`--max-semi-space-size=${SEMI_SPACE_MB}`);
    // A fixed size: V8 would otherwise start it small and resize it all through the run.
    expect(started[1]!.argv).toContain(`--min-semi-space-size=${SEMI_SPACE_MB}`);
    expect(started[1]!.argv.some((a) => a.startsWith('--max-old-space-size'))).toBe(false);
    expect(runs(' --max-semi-space-size=8').map((x) => x.child)).toEqual([false]);
  });
});

describe('who-can and diff relaunched with a heap limit (through bin/kms-why.cjs)', () => {
  const relaunched = { KMS_WHY_HEAP_MB: '256' };

  it('prints and exits exactly as in one process', () => {
    writeFileSync(join(tmp, 'new.json'), gainedSnapshot());
    const runs: string[][] = [
      // One request time for both runs: the JSON report records it.
      ['who-can', '--from', BASIC, '--all-keys', '--output', 'json', '--at', '2026-01-01T00:00:00Z'],
      ['who-can', '--from', BASIC, '--all-keys', '--output', 'text'],
      ['who-can', '--from', 'fixtures/who-can/iam-details.json', '--all-keys', '--output', 'jsonl'],
      ['who-can', '--from', BASIC],
      ['who-can', '--from', join(tmp, 'missing.json'), '--all-keys'],
      ['diff', BASIC, join(tmp, 'new.json'), '--fail-on-gain', '--output', 'text', '--at', '2026-01-01T00:00:00Z'],
      ['diff', BASIC, BASIC, '--fail-on-gain'],
    ];
    const codes = new Set<number>();
    for (const args of runs) {
      const inProcess = kmsWhy(args);
      const child = kmsWhy(args, { env: relaunched });
      expect(child, args.join(' ')).toEqual(inProcess);
      codes.add(child.code);
    }
    // The runs cover allowed, gained (1), bad input (2) and unknown (3).
    expect([...codes].sort()).toEqual([0, 1, 2, 3]);
  });

  it('out of memory: one error line and a hint naming NODE_OPTIONS, exit 4, no report file and no temporary file left', () => {
    const big = bigSnapshot(4000);
    const r = kmsWhy(['who-can', '--from', big, '--all-keys', '--output', 'jsonl'], { env: { KMS_WHY_HEAP_MB: '16' } });
    expect(r.code).toBe(4);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^kms-why: error: who-can ran out of memory: .*16 MB/);
    expect(lines[1]).toMatch(/^hint: .*NODE_OPTIONS=--max-old-space-size=\d+ kms-why who-can/);
    expect(r.stderr).not.toMatch(/FATAL|<---|Native stack|node::/);

    const out = join(tmp, 'out');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    const d = kmsWhy(['diff', BASIC, big, '--output', 'json', '--report', `json=${join(out, 'diff.json')}`], { env: { KMS_WHY_HEAP_MB: '16' } });
    expect(d.code).toBe(4);
    expect(d.stderr).toMatch(/^kms-why: error: diff ran out of memory: .*\nhint: .*NODE_OPTIONS=--max-old-space-size=\d+ kms-why diff/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('who-can --output-file: out of memory leaves the file as it was, with no temporary file beside it', () => {
    const big = bigSnapshot(4000);
    const out = join(tmp, 'out-who-can');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    const file = join(out, 'who-can.jsonl');
    writeFileSync(file, 'the report of yesterday\n');
    const r = kmsWhy(['who-can', '--from', big, '--all-keys', '--output', 'jsonl', '--output-file', file], { env: { KMS_WHY_HEAP_MB: '16' } });
    expect(r.code).toBe(4);
    expect(readFileSync(file, 'utf8')).toBe('the report of yesterday\n');
    expect(readdirSync(out)).toEqual(['who-can.jsonl']);
  });

  it('a heap size the user gave node wins: the run succeeds under its own limit', () => {
    const big = bigSnapshot(4000);
    const args = ['who-can', '--from', big, '--all-keys', '--output', 'text'];
    const r = kmsWhy(args, { env: { KMS_WHY_HEAP_MB: '16', NODE_OPTIONS: '--max-old-space-size=512' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r).toEqual(kmsWhy(args));
  });

  it('out of memory under a heap size the user gave node: the same one error line naming it, exit 4', () => {
    const big = bigSnapshot(4000);
    const r = kmsWhy(['who-can', '--from', big, '--all-keys', '--output', 'jsonl'], { env: { NODE_OPTIONS: '--max-old-space-size=16' } });
    expect(r.stderr).not.toMatch(/FATAL|<---|Native stack|node::/);
    expect(r.code).toBe(4);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('kms-why: error: who-can ran out of memory: the inputs need more than the 16 MB heap given to node');
    expect(lines[1]).toBe('hint: Give node more (in MB), e.g. NODE_OPTIONS=--max-old-space-size=32 kms-why who-can …');
  });

  it.runIf(process.platform === 'linux').each(['SIGTERM', 'SIGINT'] as const)('%s reaches the child, and the process ends by it', async (signal) => {
    // who-can reading stdin waits for it: the child is alive until the signal ends it.
    const parent = spawn(process.execPath, [BIN, 'who-can', '--from', '-', '--all-keys'], {
      cwd: ROOT,
      env: { ...process.env, KMS_WHY_HEAP_MB: '256' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => parent.on('close', (code, sig) => done({ code, signal: sig })));
    const childrenFile = `/proc/${parent.pid}/task/${parent.pid}/children`;
    let child = '';
    while (child === '') {
      await new Promise((r) => setTimeout(r, 20));
      child = existsSync(childrenFile) ? readFileSync(childrenFile, 'utf8').trim() : '';
    }
    parent.kill(signal);
    expect(await ended).toEqual({ code: null, signal });
    expect(existsSync(`/proc/${child}`)).toBe(false);
    parent.stdin.end();
  });
});

/** basic.json where role/web gained kms:PutKeyPolicy. */
function gainedSnapshot(): string {
  const snap = JSON.parse(readFileSync(`${ROOT}${BASIC}`, 'utf8'));
  const policy = typeof snap.keys[0].Policy === 'string' ? JSON.parse(snap.keys[0].Policy) : snap.keys[0].Policy;
  policy.Statement.push({
    Sid: 'NewWeb',
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::111122223333:role/web' },
    Action: 'kms:PutKeyPolicy',
    Resource: '*',
  });
  snap.keys[0].Policy = policy;
  return JSON.stringify(snap);
}
