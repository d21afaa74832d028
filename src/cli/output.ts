// Choosing and running a renderer. Table and Markdown renderers (chalk, the layout module) are loaded
// only when asked for, to keep the start of a JSON or text run short.
import type { Report } from '../model/report.js';
import { escapeDeep } from '../report/escape.js';
import type { CliIo } from './io.js';

export type OutputFormat = 'table' | 'text' | 'json' | 'markdown';

export interface OutputOptions {
  color: boolean;
  redact: boolean;
  /** The width tables are laid out to (outputWidth). */
  width: number;
  /** Markdown: the most characters the report may take (default: under GitHub's comment limit). */
  markdownBudget?: number;
}

/**
 * The width tables and wrapped text are laid out to: COLUMNS when it is a whole number of at
 * least 20 (the shell's convention, as ls and less read it: a pipe or a CI log can ask for a
 * width), else the terminal's, else 80 (a GitHub comment, a ticket).
 */
export function outputWidth(io: CliIo): number {
  const env = io.env.COLUMNS?.trim();
  if (env !== undefined && /^[0-9]{1,4}$/.test(env) && Number(env) >= 20) return Number(env);
  return io.stdoutIsTTY && io.stdoutColumns !== undefined && io.stdoutColumns >= 20 ? io.stdoutColumns : 80;
}

/**
 * Colour follows the conventions of AWS CLI-like tools: --no-color wins, then NO_COLOR (any
 * non-empty value, no-color.org), then FORCE_COLOR (0 disables), then whether stdout is a terminal.
 */
export function resolveColor(flag: boolean | undefined, io: CliIo): boolean {
  if (flag === false) return false;
  const no = io.env.NO_COLOR;
  if (no !== undefined && no !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return io.stdoutIsTTY;
}

export async function renderReport(report: Report, format: OutputFormat, opts: OutputOptions): Promise<string> {
  let text: string;
  // Input strings are laid out escaped (a newline in a Sid must not forge a line of the report).
  if (format !== 'json') report = escapeDeep(report);
  switch (format) {
    case 'json':
      text = (await import('../report/json.js')).renderJson(report, { color: false });
      break;
    case 'text':
      text = (await import('../report/text.js')).renderText(report, { color: false, width: opts.width });
      break;
    case 'table':
      text = (await import('../report/table.js')).renderTable(report, {
        color: opts.color,
        width: opts.width,
      });
      break;
    case 'markdown':
      text = (await import('../report/markdown.js')).renderMarkdown(report, {
        color: false,
        ...(opts.markdownBudget !== undefined ? { budget: opts.markdownBudget } : {}),
      });
      break;
  }
  // --redact: the run's Redactor has redacted the inputs and redacts every output (src/cli/redact.ts).
  return text;
}
