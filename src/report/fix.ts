// Output of `kms-why explain-error` and `kms-why explain-event`: what the error or event said,
// the usual report for the request it describes (rendered by renderReport), whether today's
// policies still deny it, and with --fix the verified changes that would allow it.
//
// JSON (`--output json`) is this document, version 1:
//
//   {
//     "kmsWhyExplain": 1,
//     "command": "explain-error" | "explain-event",
//     "input": { "kind": "error-message", "client", "clientLabel", "errorCode"?, "kmsErrorCode"?, "operation"?, "message" }
//            | { "kind": "cloudtrail", "file", "format", "records", "kmsEvents", "accessDenied", "otherSources",
//                "serviceEvents" },   (KMS's own events, RotateKey …, by eventName: skipped)
//     "explanations": [{
//       "title": "…",
//       "group"?: { "principal", "key", "action", "events": N },   (explain-event --all)
//       "events": [{ "eventId", "eventTime", "eventName", "awsRegion", "errorCode", "errorMessage" }],  (explain-event)
//       "extracted": [{ "field": "principal"|"action"|"key"|"encryptionContext"|"viaService"|"callerAccount", "value", "from" }],
//       "missing": [{ "field", "flag", "why", "required" }],
//       "notes": ["…"],
//       "clue": { "kind": "no-allow"|"explicit-deny"|"not-authorized"|"key-inaccessible"|"key-state", "layer"?, "policyArn"?, "errorCode"?, "state"?, "text", "meaning" } | null,
//       "report": { the kms-why report, version 1 (kmsWhyReport: 1), as `kms-why check --output json` prints it },
//       "today": { "status": "allowed-now"|"still-denied"|"still-allowed"|"denied-now"|"allowed"|"denied"|"unknown", "agrees": true|false|null, "implied": {kind, layers}|null, "text", "missingInputs": [] },
//       "lambda"?: { the analysis of `kms-why lambda FUNCTION`: function, key, runtime, controlPlane,
//                    traps, fixes, notes }                                   (explain-error on Lambda's error)
//       "lambdaUnreadable"?: { "function", "reason", "neededPermission"? } (its configuration could not be read)
//       "fix"?: {                                                            (with --fix)
//         "needed": bool, "warnings": ["…"],
//         "proposals": [{ "rank", "id", "title",
//                         "changes": [{ "kind", "description", "json"?, … }],
//                         "commands": ["aws …"],
//                         "verified": { "decision": "allow", "decidedBy", "reasons" },
//                         "alsoAllows": [{ "who", "principal", "variant", "actions", "text" }],
//                         "notes": [] }],
//         "rejected": [{ "title", "why" }],
//         "notes": []
//       }
//     }],
//     "skipped": [{ "title", "why" }]                                        (explain-event --all)
//   }
import type { ActionClass } from '../model/actions.js';
import type { Report } from '../model/report.js';
import type { ClueCheck, FixChange, FixNote, FixResult } from '../analyses/fix.js';
import { changeJson } from '../analyses/fix.js';
import { proposalCommands } from './fix-commands.js';
import { FILL_IN_ROLE, rolePathToFillIn } from './fill-in.js';
import {
  changeTitle,
  clueFindingText,
  policyPlaceText,
  fixTitleText,
  grantScopeText,
  missingInputText,
  nothingElseText,
  undecidedText,
  rejectedTitle,
  rejectedView,
  rejectedWhy,
  sideEffectText,
  sideEffectView,
  todayView,
} from './fix-phrases.js';
import { FIELD_FLAG, type ErrorClient, type ErrorClue, type MissingPart, type RequestField } from '../model/error-clue.js';
import { CLIENT_LABEL, clueMeaning } from './error-clue.js';
import type { LambdaAnalysis } from '../analyses/lambda.js';
import { MAX_WIDTH, wrap, wrapHanging } from './explain.js';
import { escapeControls, escapeShared } from './escape.js';
import { lambdaJson, lambdaMarkdown, lambdaText } from './lambda.js';
import { code, escapeMd, fenced } from './markdown.js';

export const EXPLAIN_REPORT_VERSION = 1;

