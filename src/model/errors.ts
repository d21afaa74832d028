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
  constructor(message: string, opts: { file?: string; path?: string; hint?: string } = {}) {
    const where = [opts.file, opts.path].filter((s) => s !== undefined && s !== '').join(': ');
    super('input', where ? `${where}: ${message}` : message, opts.hint);
    this.name = 'InputError';
    this.file = opts.file;
    this.path = opts.path;
  }
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
