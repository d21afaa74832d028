// The fix notes (src/analyses/fix.ts returns them as data) in words. The golden files pin the
// phrasing of every kind a scenario case reaches; these are the ones none does.
import { describe, expect, it } from 'vitest';
import type { FixResult } from '../../src/analyses/fix.js';
import { fixesJson, fixesText, fixNoteText, mdFix } from '../../src/report/fix.js';

describe('fixNoteText', () => {
  it('phrases the notes no golden case reaches', () => {
    expect(fixNoteText({ kind: 'allowed-today' })).toBe('The request is allowed today: nothing to fix.');
    expect(fixNoteText({ kind: 'cannot-evaluate' })).toBe('The request cannot be evaluated.');
    expect(fixNoteText({ kind: 'deny-not-found', statementIds: ['DenyAll', 'DenyDelete'] })).toBe(
      'The Deny statement "DenyAll", "DenyDelete" could not be found in the snapshot to change it.',
    );
    expect(fixNoteText({ kind: 'not-a-key-operation', action: 'kms:RetireGrant', cls: 'retire-grant' })).toBe(
      'kms-why proposes fixes for KMS key operations; kms:RetireGrant is authorized by the grant itself.',
    );
    // Only RetireGrant is authorized by its grant: the other classes say what they are.
    expect(fixNoteText({ kind: 'not-a-key-operation', action: 'kms:SynchronizeMultiRegionKey', cls: 'internal' })).toBe(
      'kms-why proposes fixes for KMS key operations; kms:SynchronizeMultiRegionKey is called by KMS itself, never by a customer: no policy or grant can allow it.',
    );
    expect(fixNoteText({ kind: 'grant-scope', scope: { forAwsResource: false } })).toMatch(
      /^The request does not name the grantee .*: this allows creating any grant on the key/,
    );
    expect(fixNoteText({ kind: 'not-a-key-operation', action: 'kms:Decrypt', cls: 'key' })).toBe(
      'kms-why proposes fixes for KMS key operations; kms:Decrypt is asked on a key that is not in the snapshot.',
    );
  });

  it('is what every output format shows for a note', () => {
    const fix: FixResult = { needed: true, warnings: [], proposals: [], rejected: [], notes: [{ kind: 'session-policy' }, { kind: 'no-verified-change' }] };
    const words = fix.notes.map(fixNoteText);
    const text = fixesText([{ action: 'kms:Decrypt', fix }]);
    const md = mdFix(fix, '##').join('\n');
    for (const w of words) {
      expect(text.replace(/\n +/g, ' ')).toContain(w);
      expect(md).toContain(w);
    }
    expect(fixesJson([{ action: 'kms:Decrypt', fix }])).toEqual([
      { action: 'kms:Decrypt', needed: true, warnings: [], proposals: [], rejected: [], notes: words },
    ]);
  });
});
