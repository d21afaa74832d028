// Typed errors that say whose fault they are. Messages name the file, the JSON path and the
// problem; advice goes into `hint`.

export type Fault = 'input' | 'aws' | 'internal';

export class KmsWhyError extends Error {
  readonly fault: Fault;
  readonly hint: string | undefined;
  constructor(fault: Fault, message: string, hint?: string) {
    super(message);
    this.name = 'KmsWhyError';
    this.fault = fault;
    this.hint = hint;
  }
}

/** The user's input is wrong: a bad flag, file, ARN or policy. Exit code 2. */
export class InputError extends KmsWhyError {
  readonly file: string | undefined;
  readonly path: string | undefined;
  /**
   * Values of the input the message quotes in double quotes (a refused flag or condition value):
   * with --redact, each is shown as a placeholder. A value kms-why refused is no name it learned
   * from the inputs, so the redaction of the text as a whole would let it through.
   */
  readonly quotes: readonly string[];
  /** The input around a syntax error, ending the message: with --redact it is left out (the line and column say where). */
  readonly excerpt: string;
  constructor(message: string, opts: { file?: string; path?: string; hint?: string; quotes?: readonly string[]; excerpt?: string } = {}) {
    const where = [opts.file, opts.path].filter((s) => s !== undefined && s !== '').join(': ');
    const excerpt = opts.excerpt ?? '';
    super('input', `${where ? `${where}: ${message}` : message}${excerpt}`, opts.hint);
    this.name = 'InputError';
    this.file = opts.file;
    this.path = opts.path;
    this.quotes = opts.quotes ?? [];
    this.excerpt = excerpt;
  }

  /** The message as --redact shows it: without the excerpt, and each quoted value `"v"` as `"placeholder(v)"`. */
  redactedMessage(placeholder: (value: string) => string): string {
    let m = this.message.slice(0, this.message.length - this.excerpt.length);
    for (const q of this.quotes) m = m.split(`"${q}"`).join(`"${placeholder(q)}"`);
    return m;
  }
}

/** What is wrong with a request the evaluator was given, as data. */
export type RequestProblem =
  | { kind: 'invalid-principal'; principal: string }
  | { kind: 'unique-id'; principal: string }
  | { kind: 'unknown-action'; action: string }
  | { kind: 'no-key'; action: string }
  /** `snapshotKeys`: every key the snapshot has (its ARN, then its aliases), for the hint. */
  | { kind: 'key-not-in-snapshot'; key: string; snapshotKeys: ReadonlyArray<readonly string[]> }
  /** `keyArns`: the keys the identifier names, in more than one Region (or account). */
  | { kind: 'ambiguous-key'; key: string; keyArns: readonly string[] };

/**
 * A request the evaluator cannot take: the problem as data (`problem`), phrased here, where every
 * error's words are, so that the evaluator throws facts and every reader of `message` (the command
 * line, the library's callers) gets the same words.
 */
export class RequestError extends InputError {
  readonly problem: RequestProblem;
  constructor(problem: RequestProblem) {
    const hint =
      problem.kind === 'key-not-in-snapshot'
        ? snapshotKeysHint(problem.snapshotKeys)
        : problem.kind === 'ambiguous-key'
          ? `Give the key ARN (one of ${problem.keyArns.join(', ')}) or the alias ARN, which name the Region.`
          : undefined;
    super(requestProblemText(problem), hint === undefined ? {} : { hint });
    this.problem = problem;
  }
}

function requestProblemText(p: RequestProblem): string {
  switch (p.kind) {
    case 'invalid-principal':
      return `invalid principal "${p.principal}"`;
    case 'unique-id':
      return `"${p.principal}" is a unique id, not a principal ARN`;
    case 'unknown-action':
      return `unknown KMS action "${p.action}"`;
    case 'no-key':
      return `${p.action} needs a key (--key)`;
    case 'key-not-in-snapshot':
      return `key "${p.key}" is not in the snapshot`;
    case 'ambiguous-key':
      return `key "${p.key}" names ${p.keyArns.length} keys of the snapshot, in different Regions or accounts`;
  }
}

/** What is wrong with a Lambda function kms-why was asked about (src/analyses/lambda.ts), as data. */
export type FunctionProblem =
  | { kind: 'not-an-object' }
  | { kind: 'missing-fields' }
  | { kind: 'not-a-function-arn'; arn: string }
  /** `snapshotFunctions`: the names of the functions the snapshot has, for the hint. */
  | { kind: 'function-not-in-snapshot'; function: string; snapshotFunctions: readonly string[] }
  /** `managed`: the function has no KMSKeyArn, so the key is the AWS managed alias/aws/lambda. */
  | { kind: 'key-not-in-snapshot'; key: string; managed: boolean };

/** A Lambda function kms-why cannot analyze: the problem as data (`problem`), phrased here like RequestError's. */
export class FunctionError extends InputError {
  readonly problem: FunctionProblem;
  constructor(problem: FunctionProblem) {
    const hint = functionProblemHint(problem);
    super(functionProblemText(problem), hint === undefined ? {} : { hint });
    this.problem = problem;
  }
}

function functionProblemText(p: FunctionProblem): string {
  switch (p.kind) {
    case 'not-an-object':
      return 'a Functions entry must be a GetFunctionConfiguration object';
    case 'missing-fields':
      return 'a Functions entry needs FunctionName, FunctionArn and Role (the output of aws lambda get-function-configuration)';
    case 'not-a-function-arn':
      return `FunctionArn "${p.arn}" is not a Lambda function ARN`;
    case 'function-not-in-snapshot':
      return `function "${p.function}" is not in the snapshot`;
    case 'key-not-in-snapshot':
      return `the function's key ${p.key} is not in the snapshot`;
  }
}

function functionProblemHint(p: FunctionProblem): string | undefined {
  switch (p.kind) {
    case 'not-an-object':
    case 'missing-fields':
    case 'not-a-function-arn':
      return undefined;
    case 'function-not-in-snapshot':
      return p.snapshotFunctions.length > 0
        ? `The snapshot has: ${p.snapshotFunctions.join(', ')}.`
        : 'Add "Functions": [<aws lambda get-function-configuration output>] to the snapshot, or write one with kms-why snapshot --lambda NAME.';
    case 'key-not-in-snapshot':
      return p.managed
        ? 'The function uses the AWS managed key alias/aws/lambda: add that key (describe-key, get-key-policy, list-grants) to the snapshot.'
        : 'Add the key to the snapshot (kms-why snapshot writes it).';
  }
}

/** The keys a snapshot has, each as its ARN and aliases: what to give instead of a key it does not have. */
export function snapshotKeysHint(keys: ReadonlyArray<readonly string[]>): string {
  return `The snapshot has: ${keys.map((names) => names.join(' / ')).join('; ') || 'no keys'}.`;
}

/** AWS answered something kms-why cannot use. */
export class AwsError extends KmsWhyError {
  readonly operation: string | undefined;
  constructor(message: string, opts: { operation?: string; hint?: string } = {}) {
    super('aws', message, opts.hint);
    this.name = 'AwsError';
    this.operation = opts.operation;
  }
}

/** A bug in kms-why. */
export class InternalError extends KmsWhyError {
  constructor(message: string) {
    super('internal', message, 'This is a bug in kms-why; please report it with the command line.');
    this.name = 'InternalError';
  }
}
