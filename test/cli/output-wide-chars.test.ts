// Text and tables fit COLUMNS in terminal columns, not characters: an encryption-context value, a Sid,
// a policy or role name in Japanese takes two columns a character, so laid out by its length it ran
// lines to 129 columns. Measured here with the same rules (src/report/width.ts), and nothing of the
// names is lost on the way (a piece broken off a word is on the next line of its column).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/report/width.js';
import { runMain } from './in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-why-wide-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const widest = (text: string): number => Math.max(...text.split('\n').map(displayWidth));
const squeeze = (s: string): string => s.replace(/\s+/g, '');

/** The text of column `col` of the box-drawn tables of `columns` columns in `text`, its lines joined without spaces. */
function columnText(text: string, col: number, columns: number): string {
  return squeeze(
    text
      .split('\n')
      .filter((l) => l.startsWith('│'))
      .map((l) => l.split('│'))
      .filter((c) => c.length === columns + 2)
      .map((c) => c[col + 1]!)
      .join(''),
  );
}

/** A copy of a fixture with its names replaced, in the temporary directory. */
function variant(file: string, name: string, replace: ReadonlyArray<[string, string]>): string {
  let text = readFileSync(file, 'utf8');
  for (const [from, to] of replace) {
    expect(text, from).toContain(from);
    text = text.split(from).join(to);
  }
  const out = join(dir, name);
  writeFileSync(out, text);
  return out;
}

const WORDS = Array.from({ length: 20 }, () => '鍵管理者権').join(' ');
const LONG = '鍵管理者権'.repeat(11);

describe('check: wide characters in the context, Sids and names fit 80 columns', () => {
  const file = variant('fixtures/examples/pattern-3-delegation-with-iam.json', 'pattern-3.json', [
    ['"Enable IAM User Permissions"', '"IAM ユーザー の 権限を 有効にする 鍵ポリシー の 文"'],
    ['"UseAppKey"', '"アプリケーションの鍵の使用"'],
    ['"app-kms"', '"アプリケーション鍵ポリシー"'],
    ['role/app', 'role/アプリケーション'],
  ]);
  const argv = (output: string): string[] => [
    'decrypt',
    '--from',
    file,
    '--key',
    'alias/app',
    '--principal',
    'arn:aws:sts::111122223333:assumed-role/アプリケーション/s1',
    '--context',
    `k=${WORDS}`,
    '--context',
    `ｋ２=${LONG}`,
    '--output',
    output,
  ];

  for (const output of ['text', 'table'])
    it(`--output ${output}`, async () => {
      const r = await runMain(argv(output), { COLUMNS: '80' });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('ALLOW');
      expect(widest(r.stdout)).toBeLessThanOrEqual(80);
      // The header shows both values whole, wrapped over lines (and the long one broken).
      const header = squeeze(r.stdout.slice(0, r.stdout.indexOf('\nat:')));
      expect(header).toContain(squeeze(`k=${WORDS},`));
      expect(header).toContain(`ｋ２=${LONG}`);
      expect(r.stdout).toContain('arn:aws:sts::111122223333:assumed-role/アプリケーション/s1');
      const by = output === 'table' ? columnText(r.stdout, 2, 4) : squeeze(r.stdout);
      expect(by).toContain(squeeze('"IAM ユーザー の 権限を 有効にする 鍵ポリシー の 文"'));
      expect(by).toContain('アプリケーション鍵ポリシー"アプリケーションの鍵の使用"');
    });

  it('at other widths too', async () => {
    // (Below 60 columns the plain table's minimum widths do not fit, whatever the text.)
    for (const columns of [60, 70, 100, 120])
      for (const output of ['text', 'table']) {
        const r = await runMain(argv(output), { COLUMNS: String(columns) });
        expect(widest(r.stdout), `${output} ${columns}`).toBeLessThanOrEqual(columns);
      }
  });
});

describe('who-can: wide characters in Sids, role names and condition values fit 80 columns', () => {
  const sids: ReadonlyArray<[string, string]> = [
    ['"Sid": "Admins"', '"Sid": "鍵の 管理者の ための 鍵ポリシーの 文"'],
    ['"Sid": "AppUse"', '"Sid": "アプリケーション用の暗号化と復号の許可"'],
    ['"Sid": "OpsAll"', '"Sid": "運用チームの すべての KMS 操作"'],
  ];
  const roles: ReadonlyArray<[string, string]> = [
    ['role/admin', 'role/管理者ロール'],
    ['role/ops', 'role/運用チームのロール'],
    ['role/app', 'role/アプリケーション'],
  ];
  const value = '請求書の処理のための暗号化コンテキスト値';
  const file = variant('fixtures/who-can/basic.json', 'who-can.json', [...sids, ...roles, ['"billing"', `"${value}"`]]);

  for (const output of ['text', 'table'])
    for (const principals of [false, true])
      it(`--output ${output}${principals ? ' --principals' : ''}`, async () => {
        const r = await runMain(['who-can', '--from', file, '--all-keys', '--no-color', '--output', output, ...(principals ? ['--principals'] : [])], {
          COLUMNS: '80',
        });
        expect(r.stderr).toBe('');
        expect(r.stdout.length).toBeGreaterThan(500);
        expect(widest(r.stdout)).toBeLessThanOrEqual(80);
        if (output === 'text') {
          // Text wraps at spaces only: every ARN and quoted Sid is on one line.
          for (const [, to] of roles) expect(r.stdout).toContain(`arn:aws:iam::111122223333:${to}`);
          for (const [, to] of sids.slice(0, 2)) expect(r.stdout).toContain(to.slice('"Sid": '.length));
          expect(r.stdout).toContain(value);
        } else {
          // A table breaks them, but each is whole across the lines of its column.
          const columns = [3, 4].flatMap((n) => [0, 1, 2, 3].map((c) => columnText(r.stdout, c, n)));
          const shown = (s: string): boolean => columns.some((t) => t.includes(squeeze(s)));
          for (const [, to] of sids.slice(0, 2)) expect(shown(to.slice('"Sid": "'.length, -1)), to).toBe(true);
          for (const [, to] of roles.slice(0, principals ? 3 : 2)) expect(shown(`arn:aws:iam::111122223333:${to}`), to).toBe(true);
          expect(shown(value)).toBe(true);
        }
      });
});