export interface ExtractedField {
  field: RequestField | 'callerAccount' | 'condition';
  value: string;
  /** Where it came from: "the message", "the event", "--key", "the snapshot (function my-fn)", "inferred: …". */
  from: string;
}

export type ExplainInput =
  | { kind: 'error-message'; client: ErrorClient; errorCode?: string; kmsErrorCode?: string; operation?: string; message: string }
  | {
      kind: 'cloudtrail';
      file: string;
      format: string;
      records: number;
      kmsEvents: number;
      accessDenied: number;
      otherSources: Record<string, number>;
      /** KMS's own service events (RotateKey, DeleteKey …), by eventName: nothing to explain, skipped. */
      serviceEvents: Record<string, number>;
      /** With --all or --lookup: events of an operation kms-why does not know, by eventName, skipped (absent when none). */
      unknownEvents?: Record<string, number>;
    };

export interface EventSummary {
  eventId?: string;
  eventTime?: string;
  eventName: string;
  awsRegion?: string;
  errorCode?: string;
  errorMessage?: string;
}

export interface Explanation {
  title: string;
  group?: { principal: string; key: string; action: string; events: number };
  events?: EventSummary[];
  extracted: ExtractedField[];
  missing: MissingPart[];
  notes: string[];
  clue: ErrorClue | null;
  action: string;
  report: Report;
  today: ClueCheck;
  /** Lambda's environment-variable error: the analysis of `kms-why lambda FUNCTION`. */
  lambda?: LambdaAnalysis;
  /** …or why it could not run: the function's configuration could not be read. */
  lambdaUnreadable?: { function: string; reason: string; neededPermission?: string };
  fix?: FixResult;
}

export interface ExplainDocument {
  command: 'explain-error' | 'explain-event';
  input: ExplainInput;
  explanations: Explanation[];
  skipped: Array<{ title: string; why: string }>;
}

export type ExplainFormat = 'table' | 'text' | 'json' | 'markdown';

/** Renders the report of one explanation in the chosen format (renderReport from the CLI). */
export type ReportRenderer = (report: Report, format: ExplainFormat) => Promise<string>;

const FIELD_LABEL: Record<ExtractedField['field'], string> = {
  principal: 'principal',
  action: 'action',
  key: 'key',
  encryptionContext: 'encryption context',
  viaService: 'kms:ViaService',
  callerAccount: 'caller account',
  condition: 'condition key',
};

function inputHeading(doc: ExplainDocument): string {
  const i = doc.input;
  if (i.kind === 'error-message') {
    const parts = [CLIENT_LABEL[i.client]];
    if (i.errorCode) parts.push(i.errorCode);
    if (i.operation) parts.push(`when calling ${i.operation}`);
    if (i.kmsErrorCode) parts.push(`KMS ${i.kmsErrorCode}`);
    return `Error message (${parts.join(', ')})`;
  }
  const other = Object.entries(i.otherSources).map(([k, v]) => `${v} from ${k}`);
  const service = Object.entries(i.serviceEvents).map(([k, v]) => `${v} ${k}`);
  const serviceCount = Object.values(i.serviceEvents).reduce((a, b) => a + b, 0);
  const unknown = Object.entries(i.unknownEvents ?? {}).map(([k, v]) => `${v} ${k}`);
  const unknownCount = Object.values(i.unknownEvents ?? {}).reduce((a, b) => a + b, 0);
  return `CloudTrail ${i.file}: ${i.records} record${i.records === 1 ? '' : 's'}, ${i.kmsEvents} KMS event${i.kmsEvents === 1 ? '' : 's'}, ${i.accessDenied} AccessDenied${other.length > 0 ? ` (other records: ${other.join(', ')})` : ''}${
    serviceCount > 0
      ? `; skipped ${serviceCount} KMS service event${serviceCount === 1 ? '' : 's'} (${service.join(', ')}: made by KMS itself, not a request)`
      : ''
  }${
    unknownCount > 0
      ? `; skipped ${unknownCount} event${unknownCount === 1 ? '' : 's'} of an operation kms-why does not know (${unknown.join(', ')}: not explained)`
      : ''
  }`;
}

