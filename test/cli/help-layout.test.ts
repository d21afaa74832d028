// Help text laid out to the output width (src/cli/help-layout.ts), line by line.
import { describe, expect, it } from 'vitest';
import { layoutHelp } from '../../src/cli/help-layout.js';

describe('layoutHelp', () => {
  it('leaves text that fits as it is', () => {
    const text = 'Usage: kms-why decrypt [options]\n\nOptions:\n  --key <key>  the key\n';
    expect(layoutHelp(text, 80)).toBe(text);
  });

  it('continues an item under its description, or under its term when the column is too narrow', () => {
    const wide = `  --key <key>    ${'word '.repeat(20).trim()}`;
    const lines = layoutHelp(wide, 60).split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0]!.startsWith('  --key <key>    word')).toBe(true);
    expect(lines.slice(1).every((l) => /^ {17}word/.test(l))).toBe(true);
    expect(lines.every((l) => l.length <= 60)).toBe(true);
    expect(lines.join(' ').match(/word/g)).toHaveLength(20);
    const narrow = `  --grant-constraint-equals <key=value>  for CreateGrant: an EncryptionContextEquals pair (repeatable)`;
    const out = layoutHelp(narrow, 60).split('\n');
    expect(out[0]).toBe('  --grant-constraint-equals <key=value>');
    expect(out.slice(1).every((l) => l.startsWith('      ') && l.length <= 60)).toBe(true);
    expect(out.slice(1).join(' ').replace(/\s+/g, ' ').trim()).toBe('for CreateGrant: an EncryptionContextEquals pair (repeatable)');
  });

  it('puts a description whose word is wider than the column under the term, uncut', () => {
    const out = layoutHelp(`  generate-data-key-pair-without-plaintext  kms:GenerateDataKeyPairWithoutPlaintext`, 80).split('\n');
    expect(out).toEqual(['  generate-data-key-pair-without-plaintext', '      kms:GenerateDataKeyPairWithoutPlaintext']);
  });

  it('flows a paragraph whole, joining a word the text broke at its hyphen', () => {
    const text = [
      'Principals considered: every role and user of the snapshot (including get-account-authorization-',
      'details), the account root, every principal and account named in the key policy, every grantee,',
      'and "*" for public statements.',
      '',
      'Exit codes:',
    ].join('\n');
    const out = layoutHelp(text, 80).split('\n');
    expect(out.every((l) => l.length <= 80)).toBe(true);
    expect(out.join(' ')).toContain('get-account-authorization-details), the account root');
    expect(out.slice(-2)).toEqual(['', 'Exit codes:']);
  });

  it('keeps a command to paste whole on its line', () => {
    const cmd = `  kms-why who-can --from snapshot.json --all-keys --action kms:Decrypt,kms:PutKeyPolicy --output json > who-can.json`;
    expect(layoutHelp(`Examples:\n${cmd}`, 80)).toBe(`Examples:\n${cmd}`);
  });
});
