// Collects the failed calls behind one input and turns them into its UnknownInput and InputRecord.
import type { InputRecord } from '../../model/snapshot.js';
import { unknownInput } from '../../model/unknown.js';
import type { UnknownInput } from '../../model/unknown.js';
import { describeFailure } from './aws.js';
import type { ClientSettings, Failure } from './aws.js';

export interface FailedCall {
  /** The permission the call needs, e.g. `iam:GetRolePolicy`. */
  op: string;
  /** The resource it was called on (an ARN), for "needs OP on RESOURCE". */
  resource: string;
  failure: Failure;
}

export class Problems {
  readonly list: FailedCall[] = [];

  add(op: string, resource: string, failure: Failure): void {
    this.list.push({ op, resource, failure });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** The UnknownInput for `what`; the permissions named are those of the calls AWS denied. */
  unknown(what: string, settings: ClientSettings): UnknownInput {
    return unknownFrom(what, this.list, settings);
  }
}

export function unknownFrom(what: string, calls: FailedCall[], settings: ClientSettings): UnknownInput {
  const reasons = unique(calls.map((c) => `${describeFailure(c.failure, c.op, settings)}${c.failure.kind === 'access-denied' ? '' : ` (${c.resource})`}`));
  const denied = unique(calls.filter((c) => c.failure.kind === 'access-denied').map((c) => `${c.op} on ${c.resource}`));
  const reason = reasons.length > 3 ? `${reasons.slice(0, 3).join('; ')}; and ${reasons.length - 3} more` : reasons.join('; ');
  return unknownInput(what, reason, denied.length === 0 ? undefined : denied.join(', '));
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** The record of one input read (or not) from AWS. */
export function liveRecord(what: string, from: string, value: unknown): InputRecord {
  const u = value as UnknownInput | undefined;
  if (typeof u === 'object' && u !== null && u.unknown === true) {
    return { what, from, status: 'unreadable', detail: u.neededPermission !== undefined ? `${u.reason} (needs ${u.neededPermission})` : u.reason };
  }
  return { what, from, status: 'read' };
}

/** A plain copy of an SDK output: Dates as ISO 8601 text, without $metadata and undefined members. */
export function plain<T>(value: T): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === '$metadata' ? undefined : v))) as unknown;
}
