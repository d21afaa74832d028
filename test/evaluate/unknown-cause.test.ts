// The reason an unknown verdict gives is the note that says what it depends on, wherever it was
// recorded; only when none does is it the last note (an open step such as an alias not named).
import { describe, expect, it } from 'vitest';
import type { HintNote } from '../../src/model/decision.js';
import { unknownCause } from '../../src/evaluate/recorder.js';

const underivable: HintNote = { kind: 'underivable-decides', name: 'aws:SourceIp', supply: '--condition aws:SourceIp=…' };
const alias: HintNote = { kind: 'give-alias', action: 'kms:CreateAlias' };
const unreadableDecides: HintNote = { kind: 'unreadable', what: 'the key policy', reason: 'AccessDenied', decides: true };
const unreadableNotDeciding: HintNote = { kind: 'unreadable', what: 'the key tags', reason: 'AccessDenied', decides: false };

describe('unknownCause', () => {
  it('takes the note that decides, not a later unrelated one', () => {
    expect(unknownCause([underivable, alias])).toBe(underivable);
    expect(unknownCause([unreadableNotDeciding, unreadableDecides, alias])).toBe(unreadableDecides);
  });

  it('looks inside a further permission’s notes', () => {
    const part: HintNote = {
      kind: 'part',
      what: { kind: 'alias-current-key', alias: 'alias/a', keyArn: 'arn:aws:kms:us-east-1:111122223333:key/k' },
      note: underivable,
    };
    expect(unknownCause([alias, part])).toBe(part);
  });

  it('falls back to the last note, and to none', () => {
    expect(unknownCause([unreadableNotDeciding, alias])).toBe(alias);
    expect(unknownCause([])).toBeUndefined();
  });
});
