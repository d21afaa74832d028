// bin/bundle.cjs loads the bundled command line with a V8 code cache made after the run: chunks
// that require each other share one instance (Node's own loader included, for the aws chunk), a
// cache is written once and then used, and a cache that is wrong in any way costs only the
// speed-up, never a stale or broken run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleLoader } from '../../bin/bundle.cjs';
import { BIN, LAMBDA_ARGS, ROOT } from './helpers.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kms-why-bundle-'));
  dirs.push(d);
  return d;
}
const nodeCache = createRequire(import.meta.url).cache;
afterAll(() => {
  for (const d of dirs) {
    for (const k of Object.keys(nodeCache)) if (k.startsWith(d)) delete nodeCache[k];
    rmSync(d, { recursive: true, force: true });
  }
});

/** A bundle of four chunks: an entry, a core that the entry and a lazy chunk require (a cycle), and an aws- chunk. */
function writeBundle(dir: string, value = 'one'): void {
  writeFileSync(join(dir, 'entry.cjs'), `const core = require('./core.cjs');\nexports.core = core;\nexports.aws = () => require('./aws-x.cjs');\n`);
  writeFileSync(
    join(dir, 'core.cjs'),
    [
      `class Failure extends Error {}`,
      `exports.Failure = Failure;`,
      `exports.value = () => '${value}';`,
      `exports.lazy = () => require('./lazy.cjs');`,
      `exports.join = require('node:path').join;`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'lazy.cjs'), `const core = require('./core.cjs');\nexports.fromCore = () => core.value();\n`);
  writeFileSync(join(dir, 'aws-x.cjs'), `const core = require('./core.cjs');\nexports.isFailure = (e) => e instanceof core.Failure;\n`);
}

interface Entry {
  core: { Failure: new () => Error; value: () => string; lazy: () => { fromCore: () => string }; join: (...p: string[]) => string };
  aws: () => { isFailure: (e: unknown) => boolean };
}

const inode = (f: string): number => statSync(f).ino;

/**
 * One run in a process of its own, as the CLI has it: V8 keeps what a process compiled in memory
 * and would not read the cache for the same source twice. Prints the core's value.
 */
function child(dir: string, cache: string, label: string, nodeFlags: string[] = []): string {
  // A script file, not `node -e`: that would be in process.execArgv, which names the cache files.
  const script = join(tempDir(), 'run.mjs');
  writeFileSync(
    script,
    [
      `import { bundleLoader } from ${JSON.stringify(`${ROOT}bin/bundle.cjs`)};`,
      'const [dir, cache, label] = process.argv.slice(2);',
      'const l = bundleLoader(dir, cache, label);',
      `const e = l.require('entry.cjs');`,
      'process.stdout.write(e.core.lazy().fromCore());',
      'l.save();',
    ].join('\n'),
  );
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [...nodeFlags, script, dir, cache, label], { encoding: 'utf8', timeout: 30000, env });
  expect(r.stderr).toBe('');
  return r.stdout;
}
/** The cache files in a cache folder (bundleLoader's cacheDir), in its one subfolder: the installation's. */
function cacheFiles(dir: string): string[] {
  const [install, ...more] = readdirSync(dir);
  expect(more).toEqual([]);
  return readdirSync(join(dir, install!))
    .filter((f) => f.endsWith('.v8'))
    .map((f) => join(install!, f))
    .sort();
}