function todayWord(t: ClueCheck): string {
  switch (t.status) {
    case 'allowed-now':
      return 'ALLOWED NOW';
    case 'still-denied':
      return 'STILL DENIED';
    case 'still-allowed':
      return 'STILL ALLOWED';
    case 'denied-now':
      return 'DENIED NOW';
    case 'allowed':
      return 'ALLOWED';
    case 'denied':
      return 'DENIED';
    case 'unknown':
      return 'UNKNOWN';
  }
}

function agreeWord(t: ClueCheck): string {
  // A call that succeeded is compared with the event, a denial with its error.
  const against = t.status === 'still-allowed' || t.status === 'denied-now' ? 'the event' : 'the error';
  return t.agrees === true ? `agrees with ${against}` : t.agrees === false ? `DISAGREES with ${against} — an input is missing or has changed` : '';
}

/** A note of a fix result or proposal (src/analyses/fix.ts), in words. */
export function fixNoteText(n: FixNote): string {
  switch (n.kind) {
    case 'allowed-today':
      return 'The request is allowed today: nothing to fix.';
    case 'cannot-evaluate':
      return 'The request cannot be evaluated.';
    case 'depends-on-unreadable':
      return `The verdict depends on unreadable inputs (${n.inputs.join(', ')}); only a change that allows whatever they say can be verified.`;
    case 'depends-on-missing-context':
      return `The verdict depends on condition keys the request does not give (${n.keys.join(', ')}); only a change that allows whatever they are can be verified.`;
    case 'depends-on-open-request':
      return 'The verdict depends on what the request leaves open (see the hints); only a change that allows whatever it is can be verified.';
    case 'not-a-key-operation':
      return `kms-why proposes fixes for KMS key operations; ${n.action} is ${notKeyOperation(n.cls)}.`;
    case 'key-usage':
      return `${n.error}: no policy change can make this key do ${n.action}.`;
    case 'aws-managed-key':
      return 'The key is an AWS managed key: its key policy cannot be changed.';
    case 'key-state':
      return `${n.error}: the key state refuses ${n.action} whatever the policies say; kms-why cannot propose a change for it.`;
    case 'deny-not-found':
      return `The Deny statement ${n.statementIds.map((id) => `"${id}"`).join(', ')} could not be found in the snapshot to change it.`;
    case 'organization-policy':
      return `An ${n.level.toUpperCase()} level does not allow ${n.action}; kms-why does not propose organization-wide changes: allow it at that level of the hierarchy.`;
    case 'session-policy':
      return 'The session policy does not allow it: session policies are passed when the session is created; create the session with a policy that allows it.';
    case 'no-verified-change':
      return 'No change kms-why can write was verified to allow the request.';
    case 'deny-exemption':
      return `The Deny still applies to everyone else; it no longer applies to ${n.principal} for any action it covers.`;
    case 'only-statement':
      return "It is the policy's only statement: detach or delete the policy instead.";
    case 'lambda-grant-recreation':
      return "Lambda creates the grant (grantee: the execution role session, operations Decrypt and RetireGrant, EncryptionContextEquals aws:lambda:FunctionArn) when the function's role or key changes; switching to another role and back makes it create a new one (AWS Knowledge Center).";
    case 'lambda-temp-role':
      return `${FILL_IN_ROLE} is any other role Lambda can assume; the identity running the commands needs kms:CreateGrant, kms:Encrypt and kms:Decrypt on the key.`;
    case 'permissions-boundary':
      return 'A permissions boundary limits what identity policies (and a key policy naming the role) can allow.';
    case 'role-path-unknown':
      return rolePathToFillIn(n.roleArn);
    case 'grant-scope':
      return grantScopeText(n.scope);
  }
}

