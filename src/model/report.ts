// The JSON report contract (docs/snapshot.md and docs/report.md), version 1.
import type { CheckResult, OrgPoliciesNotGiven } from './decision.js';
import type { ContextValue } from './request.js';
import type { InputRecord } from './snapshot.js';

export interface ReportRequest {
  encryptionContext: Record<string, string>;
  viaService: string | null;
  conditions: Record<string, ContextValue>;
  keyIdentifier?: string;
  grantId?: string;
  /** When the request is made (aws:CurrentTime, aws:EpochTime); absent: those keys were unknown. */
  at?: string;
  /** Condition keys the request says it does not carry (--absent). */
  absent?: string[];
}

export interface Report {
  kmsWhyReport: 1;
  key: string | null;
  principal: string;
  request: ReportRequest;
  results: CheckResult[];
  /** What was read, and from where. */
  inputs?: InputRecord[];
  /** The command line that produced the report (for tickets). */
  commandLine?: string;
  /**
   * Actions of `--action all` that were not evaluated because the request lacks a detail they
   * need (RetireGrant without --grant-id …). They do not count towards the exit code.
   */
  notEvaluated?: NotEvaluated[];
  /**
   * The SCPs and RCPs that no input gives (kms-why evaluated none) and that would restrict a
   * request this report allows: each allow holds only if they allow it too. Absent: none such.
   */
  orgPoliciesNotGiven?: OrgPoliciesNotGiven[];
}

export interface NotEvaluated {
  action: string;
  /** The flags that would let kms-why evaluate it, e.g. ["--grant-id"]. */
  needs: string[];
}
