// Every example of `kms-why explain-error --help` is a complete command: its message (or message
// file) holds the principal, the action and the key, so the command parses and evaluates (never
// exit 2). The placeholders snapshot.json and ticket.txt stand for bundled fixtures, and an
// example without --from is given one (it would read AWS).
import { describe, expect, it } from 'vitest';
import { parseErrorMessage } from '../../src/sources/error-message.js';
import { ROOT } from './helpers.js';
import { runMain } from './in-process.js';

const SNAPSHOT = `${ROOT}fixtures/examples/pattern-1-key-policy-names-role.json`;
const TICKET = `${ROOT}fixtures/errors/ticket-wrapped.txt`;

/** The words of one example line, as a shell splits them (double quotes only: the examples use no other). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

async function examples(): Promise<string[][]> {
  const help = (await runMain(['explain-error', '--help'])).stdout;
  const block = help.slice(help.indexOf('\nExamples:\n'));
  return block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('kms-why explain-error'))
    .map((l) => words(l).slice(1));
}

describe('explain-error --help examples', () => {
  it('each message names the principal, the action and the key', async () => {
    const all = await examples();
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const args of all) {
      const message = args[1]!;
      if (message.startsWith('--')) continue; // --message-file: read below
      const p = parseErrorMessage(message);
      expect(p.principal, message).toBeDefined();
      expect(p.action, message).toBeDefined();
      expect(p.keyArn, message).toBeDefined();
    }
  });

  it('each runs without a usage or input error', async () => {
    for (const args of await examples()) {
      const argv = args.map((a) => (a === 'snapshot.json' ? SNAPSHOT : a === 'ticket.txt' ? TICKET : a));
      if (!argv.includes('--from')) argv.push('--from', SNAPSHOT);
      const r = await runMain(argv, { NO_COLOR: '1' });
      expect(r.code, `${argv.join(' ')}\n${r.stderr}`).not.toBe(2);
    }
  });
});