/** Why an action of this class gets no proposal, after "ACTION is". */
function notKeyOperation(cls: ActionClass): string {
  switch (cls) {
    case 'iam-only':
      return 'authorized by IAM policies alone: attach an identity policy allowing it with "Resource": "*"';
    case 'alias':
      return 'an alias operation: it needs IAM on the alias and permission on the key';
    case 'retire-grant':
      return 'authorized by the grant itself';
    // A key action lands here only when its key is not in the snapshot.
    case 'key':
      return 'asked on a key that is not in the snapshot';
    case 'internal':
      return 'called by KMS itself, never by a customer: no policy or grant can allow it';
  }
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// JSON

function changeView(c: FixChange): Record<string, unknown> {
  const o: Record<string, unknown> = { kind: c.kind, description: changeTitle(c) };
  switch (c.kind) {
    case 'add-key-policy-statement':
      o.keyArn = c.keyArn;
      break;
    case 'add-identity-policy':
      Object.assign(o, { principalArn: c.principalArn, principalKind: c.principalKind, policyName: c.policyName });
      break;
    case 'add-boundary-statement':
      Object.assign(o, { principalArn: c.principalArn, policyName: c.policyName, ...(c.policyArn ? { policyArn: c.policyArn } : {}) });
      break;
    case 'remove-statement':
    case 'replace-statement':
      Object.assign(o, {
        source: c.source,
        policyName: c.policyName,
        ...(c.policyArn ? { policyArn: c.policyArn } : {}),
        where: policyPlaceText(c.where),
        statementId: c.statementId,
      });
      if (c.kind === 'replace-statement') o.before = c.before;
      break;
    case 'recreate-lambda-grant':
      Object.assign(o, { keyArn: c.keyArn, functionName: c.functionName, functionArn: c.functionArn, roleArn: c.roleArn });
      break;
    case 'enable-key':
      Object.assign(o, { keyArn: c.keyArn, keyState: c.keyState });
      break;
    case 'name-key-by':
      Object.assign(o, { keyIdentifier: c.identifier });
      break;
  }
  const j = changeJson(c);
  if (j !== undefined) o.json = j;
  return o;
}

export function fixView(f: FixResult): Record<string, unknown> {
  return {
    needed: f.needed,
    warnings: f.warnings,
    proposals: f.proposals.map((p) => ({
      rank: p.rank,
      id: p.id,
      title: fixTitleText(p.titles),
      changes: p.changes.map(changeView),
      commands: proposalCommands(p),
      verified: p.verified,
      alsoAllows: p.alsoAllows.map(sideEffectView),
      notes: p.notes.map(fixNoteText),
    })),
    rejected: f.rejected.map(rejectedView),
    notes: f.notes.map(fixNoteText),
  };
}

export function explainJson(doc: ExplainDocument, reportJson: (r: Report) => unknown): string {
  const o = {
    kmsWhyExplain: EXPLAIN_REPORT_VERSION,
    command: doc.command,
    input: doc.input.kind === 'error-message' ? { ...doc.input, clientLabel: CLIENT_LABEL[doc.input.client] } : doc.input,
    explanations: doc.explanations.map((e) => {
      const x: Record<string, unknown> = { title: e.title };
      if (e.group) x.group = e.group;
      if (e.events) x.events = e.events;
      x.extracted = e.extracted;
      x.missing = e.missing.map((m) => ({ field: m.field, flag: FIELD_FLAG[m.field], why: m.why, required: m.required }));
      x.notes = e.notes;
      x.clue = e.clue === null ? null : { ...e.clue, meaning: clueMeaning(e.clue, e.action) };
      x.report = reportJson(e.report);
      x.today = todayView(e.today);
      if (e.lambda) x.lambda = lambdaJson(e.lambda);
      if (e.lambdaUnreadable) x.lambdaUnreadable = e.lambdaUnreadable;
      if (e.fix) x.fix = fixView(e.fix);
      return x;
    }),
    skipped: doc.skipped,
  };
  return JSON.stringify(o, null, 2) + '\n';
}

function lambdaUnreadableLines(u: NonNullable<Explanation['lambdaUnreadable']>): string[] {
  return [
    `Lambda function ${u.function}: its configuration could not be read (${u.reason})${u.neededPermission ? `; kms-why needs ${u.neededPermission}` : ''}.`,
    "Whether the function can decrypt its environment variables today is unknown: its key and execution role may differ from the message's.",
  ];
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Text (also used around the table output)

/**
 * A change as JSON to paste: made from the fix as it was before escapeShared (whose `\u202e` for a
 * bidi override JSON.stringify wrote as `\\u202e`, another value), then escaped as JSON text: the
 * characters a terminal or GitHub would act on become JSON's own `\uXXXX` escapes, which keep the
 * value (JSON.stringify escapes C0 controls itself, not DEL, C1, line separators or bidi controls).
 */
function pasteJson(v: unknown): string {
  return escapeControls(JSON.stringify(v, null, 2), { keepLayout: true });
}

function jsonLines(v: unknown, indent: string): string[] {
  return pasteJson(v)
    .split('\n')
    .map((l) => indent + l);
}

function textExtraction(e: Explanation, what: 'message' | 'event', w: number): string[] {
  const out: string[] = [];
  if (e.events && e.events.length > 0) {
    const first = e.events[0]!;
    const last = e.events[e.events.length - 1]!;
    out.push(
      ...wrap(
        e.events.length === 1
          ? `Event: ${[first.eventName, first.eventTime, first.eventId, first.errorCode].filter(Boolean).join('  ')}`
          : `Events: ${e.events.length} (${first.eventTime ?? '?'} … ${last.eventTime ?? '?'}): ${e.events
              .map((x) => x.eventId ?? '?')
              .slice(0, 5)
              .join(', ')}${e.events.length > 5 ? ', …' : ''}`,
        w,
      ),
    );
  }
  out.push(`Read from the ${what} and flags:`);
  const lw = Math.max(...e.extracted.map((f) => FIELD_LABEL[f.field].length), 8) + 2;
  for (const f of e.extracted) out.push(...wrapHanging(`${f.value} — ${f.from}`, w, `  ${FIELD_LABEL[f.field].padEnd(lw)}`));
  if (e.missing.length > 0) {
    out.push(`Not in the ${what}:`);
    for (const m of e.missing) out.push(...wrapHanging(`${FIELD_LABEL[m.field]}: ${m.why}`, w, '  - '));
  }
  for (const n of e.notes) out.push(...wrapHanging(n, w, '  note: ', '        '));
  if (e.clue !== null) {
    out.push(...wrapHanging(`"${e.clue.text}"`, w, `The ${what} says: `, '  '));
    out.push(...wrapHanging(clueMeaning(e.clue, e.action), w, '  => '));
  }
  return out;
}

function textToday(e: Explanation, w: number): string[] {
  const out: string[] = [];
  const agree = agreeWord(e.today);
  out.push(...wrapHanging(`${todayWord(e.today)}${agree ? ` (${agree})` : ''}`, w, 'Today: ', '  '));
  out.push(...wrapHanging(clueFindingText(e.today.finding), w, '  '));
  if (e.today.missing.length > 0) {
    out.push('  Check these inputs:');
    for (const m of e.today.missing) out.push(...wrapHanging(missingInputText(m), w, '    - '));
  }
  return out;
}

/** `raw`: the same fix before escapeShared, whose changes are printed as JSON (see pasteJson). */
export function textFix(f: FixResult, w: number = MAX_WIDTH, raw: FixResult = f): string[] {
  const out: string[] = [];
  if (!f.needed) {
    out.push('Fix: none needed.');
    for (const n of f.notes) out.push(...wrapHanging(fixNoteText(n), w, '  '));
    return out;
  }
  out.push(f.proposals.length > 0 ? 'Fix (each verified by evaluating the request again; narrowest first):' : 'Fix: no verified change.');
  for (const wn of f.warnings) out.push(...wrapHanging(wn, w, '  WARNING: ', '           '));
  for (const [pi, p] of f.proposals.entries()) {
    out.push('');
    out.push(...wrapHanging(fixTitleText(p.titles), w, `  ${p.rank}. `));
    const ind = '     ';
    out.push(
      ...wrapHanging(
        `verified: the request would be ALLOWED, decided by ${p.verified.decidedBy.replace(/-/g, ' ')}${p.verified.reasons.length > 0 ? ` (${p.verified.reasons.map((r) => (r.source === 'grant' ? `grant ${r.id}` : `"${r.id}"`)).join(', ')})` : ''}`,
        w,
        ind,
      ),
    );
    for (const [ci, c] of p.changes.entries()) {
      out.push(...wrapHanging(changeTitle(c), w, ind));
      const j = changeJson(raw.proposals[pi]!.changes[ci]!);
      if (j !== undefined) out.push(...jsonLines(j, `${ind}  `));
    }
    const commands = proposalCommands(p);
    if (commands.length > 0) {
      out.push(`${ind}Commands:`);
      for (const cmd of commands) out.push(`${ind}  ${cmd.startsWith('#') ? cmd : `$ ${cmd}`}`);
    }
    if (p.alsoAllows.length === 0) out.push(...wrapHanging(nothingElseText(p.checked), w, ind));
    for (const s of p.alsoAllows) out.push(...wrapHanging(sideEffectText(s), w, ind));
    const undecided = undecidedText(p.checked);
    if (undecided !== undefined) out.push(...wrapHanging(undecided, w, ind));
    for (const n of p.notes) out.push(...wrapHanging(fixNoteText(n), w, `${ind}note: `, `${ind}      `));
  }
  if (f.rejected.length > 0) {
    out.push('');
    out.push('  Considered, not proposed:');
    for (const r of f.rejected) out.push(...wrapHanging(`${rejectedTitle(r.what)}: ${rejectedWhy(r.why)}`, w, '    - '));
  }
  for (const n of f.notes) out.push(...wrapHanging(fixNoteText(n), w, '  '));
  return out;
}

export async function explainText(given: ExplainDocument, format: 'text' | 'table', render: ReportRenderer, width: number = MAX_WIDTH): Promise<string> {
  // Laid out as text: the input's strings escaped first (a Sid with a newline must not forge a line).
  const doc = escapeShared(given);
  const w = Math.min(width, MAX_WIDTH);
  const what = doc.command === 'explain-error' ? 'message' : 'event';
  const out: string[] = [];
  out.push(...wrap(inputHeading(doc), w));
  if (doc.input.kind === 'error-message') out.push(...wrapHanging(doc.input.message, w, '  "', '   ').map((l, i, a) => (i === a.length - 1 ? `${l}"` : l)));
  const many = doc.explanations.length > 1;
  for (const [i, e] of doc.explanations.entries()) {
    out.push('');
    if (many || e.group) out.push(...wrapHanging(`${many ? `${i + 1} of ${doc.explanations.length}: ` : ''}${e.title} ===`, w, '=== ', '    '));
    out.push(...textExtraction(e, what, w));
    out.push('');
    out.push((await render(e.report, format)).replace(/\n+$/, ''));
    out.push('');
    out.push(...textToday(e, w));
    if (e.lambda) out.push(...lambdaText(e.lambda, w).replace(/\n+$/, '').split('\n'));
    if (e.lambdaUnreadable) out.push('', ...lambdaUnreadableLines(e.lambdaUnreadable).flatMap((l) => wrapHanging(l, w, '')));
    if (e.fix) {
      out.push('');
      out.push(...textFix(e.fix, w, given.explanations[i]!.fix ?? e.fix));
    }
  }
  if (doc.skipped.length > 0) {
    out.push('');
    out.push('Not explained:');
    for (const s of doc.skipped) out.push(...wrapHanging(`${s.title}: ${s.why}`, w, '  - '));
  }
  if (doc.explanations.length === 0 && doc.skipped.length === 0) {
    out.push('');
    out.push('No KMS AccessDenied event to explain.');
  }
  return out.map((l) => l.trimEnd()).join('\n') + '\n';
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Markdown

/** Moves every heading of an embedded Markdown report one level down (fenced blocks untouched). */
function demoteHeadings(md: string, levels: number): string {
  let fence: string | null = null;
  return md
    .split('\n')
    .map((l) => {
      const f = /^(`{3,}|~{3,})/.exec(l);
      if (f) {
        if (fence === null) fence = f[1]!;
        else if (l.startsWith(fence)) fence = null;
        return l;
      }
      return fence === null && /^#{1,5} /.test(l) ? '#'.repeat(levels) + l : l;
    })
    .join('\n');
}

function mdExtraction(e: Explanation, what: 'message' | 'event', h: string): string[] {
  const out: string[] = [];
  out.push(`${h} What the ${what} says`, '');
  if (e.events && e.events.length > 0) {
    out.push(`| Event | Time | Id | Error |`, '| --- | --- | --- | --- |');
    for (const x of e.events.slice(0, 20))
      out.push(`| ${escapeMd(x.eventName)} | ${x.eventTime ?? ''} | ${x.eventId ? code(x.eventId) : ''} | ${x.errorCode ?? ''} |`);
    if (e.events.length > 20) out.push(`| … ${e.events.length - 20} more | | | |`);
    out.push('');
  }
  out.push('| Field | Value | From |', '| --- | --- | --- |');
  for (const f of e.extracted) out.push(`| ${FIELD_LABEL[f.field]} | ${code(f.value)} | ${escapeMd(f.from)} |`);
  out.push('');
  if (e.missing.length > 0) {
    out.push(`Not in the ${what}:`, '');
    for (const m of e.missing) out.push(`- **${FIELD_LABEL[m.field]}** (${code(FIELD_FLAG[m.field])}): ${escapeMd(m.why)}`);
    out.push('');
  }
  for (const n of e.notes) out.push(`> ${escapeMd(n)}`, '');
  if (e.clue !== null) {
    out.push(`The ${what}'s own clue: *${escapeMd(e.clue.text)}* — ${escapeMd(clueMeaning(e.clue, e.action))}`, '');
  }
  return out;
}

function mdToday(e: Explanation, h: string): string[] {
  const out: string[] = [`${h} Today: ${todayWord(e.today)}`, ''];
  const agree = agreeWord(e.today);
  out.push(`${agree ? `**${escapeMd(agree.charAt(0).toUpperCase() + agree.slice(1))}.** ` : ''}${escapeMd(clueFindingText(e.today.finding))}`, '');
  if (e.today.missing.length > 0) {
    out.push('Check these inputs:', '');
    for (const m of e.today.missing) out.push(`- ${escapeMd(missingInputText(m))}`);
    out.push('');
  }
  return out;
}

/** `raw`: the same fix before escapeShared, whose changes are printed as JSON (see pasteJson). */
export function mdFix(f: FixResult, h: string, raw: FixResult = f): string[] {
  const out: string[] = [`${h} Fix`, ''];
  if (!f.needed) {
    out.push('None needed.', '');
    return out;
  }
  if (f.proposals.length === 0) out.push('No change kms-why could verify.', '');
  else out.push('Each change below was applied to a copy of the inputs and the request evaluated again; narrowest first.', '');
  for (const wn of f.warnings) out.push(`> **Warning:** ${escapeMd(wn)}`, '');
  for (const [pi, p] of f.proposals.entries()) {
    out.push(`${h}# ${p.rank}. ${escapeMd(fixTitleText(p.titles))}`, '');
    out.push(`Verified: the request would be **ALLOWED**, decided by ${escapeMd(p.verified.decidedBy.replace(/-/g, ' '))}.`, '');
    for (const [ci, c] of p.changes.entries()) {
      out.push(escapeMd(changeTitle(c)), '');
      const j = changeJson(raw.proposals[pi]!.changes[ci]!);
      if (j !== undefined) out.push(fenced('json', pasteJson(j)), '');
    }
    const commands = proposalCommands(p);
    if (commands.length > 0) out.push(fenced('sh', commands.join('\n')), '');
    if (p.alsoAllows.length === 0) out.push(escapeMd(nothingElseText(p.checked)), '');
    else {
      for (const s of p.alsoAllows) out.push(`- ${escapeMd(sideEffectText(s))}`);
      out.push('');
    }
    const undecided = undecidedText(p.checked);
    if (undecided !== undefined) out.push(escapeMd(undecided), '');
    for (const n of p.notes) out.push(`> ${escapeMd(fixNoteText(n))}`, '');
  }
  if (f.rejected.length > 0) {
    out.push('Considered, not proposed:', '');
    for (const r of f.rejected) out.push(`- ${escapeMd(rejectedTitle(r.what))}: ${escapeMd(rejectedWhy(r.why))}`);
    out.push('');
  }
  for (const n of f.notes) out.push(escapeMd(fixNoteText(n)), '');
  return out;
}

export async function explainMarkdown(given: ExplainDocument, render: ReportRenderer): Promise<string> {
  const doc = escapeShared(given);
  const what = doc.command === 'explain-error' ? 'message' : 'event';
  const out: string[] = [`# kms-why ${doc.command}`, '', escapeMd(inputHeading(doc)), ''];
  if (doc.input.kind === 'error-message') out.push(fenced('text', doc.input.message), '');
  const many = doc.explanations.length > 1;
  const h = many ? '###' : '##';
  for (const [i, e] of doc.explanations.entries()) {
    if (many) out.push(`## ${i + 1}. ${escapeMd(e.title)}`, '');
    out.push(...mdExtraction(e, what, h));
    out.push(demoteHeadings((await render(e.report, 'markdown')).replace(/\n+$/, ''), many ? 2 : 1), '');
    out.push(...mdToday(e, h));
    if (e.lambda) out.push(demoteHeadings(lambdaMarkdown(e.lambda).replace(/^\n+|\n+$/g, ''), many ? 1 : 0), '');
    if (e.lambdaUnreadable) out.push(`${h} Lambda function`, '', ...lambdaUnreadableLines(e.lambdaUnreadable).map((l) => escapeMd(l)), '');
    if (e.fix) out.push(...mdFix(e.fix, h, given.explanations[i]!.fix ?? e.fix));
  }
  if (doc.skipped.length > 0) {
    out.push('## Not explained', '');
    for (const s of doc.skipped) out.push(`- ${escapeMd(s.title)}: ${escapeMd(s.why)}`);
    out.push('');
  }
  if (doc.explanations.length === 0 && doc.skipped.length === 0) out.push('No KMS AccessDenied event to explain.', '');
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .replace(/\n+$/, '') + '\n'
  );
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// --fix on the evaluating commands (decrypt, check …): the proposals for each action not allowed,
// after the usual report.

export interface ActionFix {
  action: string;
  fix: FixResult;
}

/** The `fixes` field the JSON report gains with --fix: one entry per action that was not allowed. */
export function fixesJson(fixes: readonly ActionFix[]): unknown[] {
  return fixes.map((f) => ({ action: f.action, ...fixView(f.fix) }));
}

export function fixesText(given: readonly ActionFix[], width: number = MAX_WIDTH): string {
  const fixes = escapeShared(given);
  if (fixes.length === 0) return '\nFix: none needed: every action is allowed.\n';
  const out: string[] = [];
  for (const [i, f] of fixes.entries()) {
    out.push('', `=== Fix for ${f.action} ===`, ...textFix(f.fix, Math.min(width, MAX_WIDTH), given[i]!.fix));
  }
  return out.map((l) => l.trimEnd()).join('\n') + '\n';
}

/**
 * Markdown: each proposal as a ready-to-paste JSON block and the AWS CLI commands that apply it
 * (a command reading file://NAME.json reads the JSON block above it, saved under that name).
 */
/** `budget`: the most characters the fixes may take; those that do not fit are named in a closing line. */
export function fixesMarkdown(given: readonly ActionFix[], budget = Number.POSITIVE_INFINITY): string {
  const fixes = escapeShared(given);
  const out: string[] = ['', '## Fix', ''];
  if (fixes.length === 0) out.push('None needed: every action is allowed.', '');
  // Room for the closing line.
  let left = budget - 400;
  const leftOut: string[] = [];
  for (const [i, f] of fixes.entries()) {
    const body = mdFix(f.fix, '###', given[i]!.fix);
    body[0] = `### Fix for ${code(f.action)}`;
    const size = body.join('\n').length + 1;
    if (leftOut.length > 0 || size > left) {
      leftOut.push(f.action);
      continue;
    }
    out.push(...body);
    left -= size;
  }
  if (leftOut.length > 0)
    out.push(
      '',
      `_The fixes for ${leftOut.length} more action${leftOut.length === 1 ? '' : 's'} (${leftOut.map(code).join(', ')}) are left out to keep this under GitHub's comment limit; \`--output text\` or \`--output json\` has every one._`,
    );
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .replace(/\n+$/, '') + '\n'
  );
}
