// diff of who-can reports of any size: a report past the streaming size is indexed and read a key
// at a time (src/cli/diff-input.ts), and gives the same answer as one read whole; two reports
// larger than the 64 MiB the reader once refused are compared, and a planted change is found.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Run } from '../../src/cli/command.js';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { diffSides, openDiffSide } from '../../src/cli/diff-input.js';
import { formatError } from '../../src/cli/errors.js';
import { addDiffCommand } from '../../src/cli/diff.js';
import { addWhoCanCommand } from '../../src/cli/who-can.js';
import { STREAM_ABOVE_BYTES } from '../../src/sources/json-file.js';
import { captureIo } from './in-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BASIC = `${ROOT}fixtures/who-can/basic.json`;
const tmp = mkdtempSync(join(tmpdir(), 'kms-why-diff-large-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function kmsWhy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const f = captureIo();
  let code = 0;
  const program = new Command('kms-why').exitOverride().configureOutput({ writeOut: f.io.stdout, writeErr: f.io.stderr });
  // As main() does: each action returns its exit code.
  const run: Run =
    (action) =>
    async (...args) => {
      code = await action(...args);
    };
  addWhoCanCommand(program, f.io, run);
  addDiffCommand(program, f.io, run);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else {
      const fe = formatError(e, false);
      f.io.stderr(fe.text);
      code = fe.code;
    }
  }
  return { code, stdout: f.out(), stderr: f.err() };
}

/** basic.json with role/web named for Decrypt, and who-can reports of both (all keys, all actions). */
async function smallReports(): Promise<{ a: string; b: string }> {
  const s = JSON.parse(readFileSync(BASIC, 'utf8'));
  s.keys[0].Policy.Statement.push({
    Sid: 'WebUse',
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::111122223333:role/web' },
    Action: ['kms:Decrypt', 'kms:PutKeyPolicy'],
    Resource: '*',
  });
  const after = join(tmp, 'after-snapshot.json');
  writeFileSync(after, JSON.stringify(s));
  const a = join(tmp, 'small-a.json');
  const b = join(tmp, 'small-b.json');
  writeFileSync(a, (await kmsWhy(['who-can', '--from', BASIC, '--all-keys', '--output', 'json'])).stdout);
  writeFileSync(b, (await kmsWhy(['who-can', '--from', after, '--all-keys', '--output', 'json'])).stdout);
  return { a, b };
}

describe('diff: reports read a key at a time', () => {
  it('gives the same diff as the reports read whole', async () => {
    const { a, b } = await smallReports();
    const { io } = captureIo();
    const whole = await diffSides(await openDiffSide(a, [], undefined, io), await openDiffSide(b, [], undefined, io));
    const keyed = await diffSides(await openDiffSide(a, [], undefined, io, { streamAbove: 1 }), await openDiffSide(b, [], undefined, io, { streamAbove: 1 }));
    expect(whole.summary.gained).toBeGreaterThan(0);
    expect(keyed).toEqual(whole);
    // --key selects by alias without reading the other keys.
    const one = await openDiffSide(a, ['alias/app', 'alias/nope'], undefined, io, { streamAbove: 1 });
    expect(one.keys.map((k) => k.aliases)).toEqual([['alias/app']]);
    expect(one.missingKeys).toEqual(['alias/nope']);
  });

  it('a filtered report read a key at a time keeps its filters: what it left out is not compared, as read whole', async () => {
    const { a } = await smallReports();
    const f = join(tmp, 'small-filtered.json');
    writeFileSync(f, (await kmsWhy(['who-can', '--from', BASIC, '--all-keys', '--principal', 'role/app', '--output', 'json'])).stdout);
    const { io } = captureIo();
    const side = await openDiffSide(f, [], undefined, io, { streamAbove: 1 });
    expect(side.filters).toEqual({ keys: null, principals: ['role/app'], actions: null });
    const keyed = await diffSides(await openDiffSide(a, [], undefined, io, { streamAbove: 1 }), side);
    const whole = await diffSides(await openDiffSide(a, [], undefined, io), await openDiffSide(f, [], undefined, io));
    expect(keyed).toEqual(whole);
    expect(keyed.summary).toMatchObject({ lost: 0, gained: 0 });
    expect(keyed.summary.unknown).toBeGreaterThan(0);
  });

  it('a broken key is reported with its JSON path and line when the comparison reaches it', async () => {
    const { a } = await smallReports();
    const lines = readFileSync(a, 'utf8').split('\n');
    // The first answer of the first key gets a second "access" member.
    const at = lines.findIndex((l) => l.includes('"access":"'));
    lines[at] = lines[at]!.replace('"access":"', '"access":"allow","access":"');
    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, lines.join('\n'));
    const { io } = captureIo();
    const side = await openDiffSide(broken, [], undefined, io, { streamAbove: 1 });
    await expect(side.load(side.keys[0]!.arn)).rejects.toThrow(
      new RegExp(
        `^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: keys\\[0\\]\\.actions\\[0\\]\\.principals\\[0\\]: duplicate key "access" \\(at line ${at + 1}, column \\d+\\)$`,
      ),
    );
  });
});

