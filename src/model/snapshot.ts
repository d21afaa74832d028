import type { Key } from './key.js';
import type { Policy } from './policy.js';
import type { PrincipalPolicies } from './principal.js';

/** One level of an organization's SCP or RCP hierarchy (root first): at least one policy must allow. */
export interface OrgPolicyLevel {
  target: string;
  policies: Policy[];
}

export interface Organization {
  /** By account id: the SCP hierarchy that applies to principals of that account. */
  serviceControlPolicies: Record<string, OrgPolicyLevel[]>;
  /** By account id: the RCP hierarchy that applies to resources of that account. */
  resourceControlPolicies: Record<string, OrgPolicyLevel[]>;
  /** SCPs and RCPs do not affect the management account. */
  managementAccountId?: string;
  /** The organization id (o-…): aws:PrincipalOrgID / aws:ResourceOrgID of its member accounts. */
  id?: string;
  /** Member accounts besides those named by the SCP/RCP maps and the management account. */
  accounts?: string[];
}

/** Everything the evaluator may read, however it was gathered (live AWS or a snapshot file). */
export interface Snapshot {
  capturedAt?: string;
  /** Written by `kms-why snapshot --redact`: every identifier is a placeholder. */
  redacted?: boolean;
  region?: string;
  keys: Key[];
  /** By principal ARN (role, user, session; as written in the snapshot). */
  principals: Record<string, PrincipalPolicies>;
  /**
   * Set when the snapshot was made for these principals only (`kms-why snapshot --principal`, a
   * live check): `principals` is then not every role and user there is, and one it does not hold
   * was not read (who-can lists it as unlisted; `kms-why diff` cannot compare it). Absent: the
   * principals are taken as all there are (a principal the snapshot does not hold does not exist).
   */
  principalsAskedFor?: string[];
  /**
   * Set when the snapshot was made for these keys only (key ARNs: `kms-why snapshot --key K
   * --principal P`, `snapshot --account --key K`): `keys` is then not every key of the account, and
   * a key it does not hold was not read (`kms-why diff` cannot compare it; who-can --all-keys does
   * not cover it). Absent: the keys are taken as all there are (a key the snapshot does not hold
   * does not exist).
   */
  keysAskedFor?: string[];
  organization?: Organization;
  /** Raw GetFunctionConfiguration outputs, for `kms-why lambda`. */
  functions?: unknown[];
  /** Where each input came from (file, AWS call), for the report. */
  inputs?: InputRecord[];
}

export interface InputRecord {
  what: string;
  from: string;
  status: 'read' | 'unreadable' | 'absent';
  detail?: string;
}

/** The InputRecord `what` of an account's IAM (get-account-authorization-details). */
export const iamDetailsWhat = (account: string): string => `IAM roles, users and policies of account ${account}`;
/** Some role or user of the account may be missing when this input could not be read: who-can cannot list everyone. */
export const IAM_DETAILS_WHAT = /^IAM roles, users and policies of account (\d{12})/;
