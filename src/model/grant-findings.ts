// The vocabulary the grants audit shares with the expectation file (sources/expect-file.ts):
// severities, finding codes, expected grants and accepted findings. Plain data.

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export type FindingId =
  | 'external-account'
  | 'orphaned-grantee'
  | 'no-encryption-context-constraint'
  | 're-delegation'
  | 'account-root-grantee'
  | 'duplicate-grant'
  | 'old-grant'
  | 'key-not-usable'
  | 'invalid-grant';

/** An accepted finding (`accept` in the expectation file): it is shown, but does not fail the run until it expires. */
export interface AcceptedFinding {
  /** The finding code, e.g. KMSWHY-G004. */
  code: string;
  /** The grant id it is about (exact), or … */
  grant?: string;
  /** … a grantee pattern (`*` wildcards), for every grant to that grantee. */
  grantee?: string;
  /** Optionally only on this key: key ARN, key id or alias name, `*` wildcards allowed. */
  key?: string;
  /** Why it is accepted; shown with the finding. */
  reason: string;
  /** The day (YYYY-MM-DD, from 00:00 UTC) or ISO time from which it no longer counts. */
  expires?: string;
}

export const FINDING_META: Record<FindingId, { code: string; severity: Severity }> = {
  'external-account': { code: 'KMSWHY-G001', severity: 'high' },
  'orphaned-grantee': { code: 'KMSWHY-G002', severity: 'medium' },
  'no-encryption-context-constraint': { code: 'KMSWHY-G003', severity: 'low' },
  're-delegation': { code: 'KMSWHY-G004', severity: 'high' },
  'account-root-grantee': { code: 'KMSWHY-G005', severity: 'medium' },
  'duplicate-grant': { code: 'KMSWHY-G006', severity: 'low' },
  'old-grant': { code: 'KMSWHY-G007', severity: 'low' },
  'key-not-usable': { code: 'KMSWHY-G008', severity: 'info' },
  'invalid-grant': { code: 'KMSWHY-G009', severity: 'low' },
};

/** Every finding code, in order. */
export const FINDING_CODES: readonly string[] = Object.values(FINDING_META).map((m) => m.code);

/** The finding id (kebab-case name) and severity of a code. */
export function findingMeta(): ReadonlyArray<{ id: FindingId; code: string; severity: Severity }> {
  return (Object.keys(FINDING_META) as FindingId[]).map((id) => ({ id, ...FINDING_META[id] }));
}

export interface ExpectedGrant {
  grantee: string;
  operations: string[];
  constraints?: 'required' | { EncryptionContextEquals?: Record<string, string>; EncryptionContextSubset?: Record<string, string> };
  retiringPrincipal?: string;
  serviceCreated?: boolean;
  note?: string;
}

/** The time an acceptance stops counting: a bare date means 00:00 UTC of that day. NaN when unreadable. */
export function acceptanceExpiry(expires: string): number {
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(expires) ? `${expires}T00:00:00Z` : expires);
}
