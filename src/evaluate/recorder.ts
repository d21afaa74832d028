// The recorder of a walk through the flowchart: the trace, hints, proposals, assumptions and
// missing keys, as facts (src/report/phrases.ts has their words). The recorder does nothing when
// it is not explaining; the walk's steps, hints and proposals are still written `if (ex.on)
// ex.step(…)`, because their arguments (objects and closures) would otherwise be built on every
// evaluation only to be dropped: who-can makes hundreds of thousands of unexplained evaluations,
// and collecting garbage is a fifth of its time.
import {
  ASSUMPTION_IDS,
  type AssumptionId,
  type Decision,
  type GrantMatch,
  type HintNote,
  type PartGap,
  type PartWhat,
  type StatementMatch,
  type StepAnswer,
  type StepId,
  type TraceFact,
  type TraceFinding,
  type TraceQuestion,
} from '../model/decision.js';
import type { ConditionEnv } from './conditions.js';
import type { HintEdit, HintProposal } from './hint-edits.js';

/** The proposals of each explained decision (kept beside it, not in the JSON contract): printed once verified. */
export const HINT_PROPOSALS = new WeakMap<Decision, HintProposal[]>();

/** Two notes that say the same (a hint is listed once). */
export function sameNote(a: HintNote, b: HintNote): boolean {
  // Notes of different kinds never say the same: most comparisons end before the text is made.
  return a === b || (a.kind === b.kind && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * Records the explanation: the trace, hints, proposals, assumptions and missing keys. Every method
 * does nothing when explanation is off (SILENT). A call whose arguments take building (step, hint,
 * propose) is made only `if (ex.on)`; one that takes none (assume, miss) is made bare. The edits a
 * proposal makes are built by builders that return nothing when off.
 */
/**
 * The note a report gives as the reason for an unknown verdict: the first one that says what the
 * verdict depends on (an unreadable input that decides, a key the request would carry but the
 * inputs cannot give, a further permission that cannot be named), else the last note recorded
 * (an open step such as an alias not named). Not simply the last: a note added after the cause
 * (how a role was evaluated, say) is no reason.
 */
export function unknownCause(hints: readonly HintNote[]): HintNote | undefined {
  for (const h of hints) if (decidesUnknown(h)) return h;
  return hints[hints.length - 1];
}

/** Does this note say what an unknown verdict depends on? (who-can lists every such note.) */
export function decidesUnknown(h: HintNote): boolean {
  switch (h.kind) {
    case 'unreadable':
      return h.decides;
    case 'underivable-decides':
    case 'companion-unknown':
      return true;
    case 'part':
      return decidesUnknown(h.note);
    default:
      return false;
  }
}

export class Recorder {
  readonly trace: TraceFact[] = [];
  readonly hints: HintNote[] = [];
  readonly assumptions = new Set<AssumptionId>();
  readonly missing = new Set<string>();
  /** Hints that propose a change (to the request or the inputs): printed only once re-evaluation confirms them. */
  readonly proposals: HintProposal[] = [];
  /**
   * `proposing`: gather proposed changes (off: none is made, kept or passed on). Proposals only
   * become hints once verified (Evaluator.verified), so an explanation that is not verified
   * (EvaluateOptions.verifyHints) records everything else and no proposal.
   */
  constructor(
    readonly on: boolean,
    readonly proposing: boolean = on,
    /** Record the trace (off: an explanation of notes and missing keys only, EvaluateOptions.trace). */
    readonly tracing: boolean = on,
  ) {}
  /** A step of the walk; what it found (when it takes work to say) and the statements and grants it involved are gathered only when recording. */
  step(
    step: StepId,
    ask: TraceQuestion,
    answer: StepAnswer,
    why: TraceFinding | (() => TraceFinding),
    involved?: () => { statements?: StatementMatch[]; grants?: GrantMatch[] },
  ): void {
    if (!this.tracing) return;
    const t: TraceFact = { step, ask, answer, why: typeof why === 'function' ? why() : why };
    const extra = involved?.();
    if (extra?.statements && extra.statements.length > 0) t.statements = extra.statements;
    if (extra?.grants && extra.grants.length > 0) t.grants = extra.grants;
    this.trace.push(t);
  }
  /** A fact: why the verdict is what it is, when no change kms-why can write would turn it. */
  hint(note: HintNote): void {
    if (this.on && !this.hints.some((h) => sameNote(h, note))) this.hints.push(note);
  }
  /** A change to the inputs: printed only if the request, evaluated again with it, is allowed. */
  propose(note: HintNote, edits: HintEdit[]): void {
    if (this.proposing && !this.proposals.some((p) => sameNote(p.note, note))) this.proposals.push({ note, set: [], edits });
  }
  /** A proposal whose request change is built only when recording (it is not checked for duplicates). */
  offer(make: () => HintProposal): void {
    if (this.proposing) this.proposals.push(make());
  }
  assume(id: AssumptionId): void {
    if (this.on) this.assumptions.add(id);
  }
  /** A condition key whose absence (or value) decided: the request should say. */
  miss(key: string): void {
    if (this.on) this.missing.add(key);
  }
  /** The assumptions behind the unknown keys a condition consulted. */
  assumeTouched(touched: ConditionEnv['touched'], retireGrant: boolean): void {
    if (!this.on || touched === undefined) return;
    for (const [k, u] of touched) {
      if (u.supply !== undefined) this.assume('unknownContextKeys');
      if (retireGrant && k.startsWith('kms:encryptioncontext')) this.assume('retireGrantEncryptionContext');
    }
  }
  /** The explanation part of a decision (empty when not recording), and its proposals beside it. */
  explanation(env: ConditionEnv): Pick<Decision, 'trace' | 'missingContext' | 'hints' | 'assumptions'> {
    if (!this.on) return { trace: [], missingContext: [], hints: [], assumptions: [] };
    return {
      trace: this.trace,
      missingContext: [...this.missing],
      hints: this.hints,
      assumptions:
        env.assumed === undefined || env.assumed.size === 0
          ? [...this.assumptions]
          : [...this.assumptions, ...[...env.assumed].filter(isAssumptionId)].filter((id, i, all) => all.indexOf(id) === i),
    };
  }
  keep(d: Decision): void {
    if (this.proposing && this.proposals.length > 0) HINT_PROPOSALS.set(d, this.proposals);
  }

  // A request that needs further permissions (combineParts, flowchart.ts): its explanation is its
  // own, then each further permission's, named by it. The recorder does nothing when off here too.

  /** Starts from the explanation (and proposals) of the request's own decision. */
  adopt(main: Decision): void {
    if (!this.on) return;
    if (this.tracing) this.trace.push(...main.trace);
    this.hints.push(...main.hints);
    for (const k of main.missingContext) this.missing.add(k);
    for (const id of main.assumptions) this.assumptions.add(id);
    const own = HINT_PROPOSALS.get(main);
    if (own !== undefined && this.proposing) this.proposals.push(...own);
  }
  /** A further permission whose resource the inputs cannot name: an open step, and what to supply. */
  companionUnknown(main: Decision, what: PartWhat, missing: PartGap): void {
    if (!this.on) return;
    if (this.tracing)
      this.trace.push({
        step: 'identity-policy',
        ask: { kind: 'companion', principal: main.principal, action: main.action, what },
        answer: 'unknown',
        why: { kind: 'companion-unknown', missing },
      });
    this.hint({ kind: 'companion-unknown', action: main.action, what, missing });
  }
  /** The explanation of a further permission's decision, each step, hint and proposal named by it. */
  part(what: PartWhat, d: Decision): void {
    if (!this.on) return;
    for (const t of d.trace) if (t.step !== 'action') this.trace.push({ ...t, within: [what, ...(t.within ?? [])] });
    for (const h of d.hints) this.hint({ kind: 'part', what, note: h });
    for (const k of d.missingContext) this.missing.add(k);
    for (const id of d.assumptions) this.assumptions.add(id);
    if (this.proposing) for (const q of HINT_PROPOSALS.get(d) ?? []) this.proposals.push({ ...q, note: { kind: 'part', what, note: q.note } });
  }
  /** Writes the explanation gathered into a decision made of others (left as it is when off). */
  writeInto(d: Decision): void {
    if (!this.on) return;
    d.trace = this.trace;
    d.hints = this.hints;
    d.missingContext = [...this.missing];
    d.assumptions = [...this.assumptions];
  }
}

/** The recorder of every decision made without explanation: it records nothing (never written to). */
export const SILENT = new Recorder(false);

const ASSUMPTION_SET: ReadonlySet<string> = new Set(ASSUMPTION_IDS);

/** An id the condition evaluator recorded (conditions.ts) that names an assumption. */
function isAssumptionId(id: string): id is AssumptionId {
  return ASSUMPTION_SET.has(id);
}
