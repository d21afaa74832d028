// Accepted findings (`accept` in the expectation file): matched by code and grant id or grantee
// pattern (optionally key), in force until the expiry given against the audit's own `now`.
import { describe, expect, it } from 'vitest';
import { auditGrants, findingFails, type AcceptedFinding } from '../../src/analyses/grants-audit.js';
import { loadFrom } from '../../src/sources/load.js';
import { ROOT } from '../cli/helpers.js';

const snapshot = await loadFrom([`${ROOT}fixtures/examples/grants-audit-snapshot.json`]);
const id = (n: number): string => n.toString(16).padStart(64, '0');
const RDS = { code: 'KMSWHY-G004', grantee: 'rds.*.amazonaws.com', reason: 'RDS replicas', expires: '2027-03-01' };

function audit(accept: AcceptedFinding[], now = '2026-11-25T00:00:00Z') {
  return auditGrants(snapshot.keys, { now, accept });
}
const findingOf = (a: ReturnType<typeof audit>, code: string, n: number) => a.findings.find((f) => f.code === code && f.grantId === id(n))!;

describe('accepted findings', () => {
  it('an accepted finding is marked with its reason and no longer fails the run', () => {
    const a = audit([RDS]);
    const f = findingOf(a, 'KMSWHY-G004', 3);
    expect(f.acceptance).toEqual({ status: 'accepted', index: 0, reason: 'RDS replicas', expires: '2027-03-01' });
    expect(findingFails(f, 'high')).toBe(false);
    // The other re-delegation finding (grant 9, the account root) is not covered by the pattern.
    const other = findingOf(a, 'KMSWHY-G004', 9);
    expect(other.acceptance).toBeUndefined();
    expect(findingFails(other, 'high')).toBe(true);
    expect(a.unusedAcceptances).toEqual([]);
  });

  it('expires at 00:00 UTC of the day given: in force the day before, expired on the day', () => {
    expect(findingOf(audit([RDS], '2027-02-28T23:59:59Z'), 'KMSWHY-G004', 3).acceptance?.status).toBe('accepted');
    const expired = findingOf(audit([RDS], '2027-03-01T00:00:00Z'), 'KMSWHY-G004', 3);
    expect(expired.acceptance).toMatchObject({ status: 'expired', index: 0, expires: '2027-03-01' });
    expect(findingFails(expired, 'high')).toBe(true);
    // An ISO time is taken as it is.
    expect(findingOf(audit([{ ...RDS, expires: '2027-03-01T12:00:00Z' }], '2027-03-01T11:00:00Z'), 'KMSWHY-G004', 3).acceptance?.status).toBe('accepted');
  });

  it('an entry without expires never expires', () => {
    const { expires: _drop, ...forever } = RDS;
    expect(findingOf(audit([forever], '2099-01-01T00:00:00Z'), 'KMSWHY-G004', 3).acceptance?.status).toBe('accepted');
  });

  it('matches by exact grant id, by code, and by key', () => {
    const byGrant = audit([{ code: 'KMSWHY-G004', grant: id(9), reason: 'r' }]);
    expect(findingOf(byGrant, 'KMSWHY-G004', 9).acceptance?.status).toBe('accepted');
    // The same grant's G005 finding is another code: not accepted.
    expect(findingOf(byGrant, 'KMSWHY-G005', 9).acceptance).toBeUndefined();
    expect(findingOf(byGrant, 'KMSWHY-G004', 3).acceptance).toBeUndefined();
    expect(findingOf(audit([{ ...RDS, key: 'alias/shared' }]), 'KMSWHY-G004', 3).acceptance?.status).toBe('accepted');
    expect(findingOf(audit([{ ...RDS, key: 'arn:aws:kms:*:111122223333:key/*' }]), 'KMSWHY-G004', 3).acceptance?.status).toBe('accepted');
    const otherKey = audit([{ ...RDS, key: 'alias/other' }]);
    expect(findingOf(otherKey, 'KMSWHY-G004', 3).acceptance).toBeUndefined();
    expect(otherKey.unusedAcceptances).toEqual([0]);
  });

  it('an entry in force wins over an expired one that also matches', () => {
    const a = audit([
      { ...RDS, expires: '2026-01-01' },
      { ...RDS, reason: 'renewed', expires: '2027-06-01' },
    ]);
    expect(findingOf(a, 'KMSWHY-G004', 3).acceptance).toMatchObject({ status: 'accepted', index: 1, reason: 'renewed' });
    expect(a.unusedAcceptances).toEqual([0]);
  });

  it('entries that match no finding are reported as unused', () => {
    const a = audit([RDS, { code: 'KMSWHY-G007', grantee: '*', reason: 'no --max-age given, so no G007 findings' }]);
    expect(a.unusedAcceptances).toEqual([1]);
  });

  it('without --fail-on nothing fails; below it nothing fails', () => {
    const f = findingOf(audit([]), 'KMSWHY-G004', 3);
    expect(findingFails(f, undefined)).toBe(false);
    expect(findingFails(f, 'critical')).toBe(false);
    expect(findingFails(f, 'high')).toBe(true);
  });
});
