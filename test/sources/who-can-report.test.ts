// A who-can JSON report read back (for `kms-why diff`): every answer as it was written, including an
// unknown answer's reason (unknownBecause, missingContext) when nothing unreadable explains it.
import { describe, expect, it } from 'vitest';
import { DiffAccumulator, diffWhoCan } from '../../src/analyses/diff.js';
import { whoCan } from '../../src/analyses/who-can.js';
import { InputError } from '../../src/model/errors.js';
import { renderDiffText } from '../../src/report/diff.js';
import { renderWhoCanJson, unknownWhy } from '../../src/report/who-can.js';
import { loadFrom } from '../../src/sources/load.js';
import { parseWhoCanJson } from '../../src/sources/who-can-report.js';

const ROOT = new URL('../../', import.meta.url).pathname;

async function report(): Promise<{ json: string; value: any }> {
  const s = await loadFrom([`${ROOT}fixtures/examples/account-snapshot.json`]);
  // A multi-Region primary key: UpdatePrimaryRegion is unknown for want of the replica's Region,
  // with nothing unreadable to say why (unknownBecause says it).
  s.keys[0]!.metadata = { ...s.keys[0]!.metadata, multiRegion: true, multiRegionKeyType: 'PRIMARY' };
  const json = renderWhoCanJson(whoCan(s, s.keys));
  return { json, value: JSON.parse(json) };
}

/** The path of the first unknown answer whose reason no unreadable input gives. */
function firstExplainedUnknown(value: any): { ai: number; ei: number; answer: any } {
  for (const [ai, a] of value.keys[0].actions.entries())
    for (const [ei, e] of a.principals.entries()) if (e.access === 'unknown' && e.unknownBecause !== undefined) return { ai, ei, answer: e };
  throw new Error('no unknown answer with unknownBecause in the example');
}

describe('a who-can report records what it may leave out', () => {
  it('filters and unlistedPrincipals read back as written; malformed, they are refused with the path', async () => {
    const s = await loadFrom([`${ROOT}fixtures/snapshots/account-iam-unreadable.json`]);
    const r = { ...whoCan(s, s.keys), filters: { keys: ['alias/app'], principals: ['role/*'], actions: null } };
    const json = renderWhoCanJson(r);
    const value = JSON.parse(json);
    expect(value.filters).toEqual({ keys: ['alias/app'], principals: ['role/*'], actions: null });
    expect(value.keys[0].unlistedPrincipals).toEqual([
      { account: '111122223333', why: expect.stringMatching(/^IAM roles, users and policies of account 111122223333 could not be read \(AccessDenied/) },
    ]);
    const back = parseWhoCanJson(value, 'r.json');
    expect(back.filters).toEqual(r.filters);
    expect(back.keys[0]!.unlisted).toEqual(r.keys[0]!.unlisted);
    expect(renderWhoCanJson(back)).toBe(json);
    expect(() => parseWhoCanJson({ ...value, filters: { principals: 'role/app' } }, 'r.json')).toThrow(/filters\.principals/);
    // A report written before the member existed is unfiltered.
    const { filters: _f, ...old } = value;
    expect(parseWhoCanJson(old, 'r.json').filters).toBeUndefined();
  });
});

describe('a who-can report read back', () => {
  it('gives the same answers: written again, the same JSON, unknownBecause and missingContext included', async () => {
    const { json, value } = await report();
    expect(json).toContain('"unknownBecause"');
    expect(renderWhoCanJson(parseWhoCanJson(value, 'r.json'))).toBe(json);
    // missingContext, which the example has none of, reads back too.
    const copy = structuredClone(value);
    const { answer } = firstExplainedUnknown(copy);
    answer.missingContext = ['aws:SourceIp'];
    const back = parseWhoCanJson(copy, 'r.json');
    expect(JSON.parse(renderWhoCanJson(back))).toEqual(copy);
  });

  it('rejects a malformed unknownBecause or missingContext, naming the JSON path', async () => {
    const { value } = await report();
    const { ai, ei } = firstExplainedUnknown(value);
    const at = `keys[0].actions[${ai}].principals[${ei}]`;
    for (const [field, bad, path] of [
      ['unknownBecause', 5, `${at}.unknownBecause`],
      ['missingContext', 'aws:SourceIp', `${at}.missingContext`],
      ['missingContext', ['aws:SourceIp', 7], `${at}.missingContext[1]`],
    ] as const) {
      const copy = structuredClone(value);
      copy.keys[0].actions[ai].principals[ei][field] = bad;
      let error: unknown;
      try {
        parseWhoCanJson(copy, 'r.json');
      } catch (e) {
        error = e;
      }
      expect(error, field).toBeInstanceOf(InputError);
      expect(`${(error as InputError).message} ${JSON.stringify(error)}`, field).toContain(path);
    }
  });
});

describe('diff of an answer that stays unknown', () => {
  it('says, in one line, that its reason changed; the same reason is no change', async () => {
    const { value } = await report();
    const before = parseWhoCanJson(value, 'old.json');
    expect(diffWhoCan(before, parseWhoCanJson(structuredClone(value), 'new.json')).changes).toEqual([]);
    const copy = structuredClone(value);
    const { ai, answer } = firstExplainedUnknown(copy);
    const was = answer.unknownBecause as string;
    answer.unknownBecause = 'depends on aws:SourceIp, which the request would carry but kms-why cannot derive';
    const d = diffWhoCan(before, parseWhoCanJson(copy, 'new.json'));
    expect(d.changes).toHaveLength(1);
    expect(d.changes[0]).toMatchObject({ change: 'unknown', principal: answer.principal, actions: [copy.keys[0].actions[ai].action] });
    expect(d.changes[0]!.why).toEqual([`still unknown, now: ${answer.unknownBecause} (was: ${was})`]);
    // One why entry, continued under itself when it is wider than the 80 columns the text fits.
    const text = renderDiffText(d, { oldName: 'old.json', newName: 'new.json' }).replace(/\n {19}(?=\S)/g, ' ');
    expect(text.split('\n').filter((l) => l.includes('still unknown'))).toEqual([
      `           why:    still unknown, now: ${answer.unknownBecause} (was: ${was})`,
    ]);
    expect(d.summary.unknown).toBe(1);
  });

  it('compares a report read back with a result computed from the snapshot, in the same words', async () => {
    const s = await loadFrom([`${ROOT}fixtures/examples/account-snapshot.json`]);
    const computed = whoCan(s, s.keys);
    const back = parseWhoCanJson(JSON.parse(renderWhoCanJson(computed)), 'r.json');
    const acc = new DiffAccumulator({ unknownReason: unknownWhy });
    expect(acc.key(computed.keys[0], back.keys[0])).toEqual([]);
    expect(acc.key(back.keys[0], computed.keys[0])).toEqual([]);
  });
});
