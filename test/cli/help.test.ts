// main() registers only the command being run (a cold start builds one command's options, not
// every command's); help, a bare `kms-why`, a typo and `help X` register every command. Whichever
// way the program was built, what it prints for a command must be the same: `X --help` (X alone
// registered) and `help X` (all registered) agree for every command the top-level help lists.
import { describe, expect, it } from 'vitest';
import { runMain } from './in-process.js';

const run = runMain;

describe('help: the same text whether one command or all were registered', () => {
  it('lists the commands under their headings, and a bare kms-why prints the same help on stderr', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const heading of ['Diagnose a failure:', 'Audit keys and accounts:', 'Evaluate one action:', 'Capture inputs:', 'Other:'])
      expect(help.stdout).toContain(`\n${heading}\n`);
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toBe(help.stdout);
  });

  it('X --help equals help X for every listed command', async () => {
    const names = [...(await run(['--help'])).stdout.matchAll(/^ {2}([a-z][a-z-]+)\b/gm)].map((m) => m[1]!).filter((n) => n !== 'help' && n !== 'kms-why');
    expect(names).toEqual(
      expect.arrayContaining([
        'check',
        'decrypt',
        're-encrypt',
        'who-can',
        'diff',
        'grants',
        'lambda',
        'snapshot',
        'explain-error',
        'explain-event',
        'completion',
      ]),
    );
    for (const name of names) {
      const own = await run([name, '--help']);
      const all = await run(['help', name]);
      expect(own.code, name).toBe(0);
      expect(own.stdout, name).toContain(`Usage: kms-why ${name} `);
      expect(own.stdout, name).toBe(all.stdout);
      expect(all.code, name).toBe(0);
    }
  });

  it('fits the output width: 80 columns on a pipe, COLUMNS when given (commands to paste stay whole)', async () => {
    // Commander wraps a description only in a column at least 40 wide, and never the text after
    // the help: with these option names, lines ran to 250 columns.
    const prose = (text: string): string[] => text.split('\n').filter((l) => !/^\s*(kms-why|aws|\$) /.test(l));
    const widest = (text: string): number => Math.max(...prose(text).map((l) => [...l].length));
    const names = [...(await run(['--help'])).stdout.matchAll(/^ {2}([a-z][a-z-]+)\b/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
    for (const args of [['--help'], ...names.map((n) => [n, '--help'])]) {
      const narrow = await run(args);
      expect(widest(narrow.stdout), args.join(' ')).toBeLessThanOrEqual(80);
    }
    const wide = await run(['decrypt', '--help'], { COLUMNS: '120' });
    expect(widest(wide.stdout)).toBeGreaterThan(80);
    expect(widest(wide.stdout)).toBeLessThanOrEqual(120);
    // A bare kms-why prints the same help on stderr, laid out the same way.
    expect(widest((await run([])).stderr)).toBeLessThanOrEqual(80);
  });

  it('a typo gets the suggestion drawn from every command', async () => {
    const r = await run(['decryp', '--from', 'x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("kms-why: error: unknown command 'decryp'\nhint: Did you mean decrypt?\n");
  });

  it("grants' help offers no principal-side flag, and the command refuses them with a reason", async () => {
    const help = (await run(['grants', '--help'])).stdout;
    expect(help).not.toMatch(/--scp-file|--rcp-file|--principal-profile/);
    expect((await run(['decrypt', '--help'])).stdout).toMatch(/--principal-profile/);
    for (const flag of [
      ['--scp-file', 'x.json'],
      ['--principal-profile', 'p'],
    ]) {
      const r = await run(['grants', '--from', 'fixtures/examples/grants-audit-snapshot.json', '--key', 'alias/shared', ...flag]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/do(es)? not apply to kms-why grants/);
    }
  });

  it('a usage error without a suggestion points to the help, on a hint line', async () => {
    const r = await run(['check', '--output', 'xml', '--from', 'x.json', '--key', 'k', '--principal', 'p']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^kms-why: error: option '--output <format>' argument 'xml' is invalid\. Allowed choices are table, text, json, markdown\.\nhint: `kms-why --help` lists the commands/,
    );
  });

  it('the exit codes of the help include 4', async () => {
    expect((await run(['--help'])).stdout).toMatch(/^ {2}4 {2}internal error/m);
  });

  it('an unknown option or command is quoted back with its control characters escaped', async () => {
    for (const argv of [['check', '--bogus\u001b[31mRED\u001b]0;T\u0007\u202e'], ['bogus\u001b[31mx\u202e']]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^kms-why: error: unknown (option|command)/);
      expect(r.stderr).not.toMatch(/[\u001b\u0007\u202e]/);
      expect(r.stderr).toContain('\\u001b');
    }
  });
});