describe('bin/bundle.cjs', () => {
  it('loads chunks that require each other once, and the aws chunk through Node, sharing their classes', () => {
    const dir = tempDir();
    writeBundle(dir);
    const loader = bundleLoader(dir, undefined, 'check');
    const entry = loader.require<Entry>('entry.cjs');
    expect(entry.core.value()).toBe('one');
    expect(entry.core.lazy().fromCore()).toBe('one');
    expect(loader.require('core.cjs')).toBe(entry.core);
    expect(entry.core.join('a', 'b')).toBe(join('a', 'b'));
    // Node's loader reads the aws chunk; its require of the core finds the instance loaded here.
    expect(entry.aws().isFailure(new entry.core.Failure())).toBe(true);
    expect(entry.aws().isFailure(new Error())).toBe(false);
  });

  it('writes a cache per chunk and command after the run, and the next run uses it without writing again', () => {
    const dir = tempDir();
    const cache = join(tempDir(), 'code-cache');
    writeBundle(dir);
    expect(child(dir, cache, 'check')).toBe('one');
    const files = cacheFiles(cache);
    expect(files.map((f) => basename(f).split('-')[0])).toEqual(['core', 'entry', 'lazy']);
    expect(files.every((f) => f.includes(`-check-${process.version}-${process.arch}.v8`))).toBe(true);
    const before = files.map((f) => inode(join(cache, f)));
    expect(child(dir, cache, 'check')).toBe('one');
    // Accepted by V8: nothing was written again (a rejected cache is replaced by a new file).
    expect(cacheFiles(cache)).toEqual(files);
    expect(files.map((f) => inode(join(cache, f)))).toEqual(before);
    // Another command has caches of its own.
    expect(child(dir, cache, 'who-can')).toBe('one');
    expect(cacheFiles(cache).filter((f) => f.includes('-who-can-'))).toHaveLength(3);
    // So do other flags of Node's (V8 would reject the files made without them), and the files
    // made without them stay as they were.
    expect(child(dir, cache, 'check', ['--max-semi-space-size=32'])).toBe('one');
    expect(child(dir, cache, 'check', ['--max-semi-space-size=32'])).toBe('one');
    const withFlags = cacheFiles(cache).filter((f) => f.includes('-check-') && !files.includes(f));
    expect(withFlags).toHaveLength(3);
    expect(files.map((f) => inode(join(cache, f)))).toEqual(before);
  });

  it('a cache V8 rejects costs only the speed-up: the run is right and the cache is written again', () => {
    const dir = tempDir();
    const cache = tempDir();
    writeBundle(dir);
    child(dir, cache, 'check');
    const core = join(cache, cacheFiles(cache).find((f) => basename(f).startsWith('core-'))!);
    writeFileSync(core, Buffer.alloc(statSync(core).size, 0x5a));
    const garbage = inode(core);
    expect(child(dir, cache, 'check')).toBe('one');
    expect(inode(core)).not.toBe(garbage);
    expect(readFileSync(core).every((b) => b === 0x5a)).toBe(false);
    // And the new one is accepted.
    const rewritten = inode(core);
    expect(child(dir, cache, 'check')).toBe('one');
    expect(inode(core)).toBe(rewritten);
  });

  it('a chunk changed in place, even to the same length, is never run from the old cache, whose files go', () => {
    const dir = tempDir();
    const cache = tempDir();
    writeBundle(dir, 'one');
    expect(child(dir, cache, 'check')).toBe('one');
    expect(child(dir, cache, 'who-can')).toBe('one');
    const old = cacheFiles(cache);
    expect(old).toHaveLength(6);
    // V8 checks only the source's length: the same length with other text would pass its check.
    writeBundle(dir, 'two');
    const t = new Date(Date.now() + 5000);
    for (const f of readdirSync(dir)) utimesSync(join(dir, f), t, t);
    expect(child(dir, cache, 'check')).toBe('two');
    // The new build's files only (the earlier build's who-can files too are gone), and no temporary
    // file a killed run left over an hour ago (a newer one may be another run's, still writing).
    const install = join(cache, readdirSync(cache)[0]!);
    const stale = join(install, 'core-1-2-check.v8.999.tmp');
    const fresh = join(install, 'core-1-2-check.v8.998.tmp');
    writeFileSync(stale, '');
    writeFileSync(fresh, '');
    const hourAgo = new Date(Date.now() - 3_700_000);
    utimesSync(stale, hourAgo, hourAgo);
    // (Another build again, so that the run writes, and so prunes.)
    const t2 = new Date(Date.now() + 10000);
    for (const f of readdirSync(dir)) utimesSync(join(dir, f), t2, t2);
    expect(child(dir, cache, 'check')).toBe('two');
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    const now = cacheFiles(cache);
    expect(now).toHaveLength(3);
    expect(now.filter((f) => old.includes(f))).toEqual([]);
  });

  it('a run that writes removes the folders of installations that are gone, and nothing else', () => {
    const cache = tempDir();
    const gone = tempDir();
    writeBundle(gone);
    expect(child(gone, cache, 'check')).toBe('one');
    const kept = tempDir();
    writeBundle(kept);
    expect(child(kept, cache, 'check')).toBe('one');
    const folders = readdirSync(cache).sort();
    expect(folders).toHaveLength(2);
    // A folder of someone else's and a file beside them are not ours to remove.
    mkdirSync(join(cache, 'notes'));
    writeFileSync(join(cache, 'readme.txt'), 'mine');
    rmSync(gone, { recursive: true });
    const third = tempDir();
    writeBundle(third);
    expect(child(third, cache, 'check')).toBe('one');
    const after = readdirSync(cache).sort();
    expect(after).toHaveLength(4);
    expect(after).toContain('notes');
    expect(after).toContain('readme.txt');
    // The installation still there keeps its folder; the one gone has none.
    const withPath = after.filter((f) => existsSync(join(cache, f, 'path'))).map((f) => readFileSync(join(cache, f, 'path'), 'utf8'));
    expect(withPath.sort()).toEqual([kept, third].map((d) => realpathSync(d)).sort());
  });

  it('a cache folder that cannot be made, or none, leaves the run as it is', () => {
    const dir = tempDir();
    writeBundle(dir);
    const blocked = join(tempDir(), 'file');
    writeFileSync(blocked, 'not a folder');
    const loader = bundleLoader(dir, join(blocked, 'code-cache'), 'check');
    expect(loader.require<Entry>('entry.cjs').core.value()).toBe('one');
    expect(() => loader.save()).not.toThrow();
    for (const k of Object.keys(nodeCache)) if (k.startsWith(dir)) delete nodeCache[k];
    const none = bundleLoader(dir, undefined, 'check');
    none.require('entry.cjs');
    expect(() => none.save()).not.toThrow();
  });
});

