// who-can answers through a grant carry the assumptions `check` lists for the same principal
// (docs/semantics.md#assumptions): derived from the grant that allowed and the caller, since its
// answers are reached without an explanation. Every answer is also compared with `check` in
// test/analyses/who-can.test.ts (fixtures/who-can).
import { describe, expect, it } from 'vitest';
import { whoCan, type KeyWhoCan } from '../../src/analyses/who-can.js';
import type { AccessEntry } from '../../src/model/who-can.js';
import { renderWhoCanMarkdown, renderWhoCanText, whoCanJson, whoCanJsonChunks } from '../../src/report/who-can.js';
import { loadFrom } from '../../src/sources/load.js';
import { parseWhoCanJson } from '../../src/sources/who-can-report.js';
import { schemaErrors } from '../helpers/schemas.js';

const WHO = new URL('../../fixtures/who-can/', import.meta.url).pathname;

function answer(k: KeyWhoCan, principal: string, action: string): AccessEntry | null {
  const pi = k.principals.findIndex((p) => p.arn === principal);
  const ai = k.actions.findIndex((a) => a.name === action);
  expect(pi, principal).toBeGreaterThanOrEqual(0);
  return k.access[pi]![ai]!;
}

describe('who-can and the assumptions of grants', () => {
  it('names them per answer: account and cross-account grantees, role and session grantees', async () => {
    const snapshot = await loadFrom([`${WHO}grantees.json`]);
    const k = whoCan(snapshot, snapshot.keys).keys[0]!;
    expect(answer(k, 'arn:aws:iam::444455556666:user/Xu', 'kms:Encrypt')?.assumptions).toEqual(['accountGrantee', 'crossAccountGrant']);
    expect(answer(k, 'arn:aws:iam::444455556666:role/XRole', 'kms:Decrypt')?.assumptions).toEqual(['roleGranteeSessions', 'crossAccountGrant']);
    expect(answer(k, 'arn:aws:sts::111122223333:assumed-role/SessRole/s1', 'kms:Decrypt')?.assumptions).toEqual(['sessionGranteeExact']);
    // A grant to the user itself, in the key's account: nothing assumed.
    expect(answer(k, 'arn:aws:iam::111122223333:user/Alice', 'kms:Decrypt')).toMatchObject({ access: 'allow', decidedBy: 'grant' });
    expect(answer(k, 'arn:aws:iam::111122223333:user/Alice', 'kms:Decrypt')?.assumptions).toBeUndefined();
    // Not through a grant: none derived.
    expect(answer(k, 'arn:aws:iam::111122223333:root', 'kms:Decrypt')?.assumptions).toBeUndefined();
  });

  it('tells apart two sessions of one role grantee, one of them under a session policy', async () => {
    const snapshot = await loadFrom([`${WHO}session-policy.json`]);
    const k = whoCan(snapshot, snapshot.keys).keys[0]!;
    expect(answer(k, 'arn:aws:sts::111122223333:assumed-role/App/s1', 'kms:Decrypt')?.assumptions).toEqual([
      'roleGranteeSessions',
      'grantsNotLimitedByBoundary',
    ]);
    expect(answer(k, 'arn:aws:iam::111122223333:role/App', 'kms:Decrypt')?.assumptions).toEqual(['roleGranteeSessions']);
  });

  it('reports them in JSON (per answer by id, per key with its sentence and principals), text and Markdown', async () => {
    const snapshot = await loadFrom([`${WHO}grantees.json`]);
    const r = whoCan(snapshot, snapshot.keys);
    const json = whoCanJson(r) as { keys: Array<{ actions: Array<{ action: string; principals: Array<Record<string, unknown>> }>; assumptions?: unknown }> };
    expect(schemaErrors('who-can-report-1.schema.json', json)).toEqual([]);
    const encrypt = json.keys[0]!.actions.find((a) => a.action === 'kms:Encrypt')!;
    expect(encrypt.principals.find((p) => p.principal === 'arn:aws:iam::444455556666:user/Xu')?.assumptions).toEqual([
      'account-grantee',
      'cross-account-grant',
    ]);
    expect(json.keys[0]!.assumptions).toEqual([
      expect.objectContaining({ id: 'role-grantee-sessions', principals: 2 }),
      expect.objectContaining({ id: 'session-grantee-exact', principals: 1 }),
      expect.objectContaining({ id: 'account-grantee', principals: 1 }),
      expect.objectContaining({ id: 'cross-account-grant', principals: 3 }),
    ]);
    // The streamed JSON says the same, and reads back to the same answers.
    const streamed = JSON.parse([...whoCanJsonChunks(r)].join(''));
    expect(streamed).toEqual(json);
    const back = whoCanJson(parseWhoCanJson(streamed, 'r.json')) as typeof json;
    expect(back.keys[0]!.actions).toEqual(json.keys[0]!.actions);
    expect(back.keys[0]!.assumptions).toEqual(json.keys[0]!.assumptions);
    const text = renderWhoCanText(r, { width: 200, principals: true });
    expect(text).toContain('Assumptions that answers through grants rest on');
    expect(text).toMatch(/docs\/semantics\.md#cross-account-grant\)\. \(3 principals\)/);
    expect(text).toContain('grant: grant g-xroot; assumes account-grantee, cross-account-grant');
    expect(renderWhoCanMarkdown(r)).toContain('**Assumptions** the answers through grants rest on');
  });
});
