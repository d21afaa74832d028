// One clear message for every failure; a stack trace only with --debug.
import { InputError, KmsWhyError } from '../model/errors.js';
import { escapeControls } from '../report/escape.js';
import { pushWrapped } from '../report/wrap-spaces.js';

export const EXIT = { allow: 0, deny: 1, usage: 2, unknown: 3, internal: 4 } as const;

/**
 * `redactor` (--redact): the values an input error quotes become placeholders and a syntax
 * error's excerpt of the file is left out, before stderr's redaction of the text as a whole (which
 * knows only the names it learned from inputs that could be read).
 */
export function formatError(e: unknown, debug: boolean, redactor?: { datum(value: string): string }, width = 80): { text: string; code: number } {
  if (e instanceof KmsWhyError) {
    const message = redactor !== undefined && e instanceof InputError ? e.redactedMessage((v) => redactor.datum(v)) : e.message;
    // Messages quote input (file names, ARNs, JSON keys): never a raw control character. The
    // error line stays whole (scripts look for it); the advice is wrapped to the width, at spaces.
    const lines = [`kms-why: error: ${escapeControls(message)}`];
    // A hint of several lines is laid out already (a list of keys, say): left as it is.
    if (e.hint) {
      const hint = escapeControls(e.hint);
      if (hint.includes('\n')) lines.push(`hint: ${hint}`);
      else pushWrapped(lines, hint, width, 'hint: ', '      ');
    }
    if (debug && e.stack) lines.push(e.stack);
    const code = e.fault === 'input' ? EXIT.usage : e.fault === 'aws' ? EXIT.unknown : EXIT.internal;
    return { text: lines.join('\n') + '\n', code };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const lines = [
    `kms-why: internal error: ${escapeControls(err.message)}`,
    'hint: This is a bug in kms-why; please report it with the command line (run again with --debug for details).',
  ];
  if (debug && err.stack) lines.push(err.stack);
  return { text: lines.join('\n') + '\n', code: EXIT.internal };
}