describe('the code cache through the CLI', () => {
  const check = ['check', '--action', 'kms:Decrypt', ...LAMBDA_ARGS, '--output', 'text', '--at', '2026-01-01T00:00:00Z'];
  const run = (args: string[], env: Record<string, string>) => {
    const e: Record<string, string | undefined> = { ...process.env, ...env };
    delete e.NODE_COMPILE_CACHE;
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: e, encoding: 'utf8', timeout: 30000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('is written by the first run of a command, in the user cache folder, and the second run answers the same', () => {
    const home = tempDir();
    const first = run(check, { XDG_CACHE_HOME: home });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const files = cacheFiles(join(home, 'kms-why', 'code-cache'));
    expect(files.some((f) => basename(f).startsWith('kms-why-core-') && f.includes('-check-'))).toBe(true);
    const second = run(check, { XDG_CACHE_HOME: home });
    expect(second).toEqual(first);
    expect(cacheFiles(join(home, 'kms-why', 'code-cache'))).toEqual(files);
  });

  it('is not written after a usage error, with NODE_DISABLE_COMPILE_CACHE=1, or in the heap-limited child', () => {
    const home = tempDir();
    // (Node's own compile cache makes its folder at start: kms-why/compile-cache.)
    expect(run(['chekc', '--key', 'x'], { XDG_CACHE_HOME: home }).code).toBe(2);
    expect(readdirSync(join(home, 'kms-why'))).toEqual(['compile-cache']);
    const off = tempDir();
    expect(run(check, { XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: '1' }).code).toBe(0);
    expect(readdirSync(off)).toEqual([]);
    // Nor in bin/heap.js's child, whose heap flags change with the input.
    const heapChild = tempDir();
    expect(run(check, { XDG_CACHE_HOME: heapChild, KMS_WHY_HEAP_CHILD: '1' }).code).toBe(0);
    expect(readdirSync(join(heapChild, 'kms-why'))).toEqual(['compile-cache']);
  });
});
