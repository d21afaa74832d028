// Top-level help grouped by what the user wants to do, and shell completion generated from the
// command tree (issue 15.7); only the command being run is registered (issue 18.3), without
// changing any command's help.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/model/actions.js';
import { kmsWhy } from './helpers.js';

const MAIN = ['lambda', 'explain-error', 'explain-event', 'grants', 'who-can', 'diff', 'check', 're-encrypt', 'snapshot'];
const PER_ACTION = ACTIONS.filter((a) => a.cls !== 'internal' && a.short !== 'ReEncryptFrom' && a.short !== 'ReEncryptTo').map((a) => a.cliName);

describe('top-level help', () => {
  const help = kmsWhy(['--help']);

  it('groups commands under diagnose, audit, evaluate one action and capture, in that order', () => {
    expect(help.code).toBe(0);
    const at = (s: string): number => help.stdout.indexOf(s);
    const headings = ['Diagnose a failure:', 'Audit keys and accounts:', 'Evaluate one action:', 'Capture inputs:'];
    for (const h of headings) expect(at(h)).toBeGreaterThan(0);
    expect(headings.map(at)).toEqual([...headings.map(at)].sort((a, b) => a - b));
    const section = (h: string): string => help.stdout.slice(at(h), help.stdout.indexOf('\n\n', at(h)));
    expect(section('Diagnose a failure:')).toMatch(/\n {2}lambda [\s\S]*\n {2}explain-error [\s\S]*\n {2}explain-event /);
    expect(section('Audit keys and accounts:')).toMatch(/\n {2}grants [\s\S]*\n {2}who-can [\s\S]*\n {2}diff /);
    expect(section('Capture inputs:')).toMatch(/\n {2}snapshot /);
    const evaluate = section('Evaluate one action:');
    // A command's summary follows its name, or (when too wide for the column) the next line.
    for (const c of ['check', 're-encrypt', ...PER_ACTION]) expect(evaluate).toMatch(new RegExp(`\\n  ${c}( |\\n)`));
  });

  it('lists every command exactly once', () => {
    for (const c of [...MAIN, ...PER_ACTION, 'completion']) expect(help.stdout.match(new RegExp(`\\n  ${c}( |\\n)`, 'g'))?.length ?? 0, c).toBe(1);
  });

  it('still suggests a command for a typo (every command is registered when the name is unknown)', () => {
    const r = kmsWhy(['decryp', '--from', 'x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Did you mean decrypt?');
  });
});

describe('kms-why completion', () => {
  const script = (shell: string): string => {
    const r = kmsWhy(['completion', shell]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  it("bash: valid syntax, completes every command, each command's flags and the choices of a flag", () => {
    const s = script('bash');
    expect(spawnSync('bash', ['-n'], { input: s }).status).toBe(0);
    // Run the completion function as bash would for a few command lines.
    const complete = (words: string[]): string[] => {
      const prog = `${s}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kms_why; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = spawnSync('bash', ['-c', prog], { encoding: 'utf8' });
      return r.stdout.split('\n').filter(Boolean);
    };
    const cmds = complete(['kms-why', '']);
    for (const c of [...MAIN, ...PER_ACTION, 'completion']) expect(cmds).toContain(c);
    expect(complete(['kms-why', 'who'])).toEqual(['who-can']);
    expect(complete(['kms-why', 'decrypt', '--princ']).sort()).toEqual(['--principal', '--principal-profile']);
    expect(complete(['kms-why', 'grants', '--all'])).toContain('--all-keys');
    expect(complete(['kms-why', 'decrypt', '--output', ''])).toEqual(['table', 'text', 'json', 'markdown']);
    expect(complete(['kms-why', 'completion', ''])).toEqual(['bash', 'zsh', 'fish', '--help']);
  });

  it('zsh: a compdef function with every command and its flags', () => {
    const s = script('zsh');
    expect(s.startsWith('#compdef kms-why')).toBe(true);
    for (const c of [...MAIN, ...PER_ACTION]) expect(s).toContain(`\n    ${c})\n`);
    expect(s).toMatch(/--output\[[^\]]*\]:value:\(table text json markdown\)/);
    expect(s).toContain("'--from[");
    // Balanced quotes: every line's single quotes pair up (a broken quote breaks the whole file).
    for (const line of s.split('\n')) expect((line.replace(/'\\''/g, '').match(/'/g) ?? []).length % 2, line).toBe(0);
  });

  it('fish: one line per command and per flag of each command', () => {
    const s = script('fish');
    for (const c of [...MAIN, ...PER_ACTION]) expect(s).toContain(`-n __fish_use_subcommand -a '${c}'`);
    expect(s).toContain("-n '__fish_seen_subcommand_from decrypt' -l principal -x");
    expect(s).toContain("-n '__fish_seen_subcommand_from grants' -l all-keys");
    expect(s).toMatch(/-n '__fish_seen_subcommand_from check' -l output -x -a 'table text json markdown'/);
  });

  it('rejects an unknown shell as a usage error', () => {
    const r = kmsWhy(['completion', 'powershell']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bash, zsh, fish/);
  });
});
