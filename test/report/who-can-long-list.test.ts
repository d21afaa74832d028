// The text view with --principals on a large account: every principal's line is written, however
// many (a list of this length once overflowed the call stack when spread into another).
import { describe, expect, it } from 'vitest';
import { findAction } from '../../src/model/actions.js';
import type { AccessEntry, KeyWhoCan, WhoCanPrincipal } from '../../src/model/who-can.js';
import { renderWhoCanText, whoCanTextChunks } from '../../src/report/who-can.js';

describe('who-can text with --principals on many principals', () => {
  it('lists every allowed principal', () => {
    const n = 150_000;
    const principals: WhoCanPrincipal[] = [];
    for (let i = 0; i < n; i++)
      principals.push({ arn: `arn:aws:iam::111122223333:role/r-${i}`, kind: 'role', account: '111122223333', external: false, origins: ['iam'] });
    const allow: AccessEntry = {
      access: 'allow',
      decidedBy: 'key-policy-and-iam',
      reasons: [{ source: 'key-policy', id: 'Root', effect: 'Allow', policyName: 'key policy' }],
    };
    const row = [allow];
    const k: KeyWhoCan = {
      keyArn: 'arn:aws:kms:us-east-1:111122223333:key/00000000-12ab-34cd-56ef-1234567890ab',
      aliases: [],
      account: '111122223333',
      keyState: 'Enabled',
      keyManager: 'CUSTOMER',
      actions: [findAction('kms:Decrypt')!],
      keyStateErrors: [undefined],
      principals,
      access: principals.map(() => row),
      publicStatements: [],
      notes: [],
      skipped: [],
    };
    const result = { keys: [k], stats: { keys: 1, decisions: n, evaluations: 0, sharedPairs: 0 } };
    const text = renderWhoCanText(result, { principals: true });
    expect(text).toContain('arn:aws:iam::111122223333:role/r-0\n');
    expect(text).toContain(`arn:aws:iam::111122223333:role/r-${n - 1}\n`);
    expect(text.split('\n').filter((l) => l.startsWith('      allow')).length).toBe(n);
    // Written in pieces of whole lines as the list is made, not as one string for the key: the
    // pieces (here ~2 lines a principal, about 2,000 lines each) are what the writer gets.
    const pieces = [...whoCanTextChunks(result, { principals: true })];
    expect(pieces.length).toBeGreaterThan(100);
    expect(pieces.join('')).toBe(text);
    for (const p of pieces.slice(0, -1)) expect(p.endsWith('\n')).toBe(true);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(1_000_000);
  });
});
