// What `npm pack` ships, and that the packed tarball installs globally and runs, as a user would
// get it. Uses the dist/ that `npm test` has just built (scripts are not run again here).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers.js';

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as Record<string, any>;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const work = mkdtempSync(join(tmpdir(), 'kms-why-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface PackFile {
  path: string;
}

function packList(): string[] {
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  return (JSON.parse(out) as Array<{ files: PackFile[] }>)[0]!.files.map((f) => f.path).sort();
}

describe('the npm package', () => {
  it('says where it lives, its licence and the Node it needs', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync(`${ROOT}LICENSE`, 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/);
    expect(pkg.repository.url).toBe('git+https://github.com/kms-why/kms-why.git');
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/kms-why\/kms-why/);
    expect(pkg.bugs.url).toBe('https://github.com/kms-why/kms-why/issues');
    expect(pkg.engines.node).toBe('>=22.12');
    expect(pkg.exports['./package.json']).toBe('./package.json');
  });

  it('ships bin, dist, docs, schema and the examples, and nothing of src/ or test/', () => {
    const files = packList();
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'bin/kms-why.cjs',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'docs/semantics.md',
      'docs/report.md',
      'docs/snapshot.md',
      'docs/expect-file.md',
      'schema/snapshot-1.schema.json',
      'fixtures/examples/lambda-env-grant.json',
    ]) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(src|test|bench|\.ci|\.github)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
    // Every shipped source map carries its sources: it must not need src/, which is not shipped.
    const maps = files.filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(10);
    for (const m of maps) {
      const map = JSON.parse(readFileSync(`${ROOT}${m}`, 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      expect(map.sourcesContent?.length, m).toBe(map.sources.length);
      expect(
        map.sourcesContent!.every((s) => typeof s === 'string' && s.length > 0),
        m,
      ).toBe(true);
    }
  });

  it('the packed tarball installs globally and runs kms-why --version', { timeout: 300_000 }, () => {
    const tgz = execFileSync(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    const prefix = join(work, 'prefix');
    // Dependencies come from the npm cache that `npm ci` filled (the registry when missing).
    const install = spawnSync(
      npm,
      ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, tgz)],
      { encoding: 'utf8', timeout: 280_000 },
    );
    expect(install.status, install.stderr).toBe(0);
    const r = spawnSync(join(prefix, 'bin', 'kms-why'), ['--version'], { encoding: 'utf8', cwd: work });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(pkg.version);
    expect(r.status).toBe(0);
    // The installed command works offline on the shipped example.
    const lib = join(prefix, 'lib', 'node_modules', 'kms-why');
    const check = spawnSync(
      join(prefix, 'bin', 'kms-why'),
      [
        'decrypt',
        '--from',
        join(lib, 'fixtures/examples/lambda-env-grant.json'),
        '--key',
        'alias/app-env',
        '--principal',
        'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function',
        '--context',
        'aws:lambda:FunctionArn=arn:aws:lambda:us-east-1:111122223333:function:my-function',
        '--output',
        'json',
      ],
      { encoding: 'utf8', cwd: work },
    );
    expect(check.status, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout).results[0].decidedBy).toBe('grant');
  });
});
