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

  it('a typo gets the suggestion drawn from every command', async () => {
    const r = await run(['decryp', '--from', 'x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown command 'decryp'\n(Did you mean decrypt?)\n");
  });
});
