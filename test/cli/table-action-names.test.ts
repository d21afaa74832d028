// Action names are never cut in `--output table` (who-can --principals, who-can's summary, diff,
// grants) at 80 columns, the width when stdout is not a terminal: each appears whole on a line of
// the table, and the tables still fit.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runMain } from './in-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BEFORE = `${ROOT}fixtures/examples/account-snapshot.json`;
const AFTER = `${ROOT}fixtures/examples/account-snapshot-after.json`;

/** The lines of the box-drawn tables in `text`. */
function tableLines(text: string): string[] {
  return text.split('\n').filter((l) => /^[┌├│└]/.test(l));
}

/** The names of `names` that appear on no line of `lines` (as themselves, not inside a longer name). */
function cut(lines: readonly string[], names: Iterable<string>): string[] {
  return [...names].filter((n) => !lines.some((l) => new RegExp(`(^|[^A-Za-z:])${n}($|[^A-Za-z])`).test(l)));
}

function overWidth(lines: readonly string[], width: number): string[] {
  return lines.filter((l) => [...l].length > width);
}

describe('action names stay whole in tables at 80 columns', () => {
  it('who-can --principals: the per-action list and the summary', async () => {
    const json = await runMain(['who-can', '--from', BEFORE, '--all-keys', '--output', 'json']);
    const keys = (JSON.parse(json.stdout) as { keys: Array<{ actions: Array<{ action: string }> }> }).keys;
    const actions = new Set(keys.flatMap((k) => k.actions.map((a) => a.action)));
    expect(actions.has('kms:GenerateDataKeyPairWithoutPlaintext')).toBe(true);
    const r = await runMain(['who-can', '--from', BEFORE, '--all-keys', '--principals', '--output', 'table', '--no-color']);
    expect(r.stderr).toBe('');
    const lines = tableLines(r.stdout);
    expect(cut(lines, actions)).toEqual([]);
    // The summary's Actions column names them without "kms:".
    const summary = lines.slice(
      0,
      lines.findIndex((l, i) => i > 0 && l.startsWith('┌')),
    );
    expect(cut(summary, ['DisableKeyRotation', 'ScheduleKeyDeletion', 'CancelKeyDeletion'])).toEqual([]);
    expect(overWidth(lines, 80)).toEqual([]);
  });

  it('diff: the Actions column', async () => {
    const r = await runMain(['diff', BEFORE, AFTER, '--output', 'table', '--no-color']);
    const lines = tableLines(r.stdout);
    expect(cut(lines, ['kms:GenerateDataKeyPairWithoutPlaintext', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey', 'kms:CancelKeyDeletion'])).toEqual(
      [],
    );
    expect(overWidth(lines, 80)).toEqual([]);
  });

  it('grants: the Operations column', async () => {
    const file = `${ROOT}fixtures/examples/grants-audit-snapshot.json`;
    const ops = new Set<string>(
      readFileSync(file, 'utf8').match(/"(?:Decrypt|Encrypt|GenerateDataKey\w*|ReEncrypt\w*|RetireGrant|CreateGrant|DescribeKey)"/g) ?? [],
    );
    expect(ops.has('"GenerateDataKey"')).toBe(true);
    const r = await runMain(['grants', '--from', file, '--all-keys', '--output', 'table', '--no-color']);
    const lines = tableLines(r.stdout);
    expect(
      cut(
        lines,
        [...ops].map((o) => o.slice(1, -1)),
      ),
    ).toEqual([]);
    expect(overWidth(lines, 80)).toEqual([]);
  });
});
