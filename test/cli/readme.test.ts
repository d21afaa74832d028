// Every README example runs as written (issue 14): each `sh` block of README.md is split into
// commands (lines joined at a trailing backslash) and run from the project root, as a user who has
// followed the quick start would. `npx kms-why` is run as the built bin it resolves to (npx finds
// the project's own bin). A block that needs AWS says so with a comment line `# needs AWS` and is
// skipped; `npm install` and `npm test` (the quick start's own steps) are not run again.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers.js';

const README = readFileSync(`${ROOT}README.md`, 'utf8');

function shBlocks(md: string): string[] {
  return [...md.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

function commandsOf(block: string): string[] {
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const blocks = shBlocks(README);
const runnable = blocks.filter((b) => !/^#.*needs AWS/im.test(b));
const commands = runnable.flatMap(commandsOf);

describe('README examples', () => {
  it('has sh examples, every one of them with npx kms-why (no bare kms-why)', () => {
    expect(commands.length).toBeGreaterThan(3);
    for (const c of commands)
      for (const part of c.split(/&&|;|\|/)) {
        const cmd = part.trim();
        if (cmd.startsWith('kms-why')) throw new Error(`bare kms-why (not on the PATH after the quick start): ${c}`);
      }
  });

  it('names only files that exist in fixtures/examples/', () => {
    for (const c of commands) {
      for (const m of c.matchAll(/(?:^|\s)([\w./-]+\.json)(?=\s|$)/g)) {
        const f = m[1]!;
        if (f.startsWith('fixtures/')) {
          expect(f, c).toMatch(/^fixtures\/examples\//);
          expect(existsSync(`${ROOT}${f}`), `${f} in: ${c}`).toBe(true);
        }
      }
    }
  });

  for (const c of commands) {
    it(`runs: ${c.slice(0, 100)}`, () => {
      // The quick start itself (installing, the whole test suite) is not run from inside the tests.
      const cmd = c
        .split('&&')
        .map((p) => p.trim())
        .filter((p) => !/^npm (install|ci|test)\b/.test(p))
        .join(' && ')
        .replace(/(^|&&\s*|\|\s*)npx kms-why\b/g, `$1"${process.execPath}" "${BIN}"`);
      if (cmd === '') return;
      const r = spawnSync('sh', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', timeout: 60000, env: { ...process.env, NO_COLOR: '1' } });
      // 0 allow, 1 deny, 3 unknown are answers; 2 (usage, a missing file) and 4 (a bug) are not.
      expect([0, 1, 3], `${c}\n${r.stderr}`).toContain(r.status);
      expect(r.stdout.length, c).toBeGreaterThan(0);
      expect(r.stderr, c).not.toMatch(/error:/);
    }, 90_000);
  }
});
