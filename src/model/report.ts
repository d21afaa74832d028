// The JSON report contract (docs/snapshot.md and docs/report.md), version 1.
import type { Decision } from './decision.js';
import type { ContextValue } from './request.js';
import type { InputRecord } from './snapshot.js';

export interface ReportRequest {
  encryptionContext: Record<string, string>;
  viaService: string | null;
  conditions: Record<string, ContextValue>;
  keyIdentifier?: string;
  grantId?: string;
}

export interface Report {
  kmsWhyReport: 1;
  key: string | null;
  principal: string;
  request: ReportRequest;
  results: Decision[];
  /** What was read, and from where. */
  inputs?: InputRecord[];
  /** The command line that produced the report (for tickets). */
  commandLine?: string;
}
