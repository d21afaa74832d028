// One clear message for every failure; a stack trace only with --debug.
import { KmsWhyError } from '../model/errors.js';
import { escapeControls } from '../report/escape.js';

export const EXIT = { allow: 0, deny: 1, usage: 2, unknown: 3, internal: 4 } as const;

export function formatError(e: unknown, debug: boolean): { text: string; code: number } {
  if (e instanceof KmsWhyError) {
    // Messages quote input (file names, ARNs, JSON keys): never a raw control character.
    const lines = [`kms-why: error: ${escapeControls(e.message)}`];
    if (e.hint) lines.push(`hint: ${escapeControls(e.hint)}`);
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
