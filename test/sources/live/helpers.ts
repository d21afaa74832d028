// Shared setup for the live-path tests: one local AWS stand-in per test file, options that point the
// SDK at it with the recorded fake credentials, and verdicts from the real Evaluator.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Evaluator } from '../../../src/evaluate/evaluator.js';
import { KEY_ACTIONS } from '../../../src/model/actions.js';
import type { Verdict } from '../../../src/model/decision.js';
import type { Request } from '../../../src/model/request.js';
import type { Snapshot } from '../../../src/model/snapshot.js';
import { readLive } from '../../../src/sources/live/index.js';
import type { LiveOptions, LiveResult, LiveTarget } from '../../../src/sources/live/index.js';
import { startAwsServer } from '../../helpers/aws-server.js';
import type { AwsServer, RecordedAccount } from '../../helpers/aws-server.js';

export const A = '111122223333';
export const B = '444455556666';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:us-east-1:${A}:key/${KEY_ID}`;
export const KEY_B_ARN = `arn:aws:kms:us-east-1:${B}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;
export const APP_ROLE = `arn:aws:iam::${A}:role/app`;
export const APP_ROLE_WITH_PATH = `arn:aws:iam::${A}:role/service/app`;
export const PARTNER_ROLE = `arn:aws:iam::${B}:role/partner`;

/** Starts the stand-in for the file's tests and resets it after each. */
export function useAwsServer(): { server: () => AwsServer } {
  let server: AwsServer | undefined;
  beforeAll(async () => {
    server = await startAwsServer();
  });
  afterEach(() => {
    server?.reset();
    server?.reload();
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    server: () => {
      if (server === undefined) throw new Error('server not started');
      return server;
    },
  };
}

export function liveOptions(server: AwsServer, extra: LiveOptions = {}): LiveOptions {
  return { region: 'us-east-1', endpointUrl: server.url, credentials: server.credentials(A), timeoutMs: 2000, maxAttempts: 3, ...extra };
}

export function read(server: AwsServer, target: LiveTarget, extra: LiveOptions = {}): Promise<LiveResult> {
  return readLive(target, liveOptions(server, extra));
}

export function verdict(snapshot: Snapshot, action: string, principal: string, key: string | undefined, extra: Partial<Request> = {}): Verdict {
  const req: Request = { action, principal, ...extra };
  if (key !== undefined) req.keyIdentifier = key;
  return new Evaluator(snapshot).evaluate(req, { explain: false }).decision;
}

/** Every key action's verdict for one principal, as `{action: verdict}`. */
export function verdicts(snapshot: Snapshot, principal: string, key: string, extra: Partial<Request> = {}): Record<string, Verdict> {
  const ev = new Evaluator(snapshot);
  const out: Record<string, Verdict> = {};
  for (const a of KEY_ACTIONS) {
    const req: Request = { action: a.name, principal, keyIdentifier: key, ...extra };
    out[a.name] = ev.evaluate(req, { explain: false }).decision;
  }
  return out;
}

/** The recorded account, for tests that add grants, policies … (reload() puts it back). */
export function account(server: AwsServer, id: string): RecordedAccount {
  const a = server.accounts.get(id);
  if (a === undefined) throw new Error(`no recorded account ${id}`);
  return a;
}

/** `n` grants to unrelated principals, as ListGrants returns them. */
export function fillerGrants(keyArn: string, n: number, from = 0): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    KeyId: keyArn,
    GrantId: `f${String(from + i).padStart(63, '0')}`,
    Name: `filler-${from + i}`,
    CreationDate: 1735689600,
    GranteePrincipal: `arn:aws:iam::${A}:role/worker-${from + i}`,
    IssuingAccount: `arn:aws:iam::${A}:root`,
    Operations: ['Decrypt'],
  }));
}