// ─── Larger than the old 64 MiB limit ─────────────────────────────────────────────────────────

const ACTIONS = [
  { action: 'kms:Decrypt', group: 'use', adminLevel: false },
  { action: 'kms:Encrypt', group: 'use', adminLevel: false },
  { action: 'kms:GenerateDataKey', group: 'use', adminLevel: false },
  { action: 'kms:PutKeyPolicy', group: 'administer', adminLevel: true },
];
const KEYS = 4;
const ROLES = 21_000;
const keyArn = (k: number): string => `arn:aws:kms:us-east-1:111122223333:key/0000000${k}-1111-2222-3333-444444444444`;
const roleArn = (r: number): string => `arn:aws:iam::111122223333:role/team-${String(r).padStart(6, '0')}`;

/**
 * Writes a who-can report (the JSON contract, as `who-can --output json` writes it) of KEYS keys
 * with ROLES roles each, written a key at a time. `plant`: the changed report: on key 2, role 7777
 * loses kms:Decrypt and role 42 gains kms:PutKeyPolicy; the keys come in reverse order.
 */
function writeReport(file: string, plant: boolean): number {
  const fd = openSync(file, 'w');
  const body = (admin: boolean): string =>
    `"access":"allow","decidedBy":"key-policy-and-iam","reasons":[{"source":"key-policy","id":"EnableIam","effect":"Allow"},{"source":"identity-policy","id":"UseKeys","effect":"Allow","policyName":"kms-use"}],"adminLevel":${admin}}`;
  writeSync(
    fd,
    `{"kmsWhyWhoCan":1,"capturedAt":"2026-01-01T00:00:00Z","summary":{"keys":${KEYS},"decisions":${KEYS * ROLES * ACTIONS.length},"allowed":0,"conditional":0,"unknown":0,"externalAccounts":[],"publicKeys":[]},"keys":[`,
  );
  const order = [...Array(KEYS).keys()];
  if (plant) order.reverse();
  order.forEach((k, ki) => {
    let buf = `${ki > 0 ? ',' : ''}\n{"key":${JSON.stringify(keyArn(k))},"aliases":["alias/app-${k}"],"account":"111122223333","keyState":"Enabled","keyManager":"CUSTOMER","aliasForAliasActions":"alias/app-${k}",\n "principals":[`;
    for (let r = 0; r < ROLES; r++) {
      buf += `${r > 0 ? ',' : ''}\n  {"principal":${JSON.stringify(roleArn(r))},"kind":"role","account":"111122223333","external":false,"origins":["iam"]}`;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = '';
      }
    }
    buf += '],\n "actions":[';
    ACTIONS.forEach((a, ai) => {
      buf += `${ai > 0 ? ',' : ''}\n  {"action":"${a.action}","group":"${a.group}","adminLevel":${a.adminLevel},"keyStateError":null,"principals":[`;
      let first = true;
      for (let r = 0; r < ROLES; r++) {
        // Everyone may use the key; only every 100th role administers it.
        let allowed = a.action !== 'kms:PutKeyPolicy' || r % 100 === 0;
        if (plant && k === 2 && r === 7777 && a.action === 'kms:Decrypt') allowed = false;
        if (plant && k === 2 && r === 42 && a.action === 'kms:PutKeyPolicy') allowed = true;
        if (!allowed) continue;
        buf += `${first ? '' : ','}\n   {"principal":${JSON.stringify(roleArn(r))},${body(a.adminLevel)}`;
        first = false;
        if (buf.length > 1 << 20) {
          writeSync(fd, buf);
          buf = '';
        }
      }
      buf += ']}';
    });
    buf += '],\n "public":[],"externalAccounts":[],"notes":[],"skipped":[]}';
    writeSync(fd, buf);
  });
  writeSync(fd, ']}\n');
  closeSync(fd);
  return statSync(file).size;
}

describe('diff: reports larger than 64 MiB', () => {
  it('are read and compared, and the planted change is found', { timeout: 120_000 }, async () => {
    const a = join(tmp, 'big-a.json');
    const b = join(tmp, 'big-b.json');
    expect(writeReport(a, false)).toBeGreaterThan(STREAM_ABOVE_BYTES);
    expect(writeReport(b, true)).toBeGreaterThan(STREAM_ABOVE_BYTES);
    const r = await kmsWhy(['diff', a, b, '--output', 'json', '--fail-on-gain']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.summary).toEqual({ gained: 1, lost: 1, changed: 0, unknown: 0 });
    expect(j.keysAdded).toEqual([]);
    expect(j.keysRemoved).toEqual([]);
    expect(
      j.changes.map((c: { key: string; principal: string; change: string; actions: string[]; adminLevel: boolean }) => [
        c.key,
        c.principal,
        c.change,
        c.actions,
        c.adminLevel,
      ]),
    ).toEqual([
      [keyArn(2), roleArn(42), 'gained', ['kms:PutKeyPolicy'], true],
      [keyArn(2), roleArn(7777), 'lost', ['kms:Decrypt'], false],
    ]);
    // The same reports compared with themselves: nothing changed.
    const same = await kmsWhy(['diff', b, b, '--fail-on-gain']);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('No change in who can do what.');
  });
});
